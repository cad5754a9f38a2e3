/*
 * ioapic.c: the I/O APIC, which turns device interrupt lines (global
 * system interrupts) into vectors on the boot processor, and the table of
 * handlers behind those vectors.
 */
#include "ioapic.h"

#include "arch.h"
#include "percpu.h"

#include "console.h"

#define IOAPIC_DEFAULT_ADDRESS 0xfec00000UL
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIRECTION(n) (0x10 + 2 * (n))
#define REDIRECTION_MASKED (1u << 16)
#define REDIRECTION_LEVEL (1u << 15)
#define REDIRECTION_ACTIVE_LOW (1u << 13)

struct irq_handler {
	void (*handler)(void *ctx);
	void *ctx;
};

static volatile uint32_t *ioapic;
static uint32_t gsi_base, gsi_count;
static uint32_t isa_irq_gsi[16];
static struct irq_handler handlers[X86_VECTOR_DEVICE_LAST - X86_VECTOR_DEVICE_FIRST + 1];
static unsigned next_vector = X86_VECTOR_DEVICE_FIRST;

static uint32_t ioapic_read(uint32_t reg)
{
	ioapic[IOREGSEL / 4] = reg;
	return ioapic[IOWIN / 4];
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	ioapic[IOREGSEL / 4] = reg;
	ioapic[IOWIN / 4] = v;
}

void x86_ioapic_init(const struct madt_info *madt)
{
	uintptr_t base = madt->ioapic_address ? madt->ioapic_address : IOAPIC_DEFAULT_ADDRESS;

	if (!arch_map_page(base, base, MAP_READ | MAP_WRITE | MAP_UNCACHED))
		return;
	ioapic = (volatile uint32_t *)base;
	gsi_base = madt->ioapic_gsi_base;
	gsi_count = ((ioapic_read(IOAPIC_VERSION) >> 16) & 0xff) + 1;
	for (unsigned i = 0; i < 16; i++)
		isa_irq_gsi[i] = madt->isa_irq_gsi[i];
	for (uint32_t i = 0; i < gsi_count; i++)
		ioapic_write(IOAPIC_REDIRECTION(i), REDIRECTION_MASKED);
}

bool arch_irq_attach(unsigned line, bool isa, void (*handler)(void *ctx), void *ctx)
{
	uint32_t gsi = isa && line < 16 ? isa_irq_gsi[line] : line;
	uint32_t flags = isa ? 0 : REDIRECTION_LEVEL | REDIRECTION_ACTIVE_LOW;

	if (!ioapic || gsi < gsi_base || gsi - gsi_base >= gsi_count ||
	    next_vector > X86_VECTOR_DEVICE_LAST) {
		kprintf("lull: cannot route interrupt line %u\n", line);
		return false;
	}
	unsigned vector = next_vector++;
	handlers[vector - X86_VECTOR_DEVICE_FIRST] = (struct irq_handler){ handler, ctx };
	uint32_t pin = gsi - gsi_base;
	ioapic_write(IOAPIC_REDIRECTION(pin) + 1, x86_percpu_of(0)->apic_id << 24);
	ioapic_write(IOAPIC_REDIRECTION(pin), vector | flags);
	return true;
}

bool x86_irq_dispatch(unsigned vector)
{
	if (vector < X86_VECTOR_DEVICE_FIRST || vector > X86_VECTOR_DEVICE_LAST)
		return false;
	struct irq_handler *h = &handlers[vector - X86_VECTOR_DEVICE_FIRST];
	if (!h->handler)
		return false;
	h->handler(h->ctx);
	return true;
}

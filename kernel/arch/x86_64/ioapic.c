/*
 * ioapic.c: the I/O APIC, which turns device interrupt lines (global
 * system interrupts) into vectors on the boot processor, MSI messages for
 * PCI devices, and the table of handlers behind those vectors.
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

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base, gsi_count;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static size_t ioapic_count;
static uint32_t isa_irq_gsi[16];
static struct irq_handler handlers[X86_VECTOR_DEVICE_LAST - X86_VECTOR_DEVICE_FIRST + 1];
static unsigned next_vector = X86_VECTOR_DEVICE_FIRST;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

static void add_ioapic(uintptr_t base, uint32_t gsi_base)
{
	if (!arch_map_page(base, base, MAP_READ | MAP_WRITE | MAP_UNCACHED))
		return;
	struct ioapic *io = &ioapics[ioapic_count++];
	io->regs = (volatile uint32_t *)base;
	io->gsi_base = gsi_base;
	io->gsi_count = ((ioapic_read(io, IOAPIC_VERSION) >> 16) & 0xff) + 1;
	for (uint32_t i = 0; i < io->gsi_count; i++)
		ioapic_write(io, IOAPIC_REDIRECTION(i), REDIRECTION_MASKED);
}

/* Without a MADT, assume the PC's one I/O APIC at its usual address. */
void x86_ioapic_init(const struct madt_info *madt)
{
	for (size_t i = 0; i < madt->ioapic_count; i++)
		add_ioapic(madt->ioapics[i].address, madt->ioapics[i].gsi_base);
	if (!madt->ioapic_count)
		add_ioapic(IOAPIC_DEFAULT_ADDRESS, 0);
	for (unsigned i = 0; i < 16; i++)
		isa_irq_gsi[i] = madt->isa_irq_gsi[i];
}

size_t x86_ioapic_count(void)
{
	return ioapic_count;
}

static struct ioapic *ioapic_for(uint32_t gsi)
{
	for (size_t i = 0; i < ioapic_count; i++)
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].gsi_count)
			return &ioapics[i];
	return NULL;
}

/* Returns a free device vector with the handler installed, or 0. */
static unsigned allocate_vector(void (*handler)(void *ctx), void *ctx)
{
	if (next_vector > X86_VECTOR_DEVICE_LAST)
		return 0;
	unsigned vector = next_vector++;
	handlers[vector - X86_VECTOR_DEVICE_FIRST] = (struct irq_handler){ handler, ctx };
	return vector;
}

bool arch_irq_attach(unsigned line, enum irq_mode mode, void (*handler)(void *ctx), void *ctx)
{
	uint32_t gsi = mode == IRQ_ISA && line < 16 ? isa_irq_gsi[line] : line;
	uint32_t flags = mode == IRQ_ISA		? 0
			 : mode == IRQ_LEVEL_HIGH ? REDIRECTION_LEVEL
						  : REDIRECTION_LEVEL | REDIRECTION_ACTIVE_LOW;
	struct ioapic *io = ioapic_for(gsi);
	unsigned vector;

	/* A line has one handler: a second device on it would take the
	 * first one's interrupts. */
	if (io && !(ioapic_read(io, IOAPIC_REDIRECTION(gsi - io->gsi_base)) & REDIRECTION_MASKED)) {
		kprintf("lull: interrupt line %u is already in use (lines are not shared)\n", line);
		return false;
	}
	if (!io || !(vector = allocate_vector(handler, ctx))) {
		kprintf("lull: cannot route interrupt line %u\n", line);
		return false;
	}
	uint32_t pin = gsi - io->gsi_base;
	ioapic_write(io, IOAPIC_REDIRECTION(pin) + 1, x86_percpu_of(0)->apic_id << 24);
	ioapic_write(io, IOAPIC_REDIRECTION(pin), vector | flags);
	return true;
}

/* Intel SDM 10.11: the message goes to core cpu's local APIC, fixed
 * delivery, edge triggered. */
bool arch_msi_attach(unsigned cpu, void (*handler)(void *ctx), void *ctx, uint64_t *address,
		     uint32_t *data)
{
	unsigned vector = allocate_vector(handler, ctx);
	if (!vector)
		return false;
	*address = 0xfee00000u | x86_percpu_of(cpu)->apic_id << 12;
	*data = vector;
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

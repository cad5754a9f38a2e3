/*
 * virtio_mmio.c: the virtio-mmio transport, version 2 (virtio 1.x, section
 * 4.2), as on QEMU's microvm. A device has one interrupt line for all its
 * queues; the handler acknowledges it, then runs each queue's handler.
 */
#include "drivers/virtio/virtio_mmio.h"

#include "arch.h"
#include "console.h"
#include "drivers/pci.h"
#include "drivers/virtio/virtio.h"
#include "lib/list.h"
#include "mm/kmalloc.h"

#define MMIO_MAGIC_VALUE 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC_LOW 0x080
#define MMIO_QUEUE_DRIVER_LOW 0x090
#define MMIO_QUEUE_DEVICE_LOW 0x0a0
#define MMIO_CONFIG_GENERATION 0x0fc
#define MMIO_CONFIG 0x100
#define MAGIC_VIRT 0x74726976
#define MAX_SLOTS 32

struct virtio_mmio {
	struct virtio_device vdev;
	volatile uint8_t *regs;
	unsigned irq;
	struct virtio_line line;
};

static struct virtio_mmio *of(struct virtio_device *d)
{
	return container_of(d, struct virtio_mmio, vdev);
}

static uint32_t reg_read(struct virtio_mmio *m, unsigned off)
{
	return *(volatile uint32_t *)(m->regs + off);
}

static void reg_write(struct virtio_mmio *m, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(m->regs + off) = v;
}

static uint64_t device_features(struct virtio_device *d)
{
	reg_write(of(d), MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t low = reg_read(of(d), MMIO_DEVICE_FEATURES);
	reg_write(of(d), MMIO_DEVICE_FEATURES_SEL, 1);
	return low | (uint64_t)reg_read(of(d), MMIO_DEVICE_FEATURES) << 32;
}

static void set_driver_features(struct virtio_device *d, uint64_t features)
{
	reg_write(of(d), MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(of(d), MMIO_DRIVER_FEATURES, (uint32_t)features);
	reg_write(of(d), MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(of(d), MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
}

static uint8_t status(struct virtio_device *d)
{
	return (uint8_t)reg_read(of(d), MMIO_STATUS);
}

static void set_status(struct virtio_device *d, uint8_t s)
{
	reg_write(of(d), MMIO_STATUS, s);
}

static uint16_t queue_max_size(struct virtio_device *d, uint16_t index)
{
	reg_write(of(d), MMIO_QUEUE_SEL, index);
	return (uint16_t)reg_read(of(d), MMIO_QUEUE_NUM_MAX);
}

static void device_interrupt(void *ctx)
{
	struct virtio_mmio *m = ctx;
	uint32_t pending = reg_read(m, MMIO_INTERRUPT_STATUS);

	reg_write(m, MMIO_INTERRUPT_ACK, pending);
	virtio_line_run(&m->line);
}

static void write_address(struct virtio_mmio *m, unsigned low_reg, uintptr_t addr)
{
	reg_write(m, low_reg, (uint32_t)addr);
	reg_write(m, low_reg + 4, (uint32_t)((uint64_t)addr >> 32));
}

/* The device's one line goes to the boot processor, whatever `cpu`. */
static bool enable_queue(struct virtio_device *d, struct virtq *q, unsigned cpu,
			 void (*handler)(void *ctx), void *ctx)
{
	struct virtio_mmio *m = of(d);

	(void)cpu;
	if (!virtio_line_add(&m->line, q->index, handler, ctx))
		return false;
	if (!m->line.attached) {
		if (!arch_irq_attach(m->irq, IRQ_LEVEL_HIGH, device_interrupt, m))
			return false;
		m->line.attached = true;
	}
	reg_write(m, MMIO_QUEUE_SEL, q->index);
	reg_write(m, MMIO_QUEUE_NUM, q->size);
	write_address(m, MMIO_QUEUE_DESC_LOW, q->desc_addr);
	write_address(m, MMIO_QUEUE_DRIVER_LOW, q->avail_addr);
	write_address(m, MMIO_QUEUE_DEVICE_LOW, q->used_addr);
	reg_write(m, MMIO_QUEUE_READY, 1);
	q->notify_addr = (uintptr_t)(m->regs + MMIO_QUEUE_NOTIFY);
	return true;
}

static void notify(struct virtio_device *d, struct virtq *q)
{
	(void)d;
	*(volatile uint32_t *)q->notify_addr = q->index;
}

static uint8_t config_read8(struct virtio_device *d, unsigned offset)
{
	return of(d)->regs[MMIO_CONFIG + offset];
}

static uint16_t config_read16(struct virtio_device *d, unsigned offset)
{
	return *(volatile uint16_t *)(of(d)->regs + MMIO_CONFIG + offset);
}

static uint32_t config_read32(struct virtio_device *d, unsigned offset)
{
	return reg_read(of(d), MMIO_CONFIG + offset);
}

static uint32_t config_generation(struct virtio_device *d)
{
	return reg_read(of(d), MMIO_CONFIG_GENERATION);
}

static const struct virtio_transport_ops mmio_ops = {
	.device_features = device_features,
	.set_driver_features = set_driver_features,
	.status = status,
	.set_status = set_status,
	.queue_max_size = queue_max_size,
	.enable_queue = enable_queue,
	.notify = notify,
	.config_read8 = config_read8,
	.config_read16 = config_read16,
	.config_read32 = config_read32,
	.config_generation = config_generation,
};

static void probe_slot(const struct virtio_mmio_slot *slot)
{
	volatile uint8_t *regs = (volatile uint8_t *)slot->base;

	if (!pci_map_mmio(slot->base, 0x200) ||
	    *(volatile uint32_t *)(regs + MMIO_MAGIC_VALUE) != MAGIC_VIRT)
		return;
	uint32_t version = *(volatile uint32_t *)(regs + MMIO_VERSION);
	uint32_t type = *(volatile uint32_t *)(regs + MMIO_DEVICE_ID);
	if (!type)
		return; /* an empty slot */
	if (version != 2) {
		kprintf("lull: legacy virtio-mmio device at 0x%lx ignored (run QEMU with "
			"-global virtio-mmio.force-legacy=false)\n", (unsigned long)slot->base);
		return;
	}
	struct virtio_mmio *m = kmalloc(sizeof *m);
	if (!m)
		return;
	m->regs = regs;
	m->irq = slot->irq;
	m->vdev = (struct virtio_device){ .ops = &mmio_ops, .type = type,
					  .transport_name = "virtio-mmio" };
	virtio_device_found(&m->vdev);
}

/* QEMU fills the slots from the highest address down, in the order of its
 * command line; probing from the top finds devices in that order, so that
 * the first disk given to QEMU is disk0, as on PCI. */
void virtio_mmio_scan(void)
{
	struct virtio_mmio_slot slots[MAX_SLOTS];
	size_t n = arch_virtio_mmio_slots(slots, MAX_SLOTS);

	while (n > 0)
		probe_slot(&slots[--n]);
}

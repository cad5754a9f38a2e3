/*
 * virtio_pci.c: the virtio-pci transport, modern interface (virtio 1.x,
 * section 4.1): the device's registers are found through vendor-specific
 * PCI capabilities, and each queue interrupts through its own MSI-X vector,
 * or, on a device without MSI-X, all of them through its INTx line.
 */
#include "drivers/virtio/virtio_pci.h"

#include "arch.h"
#include "console.h"
#include "drivers/pci.h"
#include "drivers/virtio/virtio.h"
#include "lib/list.h"
#include "mm/kmalloc.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define DEVICE_ID_MODERN_FIRST 0x1040
#define DEVICE_ID_MODERN_LAST 0x107f
#define DEVICE_ID_TRANSITIONAL_FIRST 0x1000
#define DEVICE_ID_TRANSITIONAL_LAST 0x103f
#define PCI_SUBSYSTEM_ID 0x2c
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define NO_INTERRUPT_LINE 0xff

#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* struct virtio_pci_common_cfg offsets */
#define COMMON_DEVICE_FEATURE_SELECT 0
#define COMMON_DEVICE_FEATURE 4
#define COMMON_DRIVER_FEATURE_SELECT 8
#define COMMON_DRIVER_FEATURE 12
#define COMMON_MSIX_CONFIG 16
#define COMMON_STATUS 20
#define COMMON_CONFIG_GENERATION 21
#define COMMON_QUEUE_SELECT 22
#define COMMON_QUEUE_SIZE 24
#define COMMON_QUEUE_MSIX_VECTOR 26
#define COMMON_QUEUE_ENABLE 28
#define COMMON_QUEUE_NOTIFY_OFF 30
#define COMMON_QUEUE_DESC 32
#define COMMON_QUEUE_DRIVER 40
#define COMMON_QUEUE_DEVICE 48
#define NO_VECTOR 0xffff
#define ISR_QUEUE 1

struct virtio_pci {
	struct virtio_device vdev;
	struct pci_device pci;
	volatile uint8_t *common, *device_config, *isr;
	uintptr_t notify_base;
	uint32_t notify_multiplier;
	unsigned next_vector;
	bool intx;               /* no MSI-X: the queues share the INTx line */
	uint8_t intx_line;       /* ... which firmware routed to this I/O APIC input */
	struct virtio_line line; /* ... and these are their handlers */
};

static struct virtio_pci *of(struct virtio_device *d)
{
	return container_of(d, struct virtio_pci, vdev);
}

static void write16(volatile uint8_t *base, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(base + off) = v;
}

static void write32(volatile uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

static void write64(volatile uint8_t *base, unsigned off, uint64_t v)
{
	write32(base, off, (uint32_t)v);
	write32(base, off + 4, (uint32_t)(v >> 32));
}

static uint16_t read16(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint16_t *)(base + off);
}

static uint32_t read32(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static uint64_t device_features(struct virtio_device *d)
{
	volatile uint8_t *c = of(d)->common;
	write32(c, COMMON_DEVICE_FEATURE_SELECT, 0);
	uint64_t low = read32(c, COMMON_DEVICE_FEATURE);
	write32(c, COMMON_DEVICE_FEATURE_SELECT, 1);
	return low | (uint64_t)read32(c, COMMON_DEVICE_FEATURE) << 32;
}

static void set_driver_features(struct virtio_device *d, uint64_t features)
{
	volatile uint8_t *c = of(d)->common;
	write32(c, COMMON_DRIVER_FEATURE_SELECT, 0);
	write32(c, COMMON_DRIVER_FEATURE, (uint32_t)features);
	write32(c, COMMON_DRIVER_FEATURE_SELECT, 1);
	write32(c, COMMON_DRIVER_FEATURE, (uint32_t)(features >> 32));
}

static uint8_t status(struct virtio_device *d)
{
	return of(d)->common[COMMON_STATUS];
}

static void set_status(struct virtio_device *d, uint8_t s)
{
	of(d)->common[COMMON_STATUS] = s;
}

static uint16_t queue_max_size(struct virtio_device *d, uint16_t index)
{
	write16(of(d)->common, COMMON_QUEUE_SELECT, index);
	return read16(of(d)->common, COMMON_QUEUE_SIZE);
}

/* Reading the ISR status acknowledges the interrupt and lowers the line
 * (section 4.1.4.5), so it must come before the I/O APIC's end of
 * interrupt; a zero says the interrupt was another device's on a shared
 * line. */
static void intx_interrupt(void *ctx)
{
	struct virtio_pci *vp = ctx;

	if (*vp->isr & ISR_QUEUE)
		virtio_line_run(&vp->line);
}

/* QEMU drives PCI interrupt lines active high, as its MADT's overrides
 * for them say. */
static bool attach_intx(struct virtio_pci *vp, uint16_t index, void (*handler)(void *ctx),
			void *ctx)
{
	if (!virtio_line_add(&vp->line, index, handler, ctx)) {
		kprintf("lull: virtio-pci: queue %u cannot share the INTx line\n", index);
		return false;
	}
	if (vp->line.attached)
		return true;
	if (!arch_irq_attach(vp->intx_line, IRQ_LEVEL_HIGH, intx_interrupt, vp))
		return false;
	vp->line.attached = true;
	return true;
}

static bool attach_msix(struct virtio_pci *vp, uint16_t index, unsigned cpu,
			void (*handler)(void *ctx), void *ctx)
{
	volatile uint8_t *c = vp->common;
	unsigned vector = vp->next_vector;

	if (!pci_msix_attach(&vp->pci, vector, cpu, handler, ctx)) {
		kprintf("lull: virtio-pci: no MSI-X vector for queue %u\n", index);
		return false;
	}
	vp->next_vector++;
	write16(c, COMMON_QUEUE_MSIX_VECTOR, (uint16_t)vector);
	if (read16(c, COMMON_QUEUE_MSIX_VECTOR) != vector) {
		kprintf("lull: virtio-pci: the device refused MSI-X vector %u\n", vector);
		return false;
	}
	return true;
}

/* With INTx every queue's interrupt goes to the boot processor, whatever
 * `cpu`. */
static bool enable_queue(struct virtio_device *d, struct virtq *q, unsigned cpu,
			 void (*handler)(void *ctx), void *ctx)
{
	struct virtio_pci *vp = of(d);
	volatile uint8_t *c = vp->common;

	write16(c, COMMON_QUEUE_SELECT, q->index);
	write16(c, COMMON_QUEUE_SIZE, q->size);
	write64(c, COMMON_QUEUE_DESC, q->desc_addr);
	write64(c, COMMON_QUEUE_DRIVER, q->avail_addr);
	write64(c, COMMON_QUEUE_DEVICE, q->used_addr);
	if (vp->intx ? !attach_intx(vp, q->index, handler, ctx)
		     : !attach_msix(vp, q->index, cpu, handler, ctx))
		return false;
	q->notify_addr = vp->notify_base + (uintptr_t)read16(c, COMMON_QUEUE_NOTIFY_OFF) *
						   vp->notify_multiplier;
	write16(c, COMMON_QUEUE_ENABLE, 1);
	return true;
}

static void notify(struct virtio_device *d, struct virtq *q)
{
	(void)d;
	*(volatile uint16_t *)q->notify_addr = q->index;
}

static uint8_t config_read8(struct virtio_device *d, unsigned offset)
{
	return of(d)->device_config[offset];
}

static uint16_t config_read16(struct virtio_device *d, unsigned offset)
{
	return read16(of(d)->device_config, offset);
}

static uint32_t config_read32(struct virtio_device *d, unsigned offset)
{
	return read32(of(d)->device_config, offset);
}

static uint32_t config_generation(struct virtio_device *d)
{
	return of(d)->common[COMMON_CONFIG_GENERATION];
}

static const struct virtio_transport_ops pci_ops = {
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

/* Finds and maps the structures the vendor capabilities point to. */
static bool map_structures(struct virtio_pci *vp)
{
	for (unsigned cap = pci_find_capability(&vp->pci, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_capability(&vp->pci, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(&vp->pci, cap + 3);
		uintptr_t bar = pci_bar_address(&vp->pci, pci_read8(&vp->pci, cap + 4));
		uintptr_t addr = bar + pci_read32(&vp->pci, cap + 8);
		uint32_t len = pci_read32(&vp->pci, cap + 12);
		if (!bar || (type != CAP_COMMON && type != CAP_NOTIFY && type != CAP_DEVICE &&
			     type != CAP_ISR))
			continue;
		if (!pci_map_mmio(addr, len))
			return false;
		if (type == CAP_COMMON && !vp->common)
			vp->common = (volatile uint8_t *)addr;
		else if (type == CAP_DEVICE && !vp->device_config)
			vp->device_config = (volatile uint8_t *)addr;
		else if (type == CAP_ISR && !vp->isr)
			vp->isr = (volatile uint8_t *)addr;
		else if (type == CAP_NOTIFY && !vp->notify_base) {
			vp->notify_base = addr;
			vp->notify_multiplier = pci_read32(&vp->pci, cap + 16);
		}
	}
	return vp->common && vp->notify_base && vp->device_config && vp->isr;
}

/* MSI-X when the device has it; otherwise its INTx line, which firmware
 * must have routed. */
static bool choose_interrupts(struct virtio_pci *vp)
{
	if (pci_msix_enable(&vp->pci)) {
		write16(vp->common, COMMON_MSIX_CONFIG, NO_VECTOR);
		vp->vdev.queue_vectors = vp->pci.msix_count;
		return true;
	}
	vp->intx = true;
	vp->intx_line = pci_read8(&vp->pci, PCI_INTERRUPT_LINE);
	if (pci_read8(&vp->pci, PCI_INTERRUPT_PIN) && vp->intx_line != NO_INTERRUPT_LINE)
		return true;
	kprintf("lull: virtio-pci device %02x:%02x.%x has neither MSI-X nor a routed INTx line; "
		"ignored\n", vp->pci.bus, vp->pci.dev, vp->pci.fn);
	return false;
}

static void probe(struct pci_device *pci)
{
	uint32_t type;

	if (pci->vendor != VIRTIO_PCI_VENDOR)
		return;
	if (pci->device >= DEVICE_ID_MODERN_FIRST && pci->device <= DEVICE_ID_MODERN_LAST)
		type = pci->device - DEVICE_ID_MODERN_FIRST;
	else if (pci->device >= DEVICE_ID_TRANSITIONAL_FIRST &&
		 pci->device <= DEVICE_ID_TRANSITIONAL_LAST)
		type = pci_read32(pci, PCI_SUBSYSTEM_ID) >> 16;
	else
		return;

	struct virtio_pci *vp = kmalloc(sizeof *vp);
	if (!vp)
		return;
	vp->pci = *pci;
	vp->vdev = (struct virtio_device){ .ops = &pci_ops, .type = type,
					   .transport_name = "virtio-pci" };
	pci_enable(&vp->pci);
	if (!map_structures(vp)) {
		kprintf("lull: virtio-pci device %02x:%02x.%x lacks the modern interface; ignored\n",
			pci->bus, pci->dev, pci->fn);
		kfree(vp, sizeof *vp);
		return;
	}
	if (!choose_interrupts(vp)) {
		kfree(vp, sizeof *vp);
		return;
	}
	virtio_device_found(&vp->vdev);
}

void virtio_pci_scan(void)
{
	pci_scan(probe);
}

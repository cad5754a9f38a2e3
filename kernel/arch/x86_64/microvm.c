/*
 * microvm.c: where QEMU's microvm machine puts its virtio-mmio devices.
 *
 * microvm has 512-byte virtio-mmio slots from 0xfeb00000, filled from the
 * last one down. With ACPI (the default) it adds a second I/O APIC and has
 * 24 slots, slot N on GSI 24+N; without, 8 slots, slot N on GSI 5+N (QEMU
 * then also lists the devices on the kernel command line as
 * virtio_mmio.device=..., which agrees). An empty slot reads device id 0;
 * these addresses on another machine read no "virt" magic.
 */
#include "arch.h"
#include "ioapic.h"

#define MICROVM_VIRTIO_BASE 0xfeb00000UL
#define MICROVM_VIRTIO_SLOT_SIZE 0x200
#define SLOTS_ONE_IOAPIC 8
#define SLOTS_TWO_IOAPICS 24
#define IRQ_BASE_ONE_IOAPIC 5
#define IRQ_BASE_TWO_IOAPICS 24

size_t arch_virtio_mmio_slots(struct virtio_mmio_slot *slots, size_t max)
{
	bool two = x86_ioapic_count() > 1;
	unsigned irq_base = two ? IRQ_BASE_TWO_IOAPICS : IRQ_BASE_ONE_IOAPIC;
	unsigned count = two ? SLOTS_TWO_IOAPICS : SLOTS_ONE_IOAPIC;
	size_t n = 0;

	for (unsigned i = 0; i < count && n < max; i++)
		slots[n++] = (struct virtio_mmio_slot){ MICROVM_VIRTIO_BASE + i * MICROVM_VIRTIO_SLOT_SIZE,
							irq_base + i };
	return n;
}

/* pci.c: PCI enumeration, BARs and MSI-X (see pci.h). */
#include "drivers/pci.h"

#include "arch.h"

#define PCI_VENDOR_NONE 0xffff
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_STATUS_CAP_LIST (1u << 20) /* in the dword at 0x04 */
#define PCI_CLASS 0x08
#define PCI_HEADER_TYPE 0x0c
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x18
#define PCI_CAP_POINTER 0x34
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04
#define MSIX_CONTROL_ENABLE (1u << 31) /* in the capability's first dword */
#define MSIX_CONTROL_MASK_ALL (1u << 30)

uint32_t pci_read32(const struct pci_device *d, unsigned offset)
{
	return arch_pci_read32(d->bus, d->dev, d->fn, offset);
}

uint8_t pci_read8(const struct pci_device *d, unsigned offset)
{
	return (uint8_t)(pci_read32(d, offset & ~3u) >> (8 * (offset & 3)));
}

void pci_write32(const struct pci_device *d, unsigned offset, uint32_t v)
{
	arch_pci_write32(d->bus, d->dev, d->fn, offset, v);
}

static void scan_bus(unsigned bus, void (*probe)(struct pci_device *d), unsigned depth)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = arch_pci_read32(bus, dev, fn, 0);
			if ((id & 0xffff) == PCI_VENDOR_NONE) {
				if (fn == 0)
					break;
				continue;
			}
			struct pci_device d = { .bus = (uint8_t)bus, .dev = (uint8_t)dev,
						.fn = (uint8_t)fn, .vendor = (uint16_t)id,
						.device = (uint16_t)(id >> 16) };
			uint32_t class = pci_read32(&d, PCI_CLASS);
			d.class_code = (uint8_t)(class >> 24);
			d.subclass = (uint8_t)(class >> 16);
			if (d.class_code == PCI_CLASS_BRIDGE && d.subclass == PCI_SUBCLASS_PCI_BRIDGE) {
				unsigned secondary = pci_read8(&d, PCI_SECONDARY_BUS + 1);
				if (secondary > bus && depth < 8) /* bad firmware cannot loop us */
					scan_bus(secondary, probe, depth + 1);
			} else {
				probe(&d);
			}
			if (fn == 0 && !(pci_read8(&d, PCI_HEADER_TYPE + 2) & 0x80))
				break; /* single-function device */
		}
	}
}

void pci_scan(void (*probe)(struct pci_device *d))
{
	scan_bus(0, probe, 0);
}

uintptr_t pci_bar_address(const struct pci_device *d, unsigned bar)
{
	if (bar > 5)
		return 0;
	uint32_t low = pci_read32(d, PCI_BAR0 + 4 * bar);
	if (low & 1)
		return 0; /* I/O space */
	uint64_t address = low & ~0xfu;
	if ((low & 6) == 4 && bar < 5) /* 64-bit */
		address |= (uint64_t)pci_read32(d, PCI_BAR0 + 4 * (bar + 1)) << 32;
	return (uintptr_t)address;
}

bool pci_map_mmio(uintptr_t address, uintptr_t len)
{
	for (uintptr_t p = PAGE_ALIGN_DOWN(address); p < address + len; p += PAGE_SIZE)
		if (!arch_map_page(p, p, MAP_READ | MAP_WRITE | MAP_UNCACHED))
			return false;
	return true;
}

unsigned pci_find_capability(const struct pci_device *d, uint8_t id, unsigned from)
{
	if (!(pci_read32(d, PCI_COMMAND) & PCI_STATUS_CAP_LIST))
		return 0;
	unsigned offset = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_POINTER);
	for (unsigned hops = 0; offset >= 0x40 && hops < 48; hops++) {
		if (pci_read8(d, offset) == id)
			return offset;
		offset = pci_read8(d, offset + 1);
	}
	return 0;
}

void pci_enable(const struct pci_device *d)
{
	uint32_t command = pci_read32(d, PCI_COMMAND) & 0xffff;
	pci_write32(d, PCI_COMMAND, command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

bool pci_msix_enable(struct pci_device *d)
{
	unsigned cap = pci_find_capability(d, PCI_CAP_MSIX, 0);
	if (!cap)
		return false;
	uint32_t control = pci_read32(d, cap);
	uint32_t table = pci_read32(d, cap + 4);
	uintptr_t bar = pci_bar_address(d, table & 7);
	d->msix_count = (uint16_t)(((control >> 16) & 0x7ff) + 1);
	if (!bar || !pci_map_mmio(bar + (table & ~7u), 16UL * d->msix_count))
		return false;
	d->msix_table = (volatile uint32_t *)(bar + (table & ~7u));
	for (unsigned i = 0; i < d->msix_count; i++)
		d->msix_table[4 * i + 3] = 1; /* masked until attached */
	pci_write32(d, cap, (control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_MASK_ALL);
	return true;
}

bool pci_msix_attach(struct pci_device *d, unsigned index, unsigned cpu,
		     void (*handler)(void *ctx), void *ctx)
{
	uint64_t address;
	uint32_t data;

	if (!d->msix_table || index >= d->msix_count ||
	    !arch_msi_attach(cpu, handler, ctx, &address, &data))
		return false;
	volatile uint32_t *entry = &d->msix_table[4 * index];
	entry[0] = (uint32_t)address;
	entry[1] = (uint32_t)(address >> 32);
	entry[2] = data;
	entry[3] = 0; /* unmasked */
	return true;
}

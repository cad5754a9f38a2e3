/*
 * pci.h: finding PCI devices and using their configuration space, BARs
 * and MSI-X.
 */
#ifndef LULL_DRIVERS_PCI_H
#define LULL_DRIVERS_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX 0x11

struct pci_device {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass;
	/* MSI-X, once enabled */
	volatile uint32_t *msix_table;
	uint16_t msix_count;
};

uint32_t pci_read32(const struct pci_device *d, unsigned offset);
uint8_t pci_read8(const struct pci_device *d, unsigned offset);
void pci_write32(const struct pci_device *d, unsigned offset, uint32_t v);

/* Calls probe for every function on every bus reachable from bus 0. */
void pci_scan(void (*probe)(struct pci_device *d));

/* The physical address of a memory BAR, or 0 for an I/O or unset BAR. */
uintptr_t pci_bar_address(const struct pci_device *d, unsigned bar);

/* Maps [address, address+len) uncached; false without memory. */
bool pci_map_mmio(uintptr_t address, uintptr_t len);

/* Offset of the first capability with this id at or after `from` (0 to
 * start at the head of the list), or 0. */
unsigned pci_find_capability(const struct pci_device *d, uint8_t id, unsigned from);

/* Turns on memory decoding and bus mastering (DMA). */
void pci_enable(const struct pci_device *d);

/* Enables MSI-X with its table mapped; false if the device has none. */
bool pci_msix_enable(struct pci_device *d);
/* Points MSI-X entry `index` at a handler run on core `cpu`; false if out
 * of vectors. */
bool pci_msix_attach(struct pci_device *d, unsigned index, unsigned cpu,
		     void (*handler)(void *ctx), void *ctx);

#endif

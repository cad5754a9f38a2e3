/*
 * pci_config.c: PCI configuration space through the legacy I/O ports
 * 0xcf8/0xcfc, which every PC-compatible machine QEMU emulates has (q35's
 * ECAM would also reach extended space, which virtio does not need).
 */
#include "arch.h"
#include "x86.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc

static void select_register(unsigned bus, unsigned dev, unsigned fn, unsigned offset)
{
	outl(CONFIG_ADDRESS, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (offset & 0xfc));
}

uint32_t arch_pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned offset)
{
	select_register(bus, dev, fn, offset);
	return inl(CONFIG_DATA);
}

void arch_pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned offset, uint32_t value)
{
	select_register(bus, dev, fn, offset);
	outl(CONFIG_DATA, value);
}

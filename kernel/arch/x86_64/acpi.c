/*
 * acpi.c: finding the processors in the ACPI MADT.
 *
 * The RSDP comes from the boot loader when it says where it is (PVH,
 * Multiboot2), or from the BIOS areas where firmware puts it. Table pages
 * are mapped read-only on first use: firmware may report them as reserved
 * memory, which the direct map leaves out.
 */
#include "acpi.h"

#include "arch.h"

#include <string.h>

#define MADT_LOCAL_APIC 0
#define MADT_IO_APIC 1
#define MADT_SOURCE_OVERRIDE 2
#define MADT_ENABLED 1
#define MADT_ONLINE_CAPABLE 2

struct rsdp {
	char signature[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_revision, creator, creator_revision;
} __attribute__((packed));

static bool map_readable(uintptr_t addr, size_t len)
{
	uintptr_t pa;

	for (uintptr_t p = PAGE_ALIGN_DOWN(addr); p < addr + len; p += PAGE_SIZE)
		if (!arch_translate(p, &pa) && !arch_map_page(p, p, MAP_READ))
			return false;
	return true;
}

static bool checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

static const struct rsdp *scan_for_rsdp(uintptr_t start, uintptr_t end)
{
	if (!map_readable(start, end - start))
		return NULL;
	for (uintptr_t p = start; p + sizeof(struct rsdp) <= end; p += 16) {
		const struct rsdp *r = (const struct rsdp *)p;
		if (!memcmp(r->signature, "RSD PTR ", 8) && checksum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct rsdp *find_rsdp(uintptr_t hint)
{
	if (hint && map_readable(hint, sizeof(struct rsdp))) {
		const struct rsdp *r = (const struct rsdp *)hint;
		if (!memcmp(r->signature, "RSD PTR ", 8) && checksum_ok(r, 20))
			return r;
	}
	if (!map_readable(0x40e, 2))
		return NULL;
	/* The BIOS data area holds the EBDA's segment; the empty asm keeps the
	 * compiler from treating a fixed address as an out-of-bounds object. */
	const uint16_t *ebda_segment = (const uint16_t *)0x40e;
	__asm__("" : "+r"(ebda_segment));
	uintptr_t ebda = (uintptr_t)*ebda_segment << 4;
	const struct rsdp *r = ebda ? scan_for_rsdp(ebda, ebda + 1024) : NULL;
	return r ? r : scan_for_rsdp(0xe0000, 0x100000);
}

static const struct sdt_header *map_table(uintptr_t addr)
{
	if (!addr || !map_readable(addr, sizeof(struct sdt_header)))
		return NULL;
	const struct sdt_header *h = (const struct sdt_header *)addr;
	if (!map_readable(addr, h->length) || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

static const struct sdt_header *find_table(const struct rsdp *rsdp, const char *signature)
{
	bool wide = rsdp->revision >= 2 && rsdp->xsdt;
	const struct sdt_header *root = map_table(wide ? rsdp->xsdt : rsdp->rsdt);
	if (!root)
		return NULL;
	size_t entry_size = wide ? 8 : 4;
	size_t count = (root->length - sizeof *root) / entry_size;
	const uint8_t *entries = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < count; i++) {
		uint64_t addr = 0;
		memcpy(&addr, entries + i * entry_size, entry_size);
		const struct sdt_header *h = map_table(addr);
		if (h && !memcmp(h->signature, signature, 4))
			return h;
	}
	return NULL;
}

bool acpi_read_madt(uintptr_t rsdp_hint, struct madt_info *info)
{
	const struct rsdp *rsdp = find_rsdp(rsdp_hint);
	const struct sdt_header *madt = rsdp ? find_table(rsdp, "APIC") : NULL;

	memset(info, 0, sizeof *info);
	for (unsigned irq = 0; irq < 16; irq++)
		info->isa_irq_gsi[irq] = irq;
	if (!madt)
		return false;
	const uint8_t *p = (const uint8_t *)madt + sizeof *madt + 8; /* local APIC address, flags */
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		if (p[0] == MADT_LOCAL_APIC && p[1] >= 8) {
			uint32_t flags;
			memcpy(&flags, p + 4, 4);
			if ((flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)) &&
			    info->cpu_count < ACPI_MAX_CPUS)
				info->apic_ids[info->cpu_count++] = p[3];
		} else if (p[0] == MADT_IO_APIC && p[1] >= 12 && info->ioapic_count < ACPI_MAX_IOAPICS) {
			uint32_t address, gsi_base;
			memcpy(&address, p + 4, 4);
			memcpy(&gsi_base, p + 8, 4);
			info->ioapics[info->ioapic_count].address = address;
			info->ioapics[info->ioapic_count++].gsi_base = gsi_base;
		} else if (p[0] == MADT_SOURCE_OVERRIDE && p[1] >= 10 && p[3] < 16) {
			uint32_t gsi;
			memcpy(&gsi, p + 4, 4);
			info->isa_irq_gsi[p[3]] = gsi;
		}
		p += p[1];
	}
	return true;
}

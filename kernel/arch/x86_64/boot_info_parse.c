/*
 * boot_info_parse.c: reads the PVH start_info or the Multiboot2 information
 * into a struct boot_info, copying what we keep: the loader's memory may be
 * handed to the page allocator afterwards.
 */
#include "boot_info_parse.h"

#include "boot_protocol.h"

#include <string.h>

#define PVH_MAGIC 0x336ec578
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define E820_RAM 1
#define E820_ACPI 3
#define E820_NVS 4

struct pvh_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct e820_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct mb2_tag {
	uint32_t type, size;
};

struct mb2_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
	struct e820_entry entries[];
};

/* The RSDP that Multiboot2 copies into its tag is kept here. */
static uint8_t rsdp_copy[36] __attribute__((aligned(16)));

static void add_range(struct boot_info *info, uint64_t addr, uint64_t size, uint32_t type)
{
	if (info->memory_count == BOOT_MAX_MEMORY_RANGES || !size)
		return;
	enum boot_memory_kind kind = type == E820_RAM			 ? BOOT_MEMORY_RAM
				     : type == E820_ACPI || type == E820_NVS ? BOOT_MEMORY_ACPI
									 : BOOT_MEMORY_RESERVED;
	info->memory[info->memory_count++] = (struct boot_memory_range){ addr, addr + size, kind };
}

static void copy_cmdline(struct boot_info *info, const char *s)
{
	size_t n = s ? strnlen(s, BOOT_CMDLINE_MAX - 1) : 0;
	memcpy(info->cmdline, s, n);
	info->cmdline[n] = '\0';
}

static const char *parse_pvh(const struct pvh_start_info *si, struct boot_info *info)
{
	if (si->magic != PVH_MAGIC)
		return "PVH start_info has a bad magic number";
	if (si->version < 1 || !si->memmap_paddr)
		return "PVH start_info has no memory map (version 0)";
	info->loader = "PVH";
	copy_cmdline(info, (const char *)(uintptr_t)si->cmdline_paddr);
	info->acpi_rsdp = si->rsdp_paddr;
	const struct e820_entry *e = (const struct e820_entry *)(uintptr_t)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		add_range(info, e[i].addr, e[i].size, e[i].type);
	return NULL;
}

static const char *parse_multiboot2(uintptr_t addr, struct boot_info *info)
{
	uint32_t total = *(const uint32_t *)addr;
	uintptr_t end = addr + total;

	info->loader = "Multiboot2";
	for (uintptr_t p = addr + 8; p + sizeof(struct mb2_tag) <= end;) {
		const struct mb2_tag *tag = (const struct mb2_tag *)p;
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->type == MB2_TAG_CMDLINE) {
			copy_cmdline(info, (const char *)(tag + 1));
		} else if (tag->type == MB2_TAG_MMAP) {
			const struct mb2_mmap *m = (const struct mb2_mmap *)tag;
			for (uintptr_t q = (uintptr_t)m->entries; q + m->entry_size <= p + tag->size;
			     q += m->entry_size) {
				const struct e820_entry *e = (const struct e820_entry *)q;
				add_range(info, e->addr, e->size, e->type);
			}
		} else if ((tag->type == MB2_TAG_ACPI_OLD || tag->type == MB2_TAG_ACPI_NEW) &&
			   !info->acpi_rsdp) {
			size_t n = tag->size - sizeof *tag;
			memcpy(rsdp_copy, tag + 1, n < sizeof rsdp_copy ? n : sizeof rsdp_copy);
			info->acpi_rsdp = (uintptr_t)rsdp_copy;
		}
		p += (tag->size + 7) & ~7u;
	}
	if (!info->memory_count)
		return "Multiboot2 information has no memory map";
	return NULL;
}

const char *boot_info_parse(uint32_t protocol, uintptr_t addr, struct boot_info *info)
{
	memset(info, 0, sizeof *info);
	if (!addr)
		return "the boot loader passed no information";
	if (protocol == BOOT_PROTOCOL_PVH)
		return parse_pvh((const struct pvh_start_info *)addr, info);
	return parse_multiboot2(addr, info);
}

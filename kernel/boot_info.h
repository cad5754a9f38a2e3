/*
 * boot_info.h: what the boot loader told us, in a form independent of the
 * boot protocol (PVH, Multiboot2) that delivered it.
 */
#ifndef LULL_BOOT_INFO_H
#define LULL_BOOT_INFO_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MEMORY_RANGES 64
#define BOOT_CMDLINE_MAX 4096

enum boot_memory_kind {
	BOOT_MEMORY_RAM,
	BOOT_MEMORY_ACPI, /* tables: keep, but map */
	BOOT_MEMORY_RESERVED,
};

struct boot_memory_range {
	uintptr_t start, end;
	enum boot_memory_kind kind;
};

struct boot_info {
	const char *loader;
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_memory_range memory[BOOT_MAX_MEMORY_RANGES];
	size_t memory_count;
	uintptr_t acpi_rsdp; /* 0 when the loader did not say */
};

/* The portable kernel's entry point, called by the arch once the CPU runs
 * 64-bit C code with a console. */
_Noreturn void kernel_main(struct boot_info *info);

#endif

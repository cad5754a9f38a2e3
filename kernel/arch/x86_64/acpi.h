/* acpi.h: what we read from ACPI tables. */
#ifndef LULL_X86_64_ACPI_H
#define LULL_X86_64_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 4

/* The parts of the MADT (multiple APIC description table) we use. */
struct madt_info {
	uint32_t apic_ids[ACPI_MAX_CPUS]; /* usable processors, the boot one included */
	size_t cpu_count;
	struct {
		uintptr_t address;
		uint32_t gsi_base;
	} ioapics[ACPI_MAX_IOAPICS];
	size_t ioapic_count;
	uint32_t isa_irq_gsi[16];        /* ISA IRQ -> global system interrupt */
};

/* Reads the MADT; false (and defaults: ISA IRQ n = GSI n) without one. */
bool acpi_read_madt(uintptr_t rsdp_hint, struct madt_info *info);

#endif

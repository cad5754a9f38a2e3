/* acpi.h: what we read from ACPI tables. */
#ifndef LULL_X86_64_ACPI_H
#define LULL_X86_64_ACPI_H

#include <stddef.h>
#include <stdint.h>

/* Fills apic_ids with the local APIC ids of the usable processors, the boot
 * processor included; returns how many (0 when there is no MADT). */
size_t acpi_find_cpus(uintptr_t rsdp_hint, uint32_t *apic_ids, size_t max);

#endif

/* x86_init.h: initialisation steps shared by the files of arch/x86_64. */
#ifndef LULL_X86_64_X86_INIT_H
#define LULL_X86_64_X86_INIT_H

#include "acpi.h"
#include "cpu_tables.h"

void x86_serial_init(void);
void x86_cpu_init(unsigned cpu, const struct x86_ist_stacks *stacks);
void x86_clock_init(void);
void x86_fpu_init(void);
/* Learns whether arch_device_barrier must reach past TCG's elided fences,
 * given the number of processors the MADT lists (0 without one). */
void x86_device_barrier_init(size_t cpu_count);
/* The MADT as read at boot. */
const struct madt_info *x86_madt(void);
/* The TSC value at a time given in arch_clock_ns() nanoseconds. */
uint64_t x86_tsc_at_ns(uint64_t ns);

#endif

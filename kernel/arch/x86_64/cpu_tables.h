/* cpu_tables.h: descriptor tables (GDT, TSS, IDT) for each CPU. */
#ifndef LULL_X86_64_CPU_TABLES_H
#define LULL_X86_64_CPU_TABLES_H

#include <stdint.h>

#define X86_MAX_CPUS 64
#define X86_KERNEL_CS 0x08
#define X86_KERNEL_DS 0x10
#define X86_IST_STACK_SIZE 16384

struct x86_ist_stacks {
	uintptr_t top[3];
};

/* Loads the GDT, this CPU's TSS with its IST stacks, and the IDT. */
void x86_cpu_tables_init(unsigned cpu, const struct x86_ist_stacks *stacks);

#endif

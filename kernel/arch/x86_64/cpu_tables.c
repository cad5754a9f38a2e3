/*
 * cpu_tables.c: the GDT, each CPU's TSS and the shared IDT.
 *
 * Kernel and application share ring 0, and the application may keep live
 * data in the 128-byte red zone below its stack pointer. An interrupt taken
 * at the same privilege level would push its frame right there, so every
 * vector runs on an Interrupt Stack Table stack instead:
 *   IST1: device and inter-processor interrupts,
 *   IST2: exceptions (so a fault inside an interrupt handler still reports),
 *   IST3: NMI, double fault and machine check.
 */
#include "cpu_tables.h"

#include <string.h>

#define GDT_CODE_ENTRY 0x00209a0000000000ULL
#define GDT_DATA_ENTRY 0x0000920000000000ULL
#define GDT_FIRST_TSS 3
#define IDT_INTERRUPT_GATE 0x8e

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct table_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[GDT_FIRST_TSS + 2 * X86_MAX_CPUS] __attribute__((aligned(16)));
static struct tss tss[X86_MAX_CPUS];
static struct idt_gate idt[256] __attribute__((aligned(16)));

extern const uintptr_t isr_vector_table[256];

static uint8_t ist_for_vector(unsigned vector)
{
	if (vector == 2 || vector == 8 || vector == 18)
		return 3;
	if (vector < 32)
		return 2;
	return 1;
}

static void idt_build(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uintptr_t handler = isr_vector_table[v];
		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)handler,
			.selector = X86_KERNEL_CS,
			.ist = ist_for_vector(v),
			.type = IDT_INTERRUPT_GATE,
			.offset_mid = (uint16_t)(handler >> 16),
			.offset_high = (uint32_t)(handler >> 32),
		};
	}
}

static void gdt_set_tss(unsigned cpu)
{
	uintptr_t base = (uintptr_t)&tss[cpu];
	uint64_t limit = sizeof(struct tss) - 1;
	unsigned slot = GDT_FIRST_TSS + 2 * cpu;

	gdt[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((uint64_t)base >> 24 & 0xff) << 56);
	gdt[slot + 1] = (uint64_t)base >> 32;
}

void x86_cpu_tables_init(unsigned cpu, const struct x86_ist_stacks *stacks)
{
	if (cpu == 0) {
		gdt[1] = GDT_CODE_ENTRY;
		gdt[2] = GDT_DATA_ENTRY;
		idt_build();
	}
	memset(&tss[cpu], 0, sizeof tss[cpu]);
	tss[cpu].ist[0] = stacks->top[0];
	tss[cpu].ist[1] = stacks->top[1];
	tss[cpu].ist[2] = stacks->top[2];
	tss[cpu].iomap_base = sizeof(struct tss);
	gdt_set_tss(cpu);

	struct table_pointer gdtp = { sizeof gdt - 1, (uintptr_t)gdt };
	struct table_pointer idtp = { sizeof idt - 1, (uintptr_t)idt };
	uint16_t tss_selector = (uint16_t)((GDT_FIRST_TSS + 2 * cpu) * 8);

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "lidt %3\n\t"
			 "ltr %4"
			 :
			 : "m"(gdtp), "i"(X86_KERNEL_CS), "r"((uint32_t)X86_KERNEL_DS), "m"(idtp),
			   "r"(tss_selector)
			 : "rax", "memory");
}

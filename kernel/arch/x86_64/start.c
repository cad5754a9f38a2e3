/*
 * start.c: from boot.S to the portable kernel on the boot processor, and the
 * per-CPU state every core needs before it runs C code that may fault or
 * take a system call.
 */
#include "arch.h"
#include "boot_info_parse.h"
#include "cpu_tables.h"
#include "x86.h"
#include "acpi.h"
#include "ioapic.h"
#include "lapic.h"
#include "paging.h"
#include "smp.h"
#include "kvm_steal.h"
#include "x86_init.h"

#include "console.h"

#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_NE (1UL << 5)
#define CR4_FSGSBASE (1UL << 16)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_OSXSAVE (1UL << 18)
#define XCR0_X87_SSE_AVX 0x7UL
#define XCR0_AVX512 0xe0UL

extern void lull_syscall_entry(void);

static uint8_t bsp_ist_stacks[3][X86_IST_STACK_SIZE] __attribute__((aligned(16)));

/* The application is ordinary compiled C: it expects SSE (and AVX when the
 * CPU has it) to be usable, as under Linux. */
static void enable_vector_units(void)
{
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	struct cpuid_regs leaf1 = cpuid(1, 0);
	bool has_xsave = leaf1.ecx & (1u << 26);
	if (has_xsave)
		cr4 |= CR4_OSXSAVE;
	if (cpuid(7, 0).ebx & 1)
		cr4 |= CR4_FSGSBASE;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));

	if (has_xsave) {
		struct cpuid_regs xstate = cpuid(0xd, 0);
		uint64_t supported = ((uint64_t)xstate.edx << 32) | xstate.eax;
		uint64_t xcr0 = supported & (XCR0_X87_SSE_AVX | XCR0_AVX512);
		__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
	}
	__asm__ volatile("fninit");
}

/* The application enters the kernel with the `syscall` instruction, at the
 * same privilege level; interrupts, direction and trap flags are cleared on
 * entry. */
static void enable_syscall_instruction(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)X86_KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)lull_syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
}

/* The legacy 8259 PICs would deliver the PIT's IRQ 0 on vector 8, the
 * double-fault vector: move them out of the way, then mask every line. */
static void disable_legacy_pic(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void x86_cpu_init(unsigned cpu, const struct x86_ist_stacks *stacks)
{
	x86_cpu_tables_init(cpu, stacks);
	enable_vector_units();
	enable_syscall_instruction();
	x86_steal_time_init_cpu(cpu);
}

_Noreturn void arch_boot(uint32_t protocol, uint32_t info_addr);

_Noreturn void arch_boot(uint32_t protocol, uint32_t info_addr)
{
	static struct boot_info info;
	struct x86_ist_stacks stacks;

	x86_percpu_init(0);
	x86_serial_init();
	for (int i = 0; i < 3; i++)
		stacks.top[i] = (uintptr_t)bsp_ist_stacks[i] + X86_IST_STACK_SIZE;
	x86_cpu_init(0, &stacks);
	disable_legacy_pic();

	const char *error = boot_info_parse(protocol, info_addr, &info);
	if (error) {
		kprintf("lull: cannot boot: %s\n", error);
		arch_exit_vm_panic();
	}
	kernel_main(&info);
}

static struct madt_info madt;

void arch_init(const struct boot_info *info)
{
	x86_paging_init(info);
	x86_clock_init();
	x86_fpu_init();
	x86_lapic_init_bsp();
	acpi_read_madt(info->acpi_rsdp, &madt);
	x86_ioapic_init(&madt);
	x86_device_barrier_init(madt.cpu_count);
}

const struct madt_info *x86_madt(void)
{
	return &madt;
}

/*
 * smp.c: per-CPU data and starting the other cores (INIT, then Startup
 * IPIs), one at a time, each on a stack and IST stacks of its own.
 */
#include "smp.h"

#include "acpi.h"
#include "arch.h"
#include "cpu_tables.h"
#include "lapic.h"
#include "percpu.h"
#include "x86.h"
#include "x86_init.h"

#include "console.h"
#include "mm/vm.h"
#include "sched/sched.h"

#include <string.h>

#define AP_STACK_SIZE 16384
#define FIRST_SIPI_WAIT_NS 100000000ULL
#define SECOND_SIPI_WAIT_NS 1000000000ULL

struct ap_params {
	uint64_t cr3, efer_extra, stack, cpu, entry;
	volatile uint64_t started;
};

_Static_assert(__builtin_offsetof(struct ap_params, started) == AP_PARAM_STARTED, "layout");
_Static_assert(sizeof(struct ap_params) == AP_PARAM_SIZE, "layout");

extern const char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_params[];

static struct x86_percpu percpus[X86_MAX_CPUS];
static struct x86_ist_stacks ist_stacks[X86_MAX_CPUS];

struct x86_percpu *x86_percpu_of(unsigned cpu)
{
	return &percpus[cpu];
}

void x86_percpu_init(unsigned cpu)
{
	struct x86_percpu *p = &percpus[cpu];

	p->self = p;
	p->cpu_id = cpu;
	wrmsr(MSR_GS_BASE, (uintptr_t)p);
}

unsigned arch_cpu_id(void)
{
	return (unsigned)x86_percpu()->cpu_id;
}

void arch_idle_halt(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static _Noreturn void ap_main(unsigned cpu)
{
	x86_percpu_init(cpu);
	x86_cpu_init(cpu, &ist_stacks[cpu]);
	x86_lapic_init_cpu();
	sched_init_cpu(cpu);
	struct ap_params *params =
		(struct ap_params *)(AP_TRAMPOLINE_ADDR + (ap_trampoline_params - ap_trampoline_start));
	__atomic_store_n(&params->started, 1, __ATOMIC_RELEASE);
	sched_idle_loop();
}

static bool wait_started(struct ap_params *params, uint64_t ns)
{
	uint64_t start = arch_clock_ns();

	while (!__atomic_load_n(&params->started, __ATOMIC_ACQUIRE)) {
		if (arch_clock_ns() - start > ns)
			return false;
		cpu_relax();
	}
	return true;
}

static bool allocate_stacks(unsigned cpu, uintptr_t *boot_stack_top)
{
	uintptr_t boot = vm_alloc_stack(AP_STACK_SIZE);
	if (!boot)
		return false;
	*boot_stack_top = boot + AP_STACK_SIZE;
	for (int i = 0; i < 3; i++) {
		uintptr_t s = vm_alloc_stack(X86_IST_STACK_SIZE);
		if (!s)
			return false;
		ist_stacks[cpu].top[i] = s + X86_IST_STACK_SIZE;
	}
	return true;
}

static bool start_one(unsigned cpu, uint32_t apic_id, struct ap_params *params)
{
	uintptr_t stack_top;

	if (!allocate_stacks(cpu, &stack_top)) {
		kprintf("lull: no memory to start CPU %u\n", cpu);
		return false;
	}
	percpus[cpu].apic_id = apic_id;
	params->stack = stack_top;
	params->cpu = cpu;
	params->entry = (uintptr_t)ap_main;
	params->started = 0;
	x86_lapic_send_init(apic_id);
	x86_lapic_send_startup(apic_id, AP_TRAMPOLINE_ADDR);
	if (wait_started(params, FIRST_SIPI_WAIT_NS))
		return true;
	x86_lapic_send_startup(apic_id, AP_TRAMPOLINE_ADDR);
	if (wait_started(params, SECOND_SIPI_WAIT_NS))
		return true;
	kprintf("lull: CPU with APIC id %u did not start; going on without it\n", apic_id);
	return false;
}

void arch_start_cpus(void)
{
	const struct madt_info *madt = x86_madt();
	uint32_t self = x86_lapic_id();

	if (madt->cpu_count <= 1)
		return;
	if (read_cr3() >> 32) {
		kprintf("lull: page tables above 4 GiB; starting only one CPU\n");
		return;
	}
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
	arch_map_page(AP_TRAMPOLINE_ADDR, AP_TRAMPOLINE_ADDR, MAP_READ | MAP_WRITE | MAP_EXEC);
	memcpy((void *)AP_TRAMPOLINE_ADDR, ap_trampoline_start, len);
	struct ap_params *params =
		(struct ap_params *)(AP_TRAMPOLINE_ADDR + (ap_trampoline_params - ap_trampoline_start));
	params->cr3 = read_cr3();
	params->efer_extra = rdmsr(MSR_EFER) & EFER_NXE;

	unsigned next = 1;
	for (size_t i = 0; i < madt->cpu_count && next < X86_MAX_CPUS; i++)
		if (madt->apic_ids[i] != self && start_one(next, madt->apic_ids[i], params))
			next++;
	arch_map_page(AP_TRAMPOLINE_ADDR, AP_TRAMPOLINE_ADDR, MAP_READ | MAP_WRITE);
}

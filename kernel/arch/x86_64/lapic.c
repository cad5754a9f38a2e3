/*
 * lapic.c: the local APIC of each core: its timer, inter-processor
 * interrupts and end-of-interrupt.
 *
 * Tickless: the timer is armed once for the core's nearest deadline and not
 * at all when there is none. With TSC-deadline mode the deadline is written
 * as a TSC value; otherwise the timer runs one-shot with a count computed
 * from its frequency, measured once against the TSC.
 */
#include "lapic.h"

#include "arch.h"
#include "percpu.h"
#include "x86.h"
#include "x86_init.h"

#include "panic.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_ENABLE (1UL << 11)

#define REG_ID 0x20
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LOW 0x300
#define REG_ICR_HIGH 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT1 0x360
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_NMI (4u << 8)
#define TIMER_DIVIDE_BY_1 0xb
#define TIMER_DIVIDE_BY_128 0xa
#define CALIBRATION_NS 2000000ULL
#define ONE_SHOT_MARGIN_NS 20000ULL

static volatile uint32_t *lapic;
static bool tsc_deadline;
static uint64_t timer_hz;

static uint32_t lapic_read(unsigned reg)
{
	return lapic[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

static void calibrate_timer(void)
{
	lapic_write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	lapic_write(REG_LVT_TIMER, LVT_MASKED | X86_VECTOR_TIMER);
	uint64_t start = arch_clock_ns();
	lapic_write(REG_TIMER_INITIAL, 0xffffffff);
	while (arch_clock_ns() - start < CALIBRATION_NS)
		cpu_relax();
	uint32_t elapsed = 0xffffffff - lapic_read(REG_TIMER_CURRENT);
	uint64_t took = arch_clock_ns() - start;
	lapic_write(REG_TIMER_INITIAL, 0);
	timer_hz = (uint64_t)elapsed * 1000000000ULL / took;
	if (!timer_hz)
		panic("the local APIC timer does not count");
}

void x86_lapic_init_bsp(void)
{
	uintptr_t base = rdmsr(MSR_APIC_BASE) & 0xffffff000UL;

	if (!arch_map_page(base, base, MAP_READ | MAP_WRITE | MAP_UNCACHED))
		panic("cannot map the local APIC");
	lapic = (volatile uint32_t *)base;
	tsc_deadline = cpuid(1, 0).ecx & (1u << 24);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	if (!tsc_deadline)
		calibrate_timer();
	x86_lapic_init_cpu();
}

void x86_lapic_init_cpu(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(REG_SVR, SVR_ENABLE | X86_VECTOR_SPURIOUS);
	lapic_write(REG_TPR, 0);
	lapic_write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	lapic_write(REG_LVT_TIMER, X86_VECTOR_TIMER | (tsc_deadline ? LVT_TSC_DEADLINE : 0));
	/* LINT1 is the NMI line of PCs; hypervisors raise it for "inject an
	 * NMI" (QEMU's inject-nmi). As an ordinary edge-triggered vector it
	 * cannot be confused with the kernel's own NMIs (TLB shootdowns, which
	 * coalesce) and arrives only where interrupts are enabled. */
	lapic_write(REG_LVT_LINT1, X86_VECTOR_HOST_STOP);
	x86_percpu()->apic_id = lapic_read(REG_ID) >> 24;
}

uint32_t x86_lapic_id(void)
{
	return lapic_read(REG_ID) >> 24;
}

void x86_lapic_eoi(void)
{
	lapic_write(REG_EOI, 0);
}

void arch_timer_arm(uint64_t deadline_ns)
{
	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? x86_tsc_at_ns(deadline_ns) : 0);
		return;
	}
	if (!deadline_ns) {
		lapic_write(REG_TIMER_INITIAL, 0);
		return;
	}
	uint64_t now = arch_clock_ns();
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 1;
	/* The timer's frequency was measured, not told: aim a little late
	 * (0.4% + 20 us) rather than fire early and need a second interrupt. */
	delta += delta / 256 + ONE_SHOT_MARGIN_NS;
	uint64_t count = (uint64_t)(((unsigned __int128)delta * timer_hz + 999999999) / 1000000000);
	/* Long waits count in steps of 128 ticks so that they fit the 32-bit
	 * counter (over 9 minutes at 1 GHz); beyond that the timer fires early,
	 * the scheduler finds nothing due and arms it again. */
	bool coarse = count > 0xffffffff;
	if (coarse)
		count = (count + 127) / 128;
	lapic_write(REG_TIMER_DIVIDE, coarse ? TIMER_DIVIDE_BY_128 : TIMER_DIVIDE_BY_1);
	lapic_write(REG_TIMER_INITIAL, count > 0xffffffff ? 0xffffffff : count ? (uint32_t)count : 1);
}

static void send_ipi(uint32_t apic_id, uint32_t command)
{
	lapic_write(REG_ICR_HIGH, apic_id << 24);
	lapic_write(REG_ICR_LOW, command);
	while (lapic_read(REG_ICR_LOW) & ICR_PENDING)
		cpu_relax();
}

void x86_lapic_send_nmi(unsigned cpu)
{
	send_ipi(x86_percpu_of(cpu)->apic_id, ICR_NMI | ICR_ASSERT);
}

void arch_send_wakeup_ipi(unsigned cpu)
{
	send_ipi(x86_percpu_of(cpu)->apic_id, ICR_ASSERT | X86_VECTOR_WAKEUP);
}

void x86_lapic_send_init(uint32_t apic_id)
{
	send_ipi(apic_id, ICR_ASSERT | ICR_INIT);
}

void x86_lapic_send_startup(uint32_t apic_id, uintptr_t trampoline)
{
	send_ipi(apic_id, ICR_STARTUP | (uint32_t)(trampoline >> 12));
}

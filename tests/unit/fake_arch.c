/*
 * fake_arch.c: the few arch.h functions that portable kernel code calls,
 * for host unit tests. The interrupt flag is simulated so that tests can
 * check that locks disable interrupts and restore them.
 */
#include "fake_arch.h"

#include "arch.h"

bool fake_interrupts_enabled = true;
unsigned fake_relax_calls;

bool arch_interrupts_disable(void)
{
	bool was = fake_interrupts_enabled;
	fake_interrupts_enabled = false;
	return was;
}

void arch_interrupts_restore(bool enabled)
{
	if (enabled)
		fake_interrupts_enabled = true;
}

void (*fake_on_relax)(void);

void arch_cpu_relax(void)
{
	fake_relax_calls++;
	if (fake_on_relax)
		fake_on_relax();
}

unsigned fake_cpu_id;
unsigned fake_halts;
void (*fake_on_halt)(void);
uint64_t fake_ipis_sent;

unsigned arch_cpu_id(void)
{
	return fake_cpu_id;
}

/* A halt ends with whatever another core would have done meanwhile. */
void arch_idle_halt(void)
{
	fake_halts++;
	if (fake_on_halt)
		fake_on_halt();
}

void arch_send_wakeup_ipi(unsigned cpu)
{
	fake_ipis_sent |= 1ULL << cpu;
}

uint64_t fake_clock_ns;
uint64_t fake_wallclock_ns = 1718454896ull * 1000000000ull; /* 2024-06-15 12:34:56 UTC */

uint64_t arch_clock_ns(void)
{
	return fake_clock_ns;
}

uint64_t arch_boot_wallclock_ns(void)
{
	return fake_wallclock_ns;
}

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

void arch_cpu_relax(void)
{
	fake_relax_calls++;
}

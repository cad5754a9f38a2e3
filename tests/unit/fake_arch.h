/* fake_arch.h: state of the simulated processor in fake_arch.c. */
#ifndef LULL_TEST_FAKE_ARCH_H
#define LULL_TEST_FAKE_ARCH_H

#include <stdbool.h>
#include <stdint.h>

extern bool fake_interrupts_enabled;
extern unsigned fake_relax_calls;
extern void (*fake_on_relax)(void); /* run on each arch_cpu_relax */
extern unsigned fake_cpu_id; /* what arch_cpu_id returns */
extern unsigned fake_halts;  /* arch_idle_halt calls */
extern void (*fake_on_halt)(void);
extern uint64_t fake_ipis_sent; /* a bit per core sent a wake-up IPI */

extern uint64_t fake_clock_ns;     /* arch_clock_ns */
extern uint64_t fake_wallclock_ns; /* arch_boot_wallclock_ns */

#endif

/* fake_arch.h: state of the simulated processor in fake_arch.c. */
#ifndef LULL_TEST_FAKE_ARCH_H
#define LULL_TEST_FAKE_ARCH_H

#include <stdbool.h>

extern bool fake_interrupts_enabled;
extern unsigned fake_relax_calls;

#endif

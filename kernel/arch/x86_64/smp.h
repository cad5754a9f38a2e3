/* smp.h: starting the other cores (shared by smp.c and ap_trampoline.S). */
#ifndef LULL_X86_64_SMP_H
#define LULL_X86_64_SMP_H

#define AP_TRAMPOLINE_ADDR 0x8000

/* Offsets of struct ap_params in the trampoline. */
#define AP_PARAM_CR3 0
#define AP_PARAM_EFER_EXTRA 8
#define AP_PARAM_STACK 16
#define AP_PARAM_CPU 24
#define AP_PARAM_ENTRY 32
#define AP_PARAM_STARTED 40
#define AP_PARAM_SIZE 48

#ifndef __ASSEMBLER__
#include <stdint.h>

void x86_percpu_init(unsigned cpu);
#endif

#endif

/* fpu_state.h: saving and loading the application's x87/SSE/AVX state
 * (thread_context.c), for thread switches and signal frames. */
#ifndef LULL_X86_64_FPU_STATE_H
#define LULL_X86_64_FPU_STATE_H

#include <stdbool.h>

/* area: arch_fpu_area_size() bytes, 64-byte aligned. */
void x86_fpu_save(void *area);
void x86_fpu_restore(const void *area);
/* Whether restoring area would not fault (it may come from the application). */
bool x86_fpu_area_valid(const void *area);

#endif

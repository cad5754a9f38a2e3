/* tlb.h: TLB shootdown on x86-64 (see tlb.c). */
#ifndef LULL_X86_64_TLB_H
#define LULL_X86_64_TLB_H

#define X86_VECTOR_NMI 2

/* The NMI handler: flush this core's TLB and acknowledge. */
void x86_tlb_flush_nmi(void);

#endif

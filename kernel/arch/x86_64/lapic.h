/* lapic.h: the local APIC, for the other files of arch/x86_64. */
#ifndef LULL_X86_64_LAPIC_H
#define LULL_X86_64_LAPIC_H

#include <stdint.h>

#define X86_VECTOR_TIMER 0x20
#define X86_VECTOR_WAKEUP 0xf0
/* The host's stop request: QEMU's inject-nmi (KVM_NMI) raises LINT1, which
 * is programmed to deliver this vector rather than an NMI (see lapic.c). */
#define X86_VECTOR_HOST_STOP 0xf1
#define X86_VECTOR_SPURIOUS 0xff

void x86_lapic_init_bsp(void);
void x86_lapic_init_cpu(void);
uint32_t x86_lapic_id(void);
void x86_lapic_eoi(void);
void x86_lapic_send_nmi(unsigned cpu);
void x86_lapic_send_init(uint32_t apic_id);
void x86_lapic_send_startup(uint32_t apic_id, uintptr_t trampoline);

#endif

/* ioapic.h: routing device interrupts (GSIs) to vectors. */
#ifndef LULL_X86_64_IOAPIC_H
#define LULL_X86_64_IOAPIC_H

#include "acpi.h"

#define X86_VECTOR_DEVICE_FIRST 0x30
#define X86_VECTOR_DEVICE_LAST 0xef

void x86_ioapic_init(const struct madt_info *madt);
size_t x86_ioapic_count(void);
/* Runs the handler attached to a device vector; false if none is. */
bool x86_irq_dispatch(unsigned vector);

#endif

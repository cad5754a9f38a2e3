/* paging.h: building the kernel's page tables at boot. */
#ifndef LULL_X86_64_PAGING_H
#define LULL_X86_64_PAGING_H

#include "boot_info.h"

/* Replaces the boot page tables by the real ones: RAM identity-mapped with
 * per-section permissions for the image. Needs the page allocator. */
void x86_paging_init(const struct boot_info *info);

#endif

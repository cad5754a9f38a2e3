/* boot_info_parse.h: PVH and Multiboot2 boot information. */
#ifndef LULL_X86_64_BOOT_INFO_PARSE_H
#define LULL_X86_64_BOOT_INFO_PARSE_H

#include "boot_info.h"

/* Returns NULL on success, or what is wrong with the information. */
const char *boot_info_parse(uint32_t protocol, uintptr_t addr, struct boot_info *info);

#endif

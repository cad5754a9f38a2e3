/* boot_protocol.h: how boot.S tells arch_boot() which loader started us. */
#ifndef LULL_X86_64_BOOT_PROTOCOL_H
#define LULL_X86_64_BOOT_PROTOCOL_H

#define BOOT_PROTOCOL_PVH        1
#define BOOT_PROTOCOL_MULTIBOOT2 2

#endif

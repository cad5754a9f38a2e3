/* image_note.c: the ELF note by which `lull run` knows a Lull image. */
#include <stdint.h>

struct lull_note {
	uint32_t name_size, desc_size, type;
	char name[8];
	uint32_t abi_version;
};

__attribute__((section(".note.lull"), used, aligned(4))) static const struct lull_note note = {
	.name_size = 5,
	.desc_size = 4,
	.type = 1,
	.name = "Lull",
	.abi_version = 1,
};

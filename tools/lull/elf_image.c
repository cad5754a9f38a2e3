/* elf_image.c: bounds-checked reading of ELF64 files (see elf_image.h). */
#include "elf_image.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Far above any Lull image (a few MB), far below a memory problem. */
#define ELF_IMAGE_MAX_SIZE (1 << 30)

static bool in_bounds(const struct elf_image *img, uint64_t offset, uint64_t len)
{
	return offset <= img->size && len <= img->size - offset;
}

static const Elf64_Ehdr *header(const struct elf_image *img)
{
	return (const Elf64_Ehdr *)img->data;
}

const char *elf_image_load(const char *path, struct elf_image *img)
{
	*img = (struct elf_image){ 0 };
	/* lull top reads whatever -kernel another user's QEMU names: opening
	 * a FIFO must not wait for a writer, and a directory's or device's
	 * "size" is no file length to allocate. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return "cannot be opened";
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return "not a regular file";
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return "cannot be opened";
	}
	if (st.st_size > ELF_IMAGE_MAX_SIZE) {
		fclose(f);
		return "too large to be a kernel image";
	}
	off_t size = st.st_size;
	if (size < (off_t)sizeof(Elf64_Ehdr)) {
		fclose(f);
		return "too small to be an ELF file";
	}
	img->data = malloc((size_t)size);
	img->size = (size_t)size;
	if (!img->data || fread(img->data, 1, img->size, f) != img->size) {
		fclose(f);
		elf_image_free(img);
		return "cannot be read";
	}
	fclose(f);

	const Elf64_Ehdr *eh = header(img);
	const char *problem = NULL;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		problem = "not an ELF file";
	else if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		problem = "not a 64-bit little-endian ELF file";
	else if (eh->e_machine != EM_X86_64)
		problem = "not an x86-64 ELF file";
	else if (eh->e_type != ET_EXEC)
		problem = "not an executable (ET_EXEC) ELF file";
	else if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
		 !in_bounds(img, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		problem = "its program headers are damaged";
	else if (eh->e_shnum && (eh->e_shentsize != sizeof(Elf64_Shdr) ||
				 !in_bounds(img, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))))
		problem = "its section headers are damaged";
	if (problem)
		elf_image_free(img);
	return problem;
}

void elf_image_free(struct elf_image *img)
{
	free(img->data);
	*img = (struct elf_image){ 0 };
}

static bool notes_contain(const struct elf_image *img, uint64_t offset, uint64_t len,
			  const char *name)
{
	size_t name_len = strlen(name) + 1;

	if (!in_bounds(img, offset, len))
		return false;
	uint64_t end = offset + len;
	while (offset + sizeof(Elf64_Nhdr) <= end) {
		const Elf64_Nhdr *n = (const Elf64_Nhdr *)(img->data + offset);
		uint64_t name_off = offset + sizeof *n;
		uint64_t desc_off = name_off + ((n->n_namesz + 3ULL) & ~3ULL);
		uint64_t next = desc_off + ((n->n_descsz + 3ULL) & ~3ULL);
		if (next > end)
			return false;
		if (n->n_namesz == name_len && !memcmp(img->data + name_off, name, name_len))
			return true;
		offset = next;
	}
	return false;
}

bool elf_image_has_note(const struct elf_image *img, const char *name)
{
	const Elf64_Ehdr *eh = header(img);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img->data + eh->e_phoff);
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img->data + eh->e_shoff);

	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_NOTE && notes_contain(img, ph[i].p_offset, ph[i].p_filesz, name))
			return true;
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_NOTE && notes_contain(img, sh[i].sh_offset, sh[i].sh_size, name))
			return true;
	return false;
}

/* The first .symtab whose entries and string table lie inside the file;
 * false when there is none or it is damaged. */
static bool symbol_table(const struct elf_image *img, const Elf64_Sym **syms, size_t *count,
			 const char **strings, uint64_t *strings_size)
{
	const Elf64_Ehdr *eh = header(img);
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img->data + eh->e_shoff);

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
		    sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *strtab = &sh[sh[i].sh_link];
		if (!in_bounds(img, sh[i].sh_offset, sh[i].sh_size) ||
		    !in_bounds(img, strtab->sh_offset, strtab->sh_size) || !strtab->sh_size ||
		    img->data[strtab->sh_offset + strtab->sh_size - 1] != '\0')
			return false;
		*syms = (const Elf64_Sym *)(img->data + sh[i].sh_offset);
		*count = sh[i].sh_size / sizeof **syms;
		*strings = (const char *)img->data + strtab->sh_offset;
		*strings_size = strtab->sh_size;
		return true;
	}
	return false;
}

size_t elf_image_functions(const struct elf_image *img, struct elf_function **out)
{
	const Elf64_Sym *syms;
	const char *strings;
	uint64_t strings_size;
	size_t n, count = 0;

	*out = NULL;
	if (!symbol_table(img, &syms, &n, &strings, &strings_size))
		return 0;
	*out = calloc(n ? n : 1, sizeof **out);
	if (!*out)
		return 0;
	for (size_t k = 0; k < n; k++) {
		const Elf64_Sym *s = &syms[k];
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
		    !s->st_value || s->st_name >= strings_size)
			continue;
		(*out)[count++] = (struct elf_function){
			.addr = s->st_value,
			.size = s->st_size,
			.name = strings + s->st_name,
			.global = ELF64_ST_BIND(s->st_info) == STB_GLOBAL,
		};
	}
	return count;
}

bool elf_image_symbol(const struct elf_image *img, const char *name, uint64_t *addr, uint64_t *size)
{
	const Elf64_Sym *syms;
	const char *strings;
	uint64_t strings_size;
	size_t n;

	if (!symbol_table(img, &syms, &n, &strings, &strings_size))
		return false;
	for (size_t k = 0; k < n; k++) {
		const Elf64_Sym *s = &syms[k];
		if (ELF64_ST_TYPE(s->st_info) != STT_OBJECT || s->st_shndx == SHN_UNDEF ||
		    s->st_name >= strings_size || strcmp(strings + s->st_name, name))
			continue;
		*addr = s->st_value;
		*size = s->st_size;
		return true;
	}
	return false;
}

/*
 * app.c: the application's first thread.
 *
 * The command line is read as:  [lull.KEY=VALUE...] [ENV=VALUE... --] ARGS...
 * Words starting with "lull." configure the kernel. When a "--" word is
 * present, the KEY=VALUE words before it form the environment; every other
 * word is an argument, except virtio_mmio.device= words that QEMU adds.
 * argv[0] is always "app".
 *
 * The initial stack holds, from %rsp upwards: argc, argv[], NULL, envp[],
 * NULL, the auxiliary vector, then the strings (System V x86-64 ABI, 3.4.1).
 */
#include "app.h"

#include "arch.h"
#include "console.h"
#include "fs/boot_mounts.h"
#include "lib/cmdline.h"
#include "mm/vm.h"
#include "panic.h"
#include "sched/thread.h"

#include <string.h>

#define MAX_WORDS 256

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

extern void _start(void);
extern const char __ehdr_start[];

struct elf_header_view {
	uint64_t phoff;
	uint16_t phentsize, phnum;
};

struct kernel_options kernel_options;

static struct elf_header_view image_headers(void)
{
	struct elf_header_view v;

	memcpy(&v.phoff, __ehdr_start + 32, 8);
	memcpy(&v.phentsize, __ehdr_start + 54, 2);
	memcpy(&v.phnum, __ehdr_start + 56, 2);
	return v;
}

static bool is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	return eq && eq != w;
}

/* Parses a dotted-quad IPv4 address into host byte order. */
static bool parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t addr = 0;

	for (int part = 0; part < 4; part++) {
		unsigned value = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			value = value * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || value > 255 || (part < 3 ? *s++ != '.' : *s != '\0'))
			return false;
		addr = addr << 8 | value;
	}
	*out = addr;
	return true;
}

/* lull.wallclock=NS: the host's time (ns since the epoch) when the VM
 * started, which `lull run` gives; the RTC only knows the second. */
static bool parse_wallclock(const char *s)
{
	uint64_t ns = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || ns > (UINT64_MAX - 9) / 10)
			return false;
		ns = ns * 10 + (uint64_t)(*s - '0');
	}
	arch_set_vm_start_wallclock(ns);
	return true;
}

static void apply_kernel_option(const char *w, struct kernel_options *options)
{
	bool ok = true;

	if (!strcmp(w, "lull.stats=1"))
		options->print_stats = true;
	else if (!strncmp(w, "lull.ip=", 8))
		ok = parse_ipv4(w + 8, &options->ip);
	else if (!strncmp(w, "lull.gw=", 8))
		ok = parse_ipv4(w + 8, &options->gateway);
	else if (!strncmp(w, "lull.mask=", 10))
		ok = parse_ipv4(w + 10, &options->netmask);
	else if (!strcmp(w, "lull.dhcp=0"))
		options->no_dhcp = true;
	else if (!strcmp(w, "lull.debug=1"))
		debug_checks = true;
	else if (!strncmp(w, "lull.mount=", 11))
		boot_mounts_option(w + 11);
	else if (!strncmp(w, "lull.wallclock=", 15))
		ok = parse_wallclock(w + 15);
	else if (strcmp(w, "lull.stats=0") && strcmp(w, "lull.dhcp=1") && strcmp(w, "lull.debug=0"))
		kprintf("lull: unknown kernel option '%s' ignored\n", w);
	if (!ok)
		kprintf("lull: '%s' is not a valid value; ignored\n", w);
}

/* Copies s below *top and returns the copy's address. */
static uintptr_t push_string(uintptr_t *top, const char *s)
{
	size_t n = strlen(s) + 1;
	*top -= n;
	memcpy((void *)*top, s, n);
	return *top;
}

static char *argv[MAX_WORDS + 1], *envp[MAX_WORDS];
static size_t argc, envc;

void app_parse_cmdline(char *cmdline, struct kernel_options *options)
{
	static char *words[MAX_WORDS];

	size_t count = cmdline_split(cmdline, words, MAX_WORDS);
	if (count > MAX_WORDS) {
		kprintf("lull: command line has %zu words; only the first %d are used\n", count,
			MAX_WORDS);
		count = MAX_WORDS;
	}
	size_t first = 0;
	while (first < count && !strncmp(words[first], "lull.", 5))
		apply_kernel_option(words[first++], options);
	size_t separator = count;
	for (size_t i = first; i < count; i++)
		if (!strcmp(words[i], "--")) {
			separator = i;
			break;
		}

	argv[argc++] = "app";
	for (size_t i = first; i < count; i++) {
		/* QEMU's microvm describes its devices here when ACPI is off; the
		 * kernel finds them itself (arch/x86_64/microvm.c). */
		if (i == separator || !strncmp(words[i], "virtio_mmio.device=", 19))
			continue;
		if (i < separator && separator < count && is_assignment(words[i]))
			envp[envc++] = words[i];
		else
			argv[argc++] = words[i];
	}
}

void app_start(void)
{
	uintptr_t stack_base = vm_alloc_stack(MAIN_STACK_SIZE);
	if (!stack_base)
		panic("no memory for the main thread's stack");
	uintptr_t top = stack_base + MAIN_STACK_SIZE;

	uint64_t random[2];
	for (int i = 0; i < 2; i++)
		if (!arch_hw_random(&random[i]))
			random[i] = arch_clock_ns() * 0x9e3779b97f4a7c15ULL + (uint64_t)i;
	top -= sizeof random;
	memcpy((void *)top, random, sizeof random);
	uintptr_t random_addr = top;
	uintptr_t platform = push_string(&top, "x86_64");
	uintptr_t arg_addr[MAX_WORDS + 1], env_addr[MAX_WORDS];
	for (size_t i = 0; i < argc; i++)
		arg_addr[i] = push_string(&top, argv[i]);
	for (size_t i = 0; i < envc; i++)
		env_addr[i] = push_string(&top, envp[i]);

	struct elf_header_view eh = image_headers();
	const uint64_t auxv[][2] = {
		{ AT_PHDR, (uintptr_t)__ehdr_start + eh.phoff },
		{ AT_PHENT, eh.phentsize },
		{ AT_PHNUM, eh.phnum },
		{ AT_PAGESZ, PAGE_SIZE },
		{ AT_CLKTCK, 100 },
		{ AT_HWCAP, 0 },
		{ AT_UID, 0 },
		{ AT_EUID, 0 },
		{ AT_GID, 0 },
		{ AT_EGID, 0 },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, random_addr },
		{ AT_PLATFORM, platform },
		{ AT_EXECFN, arg_addr[0] },
		{ AT_NULL, 0 },
	};
	size_t aux_words = sizeof auxv / sizeof(uint64_t);
	size_t words_needed = 1 + argc + 1 + envc + 1 + aux_words;
	top = (top - words_needed * 8) & ~15UL;

	uint64_t *sp = (uint64_t *)top;
	size_t k = 0;
	sp[k++] = argc;
	for (size_t i = 0; i < argc; i++)
		sp[k++] = arg_addr[i];
	sp[k++] = 0;
	for (size_t i = 0; i < envc; i++)
		sp[k++] = env_addr[i];
	sp[k++] = 0;
	memcpy(&sp[k], auxv, sizeof auxv);

	if (!thread_create_main((uintptr_t)_start, top))
		panic("no memory for the main thread");
}

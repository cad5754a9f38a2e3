/*
 * main.c: the portable kernel's start, in the order each subsystem needs
 * the ones before it.
 */
#include "app.h"
#include "arch.h"
#include "boot_info.h"
#include "console.h"
#include "drivers/virtio/virtio_mmio.h"
#include "fs/embedded_fs.h"
#include "fs/vfs.h"
#include "inet/interface.h"
#include "io/console_file.h"
#include "drivers/virtio/virtio_pci.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "sched/deferred.h"
#include "sched/sched.h"
#include "sync/futex.h"

#define LOW_MEMORY_END 0x100000UL

extern char __image_start[], __image_end[];

/* Gives the allocator all RAM except the first megabyte (firmware tables
 * and the boot information live there) and the image itself. */
static void feed_page_allocator(const struct boot_info *info)
{
	uintptr_t image_start = (uintptr_t)__image_start, image_end = (uintptr_t)__image_end;

	for (size_t i = 0; i < info->memory_count; i++) {
		const struct boot_memory_range *r = &info->memory[i];
		if (r->kind != BOOT_MEMORY_RAM)
			continue;
		uintptr_t start = r->start < LOW_MEMORY_END ? LOW_MEMORY_END : r->start;
		uintptr_t end = r->end;
		if (start < image_start)
			page_alloc_add_range(start, end < image_start ? end : image_start);
		if (end > image_end)
			page_alloc_add_range(start > image_end ? start : image_end, end);
	}
}

void kernel_main(struct boot_info *info)
{
	feed_page_allocator(info);
	arch_init(info);
	vm_init();
	futex_init();
	sched_init_bsp();
	console_init_input();
	console_file_open_std();
	/* Devices after the cores: a multiqueue NIC gives each core a queue. */
	arch_start_cpus();
	virtio_pci_scan();
	virtio_mmio_scan();
	deferred_init();
	embedded_fs_init();
	vfs_init();
	app_parse_cmdline(info->cmdline, &kernel_options);
	inet_init(&kernel_options);
	app_start();
	sched_idle_loop();
}

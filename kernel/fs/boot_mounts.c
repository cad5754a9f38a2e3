/*
 * boot_mounts.c: the disks' file systems found and mounted (see
 * boot_mounts.h): the table of known formats, the lull.mount= options,
 * the one-time mounting by the first thread that needs a path, and the
 * RAM file system at /tmp where no disk went.
 */
#include "fs/boot_mounts.h"

#include "console.h"
#include "drivers/blockdev.h"
#include "fs/fat/fat.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"
#include "sched/thread.h"
#include "sync/mutex.h"

#include <string.h>


#define READ_ONLY_SUFFIX ":ro"
#define TMP_PATH "/tmp"
/* /tmp may take up to RAM / TMP_SHARE_OF_RAM, as Linux's tmpfs by default. */
#define TMP_SHARE_OF_RAM 2

/* Every format a disk may hold, tried in order; ends with a NULL probe.
 * `unmount` gives back a mount that could not be placed. */
static const struct {
	const char *name;
	vfs_probe_fn probe;
	int (*unmount)(struct mount *m);
} file_systems[] = {
	{ "FAT", fat_probe, fat_unmount },
	{ NULL, NULL, NULL },
};

/* Where lull.mount= puts a disk. */
static struct {
	bool set, read_only;
	char path[VFS_PATH_MAX];
} placements[BLOCKDEV_MAX];

static struct mutex mounting = MUTEX_INITIALIZER(mounting);
static bool mounted;             /* atomic: every disk has been tried */
static struct thread *mounter;   /* atomic: the thread mounting, if any */

static void report_bad_option(const char *value)
{
	kprintf("lull: lull.mount=%s ignored: expected diskN:/PATH or diskN:/PATH:ro (N < %d)\n",
		value, BLOCKDEV_MAX);
}

void boot_mounts_option(const char *value)
{
	if (strncmp(value, "disk", 4) || value[4] < '0' || value[4] >= '0' + BLOCKDEV_MAX ||
	    value[5] != ':' || value[6] != '/') {
		report_bad_option(value);
		return;
	}
	unsigned index = (unsigned)(value[4] - '0');
	char *path = placements[index].path;
	bool dir;
	if (vfs_path_fold("/", value + 6, path, &dir)) {
		report_bad_option(value);
		return;
	}
	size_t len = strlen(path), suffix = strlen(READ_ONLY_SUFFIX);
	bool read_only = len > suffix && !strcmp(path + len - suffix, READ_ONLY_SUFFIX);
	if (read_only) {
		len -= suffix;
		if (len > 1 && path[len - 1] == '/')
			len--;
		path[len] = '\0';
	}
	placements[index].set = true;
	placements[index].read_only = read_only;
}

/* Tries each format on disk `index` and mounts the first that knows it. */
static void mount_disk(unsigned index)
{
	struct blockdev *disk = blockdev_get(index);
	bool read_only = disk->read_only || placements[index].read_only;
	char default_path[sizeof disk->name + 1];
	const char *path = placements[index].set ? placements[index].path : default_path;

	default_path[0] = '/';
	memcpy(default_path + 1, disk->name, sizeof disk->name);
	for (unsigned i = 0; file_systems[i].probe; i++) {
		struct mount *m;
		int r = file_systems[i].probe(disk, read_only, &m);
		if (r == -EINVAL)
			continue;
		if (!r && (r = vfs_mount(m, path)))
			file_systems[i].unmount(m);
		if (r)
			kprintf("lull: %s: %s file system not mounted at %s (error %d)\n", disk->name,
				file_systems[i].name, path, -r);
		else
			kprintf("lull: %s: %s file system mounted at %s%s\n", disk->name,
				file_systems[i].name, path, read_only ? " (read-only)" : "");
		return;
	}
	kprintf("lull: %s: no known file system on it; not mounted\n", disk->name);
}

/* Programs expect a writable /tmp (Lua's os.tmpname, SQLite's temporary
 * files); a disk the user placed there takes precedence. */
static void mount_tmp(void)
{
	for (unsigned i = 0; vfs_mount_at(i); i++)
		if (!strcmp(vfs_mount_at(i)->path, TMP_PATH))
			return;
	struct mount *m = tmpfs_create(page_alloc_total_count() / TMP_SHARE_OF_RAM);
	if (!m || vfs_mount(m, TMP_PATH)) {
		kprintf("lull: no RAM file system at %s\n", TMP_PATH);
		if (m)
			tmpfs_destroy(m);
	}
}

void boot_mounts_ensure(void)
{
	struct thread *self = thread_current();

	if (__atomic_load_n(&mounted, __ATOMIC_ACQUIRE) || !self ||
	    __atomic_load_n(&mounter, __ATOMIC_ACQUIRE) == self)
		return;
	mutex_lock(&mounting);
	if (!mounted) {
		__atomic_store_n(&mounter, self, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < blockdev_count(); i++)
			mount_disk(i);
		mount_tmp();
		__atomic_store_n(&mounter, NULL, __ATOMIC_RELEASE);
		__atomic_store_n(&mounted, true, __ATOMIC_RELEASE);
	}
	mutex_unlock(&mounting);
}

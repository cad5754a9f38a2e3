/*
 * boot_mounts.h: mounting the disks: each disk's file system is found by
 * probing the known formats, and mounted at /diskN or where a
 * `lull.mount=diskN:PATH[:ro]` kernel option says; then a RAM file system
 * (fs/tmpfs.h) at /tmp unless a disk went there.
 *
 * Probing reads the disk, and only a thread can wait for a disk; so the
 * disks are mounted by the first thread that resolves a path (musl's
 * start-up resolves none), before that path is resolved.
 */
#ifndef LULL_FS_BOOT_MOUNTS_H
#define LULL_FS_BOOT_MOUNTS_H

/* Records a lull.mount= option's value ("disk1:/data" or "disk0:/:ro"...);
 * a malformed one is reported on the console and ignored. */
void boot_mounts_option(const char *value);

/* Mounts every disk the first time it is called; later calls (and calls
 * from the mounting itself) return at once. Failures are reported on the
 * console and never stop the application. */
void boot_mounts_ensure(void);

#endif

/*
 * vfs.h: the file-system layer: mounted file systems, the objects they hold
 * (vnodes: files and directories), and the contract a file system
 * implements. The system calls (syscall/sys_fs.c) speak only to this layer,
 * so a new disk format or a host-shared file system is one more
 * implementation of vnode_ops and mount_ops, and nothing above changes.
 *
 * Paths. There are no symbolic links, so a path is made absolute (from the
 * working directory or a directory descriptor) and "." and ".." are folded
 * lexically; the mount whose path is the longest prefix of the result owns
 * it, and the rest is walked from that mount's root one component at a
 * time with lookup(). Mount points need not exist in the file system
 * beneath; a directory listing shows the mounts directly inside it.
 *
 * Vnodes are counted references: lookup() and create() return one (the
 * caller's), vnode_put() drops it, and release() runs at the last. A file
 * system returns the same vnode for the same object while it is
 * referenced (an open file, a lookup in progress), so that two descriptors
 * of one file see one size. An unlinked file stays readable and writable
 * through descriptors open on it until the last is closed.
 *
 * Locking and blocking: every operation is called from a thread, with no
 * spinlock held, and may block on the disk. A file system serialises its
 * own operations (e.g. one struct mutex per mount); this layer takes no
 * lock around them.
 *
 * Errors are negated errno values (lib/errno.h): -ENOENT, -EEXIST,
 * -ENOTDIR, -EISDIR, -ENOTEMPTY, -ENOSPC, -EROFS, -EIO, -ENAMETOOLONG,
 * -EINVAL, -EXDEV, -EBUSY. A read-only mount answers every change with
 * -EROFS.
 */
#ifndef LULL_FS_VFS_H
#define LULL_FS_VFS_H

#include "io/file.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFS_NAME_MAX 255   /* bytes in one path component */
#define VFS_PATH_MAX 4096  /* bytes in a path, with its NUL */

/* st_mode type bits (Linux's values). */
#define VFS_S_IFMT 0170000
#define VFS_S_IFDIR 0040000
#define VFS_S_IFREG 0100000

struct vnode;
struct mount;

/* One directory entry, as readdir() gives it. */
struct vfs_dirent {
	uint64_t ino;
	uint32_t mode;  /* VFS_S_IFDIR or VFS_S_IFREG */
	char name[VFS_NAME_MAX + 1];
};

/* statfs(2)'s figures. */
struct vfs_statfs {
	uint64_t type;        /* f_type: e.g. 0x4d44 (MSDOS_SUPER_MAGIC) */
	uint64_t block_size;  /* f_bsize: the allocation unit (a FAT cluster) */
	uint64_t blocks, blocks_free;
	uint64_t files, files_free; /* 0 where the format has no such limit */
	uint32_t name_max;
	bool read_only;
};

struct vnode_ops {
	/* Directories. `name` is one component: no '/', not "" "." or "..",
	 * at most VFS_NAME_MAX bytes (the layer checks). */
	int (*lookup)(struct vnode *dir, const char *name, struct vnode **out);
	/* Creates a file (mode VFS_S_IFREG | permissions) or an empty
	 * directory (VFS_S_IFDIR | ...) named `name`; -EEXIST if the name is
	 * taken. Returns the new vnode in *out. */
	int (*create)(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out);
	/* Removes a file's name (-EISDIR for a directory). */
	int (*unlink)(struct vnode *dir, const char *name);
	/* Removes an empty directory (-ENOTEMPTY, -ENOTDIR). */
	int (*rmdir)(struct vnode *dir, const char *name);
	/* Moves `from` in from_dir to `to` in to_dir (both of this mount),
	 * replacing what `to` names: a file by a file, an empty directory by
	 * a directory (rename(2)'s rules: -EISDIR, -ENOTDIR, -ENOTEMPTY; moving
	 * a directory into itself is -EINVAL). Atomic as far as the format
	 * allows: after a crash either name may be found, never neither. */
	int (*rename)(struct vnode *from_dir, const char *from, struct vnode *to_dir, const char *to);
	/* The entry at *cookie (0 = the first), and *cookie advanced past it:
	 * returns 1, or 0 at the end, or -errno. "." and ".." are not listed
	 * (the layer adds them). Cookies stay valid across changes to the
	 * directory, as far as the format allows. */
	int (*readdir)(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out);

	/* Files. Reads past the end return 0; a write past the end fills the
	 * gap with zeros; -ENOSPC when the disk is full (with nothing of that
	 * write half-allocated: the file system stays consistent). Both
	 * return the bytes done, which may be short only at the end of the
	 * file (read) or of the disk (write, then > 0 or -ENOSPC). */
	long (*read)(struct vnode *v, void *buf, size_t len, uint64_t offset);
	long (*write)(struct vnode *v, const void *buf, size_t len, uint64_t offset);
	int (*truncate)(struct vnode *v, uint64_t size);
	/* Makes the file's data (and, unless data_only, its metadata: size,
	 * times, its directory entry) durable: written out of every cache and
	 * the device flushed. After it returns 0, a crash of the host loses
	 * none of it. */
	int (*fsync)(struct vnode *v, bool data_only);

	/* Both. */
	int (*stat)(struct vnode *v, struct file_stat *st);
	/* The last reference is gone: free what the vnode holds (and, for an
	 * unlinked file, its clusters). */
	void (*release)(struct vnode *v);
};

struct mount_ops {
	int (*statfs)(struct mount *m, struct vfs_statfs *out);
	/* Writes back everything and flushes the device (sync(2), syncfs). */
	int (*sync)(struct mount *m);
};

struct vnode {
	const struct vnode_ops *ops;
	struct mount *mount;
	uint32_t refs;  /* atomic: vnode_get / vnode_put */
	uint32_t mode;  /* VFS_S_IFDIR or VFS_S_IFREG, with permissions */
	uint64_t ino;
	void *fs_data;  /* the file system's */
	/* The pages its MAP_SHARED mappings map (fs/shared_pages.c); NULL
	 * until the first such mapping. */
	struct shared_pages *shared_pages;
};

struct mount {
	const struct mount_ops *ops;
	struct vnode *root;  /* a reference the mount holds */
	bool read_only;
	void *fs_data;       /* the file system's */
	char path[VFS_PATH_MAX]; /* where it is mounted: "/" or "/disk0" (set by vfs_mount) */
};

void vnode_get(struct vnode *v);
void vnode_put(struct vnode *v);

/* Mounts m at an absolute path ("/", "/disk0"; folded as above). -EBUSY if
 * something is mounted there already. */
int vfs_mount(struct mount *m, const char *path);

/* A file system's entry point: mounts the disk's file system if it knows
 * the format, into a new struct mount. -EINVAL when the disk holds
 * something else (the next file system may try), other errors when it is
 * its format but damaged or unreadable. */
struct blockdev;
typedef int (*vfs_probe_fn)(struct blockdev *disk, bool read_only, struct mount **out);


/*
 * The layer's own interface, for the system calls and the boot.
 *
 * Paths below are folded absolute paths (vfs_path_fold): "/" or "/a/b",
 * with no empty, "." or ".." component and no trailing slash.
 */
#define VFS_MOUNT_MAX 16

/* Sets up the mount table with the embedded tree at "/". */
void vfs_init(void);

/* path.c: makes `path` absolute from `base` (a folded absolute path, unused
 * when path starts with '/') and folds it into out (VFS_PATH_MAX bytes).
 * *must_be_dir tells whether the path ended in '/', "." or "..", which
 * only a directory may. -ENOENT for "", -ENAMETOOLONG. */
int vfs_path_fold(const char *base, const char *path, char *out, bool *must_be_dir);
/* The same from the working directory. */
int vfs_path_fold_from_cwd(const char *path, char *out, bool *must_be_dir);

/* Mount `index` (0 up, in mounting order), or NULL past the last. Mounts
 * are never taken away, so the pointer stays valid. */
struct mount *vfs_mount_at(unsigned index);
/* The name of the mount at `path` if it lies directly inside directory
 * `dir` ("/disk0" in "/" is "disk0"), else NULL. */
const char *vfs_mount_name_in(const char *dir, const char *path);

/* The vnode at path (a reference, put it), or -ENOENT, -ENOTDIR... */
int vfs_lookup(const char *path, struct vnode **out);
/* The directory holding path's last component (a reference) and that
 * component; -EBUSY when path is the root of a mount (it has no name in a
 * directory that could change). */
int vfs_lookup_parent(const char *path, struct vnode **dir, const char **name);
/* stat() with st->dev numbering the mount (1 for the first). */
int vnode_stat(struct vnode *v, struct file_stat *st);
bool vnode_is_dir(const struct vnode *v);

/* The working directory: "/" at boot; -ENOTDIR when path is not one. */
int vfs_chdir(const char *path);
/* Copies the working directory into out (VFS_PATH_MAX bytes). */
void vfs_getcwd(char *out);

/* sync(2): writes back every writable mount; the first error, or 0.
 * Failures are reported on the console. */
int vfs_sync_all(void);
#endif

/*
 * fs_file.c: open files of the embedded tree. Each open keeps its own
 * position (shared by dup'd descriptors, as an open file description is);
 * the contents are read straight from the image.
 */
#include "fs/fs_file.h"

#include "fs/embedded_fs.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"

#include <string.h>

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define DT_DIR 4
#define DT_REG 8
/* Directory positions: 0 is ".", 1 is "..", 2 + i is entry i onwards. */
#define DIR_FIRST_ENTRY 2

struct fs_open {
	struct spinlock lock; /* guards position */
	uint32_t entry;
	uint64_t position;
};

/* Linux's struct linux_dirent64, followed by the NUL-terminated name. */
struct dirent64_abi {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
} __attribute__((packed));

static long copy_out(uint32_t entry, void *buf, size_t len, uint64_t offset)
{
	uint64_t size = embedded_fs_entry(entry)->size;

	if (embedded_fs_is_dir(entry))
		return -EISDIR;
	if (offset >= size)
		return 0;
	if (len > size - offset)
		len = (size_t)(size - offset);
	memcpy(buf, embedded_fs_data(entry) + offset, len);
	return (long)len;
}

static long fs_read(struct file *f, void *buf, size_t len)
{
	struct fs_open *o = f->data;

	spin_lock(&o->lock);
	long r = copy_out(o->entry, buf, len, o->position);
	if (r > 0)
		o->position += (uint64_t)r;
	spin_unlock(&o->lock);
	return r;
}

/* Open for reading only: Linux's answer to a write on such a descriptor. */
static long fs_write(struct file *f, const void *buf, size_t len)
{
	(void)f, (void)buf, (void)len;
	return -EBADF;
}

/* A regular file is always ready, as poll(2) says. */
static unsigned fs_poll(struct file *f)
{
	(void)f;
	return FILE_READABLE | FILE_WRITABLE;
}

static void fs_release(struct file *f)
{
	kfree(f->data, sizeof(struct fs_open));
}

static long fs_pread(struct file *f, void *buf, size_t len, uint64_t offset)
{
	return copy_out(((struct fs_open *)f->data)->entry, buf, len, offset);
}

/* A directory's position is only ever set back to one seen before (or 0). */
static long fs_seek(struct file *f, int64_t offset, int whence)
{
	struct fs_open *o = f->data;
	long r;

	spin_lock(&o->lock);
	int64_t base = whence == SEEK_SET ? 0
		     : whence == SEEK_CUR ? (int64_t)o->position
		     : whence == SEEK_END && !embedded_fs_is_dir(o->entry)
			     ? (int64_t)embedded_fs_entry(o->entry)->size
			     : -1;
	if (base < 0 || (offset > 0 && base > INT64_MAX - offset) || base + offset < 0) {
		r = -EINVAL;
	} else {
		o->position = (uint64_t)(base + offset);
		r = (long)o->position;
	}
	spin_unlock(&o->lock);
	return r;
}

static long fs_stat(struct file *f, struct file_stat *st)
{
	embedded_fs_stat(((struct fs_open *)f->data)->entry, st);
	return 0;
}

/* Appends one record; false when it does not fit. */
static bool put_dirent(uint8_t *buf, size_t len, size_t *used, uint64_t ino, uint64_t next,
		       uint8_t type, const char *name)
{
	size_t name_len = strlen(name);
	size_t reclen = (sizeof(struct dirent64_abi) + name_len + 1 + 7) & ~(size_t)7;

	if (*used + reclen > len)
		return false;
	struct dirent64_abi *d = (struct dirent64_abi *)(buf + *used);
	d->ino = ino;
	d->off = (int64_t)next;
	d->reclen = (uint16_t)reclen;
	d->type = type;
	memcpy(d->name, name, name_len + 1);
	memset(d->name + name_len + 1, 0, reclen - sizeof *d - name_len - 1);
	*used += reclen;
	return true;
}

static long fs_getdents(struct file *f, void *buf, size_t len)
{
	struct fs_open *o = f->data;
	uint32_t dir = o->entry, count = embedded_fs_count();
	size_t used = 0;

	if (!embedded_fs_is_dir(dir))
		return -ENOTDIR;
	spin_lock(&o->lock);
	uint64_t pos = o->position;
	bool fits = true;
	if (pos == 0 && (fits = put_dirent(buf, len, &used, dir + 1, 1, DT_DIR, ".")))
		pos = 1;
	if (fits && pos == 1 &&
	    (fits = put_dirent(buf, len, &used, embedded_fs_entry(dir)->parent + 1, DIR_FIRST_ENTRY,
			       DT_DIR, "..")))
		pos = DIR_FIRST_ENTRY;
	for (; fits && pos >= DIR_FIRST_ENTRY && pos - DIR_FIRST_ENTRY < count; pos++) {
		uint32_t i = (uint32_t)(pos - DIR_FIRST_ENTRY);
		if (i == dir || embedded_fs_entry(i)->parent != dir)
			continue;
		fits = put_dirent(buf, len, &used, i + 1, pos + 1,
				  embedded_fs_is_dir(i) ? DT_DIR : DT_REG, embedded_fs_name(i));
		if (!fits)
			break;
	}
	o->position = pos;
	spin_unlock(&o->lock);
	return !used && !fits ? -EINVAL : (long)used;
}

static const struct file_ops fs_file_ops = {
	.read = fs_read,
	.write = fs_write,
	.poll = fs_poll,
	.release = fs_release,
	.pread = fs_pread,
	.seek = fs_seek,
	.stat = fs_stat,
	.getdents = fs_getdents,
};

long fs_file_open(uint32_t entry, bool nonblocking)
{
	struct fs_open *o = kmalloc(sizeof *o);
	if (!o)
		return -ENOMEM;
	*o = (struct fs_open){ .entry = entry };
	struct file *f = file_create(&fs_file_ops, o);
	if (!f) {
		kfree(o, sizeof *o);
		return -ENOMEM;
	}
	f->nonblocking = nonblocking;
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return fd;
}

bool fs_file_entry(struct file *f, uint32_t *entry)
{
	if (f->ops != &fs_file_ops)
		return false;
	*entry = ((struct fs_open *)f->data)->entry;
	return true;
}

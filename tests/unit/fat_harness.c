/* fat_harness.c: FAT images and paths for unit tests (see fat_harness.h). */
#include "fat_harness.h"

#include "fake_kernel.h"
#include "fs/fat/fat.h"
#include "lib/errno.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

const struct fat_kind fat12_kind = { "FAT12", 2048, "-F 12" };
const struct fat_kind fat16_kind = { "FAT16", 32768, "-F 16" };
const struct fat_kind fat32_kind = { "FAT32", 65536, "-F 32 -s 1" };

static char tmpdir[128];

static void remove_tmpdir(void)
{
	harness_sh("rm -rf '%s'", tmpdir);
}

const char *harness_path(const char *name)
{
	static char path[256];

	if (!tmpdir[0]) {
		strcpy(tmpdir, "/tmp/lull-fat-XXXXXX");
		if (!mkdtemp(tmpdir))
			abort();
		atexit(remove_tmpdir);
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

int harness_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void harness_format(struct harness *h, const struct fat_kind *kind, const char *name)
{
	*h = (struct harness){ 0 };
	snprintf(h->image, sizeof h->image, "%s", harness_path(name));
	assert_int_equal(harness_sh("rm -f '%s' && mkfs.fat -C %s -n TESTVOL '%s' %u >/dev/null",
				    h->image, kind->mkfs_options, h->image, kind->size_kib), 0);
}

void harness_start(struct harness *h, const struct fat_kind *kind, const char *name)
{
	harness_format(h, kind, name);
	fake_log_clear();
}

void harness_finish(struct harness *h)
{
	if (fake_log[0])
		fprintf(stderr, "kernel log:\n%s", fake_log);
	if (h->mount)
		harness_unmount(h);
}

int harness_try_mount(struct harness *h, bool read_only)
{
	h->disk = file_blockdev_open(h->image, read_only);
	assert_non_null(h->disk);
	int rc = fat_probe(&h->disk->dev, read_only, &h->mount);
	if (rc) {
		file_blockdev_close(h->disk);
		h->disk = NULL;
		h->mount = NULL;
	}
	return rc;
}

void harness_mount(struct harness *h, bool read_only)
{
	int rc = harness_try_mount(h, read_only);
	if (rc)
		fprintf(stderr, "mount failed: %d\n%s", rc, fake_log);
	assert_int_equal(rc, 0);
}

void harness_unmount(struct harness *h)
{
	assert_int_equal(h->mount->root->refs, 1);
	assert_int_equal(fake_mutexes_held, 0);
	assert_int_equal(fat_unmount(h->mount), 0);
	file_blockdev_close(h->disk);
	h->disk = NULL;
	h->mount = NULL;
}

int harness_walk(struct harness *h, const char *path, struct vnode **out)
{
	char part[VFS_NAME_MAX + 1];
	struct vnode *v = h->mount->root;

	vnode_get(v);
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (n == 0)
			break;
		memcpy(part, path, n);
		part[n] = 0;
		path += n;
		struct vnode *next;
		int rc = v->ops->lookup(v, part, &next);
		vnode_put(v);
		if (rc)
			return rc;
		v = next;
	}
	*out = v;
	return 0;
}

int harness_parent(struct harness *h, const char *path, struct vnode **dir, const char **name)
{
	char parent[1024];
	const char *slash = strrchr(path, '/');

	snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
	*name = slash + 1;
	return harness_walk(h, parent, dir);
}

int harness_create(struct harness *h, const char *path, uint32_t mode, struct vnode **out)
{
	struct vnode *dir;
	const char *name;
	int rc = harness_parent(h, path, &dir, &name);

	if (rc)
		return rc;
	rc = dir->ops->create(dir, name, mode, out);
	vnode_put(dir);
	return rc;
}

void harness_write_file(struct harness *h, const char *path, const void *data, size_t len)
{
	struct vnode *v;
	int rc = harness_walk(h, path, &v);

	if (rc == -ENOENT)
		rc = harness_create(h, path, VFS_S_IFREG | 0644, &v);
	else if (!rc)
		rc = v->ops->truncate(v, 0);
	assert_int_equal(rc, 0);
	if (len)
		assert_int_equal(v->ops->write(v, data, len, 0), (long)len);
	vnode_put(v);
}

long harness_read_file(struct harness *h, const char *path, uint8_t **data)
{
	struct vnode *v;
	struct file_stat st;
	int rc = harness_walk(h, path, &v);

	if (rc)
		return rc;
	assert_int_equal(v->ops->stat(v, &st), 0);
	*data = malloc(st.size + 1);
	long n = v->ops->read(v, *data, st.size + 1, 0);
	vnode_put(v);
	return n;
}

static int with_parent(struct harness *h, const char *path, int which)
{
	struct vnode *dir, *made;
	const char *name;
	int rc = harness_parent(h, path, &dir, &name);

	if (rc)
		return rc;
	if (which == 0)
		rc = dir->ops->unlink(dir, name);
	else if (which == 1)
		rc = dir->ops->rmdir(dir, name);
	else if (!(rc = dir->ops->create(dir, name, VFS_S_IFDIR | 0755, &made)))
		vnode_put(made);
	vnode_put(dir);
	return rc;
}

int harness_unlink(struct harness *h, const char *path)
{
	return with_parent(h, path, 0);
}

int harness_rmdir(struct harness *h, const char *path)
{
	return with_parent(h, path, 1);
}

int harness_mkdir(struct harness *h, const char *path)
{
	return with_parent(h, path, 2);
}

int harness_rename(struct harness *h, const char *from, const char *to)
{
	struct vnode *from_dir, *to_dir;
	const char *from_name, *to_name;
	int rc = harness_parent(h, from, &from_dir, &from_name);

	if (rc)
		return rc;
	rc = harness_parent(h, to, &to_dir, &to_name);
	if (!rc) {
		rc = from_dir->ops->rename(from_dir, from_name, to_dir, to_name);
		vnode_put(to_dir);
	}
	vnode_put(from_dir);
	return rc;
}

bool harness_fsck_clean(struct harness *h)
{
	return harness_sh("fsck.fat -n '%s' >&2", h->image) == 0;
}

long harness_mcopy_out(struct harness *h, const char *path, uint8_t **data)
{
	char cmd[1024];
	size_t cap = 4096, len = 0;

	snprintf(cmd, sizeof cmd, "mcopy -n -i '%s' '::%s' - 2>/dev/null", h->image, path);
	FILE *p = popen(cmd, "r");
	*data = malloc(cap);
	size_t n;
	while ((n = fread(*data + len, 1, cap - len, p)) > 0) {
		len += n;
		if (len == cap)
			*data = realloc(*data, cap *= 2);
	}
	if (pclose(p) == 0)
		return (long)len;
	free(*data);
	return -1;
}

void harness_mcopy_in(struct harness *h, const char *path, const void *data, size_t len)
{
	const char *src = harness_path("mcopy-in");
	FILE *f = fopen(src, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(harness_sh("mcopy -o -i '%s' '%s' '::%s'", h->image, src, path), 0);
}

void harness_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
}

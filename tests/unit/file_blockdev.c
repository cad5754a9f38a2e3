/* file_blockdev.c: a disk in a host file (see file_blockdev.h). */
#include "file_blockdev.h"

#include "lib/errno.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct file_blockdev *of(struct blockdev *d)
{
	return (struct file_blockdev *)d;
}

static int check(struct blockdev *d, uint64_t sector, uint32_t count)
{
	if (count == 0 || sector >= d->sectors || count > d->sectors - sector)
		return -EINVAL;
	return 0;
}

/* Counts one request down: false once it should fail. */
static bool allowed(long *left)
{
	if (*left < 0)
		return true;
	if (*left == 0)
		return false;
	(*left)--;
	return true;
}

static int transfer(struct blockdev *d, uint64_t sector, void *buf, uint32_t count, bool write)
{
	int rc = check(d, sector, count);
	size_t len = (size_t)count * BLOCKDEV_SECTOR_SIZE;
	off_t at = (off_t)(sector * BLOCKDEV_SECTOR_SIZE);

	if (rc)
		return rc;
	if (write && d->read_only)
		return -EROFS;
	if (!allowed(write ? &of(d)->writes_left : &of(d)->reads_left) ||
	    (write ? pwrite(of(d)->fd, buf, len, at) : pread(of(d)->fd, buf, len, at)) != (ssize_t)len) {
		d->stats.errors++;
		return -EIO;
	}
	if (write) {
		d->stats.writes++;
		d->stats.sectors_written += count;
	} else {
		d->stats.reads++;
		d->stats.sectors_read += count;
	}
	return 0;
}

static int file_read(struct blockdev *d, uint64_t sector, void *buf, uint32_t count)
{
	return transfer(d, sector, buf, count, false);
}

static int file_write(struct blockdev *d, uint64_t sector, const void *buf, uint32_t count)
{
	return transfer(d, sector, (void *)buf, count, true);
}

static int file_flush(struct blockdev *d)
{
	if (of(d)->fail_flush) {
		d->stats.errors++;
		return -EIO;
	}
	of(d)->flushes++;
	d->stats.flushes++;
	return 0;
}

struct file_blockdev *file_blockdev_open(const char *path, bool read_only)
{
	struct stat st;
	int fd = open(path, read_only ? O_RDONLY : O_RDWR);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	struct file_blockdev *d = calloc(1, sizeof *d);
	snprintf(d->dev.name, sizeof d->dev.name, "test%d", fd % 100);
	d->dev.sectors = (uint64_t)st.st_size / BLOCKDEV_SECTOR_SIZE;
	d->dev.read_only = read_only;
	d->dev.read = file_read;
	d->dev.write = file_write;
	d->dev.flush = file_flush;
	d->fd = fd;
	d->reads_left = d->writes_left = -1;
	return d;
}

void file_blockdev_close(struct file_blockdev *d)
{
	close(d->fd);
	free(d);
}

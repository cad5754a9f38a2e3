/*
 * file_mmap: mappings of files, on the RAM file system at /tmp and on the
 * embedded tree: MAP_PRIVATE copies, MAP_SHARED mappings of one region
 * seeing each other's stores and read/write/ftruncate (the way SQLite's
 * WAL index grows and maps its -shm file), write-back by msync and munmap,
 * partial munmap and MAP_FIXED over a shared mapping, and Linux's errors
 * for bad requests. Also the RAM file system itself: tmpfile, mkstemp,
 * rename, unlink while open, listing, statfs.
 *
 * lull-test: status=0 smp=2
 * files: tests/boot/embedded_files
 * expect: ^file mmap ok$
 * reject: not implemented
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "check.h"

#define PAGE 4096
#define REGION (8 * PAGE) /* SQLite maps its -shm in 32 KiB regions */
#define HELLO "hello, embedded world\n"
#define TMPFS_MAGIC 0x01021994

/* errno after an mmap that must fail, or 0 if it succeeded. */
static int mmap_errno(size_t len, int prot, int flags, int fd, off_t offset)
{
	errno = 0;
	void *p = mmap(NULL, len, prot, flags, fd, offset);
	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return errno;
}

static char *map(size_t len, int prot, int flags, int fd, off_t offset)
{
	char *p = mmap(NULL, len, prot, flags, fd, offset);
	CHECK(p != MAP_FAILED);
	return p == MAP_FAILED ? NULL : p;
}

static int make_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, (off_t)size) == 0);
	return fd;
}

static void bad_requests(void)
{
	int rw = make_file("/tmp/bad", PAGE);
	int ro = open("/tmp/bad", O_RDONLY);
	int wo = open("/tmp/bad", O_WRONLY);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	int pipe_ends[2];
	CHECK(pipe(pipe_ends) == 0);

	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, -1, 0) == EBADF);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, 999, 0) == EBADF);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, rw, 100) == EINVAL);
	CHECK(mmap_errno(0, PROT_READ, MAP_SHARED, rw, 0) == EINVAL);
	CHECK(mmap_errno(PAGE, PROT_READ, 0, rw, 0) == EINVAL);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED_VALIDATE | 0x800000, rw, 0) == EOPNOTSUPP);
	CHECK(mmap_errno(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == EACCES);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, wo, 0) == EACCES);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_PRIVATE, wo, 0) == EACCES);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, dir, 0) == ENODEV);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, pipe_ends[0], 0) == ENODEV);
	/* Allowed, as on Linux: a private copy may be written, and a mapping
	 * may reach past the end of the file. */
	CHECK(mmap_errno(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0) == 0);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, rw, 16 * PAGE) == 0);

	char *shared_ro = map(PAGE, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(mprotect(shared_ro, PAGE, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	CHECK(msync(shared_ro + 1, PAGE, MS_SYNC) == -1 && errno == EINVAL);
	CHECK(msync(shared_ro, PAGE, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL);
	CHECK(munmap(shared_ro, PAGE) == 0);
	CHECK(msync(shared_ro, PAGE, MS_SYNC) == -1 && errno == ENOMEM);

	int closed = open("/tmp/bad", O_RDWR);
	close(closed);
	CHECK(mmap_errno(PAGE, PROT_READ, MAP_SHARED, closed, 0) == EBADF);
	close(pipe_ends[0]);
	close(pipe_ends[1]);
	close(dir);
	close(wo);
	close(ro);
	close(rw);
	CHECK(unlink("/tmp/bad") == 0);
}

static void embedded_files(void)
{
	int fd = open("/hello.txt", O_RDONLY);
	char *private_copy = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *shared = map(PAGE, PROT_READ, MAP_SHARED, fd, 0);
	char *past_end = map(PAGE, PROT_READ, MAP_SHARED, fd, 4 * PAGE);

	CHECK(private_copy && !memcmp(private_copy, HELLO, sizeof HELLO));
	CHECK(shared && !memcmp(shared, HELLO, sizeof HELLO) && !shared[PAGE - 1]);
	CHECK(past_end && !past_end[0] && !past_end[PAGE - 1]);
	if (private_copy)
		private_copy[0] = 'J'; /* the copy is the program's own */
	CHECK(shared && shared[0] == 'h');
	CHECK(fsync(fd) == 0);
	munmap(private_copy, PAGE);
	munmap(shared, PAGE);
	munmap(past_end, PAGE);
	close(fd);
}

static char read_byte(int fd, off_t offset)
{
	char c = '?';
	CHECK(pread(fd, &c, 1, offset) == 1);
	return c;
}

/* The -shm pattern: grow the file, map a region twice (SQLite's two
 * connections), and see each store from everywhere. */
static void shared_region(void)
{
	int fd = make_file("/tmp/db-shm", 3);
	CHECK(pwrite(fd, "", 1, REGION - 1) == 1);
	char *a = map(REGION, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = map(REGION, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!a || !b)
		return;
	CHECK(a != b);
	a[100] = 'A';
	b[5 * PAGE + 7] = 'B';
	CHECK(b[100] == 'A' && a[5 * PAGE + 7] == 'B');
	CHECK(read_byte(fd, 100) == 'A');
	CHECK(pwrite(fd, "W", 1, 200) == 1);
	CHECK(a[200] == 'W' && b[200] == 'W');

	/* Shrinking and growing again leaves zeros where the file has none. */
	a[3 * PAGE] = 'Z';
	CHECK(ftruncate(fd, 2 * PAGE) == 0 && ftruncate(fd, REGION) == 0);
	CHECK(b[3 * PAGE] == 0 && b[200] == 'W');

	/* A second region, mapped once the file has grown with ftruncate. */
	CHECK(ftruncate(fd, 2 * REGION) == 0);
	char *second = map(REGION, PROT_READ | PROT_WRITE, MAP_SHARED, fd, REGION);
	if (second) {
		second[1] = 'S';
		CHECK(msync(second, REGION, MS_SYNC) == 0);
		CHECK(munmap(second, REGION) == 0);
	}
	CHECK(read_byte(fd, REGION + 1) == 'S');

	CHECK(munmap(a, REGION) == 0);
	b[300] = 'U';
	CHECK(munmap(b, REGION) == 0);
	close(fd);
	fd = open("/tmp/db-shm", O_RDONLY);
	CHECK(read_byte(fd, 300) == 'U' && read_byte(fd, 100) == 'A');
	close(fd);
}

static void private_and_partial(void)
{
	int fd = make_file("/tmp/parts", 3 * PAGE);
	char *shared = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *copy = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!shared || !copy)
		return;
	copy[10] = 'P';
	CHECK(shared[10] == 0 && read_byte(fd, 10) == 0);

	/* Cut the middle page out: both ends stay mapped and written back. */
	shared[0] = '0';
	shared[PAGE] = '1';
	shared[2 * PAGE] = '2';
	CHECK(munmap(shared + PAGE, PAGE) == 0);
	CHECK(read_byte(fd, PAGE) == '1');
	shared[1] = 'x';
	shared[2 * PAGE + 1] = 'y';
	CHECK(msync(shared, 3 * PAGE, MS_ASYNC) == -1 && errno == ENOMEM);
	CHECK(msync(shared + 2 * PAGE, PAGE, MS_ASYNC) == 0);
	CHECK(read_byte(fd, 2 * PAGE + 1) == 'y');

	/* MAP_FIXED over the first page replaces it after writing it back. */
	char *fixed = mmap(shared, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			   -1, 0);
	CHECK(fixed == shared && fixed[0] == 0);
	CHECK(read_byte(fd, 0) == '0' && read_byte(fd, 1) == 'x');

	munmap(shared, 3 * PAGE);
	munmap(copy, 3 * PAGE);
	close(fd);
	CHECK(unlink("/tmp/parts") == 0);
}

static void ram_file_system(void)
{
	struct statfs sf;
	CHECK(statfs("/tmp", &sf) == 0 && sf.f_type == TMPFS_MAGIC && sf.f_bfree > 0);

	FILE *f = tmpfile();
	char line[32] = "";
	CHECK(f && fputs("temporary\n", f) >= 0 && fseek(f, 0, SEEK_SET) == 0);
	CHECK(f && fgets(line, sizeof line, f) && !strcmp(line, "temporary\n"));
	if (f)
		fclose(f);

	char name[] = "/tmp/lullXXXXXX";
	int fd = mkstemp(name);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3);
	CHECK(rename(name, "/tmp/renamed") == 0 && access(name, F_OK) == -1);
	CHECK(unlink("/tmp/renamed") == 0 && access("/tmp/renamed", F_OK) == -1);
	CHECK(read_byte(fd, 2) == 'c'); /* unlinked, still open */
	close(fd);

	CHECK(mkdir("/tmp/d", 0755) == 0 && mkdir("/tmp/d", 0755) == -1 && errno == EEXIST);
	fd = open("/tmp/d/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(rmdir("/tmp/d") == -1 && errno == ENOTEMPTY);
	DIR *d = opendir("/tmp/d");
	struct dirent *e;
	int names = 0;
	while (d && (e = readdir(d)))
		names += !strcmp(e->d_name, "f") && e->d_type == DT_REG;
	if (d)
		closedir(d);
	CHECK(names == 1);
	CHECK(unlink("/tmp/d/f") == 0 && rmdir("/tmp/d") == 0);
}

int main(void)
{
	bad_requests();
	embedded_files();
	shared_region();
	private_and_partial();
	ram_file_system();
	if (failures)
		return 1;
	printf("file mmap ok\n");
	return 0;
}

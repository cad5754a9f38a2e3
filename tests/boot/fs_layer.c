/*
 * fs_layer: the file-system layer without a disk, over the embedded tree
 * mounted read-only at "/": every change is EROFS (after ENOENT/EEXIST, as
 * Linux orders them), the working directory (chdir, fchdir, getcwd and
 * relative paths), lexical folding of "." ".." and "//", O_DIRECTORY on a
 * file, positions past the end of a read-only file, access modes, statfs,
 * the root's listing (with the RAM file system mounted at /tmp), umask,
 * and EFAULT for bad pointers.
 *
 * lull-test: status=0 smp=1
 * files: tests/boot/embedded_files
 * expect: ^fs layer ok$
 * reject: not implemented
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define HELLO "hello, embedded world\n"
#define BAD_POINTER ((void *)8)

/* errno after a call that must fail with -1, or 0 if it succeeded. */
#define ERRNO_OF(call) (errno = 0, (call) == -1 ? errno : 0)

/* errno of open(path, flags), or 0 (the descriptor closed) if it opened. */
static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags, 0644);
	return fd >= 0 ? close(fd) : errno;
}

static void read_only_root(void)
{
	CHECK(open_errno("/new.txt", O_WRONLY | O_CREAT) == EROFS);
	CHECK(open_errno("/hello.txt", O_RDONLY | O_TRUNC) == EROFS);
	CHECK(open_errno("/hello.txt", O_WRONLY | O_APPEND) == EROFS);
	CHECK(open_errno("/sub", O_WRONLY) == EISDIR);
	CHECK(open_errno("/sub", O_RDONLY | O_CREAT) == EISDIR);
	CHECK(ERRNO_OF(creat("/made.txt", 0644)) == EROFS);
	CHECK(ERRNO_OF(mkdir("/sub", 0755)) == EEXIST);
	CHECK(ERRNO_OF(mkdir("/sub/new", 0755)) == EROFS);
	CHECK(ERRNO_OF(mkdir("/missing/new", 0755)) == ENOENT);
	CHECK(ERRNO_OF(rmdir("/sub/deeper")) == EROFS);
	CHECK(ERRNO_OF(rmdir("/")) == EBUSY);
	CHECK(ERRNO_OF(unlink("/sub/lines.txt")) == EROFS);
	CHECK(ERRNO_OF(unlinkat(AT_FDCWD, "/sub", AT_REMOVEDIR)) == EROFS);
	CHECK(ERRNO_OF(rename("/sub", "/sub2")) == EROFS);
	CHECK(ERRNO_OF(truncate("/hello.txt", 0)) == EROFS);
	CHECK(ERRNO_OF(truncate("/sub", 0)) == EISDIR);
	CHECK(ERRNO_OF(chmod("/hello.txt", 0600)) == EROFS);
	CHECK(ERRNO_OF(utimensat(AT_FDCWD, "/hello.txt", NULL, 0)) == EROFS);
	CHECK(ERRNO_OF(chmod("/missing", 0600)) == ENOENT);
	CHECK(access("/sub", W_OK) == -1 && errno == EROFS);

	struct statfs sfs;
	CHECK(statfs("/sub", &sfs) == 0 && (sfs.f_flags & ST_RDONLY) && sfs.f_files >= 6);
	int fd = open("/hello.txt", O_RDONLY);
	CHECK(fstatfs(fd, &sfs) == 0 && (sfs.f_flags & ST_RDONLY));
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
	CHECK(ERRNO_OF(ftruncate(fd, 0)) == EINVAL);
	CHECK(ERRNO_OF(fchmod(fd, 0600)) == EROFS);
	close(fd);
	CHECK(ERRNO_OF(fsync(1)) == EINVAL); /* the console */
	sync();
}

static void working_directory(void)
{
	char buf[64];

	CHECK(getcwd(buf, sizeof buf) && !strcmp(buf, "/"));
	CHECK(chdir("sub") == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/sub"));
	CHECK(open_errno("lines.txt", O_RDONLY) == 0);
	CHECK(open_errno("hello.txt", O_RDONLY) == ENOENT);
	CHECK(open_errno("../hello.txt", O_RDONLY) == 0);
	CHECK(getcwd(buf, 4) == NULL && errno == ERANGE);
	CHECK(syscall(SYS_getcwd, BAD_POINTER, 64) == -1 && errno == EFAULT);
	CHECK(chdir("deeper/..//./deeper") == 0 && getcwd(buf, sizeof buf) &&
	      !strcmp(buf, "/sub/deeper"));
	CHECK(chdir("../../../..") == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/"));
	CHECK(ERRNO_OF(chdir("/hello.txt")) == ENOTDIR);
	CHECK(ERRNO_OF(chdir("/missing")) == ENOENT);

	int dir = open("/sub/deeper", O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0 && fchdir(dir) == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/sub/deeper"));
	CHECK(open_errno("empty.txt", O_RDONLY) == 0);
	close(dir);
	int file = open("/hello.txt", O_RDONLY);
	CHECK(ERRNO_OF(fchdir(file)) == ENOTDIR);
	CHECK(ERRNO_OF(openat(file, "x", O_RDONLY)) == ENOTDIR);
	close(file);
	CHECK(ERRNO_OF(fchdir(500)) == EBADF);
	CHECK(chdir("/") == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/"));
}

/* "." and ".." fold without looking at the disk: "/a/.." is "/" even
 * though there is no /a, and "/hello.txt/.." is "/" (Linux: ENOTDIR). */
static void folding(void)
{
	struct stat st;
	char long_name[300];

	CHECK(open_errno("/a/../hello.txt", O_RDONLY) == 0);
	CHECK(open_errno("//sub/./lines.txt", O_RDONLY) == 0);
	CHECK(open_errno("/sub/deeper/../../hello.txt", O_RDONLY) == 0);
	CHECK(open_errno("/./././/hello.txt", O_RDONLY) == 0);
	CHECK(open_errno("/hello.txt/.", O_RDONLY) == ENOTDIR);
	CHECK(open_errno("/hello.txt/..", O_RDONLY | O_DIRECTORY) == 0);
	CHECK(stat("/sub/.", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat("/sub//deeper/", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(ERRNO_OF(stat("/sub/lines.txt/", &st)) == ENOTDIR);
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	CHECK(ERRNO_OF(stat(long_name, &st)) == ENAMETOOLONG);
}

static void descriptors(void)
{
	char c, buf[8];
	off_t size = (off_t)strlen(HELLO);

	CHECK(open_errno("/hello.txt", O_RDONLY | O_DIRECTORY) == ENOTDIR);
	CHECK(open_errno("/sub", O_RDONLY | O_DIRECTORY) == 0);
	int fd = open("/hello.txt", O_RDONLY);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	CHECK(lseek(fd, size + 100, SEEK_SET) == size + 100 && read(fd, &c, 1) == 0);
	CHECK(lseek(fd, 10, SEEK_END) == size + 10 && read(fd, &c, 1) == 0);
	CHECK(lseek(fd, -3, SEEK_END) == size - 3 && read(fd, buf, sizeof buf) == 3);
	CHECK(ERRNO_OF(write(fd, "x", 1)) == EBADF);
	CHECK(ERRNO_OF(pwrite(fd, "x", 1, 0)) == EBADF);
	CHECK(pread(fd, buf, 5, size + 1) == 0);
	close(fd);
	CHECK(ERRNO_OF(lseek(fd, 0, SEEK_SET)) == EBADF);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	CHECK(ERRNO_OF(lseek(dir, 0, SEEK_END)) == EINVAL);
	CHECK(ERRNO_OF(pread(dir, buf, 1, 0)) == EISDIR);
	close(dir);
}

static void root_listing(void)
{
	DIR *d = opendir("/");
	struct dirent *e;
	int seen = 0, others = 0;

	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, "."))
			seen |= 1;
		else if (!strcmp(e->d_name, ".."))
			seen |= 2;
		else if (!strcmp(e->d_name, "hello.txt") && e->d_type == DT_REG)
			seen |= 4;
		else if (!strcmp(e->d_name, "sub") && e->d_type == DT_DIR)
			seen |= 8;
		else if (!strcmp(e->d_name, "tmp") && e->d_type == DT_DIR)
			seen |= 16;
		else
			others++;
	}
	if (d)
		closedir(d);
	CHECK(seen == 31 && others == 0);
}

static void bad_pointers(void)
{
	struct stat st;
	int fd = open("/sub", O_RDONLY | O_DIRECTORY);

	CHECK(ERRNO_OF(open(BAD_POINTER, O_RDONLY)) == EFAULT);
	CHECK(ERRNO_OF(stat(BAD_POINTER, &st)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_stat, "/hello.txt", BAD_POINTER)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_newfstatat, AT_FDCWD, "/", BAD_POINTER, 0)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_fstat, fd, BAD_POINTER)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_getdents64, fd, BAD_POINTER, 4096)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_rename, "/hello.txt", BAD_POINTER)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_statfs, "/", BAD_POINTER)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_pread64, fd, BAD_POINTER, 4, 0)) == EFAULT);
	CHECK(ERRNO_OF(syscall(SYS_utimensat, AT_FDCWD, "/", BAD_POINTER, 0)) == EFAULT);
	close(fd);
}

int main(void)
{
	read_only_root();
	working_directory();
	folding();
	descriptors();
	root_listing();
	bad_pointers();
	CHECK(umask(077) == 022 && umask(022) == 077);
	if (failures)
		return 1;
	printf("fs layer ok\n");
	return 0;
}

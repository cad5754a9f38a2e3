/*
 * embedded_files: the read-only tree `lull build --files` embeds: contents,
 * sizes, positions, directories, path normalisation that cannot leave the
 * root, ENOENT for missing paths and EROFS for writes.
 *
 * lull-test: status=0
 * files: tests/boot/embedded_files
 * expect: ^embedded files ok$
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define HELLO "hello, embedded world\n"
#define LINES "first line\nsecond line\nthird line\n"

/* The whole file at path, or NULL (with errno set by open). */
static char *slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int open_errno(const char *path, int flags)
{
	errno = 0;
	int fd = open(path, flags, 0644);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static void contents_and_sizes(void)
{
	char *s = slurp("/hello.txt");
	CHECK(s && !strcmp(s, HELLO));
	s = slurp("sub/lines.txt");
	CHECK(s && !strcmp(s, LINES));
	s = slurp("/sub/deeper/empty.txt");
	CHECK(s && !*s);

	struct stat st;
	CHECK(stat("/hello.txt", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == strlen(HELLO));
	CHECK(st.st_mtime > 1000000000); /* the build host's time, not 0 */
	CHECK(stat("/sub", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat("/sub/deeper/empty.txt", &st) == 0 && st.st_size == 0);

	int fd = open("/sub/lines.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == strlen(LINES));
	char buf[32] = { 0 };
	CHECK(lseek(fd, 11, SEEK_SET) == 11 && read(fd, buf, 6) == 6 && !memcmp(buf, "second", 6));
	CHECK(lseek(fd, 0, SEEK_CUR) == 17);
	CHECK(pread(fd, buf, 5, 29) == 5 && !memcmp(buf, "line\n", 5));
	CHECK(lseek(fd, 0, SEEK_CUR) == 17); /* pread leaves the position alone */
	CHECK(lseek(fd, 0, SEEK_END) == (off_t)strlen(LINES) && read(fd, buf, sizeof buf) == 0);
	CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
	close(fd);

	FILE *f = fopen("/sub/lines.txt", "r");
	CHECK(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "first line\n"));
	if (f)
		fclose(f);
}

static void errors(void)
{
	CHECK(open_errno("/missing.txt", O_RDONLY) == ENOENT);
	CHECK(open_errno("/sub/missing/x", O_RDONLY) == ENOENT);
	CHECK(open_errno("/hello.txt/x", O_RDONLY) == ENOTDIR);
	CHECK(open_errno("/hello.txt/", O_RDONLY) == ENOTDIR);
	CHECK(open_errno("/hello.txt", O_RDONLY | O_DIRECTORY) == ENOTDIR);
	CHECK(open_errno("", O_RDONLY) == ENOENT);
	CHECK(open_errno("/hello.txt", O_WRONLY) == EROFS);
	CHECK(open_errno("/hello.txt", O_RDWR) == EROFS);
	CHECK(open_errno("/new.txt", O_WRONLY | O_CREAT) == EROFS);
	CHECK(open_errno("/hello.txt", O_RDONLY | O_CREAT | O_EXCL) == EEXIST);
	CHECK(mkdir("/newdir", 0755) == -1 && errno == EROFS);
	CHECK(unlink("/hello.txt") == -1 && errno == EROFS);
	CHECK(rename("/hello.txt", "/x") == -1 && errno == EROFS);
	CHECK(access("/hello.txt", R_OK) == 0);
	CHECK(access("/hello.txt", W_OK) == -1 && errno == EROFS);

	int fd = open("/hello.txt", O_RDONLY);
	CHECK(write(fd, "x", 1) == -1 && errno == EBADF);
	close(fd);
	fd = open("/sub", O_RDONLY);
	char c;
	CHECK(fd >= 0 && read(fd, &c, 1) == -1 && errno == EISDIR);
	close(fd);
	CHECK(lseek(1, 0, SEEK_SET) == -1 && errno == ESPIPE);
}

/* "." and ".." are followed; ".." at the root stays at the root. */
static void normalisation(void)
{
	char *s = slurp("/../../../hello.txt");
	CHECK(s && !strcmp(s, HELLO));
	s = slurp("//sub/./../sub//deeper/../lines.txt");
	CHECK(s && !strcmp(s, LINES));
	s = slurp("sub/../../../../hello.txt");
	CHECK(s && !strcmp(s, HELLO));
	CHECK(open_errno("/../etc/passwd", O_RDONLY) == ENOENT);
	CHECK(open_errno("../../../../../../../etc/passwd", O_RDONLY) == ENOENT);
	CHECK(open_errno("/sub/..hello.txt", O_RDONLY) == ENOENT);

	int dir = open("/sub", O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0);
	int fd = openat(dir, "lines.txt", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	fd = openat(dir, "../hello.txt", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	close(dir);
}

static void listing(void)
{
	DIR *d = opendir("/sub");
	int seen = 0, others = 0;
	struct dirent *e;

	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, "lines.txt") && e->d_type == DT_REG)
			seen |= 1;
		else if (!strcmp(e->d_name, "deeper") && e->d_type == DT_DIR)
			seen |= 2;
		else if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			others++;
	}
	if (d)
		closedir(d);
	CHECK(seen == 3 && others == 0);
	errno = 0;
	CHECK(opendir("/hello.txt") == NULL && errno == ENOTDIR);
}

int main(void)
{
	contents_and_sizes();
	errors();
	normalisation();
	listing();
	if (failures)
		return 1;
	printf("embedded files ok\n");
	return 0;
}

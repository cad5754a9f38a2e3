/*
 * sendfile: from an embedded file into a pipe, with and without an offset
 * (the file's position moves only without one), a count past the end, at
 * the end (0), a full non-blocking pipe (EAGAIN, the offset unmoved),
 * and the errors: a pipe as the source (EINVAL), write-only or
 * closed descriptors (EBADF), a bad offset pointer (EFAULT), a negative
 * offset (EINVAL). Prints what differs from Linux and exits 1.
 *
 * lull-test: status=0
 * files: tests/boot/embedded_files
 * expect: ^sendfile ok$
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "check.h"

#define HELLO "hello, embedded world\n"
#define PIPE_CAPACITY 65536

static int fd_pos(int fd)
{
	return (int)lseek(fd, 0, SEEK_CUR);
}

int main(void)
{
	int fd = open("/hello.txt", O_RDONLY), p[2];
	char buf[64] = { 0 };
	off_t off = 7;

	CHECK(fd >= 0 && pipe(p) == 0);
	CHECK(sendfile(p[1], fd, &off, 5) == 5 && off == 12 && fd_pos(fd) == 0);
	CHECK(read(p[0], buf, sizeof buf) == 5 && !memcmp(buf, "embed", 5));
	CHECK(sendfile(p[1], fd, NULL, 1000) == (long)strlen(HELLO) && fd_pos(fd) == (int)strlen(HELLO));
	CHECK(read(p[0], buf, sizeof buf) == (long)strlen(HELLO) && !memcmp(buf, HELLO, strlen(HELLO)));
	CHECK(sendfile(p[1], fd, NULL, 10) == 0);
	off = 0;
	CHECK(sendfile(p[1], fd, &off, 0) == 0 && off == 0);

	CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	static char fill[PIPE_CAPACITY - 10];
	CHECK(write(p[1], fill, sizeof fill) == (long)sizeof fill);
	off = 3;
	errno = 0;
	CHECK(sendfile(p[1], fd, &off, 100) == -1 && errno == EAGAIN && off == 3);

	errno = 0;
	CHECK(sendfile(p[1], p[0], NULL, 10) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sendfile(p[0], fd, NULL, 10) == -1 && errno == EBADF);
	errno = 0;
	CHECK(sendfile(p[1], 999, NULL, 10) == -1 && errno == EBADF);
	errno = 0;
	CHECK(sendfile(p[1], fd, (off_t *)16, 10) == -1 && errno == EFAULT);
	off = -1;
	errno = 0;
	CHECK(sendfile(p[1], fd, &off, 10) == -1 && errno == EINVAL);
	if (failures)
		return 1;
	printf("sendfile ok\n");
	return 0;
}

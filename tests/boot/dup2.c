/* lull-test: status=0
 * expect: ^dup2 ok$
 */
/* dup2 and dup3: the new descriptor names the old one's file (reads share
 * the pipe), what it named before is closed (its pipe's writer sees the
 * reader gone), dup2 onto itself checks the descriptor, dup3 onto itself
 * and unknown flags are EINVAL, bad descriptors EBADF. Prints what differs
 * from Linux and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	int a[2], b[2];
	char c = 0;

	CHECK(pipe(a) == 0 && pipe(b) == 0);
	/* b[0] becomes a second name of a's read end; b's own read end goes. */
	CHECK(dup2(a[0], b[0]) == b[0]);
	CHECK(write(a[1], "x", 1) == 1);
	CHECK(read(b[0], &c, 1) == 1 && c == 'x');
	errno = 0;
	CHECK(write(b[1], "y", 1) == -1 && errno == EPIPE);
	CHECK(close(a[0]) == 0);
	CHECK(write(a[1], "z", 1) == 1);
	CHECK(read(b[0], &c, 1) == 1 && c == 'z');

	CHECK(dup2(b[0], b[0]) == b[0]);
	CHECK(dup3(a[1], 100, O_CLOEXEC) == 100);
	CHECK(write(100, "w", 1) == 1 && read(b[0], &c, 1) == 1 && c == 'w');
	errno = 0;
	CHECK(dup3(b[0], b[0], 0) == -1 && errno == EINVAL);
	errno = 0;
	/* musl's dup3 calls dup2 when O_CLOEXEC is not given. */
	CHECK(syscall(SYS_dup3, a[1], 101, O_NONBLOCK) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(dup2(a[0], 102) == -1 && errno == EBADF); /* closed above */
	errno = 0;
	CHECK(dup2(b[0], 4096) == -1 && errno == EBADF);
	errno = 0;
	CHECK(dup2(b[0], -1) == -1 && errno == EBADF);
	errno = 0;
	CHECK(dup2(b[0], b[0] + 200) == b[0] + 200 && close(b[0] + 200) == 0);

	if (failures)
		return 1;
	printf("dup2 ok\n");
	return 0;
}

/* lull-test: status=0 smp=1
 * expect: ^bad pointers: 9 EFAULTs, kernel alive$
 */
/* System calls given bad pointers (unmapped, NULL, read-only text, a
 * range that wraps around) fail with EFAULT; the kernel does not fault. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int efaults;

static void expect_efault(const char *what, long r)
{
	if (r == -1 && errno == EFAULT)
		efaults++;
	else
		printf("%s: returned %ld, errno %d (expected EFAULT)\n", what, r, errno);
}

int main(void)
{
	void *text = (void *)(uintptr_t)main;
	struct iovec bad_iov = { (void *)0x10, 4 };

	expect_efault("write from NULL+16", syscall(SYS_write, 1, (void *)0x10, 5));
	expect_efault("read into text", syscall(SYS_read, 0, text, 8));
	expect_efault("read wrapping", syscall(SYS_read, 0, (void *)UINTPTR_MAX - 4, 100));
	expect_efault("clock_gettime into text", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, text));
	expect_efault("clock_gettime into NULL", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL));
	expect_efault("uname NULL", syscall(SYS_uname, NULL));
	expect_efault("writev bad iov", syscall(SYS_writev, 1, &bad_iov, 1));
	expect_efault("getrandom into text", syscall(SYS_getrandom, text, 16, 0));
	expect_efault("futex on unmapped", syscall(SYS_futex, (void *)0x10, 0, 0, NULL, NULL, 0));
	printf("bad pointers: %d EFAULTs, kernel alive\n", efaults);
	return efaults == 9 ? 0 : 1;
}

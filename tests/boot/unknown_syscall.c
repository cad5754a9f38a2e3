/* lull-test: status=0
 * expect-once: system call io_uring_setup \(425\) is not implemented: ENOSYS
 * expect: ^ENOSYS twice, still running$
 */
/* An unknown system call fails with ENOSYS, is reported once, and the
 * program goes on. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define SYS_IO_URING_SETUP 425

int main(void)
{
	int enosys = 0;

	for (int i = 0; i < 2; i++) {
		errno = 0;
		if (syscall(SYS_IO_URING_SETUP, 0, 0) == -1 && errno == ENOSYS)
			enosys++;
	}
	if (enosys != 2)
		return 1;
	printf("ENOSYS twice, still running\n");
	return 0;
}

/* lull-test: status=panic
 * expect: page fault \(#PF\)
 * expect: write at address 0x0000000000000010 \(page not mapped\)
 * expect: write_through\+0x
 * expect: crash_here\+0x
 * reject: still alive
 */
/* A write through a bad pointer: the kernel reports a page fault with the
 * faulting function's name and the VM ends with a non-zero status. */
#include <stdio.h>

__attribute__((noinline)) static void write_through(volatile int *p)
{
	*p = 42;
}

__attribute__((noinline)) void crash_here(void)
{
	write_through((volatile int *)0x10);
}

int main(void)
{
	printf("about to fault\n");
	crash_here();
	printf("still alive\n");
	return 0;
}

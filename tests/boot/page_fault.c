/* lull-test: status=panic
 * expect: page fault \(#PF\)
 * expect: write at address 0x0000000000000010 \(page not mapped\)
 * expect: #0 0x[0-9a-f]+ write_through
 * expect: crash_here\+0x
 * expect: main\+0x
 * reject: still alive
 */
/* A write through a bad pointer: the kernel reports a page fault with the
 * faulting function's name and its callers, and the VM ends with a fault
 * status. */
#include <stdint.h>
#include <stdio.h>

__attribute__((noinline)) static void write_through(volatile int *p)
{
	*p = 42;
}

/* Uses the pointer after the call so that the call is not a tail call and
 * the caller's frame stays in the chain. */
__attribute__((noinline)) int crash_here(volatile int *p)
{
	write_through(p);
	return *p + 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("about to fault\n");
	int r = crash_here((volatile int *)(uintptr_t)(argc * 16));
	printf("still alive %d\n", r);
	return 0;
}

/* lull-test: status=panic
 * expect: stack overflow in thread 1 \(main\)
 * expect: recurse\+0x
 */
/* Unbounded recursion: the guard page under the main thread's stack turns
 * it into a "stack overflow in thread" report. */
#include <stdio.h>

__attribute__((noinline)) int recurse(volatile char *prev, int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	frame[511] = prev ? prev[0] : 0;
	return recurse(frame, depth + 1) + frame[3];
}

int main(void)
{
	printf("recursing\n");
	return recurse(NULL, 0);
}

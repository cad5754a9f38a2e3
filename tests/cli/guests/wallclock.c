/* wallclock.c: a guest for tests/cli/checks.sh that prints its
 * CLOCK_REALTIME as seconds.nanoseconds, three times 200 ms apart. */
#include <stdio.h>
#include <time.h>

int main(void)
{
	for (int i = 0; i < 3; i++) {
		struct timespec now, pause = { 0, 200000000 };
		clock_gettime(CLOCK_REALTIME, &now);
		printf("wallclock %lld.%09ld\n", (long long)now.tv_sec, now.tv_nsec);
		fflush(stdout);
		nanosleep(&pause, NULL);
	}
	return 0;
}

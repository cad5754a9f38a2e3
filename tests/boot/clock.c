/* lull-test: status=0
 * expect: ^clocks ok$
 */
/* CLOCK_MONOTONIC advances and agrees with a busy wait; CLOCK_REALTIME is
 * a plausible date (after 2020). */
#include <stdio.h>
#include <time.h>

static double seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	double start = seconds(CLOCK_MONOTONIC);
	double prev = start, now;
	int backwards = 0;

	do {
		now = seconds(CLOCK_MONOTONIC);
		if (now < prev)
			backwards++;
		prev = now;
	} while (now - start < 0.05);
	double wall = seconds(CLOCK_REALTIME);
	printf("monotonic went backwards %d times; realtime %.0f\n", backwards, wall);
	if (backwards || wall < 1577836800.0)
		return 1;
	printf("clocks ok\n");
	return 0;
}

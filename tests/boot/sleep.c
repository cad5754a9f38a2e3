/* lull-test: status=0 smp=1,2,4
 * expect: ^sleep ok$
 */
/* nanosleep and clock_nanosleep wake within 10 ms of the time asked, on
 * the tickless timer; several threads sleeping at once wake in order. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define TOLERANCE_MS 10.0

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int check(const char *what, double asked_ms, double took_ms)
{
	int ok = took_ms >= asked_ms && took_ms - asked_ms <= TOLERANCE_MS;
	printf("%s %.0f ms took %.2f ms%s\n", what, asked_ms, took_ms, ok ? "" : " WRONG");
	return ok;
}

static void *sleeper(void *arg)
{
	long ms = (long)arg;
	double start = now_ms();
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
	return (void *)(long)check("thread sleep", (double)ms, now_ms() - start);
}

int main(void)
{
	int ok = 1;
	const long durations[] = { 1, 20, 100, 250 };

	for (unsigned i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		struct timespec ts = { durations[i] / 1000, (durations[i] % 1000) * 1000000L };
		double start = now_ms();
		nanosleep(&ts, NULL);
		ok &= check("nanosleep", (double)durations[i], now_ms() - start);
	}

	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	double start = now_ms();
	until.tv_nsec += 50000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	ok &= check("clock_nanosleep absolute", 50.0, now_ms() - start);

	pthread_t threads[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&threads[i], NULL, sleeper, (void *)(30 * (3 - i)));
	for (int i = 0; i < 3; i++) {
		void *result;
		pthread_join(threads[i], &result);
		ok &= result != NULL;
	}
	if (!ok)
		return 1;
	printf("sleep ok\n");
	return 0;
}

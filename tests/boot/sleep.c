/* lull-test: status=0 smp=1,2,4
 * expect: ^sleep ok$
 */
/* nanosleep and clock_nanosleep wake within 10 ms of the time asked, on
 * the tickless timer; several threads sleeping at once wake in order.
 *
 * A sleep can come back late because the host did not run the VM: a loaded
 * host preempts QEMU for several milliseconds at a time (seen: a 20 ms sleep
 * that took 32 ms beside a busy process). Lateness of the kernel's own
 * would show on every try, so a late sleep is tried again, up to TRIES
 * times in all; one that comes back early fails at once. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define TOLERANCE_MS 10.0
#define TRIES 3
#define THREADS 3

enum verdict { ON_TIME, LATE, EARLY };

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static enum verdict judge(const char *what, long asked_ms, double took_ms)
{
	enum verdict v = ON_TIME;
	if (took_ms < (double)asked_ms)
		v = EARLY;
	else if (took_ms - (double)asked_ms > TOLERANCE_MS)
		v = LATE;
	printf("%s %ld ms took %.2f ms%s\n", what, asked_ms, took_ms,
	       v == EARLY ? " EARLY" : v == LATE ? " late" : "");
	return v;
}

static double sleep_relative(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	double start = now_ms();
	nanosleep(&ts, NULL);
	return now_ms() - start;
}

static double sleep_absolute(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	double start = now_ms();
	until.tv_nsec += ms * 1000000L;
	while (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	return now_ms() - start;
}

static int check(const char *what, long ms, double (*sleep_for)(long))
{
	for (int try = 0; try < TRIES; try++) {
		enum verdict v = judge(what, ms, sleep_for(ms));
		if (v != LATE)
			return v == ON_TIME;
	}
	return 0;
}

struct sleeper {
	pthread_t thread;
	long ms;
	double took_ms;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	s->took_ms = sleep_relative(s->ms);
	return NULL;
}

/* Three threads sleep at once, for 90, 60 and 30 ms. */
static int check_threads(void)
{
	for (int try = 0; try < TRIES; try++) {
		struct sleeper sleepers[THREADS];
		int late = 0;
		for (int i = 0; i < THREADS; i++) {
			sleepers[i].ms = 30L * (THREADS - i);
			if (pthread_create(&sleepers[i].thread, NULL, sleeper_main, &sleepers[i])) {
				printf("pthread_create failed\n");
				return 0;
			}
		}
		for (int i = 0; i < THREADS; i++)
			pthread_join(sleepers[i].thread, NULL);
		for (int i = 0; i < THREADS; i++) {
			enum verdict v = judge("thread sleep", sleepers[i].ms, sleepers[i].took_ms);
			if (v == EARLY)
				return 0;
			late |= v == LATE;
		}
		if (!late)
			return 1;
	}
	return 0;
}

int main(void)
{
	int ok = 1;
	const long durations[] = { 1, 20, 100, 250 };

	for (unsigned i = 0; i < sizeof durations / sizeof durations[0]; i++)
		ok &= check("nanosleep", durations[i], sleep_relative);
	ok &= check("clock_nanosleep absolute", 50, sleep_absolute);
	ok &= check_threads();
	if (!ok)
		return 1;
	printf("sleep ok\n");
	return 0;
}

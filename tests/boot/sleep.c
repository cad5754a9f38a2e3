/* lull-test: status=0 smp=1,2,4
 * expect: ^sleep ok$
 */
/* nanosleep and clock_nanosleep wake within 10 ms of the time asked, on
 * the tickless timer; several threads sleeping at once wake in order.
 * A late sleep is tried again (timing.h). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "timing.h"

#define TOLERANCE_MS 10.0
#define THREADS 3

static double sleep_relative(void *arg)
{
	long ms = *(long *)arg;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	double start = now_ms();
	nanosleep(&ts, NULL);
	return now_ms() - start;
}

static double sleep_absolute(void *arg)
{
	long ms = *(long *)arg;
	struct timespec until;
	double start = now_ms();
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += ms * 1000000L;
	while (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	return now_ms() - start;
}

static int check(const char *what, long ms, timed_wait *sleep_for)
{
	char label[64];
	snprintf(label, sizeof label, "%s %ld ms", what, ms);
	return on_time(label, (double)ms, (double)ms + TOLERANCE_MS, sleep_for, &ms);
}

struct sleeper {
	pthread_t thread;
	long ms;
	double took_ms;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	s->took_ms = sleep_relative(&s->ms);
	return NULL;
}

/* Three threads sleep at once, for 90, 60 and 30 ms. */
static enum timing threads_once(void *arg)
{
	struct sleeper sleepers[THREADS];
	enum timing worst = ON_TIME;
	(void)arg;
	for (int i = 0; i < THREADS; i++) {
		sleepers[i].ms = 30L * (THREADS - i);
		if (pthread_create(&sleepers[i].thread, NULL, sleeper_main, &sleepers[i])) {
			printf("pthread_create failed\n");
			return WRONG;
		}
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(sleepers[i].thread, NULL);
	for (int i = 0; i < THREADS; i++) {
		double asked = (double)sleepers[i].ms;
		enum timing t = timing_judge("thread sleep", sleepers[i].took_ms, asked,
					     asked + TOLERANCE_MS);
		if (t > worst)
			worst = t;
	}
	return worst;
}

int main(void)
{
	int ok = 1;
	const long durations[] = { 1, 20, 100, 250 };

	for (unsigned i = 0; i < sizeof durations / sizeof durations[0]; i++)
		ok &= check("nanosleep", durations[i], sleep_relative);
	ok &= check("clock_nanosleep absolute", 50, sleep_absolute);
	ok &= until_not_late(threads_once, NULL);
	if (!ok)
		return 1;
	printf("sleep ok\n");
	return 0;
}

/* lull-test: status=0 smp=1,2,4
 * expect: ^polling ok$
 */
/* Two threads on core 0 poll a flag through the polling API while a third,
 * on the same core, sleeps 200 ms and then sets it. With every thread of
 * the core polling, the core must halt between looks instead of spinning,
 * and resume when the sleeper's timer fires.
 *
 * Spinning shows as thousands of looks, and fails at once. A run that took
 * too long or halted too little is tried again (timing.h): the host may
 * have stopped the VM while the core was awake. */
#include <lull/lull.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "timing.h"

#define MAX_LOOKS 20

static volatile int flag;
static long looks[2];

static void *setter(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 200000000L };
	nanosleep(&ts, NULL);
	flag = 1;
	return NULL;
}

static void *poller(void *arg)
{
	long id = (long)arg;

	lull_polling();
	while (!flag) {
		looks[id]++;
		sched_yield();
	}
	lull_working();
	return NULL;
}

static enum timing poll_once(void *arg)
{
	struct lull_cpu_stats before, after;
	pthread_t s, p[2];
	(void)arg;

	flag = 0;
	looks[0] = looks[1] = 0;
	lull_cpu_stats(0, &before);
	double start = now_ms();
	lull_thread_create(&s, NULL, 0, setter, NULL);
	lull_thread_create(&p[0], NULL, 0, poller, (void *)0L);
	lull_thread_create(&p[1], NULL, 0, poller, (void *)1L);
	pthread_join(s, NULL);
	pthread_join(p[0], NULL);
	pthread_join(p[1], NULL);
	double took = now_ms() - start;
	lull_cpu_stats(0, &after);

	unsigned long halts = (unsigned long)(after.halts - before.halts);
	double halted_ms = (double)(after.halted_ns - before.halted_ns) / 1e6;
	printf("took %.1f ms, looks %ld and %ld, core 0 halted %lu times for %.1f ms\n", took,
	       looks[0], looks[1], halts, halted_ms);
	if (took < 199.0 || looks[0] > MAX_LOOKS || looks[1] > MAX_LOOKS)
		return WRONG;
	return took > 300.0 || halted_ms < 150.0 ? LATE : ON_TIME;
}

int main(void)
{
	if (!until_not_late(poll_once, NULL))
		return 1;
	printf("polling ok\n");
	return 0;
}

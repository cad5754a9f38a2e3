/* lull-test: status=0 smp=1,2,4
 * expect: ^idle core ok$
 */
/* A thread on the last core blocks forever on a condition variable. For
 * the next second that core must stay halted: no spinning, no periodic tick.
 * (With one core, main's own one-second sleep shares it and may add a
 * timer interrupt, or two when the timer's frequency, measured over 2 ms
 * at boot on a loaded host, is off enough that it fires early and is
 * armed again; a periodic tick would still give hundreds.) The program then exits with the thread still blocked. */
#include <lull/lull.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *wait_forever(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

int main(void)
{
	struct lull_cpu_stats before, after;
	pthread_t t;
	struct timespec settle = { 0, 50000000L }, second = { 1, 0 };

	int core = lull_cpu_count() - 1;
	lull_thread_create(&t, NULL, core, wait_forever, NULL);
	nanosleep(&settle, NULL);
	lull_cpu_stats(core, &before);
	nanosleep(&second, NULL);
	lull_cpu_stats(core, &after);

	double busy_ms = (double)(after.busy_ns - before.busy_ns) / 1e6;
	double halted_ms = (double)(after.halted_ns - before.halted_ns) / 1e6;
	unsigned long timers = (unsigned long)(after.timer_interrupts - before.timer_interrupts);
	unsigned long halts = (unsigned long)(after.halts - before.halts);
	unsigned long allowed_timers = core == 0 ? 2 : 0;
	printf("core %d over 1 s: busy %.1f ms, halted %.1f ms, %lu halts, %lu timer interrupts\n",
	       core, busy_ms, halted_ms, halts, timers);
	if (busy_ms > 50.0 || halted_ms < 900.0 || timers > allowed_timers || halts > 5)
		return 1;
	printf("idle core ok\n");
	return 0;
}

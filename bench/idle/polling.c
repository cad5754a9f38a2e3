/* bench-idle (d): two threads per core wait through the polling API for a
 * flag nobody sets; main sleeps through the measurement. */
#include "stats.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

static volatile int flag;

static void *poller(void *arg)
{
	(void)arg;
	lull_polling();
	while (!flag)
		sched_yield();
	lull_working();
	return NULL;
}

int main(int argc, char **argv)
{
	int cpus = lull_cpu_count();
	struct timespec run = { bench_seconds(argc, argv), 0 };
	pthread_t t;

	for (int i = 0; i < 2 * cpus; i++)
		lull_thread_create(&t, NULL, i % cpus, poller, NULL);
	nanosleep(&run, NULL);
	bench_report_and_exit();
}

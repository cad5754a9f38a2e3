/* bench-idle (c): 100 threads over all cores, blocked in sleeps, futex
 * waits (condition variables, mutexes) and joins; main sleeps through the
 * measurement. */
#include "stats.h"

#include <pthread.h>
#include <time.h>

#define THREADS 100

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_t threads[THREADS];

static void *worker(void *arg)
{
	long id = (long)arg;
	struct timespec hour = { 3600, 0 };

	switch (id % 4) {
	case 0:
		for (;;)
			nanosleep(&hour, NULL);
	case 1:
		pthread_mutex_lock(&lock);
		for (;;)
			pthread_cond_wait(&never, &lock);
	case 2:
		pthread_mutex_lock(&held); /* main holds it forever */
		return NULL;
	default:
		pthread_join(threads[id - 1], NULL); /* joins a thread that never ends */
		return NULL;
	}
}

int main(int argc, char **argv)
{
	int cpus = lull_cpu_count();
	struct timespec run = { bench_seconds(argc, argv), 0 };

	pthread_mutex_lock(&held);
	for (long i = 0; i < THREADS; i++)
		lull_thread_create(&threads[i], NULL, (int)(i % cpus), worker, (void *)i);
	nanosleep(&run, NULL);
	bench_report_and_exit();
}

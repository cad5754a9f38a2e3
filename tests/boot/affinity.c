/* lull-test: status=0 smp=1,2,4
 * expect: ^affinity ok on [0-9]+ cores$
 */
/* Threads start on the core asked for and stay there; changing a thread's
 * affinity moves it; an empty or offline mask is refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <lull/lull.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static void *report_core(void *arg)
{
	(void)arg;
	int first = sched_getcpu();
	for (int i = 0; i < 100; i++) {
		sched_yield();
		if (sched_getcpu() != first)
			return (void *)-1L;
	}
	return (void *)(long)first;
}

int main(void)
{
	int cpus = lull_cpu_count();
	int ok = cpus >= 1;

	for (int c = 0; c < cpus; c++) {
		pthread_t t;
		void *where;
		lull_thread_create(&t, NULL, c, report_core, NULL);
		pthread_join(t, &where);
		if ((long)where != c) {
			printf("thread asked for core %d ran on %ld\n", c, (long)where);
			ok = 0;
		}
	}
	for (int c = cpus - 1; c >= 0; c--) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(c, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0 || sched_getcpu() != c) {
			printf("main did not move to core %d (on %d)\n", c, sched_getcpu());
			ok = 0;
		}
	}
	cpu_set_t none;
	CPU_ZERO(&none);
	CPU_SET(63, &none);
	if (pthread_setaffinity_np(pthread_self(), sizeof none, &none) != EINVAL) {
		printf("an offline core was accepted\n");
		ok = 0;
	}
	cpu_set_t got;
	if (sched_getaffinity(0, sizeof got, &got) != 0 || CPU_COUNT(&got) != 1 || !CPU_ISSET(0, &got))
		ok = 0;
	if (!ok)
		return 1;
	printf("affinity ok on %d cores\n", cpus);
	return 0;
}

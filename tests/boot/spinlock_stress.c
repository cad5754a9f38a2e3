/* lull-test: status=0 smp=1,2,4
 * expect: ^spin stress ok: [0-9]+ increments$
 */
/* Threads on every core hammer one pthread spinlock (which spins in the
 * application, yielding now and then) and atomic counters; the run ends and
 * no increment is lost. */
#include <lull/lull.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define ROUNDS 20000

static pthread_spinlock_t spin;
static long counter;
static long atomic_counter;

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_spin_lock(&spin);
		counter++;
		pthread_spin_unlock(&spin);
		__atomic_add_fetch(&atomic_counter, 1, __ATOMIC_SEQ_CST);
		if (i % 512 == 0)
			sched_yield();
	}
	return NULL;
}

int main(void)
{
	int cpus = lull_cpu_count();
	int threads = cpus * 2;
	pthread_t t[128];

	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	for (int i = 0; i < threads; i++)
		lull_thread_create(&t[i], NULL, i % cpus, hammer, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	long want = (long)threads * ROUNDS;
	if (counter != want || atomic_counter != want) {
		printf("lost increments: %ld %ld of %ld\n", counter, atomic_counter, want);
		return 1;
	}
	printf("spin stress ok: %ld increments\n", counter);
	return 0;
}

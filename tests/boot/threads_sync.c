/* lull-test: status=0 smp=1,2,4
 * expect: ^threads ok: counter=80000 tls ok, cond ok, sem ok$
 */
/* Eight threads spread over the cores share a mutex-protected counter,
 * keep private thread-local counts, meet through a condition variable and
 * hand tokens through a semaphore; main joins them all. */
#include <lull/lull.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define THREADS 8
#define ROUNDS 10000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_arrived = PTHREAD_COND_INITIALIZER;
static long counter;
static int arrived;
static sem_t tokens;
static _Thread_local long my_count = 0;
static _Thread_local int tls_marker = 7;

static void *worker(void *arg)
{
	long id = (long)arg;

	if (tls_marker != 7)
		return (void *)1;
	tls_marker = (int)id;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		my_count++;
		if (i % 1000 == 0)
			sched_yield();
	}
	pthread_mutex_lock(&lock);
	arrived++;
	pthread_cond_broadcast(&all_arrived);
	while (arrived < THREADS)
		pthread_cond_wait(&all_arrived, &lock);
	pthread_mutex_unlock(&lock);
	sem_post(&tokens);
	if (my_count != ROUNDS || tls_marker != (int)id)
		return (void *)1;
	return NULL;
}

int main(void)
{
	pthread_t threads[THREADS];
	int cpus = lull_cpu_count();
	int failed = 0;

	sem_init(&tokens, 0, 0);
	for (long i = 0; i < THREADS; i++)
		if (lull_thread_create(&threads[i], NULL, (int)(i % cpus), worker, (void *)i) != 0) {
			printf("cannot create thread %ld\n", i);
			return 1;
		}
	for (int i = 0; i < THREADS; i++)
		sem_wait(&tokens);
	for (int i = 0; i < THREADS; i++) {
		void *result;
		pthread_join(threads[i], &result);
		failed += result != NULL;
	}
	if (failed || counter != THREADS * ROUNDS || tls_marker != 7) {
		printf("failed=%d counter=%ld\n", failed, counter);
		return 1;
	}
	printf("threads ok: counter=%ld tls ok, cond ok, sem ok\n", counter);
	return 0;
}

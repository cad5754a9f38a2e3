/* bench-idle (e): the ceiling, one thread per core spinning forever. */
#include <lull/lull.h>
#include <pthread.h>

static void *spin(void *arg)
{
	(void)arg;
	for (volatile unsigned long i = 0;; i++)
		;
	return NULL;
}

int main(void)
{
	int cpus = lull_cpu_count();
	pthread_t t;

	for (int i = 1; i < cpus; i++)
		lull_thread_create(&t, NULL, i, spin, NULL);
	spin(NULL);
	return 0;
}

/* guest.c: the Lull guest of the steal checks and of bench-steal.
 *   guest spin SECONDS   one thread per core spins (a vCPU that always wants
 *                        to run: it is stolen from whenever the host is short)
 *   guest idle SECONDS   sleeps (a vCPU that never wants to run)
 * Either way it prints "ready" and exits 0 after SECONDS, so a forgotten VM
 * ends by itself. */
#include <lull/lull.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *spin(void *arg)
{
	double end = *(double *)arg;
	while (now() < end)
		for (volatile int i = 0; i < 100000; i++)
			;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "spin") && strcmp(argv[1], "idle")) ||
	    (seconds = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: guest spin|idle SECONDS\n");
		return 2;
	}
	double end = now() + seconds;
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(argv[1], "idle")) {
		struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
		nanosleep(&ts, NULL);
		return 0;
	}
	int cpus = lull_cpu_count();
	pthread_t t[64];
	for (int i = 1; i < cpus && i < 64; i++)
		lull_thread_create(&t[i], NULL, i, spin, &end);
	spin(&end);
	for (int i = 1; i < cpus && i < 64; i++)
		pthread_join(t[i], NULL);
	return 0;
}

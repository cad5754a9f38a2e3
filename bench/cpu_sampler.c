/*
 * cpu_sampler.c: records a process's CPU time every INTERVAL_MS until it
 * ends (or this program gets SIGTERM/SIGINT), for bench/http.sh.
 *
 * Each line is "EPOCH_SECONDS CPU_MS": the wall-clock time of the sample
 * and the run time of all the process's threads, in milliseconds to the
 * microsecond, from each thread's /proc/PID/task/TID/schedstat (utime and
 * stime in /proc/PID/stat move in 10 ms steps, as coarse as a whole quiet
 * guest's use over seconds). A thread that has ended counts with the run
 * time it had when last seen, so at most its last interval is lost. Samples
 * are taken on a fixed monotonic grid so that a slow sample does not shift
 * the rest.
 *
 * usage: cpu_sampler PID INTERVAL_MS
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 4096

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Every thread seen so far, with its run time when last seen. */
static struct {
	int tid;
	unsigned long long ns;
} threads[MAX_THREADS];
static unsigned thread_count;

static void record(int tid, unsigned long long ns)
{
	for (unsigned i = 0; i < thread_count; i++) {
		if (threads[i].tid == tid) {
			threads[i].ns = ns;
			return;
		}
	}
	if (thread_count < MAX_THREADS)
		threads[thread_count++] = (typeof(threads[0])){ tid, ns };
}

/* The process's run time in nanoseconds, or -1 once it is gone. */
static long long run_time_ns(int pid)
{
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		int tid = atoi(e->d_name);
		if (tid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", pid, tid);
		FILE *f = fopen(path, "r");
		unsigned long long ns;
		if (f && fscanf(f, "%llu", &ns) == 1)
			record(tid, ns);
		if (f)
			fclose(f);
	}
	closedir(d);
	unsigned long long sum = 0;
	for (unsigned i = 0; i < thread_count; i++)
		sum += threads[i].ns;
	return (long long)sum;
}

int main(int argc, char **argv)
{
	long interval_ms = argc == 3 ? atol(argv[2]) : 0;
	int pid = argc == 3 ? atoi(argv[1]) : 0;
	struct timespec next, wall;

	if (argc != 3 || pid <= 0 || interval_ms <= 0 || interval_ms > 60000) {
		fprintf(stderr, "usage: cpu_sampler PID INTERVAL_MS\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		long long ns = run_time_ns(pid);
		if (ns < 0)
			break;
		clock_gettime(CLOCK_REALTIME, &wall);
		printf("%lld.%03ld %.3f\n", (long long)wall.tv_sec, wall.tv_nsec / 1000000,
		       (double)ns / 1e6);
		next.tv_nsec += interval_ms * 1000000;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return 0;
}

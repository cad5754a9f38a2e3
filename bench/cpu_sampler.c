/*
 * cpu_sampler.c: records a process's CPU time every INTERVAL_MS until it
 * ends (or this program gets SIGTERM/SIGINT), for bench/http.sh.
 *
 * Each line is "EPOCH_SECONDS CPU_MS": the wall-clock time of the sample
 * and utime+stime of all the process's threads, live and ended, as
 * /proc/PID/stat counts them (clock ticks, 10 ms steps). Samples are taken
 * on a fixed monotonic grid so that a slow sample does not shift the rest.
 *
 * usage: cpu_sampler PID INTERVAL_MS
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* utime + stime in clock ticks, or -1 once the process is gone. */
static long long cpu_ticks(const char *path)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces: count fields after its ')'. */
	char *p = strrchr(buf, ')');
	unsigned long long utime, stime;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
			 &stime) != 2)
		return -1;
	return (long long)(utime + stime);
}

int main(int argc, char **argv)
{
	char path[64];
	long interval_ms = argc == 3 ? atol(argv[2]) : 0;
	double ms_per_tick = 1000.0 / (double)sysconf(_SC_CLK_TCK);
	struct timespec next, wall;

	if (argc != 3 || atoi(argv[1]) <= 0 || interval_ms <= 0 || interval_ms > 60000) {
		fprintf(stderr, "usage: cpu_sampler PID INTERVAL_MS\n");
		return 2;
	}
	snprintf(path, sizeof path, "/proc/%d/stat", atoi(argv[1]));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		long long ticks = cpu_ticks(path);
		if (ticks < 0)
			break;
		clock_gettime(CLOCK_REALTIME, &wall);
		printf("%lld.%03ld %.0f\n", (long long)wall.tv_sec, wall.tv_nsec / 1000000,
		       (double)ticks * ms_per_tick);
		next.tv_nsec += interval_ms * 1000000;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return 0;
}

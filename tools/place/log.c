/*
 * log.c: timestamps and the two places a decision is written to.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static FILE *log_file;

int log_open(const char *path)
{
	log_file = fopen(path, "ae");
	if (!log_file)
		return -errno;
	setvbuf(log_file, NULL, _IOLBF, 0);
	return 0;
}

void log_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

static void emit(FILE *f, const char *stamp, const char *fmt, va_list ap)
{
	fprintf(f, "%s lull-place: ", stamp);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void log_msg(const char *fmt, ...)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	localtime_r(&now.tv_sec, &tm);
	char stamp[48];
	size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof stamp - n, ".%03ld", now.tv_nsec / 1000000);
	va_list ap;
	va_start(ap, fmt);
	emit(stderr, stamp, fmt, ap);
	va_end(ap);
	if (log_file) {
		va_start(ap, fmt);
		emit(log_file, stamp, fmt, ap);
		va_end(ap);
	}
}

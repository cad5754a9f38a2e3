/*
 * log.h: lull place's decisions, one timestamped line each, on stderr and
 * in the --log file when there is one.
 */
#ifndef LULL_PLACE_LOG_H
#define LULL_PLACE_LOG_H

/* Returns 0, or -errno when the file cannot be opened for appending. */
int log_open(const char *path);
void log_close(void);
__attribute__((format(printf, 1, 2))) void log_msg(const char *fmt, ...);

#endif

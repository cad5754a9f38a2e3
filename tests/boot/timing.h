/*
 * timing.h: checks that a wait lasted as long as it should, for boot tests.
 *
 * A wait can come back late because the host did not run the VM: a loaded
 * host preempts QEMU's threads for milliseconds at a time (seen: a 20 ms
 * sleep that took 32 ms beside a busy process, and a cross-core wake-up
 * that missed its bound in CI). Lateness of the kernel's own would show on
 * every try, so a late wait is measured again, up to TIMING_TRIES times in
 * all. One that comes back early fails at once: no host delay can make a
 * wait shorter, provided the clock starts before anything that sets the
 * wait's end (its deadline, or the thread that ends it). Started after,
 * a preemption in between makes the wait look short: a cond_timedwait
 * whose deadline was read just before the clock started looked 2.6 ms
 * short beside two busy processes.
 */
#ifndef LULL_TEST_BOOT_TIMING_H
#define LULL_TEST_BOOT_TIMING_H

#include <stdio.h>
#include <time.h>

#define TIMING_TRIES 3

/* How one try went. WRONG covers an early wait and any other failure that
 * host delay cannot explain; it is not tried again. Ordered from best to
 * worst, so that several measurements can be summed up by the worst. */
enum timing { ON_TIME, LATE, WRONG };

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Prints one measurement and says where it falls. */
static enum timing timing_judge(const char *what, double took_ms, double earliest_ms,
				double latest_ms)
{
	enum timing t = took_ms < earliest_ms ? WRONG : took_ms > latest_ms ? LATE : ON_TIME;
	printf("%s took %.2f ms (%.0f to %.0f)%s\n", what, took_ms, earliest_ms, latest_ms,
	       t == WRONG ? " EARLY" : t == LATE ? " late" : "");
	return t;
}

/* Runs try_once(arg) again while it comes back LATE, up to TIMING_TRIES
 * times in all. Returns 1 when a try was on time. */
static int until_not_late(enum timing (*try_once)(void *arg), void *arg)
{
	enum timing t = LATE;
	for (int try = 0; try < TIMING_TRIES && t == LATE; try++)
		t = try_once(arg);
	return t == ON_TIME;
}

/* A wait to measure: returns how long it took in ms, or a negative number
 * when it ended the wrong way (a wrong result, which it has printed). */
typedef double timed_wait(void *arg);

struct timed_check {
	const char *what;
	double earliest_ms, latest_ms;
	timed_wait *wait;
	void *arg;
};

static enum timing timed_check_once(void *arg)
{
	struct timed_check *c = arg;
	double took_ms = c->wait(c->arg);
	if (took_ms < 0)
		return WRONG;
	return timing_judge(c->what, took_ms, c->earliest_ms, c->latest_ms);
}

/* Whether wait(arg) lasts from earliest_ms to latest_ms, on one of the
 * tries that until_not_late allows. */
static int on_time(const char *what, double earliest_ms, double latest_ms, timed_wait *wait,
		   void *arg)
{
	struct timed_check c = { what, earliest_ms, latest_ms, wait, arg };
	return until_not_late(timed_check_once, &c);
}

#endif

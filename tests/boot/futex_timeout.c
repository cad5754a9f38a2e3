/* lull-test: status=0 smp=1,2,4
 * expect: ^timeouts ok$
 */
/* Timed waits end with ETIMEDOUT when nothing wakes them, close to their
 * deadline, and succeed when something does. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static sem_t sem;

static double now_ms(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

static int near(const char *what, double took, double asked)
{
	int ok = took >= asked - 1.0 && took <= asked + 15.0;
	printf("%s: %.1f ms for %.0f%s\n", what, took, asked, ok ? "" : " WRONG");
	return ok;
}

static void *poster(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 20000000L };
	nanosleep(&ts, NULL);
	sem_post(&sem);
	return NULL;
}

int main(void)
{
	int ok = 1;
	double start;

	sem_init(&sem, 0, 0);

	pthread_mutex_lock(&lock);
	struct timespec deadline = in_ms(CLOCK_REALTIME, 60);
	start = now_ms(CLOCK_MONOTONIC);
	int r = pthread_cond_timedwait(&cond, &lock, &deadline);
	ok &= r == ETIMEDOUT && near("cond_timedwait", now_ms(CLOCK_MONOTONIC) - start, 60);
	pthread_mutex_unlock(&lock);

	deadline = in_ms(CLOCK_REALTIME, 40);
	start = now_ms(CLOCK_MONOTONIC);
	r = sem_timedwait(&sem, &deadline);
	ok &= r == -1 && errno == ETIMEDOUT && near("sem_timedwait", now_ms(CLOCK_MONOTONIC) - start, 40);

	pthread_t t;
	pthread_create(&t, NULL, poster, NULL);
	deadline = in_ms(CLOCK_REALTIME, 2000);
	start = now_ms(CLOCK_MONOTONIC);
	r = sem_timedwait(&sem, &deadline);
	ok &= r == 0 && near("sem posted", now_ms(CLOCK_MONOTONIC) - start, 20);
	pthread_join(t, NULL);

	pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&held, &attr);
	pthread_mutex_lock(&held);
	deadline = in_ms(CLOCK_REALTIME, 30);
	start = now_ms(CLOCK_MONOTONIC);
	r = pthread_mutex_timedlock(&held, &deadline);
	ok &= (r == ETIMEDOUT || r == EDEADLK);
	printf("mutex_timedlock on own lock: %d\n", r);

	if (!ok)
		return 1;
	printf("timeouts ok\n");
	return 0;
}

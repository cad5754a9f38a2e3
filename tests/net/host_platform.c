/*
 * host_platform.c: what the portable stack needs from its host
 * (kernel/inet/host.h), for a single-threaded Linux process: clock,
 * randomness, memory, the stack's lock and timer, and socket change
 * notification. One thread drives the stack, so the lock has nothing to
 * exclude, and the timer is a deadline the event loop honours.
 */
#include "host_platform.h"


#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

static uint64_t manual_clock_ns; /* 0: the real clock */
static bool random_fixed;
static uint64_t fixed_random_value;
static uint64_t timer_deadline;
static bool changed;

uint64_t host_now_ns(void)
{
	struct timespec ts;

	if (manual_clock_ns)
		return manual_clock_ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void host_clock_set(uint64_t ns)
{
	manual_clock_ns = ns;
}

uint64_t inet_clock_ns(void)
{
	return host_now_ns();
}

bool inet_hw_random(uint64_t *out)
{
	if (random_fixed) {
		*out = fixed_random_value;
		return true;
	}
	return getrandom(out, sizeof *out, 0) == sizeof *out;
}

void host_random_fix(uint64_t value)
{
	random_fixed = true;
	fixed_random_value = value;
}

void *inet_alloc(size_t size)
{
	return calloc(1, size);
}

/* Not zeroed, like a block the kernel reuses, so that code that reads a
 * buffer before writing it shows up under valgrind. */
void *inet_alloc_buffer(size_t size)
{
	return malloc(size ? size : 1);
}

void inet_free(void *p, size_t size)
{
	(void)size;
	free(p);
}

void inet_lock(void)
{
}

void inet_unlock(void)
{
}

void inet_timer_request(uint64_t deadline_ns)
{
	if (!timer_deadline || deadline_ns < timer_deadline)
		timer_deadline = deadline_ns;
}

uint64_t host_timer_deadline(void)
{
	return timer_deadline;
}

void host_run_timers(void)
{
	uint64_t now = host_now_ns();

	if (!timer_deadline || now < timer_deadline)
		return;
	timer_deadline = 0;
	uint64_t next = inet_timers(now);
	if (next)
		inet_timer_request(next);
}

void socket_changed(struct inet_socket *s)
{
	(void)s;
	changed = true;
}

bool host_take_changes(void)
{
	bool was = changed;
	changed = false;
	return was;
}

void host_stack_attach(struct netdev *dev, uint32_t addr, uint32_t mask, uint32_t gateway)
{
	inet_if.dev = dev;
	inet_if.addr = addr;
	inet_if.mask = mask;
	inet_if.gateway = gateway;
	dev->receive = ethernet_input;
}

bool host_parse_ipv4(const char *text, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return false;
	*addr = ntohl(a.s_addr);
	return true;
}

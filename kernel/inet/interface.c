/*
 * interface.c: the stack inside the kernel: its lock, its timer, and the
 * interface bound to the first network device.
 *
 * Without lull.ip= the interface takes 10.0.2.15/24 with gateway 10.0.2.2,
 * the addresses QEMU's user networking hands out (there is no DHCP client
 * yet).
 */
#include "inet/interface.h"

#include "arch.h"
#include "console.h"
#include "inet/inet.h"
#include "inet/socket.h"
#include "io/file.h"
#include "sched/sched.h"
#include "sync/spinlock.h"

#include <string.h>

#define DEFAULT_ADDR 0x0a00020fu    /* 10.0.2.15 */
#define DEFAULT_GATEWAY 0x0a000202u /* 10.0.2.2 */
#define DEFAULT_MASK 0xffffff00u

static struct spinlock lock;
static struct ktimer timer;
static uint64_t timer_armed_for; /* 0: not armed; guarded by the lock */

void inet_lock(void)
{
	spin_lock(&lock);
}

void inet_unlock_quiet(void)
{
	spin_unlock(&lock);
}

/* Notifications go out without the lock: file_notify leads to epoll,
 * which asks sockets for their state, which takes the lock. */
void inet_unlock(void)
{
	for (;;) {
		struct file *f = socket_pop_notification();
		spin_unlock(&lock);
		if (!f)
			return;
		file_notify(f);
		file_put(f);
		spin_lock(&lock);
	}
}

/* Runs TCP's timers, then asks to be called again at the next deadline:
 * no deadline, no timer interrupt. */
static void run_timers(void *ctx)
{
	(void)ctx;
	inet_lock();
	timer_armed_for = 0;
	uint64_t next = tcp_timers(arch_clock_ns());
	if (next)
		inet_timer_request(next);
	inet_unlock();
}

void inet_timer_request(uint64_t deadline_ns)
{
	if (timer_armed_for && timer_armed_for <= deadline_ns)
		return;
	timer_armed_for = deadline_ns;
	ktimer_set(&timer, deadline_ns);
}

void inet_init(const struct kernel_options *options)
{
	struct netdev *dev = netdev_get(0);

	if (!dev)
		return;
	inet_if.dev = dev;
	inet_if.addr = options->ip ? options->ip : DEFAULT_ADDR;
	inet_if.mask = options->netmask ? options->netmask : DEFAULT_MASK;
	inet_if.gateway = options->gateway ? options->gateway
			  : options->ip	   ? (options->ip & inet_if.mask) | 1
					   : DEFAULT_GATEWAY;
	timer.fn = run_timers;
	dev->receive = ethernet_input;
	uint32_t a = inet_if.addr, g = inet_if.gateway;
	kprintf("lull: %s: %u.%u.%u.%u/%d via %u.%u.%u.%u\n", dev->name, a >> 24, a >> 16 & 0xff,
		a >> 8 & 0xff, a & 0xff, __builtin_popcount(inet_if.mask), g >> 24, g >> 16 & 0xff,
		g >> 8 & 0xff, g & 0xff);
}

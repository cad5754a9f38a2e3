/*
 * interface.c: the stack inside the kernel: its lock, its timer, and the
 * interface bound to the first network device.
 *
 * The stack runs in thread context only: frames come from the driver's
 * deferred poll, and the stack's timer, a kernel timer whose callback runs
 * in the timer interrupt, only schedules the timers' run as deferred work
 * (sched/deferred.h) on the core whose timer fired.
 *
 * Without lull.ip= the address comes from DHCP (dhcp.c), and start-up waits
 * for it, so that the application never sees the network without an
 * address. After DHCP_WAIT_S without a lease, or with lull.dhcp=0, the
 * interface takes 10.0.2.15/24 with gateway 10.0.2.2, the addresses QEMU's
 * user networking hands out.
 */
#include "inet/interface.h"

#include "arch.h"
#include "console.h"
#include "inet/dhcp.h"
#include "inet/inet.h"
#include "inet/socket.h"
#include "io/file.h"
#include "lib/format.h"
#include "panic.h"
#include "sched/deferred.h"
#include "sched/sched.h"
#include "sync/spinlock.h"

#include <string.h>

#define DEFAULT_ADDR 0x0a00020fu    /* 10.0.2.15 */
#define DEFAULT_GATEWAY 0x0a000202u /* 10.0.2.2 */
#define DEFAULT_MASK 0xffffff00u
#define DHCP_WAIT_S 10

static struct spinlock lock;
static struct ktimer timer, dhcp_wait_timer;
static struct deferred_work timers_work;
static uint64_t timer_armed_for; /* 0: not armed; guarded by the lock */

void inet_lock(void)
{
	spin_lock(&lock);
}

/* What the stack transmitted while it held the lock goes out as one
 * batch, after the lock is released: telling the device is an exit to the
 * hypervisor, which can take long (under TCG it waits for QEMU's global
 * lock), and any other core wanting the stack would spin all that time. */
static void flush_transmit(void)
{
	if (inet_if.dev && inet_if.dev->flush)
		inet_if.dev->flush(inet_if.dev);
}

void inet_unlock_quiet(void)
{
	spin_unlock(&lock);
	flush_transmit();
}

/* Notifications go out without the lock: file_notify leads to epoll,
 * which asks sockets for their state, which takes the lock. */
void inet_unlock(void)
{
	struct file *f = socket_pop_notification();

	spin_unlock(&lock);
	flush_transmit();
	while (f) {
		file_notify(f);
		file_put(f);
		spin_lock(&lock);
		f = socket_pop_notification();
		spin_unlock(&lock);
	}
}

/* Runs the protocols' timers, then asks to be called again at the next
 * deadline: no deadline, no timer interrupt. */
static void run_timers(void *ctx)
{
	(void)ctx;
	assert_not_in_interrupt("the network stack's timers");
	inet_lock();
	timer_armed_for = 0;
	uint64_t next = inet_timers(arch_clock_ns());
	if (next)
		inet_timer_request(next);
	inet_unlock();
}

/* The kernel timer's callback, in the timer interrupt. */
static void timer_fired(void *ctx)
{
	(void)ctx;
	deferred_schedule(&timers_work);
}

void inet_timer_request(uint64_t deadline_ns)
{
	if (timer_armed_for && timer_armed_for <= deadline_ns)
		return;
	timer_armed_for = deadline_ns;
	ktimer_set(&timer, deadline_ns);
}

static void print_address(const char *name, const char *how)
{
	uint32_t a = inet_if.addr, g = inet_if.gateway;

	kprintf("lull: %s: %u.%u.%u.%u/%d gateway %u.%u.%u.%u%s\n", name, a >> 24, a >> 16 & 0xff,
		a >> 8 & 0xff, a & 0xff, __builtin_popcount(inet_if.mask), g >> 24, g >> 16 & 0xff,
		g >> 8 & 0xff, g & 0xff, how);
}

/* The wait's timer does nothing itself: its interrupt ends the halt. */
static void dhcp_wait_over(void *ctx)
{
	(void)ctx;
}

/* Waits, halting the boot processor between the interrupts that bring
 * DHCP's replies and timers, until there is a lease or DHCP_WAIT_S have
 * passed; then stops DHCP if it has no lease, all under the lock, so that
 * a late ACK cannot change the address after the fallback. Returns with
 * the lock held. */
static bool wait_for_lease(void)
{
	uint64_t deadline = arch_clock_ns() + DHCP_WAIT_S * 1000000000ULL;
	bool irq = arch_interrupts_disable();
	bool bound;

	dhcp_wait_timer.fn = dhcp_wait_over;
	ktimer_set(&dhcp_wait_timer, deadline);
	for (;;) {
		inet_lock();
		bound = dhcp_state() == DHCP_BOUND;
		if (bound || arch_clock_ns() >= deadline)
			break;
		inet_unlock();
		sched_boot_halt();
	}
	if (!bound)
		dhcp_stop();
	ktimer_set(&dhcp_wait_timer, 0);
	arch_interrupts_restore(irq);
	return bound;
}

static void use_defaults(void)
{
	inet_if.addr = DEFAULT_ADDR;
	inet_if.mask = DEFAULT_MASK;
	inet_if.gateway = DEFAULT_GATEWAY;
}

void inet_init(const struct kernel_options *options)
{
	struct netdev *dev = netdev_get(0);

	if (!dev)
		return;
	inet_if.dev = dev;
	timer.fn = timer_fired;
	timers_work.fn = run_timers;
	if (options->ip) {
		inet_if.addr = options->ip;
		inet_if.mask = options->netmask ? options->netmask : DEFAULT_MASK;
		inet_if.gateway = options->gateway ? options->gateway
						   : (options->ip & inet_if.mask) | 1;
		dev->receive = ethernet_input;
		print_address(dev->name, "");
		return;
	}
	if (options->no_dhcp) {
		use_defaults();
		dev->receive = ethernet_input;
		print_address(dev->name, " (lull.dhcp=0: QEMU user networking's defaults)");
		return;
	}
	inet_lock();
	dev->receive = ethernet_input;
	dhcp_start();
	inet_unlock();
	char how[80];
	if (wait_for_lease()) {
		uint32_t lease_s = dhcp_lease()->lease_s;
		if (lease_s == DHCP_INFINITE)
			format_string(how, sizeof how, " (DHCP, lease infinite)");
		else
			format_string(how, sizeof how, " (DHCP, lease %u s)", lease_s);
	} else {
		use_defaults();
		format_string(how, sizeof how,
			      " (no DHCP answer in %d s: QEMU user networking's defaults)",
			      DHCP_WAIT_S);
	}
	inet_unlock();
	print_address(dev->name, how);
}

/*
 * interface.c: the stack's interface, its lock and timer, and Ethernet.
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

struct inet_stats inet_stats;
struct inet_interface inet_if;
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

bool ethernet_send(uint8_t *frame, const uint8_t dst_mac[6], uint16_t type, size_t payload_len)
{
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, inet_if.dev->mac, 6);
	put16(frame + 12, type);
	inet_stats.tx_frames++;
	return inet_if.dev->transmit(inet_if.dev, frame, ETH_HEADER + payload_len);
}

static void ethernet_receive(struct netdev *dev, const void *data, size_t len)
{
	const uint8_t *frame = data;
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	inet_lock();
	inet_stats.rx_frames++;
	if (len < ETH_HEADER) {
		inet_stats.drop_malformed++;
	} else if (memcmp(frame, dev->mac, 6) && memcmp(frame, broadcast, 6)) {
		inet_stats.drop_not_ours++;
	} else if (get16(frame + 12) == ETH_TYPE_ARP) {
		arp_input(frame + ETH_HEADER, len - ETH_HEADER);
	} else if (get16(frame + 12) == ETH_TYPE_IPV4) {
		ipv4_input(frame + ETH_HEADER, len - ETH_HEADER);
	} else {
		inet_stats.drop_protocol++;
	}
	inet_unlock();
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
	dev->receive = ethernet_receive;
	uint32_t a = inet_if.addr, g = inet_if.gateway;
	kprintf("lull: %s: %u.%u.%u.%u/%d via %u.%u.%u.%u\n", dev->name, a >> 24, a >> 16 & 0xff,
		a >> 8 & 0xff, a & 0xff, __builtin_popcount(inet_if.mask), g >> 24, g >> 16 & 0xff,
		g >> 8 & 0xff, g & 0xff);
}

/* tap_netdev.c: the stack's network device in the host tests, a TAP fd. */
#include "tap_netdev.h"

#include "host_platform.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void deliver_to_stack(void *ctx, const void *frame, size_t len)
{
	struct tap_netdev *t = ctx;

	t->dev.stats.rx_packets++;
	t->dev.stats.rx_bytes += len;
	t->dev.receive(&t->dev, frame, len);
}

static void deliver_to_linux(void *ctx, const void *frame, size_t len)
{
	struct tap_netdev *t = ctx;

	if (write(t->fd, frame, len) == (ssize_t)len) {
		t->dev.stats.tx_packets++;
		t->dev.stats.tx_bytes += len;
	} else {
		t->dev.stats.tx_dropped++;
	}
}

static bool tap_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct tap_netdev *t = (struct tap_netdev *)dev;

	link_put(&t->to_linux, frame, len, host_now_ns());
	return true;
}

int tap_open(struct tap_netdev *t, const char *ifname, struct impairment impairment)
{
	struct ifreq ifr;
	static const uint8_t mac[6] = { 0x02, 0x4c, 0x55, 0x4c, 0x4c, 0x01 };

	memset(t, 0, sizeof *t);
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(t->fd);
		return -e;
	}
	strncpy(t->dev.name, "tap", sizeof t->dev.name);
	memcpy(t->dev.mac, mac, 6);
	t->dev.mtu = 1500;
	t->dev.link_up = true;
	t->dev.transmit = tap_transmit;
	link_init(&t->to_stack, impairment, 0x5eed0001, deliver_to_stack, t);
	link_init(&t->to_linux, impairment, 0x5eed0002, deliver_to_linux, t);
	return 0;
}

void tap_receive(struct tap_netdev *t)
{
	unsigned char frame[2048];
	ssize_t n;

	while ((n = read(t->fd, frame, sizeof frame)) > 0)
		link_put(&t->to_stack, frame, (size_t)n, host_now_ns());
}

uint64_t tap_release(struct tap_netdev *t, uint64_t now_ns)
{
	link_release(&t->to_stack, now_ns);
	link_release(&t->to_linux, now_ns);
	uint64_t a = link_next_release(&t->to_stack), b = link_next_release(&t->to_linux);
	return !a ? b : !b ? a : a < b ? a : b;
}

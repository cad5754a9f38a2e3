/* netdev.c: the list of network interfaces drivers found. */
#include "drivers/netdev.h"

#include "console.h"

#define MAX_NETDEVS 8

static struct netdev *devices[MAX_NETDEVS];
static unsigned count;

void netdev_register(struct netdev *dev)
{
	if (count == MAX_NETDEVS) {
		kprintf("lull: too many network interfaces; %s ignored\n", dev->name);
		return;
	}
	devices[count++] = dev;
	kprintf("lull: %s: %02x:%02x:%02x:%02x:%02x:%02x, link %s\n", dev->name, dev->mac[0],
		dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4], dev->mac[5],
		dev->link_up ? "up" : "down");
}

struct netdev *netdev_get(unsigned index)
{
	return index < count ? devices[index] : NULL;
}

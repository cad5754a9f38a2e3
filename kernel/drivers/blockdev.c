/*
 * blockdev.c: the list of disks drivers found, named disk0, disk1... in
 * the order they were registered.
 *
 * Drivers register while the boot processor probes devices, before any
 * application thread runs; the list only grows, so readers need no lock.
 */
#include "drivers/blockdev.h"

#include "lib/format.h"

static struct blockdev *disks[BLOCKDEV_MAX];
static unsigned count;

bool blockdev_register(struct blockdev *d)
{
	if (count == BLOCKDEV_MAX)
		return false;
	format_string(d->name, sizeof d->name, "disk%u", count);
	disks[count++] = d;
	return true;
}

struct blockdev *blockdev_get(unsigned index)
{
	return index < count ? disks[index] : NULL;
}

unsigned blockdev_count(void)
{
	return count;
}

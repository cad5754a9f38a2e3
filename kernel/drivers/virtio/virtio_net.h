/* virtio_net.h: the virtio network device driver. */
#ifndef LULL_VIRTIO_VIRTIO_NET_H
#define LULL_VIRTIO_VIRTIO_NET_H

#include "drivers/virtio/virtio.h"

/* Starts a virtio-net device and registers it as a netdev. */
void virtio_net_probe(struct virtio_device *d);

#endif

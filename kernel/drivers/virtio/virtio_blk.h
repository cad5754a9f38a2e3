/* virtio_blk.h: the virtio block device driver. */
#ifndef LULL_VIRTIO_VIRTIO_BLK_H
#define LULL_VIRTIO_VIRTIO_BLK_H

#include "drivers/virtio/virtio.h"

/* Starts a virtio-blk device and registers it as a disk (blockdev.h). */
void virtio_blk_probe(struct virtio_device *d);

#endif

/* virtio_mmio.h: finding virtio devices on memory-mapped slots. */
#ifndef LULL_VIRTIO_VIRTIO_MMIO_H
#define LULL_VIRTIO_VIRTIO_MMIO_H

/* Starts a driver for every virtio-mmio device the platform has. */
void virtio_mmio_scan(void);

#endif

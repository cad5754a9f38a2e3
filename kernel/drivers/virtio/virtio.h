/*
 * virtio.h: a virtio device, whatever transport (PCI, MMIO) carries it,
 * and the steps every virtio driver takes to start one (virtio 1.x,
 * section 3.1).
 */
#ifndef LULL_VIRTIO_VIRTIO_H
#define LULL_VIRTIO_VIRTIO_H

#include "drivers/virtio/virtqueue.h"

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_DEVICE_NET 1
#define VIRTIO_DEVICE_BLOCK 2

#define VIRTIO_F_EVENT_IDX (1ULL << 29)
#define VIRTIO_F_VERSION_1 (1ULL << 32)

struct virtio_device;

struct virtio_transport_ops {
	uint64_t (*device_features)(struct virtio_device *d);
	void (*set_driver_features)(struct virtio_device *d, uint64_t features);
	uint8_t (*status)(struct virtio_device *d);
	void (*set_status)(struct virtio_device *d, uint8_t status);
	uint16_t (*queue_max_size)(struct virtio_device *d, uint16_t index);
	/* Tells the device where the rings are, routes the queue's interrupt
	 * to handler(ctx) on core `cpu` (where the transport can: see
	 * queue_vectors), and enables the queue. */
	bool (*enable_queue)(struct virtio_device *d, struct virtq *q, unsigned cpu,
			     void (*handler)(void *ctx), void *ctx);
	void (*notify)(struct virtio_device *d, struct virtq *q);
	uint8_t (*config_read8)(struct virtio_device *d, unsigned offset);
	uint16_t (*config_read16)(struct virtio_device *d, unsigned offset);
	/* 32-bit fields, and 64-bit ones in two halves (section 4.1.3.1: no
	 * byte accesses to wider fields on PCI). */
	uint32_t (*config_read32)(struct virtio_device *d, unsigned offset);
	/* Changes whenever the device changes its configuration. */
	uint32_t (*config_generation)(struct virtio_device *d);
};

struct virtio_device {
	const struct virtio_transport_ops *ops;
	uint32_t type;
	uint64_t features; /* agreed with the device */
	const char *transport_name;
	/* How many queues can have an interrupt of their own, each sent to
	 * the core chosen for it (virtio-pci's MSI-X vectors); 0 when every
	 * queue shares one line that goes to the boot processor (virtio-mmio). */
	unsigned queue_vectors;
};

/* Resets the device and agrees on features: those in `wanted` that the
 * device offers (VERSION_1 is required). False if the device refuses. */
bool virtio_start(struct virtio_device *d, uint64_t wanted);

/* Sets up queue `index` with up to VIRTQ_MAX_SIZE entries, its interrupt
 * running handler(ctx) on core `cpu` where the transport allows. */
bool virtio_setup_queue(struct virtio_device *d, struct virtq *q, uint16_t index, unsigned cpu,
			void (*handler)(void *ctx), void *ctx);

/* The driver is ready: the device may start using the queues. */
void virtio_ready(struct virtio_device *d);

/* Marks the device failed (after a start-up error). */
void virtio_fail(struct virtio_device *d);

/* A 64-bit field of the device's configuration, read consistently: again
 * if the device changed it between the two halves (section 2.5.1). */
uint64_t virtio_config_read64(struct virtio_device *d, unsigned offset);

/* The queues behind one interrupt line (virtio-mmio's, or a PCI device's
 * INTx when it has no MSI-X): the line's handler runs every queue's,
 * since only the device's ISR status says that one of them has work. */
#define VIRTIO_LINE_QUEUES 4
struct virtio_line {
	struct {
		void (*handler)(void *ctx);
		void *ctx;
	} queues[VIRTIO_LINE_QUEUES];
	bool attached; /* to its interrupt line */
};

/* Adds queue `index`'s handler; false if the index is out of range. */
bool virtio_line_add(struct virtio_line *l, uint16_t index, void (*handler)(void *ctx), void *ctx);

/* Runs the handler of every queue on the line. */
void virtio_line_run(struct virtio_line *l);

/* Hands a device found by a transport to the driver for its type. */
void virtio_device_found(struct virtio_device *d);

#endif

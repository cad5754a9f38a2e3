/* virtio.c: device start-up common to every transport and driver. */
#include "drivers/virtio/virtio.h"

#include "console.h"
#include "drivers/virtio/virtio_blk.h"
#include "drivers/virtio/virtio_net.h"

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define STATUS_FAILED 128

bool virtio_start(struct virtio_device *d, uint64_t wanted)
{
	d->ops->set_status(d, 0); /* reset */
	while (d->ops->status(d) != 0)
		;
	d->ops->set_status(d, STATUS_ACKNOWLEDGE);
	d->ops->set_status(d, STATUS_ACKNOWLEDGE | STATUS_DRIVER);

	uint64_t offered = d->ops->device_features(d);
	if (!(offered & VIRTIO_F_VERSION_1)) {
		kprintf("lull: virtio device type %u over %s is legacy-only; not supported\n",
			d->type, d->transport_name);
		virtio_fail(d);
		return false;
	}
	d->features = offered & (wanted | VIRTIO_F_VERSION_1);
	d->ops->set_driver_features(d, d->features);
	d->ops->set_status(d, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	if (!(d->ops->status(d) & STATUS_FEATURES_OK)) {
		kprintf("lull: virtio device type %u refused our features\n", d->type);
		virtio_fail(d);
		return false;
	}
	return true;
}

bool virtio_setup_queue(struct virtio_device *d, struct virtq *q, uint16_t index, unsigned cpu,
			void (*handler)(void *ctx), void *ctx)
{
	uint16_t size = d->ops->queue_max_size(d, index);

	if (!size)
		return false;
	if (size > VIRTQ_MAX_SIZE)
		size = VIRTQ_MAX_SIZE;
	while (size & (size - 1)) /* round down to a power of two */
		size &= (uint16_t)(size - 1);
	return virtq_init(q, index, size, d->features & VIRTIO_F_EVENT_IDX) &&
	       d->ops->enable_queue(d, q, cpu, handler, ctx);
}

void virtio_ready(struct virtio_device *d)
{
	d->ops->set_status(d, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK |
				      STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_device *d)
{
	d->ops->set_status(d, d->ops->status(d) | STATUS_FAILED);
}

uint64_t virtio_config_read64(struct virtio_device *d, unsigned offset)
{
	uint32_t before, low, high;

	do {
		before = d->ops->config_generation(d);
		low = d->ops->config_read32(d, offset);
		high = d->ops->config_read32(d, offset + 4);
	} while (d->ops->config_generation(d) != before);
	return (uint64_t)high << 32 | low;
}

bool virtio_line_add(struct virtio_line *l, uint16_t index, void (*handler)(void *ctx), void *ctx)
{
	if (index >= VIRTIO_LINE_QUEUES)
		return false;
	l->queues[index].handler = handler;
	l->queues[index].ctx = ctx;
	return true;
}

void virtio_line_run(struct virtio_line *l)
{
	for (unsigned i = 0; i < VIRTIO_LINE_QUEUES; i++)
		if (l->queues[i].handler)
			l->queues[i].handler(l->queues[i].ctx);
}

void virtio_device_found(struct virtio_device *d)
{
	switch (d->type) {
	case VIRTIO_DEVICE_NET:
		virtio_net_probe(d);
		break;
	case VIRTIO_DEVICE_BLOCK:
		virtio_blk_probe(d);
		break;
	default:
		kprintf("lull: virtio device type %u over %s has no driver; ignored\n", d->type,
			d->transport_name);
	}
}

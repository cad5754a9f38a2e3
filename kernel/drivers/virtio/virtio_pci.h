/* virtio_pci.h: finding virtio devices on the PCI bus. */
#ifndef LULL_VIRTIO_VIRTIO_PCI_H
#define LULL_VIRTIO_VIRTIO_PCI_H

/* Starts a driver for every virtio-pci device found. */
void virtio_pci_scan(void);

#endif

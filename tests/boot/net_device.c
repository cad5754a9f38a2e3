/* lull-test: status=0 smp=1,2,4
 * lull-args: --net|user
 * expect: ^lull: eth0: 52:54:00:12:34:56, link up$
 * expect: ^booted with a NIC$
 */
/* The virtio-net device is found and started over virtio-mmio (microvm)
 * and virtio-pci with MSI-X (q35), and the application still runs. */
#include <stdio.h>

int main(void)
{
	printf("booted with a NIC\n");
	return 0;
}

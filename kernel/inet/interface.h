/* interface.h: bringing up the IPv4 stack on the first network device. */
#ifndef LULL_INET_INTERFACE_H
#define LULL_INET_INTERFACE_H

#include "app.h"

/* Binds the stack to the first netdev, if there is one, with the address
 * from the kernel options, or from DHCP (waiting for it, at most 10 s), or
 * else QEMU user networking's defaults. */
void inet_init(const struct kernel_options *options);

#endif

/* vhost_user.h: the back end's side of the vhost-user protocol for one
 * virtio-net queue pair per connection: QEMU listens, the switch
 * connects and answers QEMU's requests (vhost_user.c lists them). */
#ifndef LULL_SWITCH_VHOST_USER_H
#define LULL_SWITCH_VHOST_USER_H

#include <stddef.h>

/* Connects to QEMU's socket at path: the fd, or -1 with err set. */
int vhost_user_connect(const char *path, char *err, size_t err_size);

/* Reads and answers one request on port `index`'s connection. Returns 0,
 * or -1 when the connection is over (closed by QEMU, or a framing error:
 * err says which); a request that fails is logged, answered as failed
 * when QEMU asked for an answer, and the connection goes on. */
int vhost_user_serve(int index, char *err, size_t err_size);

#endif

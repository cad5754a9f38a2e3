/* poll.h: poll(2) and ppoll(2). */
#ifndef LULL_IO_POLL_H
#define LULL_IO_POLL_H

#include <stdint.h>

struct pollfd_abi {
	int fd;
	short events, revents;
};

/* timeout_ns: 0 returns at once, UINT64_MAX waits forever. */
long poll_files(struct pollfd_abi *fds, unsigned long count, uint64_t timeout_ns);

#endif

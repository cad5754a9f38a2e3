/* epoll.h: epoll(7) instances. */
#ifndef LULL_IO_EPOLL_H
#define LULL_IO_EPOLL_H

#include <stdint.h>

struct epoll_event_abi {
	uint32_t events;
	uint64_t data;
} __attribute__((packed)); /* as x86-64 Linux lays out struct epoll_event */

long epoll_open(int flags);
long epoll_control(int epfd, int op, int fd, const struct epoll_event_abi *event);
/* timeout_ns: 0 returns at once, UINT64_MAX waits forever. */
long epoll_wait_events(int epfd, struct epoll_event_abi *events, int max, uint64_t timeout_ns);

#endif

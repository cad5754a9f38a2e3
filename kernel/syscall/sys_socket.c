/* sys_socket.c: the BSD socket system calls, for IPv4 TCP and UDP. */
#include "inet/socket.h"
#include "io/file.h"
#include "lib/errno.h"
#include "syscall/handlers.h"
#include "syscall/linux_abi.h"

#include <string.h>
#include <sys/syscall.h>

_Static_assert(SOCK_STREAM == INET_SOCK_STREAM && SOCK_DGRAM == INET_SOCK_DGRAM,
	       "the stack's socket types are Linux's");

/* The socket behind a descriptor, with a reference on its file. */
static long lookup(long fd, struct file **f, struct inet_socket **s)
{
	*f = fd_get((int)fd);
	if (!*f)
		return -EBADF;
	*s = socket_of(*f);
	if (!*s) {
		file_put(*f);
		return -ENOTSOCK;
	}
	return 0;
}

static long read_address(const void *user, uint32_t len, uint32_t *addr, uint16_t *port)
{
	struct linux_sockaddr_in sa;

	if (len < sizeof sa)
		return -EINVAL;
	if (!user_readable(user, sizeof sa))
		return -EFAULT;
	memcpy(&sa, user, sizeof sa);
	if (sa.family != AF_INET)
		return -EAFNOSUPPORT;
	*addr = __builtin_bswap32(sa.addr);
	*port = __builtin_bswap16(sa.port);
	return 0;
}

/* Writes an address where the caller asked for one (addr may be NULL). */
static long write_address(void *user, uint32_t *user_len, uint32_t addr, uint16_t port)
{
	struct linux_sockaddr_in sa = { AF_INET, __builtin_bswap16(port), __builtin_bswap32(addr), { 0 } };

	if (!user)
		return 0;
	if (!user_writable(user_len, sizeof *user_len))
		return -EFAULT;
	uint32_t room = *user_len;
	uint32_t n = room < sizeof sa ? room : sizeof sa;
	if (!user_writable(user, n))
		return -EFAULT;
	memcpy(user, &sa, n);
	*user_len = sizeof sa;
	return 0;
}

long sys_socket(const struct syscall_args *a)
{
	long domain = a->arg[0], type = a->arg[1], protocol = a->arg[2];
	long kind = type & SOCK_TYPE_MASK;

	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) ||
	    (kind == SOCK_STREAM && protocol && protocol != IPPROTO_TCP) ||
	    (kind == SOCK_DGRAM && protocol && protocol != IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	return socket_open((int)kind, type & SOCK_NONBLOCK);
}

long sys_bind(const struct syscall_args *a)
{
	struct file *f;
	struct inet_socket *s;
	uint32_t addr;
	uint16_t port;
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	r = read_address((const void *)a->arg[1], (uint32_t)a->arg[2], &addr, &port);
	if (!r)
		r = socket_bind(s, addr, port);
	file_put(f);
	return r;
}

long sys_listen(const struct syscall_args *a)
{
	struct file *f;
	struct inet_socket *s;
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	r = socket_listen(s, (int)a->arg[1]);
	file_put(f);
	return r;
}

long sys_accept4(const struct syscall_args *a)
{
	struct file *f;
	struct inet_socket *s;
	uint32_t addr;
	uint16_t port;
	long flags = a->nr == SYS_accept4 ? a->arg[3] : 0; /* accept has no flags */
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		r = -EINVAL;
	else
		r = socket_accept(f, flags & SOCK_NONBLOCK, &addr, &port);
	file_put(f);
	if (r >= 0) {
		long w = write_address((void *)a->arg[1], (uint32_t *)a->arg[2], addr, port);
		if (w) {
			fd_close((int)r);
			return w;
		}
	}
	return r;
}

long sys_connect(const struct syscall_args *a)
{
	struct file *f;
	struct inet_socket *s;
	uint32_t addr;
	uint16_t port;
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	r = read_address((const void *)a->arg[1], (uint32_t)a->arg[2], &addr, &port);
	if (!r)
		r = socket_connect(f, addr, port);
	file_put(f);
	return r;
}

static long send_common(long fd, const void *buf, size_t len, int flags, const void *to,
			uint32_t to_len)
{
	struct file *f;
	struct inet_socket *s;
	uint32_t addr = 0;
	uint16_t port = 0;
	long r = lookup(fd, &f, &s);
	if (r)
		return r;
	if (!user_readable(buf, len))
		r = -EFAULT;
	else if (to)
		r = read_address(to, to_len, &addr, &port);
	if (!r)
		r = socket_sendto(f, buf, len, to != NULL, addr, port, flags & MSG_DONTWAIT);
	file_put(f);
	return r;
}

static long recv_common(long fd, void *buf, size_t len, int flags, void *from, uint32_t *from_len)
{
	struct file *f;
	struct inet_socket *s;
	uint32_t addr = 0;
	uint16_t port = 0;
	long r = lookup(fd, &f, &s);
	if (r)
		return r;
	r = user_writable(buf, len) ? socket_recvfrom(f, buf, len, &addr, &port, flags & MSG_PEEK,
						       flags & MSG_DONTWAIT)
				    : -EFAULT;
	file_put(f);
	if (r >= 0) {
		long w = write_address(from, from_len, addr, port);
		if (w)
			return w;
	}
	return r;
}

long sys_sendto(const struct syscall_args *a)
{
	return send_common(a->arg[0], (const void *)a->arg[1], (size_t)a->arg[2], (int)a->arg[3],
			   (const void *)a->arg[4], (uint32_t)a->arg[5]);
}

long sys_recvfrom(const struct syscall_args *a)
{
	return recv_common(a->arg[0], (void *)a->arg[1], (size_t)a->arg[2], (int)a->arg[3],
			   (void *)a->arg[4], (uint32_t *)a->arg[5]);
}

/* sendmsg/recvmsg: one buffer at a time, stopping at a short transfer;
 * no ancillary data. */
static long message(const struct syscall_args *a, bool sending)
{
	struct linux_msghdr *m = (struct linux_msghdr *)a->arg[1];
	long total = 0;

	if (!user_writable(m, sizeof *m))
		return -EFAULT;
	if (m->iovlen > IOV_MAX_COUNT || !user_readable(m->iov, m->iovlen * sizeof(struct linux_iovec)))
		return -EINVAL;
	const struct linux_iovec *iov = m->iov;
	for (size_t i = 0; i < m->iovlen; i++) {
		if (!iov[i].len)
			continue;
		long r = sending ? send_common(a->arg[0], iov[i].base, iov[i].len, (int)a->arg[2],
					       i == 0 ? m->name : NULL, m->namelen)
				 : recv_common(a->arg[0], iov[i].base, iov[i].len, (int)a->arg[2],
					       i == 0 ? m->name : NULL, &m->namelen);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((size_t)r < iov[i].len)
			break;
	}
	if (!sending) {
		m->controllen = 0;
		m->flags = 0;
	}
	return total;
}

long sys_sendmsg(const struct syscall_args *a)
{
	return message(a, true);
}

long sys_recvmsg(const struct syscall_args *a)
{
	return message(a, false);
}

long sys_shutdown(const struct syscall_args *a)
{
	struct file *f;
	struct inet_socket *s;
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	r = socket_shutdown(s, (int)a->arg[1]);
	file_put(f);
	return r;
}

static long names(const struct syscall_args *a, bool peer)
{
	struct file *f;
	struct inet_socket *s;
	uint32_t addr;
	uint16_t port;
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	if (peer && !socket_connected(s)) {
		r = -ENOTCONN;
	} else {
		socket_names(s, peer, &addr, &port);
		r = a->arg[1] ? write_address((void *)a->arg[1], (uint32_t *)a->arg[2], addr, port)
			      : -EFAULT;
	}
	file_put(f);
	return r;
}

long sys_getsockname(const struct syscall_args *a)
{
	return names(a, false);
}

long sys_getpeername(const struct syscall_args *a)
{
	return names(a, true);
}

/* The options a demanding server sets. The buffer sizes are how far TCP
 * grows a connection's buffers when they limit it (from 64 KiB, up to at
 * most 4 MiB; tcp_connection.c); SO_RCVBUF also picks the window scale, so it should
 * be set before connect or listen. */
static int *option(struct inet_socket *s, long level, long name, int *scratch)
{
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
		case SO_REUSEPORT:
			*scratch = s->reuse_addr;
			return scratch;
		case SO_KEEPALIVE:
			*scratch = s->keepalive;
			return scratch;
		case SO_SNDBUF:
			return &s->sndbuf_size;
		case SO_RCVBUF:
			return &s->rcvbuf_size;
		case SO_TYPE:
			*scratch = s->type;
			return scratch;
		case SO_ERROR:
			*scratch = socket_take_error(s);
			return scratch;
		}
	} else if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
		switch (name) {
		case TCP_NODELAY:
			*scratch = s->nodelay;
			return scratch;
		case TCP_CORK:
			*scratch = s->cork;
			return scratch;
		case TCP_DEFER_ACCEPT:
			return &s->defer_accept_s;
		}
	}
	return NULL;
}

/* Linux keeps TCP_DEFER_ACCEPT as a count of SYN-ACK retransmissions (1 s,
 * doubling up to 120 s, at most 255 of them) and reports the seconds they
 * span: 5 reads back as 7, 10 as 15. Lull defers for the seconds reported. */
static int defer_accept_rounded(int seconds)
{
	int period = 1, timeout = 1;

	if (seconds <= 0)
		return 0;
	for (int retries = 1; seconds > period && retries < 255; retries++) {
		timeout = timeout * 2 > 120 ? 120 : timeout * 2;
		period += timeout;
	}
	return period;
}

long sys_setsockopt(const struct syscall_args *a)
{
	struct file *f;
	struct inet_socket *s;
	int scratch, value;
	long level = a->arg[1], name = a->arg[2];
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	if ((uint32_t)a->arg[4] < sizeof value || !user_readable((const void *)a->arg[3], sizeof value)) {
		file_put(f);
		return -EINVAL;
	}
	memcpy(&value, (const void *)a->arg[3], sizeof value);
	int *slot = option(s, level, name, &scratch);
	if (!slot || (level == SOL_SOCKET && (name == SO_TYPE || name == SO_ERROR)))
		r = -ENOPROTOOPT;
	else if (level == SOL_SOCKET && (name == SO_REUSEADDR || name == SO_REUSEPORT))
		s->reuse_addr = value != 0;
	else if (level == SOL_SOCKET && name == SO_KEEPALIVE)
		s->keepalive = value != 0;
	else if (level == IPPROTO_TCP && name == TCP_CORK)
		socket_set_cork(s, value != 0);
	else if (level == IPPROTO_TCP && name == TCP_NODELAY)
		socket_set_nodelay(s, value != 0);
	else if (level == IPPROTO_TCP && name == TCP_DEFER_ACCEPT)
		s->defer_accept_s = defer_accept_rounded(value);
	else
		*slot = value;
	file_put(f);
	return r;
}

long sys_getsockopt(const struct syscall_args *a)
{
	struct file *f;
	struct inet_socket *s;
	int scratch;
	uint32_t *len = (uint32_t *)a->arg[4];
	long r = lookup(a->arg[0], &f, &s);
	if (r)
		return r;
	int *slot = option(s, a->arg[1], a->arg[2], &scratch);
	if (!slot)
		r = -ENOPROTOOPT;
	else if (!user_writable(len, sizeof *len) || *len < sizeof(int) ||
		 !user_writable((void *)a->arg[3], sizeof(int)))
		r = -EFAULT;
	else {
		memcpy((void *)a->arg[3], slot, sizeof(int));
		*len = sizeof(int);
	}
	file_put(f);
	return r;
}

/*
 * socket_file.c: sockets as files. The file operations (read, write, poll,
 * close) and the socket calls that may wait (syscall/sys_socket.c) come
 * here, take the stack lock, hand over to socket.c, UDP or TCP, and park
 * the thread on the file when the socket is not ready.
 *
 * A TCP socket can outlive its file (closing while the FIN handshake runs)
 * and exist before one (an accepted connection waiting in its listener's
 * queue); `file` is NULL then.
 */
#include "inet/socket.h"

#include "inet/inet.h"
#include "io/file.h"
#include "lib/errno.h"

static struct list_node to_notify = { &to_notify, &to_notify };

/* A changed socket waits on to_notify without holding its file: a pending
 * notification must not keep a closed socket alive (epoll would go on
 * reporting a descriptor the application closed). socket_release takes it
 * off the list before its file goes away. */
void socket_changed(struct inet_socket *s)
{
	if (s->file && !list_linked(&s->notify_link))
		list_push_back(&to_notify, &s->notify_link);
}

/* Called with the lock held, so a file on the list is still there: its
 * release needs the lock to take the socket off the list. But its last
 * reference may be gone already (the release waits for the lock on another
 * core), and then nobody is left to notify. */
struct file *socket_pop_notification(void)
{
	for (struct list_node *n; (n = list_pop_front(&to_notify));) {
		struct file *f = container_of(n, struct inet_socket, notify_link)->file;
		if (file_get_unless_released(f))
			return f;
	}
	return NULL;
}

static const struct file_ops socket_ops;

struct inet_socket *socket_of(struct file *f)
{
	return f->ops == &socket_ops ? f->data : NULL;
}

static long socket_read(struct file *f, void *buf, size_t len)
{
	uint32_t addr;
	uint16_t port;
	inet_lock();
	long r = socket_recv(f->data, buf, len, false, &addr, &port);
	inet_unlock();
	return r;
}

static long socket_write(struct file *f, const void *buf, size_t len)
{
	inet_lock();
	long r = socket_send(f->data, buf, len, false, 0, 0);
	inet_unlock();
	return r;
}

static unsigned socket_poll(struct file *f)
{
	struct inet_socket *s = f->data;
	unsigned ready;

	inet_lock();
	if (s->type == INET_SOCK_STREAM)
		ready = tcp_poll(s);
	else
		ready = SOCKET_WRITABLE | (list_empty(&s->datagrams) ? 0 : SOCKET_READABLE);
	inet_unlock_quiet();
	return ready;
}

static void socket_release(struct file *f)
{
	struct inet_socket *s = f->data;

	if (!s)
		return;
	inet_lock();
	if (list_linked(&s->notify_link))
		list_remove(&s->notify_link);
	if (s->type == INET_SOCK_STREAM)
		tcp_close(s);
	else
		udp_close(s);
	inet_unlock();
}

static const struct file_ops socket_ops = {
	.read = socket_read,
	.write = socket_write,
	.poll = socket_poll,
	.release = socket_release,
};

/* Gives a socket a file and a descriptor. */
static long install(struct inet_socket *s, bool nonblocking)
{
	struct file *f = file_create(&socket_ops, s);
	if (!f)
		return -ENOMEM;
	f->nonblocking = nonblocking;
	s->file = f;
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return fd;
}

long socket_open(int type, bool nonblocking)
{
	if (type != INET_SOCK_STREAM && type != INET_SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	struct inet_socket *s = socket_alloc(type);
	if (!s)
		return -ENOMEM;
	long fd = install(s, nonblocking);
	if (fd < 0)
		socket_free(s);
	return fd;
}

/* The new connection's file exists before the connection leaves the
 * listener's queue, and both happen under the lock: a connection without
 * a file would be freed by the stack the moment its peer reset it. */
long socket_accept(struct file *f, bool nonblocking, uint32_t *addr, uint16_t *port)
{
	struct inet_socket *s = f->data;

	if (s->type != INET_SOCK_STREAM)
		return -EOPNOTSUPP;
	struct file *nf = file_create(&socket_ops, NULL);
	if (!nf)
		return -ENOMEM;
	nf->nonblocking = nonblocking;
	for (;;) {
		inet_lock();
		bool listening = tcp_is_listening(s);
		struct inet_socket *c = listening ? tcp_accept(s) : NULL;
		if (c) {
			c->file = nf;
			nf->data = c;
			*addr = c->remote_addr;
			*port = c->remote_port;
		}
		inet_unlock();
		if (c) {
			int fd = fd_install(nf);
			if (fd < 0)
				file_put(nf);
			return fd;
		}
		if (!listening || f->nonblocking) {
			file_put(nf); /* no socket behind it: release does nothing */
			return listening ? -EAGAIN : -EINVAL;
		}
		long interrupted = file_wait(f, FILE_READABLE);
		if (interrupted) {
			file_put(nf);
			return interrupted;
		}
	}
}

long socket_connect(struct file *f, uint32_t addr, uint16_t port)
{
	struct inet_socket *s = f->data;

	if (!inet_if.dev)
		return -ENETUNREACH;
	inet_lock();
	long r = socket_connect_start(s, addr, port);
	inet_unlock();
	if (r || s->type == INET_SOCK_DGRAM)
		return r;
	if (f->nonblocking)
		return -EINPROGRESS;
	for (;;) {
		inet_lock();
		bool connecting = tcp_is_connecting(s), closed = tcp_is_closed(s);
		int error = s->error;
		if (!connecting)
			s->error = 0;
		inet_unlock();
		if (!connecting)
			return error ? -error : closed ? -ECONNREFUSED : 0;
		/* As on Linux, the connection goes on; calling again says EALREADY. */
		if (file_wait(f, FILE_WRITABLE))
			return -EINTR;
	}
}

long socket_sendto(struct file *f, const void *buf, size_t len, bool to, uint32_t addr,
		   uint16_t port, bool dontwait)
{
	for (;;) {
		inet_lock();
		long r = socket_send(f->data, buf, len, to, addr, port);
		inet_unlock();
		if (r != -EAGAIN || f->nonblocking || dontwait)
			return r;
		long interrupted = file_wait(f, FILE_WRITABLE);
		if (interrupted)
			return interrupted;
	}
}

long socket_recvfrom(struct file *f, void *buf, size_t len, uint32_t *addr, uint16_t *port,
		     bool peek, bool dontwait)
{
	for (;;) {
		inet_lock();
		long r = socket_recv(f->data, buf, len, peek, addr, port);
		inet_unlock();
		if (r != -EAGAIN || f->nonblocking || dontwait)
			return r;
		long interrupted = file_wait(f, FILE_READABLE);
		if (interrupted)
			return interrupted;
	}
}


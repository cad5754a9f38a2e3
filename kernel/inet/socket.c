/*
 * socket.c: sockets as files. The file operations (read, write, poll,
 * close) and the socket calls (syscall/sys_socket.c) come here, take the
 * stack lock, and hand over to UDP or TCP.
 *
 * A TCP socket can outlive its file (closing while the FIN handshake runs)
 * and exist before one (an accepted connection waiting in its listener's
 * queue); `file` is NULL then.
 */
#include "inet/socket.h"

#include "inet/inet.h"
#include "io/file.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"

#include <string.h>

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define EPHEMERAL_FIRST 49152
#define EPHEMERAL_COUNT 16384

struct list_node udp_sockets = { &udp_sockets, &udp_sockets };
struct list_node tcp_sockets = { &tcp_sockets, &tcp_sockets };
static struct list_node to_notify = { &to_notify, &to_notify };

struct inet_socket *socket_alloc(int type)
{
	struct inet_socket *s = kmalloc(sizeof *s);
	if (!s)
		return NULL;
	s->type = type;
	list_init(&s->link);
	list_init(&s->notify_link);
	list_init(&s->datagrams);
	list_init(&s->accept_queue);
	list_init(&s->tcp.accept_link);
	s->rcvbuf_size = s->sndbuf_size = 65535;
	return s;
}

void socket_free(struct inet_socket *s)
{
	if (list_linked(&s->link))
		list_remove(&s->link);
	if (list_linked(&s->notify_link))
		list_remove(&s->notify_link);
	if (s->sndbuf.data)
		ring_destroy(&s->sndbuf);
	if (s->rcvbuf.data)
		ring_destroy(&s->rcvbuf);
	kfree(s, sizeof *s);
}

void socket_changed(struct inet_socket *s)
{
	if (s->file && !list_linked(&s->notify_link)) {
		file_get(s->file); /* kept alive until notified */
		list_push_back(&to_notify, &s->notify_link);
	}
}

/* The reference socket_changed took keeps the file (and so the socket)
 * alive until the notification is delivered. */
struct file *socket_pop_notification(void)
{
	struct list_node *n = list_pop_front(&to_notify);
	return n ? container_of(n, struct inet_socket, notify_link)->file : NULL;
}

uint16_t socket_ephemeral_port(struct list_node *list)
{
	static unsigned next;

	for (unsigned tries = 0; tries < EPHEMERAL_COUNT; tries++) {
		uint16_t port = (uint16_t)(EPHEMERAL_FIRST + next++ % EPHEMERAL_COUNT);
		bool used = false;
		for (struct list_node *n = list->next; n != list && !used; n = n->next)
			used = container_of(n, struct inet_socket, link)->local_port == port;
		if (!used)
			return port;
	}
	return 0;
}

/* ---- sockets as files ---- */

static const struct file_ops socket_ops;

struct inet_socket *socket_of(struct file *f)
{
	return f->ops == &socket_ops ? f->data : NULL;
}

static long sock_recv(struct inet_socket *s, void *buf, size_t len, bool peek, uint32_t *addr,
		      uint16_t *port)
{
	if (s->type == SOCK_DGRAM)
		return udp_recvfrom(s, buf, len, addr, port, peek);
	*addr = s->remote_addr;
	*port = s->remote_port;
	return tcp_recv(s, buf, len, peek);
}

static long socket_read(struct file *f, void *buf, size_t len)
{
	uint32_t addr;
	uint16_t port;
	inet_lock();
	long r = sock_recv(f->data, buf, len, false, &addr, &port);
	inet_unlock();
	return r;
}

static long sock_send(struct inet_socket *s, const void *buf, size_t len, bool to, uint32_t addr,
		      uint16_t port)
{
	if (!inet_if.dev)
		return -ENETUNREACH;
	if (s->type == SOCK_STREAM)
		return tcp_send(s, buf, len);
	if (!to) {
		if (!s->remote_port)
			return -EDESTADDRREQ;
		addr = s->remote_addr;
		port = s->remote_port;
	}
	if (!s->local_port) {
		s->local_port = socket_ephemeral_port(&udp_sockets);
		if (!s->local_port)
			return -EAGAIN;
		list_push_back(&udp_sockets, &s->link);
	}
	return udp_sendto(s, buf, len, addr, port);
}

static long socket_write(struct file *f, const void *buf, size_t len)
{
	inet_lock();
	long r = sock_send(f->data, buf, len, false, 0, 0);
	inet_unlock();
	return r;
}

static unsigned socket_poll(struct file *f)
{
	struct inet_socket *s = f->data;
	unsigned ready;

	inet_lock();
	if (s->type == SOCK_STREAM)
		ready = tcp_poll(s);
	else
		ready = FILE_WRITABLE | (list_empty(&s->datagrams) ? 0 : FILE_READABLE);
	inet_unlock_quiet();
	return ready;
}

static void socket_release(struct file *f)
{
	struct inet_socket *s = f->data;

	if (!s)
		return;
	inet_lock();
	if (s->type == SOCK_STREAM)
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
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	struct inet_socket *s = socket_alloc(type);
	if (!s)
		return -ENOMEM;
	long fd = install(s, nonblocking);
	if (fd < 0)
		socket_free(s);
	return fd;
}

static bool port_in_use(int type, uint16_t port, uint32_t addr)
{
	struct list_node *list = type == SOCK_STREAM ? &tcp_sockets : &udp_sockets;

	for (struct list_node *n = list->next; n != list; n = n->next) {
		struct inet_socket *o = container_of(n, struct inet_socket, link);
		bool same_addr = !o->local_addr || !addr || o->local_addr == addr;
		/* SO_REUSEADDR lets a listener take a port held by old connections. */
		if (o->local_port == port && same_addr &&
		    !(type == SOCK_STREAM && o->reuse_addr && o->tcp.state != TCP_LISTEN))
			return true;
	}
	return false;
}

static long bind_locked(struct inet_socket *s, uint32_t addr, uint16_t port)
{
	struct list_node *list = s->type == SOCK_STREAM ? &tcp_sockets : &udp_sockets;

	if (s->local_port)
		return -EINVAL;
	if (addr && addr != inet_if.addr)
		return -EADDRNOTAVAIL;
	if (port && port_in_use(s->type, port, addr))
		return -EADDRINUSE;
	if (!port && !(port = socket_ephemeral_port(list)))
		return -EADDRINUSE;
	s->local_addr = addr;
	s->local_port = port;
	if (s->type == SOCK_DGRAM)
		list_push_back(&udp_sockets, &s->link);
	return 0;
}

long socket_bind(struct inet_socket *s, uint32_t addr, uint16_t port)
{
	inet_lock();
	long r = bind_locked(s, addr, port);
	inet_unlock();
	return r;
}

long socket_listen(struct inet_socket *s, int backlog)
{
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	inet_lock();
	long r = s->local_port ? 0 : bind_locked(s, 0, 0);
	if (!r)
		r = tcp_listen(s, backlog);
	inet_unlock();
	return r;
}

/* The new connection's file exists before the connection leaves the
 * listener's queue, and both happen under the lock: a connection without
 * a file would be freed by the stack the moment its peer reset it. */
long socket_accept(struct file *f, bool nonblocking, uint32_t *addr, uint16_t *port)
{
	struct inet_socket *s = f->data;

	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	struct file *nf = file_create(&socket_ops, NULL);
	if (!nf)
		return -ENOMEM;
	nf->nonblocking = nonblocking;
	for (;;) {
		inet_lock();
		bool listening = s->tcp.state == TCP_LISTEN;
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
		file_wait(f, FILE_READABLE);
	}
}

long socket_connect(struct file *f, uint32_t addr, uint16_t port)
{
	struct inet_socket *s = f->data;
	long r = 0;

	if (!inet_if.dev)
		return -ENETUNREACH;
	inet_lock();
	if (!s->local_port)
		r = bind_locked(s, 0, 0);
	if (!r && s->type == SOCK_DGRAM) {
		s->remote_addr = addr;
		s->remote_port = port;
	} else if (!r) {
		s->remote_addr = addr;
		s->remote_port = port;
		r = tcp_connect(s);
	}
	inet_unlock();
	if (r || s->type == SOCK_DGRAM)
		return r;
	if (f->nonblocking)
		return -EINPROGRESS;
	for (;;) {
		inet_lock();
		enum tcp_state st = s->tcp.state;
		int error = s->error;
		if (st != TCP_SYN_SENT)
			s->error = 0;
		inet_unlock();
		if (st != TCP_SYN_SENT)
			return error ? -error : st == TCP_CLOSED ? -ECONNREFUSED : 0;
		file_wait(f, FILE_WRITABLE);
	}
}

long socket_sendto(struct file *f, const void *buf, size_t len, bool to, uint32_t addr,
		   uint16_t port, bool dontwait)
{
	for (;;) {
		inet_lock();
		long r = sock_send(f->data, buf, len, to, addr, port);
		inet_unlock();
		if (r != -EAGAIN || f->nonblocking || dontwait)
			return r;
		file_wait(f, FILE_WRITABLE);
	}
}

long socket_recvfrom(struct file *f, void *buf, size_t len, uint32_t *addr, uint16_t *port,
		     bool peek, bool dontwait)
{
	for (;;) {
		inet_lock();
		long r = sock_recv(f->data, buf, len, peek, addr, port);
		inet_unlock();
		if (r != -EAGAIN || f->nonblocking || dontwait)
			return r;
		file_wait(f, FILE_READABLE);
	}
}

long socket_shutdown(struct inet_socket *s, int how)
{
	if (how < 0 || how > 2)
		return -EINVAL;
	inet_lock();
	long r = 0;
	if (s->type == SOCK_STREAM && s->tcp.state != TCP_ESTABLISHED &&
	    s->tcp.state != TCP_CLOSE_WAIT && s->tcp.state != TCP_FIN_WAIT_1 &&
	    s->tcp.state != TCP_FIN_WAIT_2)
		r = -ENOTCONN;
	if (!r && how != 1)
		s->shut_read = true;
	if (!r && how != 0) {
		s->shut_write = true;
		if (s->type == SOCK_STREAM)
			tcp_shutdown_write(s);
	}
	if (!r)
		socket_changed(s);
	inet_unlock();
	return r;
}

void socket_names(struct inet_socket *s, bool peer, uint32_t *addr, uint16_t *port)
{
	inet_lock();
	*addr = peer ? s->remote_addr : s->local_addr ? s->local_addr : inet_if.addr;
	*port = peer ? s->remote_port : s->local_port;
	inet_unlock();
}

bool socket_connected(struct inet_socket *s)
{
	return s->remote_port != 0 && (s->type == SOCK_DGRAM || s->tcp.state != TCP_CLOSED);
}

int socket_take_error(struct inet_socket *s)
{
	inet_lock();
	int e = s->error;
	s->error = 0;
	inet_unlock();
	return e;
}

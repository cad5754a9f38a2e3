/*
 * socket.c: sockets as the stack keeps them: allocation, the UDP and TCP
 * socket lists, ports, and the calls that do not depend on how a socket is
 * reached (socket_file.c makes sockets files for the kernel; a host test
 * program drives them directly).
 */
#include "inet/socket.h"

#include "inet/inet.h"
#include "lib/errno.h"

#include <string.h>

#define EPHEMERAL_FIRST 49152
#define EPHEMERAL_COUNT 16384

struct list_node udp_sockets = { &udp_sockets, &udp_sockets };
struct list_node tcp_sockets = { &tcp_sockets, &tcp_sockets };

struct inet_socket *socket_alloc(int type)
{
	struct inet_socket *s = inet_alloc(sizeof *s);
	if (!s)
		return NULL;
	s->type = type;
	list_init(&s->link);
	list_init(&s->lookup_link);
	list_init(&s->notify_link);
	list_init(&s->datagrams);
	list_init(&s->accept_queue);
	list_init(&s->tcp.accept_link);
	s->rcvbuf_size = s->sndbuf_size = SOCKET_BUFFER_DEFAULT;
	return s;
}

void socket_free(struct inet_socket *s)
{
	if (list_linked(&s->link))
		list_remove(&s->link);
	if (list_linked(&s->lookup_link))
		list_remove(&s->lookup_link);
	if (list_linked(&s->notify_link))
		list_remove(&s->notify_link);
	tcp_timer_forget(s);
	if (s->sndbuf.data)
		ring_destroy(&s->sndbuf);
	if (s->rcvbuf.data)
		ring_destroy(&s->rcvbuf);
	inet_free(s, sizeof *s);
}

uint32_t inet_random(void)
{
	uint64_t v;

	if (!inet_hw_random(&v))
		v = inet_clock_ns() * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(v ^ v >> 32);
}

uint16_t socket_ephemeral_port(struct list_node *list)
{
	/* A random start (RFC 6056): a restarted VM does not reuse the ports
	 * of its previous life, which its peers may still hold. */
	static unsigned next;
	static bool started;

	if (!started) {
		next = inet_random();
		started = true;
	}

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

/* Whether s may not bind port on addr. SO_REUSEADDR, set on both sides
 * as Linux wants, lets a listener take a port held by connections (old ones
 * in TIME_WAIT, or the accepted children of a listener closed to be made
 * again, as Redis does when its bind setting is rewritten); never one held
 * by another listener. */
static bool port_in_use(const struct inet_socket *s, uint16_t port, uint32_t addr)
{
	struct list_node *list = s->type == INET_SOCK_STREAM ? &tcp_sockets : &udp_sockets;

	for (struct list_node *n = list->next; n != list; n = n->next) {
		struct inet_socket *o = container_of(n, struct inet_socket, link);
		bool same_addr = !o->local_addr || !addr || o->local_addr == addr;
		bool shareable = s->type == INET_SOCK_STREAM && s->reuse_addr && o->reuse_addr &&
				 !tcp_is_listening(o);
		if (o->local_port == port && same_addr && !shareable)
			return true;
	}
	return false;
}

long socket_bind_locked(struct inet_socket *s, uint32_t addr, uint16_t port)
{
	struct list_node *list = s->type == INET_SOCK_STREAM ? &tcp_sockets : &udp_sockets;

	if (s->local_port)
		return -EINVAL;
	if (addr && addr != inet_if.addr)
		return -EADDRNOTAVAIL;
	if (port && port_in_use(s, port, addr))
		return -EADDRINUSE;
	if (!port && !(port = socket_ephemeral_port(list)))
		return -EADDRINUSE;
	s->local_addr = addr;
	s->local_port = port;
	if (s->type == INET_SOCK_DGRAM)
		list_push_back(&udp_sockets, &s->link);
	return 0;
}

long socket_bind(struct inet_socket *s, uint32_t addr, uint16_t port)
{
	inet_lock();
	long r = socket_bind_locked(s, addr, port);
	inet_unlock();
	return r;
}

long socket_listen(struct inet_socket *s, int backlog)
{
	if (s->type != INET_SOCK_STREAM)
		return -EOPNOTSUPP;
	inet_lock();
	long r = s->local_port ? 0 : socket_bind_locked(s, 0, 0);
	if (!r)
		r = tcp_listen(s, backlog);
	inet_unlock();
	return r;
}

long socket_connect_start(struct inet_socket *s, uint32_t addr, uint16_t port)
{
	long r = s->local_port ? 0 : socket_bind_locked(s, 0, 0);
	if (r)
		return r;
	s->remote_addr = addr;
	s->remote_port = port;
	return s->type == INET_SOCK_STREAM ? tcp_connect(s) : 0;
}

long socket_recv(struct inet_socket *s, void *buf, size_t len, bool peek, uint32_t *addr,
		 uint16_t *port)
{
	if (s->type == INET_SOCK_DGRAM)
		return udp_recvfrom(s, buf, len, addr, port, peek);
	*addr = s->remote_addr;
	*port = s->remote_port;
	return tcp_recv(s, buf, len, peek);
}

long socket_send(struct inet_socket *s, const void *buf, size_t len, bool to, uint32_t addr,
		 uint16_t port)
{
	if (!inet_if.dev)
		return -ENETUNREACH;
	if (s->type == INET_SOCK_STREAM)
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

long socket_shutdown(struct inet_socket *s, int how)
{
	if (how < 0 || how > 2)
		return -EINVAL;
	inet_lock();
	long r = 0;
	if (s->type == INET_SOCK_STREAM && !tcp_is_connected(s))
		r = -ENOTCONN;
	if (!r && how != 1)
		s->shut_read = true;
	if (!r && how != 0) {
		s->shut_write = true;
		if (s->type == INET_SOCK_STREAM)
			tcp_shutdown_write(s);
	}
	if (!r)
		socket_changed(s);
	inet_unlock();
	return r;
}

void socket_set_cork(struct inet_socket *s, bool on)
{
	inet_lock();
	tcp_set_cork(s, on);
	inet_unlock();
}

void socket_set_nodelay(struct inet_socket *s, bool on)
{
	inet_lock();
	tcp_set_nodelay(s, on);
	inet_unlock();
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
	return s->remote_port != 0 && (s->type == INET_SOCK_DGRAM || !tcp_is_closed(s));
}

int socket_take_error(struct inet_socket *s)
{
	inet_lock();
	int e = s->error;
	s->error = 0;
	inet_unlock();
	return e;
}

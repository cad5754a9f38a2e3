/*
 * socket.h: the stack's sockets, as UDP and TCP see them, as the system
 * calls (syscall/sys_socket.c, through socket_file.c) use them, and as a
 * host program drives them. Functions here expect the stack lock to be
 * held unless they say otherwise.
 */
#ifndef LULL_INET_SOCKET_H
#define LULL_INET_SOCKET_H

#include "inet/host.h"
#include "inet/ring.h"
#include "inet/tcp_control.h"
#include "lib/list.h"

#include <stdbool.h>
#include <stdint.h>

/* Socket types, with Linux's values for SOCK_STREAM and SOCK_DGRAM. */
#define INET_SOCK_STREAM 1
#define INET_SOCK_DGRAM 2

/* Readiness, in poll(2)'s bits (the same as io/file.h's). */
#define SOCKET_READABLE 0x001
#define SOCKET_WRITABLE 0x004
#define SOCKET_ERROR 0x008
#define SOCKET_HANGUP 0x010
#define SOCKET_READ_HANGUP 0x2000

/* SO_RCVBUF and SO_SNDBUF of a new socket. */
#define SOCKET_BUFFER_DEFAULT (256 * 1024)

struct udp_datagram {
	struct list_node link;
	uint32_t addr;
	uint16_t port;
	uint16_t len;
	unsigned char data[];
};

struct inet_socket {
	int type; /* INET_SOCK_STREAM or INET_SOCK_DGRAM */
	struct file *file; /* NULL until accepted, and after close */
	struct list_node link;        /* on the UDP or TCP socket list */
	struct list_node lookup_link; /* TCP: in tcp_connection.c's table, by addresses and ports */
	struct list_node notify_link; /* waiting for socket_flush_notifications */
	uint32_t local_addr, remote_addr;
	uint16_t local_port, remote_port;
	bool reuse_addr, nodelay, cork, keepalive, shut_read, shut_write;
	int error; /* pending, reported once (SO_ERROR, or by the next call) */
	int rcvbuf_size, sndbuf_size; /* SO_RCVBUF, SO_SNDBUF: how far TCP grows its buffers */
	/* UDP */
	struct list_node datagrams;
	unsigned datagram_count;
	/* TCP */
	struct tcp_control tcp;
	struct ring sndbuf, rcvbuf;
	struct list_node accept_queue; /* listener: established, not yet accepted */
	unsigned backlog, pending;     /* listener: limit, and children in SYN_RECEIVED or queued */
	int defer_accept_s; /* listener: TCP_DEFER_ACCEPT, in seconds (rounded as Linux does) */
};

extern struct list_node udp_sockets, tcp_sockets;

struct inet_socket *socket_alloc(int type);
void socket_free(struct inet_socket *s);
/* The next file to notify (with a reference for the caller), or NULL. */
struct file *socket_pop_notification(void);
/* A free ephemeral port for the given socket list. */
uint16_t socket_ephemeral_port(struct list_node *list);

/* The calls that do not wait; each takes the lock itself. */
long socket_bind(struct inet_socket *s, uint32_t addr, uint16_t port);
long socket_listen(struct inet_socket *s, int backlog);
long socket_shutdown(struct inet_socket *s, int how);
void socket_set_cork(struct inet_socket *s, bool on);
void socket_set_nodelay(struct inet_socket *s, bool on);
void socket_names(struct inet_socket *s, bool peer, uint32_t *addr, uint16_t *port);
bool socket_connected(struct inet_socket *s);
int socket_take_error(struct inet_socket *s);

/* With the lock held: bind to a port (0: any), start connecting (TCP) or
 * fix the peer (UDP), send and receive; -EAGAIN when not ready. */
long socket_bind_locked(struct inet_socket *s, uint32_t addr, uint16_t port);
long socket_connect_start(struct inet_socket *s, uint32_t addr, uint16_t port);
long socket_send(struct inet_socket *s, const void *buf, size_t len, bool to, uint32_t addr,
		 uint16_t port);
long socket_recv(struct inet_socket *s, void *buf, size_t len, bool peek, uint32_t *addr,
		 uint16_t *port);

/* Sockets as files (socket_file.c): each takes the lock itself, and waits
 * (unless non-blocking) as the system call would. */
struct file;
long socket_open(int type, bool nonblocking);
struct inet_socket *socket_of(struct file *f); /* NULL if f is no socket */
long socket_accept(struct file *f, bool nonblocking, uint32_t *addr, uint16_t *port);
long socket_connect(struct file *f, uint32_t addr, uint16_t port);
long socket_sendto(struct file *f, const void *buf, size_t len, bool to, uint32_t addr,
		   uint16_t port, bool dontwait);
long socket_recvfrom(struct file *f, void *buf, size_t len, uint32_t *addr, uint16_t *port,
		     bool peek, bool dontwait);

/* TCP, for the socket layer. */
long tcp_connect(struct inet_socket *s);
long tcp_listen(struct inet_socket *s, int backlog);
struct inet_socket *tcp_accept(struct inet_socket *s);
long tcp_send(struct inet_socket *s, const void *buf, size_t len);
long tcp_recv(struct inet_socket *s, void *buf, size_t len, bool peek);
void tcp_shutdown_write(struct inet_socket *s);
/* TCP_CORK: while on, only full segments go out (and the last with the
 * FIN); turning it off sends the rest. Setting TCP_NODELAY sends what is
 * queued too, corked or not, as on Linux. */
void tcp_set_cork(struct inet_socket *s, bool on);
void tcp_set_nodelay(struct inet_socket *s, bool on);
/* The socket's file is gone: finish the connection on our own. */
void tcp_close(struct inet_socket *s);
unsigned tcp_poll(struct inet_socket *s);
/* What the socket layer may ask of a connection's state. */
bool tcp_is_listening(const struct inet_socket *s);
bool tcp_is_connecting(const struct inet_socket *s); /* SYN sent, no answer yet */
bool tcp_is_connected(const struct inet_socket *s);  /* synchronized, not yet closing both ways */
bool tcp_is_closed(const struct inet_socket *s);
/* The socket goes: its timers with it. */
void tcp_timer_forget(struct inet_socket *s);

/* UDP, for the socket layer. */
long udp_sendto(struct inet_socket *s, const void *buf, size_t len, uint32_t addr, uint16_t port);
long udp_recvfrom(struct inet_socket *s, void *buf, size_t len, uint32_t *addr, uint16_t *port,
		  bool peek);
void udp_close(struct inet_socket *s);

#endif

/*
 * socket.h: the stack's sockets, as UDP and TCP see them, as the system
 * calls (syscall/sys_socket.c, through socket_file.c) use them, and as a
 * host program drives them. Functions here expect the stack lock to be
 * held unless they say otherwise.
 */
#ifndef LULL_INET_SOCKET_H
#define LULL_INET_SOCKET_H

#include "inet/ring.h"
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

/* Out-of-order ranges a connection keeps; more holes than this and later
 * segments are dropped (and retransmitted by the peer). */
#define TCP_AHEAD_MAX 8

enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

struct udp_datagram {
	struct list_node link;
	uint32_t addr;
	uint16_t port;
	uint16_t len;
	unsigned char data[];
};

struct tcp_control {
	enum tcp_state state;
	/* connect() or a passive open has begun; the buffers alone cannot
	 * tell, since TIME_WAIT gives them back (tcp.c) */
	bool opened;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2;
	uint32_t rcv_nxt;
	uint16_t mss; /* the peer's */
	/* Window scaling (RFC 7323): whether both SYNs carried the option (in
	 * SYN_SENT: whether ours does), and the shifts for the peer's windows
	 * and for ours. */
	bool wscale;
	uint8_t snd_shift, rcv_shift;
	/* Timestamps (RFC 7323): whether both SYNs carried the option (in
	 * SYN_SENT: whether ours does); the peer's value to echo, and when it
	 * was taken (PAWS); the ACK field we last sent. */
	bool timestamps;
	uint32_t ts_recent, last_ack_sent;
	uint64_t ts_recent_ns;
	/* The right edge of the receive window we offered, and whether that
	 * window was more than half the buffer when the edge last moved. */
	uint32_t rcv_adv;
	bool rcv_adv_wide;
	uint32_t cwnd, ssthresh;
	unsigned dupacks;
	bool in_recovery; /* until snd_una reaches recover (RFC 6582) */
	uint32_t recover;
	bool fin_pending, fin_sent, fin_received;
	/* RFC 6298 */
	uint64_t srtt_ns, rttvar_ns, rto_ns;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start_ns;
	unsigned retries;
	uint64_t rto_deadline, delack_deadline, timewait_deadline, persist_deadline;
	uint64_t cork_deadline; /* TCP_CORK holds a partial segment until then */
	bool cork_lifted; /* ...or not at all: its time passed, or TCP_NODELAY was set */
	uint64_t defer_deadline; /* TCP_DEFER_ACCEPT: queued for accept by then */
	unsigned unacked_segments;
	/* Data received ahead of a hole, already in the receive ring's free
	 * space: sequence ranges [start, end), disjoint, unordered. */
	struct tcp_range {
		uint32_t start, end;
	} ahead[TCP_AHEAD_MAX];
	unsigned ahead_count;
	/* passive open: the listener while in SYN_RECEIVED, deferred
	 * (TCP_DEFER_ACCEPT) or waiting in its accept queue */
	struct inet_socket *listener;
	struct list_node accept_link;
};

struct inet_socket {
	int type; /* INET_SOCK_STREAM or INET_SOCK_DGRAM */
	struct file *file; /* NULL until accepted, and after close */
	struct list_node link;        /* on the UDP or TCP socket list */
	struct list_node lookup_link; /* TCP: in tcp.c's table, by addresses and ports */
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
/* The socket's readiness may have changed: its owner is told once the
 * lock is released (socket_file.c notifies the file). */
void socket_changed(struct inet_socket *s);
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

/* UDP, for the socket layer. */
long udp_sendto(struct inet_socket *s, const void *buf, size_t len, uint32_t addr, uint16_t port);
long udp_recvfrom(struct inet_socket *s, void *buf, size_t len, uint32_t *addr, uint16_t *port,
		  bool peek);
void udp_close(struct inet_socket *s);

#endif

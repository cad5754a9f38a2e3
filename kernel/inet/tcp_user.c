/*
 * tcp_user.c: TCP as the socket layer calls it (socket.h): connect,
 * listen, accept, send, receive, shutdown, close, poll, the options that
 * act at once (TCP_CORK, TCP_NODELAY), and the questions the socket layer
 * may ask about a connection's state instead of reading it.
 */
#include "inet/tcp_private.h"

#include "lib/errno.h"

long tcp_connect(struct inet_socket *s)
{
	if (s->tcp.state != TCP_CLOSED)
		return s->tcp.state == TCP_SYN_SENT ? -EALREADY : -EISCONN;
	if (!tcp_init_buffers(s))
		return -ENOMEM;
	tcp_init_connection(s);
	/* offered; kept if the SYN-ACK carries them too */
	s->tcp.wscale = s->tcp.timestamps = s->tcp.sack = true;
	s->tcp.state = TCP_SYN_SENT;
	list_push_back(&tcp_sockets, &s->link);
	tcp_lookup_add(s);
	tcp_send_segment(s, s->tcp.iss, TCP_SYN, 0, 0);
	tcp_timer_arm_in(s, TCP_TIMER_RETRANSMIT, s->tcp.rto_ns);
	return 0;
}

long tcp_listen(struct inet_socket *s, int backlog)
{
	if (s->tcp.state != TCP_CLOSED && s->tcp.state != TCP_LISTEN)
		return -EINVAL;
	s->backlog = backlog < 1 ? 1 : backlog > 1024 ? 1024 : (unsigned)backlog;
	if (s->tcp.state == TCP_CLOSED) {
		s->tcp.state = TCP_LISTEN;
		list_push_back(&tcp_sockets, &s->link);
		tcp_lookup_add(s);
	}
	return 0;
}

struct inet_socket *tcp_accept(struct inet_socket *s)
{
	struct list_node *n = list_pop_front(&s->accept_queue);
	if (!n)
		return NULL;
	struct inet_socket *child = container_of(n, struct inet_socket, tcp.accept_link);
	child->tcp.listener = NULL;
	s->pending--;
	return child;
}

/* The pending error, reported once; 0 if none. */
static long take_error(struct inet_socket *s)
{
	long e = -s->error;

	s->error = 0;
	return e;
}

/* The send buffer holds what is in flight and what replaces it as ACKs
 * come: grown when the windows would let more than half of it fly. */
static bool grow_send_buffer(struct inet_socket *s)
{
	const struct tcp_control *t = &s->tcp;
	uint64_t window = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;

	return 2 * window > s->sndbuf.size &&
	       tcp_grow_buffer(&s->sndbuf, tcp_buffer_limit(s->sndbuf_size));
}

long tcp_send(struct inet_socket *s, const void *buf, size_t len)
{
	const struct tcp_control *t = &s->tcp;

	if (s->error)
		return take_error(s);
	if (tcp_handshaking(t))
		return -EAGAIN;
	if (s->shut_write || !tcp_can_send(t))
		return t->state == TCP_CLOSED || t->state == TCP_LISTEN ? -ENOTCONN : -EPIPE;
	size_t n = ring_write(&s->sndbuf, buf, len);
	if (n < len && grow_send_buffer(s))
		n += ring_write(&s->sndbuf, (const char *)buf + n, len - n);
	if (!n)
		return -EAGAIN;
	tcp_output(s);
	return (long)n;
}

long tcp_recv(struct inet_socket *s, void *buf, size_t len, bool peek)
{
	size_t n = len < s->rcvbuf.len ? len : s->rcvbuf.len;

	if (n) {
		bool window_was_small = receive_window(s) < s->tcp.mss;
		ring_peek(&s->rcvbuf, 0, buf, n);
		if (!peek)
			ring_drop(&s->rcvbuf, n);
		if (!s->rcvbuf.len && s->tcp.state == TCP_TIME_WAIT)
			tcp_release_buffers(s);
		/* Tell a peer that saw a (nearly) closed window that it opened. */
		if (!peek && window_was_small && receive_window(s) >= s->tcp.mss &&
		    s->tcp.state != TCP_CLOSED)
			tcp_send_ack(s);
		return (long)n;
	}
	if (s->error)
		return take_error(s);
	if (!s->tcp.opened)
		return -ENOTCONN;
	if (tcp_fin_received(&s->tcp) || s->shut_read || s->tcp.state == TCP_CLOSED)
		return 0; /* end of stream */
	return -EAGAIN;
}

void tcp_shutdown_write(struct inet_socket *s)
{
	if (tcp_can_send(&s->tcp)) {
		s->tcp.fin_pending = true;
		tcp_output(s);
	}
}

void tcp_set_cork(struct inet_socket *s, bool on)
{
	s->cork = on;
	if (!on)
		tcp_output(s);
}

void tcp_set_nodelay(struct inet_socket *s, bool on)
{
	s->nodelay = on;
	if (on && tcp_can_send(&s->tcp)) {
		s->tcp.cork_lifted = true; /* for what is queued now; output clears it */
		tcp_output(s);
	}
}

static void reset_and_close(struct inet_socket *c)
{
	tcp_send_segment(c, c->tcp.snd_nxt, TCP_RST, 0, 0);
	tcp_enter_closed(c, 0);
}

/* A listener closes: its children, queued or not yet established, are
 * reset. */
static void close_listener(struct inet_socket *s)
{
	while (!list_empty(&s->accept_queue))
		reset_and_close(tcp_accept(s));
	for (struct list_node *n = tcp_sockets.next; n != &tcp_sockets;) {
		struct inet_socket *c = container_of(n, struct inet_socket, link);
		n = n->next;
		if (c->tcp.listener == s)
			reset_and_close(c);
	}
	tcp_enter_closed(s, 0);
}

void tcp_close(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	s->file = NULL;
	switch (t->state) {
	case TCP_LISTEN:
		close_listener(s);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (s->rcvbuf.len) { /* unread data: abort, as RFC 2525 advises */
			tcp_abort_lost_data(s);
		} else {
			t->fin_pending = true;
			tcp_output(s);
		}
		break;
	case TCP_SYN_SENT:
	case TCP_CLOSED:
		tcp_enter_closed(s, 0);
		break;
	case TCP_TIME_WAIT:
		tcp_release_buffers(s);
		break;
	default: /* already closing: finish on our own */
		break;
	}
}

unsigned tcp_poll(struct inet_socket *s)
{
	const struct tcp_control *t = &s->tcp;
	bool fin_received = tcp_fin_received(t);
	unsigned ready = 0;

	if (t->state == TCP_LISTEN)
		return list_empty(&s->accept_queue) ? 0 : SOCKET_READABLE;
	if (s->rcvbuf.len || fin_received || s->shut_read)
		ready |= SOCKET_READABLE;
	/* As Linux: the receive side is shut by a FIN, shutdown(SHUT_RD) or
	 * the connection's end (below). */
	if (fin_received || s->shut_read)
		ready |= SOCKET_READ_HANGUP;
	if (tcp_can_send(t) && ring_free_space(&s->sndbuf) && !s->shut_write)
		ready |= SOCKET_WRITABLE;
	if (s->error)
		ready |= SOCKET_ERROR;
	if (t->state == TCP_CLOSED && t->opened)
		ready |= SOCKET_HANGUP | SOCKET_READ_HANGUP | SOCKET_READABLE; /* a connection that was */
	if (fin_received && s->shut_write)
		ready |= SOCKET_HANGUP;
	return ready;
}

bool tcp_is_listening(const struct inet_socket *s)
{
	return s->tcp.state == TCP_LISTEN;
}

bool tcp_is_connecting(const struct inet_socket *s)
{
	return s->tcp.state == TCP_SYN_SENT;
}

bool tcp_is_connected(const struct inet_socket *s)
{
	return tcp_can_send(&s->tcp) || s->tcp.state == TCP_FIN_WAIT_1 ||
	       s->tcp.state == TCP_FIN_WAIT_2;
}

bool tcp_is_closed(const struct inet_socket *s)
{
	return s->tcp.state == TCP_CLOSED;
}

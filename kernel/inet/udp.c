/* udp.c: UDP (RFC 768): datagrams queued per socket, bounded; those for
 * port 68 go to the DHCP client while it runs. */
#include "inet/dhcp.h"
#include "inet/inet.h"
#include "inet/socket.h"

#include "lib/errno.h"

#include <string.h>

#define UDP_HEADER 8
#define MAX_QUEUED 64
#define MAX_PAYLOAD (ETH_MTU - IP_HEADER - UDP_HEADER)

void udp_input(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
	if (len < UDP_HEADER || get16(udp + 4) < UDP_HEADER || get16(udp + 4) > len) {
		inet_stats.drop_malformed++;
		return;
	}
	len = get16(udp + 4);
	if (get16(udp + 6) &&
	    inet_fold(inet_sum(udp, len, inet_pseudo_sum(src, dst, IP_PROTO_UDP, (uint16_t)len)))) {
		inet_stats.drop_checksum++;
		return;
	}
	uint16_t port = get16(udp + 2);
	if (port == DHCP_CLIENT_PORT && dhcp_input(src, udp + UDP_HEADER, len - UDP_HEADER))
		return;
	for (struct list_node *n = udp_sockets.next; n != &udp_sockets; n = n->next) {
		struct inet_socket *s = container_of(n, struct inet_socket, link);
		if (s->local_port != port || (s->local_addr && s->local_addr != dst))
			continue;
		if (s->remote_port && (s->remote_addr != src || s->remote_port != get16(udp)))
			continue; /* connected to someone else */
		size_t payload = len - UDP_HEADER;
		struct udp_datagram *d =
			s->datagram_count < MAX_QUEUED ? inet_alloc(sizeof *d + payload) : NULL;
		if (!d) {
			inet_stats.drop_queue_full++;
			return;
		}
		d->addr = src;
		d->port = get16(udp);
		d->len = (uint16_t)payload;
		memcpy(d->data, udp + UDP_HEADER, payload);
		list_push_back(&s->datagrams, &d->link);
		s->datagram_count++;
		socket_changed(s);
		return;
	}
	inet_stats.drop_no_socket++;
}

void udp_send(uint16_t src_port, uint32_t addr, uint16_t port, const void *buf, size_t len)
{
	static uint8_t frame[ETH_HEADER + ETH_MTU];
	uint8_t *udp = frame + ETH_HEADER + IP_HEADER;

	put16(udp, src_port);
	put16(udp + 2, port);
	put16(udp + 4, (uint16_t)(UDP_HEADER + len));
	put16(udp + 6, 0);
	memcpy(udp + UDP_HEADER, buf, len);
	uint16_t sum = inet_fold(inet_sum(udp, UDP_HEADER + len,
					  inet_pseudo_sum(inet_if.addr, addr, IP_PROTO_UDP,
							  (uint16_t)(UDP_HEADER + len))));
	put16(udp + 6, sum ? sum : 0xffff);
	ipv4_send(frame + ETH_HEADER, addr, IP_PROTO_UDP, UDP_HEADER + len);
}

long udp_sendto(struct inet_socket *s, const void *buf, size_t len, uint32_t addr, uint16_t port)
{
	if (len > MAX_PAYLOAD)
		return -EMSGSIZE;
	udp_send(s->local_port, addr, port, buf, len);
	return (long)len;
}

long udp_recvfrom(struct inet_socket *s, void *buf, size_t len, uint32_t *addr, uint16_t *port,
		  bool peek)
{
	if (list_empty(&s->datagrams))
		return -EAGAIN;
	struct udp_datagram *d = container_of(s->datagrams.next, struct udp_datagram, link);
	size_t n = len < d->len ? len : d->len; /* the rest of a long datagram is lost */
	memcpy(buf, d->data, n);
	*addr = d->addr;
	*port = d->port;
	if (!peek) {
		list_remove(&d->link);
		s->datagram_count--;
		inet_free(d, sizeof *d + d->len);
	}
	return (long)n;
}

void udp_close(struct inet_socket *s)
{
	while (!list_empty(&s->datagrams)) {
		struct udp_datagram *d = container_of(list_pop_front(&s->datagrams),
						      struct udp_datagram, link);
		inet_free(d, sizeof *d + d->len);
	}
	socket_free(s);
}

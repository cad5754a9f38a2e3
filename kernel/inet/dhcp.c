/*
 * dhcp.c: the DHCP client (RFC 2131; options per RFC 2132): the address,
 * netmask, gateway and lease of the interface when no lull.ip= is given.
 *
 * DISCOVER, take the first valid OFFER, REQUEST it, and on ACK configure
 * inet_if. At T1 the lease is renewed with a unicast REQUEST to the server
 * that granted it, at T2 with a broadcast one to any server; at expiry, or
 * on a NAK, the address is dropped and it all starts again. Everything is
 * driven by received datagrams and the stack's timer: nothing waits.
 *
 * Not done: probing the offered address with ARP before using it (and
 * DECLINE), INIT-REBOOT, and options other than those asked for below.
 */
#include "inet/dhcp.h"
#include "inet/inet.h"

#include <string.h>

#define SERVER_PORT 67
#define BROADCAST 0xffffffffu

/* The fixed BOOTP part (RFC 2131 section 2) and the options after it. */
#define OP 0
#define HTYPE 1
#define HLEN 2
#define XID 4
#define SECS 8
#define FLAGS 10
#define CIADDR 12
#define YIADDR 16
#define CHADDR 28
#define SNAME 44
#define SNAME_LEN 64
#define BOOT_FILE 108
#define BOOT_FILE_LEN 128
#define COOKIE 236
#define OPTIONS 240
#define MAGIC_COOKIE 0x63825363u
#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHERNET 1
#define FLAG_BROADCAST 0x8000
/* BOOTP relays and old servers drop shorter messages (RFC 1542). */
#define MIN_MESSAGE 300
#define MAX_MESSAGE 576

#define OPT_PAD 0
#define OPT_SUBNET_MASK 1
#define OPT_ROUTER 3
#define OPT_REQUESTED_ADDR 50
#define OPT_LEASE_TIME 51
#define OPT_OVERLOAD 52
#define OPT_MESSAGE_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_PARAMETER_LIST 55
#define OPT_MAX_MESSAGE 57
#define OPT_T1 58
#define OPT_T2 59
#define OPT_CLIENT_ID 61
#define OPT_END 255

#define DHCPDISCOVER 1
#define DHCPOFFER 2
#define DHCPREQUEST 3
#define DHCPACK 5
#define DHCPNAK 6

#define SECOND 1000000000ULL
#define RETRY_FIRST (1 * SECOND)
#define RETRY_MAX (32 * SECOND)
/* REQUESTs for an offer before going back to DISCOVER (1+2+4+8 s). */
#define REQUEST_TRIES 4
/* RFC 2131 4.4.5: renewal retries wait half the time left, at least this. */
#define RENEW_RETRY_MIN (60 * SECOND)
/* Shorter leases are stretched to this, so that a server granting none
 * cannot make the client loop as fast as the network goes. */
#define MIN_LEASE_S 10

/* What a reply says, once parsed. */
struct reply {
	uint8_t type;
	uint32_t yiaddr, server, mask, router, lease_s, t1_s, t2_s;
	bool has_server, has_mask, has_lease, has_t1, has_t2;
	uint8_t overload;
};

static struct {
	enum dhcp_state state;
	uint32_t xid;
	uint64_t started_ns;  /* of this exchange: the messages' `secs` */
	uint64_t retry_ns;    /* next retransmission */
	uint64_t interval_ns; /* between the last two sends */
	unsigned tries;
	uint32_t offered, server; /* the offer being requested, or the lease's */
	uint64_t bound_ns;        /* when the lease began: T1, T2, expiry count from it */
	struct dhcp_lease lease;
} client;

enum dhcp_state dhcp_state(void)
{
	return client.state;
}

const struct dhcp_lease *dhcp_lease(void)
{
	return &client.lease;
}

bool dhcp_accepts_any_address(void)
{
	return (client.state == DHCP_SELECTING || client.state == DHCP_REQUESTING) && !inet_if.addr;
}

/* A time counted from the start of the lease; 0 for an infinite one. */
static uint64_t lease_time(uint32_t seconds)
{
	return seconds == DHCP_INFINITE ? 0 : client.bound_ns + seconds * SECOND;
}

static uint64_t next_deadline(void)
{
	uint64_t t2 = lease_time(client.lease.t2_s), expiry = lease_time(client.lease.lease_s);

	switch (client.state) {
	case DHCP_SELECTING:
	case DHCP_REQUESTING:
		return client.retry_ns;
	case DHCP_BOUND:
		return lease_time(client.lease.t1_s);
	case DHCP_RENEWING:
		return client.retry_ns < t2 ? client.retry_ns : t2;
	case DHCP_REBINDING:
		return client.retry_ns < expiry ? client.retry_ns : expiry;
	default:
		return 0;
	}
}

static void put_option(uint8_t **p, uint8_t code, const void *value, uint8_t len)
{
	(*p)[0] = code;
	(*p)[1] = len;
	memcpy(*p + 2, value, len);
	*p += 2 + len;
}

static void put_option32(uint8_t **p, uint8_t code, uint32_t value)
{
	uint8_t v[4];

	put32(v, value);
	put_option(p, code, v, 4);
}

/* Sends a DISCOVER or a REQUEST fitting the state; broadcast unless
 * renewing. */
static void send_message(uint8_t type, uint64_t now)
{
	static const uint8_t wanted[] = {
		OPT_SUBNET_MASK, OPT_ROUTER, OPT_LEASE_TIME, OPT_T1, OPT_T2,
	};
	uint8_t m[MAX_MESSAGE];
	bool have_addr = client.state == DHCP_RENEWING || client.state == DHCP_REBINDING;
	uint64_t secs = (now - client.started_ns) / SECOND;

	memset(m, 0, sizeof m);
	m[OP] = BOOTREQUEST;
	m[HTYPE] = HTYPE_ETHERNET;
	m[HLEN] = 6;
	put32(m + XID, client.xid);
	put16(m + SECS, secs > 0xffff ? 0xffff : (uint16_t)secs);
	/* Without an address we cannot take a unicast reply (RFC 2131 4.1). */
	put16(m + FLAGS, have_addr ? 0 : FLAG_BROADCAST);
	if (have_addr)
		put32(m + CIADDR, inet_if.addr);
	memcpy(m + CHADDR, inet_if.dev->mac, 6);
	put32(m + COOKIE, MAGIC_COOKIE);

	uint8_t *p = m + OPTIONS, client_id[7] = { HTYPE_ETHERNET };
	put_option(&p, OPT_MESSAGE_TYPE, &type, 1);
	memcpy(client_id + 1, inet_if.dev->mac, 6);
	put_option(&p, OPT_CLIENT_ID, client_id, sizeof client_id);
	if (client.state == DHCP_REQUESTING) {
		put_option32(&p, OPT_REQUESTED_ADDR, client.offered);
		put_option32(&p, OPT_SERVER_ID, client.server);
	}
	uint8_t max[2];
	put16(max, MAX_MESSAGE);
	put_option(&p, OPT_MAX_MESSAGE, max, 2);
	put_option(&p, OPT_PARAMETER_LIST, wanted, sizeof wanted);
	*p++ = OPT_END;
	size_t len = (size_t)(p - m) < MIN_MESSAGE ? MIN_MESSAGE : (size_t)(p - m);

	inet_stats.dhcp_sent++;
	uint32_t to = client.state == DHCP_RENEWING ? client.server : BROADCAST;
	udp_send(DHCP_CLIENT_PORT, to, SERVER_PORT, m, len);
}

/* The next retransmission: doubling from RETRY_FIRST up to RETRY_MAX, plus
 * up to an eighth more at random so that machines booted together spread
 * out (RFC 2131 4.1 asks for randomisation). */
static void schedule_retry(uint64_t now)
{
	uint64_t last = client.interval_ns;

	client.interval_ns = !last ? RETRY_FIRST : last >= RETRY_MAX / 2 ? RETRY_MAX : 2 * last;
	client.retry_ns = now + client.interval_ns + inet_random() % (client.interval_ns / 8);
}

/* Half the time left until `until`, but not less than a minute. */
static void schedule_renew_retry(uint64_t now, uint64_t until)
{
	uint64_t wait = until > now ? (until - now) / 2 : 0;
	client.retry_ns = now + (wait < RENEW_RETRY_MIN ? RENEW_RETRY_MIN : wait);
}

/* A new exchange: a fresh transaction id and the clock for `secs`. */
static void begin_exchange(enum dhcp_state state, uint64_t now)
{
	client.state = state;
	client.xid = inet_random();
	client.started_ns = now;
	client.interval_ns = 0;
	client.tries = 0;
}

static void discover(uint64_t now)
{
	begin_exchange(DHCP_SELECTING, now);
	send_message(DHCPDISCOVER, now);
	schedule_retry(now);
}

/* The lease is gone (expired or refused): no address until a new one. */
static void lose_address(uint64_t now)
{
	inet_if.addr = 0;
	inet_if.mask = 0;
	inet_if.gateway = 0;
	discover(now);
}

void dhcp_start(void)
{
	memset(&client, 0, sizeof client);
	discover(inet_clock_ns());
	inet_timer_request(next_deadline());
}

void dhcp_stop(void)
{
	client.state = DHCP_OFF;
}

/* The historical class's mask, for a server that sends none (RFC 1122
 * 3.3.1.1 leaves the default to the host). */
static uint32_t natural_mask(uint32_t addr)
{
	return addr < 0x80000000u ? 0xff000000u : addr < 0xc0000000u ? 0xffff0000u : 0xffffff00u;
}

static bool is_host_address(uint32_t a)
{
	uint8_t first = (uint8_t)(a >> 24);
	return first != 0 && first != 127 && first < 224;
}

static bool is_contiguous_mask(uint32_t m)
{
	return m && (~m & (~m + 1)) == 0;
}

/* A four-byte option's value; false if it is not four bytes long. */
static bool take32(uint32_t *out, bool *present, const uint8_t *v, uint8_t n)
{
	if (n != 4)
		return false;
	*out = get32(v);
	*present = true;
	return true;
}

/* Takes one option into r; false if its length is wrong for its code.
 * `main`: the option is in the options field itself, the only place where
 * overload may appear. */
static bool take_option(struct reply *r, uint8_t code, const uint8_t *v, uint8_t n, bool main)
{
	switch (code) {
	case OPT_MESSAGE_TYPE:
		if (n != 1)
			return false;
		r->type = v[0];
		return true;
	case OPT_OVERLOAD:
		if (n != 1)
			return false;
		if (main)
			r->overload = v[0];
		return true;
	case OPT_ROUTER:
		if (n < 4 || n % 4)
			return false;
		r->router = get32(v); /* the first is the preferred one */
		return true;
	case OPT_SERVER_ID:
		return take32(&r->server, &r->has_server, v, n);
	case OPT_SUBNET_MASK:
		return take32(&r->mask, &r->has_mask, v, n);
	case OPT_LEASE_TIME:
		return take32(&r->lease_s, &r->has_lease, v, n);
	case OPT_T1:
		return take32(&r->t1_s, &r->has_t1, v, n);
	case OPT_T2:
		return take32(&r->t2_s, &r->has_t2, v, n);
	default:
		return true;
	}
}

/* Walks an options area: code, length, value; pad and end have no length. */
static bool parse_options(struct reply *r, const uint8_t *p, size_t len, bool main)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i];
		if (code == OPT_END)
			return true;
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + p[i + 1] > len)
			return false;
		uint8_t n = p[i + 1];
		if (!take_option(r, code, p + i + 2, n, main))
			return false;
		i += 2 + (size_t)n;
	}
	return true;
}

/* A reply to our current transaction, well formed; false for anything
 * else (another client's, a request, a malformed message). */
static bool parse_reply(struct reply *r, const uint8_t *m, size_t len)
{
	memset(r, 0, sizeof *r);
	if (len < OPTIONS || m[OP] != BOOTREPLY || m[HTYPE] != HTYPE_ETHERNET || m[HLEN] != 6 ||
	    get32(m + XID) != client.xid || memcmp(m + CHADDR, inet_if.dev->mac, 6) ||
	    get32(m + COOKIE) != MAGIC_COOKIE)
		return false;
	r->yiaddr = get32(m + YIADDR);
	if (!parse_options(r, m + OPTIONS, len - OPTIONS, true))
		return false;
	if ((r->overload & 1) && !parse_options(r, m + BOOT_FILE, BOOT_FILE_LEN, false))
		return false;
	if ((r->overload & 2) && !parse_options(r, m + SNAME, SNAME_LEN, false))
		return false;
	return r->type != 0;
}

static void take_lease(const struct reply *r, uint64_t now)
{
	struct dhcp_lease *l = &client.lease;

	l->addr = r->yiaddr;
	l->mask = r->has_mask && is_contiguous_mask(r->mask) ? r->mask : natural_mask(r->yiaddr);
	l->router = r->router;
	if (r->has_server)
		client.server = r->server;
	l->server = client.server;
	/* RFC 2131 requires the lease time in an ACK; without one, keep the
	 * address until told otherwise. */
	l->lease_s = !r->has_lease ? DHCP_INFINITE
		     : r->lease_s < MIN_LEASE_S ? MIN_LEASE_S
						: r->lease_s;
	if (l->lease_s == DHCP_INFINITE) {
		l->t1_s = l->t2_s = DHCP_INFINITE;
	} else {
		/* RFC 2131 4.4.5: T1 0.5 and T2 0.875 of the lease by default;
		 * given ones are used only if they keep T1 <= T2 <= lease, and
		 * neither sooner than half the shortest lease. */
		l->t2_s = r->has_t2 && r->t2_s <= l->lease_s && r->t2_s >= MIN_LEASE_S / 2
				  ? r->t2_s
				  : (uint32_t)((uint64_t)l->lease_s * 7 / 8);
		l->t1_s = r->has_t1 && r->t1_s <= l->t2_s && r->t1_s >= MIN_LEASE_S / 2
				  ? r->t1_s
				  : l->lease_s / 2;
		if (l->t1_s > l->t2_s)
			l->t1_s = l->t2_s;
	}
	client.bound_ns = now;
	client.state = DHCP_BOUND;
	inet_if.addr = l->addr;
	inet_if.mask = l->mask;
	inet_if.gateway = l->router;
}

static void request(uint64_t now)
{
	send_message(DHCPREQUEST, now);
	if (client.state == DHCP_REQUESTING)
		schedule_retry(now);
	else if (client.state == DHCP_RENEWING)
		schedule_renew_retry(now, lease_time(client.lease.t2_s));
	else
		schedule_renew_retry(now, lease_time(client.lease.lease_s));
	client.tries++;
}

bool dhcp_input(uint32_t src, const uint8_t *msg, size_t len)
{
	struct reply r;
	uint64_t now = inet_clock_ns();

	if (client.state == DHCP_OFF)
		return false;
	if (client.state == DHCP_BOUND || !parse_reply(&r, msg, len)) {
		inet_stats.dhcp_ignored++;
		return true;
	}
	/* A server must name itself in an OFFER; a few old ones do not, and
	 * then the sender is the server. */
	uint32_t server = r.has_server ? r.server : src;
	bool requesting = client.state == DHCP_REQUESTING, accepted = false;

	if (client.state == DHCP_SELECTING) {
		if (r.type == DHCPOFFER && is_host_address(r.yiaddr) && server) {
			client.offered = r.yiaddr;
			client.server = server;
			client.state = DHCP_REQUESTING;
			client.interval_ns = 0;
			client.tries = 0;
			request(now);
			accepted = true;
		}
	} else if (r.type == DHCPNAK && (!requesting || !r.has_server || r.server == client.server)) {
		lose_address(now);
		accepted = true;
	} else if (r.type == DHCPACK && (!requesting || server == client.server)) {
		uint32_t wanted = requesting ? client.offered : inet_if.addr;
		if (r.yiaddr == wanted) {
			take_lease(&r, now);
			accepted = true;
		}
	}
	if (accepted) {
		inet_stats.dhcp_accepted++;
		inet_timer_request(next_deadline());
	} else {
		inet_stats.dhcp_ignored++;
	}
	return true;
}

uint64_t dhcp_timers(uint64_t now)
{
	uint64_t t1 = lease_time(client.lease.t1_s), t2 = lease_time(client.lease.t2_s),
		 expiry = lease_time(client.lease.lease_s);
	bool leased = client.state == DHCP_BOUND || client.state == DHCP_RENEWING ||
		      client.state == DHCP_REBINDING;

	if (leased && expiry && now >= expiry) {
		lose_address(now);
	} else if (leased && client.state != DHCP_REBINDING && t2 && now >= t2) {
		begin_exchange(DHCP_REBINDING, now);
		request(now);
	} else if (client.state == DHCP_BOUND && t1 && now >= t1) {
		begin_exchange(DHCP_RENEWING, now);
		request(now);
	} else if (client.state != DHCP_OFF && client.state != DHCP_BOUND &&
		   now >= client.retry_ns) {
		if (client.state == DHCP_SELECTING) {
			send_message(DHCPDISCOVER, now);
			schedule_retry(now);
		} else if (client.state == DHCP_REQUESTING && client.tries >= REQUEST_TRIES) {
			discover(now);
		} else {
			request(now);
		}
	}
	return next_deadline();
}

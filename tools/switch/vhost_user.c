/*
 * vhost_user.c: the vhost-user requests a virtio-net back end needs,
 * written from QEMU's docs/interop/vhost-user.rst:
 *   features: GET/SET_FEATURES (VIRTIO_F_VERSION_1 and the protocol
 *     feature bit), GET/SET_PROTOCOL_FEATURES (MQ, only to say "one queue
 *     pair", and REPLY_ACK), GET_QUEUE_NUM;
 *   session: SET_OWNER, RESET_OWNER (stops every ring);
 *   memory: SET_MEM_TABLE, its regions' fds over SCM_RIGHTS, mapped here;
 *   rings: SET_VRING_NUM/ADDR/BASE, SET_VRING_KICK (starts the ring),
 *     SET_VRING_CALL, SET_VRING_ERR (kept closed: we report no errors),
 *     SET_VRING_ENABLE, GET_VRING_BASE (stops the ring).
 * No live-migration logging (VHOST_F_LOG_ALL is not offered), no
 * mergeable receive buffers, no offloads, no event index: QEMU then keeps
 * those features from the guest.
 *
 * The control thread serves requests with the port's lock held, so a
 * worker never sees a ring half set up.
 */
#include "vhost_user.h"

#include "port.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

enum request {
	GET_FEATURES = 1, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE, SET_LOG_BASE,
	SET_LOG_FD, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE,
	SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR, GET_PROTOCOL_FEATURES,
	SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE,
};

#define FLAG_VERSION 0x1
#define FLAG_REPLY 0x4
#define FLAG_NEED_REPLY 0x8

#define F_VERSION_1 (1ULL << 32)
#define F_PROTOCOL_FEATURES (1ULL << 30)
#define OFFERED_FEATURES (F_VERSION_1 | F_PROTOCOL_FEATURES)

#define PROTOCOL_F_MQ (1ULL << 0)
#define PROTOCOL_F_REPLY_ACK (1ULL << 3)
#define OFFERED_PROTOCOL_FEATURES (PROTOCOL_F_MQ | PROTOCOL_F_REPLY_ACK)

#define VRING_INDEX_MASK 0xff
#define VRING_NOFD 0x100
#define MAX_FDS GUEST_MEMORY_MAX_REGIONS
#define RECEIVE_TIMEOUT_S 2

struct header {
	uint32_t request, flags, size;
};

struct vring_state {
	uint32_t index, num;
};

struct vring_addr {
	uint32_t index, flags;
	uint64_t desc_user, used_user, avail_user, log_guest;
};

struct memory_table {
	uint32_t count, padding;
	struct guest_region_desc regions[GUEST_MEMORY_MAX_REGIONS];
};

union payload {
	uint64_t u64;
	struct vring_state state;
	struct vring_addr addr;
	struct memory_table memory;
};

struct message {
	struct header header;
	union payload payload;
	int fds[MAX_FDS];
	unsigned fd_count;
};

int vhost_user_connect(const char *path, char *err, size_t err_size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval timeout = { .tv_sec = RECEIVE_TIMEOUT_S };

	if (strlen(path) >= sizeof addr.sun_path) {
		snprintf(err, err_size, "%s: path too long for a socket", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* QEMU sends each message whole: a stalled one is a dead peer, and
	 * must not hold up the control thread for long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	return fd;
}

static void close_fds(struct message *m)
{
	for (unsigned i = 0; i < m->fd_count; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->fd_count = 0;
}

/* The header with any fds (they come with its first byte), then the
 * payload. */
static int receive(int sock, struct message *m, char *err, size_t err_size)
{
	char control[CMSG_SPACE(MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &m->header, .iov_len = sizeof m->header };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof control };

	m->fd_count = 0;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned count = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (unsigned i = 0; i < count && m->fd_count < MAX_FDS; i++)
			memcpy(&m->fds[m->fd_count++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if (n == 0) {
		snprintf(err, err_size, "QEMU closed the connection");
		goto fail;
	}
	if (n != (ssize_t)sizeof m->header) {
		snprintf(err, err_size, "reading a request: %s", n < 0 ? strerror(errno) : "short read");
		goto fail;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		snprintf(err, err_size, "request %u came with more than %d fds", m->header.request,
			 MAX_FDS);
		goto fail;
	}
	if (m->header.size > sizeof m->payload) {
		snprintf(err, err_size, "request %u: payload of %u bytes (at most %zu)",
			 m->header.request, m->header.size, sizeof m->payload);
		goto fail;
	}
	memset(&m->payload, 0, sizeof m->payload);
	if (m->header.size &&
	    recv(sock, &m->payload, m->header.size, MSG_WAITALL) != (ssize_t)m->header.size) {
		snprintf(err, err_size, "request %u: payload cut short", m->header.request);
		goto fail;
	}
	return 0;
fail:
	close_fds(m);
	return -1;
}

static void reply(int sock, uint32_t request, const void *payload, uint32_t size)
{
	/* The payload follows the 12-byte header unaligned, as on the wire. */
	struct header header = { request, FLAG_VERSION | FLAG_REPLY, size };
	uint8_t out[sizeof header + sizeof(union payload)];

	memcpy(out, &header, sizeof header);
	memcpy(out + sizeof header, payload, size);
	/* A failed send shows as the connection closing on the next read. */
	(void)!send(sock, out, sizeof header + size, MSG_NOSIGNAL);
}

static void reply_u64(int sock, uint32_t request, uint64_t value)
{
	reply(sock, request, &value, sizeof value);
}

/* Finds the ring in memory once it has a size, addresses and memory. */
static void attach(struct port *p, int q)
{
	struct port_queue *pq = &p->queues[q];

	pq->attached = p->mem.count &&
		       vring_attach(&pq->ring, &p->mem, pq->num, pq->desc_user, pq->avail_user,
				    pq->used_user, pq->base) == 0;
	if (pq->started && !pq->attached)
		fprintf(stderr, "lull-switch: %s: ring %d (size %u) is not inside the memory table: "
			"not served\n", p->name, q, pq->num);
}

/* The queue a request names, or NULL (only one queue pair exists). */
static struct port_queue *queue_of(struct port *p, uint32_t index, const char **why)
{
	if (index >= QUEUE_COUNT) {
		*why = "no such ring (one queue pair only)";
		return NULL;
	}
	return &p->queues[index];
}

/* Takes ownership of one fd of the message (-1 if it has none). */
static int take_fd(struct message *m)
{
	if (!m->fd_count)
		return -1;
	int fd = m->fds[0];
	m->fds[0] = -1;
	return fd;
}

static const char *set_mem_table(int index, struct message *m)
{
	struct port *p = &ports[index];
	const struct memory_table *t = &m->payload.memory;
	struct guest_memory mem;
	static char why[160];

	if (t->count > GUEST_MEMORY_MAX_REGIONS || t->count != m->fd_count)
		return "a memory table whose region count and fd count differ";
	if (guest_memory_map(&mem, t->regions, m->fds, t->count, why, sizeof why) < 0)
		return why;
	guest_memory_unmap(&p->mem);
	p->mem = mem;
	for (int q = 0; q < QUEUE_COUNT; q++)
		attach(p, q);
	return NULL;
}

static const char *set_vring_kick(int index, struct message *m)
{
	struct port *p = &ports[index];
	const char *why = NULL;
	struct port_queue *pq = queue_of(p, (uint32_t)(m->payload.u64 & VRING_INDEX_MASK), &why);
	int q = (int)(m->payload.u64 & VRING_INDEX_MASK);

	if (!pq)
		return why;
	if ((m->payload.u64 & VRING_NOFD) || !m->fd_count)
		return "a kick without an eventfd (polling-only rings are not supported)";
	port_stop_queue(index, q);
	pq->kick = take_fd(m);
	fcntl(pq->kick, F_SETFL, O_NONBLOCK); /* QEMU's are already; workers rely on it */
	pq->started = true;
	if (!(p->features & F_PROTOCOL_FEATURES))
		pq->enabled = true;
	attach(p, q);
	if (q == QUEUE_TX)
		worker_watch_port(index);
	return NULL;
}

/* Serves one request with the port's lock held; returns why it failed,
 * or NULL. */
static const char *handle(int index, struct message *m)
{
	struct port *p = &ports[index];
	const union payload *in = &m->payload;
	const char *why = NULL;
	struct port_queue *pq;

	switch (m->header.request) {
	case GET_FEATURES:
		reply_u64(p->sock, GET_FEATURES, OFFERED_FEATURES);
		return NULL;
	case SET_FEATURES:
		if (in->u64 & ~OFFERED_FEATURES)
			return "features that were not offered";
		p->features = in->u64;
		return NULL;
	case GET_PROTOCOL_FEATURES:
		reply_u64(p->sock, GET_PROTOCOL_FEATURES, OFFERED_PROTOCOL_FEATURES);
		return NULL;
	case SET_PROTOCOL_FEATURES:
		if (in->u64 & ~OFFERED_PROTOCOL_FEATURES)
			return "protocol features that were not offered";
		p->protocol_features = in->u64;
		return NULL;
	case GET_QUEUE_NUM:
		reply_u64(p->sock, GET_QUEUE_NUM, 1);
		return NULL;
	case SET_OWNER:
		return NULL;
	case RESET_OWNER:
		port_reset(index);
		return NULL;
	case SET_MEM_TABLE:
		return set_mem_table(index, m);
	case SET_VRING_NUM:
		if (!(pq = queue_of(p, in->state.index, &why)))
			return why;
		if (!in->state.num || in->state.num > VRING_MAX_SIZE || (in->state.num & (in->state.num - 1)))
			return "a ring size that is not a power of two up to 32768";
		pq->num = in->state.num;
		return NULL;
	case SET_VRING_ADDR:
		if (!(pq = queue_of(p, in->addr.index, &why)))
			return why;
		pq->desc_user = in->addr.desc_user;
		pq->avail_user = in->addr.avail_user;
		pq->used_user = in->addr.used_user;
		if (pq->started)
			attach(p, (int)in->addr.index);
		return NULL;
	case SET_VRING_BASE:
		if (!(pq = queue_of(p, in->state.index, &why)))
			return why;
		pq->base = (uint16_t)in->state.num;
		return NULL;
	case GET_VRING_BASE: {
		struct vring_state state = { in->state.index, 0 };
		if ((pq = queue_of(p, in->state.index, &why))) {
			state.num = pq->attached ? pq->ring.last_avail : pq->base;
			pq->base = (uint16_t)state.num;
			port_stop_queue(index, (int)in->state.index);
		}
		reply(p->sock, GET_VRING_BASE, &state, sizeof state);
		return why;
	}
	case SET_VRING_KICK:
		return set_vring_kick(index, m);
	case SET_VRING_CALL:
		if (!(pq = queue_of(p, (uint32_t)(in->u64 & VRING_INDEX_MASK), &why)))
			return why;
		if (pq->call >= 0)
			close(pq->call);
		pq->call = (in->u64 & VRING_NOFD) ? -1 : take_fd(m);
		return NULL;
	case SET_VRING_ERR:
		return NULL; /* its fd is closed with the message's */
	case SET_VRING_ENABLE:
		if (!(pq = queue_of(p, in->state.index, &why)))
			return why;
		pq->enabled = in->state.num != 0;
		return NULL;
	case SET_LOG_BASE:
	case SET_LOG_FD:
		return "migration logging is not supported";
	default:
		return "an unknown request";
	}
}

/* Requests that carry their own reply never get a REPLY_ACK one. */
static bool has_reply(uint32_t request)
{
	return request == GET_FEATURES || request == GET_PROTOCOL_FEATURES ||
	       request == GET_QUEUE_NUM || request == GET_VRING_BASE;
}

int vhost_user_serve(int index, char *err, size_t err_size)
{
	struct port *p = &ports[index];
	struct message m;

	if (receive(p->sock, &m, err, err_size) < 0)
		return -1;
	pthread_mutex_lock(&p->lock);
	const char *why = handle(index, &m);
	if ((p->protocol_features & PROTOCOL_F_REPLY_ACK) && (m.header.flags & FLAG_NEED_REPLY) &&
	    !has_reply(m.header.request))
		reply_u64(p->sock, m.header.request, why != NULL);
	pthread_mutex_unlock(&p->lock);
	if (why)
		fprintf(stderr, "lull-switch: %s: request %u refused: %s\n", p->name, m.header.request,
			why);
	close_fds(&m);
	return 0;
}

/*
 * tcp_timer.c: TCP's deadlines (retransmission, delayed ACK, persist,
 * TIME_WAIT, cork, deferred accept), what each does when it comes, and the
 * timer wheel that finds the connections whose deadlines have come.
 *
 * A connection with any deadline armed is filed once in the wheel, under
 * its earliest: in the slot of that deadline's tick (WHEEL_TICK) if it
 * falls within WHEEL_SLOTS ticks of the wheel's position, on the far list
 * otherwise. A timer interrupt then visits only the slots it has passed
 * and the connections filed there: idle connections (no deadline) are in
 * no slot, and TIME_WAIT's are visited once, when their wait ends, so the
 * cost of an expiry does not grow with the connections that merely exist.
 * The wheel covers 4 s, more than TIME_WAIT (2.25 s at most) and every
 * RTO short of backing off; only long deadlines (backed-off RTOs, persist
 * probes, deferred accepts) sit on the far list, which is walked only when
 * its earliest comes within the wheel's reach.
 *
 * Entries in a slot all have the same tick, or are already due (the
 * wheel never files one further than a turn ahead, and files what is due
 * where it stands), so the first occupied slot from the wheel's position
 * holds the earliest deadline, and a bitmap finds it. The wheel takes
 * 96 KiB, whatever the number of connections.
 */
#include "inet/tcp_private.h"

#include "lib/errno.h"

#define WHEEL_SLOTS 4096
#define WHEEL_TICK MS
#define FAR WHEEL_SLOTS /* wheel_slot of a connection on the far list */
#define MAX_RETRIES 8

static struct {
	struct list_node slot[WHEEL_SLOTS];
	/* The earliest deadline filed in each slot since it was last empty:
	 * one filed later may have gone, so this may be early (a timer
	 * interrupt that finds nothing due), never late. */
	uint64_t slot_earliest[WHEEL_SLOTS];
	uint64_t occupied[WHEEL_SLOTS / 64];
	struct list_node far;
	uint64_t far_earliest; /* as slot_earliest; 0: the far list is empty */
	uint64_t tick;         /* the first tick whose slot may hold due entries */
	unsigned filed;        /* connections in slots or on the far list */
	bool ready;
} wheel;

static void wheel_init(void)
{
	for (unsigned i = 0; i < WHEEL_SLOTS; i++)
		list_init(&wheel.slot[i]);
	list_init(&wheel.far);
	wheel.ready = true;
}

static void file(struct inet_socket *s, uint64_t when)
{
	struct tcp_control *t = &s->tcp;
	uint64_t tick = when / WHEEL_TICK;

	if (!wheel.ready)
		wheel_init();
	/* An empty wheel can move to the present at no cost: nothing is
	 * filed behind it. */
	uint64_t now_tick = inet_clock_ns() / WHEEL_TICK;
	if (!wheel.filed && now_tick > wheel.tick)
		wheel.tick = now_tick;
	wheel.filed++;
	t->wheel_when = when;
	if (tick >= wheel.tick + WHEEL_SLOTS) {
		t->wheel_slot = FAR;
		list_push_back(&wheel.far, &t->wheel_link);
		if (!wheel.far_earliest || when < wheel.far_earliest)
			wheel.far_earliest = when;
		return;
	}
	/* One already due goes where the wheel stands: it runs next. */
	unsigned i = (unsigned)((tick < wheel.tick ? wheel.tick : tick) % WHEEL_SLOTS);
	t->wheel_slot = i;
	if (list_empty(&wheel.slot[i]) || when < wheel.slot_earliest[i])
		wheel.slot_earliest[i] = when;
	wheel.occupied[i / 64] |= 1ull << (i % 64);
	list_push_back(&wheel.slot[i], &t->wheel_link);
}

static void unfile(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	if (!t->wheel_when)
		return;
	list_remove(&t->wheel_link);
	t->wheel_when = 0;
	wheel.filed--;
	if (t->wheel_slot == FAR) {
		if (list_empty(&wheel.far))
			wheel.far_earliest = 0;
	} else if (list_empty(&wheel.slot[t->wheel_slot])) {
		wheel.occupied[t->wheel_slot / 64] &= ~(1ull << (t->wheel_slot % 64));
	}
}

/* Files the connection under its earliest deadline, if it has one. */
static void refile(struct inet_socket *s)
{
	uint64_t earliest = 0;

	for (unsigned i = 0; i < TCP_TIMER_COUNT; i++) {
		uint64_t d = s->tcp.deadline[i];
		if (d && (!earliest || d < earliest))
			earliest = d;
	}
	if (earliest == s->tcp.wheel_when)
		return;
	unfile(s);
	if (earliest)
		file(s, earliest);
}

void tcp_timer_set(struct inet_socket *s, enum tcp_timer which, uint64_t deadline)
{
	if (s->tcp.deadline[which] == deadline)
		return;
	s->tcp.deadline[which] = deadline;
	refile(s);
	if (deadline)
		inet_timer_request(deadline);
}

void tcp_timer_arm_in(struct inet_socket *s, enum tcp_timer which, uint64_t delay_ns)
{
	tcp_timer_set(s, which, inet_clock_ns() + delay_ns);
}

void tcp_timers_stop(struct inet_socket *s, unsigned mask)
{
	for (unsigned i = 0; i < TCP_TIMER_COUNT; i++)
		if (mask & 1u << i)
			s->tcp.deadline[i] = 0;
	refile(s);
}

void tcp_timer_forget(struct inet_socket *s)
{
	unfile(s);
}

/* What each deadline does when it comes; true if the connection ended
 * (and its socket may be gone). */
static bool time_wait_over(struct inet_socket *s, uint64_t now)
{
	(void)now;
	tcp_enter_closed(s, 0);
	return true;
}

static bool delayed_ack_due(struct inet_socket *s, uint64_t now)
{
	(void)now;
	tcp_send_ack(s);
	return false;
}

static bool retransmit_due(struct inet_socket *s, uint64_t now)
{
	struct tcp_control *t = &s->tcp;

	if (++t->retries > MAX_RETRIES) {
		tcp_enter_closed(s, ETIMEDOUT);
		return true;
	}
	/* A probe into a closed window says nothing about congestion. */
	if (!tcp_handshaking(t) && t->snd_wnd) {
		tcp_enter_recovery(t);
		t->cwnd = t->mss;
	}
	t->dupacks = 0;
	t->rto_ns = t->rto_ns * 2 > RTO_MAX ? RTO_MAX : t->rto_ns * 2;
	tcp_retransmit_first(s);
	tcp_timer_set(s, TCP_TIMER_RETRANSMIT, now + t->rto_ns);
	return false;
}

static bool defer_accept_over(struct inet_socket *s, uint64_t now)
{
	(void)now;
	tcp_offer_for_accept(s, true); /* armed only while deferred */
	return false;
}

static bool cork_over(struct inet_socket *s, uint64_t now)
{
	(void)now;
	s->tcp.cork_lifted = true;
	tcp_output(s);
	return false;
}

static bool persist_due(struct inet_socket *s, uint64_t now)
{
	(void)now;
	tcp_probe_window(s);
	return false;
}

static bool (*const expire[TCP_TIMER_COUNT])(struct inet_socket *, uint64_t) = {
	[TCP_TIMER_TIME_WAIT] = time_wait_over,   [TCP_TIMER_DELAYED_ACK] = delayed_ack_due,
	[TCP_TIMER_RETRANSMIT] = retransmit_due,  [TCP_TIMER_DEFER_ACCEPT] = defer_accept_over,
	[TCP_TIMER_CORK] = cork_over,             [TCP_TIMER_PERSIST] = persist_due,
};

/* Runs one connection's due deadlines, in the enum's order. It was taken
 * off the wheel; it goes back under its earliest deadline first, and what
 * the deadlines arm files it again. */
static void run_connection(struct inet_socket *s, uint64_t now)
{
	inet_stats.tcp_timer_visits++;
	refile(s);
	for (unsigned i = 0; i < TCP_TIMER_COUNT; i++) {
		uint64_t d = s->tcp.deadline[i];
		if (!d || now < d)
			continue;
		tcp_timer_set(s, (enum tcp_timer)i, 0);
		if (expire[i](s, now))
			return;
	}
}

/* Moves a whole list to `to` (a list head on the stack). */
static void take_list(struct list_node *from, struct list_node *to)
{
	list_init(to);
	if (list_empty(from))
		return;
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	list_init(from);
}

/* Takes a slot's connections off the wheel and runs them. A deadline run
 * may end another connection still on the taken list: its socket then
 * leaves that list (tcp_timer_forget). */
static void run_slot(unsigned i, uint64_t now)
{
	struct list_node taken;

	if (!(wheel.occupied[i / 64] & 1ull << (i % 64)))
		return;
	take_list(&wheel.slot[i], &taken);
	wheel.occupied[i / 64] &= ~(1ull << (i % 64));
	for (struct list_node *n; (n = list_pop_front(&taken));) {
		struct inet_socket *s = container_of(n, struct inet_socket, tcp.wheel_link);
		unfile(s);
		run_connection(s, now);
	}
}

/* Files again, in a slot, what the wheel can now reach, and runs what is
 * due. */
static void bring_far_in(uint64_t now)
{
	struct list_node taken;

	if (!wheel.far_earliest || wheel.far_earliest / WHEEL_TICK >= wheel.tick + WHEEL_SLOTS)
		return;
	take_list(&wheel.far, &taken);
	wheel.far_earliest = 0;
	for (struct list_node *n; (n = list_pop_front(&taken));) {
		struct inet_socket *s = container_of(n, struct inet_socket, tcp.wheel_link);
		unfile(s);
		refile(s);
		if (s->tcp.wheel_when && s->tcp.wheel_when <= now)
			run_connection(s, now);
	}
}

/* The first occupied slot from the wheel's position on, in time order;
 * -1 if none. */
static int first_occupied(void)
{
	unsigned start = (unsigned)(wheel.tick % WHEEL_SLOTS), words = WHEEL_SLOTS / 64;

	for (unsigned k = 0; k <= words; k++) {
		unsigned w = (start / 64 + k) % words;
		uint64_t bits = wheel.occupied[w];
		if (k == 0)
			bits &= ~0ull << (start % 64);
		else if (k == words)
			bits &= ~(~0ull << (start % 64));
		if (bits)
			return (int)(w * 64 + (unsigned)__builtin_ctzll(bits));
	}
	return -1;
}

uint64_t tcp_timers(uint64_t now)
{
	uint64_t target = now / WHEEL_TICK, from = wheel.tick;

	if (!wheel.ready)
		wheel_init();
	if (target >= from) {
		uint64_t steps = target - from + 1;
		for (uint64_t k = 0; k < steps && k < WHEEL_SLOTS; k++)
			run_slot((unsigned)((from + k) % WHEEL_SLOTS), now);
		if (target > wheel.tick)
			wheel.tick = target;
	}
	bring_far_in(now);
	int first = first_occupied();
	uint64_t next = wheel.far_earliest;
	if (first >= 0 && (!next || wheel.slot_earliest[first] < next))
		next = wheel.slot_earliest[first];
	return next;
}

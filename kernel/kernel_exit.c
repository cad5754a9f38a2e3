/* kernel_exit.c: ends the VM with the application's exit status, first
 * printing the per-core counters when asked to (lull.stats=1). */
#include "kernel_exit.h"

#include "app.h"
#include "arch.h"
#include "console.h"
#include "drivers/blockdev.h"
#include "drivers/netdev.h"
#include "fs/vfs.h"
#include "inet/inet.h"
#include "inet/socket.h"
#include "lib/format.h"
#include "mm/file_map.h"
#include "sched/sched.h"

#include <lull/lull.h>

/* "-" where the hypervisor does not report steal, so that it is not read
 * as none stolen. */
static const char *steal_text(bool has_steal, uint64_t steal_ns, char *buf, size_t size)
{
	if (!has_steal)
		return "-";
	format_string(buf, size, "%lu", (unsigned long)(steal_ns / 1000000));
	return buf;
}

static void print_stats(void)
{
	kprintf("lull: stats: cpu busy_ms halted_ms halts wakeups ipi_sent ipi_recv timer_irqs "
		"switches steal_ms\n");
	for (unsigned i = 0; i < cpu_count; i++) {
		struct lull_cpu_stats s;
		char steal[24];
		bool has_steal = sched_cpu_stats(i, &s);
		kprintf("lull: stats: %u %lu %lu %lu %lu %lu %lu %lu %lu %s\n", i,
			(unsigned long)(s.busy_ns / 1000000), (unsigned long)(s.halted_ns / 1000000),
			(unsigned long)s.halts, (unsigned long)s.wakeups, (unsigned long)s.ipis_sent,
			(unsigned long)s.ipis_received, (unsigned long)s.timer_interrupts,
			(unsigned long)s.context_switches, steal_text(has_steal, s.steal_ns, steal, sizeof steal));
	}
}

static void print_network_stats(void)
{
	struct netdev *dev = netdev_get(0);
	const struct inet_stats *n = &inet_stats;

	if (!dev)
		return;
	kprintf("lull: stats: %s rx %lu packets %lu bytes %lu dropped, tx %lu packets %lu bytes "
		"%lu dropped, %lu kicks, %lu interrupts\n",
		dev->name, (unsigned long)dev->stats.rx_packets, (unsigned long)dev->stats.rx_bytes,
		(unsigned long)dev->stats.rx_dropped, (unsigned long)dev->stats.tx_packets,
		(unsigned long)dev->stats.tx_bytes, (unsigned long)dev->stats.tx_dropped,
		(unsigned long)dev->stats.kicks, (unsigned long)dev->stats.interrupts);
	kprintf("lull: stats: inet drops: malformed %lu checksum %lu not-ours %lu fragment %lu "
		"protocol %lu no-socket %lu queue-full %lu no-memory %lu arp %lu old-timestamp %lu; "
		"tcp retransmits %lu (%lu bytes) resets %lu; "
		"dhcp sent %lu accepted %lu ignored %lu\n",
		(unsigned long)n->drop_malformed, (unsigned long)n->drop_checksum,
		(unsigned long)n->drop_not_ours, (unsigned long)n->drop_fragment,
		(unsigned long)n->drop_protocol, (unsigned long)n->drop_no_socket,
		(unsigned long)n->drop_queue_full, (unsigned long)n->drop_no_memory,
		(unsigned long)n->drop_arp_unresolved, (unsigned long)n->drop_old_timestamp,
		(unsigned long)n->tcp_retransmits, (unsigned long)n->tcp_retransmitted_bytes,
		(unsigned long)n->tcp_resets_sent,
		(unsigned long)n->dhcp_sent, (unsigned long)n->dhcp_accepted,
		(unsigned long)n->dhcp_ignored);
}

static void print_disk_stats(void)
{
	for (unsigned i = 0; i < blockdev_count(); i++) {
		const struct blockdev *d = blockdev_get(i);
		const struct blockdev_stats *s = &d->stats;
		kprintf("lull: stats: %s reads %lu (%lu sectors), writes %lu (%lu sectors), "
			"flushes %lu, errors %lu\n",
			d->name, (unsigned long)s->reads, (unsigned long)s->sectors_read,
			(unsigned long)s->writes, (unsigned long)s->sectors_written,
			(unsigned long)s->flushes, (unsigned long)s->errors);
	}
}

/* Milliseconds from now to a deadline; -1 if it is not armed. */
static long ms_until(uint64_t deadline, uint64_t now)
{
	return deadline ? (long)(deadline - now) / 1000000 : -1L;
}

/* Connections still open at exit, with what they wait for: the first
 * thing to look at when a transfer stalled. */
static void print_connections(void)
{
	uint64_t now = arch_clock_ns();

	for (struct list_node *n = tcp_sockets.next; n != &tcp_sockets; n = n->next) {
		const struct inet_socket *s = container_of(n, struct inet_socket, link);
		const struct tcp_control *t = &s->tcp;
		if (tcp_is_listening(s))
			continue;
		kprintf("lull: stats: tcp %u->%u state %d unacked %u peer-window %u cwnd %u "
			"our-window %lu rto-in-ms %ld persist-in-ms %ld sndbuf %lu rcvbuf %lu\n",
			s->local_port, s->remote_port, t->state, t->snd_nxt - t->snd_una, t->snd_wnd,
			t->cwnd, (unsigned long)(s->rcvbuf.size - s->rcvbuf.len),
			ms_until(t->deadline[TCP_TIMER_RETRANSMIT], now),
			ms_until(t->deadline[TCP_TIMER_PERSIST], now),
			(unsigned long)s->sndbuf.len, (unsigned long)s->rcvbuf.len);
	}
}

/* Whatever the application wrote, also through shared mappings, reaches
 * its disks before the VM ends. */
void kernel_exit(int status)
{
	file_map_write_back_all();
	vfs_sync_all();
	if (kernel_options.print_stats) {
		print_stats();
		print_network_stats();
		print_disk_stats();
		print_connections();
	}
	arch_exit_vm(status);
}

/*
 * stats_page_format.h: the page of per-core counters a Lull guest keeps in
 * its memory for the host to read, shared by the kernel that writes it and
 * `lull top`, which reads it.
 *
 * Why a page and not a device: reading it costs the guest nothing. The host
 * reads guest memory through QEMU's monitor (QMP's human-monitor-command
 * "xp"), so a halted guest stays halted while it is watched. The page lives
 * at the image's symbol STATS_PAGE_SYMBOL; Lull runs identity-mapped, so
 * that address is also the guest-physical one.
 *
 * Layout: little-endian, a header then one record per core, every field a
 * naturally aligned 64-bit word (so each is read whole, never torn). A
 * record's counters only grow. The host checks magic, version and sizes
 * before it trusts anything.
 *
 * Consistency: a core changes `halted`, `halted_since_ns` and `halted_ns`
 * together, inside a sequence count (odd while it writes, as in a seqlock).
 * A reader that finds seq odd, or different before and after its read,
 * reads again.
 *
 * Halted time: halted_ns counts finished halts only. While halted is 1 the
 * halt in progress began at halted_since_ns (guest clock: nanoseconds since
 * boot). updated_ns is the guest clock at the record's last change, which
 * lets a reader estimate the guest clock now (it is at least that).
 */
#ifndef LULL_STATS_PAGE_FORMAT_H
#define LULL_STATS_PAGE_FORMAT_H

#include <stdint.h>

#define STATS_PAGE_MAGIC 0x31534154534c4c55ULL /* "ULLSTAT1", little-endian */
#define STATS_PAGE_VERSION 1
#define STATS_PAGE_SYMBOL "lull_stats_page"
#define STATS_PAGE_MAX_CPUS 64

/* Header flags. */
#define STATS_PAGE_HAS_STEAL 1u /* steal_ns comes from the hypervisor (KVM) */

struct stats_page_cpu {
	uint64_t seq;              /* odd while halt state is written */
	uint64_t halted;           /* 1 while the core waits in hlt */
	uint64_t halted_since_ns;  /* start of the halt in progress */
	uint64_t halted_ns;        /* sum of finished halts */
	uint64_t updated_ns;       /* guest clock at the last change */
	uint64_t halts;            /* times the core halted */
	uint64_t wakeups;          /* threads made ready on this core */
	uint64_t ipis_sent;        /* wake-up interrupts this core sent */
	uint64_t ipis_received;    /* wake-up interrupts this core took */
	uint64_t timer_interrupts; /* local timer interrupts taken */
	uint64_t context_switches;
	uint64_t steal_ns;         /* time the hypervisor ran something else while
	                              this vCPU wanted to run (KVM steal time); 0
	                              without STATS_PAGE_HAS_STEAL */
	uint64_t reserved[4];
};

struct stats_page {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size;  /* offset of cpu[]: STATS_PAGE_HEADER_SIZE */
	uint32_t record_size;  /* STATS_PAGE_RECORD_SIZE */
	uint32_t cpu_count;    /* cores started; records beyond are zero */
	uint32_t flags;        /* STATS_PAGE_HAS_STEAL... */
	uint32_t reserved0;
	uint64_t boot_wallclock_ns; /* the guest's wall clock at boot (RTC) */
	uint64_t reserved[3];
	struct stats_page_cpu cpu[STATS_PAGE_MAX_CPUS];
};

#define STATS_PAGE_HEADER_SIZE 64u
#define STATS_PAGE_RECORD_SIZE 128u

_Static_assert(sizeof(struct stats_page_cpu) == STATS_PAGE_RECORD_SIZE, "record layout");
_Static_assert(__builtin_offsetof(struct stats_page, cpu) == STATS_PAGE_HEADER_SIZE, "header layout");

#endif

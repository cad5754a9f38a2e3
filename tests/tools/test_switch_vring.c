/*
 * test_switch_vring.c: lull-switch's ring handling against rings built by
 * hand in a memfd mapped as a guest's memory: good chains both ways, and
 * every kind of bad descriptor a guest can write, each refused without a
 * byte read outside the memory table.
 */
// unit-under-test: tools/switch/vring.c tools/switch/guest_memory.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest_memory.h"
#include "vring.h"

#define MEM_SIZE (1 << 20)
#define GUEST_BASE 0x100000ULL   /* guest physical address of the region */
#define USER_BASE 0x7f0000000000ULL /* QEMU's address of it */
#define DESC_OFF 0x0
#define AVAIL_OFF 0x4000
#define USED_OFF 0x8000
#define BUF_OFF 0x20000

struct rig {
	int fd;
	struct guest_memory mem;
	struct vring ring;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;
};

static void rig_setup(struct rig *r, unsigned num)
{
	char err[128];
	struct guest_region_desc region = { GUEST_BASE, MEM_SIZE, USER_BASE, 0 };

	memset(r, 0, sizeof *r);
	r->fd = memfd_create("guest", 0);
	assert_true(r->fd >= 0);
	assert_int_equal(ftruncate(r->fd, MEM_SIZE), 0);
	assert_int_equal(guest_memory_map(&r->mem, &region, &r->fd, 1, err, sizeof err), 0);
	r->desc = guest_memory_at(&r->mem, GUEST_BASE + DESC_OFF, 16);
	r->avail = guest_memory_at(&r->mem, GUEST_BASE + AVAIL_OFF, 4);
	r->used = guest_memory_at(&r->mem, GUEST_BASE + USED_OFF, 4);
	assert_int_equal(vring_attach(&r->ring, &r->mem, num, USER_BASE + DESC_OFF,
				      USER_BASE + AVAIL_OFF, USER_BASE + USED_OFF, 0), 0);
}

static void rig_teardown(struct rig *r)
{
	guest_memory_unmap(&r->mem);
	close(r->fd);
}

static void set_desc(struct rig *r, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	r->desc[i] = (struct vring_desc){ addr, len, flags, next };
}

static void publish(struct rig *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % r->ring.num] = head;
	r->avail->idx = ++r->avail_idx;
}

static uint8_t *buffer(struct rig *r, unsigned k)
{
	return guest_memory_at(&r->mem, GUEST_BASE + BUF_OFF + 2048ULL * k, 2048);
}

static uint64_t buffer_addr(unsigned k)
{
	return GUEST_BASE + BUF_OFF + 2048ULL * k;
}

/* Pops one chain that must be refused with `want`; the guest gets the
 * head back with length 0 unless the head itself was bad. */
static void expect_refused(struct rig *r, bool device_writes, enum vring_status want)
{
	struct vring_chain c;
	uint16_t used_before = r->used->idx;

	assert_int_equal(vring_pop_avail(&r->ring, &r->mem, device_writes, &c), want);
	if (want == VRING_BAD_HEAD || want == VRING_BAD_INDEX) {
		assert_int_equal(r->used->idx, used_before);
	} else {
		assert_int_equal(r->used->idx, (uint16_t)(used_before + 1));
		assert_int_equal(r->used->ring[used_before % r->ring.num].len, 0);
	}
}

static void test_transmit_chain_of_two(void **state)
{
	(void)state;
	struct rig r;
	struct vring_chain c;
	uint8_t out[100];

	rig_setup(&r, 256);
	memset(buffer(&r, 0), 'a', 12);
	memset(buffer(&r, 1), 'b', 60);
	set_desc(&r, 5, buffer_addr(0), 12, VRING_DESC_F_NEXT, 9);
	set_desc(&r, 9, buffer_addr(1), 60, 0, 0);
	publish(&r, 5);
	assert_true(vring_avail_pending(&r.ring));
	assert_int_equal(vring_pop_avail(&r.ring, &r.mem, false, &c), VRING_CHAIN);
	assert_int_equal(c.head, 5);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.total, 72);
	/* Reading across the segment boundary, from an offset. */
	assert_int_equal(vring_chain_read(&c, 10, out, sizeof out), 62);
	assert_int_equal(out[0], 'a');
	assert_int_equal(out[1], 'a');
	assert_int_equal(out[2], 'b');
	assert_int_equal(out[61], 'b');
	vring_push_used(&r.ring, c.head, 0);
	assert_int_equal(r.used->idx, 1);
	assert_int_equal(r.used->ring[0].id, 5);
	assert_int_equal(vring_pop_avail(&r.ring, &r.mem, false, &c), VRING_EMPTY);
	assert_false(vring_avail_pending(&r.ring));
	rig_teardown(&r);
}

static void test_receive_chain_written_across_segments(void **state)
{
	(void)state;
	struct rig r;
	struct vring_chain c;
	const char text[] = "0123456789";

	rig_setup(&r, 8);
	set_desc(&r, 0, buffer_addr(0), 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(&r, 1, buffer_addr(1), 100, VRING_DESC_F_WRITE, 0);
	publish(&r, 0);
	assert_int_equal(vring_pop_avail(&r.ring, &r.mem, true, &c), VRING_CHAIN);
	assert_int_equal(vring_chain_write(&c, 2, text, 10), 10);
	assert_memory_equal(buffer(&r, 0) + 2, "01", 2);
	assert_memory_equal(buffer(&r, 1), "23456789", 8);
	/* Writing past the chain's end stops at its end. */
	assert_int_equal(vring_chain_write(&c, 100, text, 10), 4);
	vring_push_used(&r.ring, c.head, 12);
	assert_int_equal(r.used->ring[0].len, 12);
	rig_teardown(&r);
}

static void test_bad_head_index(void **state)
{
	(void)state;
	struct rig r;

	rig_setup(&r, 8);
	publish(&r, 8);
	expect_refused(&r, false, VRING_BAD_HEAD);
	publish(&r, 0xffff);
	expect_refused(&r, false, VRING_BAD_HEAD);
	rig_teardown(&r);
}

static void test_bad_next_index(void **state)
{
	(void)state;
	struct rig r;

	rig_setup(&r, 8);
	set_desc(&r, 0, buffer_addr(0), 10, VRING_DESC_F_NEXT, 8);
	publish(&r, 0);
	expect_refused(&r, false, VRING_BAD_NEXT);
	rig_teardown(&r);
}

static void test_loop_in_chain(void **state)
{
	(void)state;
	struct rig r;

	rig_setup(&r, 8);
	set_desc(&r, 0, buffer_addr(0), 10, VRING_DESC_F_NEXT, 1);
	set_desc(&r, 1, buffer_addr(1), 10, VRING_DESC_F_NEXT, 0);
	publish(&r, 0);
	expect_refused(&r, false, VRING_LOOP);
	/* A descriptor that names itself. */
	set_desc(&r, 3, buffer_addr(0), 10, VRING_DESC_F_NEXT, 3);
	publish(&r, 3);
	expect_refused(&r, false, VRING_LOOP);
	rig_teardown(&r);
}

static void test_chain_too_long(void **state)
{
	(void)state;
	struct rig r;

	rig_setup(&r, 256);
	for (unsigned i = 0; i <= VRING_CHAIN_MAX; i++)
		set_desc(&r, i, buffer_addr(0), 1, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(&r, VRING_CHAIN_MAX, buffer_addr(0), 1, 0, 0);
	publish(&r, 0);
	expect_refused(&r, false, VRING_TOO_LONG);
	/* VRING_CHAIN_MAX descriptors exactly are fine. */
	set_desc(&r, VRING_CHAIN_MAX - 1, buffer_addr(0), 1, 0, 0);
	publish(&r, 0);
	struct vring_chain c;
	assert_int_equal(vring_pop_avail(&r.ring, &r.mem, false, &c), VRING_CHAIN);
	assert_int_equal(c.count, VRING_CHAIN_MAX);
	rig_teardown(&r);
}

static void test_addresses_outside_memory(void **state)
{
	(void)state;
	struct rig r;
	const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ 0, 16 },                                   /* below the region */
		{ GUEST_BASE - 8, 16 },                      /* starts below, ends inside */
		{ GUEST_BASE + MEM_SIZE, 1 },                /* just past the end */
		{ GUEST_BASE + MEM_SIZE - 8, 16 },           /* runs past the end */
		{ GUEST_BASE + 4096, 0xffffffff },           /* longer than the region */
		{ UINT64_MAX - 8, 64 },                      /* wraps around */
		{ USER_BASE + BUF_OFF, 16 },                 /* QEMU's address, not the guest's */
	};

	rig_setup(&r, 8);
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		set_desc(&r, 2, bad[k].addr, bad[k].len, 0, 0);
		publish(&r, 2);
		expect_refused(&r, false, VRING_BAD_ADDRESS);
	}
	/* A bad second segment after a good first one. */
	set_desc(&r, 0, buffer_addr(0), 10, VRING_DESC_F_NEXT, 1);
	set_desc(&r, 1, GUEST_BASE + MEM_SIZE - 1, 2, 0, 0);
	publish(&r, 0);
	expect_refused(&r, false, VRING_BAD_ADDRESS);
	/* The last byte of the region is fine. */
	set_desc(&r, 1, GUEST_BASE + MEM_SIZE - 1, 1, 0, 0);
	publish(&r, 0);
	struct vring_chain c;
	assert_int_equal(vring_pop_avail(&r.ring, &r.mem, false, &c), VRING_CHAIN);
	rig_teardown(&r);
}

static void test_wrong_direction(void **state)
{
	(void)state;
	struct rig r;

	rig_setup(&r, 8);
	/* Transmit: a writable buffer. */
	set_desc(&r, 0, buffer_addr(0), 10, VRING_DESC_F_NEXT, 1);
	set_desc(&r, 1, buffer_addr(1), 10, VRING_DESC_F_WRITE, 0);
	publish(&r, 0);
	expect_refused(&r, false, VRING_BAD_DIRECTION);
	/* Receive: a readable one. */
	set_desc(&r, 2, buffer_addr(2), 10, 0, 0);
	publish(&r, 2);
	expect_refused(&r, true, VRING_BAD_DIRECTION);
	rig_teardown(&r);
}

static void test_indirect_not_negotiated(void **state)
{
	(void)state;
	struct rig r;

	rig_setup(&r, 8);
	set_desc(&r, 0, buffer_addr(0), 32, VRING_DESC_F_INDIRECT, 0);
	publish(&r, 0);
	expect_refused(&r, false, VRING_INDIRECT);
	rig_teardown(&r);
}

static void test_available_index_runs_ahead(void **state)
{
	(void)state;
	struct rig r;
	struct vring_chain c;

	rig_setup(&r, 8);
	r.avail->idx = 9; /* nine new entries in a ring of eight */
	expect_refused(&r, false, VRING_BAD_INDEX);
	/* The ring is given up until it is set up again. */
	assert_int_equal(vring_pop_avail(&r.ring, &r.mem, false, &c), VRING_EMPTY);
	assert_false(vring_avail_pending(&r.ring));
	rig_teardown(&r);
}

static void test_index_wraps_at_65536(void **state)
{
	(void)state;
	struct rig r;
	struct vring_chain c;

	rig_setup(&r, 8);
	assert_int_equal(vring_attach(&r.ring, &r.mem, 8, USER_BASE + DESC_OFF, USER_BASE + AVAIL_OFF,
				      USER_BASE + USED_OFF, 0xfffe), 0);
	r.avail_idx = 0xfffe;
	set_desc(&r, 0, buffer_addr(0), 20, 0, 0);
	for (int k = 0; k < 4; k++) {
		publish(&r, 0);
		assert_int_equal(vring_pop_avail(&r.ring, &r.mem, false, &c), VRING_CHAIN);
		vring_push_used(&r.ring, c.head, 0);
	}
	assert_int_equal(r.ring.last_avail, 2);
	rig_teardown(&r);
}

static void test_attach_refuses_bad_rings(void **state)
{
	(void)state;
	struct rig r;
	struct vring ring;

	rig_setup(&r, 8);
	uint64_t d = USER_BASE + DESC_OFF, a = USER_BASE + AVAIL_OFF, u = USER_BASE + USED_OFF;
	assert_int_equal(vring_attach(&ring, &r.mem, 0, d, a, u, 0), -1);
	assert_int_equal(vring_attach(&ring, &r.mem, 12, d, a, u, 0), -1);
	assert_int_equal(vring_attach(&ring, &r.mem, 65536, d, a, u, 0), -1);
	assert_int_equal(vring_attach(&ring, &r.mem, 8, d + 8, a, u, 0), -1);
	assert_int_equal(vring_attach(&ring, &r.mem, 8, d, a + 1, u, 0), -1);
	assert_int_equal(vring_attach(&ring, &r.mem, 8, d, a, u + 2, 0), -1);
	/* A used ring that ends past the region. */
	assert_int_equal(vring_attach(&ring, &r.mem, 8, d, a, USER_BASE + MEM_SIZE - 16, 0), -1);
	/* A guest physical address where a user address belongs. */
	assert_int_equal(vring_attach(&ring, &r.mem, 8, GUEST_BASE, a, u, 0), -1);
	rig_teardown(&r);
}

static void test_notification_flags(void **state)
{
	(void)state;
	struct rig r;

	rig_setup(&r, 8);
	assert_true(vring_wants_interrupt(&r.ring));
	r.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	assert_false(vring_wants_interrupt(&r.ring));
	vring_suppress_kicks(&r.ring, true);
	assert_int_equal(r.used->flags, VRING_USED_F_NO_NOTIFY);
	vring_suppress_kicks(&r.ring, false);
	assert_int_equal(r.used->flags, 0);
	rig_teardown(&r);
}

static void test_memory_table_errors(void **state)
{
	(void)state;
	struct guest_memory m;
	char err[128];
	struct guest_region_desc regions[GUEST_MEMORY_MAX_REGIONS + 1] = { 0 };
	int fds[GUEST_MEMORY_MAX_REGIONS + 1] = { 0 };

	assert_int_equal(guest_memory_map(&m, regions, fds, GUEST_MEMORY_MAX_REGIONS + 1, err,
					  sizeof err), -1);
	regions[0] = (struct guest_region_desc){ GUEST_BASE, 0, USER_BASE, 0 };
	assert_int_equal(guest_memory_map(&m, regions, fds, 1, err, sizeof err), -1);
	regions[0] = (struct guest_region_desc){ UINT64_MAX - 10, 4096, USER_BASE, 0 };
	assert_int_equal(guest_memory_map(&m, regions, fds, 1, err, sizeof err), -1);
	regions[0] = (struct guest_region_desc){ GUEST_BASE, 4096, USER_BASE, UINT64_MAX - 100 };
	assert_int_equal(guest_memory_map(&m, regions, fds, 1, err, sizeof err), -1);
	fds[0] = -1;
	regions[0] = (struct guest_region_desc){ GUEST_BASE, 4096, USER_BASE, 0 };
	assert_int_equal(guest_memory_map(&m, regions, fds, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "mmap"));
	assert_int_equal(m.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transmit_chain_of_two),
		cmocka_unit_test(test_receive_chain_written_across_segments),
		cmocka_unit_test(test_bad_head_index),
		cmocka_unit_test(test_bad_next_index),
		cmocka_unit_test(test_loop_in_chain),
		cmocka_unit_test(test_chain_too_long),
		cmocka_unit_test(test_addresses_outside_memory),
		cmocka_unit_test(test_wrong_direction),
		cmocka_unit_test(test_indirect_not_negotiated),
		cmocka_unit_test(test_available_index_runs_ahead),
		cmocka_unit_test(test_index_wraps_at_65536),
		cmocka_unit_test(test_attach_refuses_bad_rings),
		cmocka_unit_test(test_notification_flags),
		cmocka_unit_test(test_memory_table_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

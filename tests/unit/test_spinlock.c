/* test_spinlock.c: kernel/sync/spinlock.c on one simulated core: interrupt
 * state, and waiters that halt until the unlock's IPI. "Another core" is
 * played by the fake halt, which runs code while this core is halted. */
// unit-under-test: kernel/sync/spinlock.c tests/unit/fake_arch.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "sync/spinlock.h"

static struct spinlock lock;

static int reset(void **state)
{
	(void)state;
	lock = (struct spinlock){ 0 };
	fake_interrupts_enabled = true;
	fake_relax_calls = fake_halts = 0;
	fake_on_halt = NULL;
	fake_on_relax = NULL;
	fake_ipis_sent = 0;
	fake_cpu_id = 0;
	return 0;
}

static void test_uncontended_lock_disables_and_restores_interrupts(void **state)
{
	(void)state;
	spin_lock(&lock);
	assert_false(fake_interrupts_enabled);
	assert_int_equal(lock.locked, 1);
	spin_unlock(&lock);
	assert_true(fake_interrupts_enabled);
	assert_int_equal(lock.locked, 0);
	assert_int_equal(fake_halts, 0);
	assert_int_equal(fake_ipis_sent, 0);
}

/* While this core is halted, the holder on core 1 unlocks: it must see
 * this core among the halted waiters. */
static uint64_t waiters_seen_by_holder;
static void holder_unlocks(void)
{
	assert_false(fake_interrupts_enabled); /* as arch_idle_halt returns */
	waiters_seen_by_holder = lock.halted_waiters;
	lock.locked = 0;
}

static void test_contended_waiter_halts_until_unlocked(void **state)
{
	(void)state;
	lock.locked = 1; /* held by core 1 */
	fake_on_halt = holder_unlocks;
	spin_lock(&lock);
	assert_int_equal(fake_halts, 1);
	assert_true(fake_relax_calls > 0); /* spun a little first */
	assert_int_equal(waiters_seen_by_holder, 1); /* core 0's bit */
	assert_int_equal(lock.halted_waiters, 0);    /* cleared once awake */
	assert_int_equal(lock.locked, 1);            /* and the lock is ours */
	spin_unlock(&lock);
	assert_true(fake_interrupts_enabled);
}

/* With interrupts already off (an interrupt handler, a nested lock), no
 * IPI could wake a halted waiter: it must spin, however long it waits. */
static void holder_unlocks_after_many_spins(void)
{
	if (fake_relax_calls == 100000)
		lock.locked = 0;
}

static void must_not_halt(void)
{
	fail_msg("a waiter with interrupts disabled halted");
}

static void test_waiter_with_interrupts_disabled_never_halts(void **state)
{
	(void)state;
	fake_interrupts_enabled = false;
	lock.locked = 1;
	fake_on_relax = holder_unlocks_after_many_spins;
	fake_on_halt = must_not_halt;
	spin_lock(&lock);
	assert_int_equal(fake_halts, 0);
	assert_true(fake_relax_calls >= 100000);
	spin_unlock(&lock);
	assert_false(fake_interrupts_enabled);
}

static void test_unlock_wakes_halted_waiters_but_not_itself(void **state)
{
	(void)state;
	spin_lock(&lock);
	lock.halted_waiters = (1ULL << 0) | (1ULL << 3) | (1ULL << 63);
	spin_unlock(&lock);
	assert_int_equal(fake_ipis_sent, (1ULL << 3) | (1ULL << 63));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_uncontended_lock_disables_and_restores_interrupts, reset),
		cmocka_unit_test_setup(test_contended_waiter_halts_until_unlocked, reset),
		cmocka_unit_test_setup(test_waiter_with_interrupts_disabled_never_halts, reset),
		cmocka_unit_test_setup(test_unlock_wakes_halted_waiters_but_not_itself, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_kvm_steal.c: reading KVM's steal time (kernel/arch/x86_64/kvm_steal.c):
 * which hypervisors offer it, and a read that never returns what KVM is in
 * the middle of writing. The "hypervisor" is a thread that updates the area
 * as KVM does: version odd, steal, version even. */
// unit-under-test: kernel/arch/x86_64/kvm_steal.c -lpthread
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "arch/x86_64/kvm_steal.h"

/* Signature registers as CPUID returns them for a 12-character name. */
static void signature(const char *name, uint32_t regs[3])
{
	memcpy(regs, name, 12);
}

static void test_kvm_with_steal_time_is_offered(void **state)
{
	(void)state;
	uint32_t r[3];
	signature("KVMKVMKVM\0\0\0", r);
	assert_true(kvm_offers_steal_time(r[0], r[1], r[2], KVM_FEATURE_STEAL_TIME | 1));
}

static void test_kvm_without_the_feature_bit_is_not(void **state)
{
	(void)state;
	uint32_t r[3];
	signature("KVMKVMKVM\0\0\0", r);
	assert_false(kvm_offers_steal_time(r[0], r[1], r[2], ~KVM_FEATURE_STEAL_TIME));
}

static void test_other_hypervisors_are_not(void **state)
{
	(void)state;
	uint32_t r[3];
	signature("TCGTCGTCGTCG", r);
	assert_false(kvm_offers_steal_time(r[0], r[1], r[2], KVM_FEATURE_STEAL_TIME));
	signature("Microsoft Hv", r);
	assert_false(kvm_offers_steal_time(r[0], r[1], r[2], KVM_FEATURE_STEAL_TIME));
	signature("KVMKVMKVMKVM", r); /* no NUL padding: not KVM's signature */
	assert_false(kvm_offers_steal_time(r[0], r[1], r[2], KVM_FEATURE_STEAL_TIME));
}

static void test_a_settled_area_reads_its_steal(void **state)
{
	(void)state;
	struct kvm_steal_time st = { .steal = 123456789, .version = 8 };
	uint64_t steal = 0;
	assert_true(kvm_steal_read(&st, &steal));
	assert_int_equal(steal, 123456789);
}

static void test_an_update_that_never_ends_gives_no_value(void **state)
{
	(void)state;
	struct kvm_steal_time st = { .steal = 5, .version = 9 };
	uint64_t steal = 77;
	assert_false(kvm_steal_read(&st, &steal));
	assert_int_equal(steal, 77);
}

/* While odd, the writer leaves a value no finished update ever has (an odd
 * number); finished updates store multiples of 1000. */
static volatile struct kvm_steal_time shared_area;
static volatile int writer_stop;

static void *hypervisor(void *arg)
{
	(void)arg;
	for (uint64_t k = 1; !writer_stop; k++) {
		__atomic_store_n(&shared_area.version, shared_area.version + 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&shared_area.steal, 2 * k + 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&shared_area.steal, k * 1000, __ATOMIC_SEQ_CST);
		__atomic_store_n(&shared_area.version, shared_area.version + 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void test_reads_during_updates_see_only_finished_values(void **state)
{
	(void)state;
	pthread_t writer;
	unsigned reads = 0;
	uint64_t last = 0;

	writer_stop = 0;
	assert_int_equal(pthread_create(&writer, NULL, hypervisor, NULL), 0);
	for (int i = 0; i < 2000000; i++) {
		uint64_t steal;
		if (!kvm_steal_read(&shared_area, &steal))
			continue; /* a busy writer may outlast the tries: no value, fine */
		reads++;
		assert_int_equal(steal % 1000, 0);
		assert_true(steal >= last);
		last = steal;
	}
	writer_stop = 1;
	pthread_join(writer, NULL);
	assert_true(reads > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_with_steal_time_is_offered),
		cmocka_unit_test(test_kvm_without_the_feature_bit_is_not),
		cmocka_unit_test(test_other_hypervisors_are_not),
		cmocka_unit_test(test_a_settled_area_reads_its_steal),
		cmocka_unit_test(test_an_update_that_never_ends_gives_no_value),
		cmocka_unit_test(test_reads_during_updates_see_only_finished_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

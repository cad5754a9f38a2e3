/*
 * kvm_steal.c: reads KVM's steal time for each core (see kvm_steal.h), so
 * that the guest's counters show what its host took from it. Under TCG, or
 * any hypervisor without the feature, every core reports none.
 */
#include "kvm_steal.h"

#include "arch.h"
#include "sched/sched.h"
#include "x86.h"

#include <string.h>

#define STEAL_READ_TRIES 16

/* 64-byte aligned as KVM requires; Lull runs identity-mapped, so an area's
 * address is its guest-physical address. */
static struct kvm_steal_time steal_areas[MAX_CPUS] __attribute__((aligned(64)));
static bool steal_enabled[MAX_CPUS];

bool kvm_offers_steal_time(uint32_t sig_ebx, uint32_t sig_ecx, uint32_t sig_edx,
			   uint32_t features_eax)
{
	char sig[12];

	memcpy(sig, &sig_ebx, 4);
	memcpy(sig + 4, &sig_ecx, 4);
	memcpy(sig + 8, &sig_edx, 4);
	return !memcmp(sig, "KVMKVMKVM\0\0\0", 12) && (features_eax & KVM_FEATURE_STEAL_TIME);
}

bool kvm_steal_read(const volatile struct kvm_steal_time *st, uint64_t *out)
{
	for (int i = 0; i < STEAL_READ_TRIES; i++) {
		uint32_t before = st->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t steal = st->steal;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(before & 1) && st->version == before) {
			*out = steal;
			return true;
		}
	}
	return false;
}

void x86_steal_time_init_cpu(unsigned cpu)
{
	if (!(cpuid(1, 0).ecx & (1u << 31))) /* no hypervisor */
		return;
	struct cpuid_regs sig = cpuid(KVM_CPUID_SIGNATURE, 0);
	if (sig.eax < KVM_CPUID_FEATURES)
		return;
	if (!kvm_offers_steal_time(sig.ebx, sig.ecx, sig.edx, cpuid(KVM_CPUID_FEATURES, 0).eax))
		return;
	wrmsr(MSR_KVM_STEAL_TIME, (uintptr_t)&steal_areas[cpu] | 1);
	steal_enabled[cpu] = true;
}

bool arch_steal_ns(unsigned cpu, uint64_t *out)
{
	return cpu < MAX_CPUS && steal_enabled[cpu] && kvm_steal_read(&steal_areas[cpu], out);
}

/*
 * kvm_steal.h: KVM's steal-time report (the "steal time" MSR of KVM's
 * paravirtual interface, Linux's Documentation/virt/kvm/x86/msr.rst).
 *
 * Each vCPU gives KVM the address of a 64-byte area; KVM adds to `steal`
 * the time the vCPU's thread was runnable but not running, whenever it
 * enters the guest, bumping `version` to odd before and to even after.
 */
#ifndef LULL_X86_KVM_STEAL_H
#define LULL_X86_KVM_STEAL_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_KVM_STEAL_TIME 0x4b564d03
#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_STEAL_TIME (1u << 5)

struct kvm_steal_time {
	uint64_t steal;
	uint32_t version;
	uint32_t flags;
	uint8_t preempted;
	uint8_t pad8[3];
	uint32_t pad[11];
};
_Static_assert(sizeof(struct kvm_steal_time) == 64, "KVM's layout");

/* Whether the hypervisor leaves say KVM with steal time: the signature
 * registers of leaf 0x40000000 (ebx, ecx, edx) and eax of 0x40000001. */
bool kvm_offers_steal_time(uint32_t sig_ebx, uint32_t sig_ecx, uint32_t sig_edx,
			   uint32_t features_eax);

/* Reads `steal` consistently: retries while KVM is writing (odd version, or
 * a version that changed during the read). False if no consistent read came
 * within a bounded number of tries, which only a broken hypervisor causes. */
bool kvm_steal_read(const volatile struct kvm_steal_time *st, uint64_t *out);

/* Registers this core's area with KVM when it offers steal time. */
void x86_steal_time_init_cpu(unsigned cpu);

#endif

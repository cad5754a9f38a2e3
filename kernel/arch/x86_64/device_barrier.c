/*
 * device_barrier.c: the full barrier between this core's stores to memory
 * a device shares and its later loads from it (arch.h,
 * arch_device_barrier), and the one hypervisor on which `mfence` is not
 * enough.
 *
 * Hazard: QEMU's TCG translates `mfence` (and locked instructions) into a
 * host fence only while several vCPUs run in parallel. With one vCPU it
 * emits none, since no other vCPU could tell; but QEMU's device threads
 * (virtio-net's receive from a tap device, a vhost-user back end in
 * another process) read and write the rings concurrently, and the host's
 * store buffer may hold the guest's store while its next load runs. A
 * virtio driver that re-enables interrupts (stores used_event) and then
 * checks the used index could miss the device's last entry while the
 * device, reading the old used_event, skipped the interrupt: receive then
 * stopped for good on 1-vCPU httpd guests under load (QEMU's trace: the
 * guest's used_event one behind the entry it never took, no interrupt
 * sent). An I/O port access takes QEMU's global lock, an atomic
 * read-modify-write on the host and so a full host barrier; under TCG with
 * one vCPU the barrier adds one. Port 0x80 is the PC's POST port, harmless
 * to read. With several vCPUs TCG keeps `mfence`, and under KVM it is a
 * real fence: there a port access would only cost time (an exit under
 * KVM).
 */
#include "arch.h"
#include "x86.h"
#include "x86_init.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define HYPERVISOR_SIGNATURE_LEAF 0x40000000u
#define POST_PORT 0x80

static bool fences_elided;

void x86_device_barrier_init(size_t cpu_count)
{
	if (cpu_count > 1 || !(cpuid(1, 0).ecx & (1u << 31))) /* parallel vCPUs, or no hypervisor */
		return;
	struct cpuid_regs sig = cpuid(HYPERVISOR_SIGNATURE_LEAF, 0);
	char name[12];
	memcpy(name, &sig.ebx, 4);
	memcpy(name + 4, &sig.ecx, 4);
	memcpy(name + 8, &sig.edx, 4);
	fences_elided = !memcmp(name, "TCGTCGTCGTCG", 12);
}

void arch_device_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (fences_elided)
		(void)inb(POST_PORT);
}

/* cpu.c: small processor services of arch.h: interrupt flag, TLS base,
 * randomness, waiting, and frame-pointer backtraces. */
#include "arch.h"
#include "x86.h"

bool arch_interrupts_disable(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags & RFLAGS_IF;
}

void arch_interrupts_restore(bool enabled)
{
	if (enabled)
		__asm__ volatile("sti" : : : "memory");
}

void arch_cpu_relax(void)
{
	cpu_relax();
}

void arch_set_tls_base(uintptr_t base)
{
	wrmsr(MSR_FS_BASE, base);
}

uintptr_t arch_get_tls_base(void)
{
	return rdmsr(MSR_FS_BASE);
}

bool arch_hw_random(uint64_t *out)
{
	if (!(cpuid(1, 0).ecx & (1u << 30)))
		return false;
	for (int tries = 0; tries < 10; tries++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

/* A frame is trusted only if both of its words are mapped: the application's
 * libc is built without frame pointers, so %rbp may hold anything there. */
size_t arch_backtrace_from(uintptr_t fp, uintptr_t *pcs, size_t max)
{
	size_t n = 0;
	uintptr_t pa;

	while (n < max && fp && !(fp & 7) && arch_translate(fp, &pa) &&
	       arch_translate(fp + 8, &pa)) {
		const uintptr_t *frame = (const uintptr_t *)fp;
		if (!frame[1])
			break;
		pcs[n++] = frame[1];
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	return n;
}

size_t arch_backtrace(uintptr_t *pcs, size_t max)
{
	return arch_backtrace_from((uintptr_t)__builtin_frame_address(0), pcs, max);
}

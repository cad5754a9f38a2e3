/*
 * trap.c: what happens on each interrupt vector.
 *
 * Exceptions are fatal: Lull has no processes to kill, so a fault in the
 * application or the kernel ends the VM, after a report that names the
 * exception, the faulting address, the registers and the call chain.
 */
#include "trap.h"

#include "arch.h"
#include "ioapic.h"
#include "lapic.h"
#include "percpu.h"
#include "tlb.h"
#include "x86.h"

#include "console.h"
#include "mm/vm.h"
#include "panic.h"
#include "sched/sched.h"
#include "signal/signal.h"
#include "symbols.h"

#include <signal.h>
#include <string.h>

#define VECTOR_PAGE_FAULT 14
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_INSTRUCTION (1u << 4)
/* A fault this close below the stack pointer is the stack running out. */
#define STACK_OVERFLOW_REACH 65536

static const char *const exception_names[32] = {
	"divide error (#DE)", "debug (#DB)", "non-maskable interrupt (NMI)",
	"breakpoint (#BP)", "overflow (#OF)", "bound range exceeded (#BR)",
	"invalid opcode (#UD)", "device not available (#NM)", "double fault (#DF)",
	"coprocessor segment overrun", "invalid TSS (#TS)", "segment not present (#NP)",
	"stack-segment fault (#SS)", "general protection fault (#GP)", "page fault (#PF)",
	"reserved vector 15", "x87 floating-point error (#MF)", "alignment check (#AC)",
	"machine check (#MC)", "SIMD floating-point error (#XM)", "virtualization (#VE)",
	"control protection (#CP)", "reserved vector 22", "reserved vector 23",
	"reserved vector 24", "reserved vector 25", "reserved vector 26",
	"reserved vector 27", "hypervisor injection (#HV)", "VMM communication (#VC)",
	"security exception (#SX)", "reserved vector 31",
};

static void print_registers(const struct trap_frame *f)
{
	kprintf("rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("rip=%016lx rflags=%08lx cs=%lx ss=%lx fs.base=%016lx\n", f->rip, f->rflags, f->cs,
		f->ss, (unsigned long)arch_get_tls_base());
}

/* A leaf function compiled without a frame of its own leaves its return
 * address at the stack pointer, invisible to the frame-pointer chain. We
 * take it if it follows a direct call (E8 rel32) into the faulting
 * function, which no other word on the stack can pass for. */
static bool leaf_return_address(const struct trap_frame *f, uintptr_t *ret)
{
	uintptr_t pa, offset;

	if (!arch_translate(f->rsp, &pa) || !arch_translate(f->rsp + 7, &pa))
		return false;
	uintptr_t candidate = *(const uintptr_t *)f->rsp;
	if (!symbol_lookup(f->rip, &offset) || !symbol_lookup(candidate, &pa) ||
	    !arch_translate(candidate - 5, &pa))
		return false;
	const uint8_t *call = (const uint8_t *)(candidate - 5);
	int32_t rel;
	memcpy(&rel, call + 1, sizeof rel);
	*ret = candidate;
	return call[0] == 0xe8 && candidate + (intptr_t)rel == f->rip - offset;
}

static void print_backtrace(const struct trap_frame *f)
{
	uintptr_t pcs[BACKTRACE_MAX];
	size_t n = 0;

	pcs[n++] = f->rip;
	if (leaf_return_address(f, &pcs[n]))
		n++;
	n += arch_backtrace_from(f->rbp, pcs + n, BACKTRACE_MAX - n);
	panic_print_frames(pcs, n);
}

static bool is_stack_overflow(const struct trap_frame *f, uint64_t cr2)
{
	return f->vector == VECTOR_PAGE_FAULT && !(f->error_code & PF_PRESENT) &&
	       cr2 < f->rsp + PAGE_SIZE && f->rsp - cr2 < STACK_OVERFLOW_REACH &&
	       vm_is_inaccessible(cr2);
}

static _Noreturn void report_exception(const struct trap_frame *f)
{
	uint64_t cr2 = read_cr2();
	const struct thread *t = thread_current();

	panic_enter();
	kprintf("\nlull: fatal: %s, error code 0x%lx, in thread %d (%s)\n",
		exception_names[f->vector], f->error_code, t ? t->tid : 0, t ? t->name : "kernel");
	if (f->vector == VECTOR_PAGE_FAULT) {
		kprintf("%s at address 0x%016lx (%s)\n",
			f->error_code & PF_INSTRUCTION ? "instruction fetch"
			: f->error_code & PF_WRITE     ? "write"
						       : "read",
			cr2, f->error_code & PF_PRESENT ? "protection violation" : "page not mapped");
		if (is_stack_overflow(f, cr2))
			kprintf("lull: stack overflow in thread %d (%s): the stack pointer reached "
				"the guard page below its stack\n",
				t ? t->tid : 0, t ? t->name : "kernel");
	}
	panic_print_address("at", f->rip);
	print_registers(f);
	print_backtrace(f);
	arch_exit_vm_panic();
}

/* Every vector below 32 but the NMI is an exception, and fatal. */
void trap_dispatch(struct trap_frame *frame)
{
	if (frame->vector < 32 && frame->vector != X86_VECTOR_NMI)
		report_exception(frame);
	x86_percpu()->interrupt_depth++;
	switch (frame->vector) {
	case X86_VECTOR_NMI:
		x86_tlb_flush_nmi();
		break;
	case X86_VECTOR_TIMER:
		x86_lapic_eoi();
		sched_timer_interrupt();
		break;
	case X86_VECTOR_WAKEUP:
		x86_lapic_eoi();
		sched_wakeup_interrupt();
		break;
	case X86_VECTOR_HOST_STOP: /* what a process manager sends to stop a program */
		x86_lapic_eoi();
		signal_raise_async(SIGTERM);
		break;
	case X86_VECTOR_SPURIOUS:
		break; /* spurious interrupts take no EOI */
	default:
		if (!x86_irq_dispatch((unsigned)frame->vector))
			kprintf("lull: unexpected interrupt on vector %lu ignored\n", frame->vector);
		x86_lapic_eoi();
	}
	x86_percpu()->interrupt_depth--;
}

bool arch_in_interrupt(void)
{
	return x86_percpu()->interrupt_depth != 0;
}

/*
 * arch.h: everything the portable kernel asks of the processor and platform.
 *
 * Each architecture implements this interface under arch/<name>/; nothing
 * outside arch/ includes an architecture's private headers.
 */
#ifndef LULL_ARCH_H
#define LULL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch_types.h"

#define PAGE_SIZE 4096UL
#define PAGE_ALIGN_DOWN(x) ((uintptr_t)(x) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((uintptr_t)(x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

struct boot_info;

/* Brings up what needs the page allocator: page tables, clocks. */
void arch_init(const struct boot_info *info);

/* Console: the first serial port. Output works from the first C line. */
void arch_console_write(const char *buf, size_t len);
/* Returns a byte, or -1 when none is waiting. */
int arch_console_read_byte(void);
/* Calls handler(ctx) from the interrupt raised when input arrives. */
bool arch_console_enable_input_interrupt(void (*handler)(void *ctx), void *ctx);

/* A short wait inside a polling loop (the `pause` instruction on x86). */
void arch_cpu_relax(void);

/* Disables interrupts on this core and returns whether they were enabled. */
bool arch_interrupts_disable(void);
void arch_interrupts_restore(bool enabled);

/* Ends the VM with the given exit status (see docs/ARCHITECTURE.md). */
_Noreturn void arch_exit_vm(int status);
/* Ends the VM reporting a kernel fault. */
_Noreturn void arch_exit_vm_panic(void);

/* Time: nanoseconds since boot from the CPU's cycle counter, and the
 * wall-clock time at boot in nanoseconds since the Unix epoch. */
uint64_t arch_clock_ns(void);
uint64_t arch_boot_wallclock_ns(void);
/* The host's wall-clock time when the VM started (its cycle counter's zero),
 * more precise than the RTC's whole second: sets the boot wall clock. */
void arch_set_vm_start_wallclock(uint64_t ns);
/* Time the hypervisor gave core `cpu`'s vCPU to something else while it
 * wanted to run (steal), in ns since it was enabled; false when the
 * hypervisor does not report it (QEMU's TCG, or KVM without the feature). */
bool arch_steal_ns(unsigned cpu, uint64_t *out);

/* A full barrier between this core's stores to memory shared with a
 * device and its later loads from it, as the device sees them: the
 * store-load order a driver needs when it re-enables notifications and
 * then checks for work the device published meanwhile. */
void arch_device_barrier(void);

/* Fills buf with hardware randomness if the CPU has some; false otherwise. */
bool arch_hw_random(uint64_t *out);

/* Page mappings. Flags combine PROT_* style bits below. */
enum {
	MAP_READ = 1,
	MAP_WRITE = 2,
	MAP_EXEC = 4,
	MAP_UNCACHED = 8,
};
/* Maps one 4 KiB page; false when a page-table page cannot be allocated. */
bool arch_map_page(uintptr_t va, uintptr_t pa, unsigned flags);
/* Removes a mapping, including one made inaccessible by arch_protect_page;
 * returns the physical address it had, or 0. */
uintptr_t arch_unmap_page(uintptr_t va);
/* Changes the access of a page that has a physical page behind it; flags 0
 * makes it inaccessible but keeps the page. False when va has no page. */
bool arch_protect_page(uintptr_t va, unsigned flags);
/* Makes every other core drop translations removed or restricted since the
 * last call; returns once they all have. */
void arch_tlb_shootdown(void);
/* True if va is mapped, and writable when `write`. */
bool arch_access_ok(uintptr_t va, bool write);
/* Returns true and the physical address if va is mapped. */
bool arch_translate(uintptr_t va, uintptr_t *pa);

/* Cores. arch_cpu_id() is this core's index, 0 for the boot processor. */
unsigned arch_cpu_id(void);
/* Starts every other core the machine has; each calls sched_init_cpu() and
 * ends in sched_idle_loop(). */
void arch_start_cpus(void);
/* Interrupts core `cpu` so that it leaves `hlt`. */
void arch_send_wakeup_ipi(unsigned cpu);
/* With interrupts disabled: enables them and halts in one step (no wake-up
 * can slip in between), and returns with them disabled again. */
void arch_idle_halt(void);
/* True while this core runs an interrupt handler (or an NMI's). */
bool arch_in_interrupt(void);
/* Programs this core's timer to interrupt at deadline_ns (arch_clock_ns
 * time); 0 stops it. */
void arch_timer_arm(uint64_t deadline_ns);

/* Device interrupts: runs handler(ctx) on the boot processor when
 * interrupt line `line` fires. False if the line cannot be routed. */
enum irq_mode {
	IRQ_ISA,        /* an ISA IRQ: edge-triggered, may be remapped by firmware */
	IRQ_LEVEL_HIGH, /* a global system interrupt, level-triggered, active high */
	IRQ_LEVEL_LOW,  /* ... active low (PCI INTx) */
};
bool arch_irq_attach(unsigned line, enum irq_mode mode, void (*handler)(void *ctx), void *ctx);
/* Where virtio-mmio devices may sit on this platform, and their interrupt
 * lines (level-triggered, active high); returns how many slots. */
struct virtio_mmio_slot {
	uintptr_t base;
	unsigned irq;
};
size_t arch_virtio_mmio_slots(struct virtio_mmio_slot *slots, size_t max);

/* PCI configuration space (32-bit aligned accesses). */
uint32_t arch_pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned offset);
void arch_pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned offset, uint32_t value);

/* An MSI/MSI-X message that runs handler(ctx) on core `cpu` (an online
 * core) when a device writes data to address. False when no vector is
 * left. */
bool arch_msi_attach(unsigned cpu, void (*handler)(void *ctx), void *ctx, uint64_t *address,
		     uint32_t *data);

/* Threads. */
size_t arch_fpu_area_size(void);
/* The thread will start the application at entry, on stack sp. */
void arch_thread_init_start(struct arch_thread *t, uintptr_t entry, uintptr_t sp);
/* The thread will return 0 from the clone system call whose frame is
 * parent_frame, on stack sp, with the given TLS base if set_tls. */
void arch_thread_init_clone(struct arch_thread *t, const void *parent_frame, uintptr_t sp,
			    bool set_tls, uintptr_t tls);
/* A kernel thread: it will call fn(ctx) on its kernel stack, with
 * interrupts disabled and no FPU area (it never runs application code);
 * fn must not return. */
void arch_thread_init_kernel(struct arch_thread *t, void (*fn)(void *ctx), void *ctx);
/* Saves prev, resumes next; returns (in next) the thread that ran before. */
struct arch_thread *arch_thread_switch(struct arch_thread *prev, struct arch_thread *next);

/* Signal delivery on a system call's saved frame (the frame handed to
 * syscall_dispatch). arch_signal_enter makes the thread leave the call into
 * handler(sig, info, ucontext) on the stack below stack_top, returning to
 * restorer, with everything it interrupts (registers, vector registers,
 * the mask to restore) saved there in the Linux layout; false when that
 * stack is not writable. arch_signal_leave restores that state from the
 * frame of the rt_sigreturn call the restorer makes and returns the saved
 * mask in *mask; false for a frame that is not one. */
struct syscall_args;
struct signal_entry {
	int sig, code;
	uintptr_t handler, restorer, stack_top;
	uint64_t saved_mask;
};
bool arch_signal_enter(struct syscall_args *frame, const struct signal_entry *e);
bool arch_signal_leave(struct syscall_args *frame, uint64_t *mask);
/* The application's stack pointer when it made the call. */
uintptr_t arch_syscall_stack(const struct syscall_args *frame);
/* Rewinds the frame so that leaving the call makes it again; returns the
 * value of the return register that does (the call's number). */
long arch_syscall_restart(struct syscall_args *frame);

/* Frame-pointer walk: fills up to max return addresses starting from the
 * caller of this function. */
size_t arch_backtrace(uintptr_t *pcs, size_t max);
size_t arch_backtrace_from(uintptr_t frame_pointer, uintptr_t *pcs, size_t max);

/* Sets the thread pointer used for the application's TLS (FS base on x86). */
void arch_set_tls_base(uintptr_t base);
uintptr_t arch_get_tls_base(void);

#endif

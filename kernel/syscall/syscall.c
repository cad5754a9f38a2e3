/*
 * syscall.c: the table from Linux system call numbers to handlers.
 *
 * A call we do not implement is reported once, by name and number, and
 * fails with ENOSYS: musl then falls back or reports the error, and the
 * application goes on.
 */
#include "syscall/syscall.h"

#include "arch.h"
#include "console.h"
#include "lib/errno.h"
#include "sched/deferred.h"
#include "signal/signal.h"
#include "syscall/handlers.h"

#include <lull/lull.h>
#include <sys/syscall.h>

#define SYSCALL_COUNT 512

static const syscall_handler handlers[SYSCALL_COUNT] = {
	[SYS_read] = sys_read,
	[SYS_write] = sys_write,
	[SYS_readv] = sys_readv,
	[SYS_writev] = sys_writev,
	[SYS_sendfile] = sys_sendfile,
	[SYS_ioctl] = sys_ioctl,
	[SYS_close] = sys_close,
	[SYS_dup] = sys_dup,
	[SYS_dup2] = sys_dup2,
	[SYS_dup3] = sys_dup3,
	[SYS_fcntl] = sys_fcntl,
	[SYS_poll] = sys_poll,
	[SYS_ppoll] = sys_ppoll,
	[SYS_epoll_create] = sys_epoll_create,
	[SYS_epoll_create1] = sys_epoll_create1,
	[SYS_epoll_ctl] = sys_epoll_ctl,
	[SYS_epoll_wait] = sys_epoll_wait,
	[SYS_epoll_pwait] = sys_epoll_wait,
	[SYS_eventfd] = sys_eventfd,
	[SYS_eventfd2] = sys_eventfd2,
	[SYS_pipe] = sys_pipe,
	[SYS_pipe2] = sys_pipe2,
	[SYS_socketpair] = sys_socketpair,
	[SYS_open] = sys_open,
	[SYS_openat] = sys_openat,
	[SYS_creat] = sys_creat,
	[SYS_stat] = sys_stat,
	[SYS_lstat] = sys_stat,
	[SYS_fstat] = sys_fstat,
	[SYS_newfstatat] = sys_newfstatat,
	[SYS_access] = sys_access,
	[SYS_faccessat] = sys_faccessat,
	[SYS_faccessat2] = sys_faccessat,
	[SYS_mkdir] = sys_mkdir,
	[SYS_mkdirat] = sys_mkdirat,
	[SYS_rmdir] = sys_rmdir,
	[SYS_unlink] = sys_unlink,
	[SYS_unlinkat] = sys_unlinkat,
	[SYS_rename] = sys_rename,
	[SYS_renameat] = sys_renameat,
	[SYS_renameat2] = sys_renameat2,
	[SYS_truncate] = sys_truncate,
	[SYS_statfs] = sys_statfs,
	[SYS_chdir] = sys_chdir,
	[SYS_getcwd] = sys_getcwd,
	[SYS_chmod] = sys_chmod,
	[SYS_chown] = sys_chmod,
	[SYS_lchown] = sys_chmod,
	[SYS_fchmodat] = sys_fchmodat,
	[SYS_fchownat] = sys_fchownat,
	[SYS_utimensat] = sys_utimensat,
	[SYS_umask] = sys_umask,
	[SYS_fchmod] = sys_fchmod,
	[SYS_fchown] = sys_fchmod,
	[SYS_lseek] = sys_lseek,
	[SYS_pread64] = sys_pread64,
	[SYS_pwrite64] = sys_pwrite64,
	[SYS_getdents64] = sys_getdents64,
	[SYS_ftruncate] = sys_ftruncate,
	[SYS_fsync] = sys_fsync,
	[SYS_fdatasync] = sys_fdatasync,
	[SYS_fadvise64] = sys_fadvise64,
	[SYS_sync] = sys_sync,
	[SYS_syncfs] = sys_syncfs,
	[SYS_fstatfs] = sys_fstatfs,
	[SYS_fchdir] = sys_fchdir,
	[SYS_brk] = sys_brk,
	[SYS_mmap] = sys_mmap,
	[SYS_munmap] = sys_munmap,
	[SYS_mprotect] = sys_mprotect,
	[SYS_msync] = sys_msync,
	[SYS_mremap] = sys_mremap,
	[SYS_madvise] = sys_madvise,
	[SYS_exit] = sys_exit,
	[SYS_exit_group] = sys_exit_group,
	[SYS_getpid] = sys_getpid,
	[SYS_gettid] = sys_gettid,
	[SYS_getppid] = sys_getppid,
	[SYS_getuid] = sys_getuid,
	[SYS_geteuid] = sys_getuid,
	[SYS_getgid] = sys_getuid,
	[SYS_getegid] = sys_getuid,
	[SYS_uname] = sys_uname,
	[SYS_arch_prctl] = sys_arch_prctl,
	[SYS_set_tid_address] = sys_set_tid_address,
	[SYS_getrandom] = sys_getrandom,
	[SYS_sysinfo] = sys_sysinfo,
	[SYS_prlimit64] = sys_prlimit64,
	[SYS_getrlimit] = sys_getrlimit,
	[SYS_setrlimit] = sys_setrlimit,
	[SYS_rt_sigaction] = sys_rt_sigaction,
	[SYS_rt_sigprocmask] = sys_rt_sigprocmask,
	[SYS_rt_sigpending] = sys_rt_sigpending,
	[SYS_rt_sigsuspend] = sys_rt_sigsuspend,
	[SYS_pause] = sys_pause,
	[SYS_sigaltstack] = sys_sigaltstack,
	[SYS_kill] = sys_kill,
	[SYS_tkill] = sys_tkill,
	[SYS_tgkill] = sys_tgkill,
	[SYS_getitimer] = sys_getitimer,
	[SYS_setitimer] = sys_setitimer,
	[SYS_alarm] = sys_alarm,
	[SYS_socket] = sys_socket,
	[SYS_bind] = sys_bind,
	[SYS_listen] = sys_listen,
	[SYS_accept] = sys_accept4,
	[SYS_accept4] = sys_accept4,
	[SYS_connect] = sys_connect,
	[SYS_sendto] = sys_sendto,
	[SYS_recvfrom] = sys_recvfrom,
	[SYS_sendmsg] = sys_sendmsg,
	[SYS_recvmsg] = sys_recvmsg,
	[SYS_shutdown] = sys_shutdown,
	[SYS_getsockname] = sys_getsockname,
	[SYS_getpeername] = sys_getpeername,
	[SYS_setsockopt] = sys_setsockopt,
	[SYS_getsockopt] = sys_getsockopt,
	[SYS_clone] = sys_clone,
	[SYS_futex] = sys_futex,
	[SYS_sched_yield] = sys_sched_yield,
	[SYS_nanosleep] = sys_nanosleep,
	[SYS_clock_nanosleep] = sys_clock_nanosleep,
	[SYS_sched_setaffinity] = sys_sched_setaffinity,
	[SYS_sched_getaffinity] = sys_sched_getaffinity,
	[SYS_getcpu] = sys_getcpu,
	[SYS_set_robust_list] = sys_set_robust_list,
	[SYS_clock_gettime] = sys_clock_gettime,
	[SYS_clock_getres] = sys_clock_getres,
	[SYS_gettimeofday] = sys_gettimeofday,
};

/* Lull's own calls, numbered from LULL_SYS_NEXT_THREAD_CPU. */
static const syscall_handler lull_handlers[] = {
	sys_lull_next_thread_cpu,
	sys_lull_polling,
	sys_lull_cpu_count,
	sys_lull_cpu_stats,
};

static const char *const names[SYSCALL_COUNT] = {
#include "syscall_names.inc"
};

static unsigned char reported[SYSCALL_COUNT / 8];

static long unknown_syscall(long nr)
{
	if (nr < 0 || nr >= SYSCALL_COUNT) {
		kprintf("lull: system call number %ld is out of range: ENOSYS\n", nr);
		return -ENOSYS;
	}
	unsigned char bit = (unsigned char)(1u << (nr % 8));
	if (!(reported[nr / 8] & bit)) {
		reported[nr / 8] |= bit;
		kprintf("lull: system call %s (%ld) is not implemented: ENOSYS\n",
			names[nr] ? names[nr] : "(unnamed)", nr);
	}
	return -ENOSYS;
}

static long call_handler(struct syscall_args *a)
{
	if (a->nr >= 0 && a->nr < SYSCALL_COUNT && handlers[a->nr])
		return handlers[a->nr](a);
	unsigned long lull_nr = (unsigned long)(a->nr - LULL_SYS_NEXT_THREAD_CPU);
	if (lull_nr < sizeof lull_handlers / sizeof lull_handlers[0])
		return lull_handlers[lull_nr](a);
	return unknown_syscall(a->nr);
}

/* Every call ends with signal delivery, which may rewrite the frame;
 * rt_sigreturn is the one call that rewrites its frame itself. */
long syscall_dispatch(struct syscall_args *a)
{
	long result = a->nr == SYS_rt_sigreturn ? signal_return(a) : call_handler(a);
	deferred_let_run();
	return signal_syscall_exit(a, result);
}

static bool user_range_ok(uintptr_t start, size_t len, bool write)
{
	if (!len)
		return true;
	if (start + len < start)
		return false;
	for (uintptr_t page = PAGE_ALIGN_DOWN(start); page < start + len; page += PAGE_SIZE)
		if (!arch_access_ok(page, write))
			return false;
	return true;
}

bool user_readable(const void *p, size_t len)
{
	return user_range_ok((uintptr_t)p, len, false);
}

bool user_writable(void *p, size_t len)
{
	return user_range_ok((uintptr_t)p, len, true);
}

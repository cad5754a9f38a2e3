/* handlers.h: every system call handler, grouped by the file that has it. */
#ifndef LULL_SYSCALL_HANDLERS_H
#define LULL_SYSCALL_HANDLERS_H

#include "syscall/syscall.h"

/* sys_io.c */
long sys_read(const struct syscall_args *a);
long sys_write(const struct syscall_args *a);
long sys_readv(const struct syscall_args *a);
long sys_writev(const struct syscall_args *a);
long sys_sendfile(const struct syscall_args *a);
long sys_close(const struct syscall_args *a);
long sys_dup(const struct syscall_args *a);
long sys_dup2(const struct syscall_args *a);
long sys_dup3(const struct syscall_args *a);
long sys_ioctl(const struct syscall_args *a);
long sys_fcntl(const struct syscall_args *a);
long sys_poll(const struct syscall_args *a);
long sys_ppoll(const struct syscall_args *a);
long sys_epoll_create(const struct syscall_args *a);
long sys_epoll_create1(const struct syscall_args *a);
long sys_epoll_ctl(const struct syscall_args *a);
long sys_epoll_wait(const struct syscall_args *a);
long sys_eventfd(const struct syscall_args *a);
long sys_eventfd2(const struct syscall_args *a);
long sys_pipe(const struct syscall_args *a);
long sys_pipe2(const struct syscall_args *a);
long sys_socketpair(const struct syscall_args *a);

/* sys_fs.c */
long sys_open(const struct syscall_args *a);
long sys_openat(const struct syscall_args *a);
long sys_creat(const struct syscall_args *a);
long sys_stat(const struct syscall_args *a);
long sys_fstat(const struct syscall_args *a);
long sys_newfstatat(const struct syscall_args *a);
long sys_access(const struct syscall_args *a);
long sys_faccessat(const struct syscall_args *a);
long sys_mkdir(const struct syscall_args *a);
long sys_mkdirat(const struct syscall_args *a);
long sys_unlink(const struct syscall_args *a);
long sys_unlinkat(const struct syscall_args *a);
long sys_rmdir(const struct syscall_args *a);
long sys_rename(const struct syscall_args *a);
long sys_renameat(const struct syscall_args *a);
long sys_renameat2(const struct syscall_args *a);
long sys_truncate(const struct syscall_args *a);
long sys_statfs(const struct syscall_args *a);
long sys_chdir(const struct syscall_args *a);
long sys_getcwd(const struct syscall_args *a);
long sys_chmod(const struct syscall_args *a);
long sys_fchmodat(const struct syscall_args *a);
long sys_fchownat(const struct syscall_args *a);
long sys_utimensat(const struct syscall_args *a);
long sys_umask(const struct syscall_args *a);
long sys_fchmod(const struct syscall_args *a);
long sys_lseek(const struct syscall_args *a);
long sys_pread64(const struct syscall_args *a);
long sys_pwrite64(const struct syscall_args *a);
long sys_getdents64(const struct syscall_args *a);
long sys_ftruncate(const struct syscall_args *a);
long sys_fsync(const struct syscall_args *a);
long sys_fdatasync(const struct syscall_args *a);
long sys_fadvise64(const struct syscall_args *a);
long sys_sync(const struct syscall_args *a);
long sys_syncfs(const struct syscall_args *a);
long sys_fstatfs(const struct syscall_args *a);
long sys_fchdir(const struct syscall_args *a);

/* sys_memory.c */
long sys_brk(const struct syscall_args *a);
long sys_mmap(const struct syscall_args *a);
long sys_munmap(const struct syscall_args *a);
long sys_mprotect(const struct syscall_args *a);
long sys_mremap(const struct syscall_args *a);
long sys_madvise(const struct syscall_args *a);

/* sys_process.c */
long sys_exit_group(const struct syscall_args *a);
long sys_getpid(const struct syscall_args *a);
long sys_getppid(const struct syscall_args *a);
long sys_getuid(const struct syscall_args *a);
long sys_uname(const struct syscall_args *a);
long sys_arch_prctl(const struct syscall_args *a);
long sys_getrandom(const struct syscall_args *a);
long sys_sysinfo(const struct syscall_args *a);
long sys_set_robust_list(const struct syscall_args *a);
long sys_prlimit64(const struct syscall_args *a);
long sys_getrlimit(const struct syscall_args *a);
long sys_setrlimit(const struct syscall_args *a);

/* sys_signal.c */
long sys_rt_sigaction(const struct syscall_args *a);
long sys_rt_sigprocmask(const struct syscall_args *a);
long sys_rt_sigpending(const struct syscall_args *a);
long sys_rt_sigsuspend(const struct syscall_args *a);
long sys_pause(const struct syscall_args *a);
long sys_sigaltstack(const struct syscall_args *a);
long sys_kill(const struct syscall_args *a);
long sys_tkill(const struct syscall_args *a);
long sys_tgkill(const struct syscall_args *a);
long sys_getitimer(const struct syscall_args *a);
long sys_setitimer(const struct syscall_args *a);
long sys_alarm(const struct syscall_args *a);

/* sys_thread.c */
long sys_clone(const struct syscall_args *a);
long sys_exit(const struct syscall_args *a);
long sys_set_tid_address(const struct syscall_args *a);
long sys_gettid(const struct syscall_args *a);
long sys_futex(const struct syscall_args *a);
long sys_sched_yield(const struct syscall_args *a);
long sys_nanosleep(const struct syscall_args *a);
long sys_clock_nanosleep(const struct syscall_args *a);
long sys_sched_setaffinity(const struct syscall_args *a);
long sys_sched_getaffinity(const struct syscall_args *a);
long sys_getcpu(const struct syscall_args *a);
long sys_lull_next_thread_cpu(const struct syscall_args *a);
long sys_lull_polling(const struct syscall_args *a);
long sys_lull_cpu_count(const struct syscall_args *a);
long sys_lull_cpu_stats(const struct syscall_args *a);

/* sys_socket.c */
long sys_socket(const struct syscall_args *a);
long sys_bind(const struct syscall_args *a);
long sys_listen(const struct syscall_args *a);
long sys_accept4(const struct syscall_args *a);
long sys_connect(const struct syscall_args *a);
long sys_sendto(const struct syscall_args *a);
long sys_recvfrom(const struct syscall_args *a);
long sys_sendmsg(const struct syscall_args *a);
long sys_recvmsg(const struct syscall_args *a);
long sys_shutdown(const struct syscall_args *a);
long sys_getsockname(const struct syscall_args *a);
long sys_getpeername(const struct syscall_args *a);
long sys_setsockopt(const struct syscall_args *a);
long sys_getsockopt(const struct syscall_args *a);

/* sys_time.c */
long sys_clock_gettime(const struct syscall_args *a);
long sys_clock_getres(const struct syscall_args *a);
long sys_gettimeofday(const struct syscall_args *a);

#endif

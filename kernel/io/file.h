/*
 * file.h: open files and the file descriptor table.
 *
 * Everything a descriptor can name (the console, eventfds, epoll instances,
 * sockets, files and directories of the file-system layer) is a struct file with a table of operations. The
 * operations never block: they return -EAGAIN, and the generic layer here
 * waits when the descriptor is blocking, on the file's wait queue, until the
 * file reports that it may be ready (file_notify).
 *
 * Readiness is pushed, not polled: whoever changes a file's state calls
 * file_notify, which wakes the threads waiting on it and every watch on it
 * (poll calls, epoll instances).
 *
 * Watches hold no reference to their file: closing the last descriptor of
 * a file tells each watch (`gone`) instead, as Linux drops a closed file from
 * epoll sets. One lock guards every watch list, so that a file going away
 * and an epoll instance going away cannot race.
 */
#ifndef LULL_IO_FILE_H
#define LULL_IO_FILE_H

#include "lib/list.h"
#include "sched/waitq.h"
#include "sync/spinlock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Readiness bits, the values of poll(2)'s POLL* and epoll's EPOLL*. */
#define FILE_READABLE 0x001
#define FILE_WRITABLE 0x004
#define FILE_ERROR 0x008
#define FILE_HANGUP 0x010
/* The peer will send nothing more (POLLRDHUP, EPOLLRDHUP): a stream's end
 * of file, reported only to those who ask for it. */
#define FILE_READ_HANGUP 0x2000

struct file;

/* What fstat reports of a file that has a size and a time. */
struct file_stat {
	uint64_t dev; /* the file-system layer numbers its mounts here */
	uint64_t ino;
	uint32_t mode; /* st_mode: type and permission bits */
	uint32_t links;
	uint64_t size;
	int64_t mtime, mtime_nsec;
};

struct file_ops {
	long (*read)(struct file *f, void *buf, size_t len);
	long (*write)(struct file *f, const void *buf, size_t len);
	/* What the file is ready for now (FILE_* bits). */
	unsigned (*poll)(struct file *f);
	long (*ioctl)(struct file *f, unsigned long request, void *arg);
	/* The last descriptor is gone: free what the file holds. */
	void (*release)(struct file *f);
	/* Only files with a position (open vnodes, fs/vnode_file.c) have
	 * these; the system calls fail (ESPIPE, ENOTDIR, EINVAL) without them. */
	long (*pread)(struct file *f, void *buf, size_t len, uint64_t offset);
	long (*pwrite)(struct file *f, const void *buf, size_t len, uint64_t offset);
	long (*seek)(struct file *f, int64_t offset, int whence);
	long (*stat)(struct file *f, struct file_stat *st);
	/* Fills buf with Linux dirent64 records; returns the bytes used. */
	long (*getdents)(struct file *f, void *buf, size_t len);
	long (*truncate)(struct file *f, uint64_t size);
	/* Makes what was written durable (fsync, or fdatasync: data_only). */
	long (*fsync)(struct file *f, bool data_only);
};

/* Someone interested in a file's readiness (a poll call, an epoll item). */
struct file_watch {
	struct list_node link; /* on file->watches */
	struct file *file;     /* NULL once the file is gone */
	/* Called (with the watch lock held) when readiness may have changed. */
	void (*changed)(struct file_watch *w);
	/* Called (likewise) when the file's last descriptor is closed; may be
	 * NULL for watchers that hold a reference while they watch. */
	void (*gone)(struct file_watch *w);
	/* Exclusive watches (EPOLLEXCLUSIVE) share one wake-up per notification
	 * (see file_notify). `interest`: the FILE_* bits the watcher waits for.
	 * `waiting_cpu` (called likewise) tells the core of a thread waiting on
	 * the watcher, `prefer` if one is there, or -1. */
	bool exclusive;
	unsigned interest;
	int (*waiting_cpu)(struct file_watch *w, unsigned prefer);
};

struct file {
	const struct file_ops *ops;
	void *data;
	bool nonblocking;
	/* O_ACCMODE and O_APPEND as F_GETFL reports them (O_RDWR unless the
	 * opener says otherwise); a read or write the mode forbids is EBADF. */
	int status_flags;
	int refs;
	struct spinlock lock; /* guards waiters */
	struct waitq waiters;
	struct list_node watches; /* guarded by the watch lock */
};

/* A new file with one reference; NULL without memory. */
struct file *file_create(const struct file_ops *ops, void *data);
void file_get(struct file *f);
/* Takes a reference unless the last one is already gone (the file is
 * being released): for holders of a pointer that is not itself a
 * reference, such as a socket's back-pointer to its file. */
bool file_get_unless_released(struct file *f);
void file_put(struct file *f);

/* Wakes waiters and watches: call whenever readiness may have changed
 * (safe from interrupt handlers), but never while holding a lock that the
 * file's poll operation takes: epoll calls poll with its own lock held.
 * Of the exclusive watches, only one that has a waiting thread is told,
 * preferably one whose thread is on the calling core; all are told when
 * none has, or when they wait for different things (the notification does
 * not say what changed, so one chosen might not care for it). */
void file_notify(struct file *f);

void file_watch_add(struct file *f, struct file_watch *w);
void file_watch_remove(struct file_watch *w);
/* For watchers that need their own state consistent with the watch lists. */
void file_watch_lock(void);
void file_watch_unlock(void);

/* Waits until the file reports one of `ready` (or an error or hang-up);
 * returns 0, or -ERESTARTSYS when a signal for the thread ended the wait
 * (the call then returns that: see signal.h). */
long file_wait(struct file *f, unsigned ready);

/* read/write that wait for readiness when the file is blocking. */
long file_read(struct file *f, void *buf, size_t len);
long file_write(struct file *f, const void *buf, size_t len);

/* The descriptor table (one per VM: there is one process), of
 * FD_TABLE_SIZE descriptors (getrlimit's RLIMIT_NOFILE). */
#define FD_TABLE_SIZE 1024
/* Installs f at the lowest free descriptor (taking over its reference). */
int fd_install(struct file *f);
/* The file behind fd with a new reference, or NULL. */
struct file *fd_get(int fd);
long fd_close(int fd);
long fd_dup(int fd, int min_fd);
/* Makes new_fd name fd's file, closing what new_fd named before, in one
 * step (dup2): no other thread can take new_fd in between. */
long fd_dup_to(int fd, int new_fd);

#endif

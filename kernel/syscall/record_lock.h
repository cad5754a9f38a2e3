/* record_lock.h: fcntl's record-lock commands, answered by record_lock.c. */
#ifndef LULL_SYSCALL_RECORD_LOCK_H
#define LULL_SYSCALL_RECORD_LOCK_H

#include "io/file.h"
#include "syscall/linux_abi.h"

#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38

/* One record-lock command on f, `l` being the application's struct flock
 * (not yet checked). Returns 0 or a negated errno. */
long record_lock(struct file *f, long cmd, struct linux_flock *l);

#endif

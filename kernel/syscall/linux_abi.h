/*
 * linux_abi.h: the Linux x86-64 constants and structures of the system
 * calls, written out once: open flags, *at flags, fcntl commands, file
 * types, seek origins, the socket calls' families, types, levels, options
 * and flags, and the layouts of struct stat, struct statfs, struct
 * linux_dirent64, struct iovec, struct sockaddr_in and struct msghdr as the
 * application (musl) reads them. The kernel does not include libc's
 * <fcntl.h>, <sys/stat.h> or <sys/socket.h>, so nothing here can disagree
 * with a copy.
 */
#ifndef LULL_SYSCALL_LINUX_ABI_H
#define LULL_SYSCALL_LINUX_ABI_H

#include <stddef.h>
#include <stdint.h>

/* open(2) flags. */
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000

/* fcntl(2) commands. */
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030

/* The *at calls. */
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200 /* faccessat's: shares AT_REMOVEDIR's bit */
#define AT_EMPTY_PATH 0x1000

#define RENAME_NOREPLACE 1

/* access(2) modes. */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* st_mode. */
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFSOCK 0140000

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* posix_fadvise's advice: NORMAL 0 ... NOREUSE 5. */
#define POSIX_FADV_NOREUSE 5

/* linux_dirent64's d_type. */
#define DT_DIR 4
#define DT_REG 8

/* statfs's f_flags. */
#define ST_RDONLY 0x0001
#define ST_VALID 0x0020

struct linux_stat {
	uint64_t dev;
	uint64_t ino;
	uint64_t nlink;
	uint32_t mode;
	uint32_t uid, gid;
	uint32_t pad0;
	uint64_t rdev;
	int64_t size;
	int64_t blksize;
	int64_t blocks; /* 512-byte units */
	int64_t atime, atime_nsec;
	int64_t mtime, mtime_nsec;
	int64_t ctime, ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes on x86-64");

struct linux_statfs {
	int64_t type;
	int64_t bsize;
	uint64_t blocks, bfree, bavail;
	uint64_t files, ffree;
	int32_t fsid[2];
	int64_t namelen;
	int64_t frsize;
	int64_t flags;
	int64_t spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs is 120 bytes on x86-64");

/* fcntl's record locks: struct flock and its types. */
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
struct linux_flock {
	int16_t type;
	int16_t whence;
	int64_t start;
	int64_t len;
	int32_t pid;
};
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock is 32 bytes on x86-64");

/* readv, writev, sendmsg, recvmsg: one buffer, and Linux's limit on how
 * many one call takes (UIO_MAXIOV). */
struct linux_iovec {
	void *base;
	size_t len;
};
#define IOV_MAX_COUNT 1024

/* Sockets: families, types (with the flags socket(2) and accept4(2) share
 * with open(2)), protocols, option levels and names, message flags. */
#define AF_UNIX 1
#define AF_INET 2
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_REUSEPORT 15
#define TCP_NODELAY 1
#define TCP_CORK 3
#define TCP_DEFER_ACCEPT 9
#define MSG_PEEK 0x2
#define MSG_DONTWAIT 0x40

struct linux_sockaddr_in {
	uint16_t family;
	uint16_t port; /* network byte order */
	uint32_t addr; /* network byte order */
	uint8_t zero[8];
};

struct linux_msghdr {
	void *name;
	uint32_t namelen;
	struct linux_iovec *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	int flags;
};

/* One getdents64 record; the NUL-terminated name follows, and the record
 * is padded to 8 bytes. */
struct linux_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
} __attribute__((packed));

#endif

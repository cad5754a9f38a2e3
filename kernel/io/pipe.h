/* pipe.h: pipe(2), pipe2(2) and socketpair(2)'s AF_UNIX streams. */
#ifndef LULL_IO_PIPE_H
#define LULL_IO_PIPE_H

/* Creates a pipe and installs its read end and write end in fds[0] and
 * fds[1]; flags are pipe2's (O_NONBLOCK, O_CLOEXEC). Returns 0 or a
 * negative errno. */
long pipe_open(int fds[2], int flags);

/* Creates two connected stream files, each reading what the other writes,
 * and installs them in fds[0] and fds[1]; flags are O_NONBLOCK and
 * O_CLOEXEC (socketpair's SOCK_NONBLOCK and SOCK_CLOEXEC). Returns 0 or a
 * negative errno. */
long socket_pair_open(int fds[2], int flags);

#endif

/* pipe.h: pipe(2) and pipe2(2). */
#ifndef LULL_IO_PIPE_H
#define LULL_IO_PIPE_H

/* Creates a pipe and installs its read end and write end in fds[0] and
 * fds[1]; flags are pipe2's (O_NONBLOCK, O_CLOEXEC). Returns 0 or a
 * negative errno. */
long pipe_open(int fds[2], int flags);

#endif

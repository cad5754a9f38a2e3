/*
 * listen_backlog.c: a library `lull run` preloads into QEMU when it
 * forwards host ports to a guest (`-p`), so that QEMU's listening sockets
 * take a burst of simultaneous connects.
 *
 * QEMU's user networking (libslirp 4.7) listens on a forwarded port with
 * a backlog of 1 and accepts one connection per pass of its main loop.
 * When clients connect faster, the host kernel's accept queue overflows;
 * with SYN cookies on (Debian's default) the clients' handshakes still
 * complete, and the kernel then resets the connections it cannot queue:
 * 20 clients connecting at once saw `ECONNRESET` with 0 bytes back, and
 * the guest never saw their SYNs (a packet capture of the guest's NIC and
 * an strace of QEMU: no accept for them). The guest is not involved, so
 * the remedy is on the host: give every listen() in QEMU the system's
 * maximum backlog (net.core.somaxconn), as a server would ask for.
 */
#include <dlfcn.h>
#include <sys/socket.h>

int listen(int fd, int backlog)
{
	static int (*next_listen)(int, int);

	if (!next_listen)
		next_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
	return next_listen(fd, backlog < SOMAXCONN ? SOMAXCONN : backlog);
}

/* lull-test: status=0 smp=1
 * expect: ^socket options ok$
 */
/* TCP_NODELAY, TCP_CORK and TCP_DEFER_ACCEPT read back what was set, as
 * Linux reports them; a TCP option on a UDP socket or an unknown one is
 * ENOPROTOOPT. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

static int get(int fd, int name)
{
	int v = -99;
	socklen_t len = sizeof v;
	CHECK(getsockopt(fd, IPPROTO_TCP, name, &v, &len) == 0 && len == sizeof v);
	return v;
}

static int set(int fd, int name, int v)
{
	return setsockopt(fd, IPPROTO_TCP, name, &v, sizeof v);
}

int main(void)
{
	int tcp = socket(AF_INET, SOCK_STREAM, 0), udp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(tcp >= 0 && udp >= 0);

	const int flags[] = { TCP_NODELAY, TCP_CORK };
	for (unsigned i = 0; i < 2; i++) {
		CHECK(get(tcp, flags[i]) == 0);
		CHECK(set(tcp, flags[i], 5) == 0 && get(tcp, flags[i]) == 1);
		CHECK(set(tcp, flags[i], 0) == 0 && get(tcp, flags[i]) == 0);
	}
	CHECK(get(tcp, TCP_DEFER_ACCEPT) == 0);
	/* Seconds rounded up to what whole SYN-ACK retransmissions span (1 s,
	 * doubling to 120 s, at most 255), as Linux keeps and reports them. */
	CHECK(set(tcp, TCP_DEFER_ACCEPT, 1) == 0 && get(tcp, TCP_DEFER_ACCEPT) == 1);
	CHECK(set(tcp, TCP_DEFER_ACCEPT, 5) == 0 && get(tcp, TCP_DEFER_ACCEPT) == 7);
	CHECK(set(tcp, TCP_DEFER_ACCEPT, 10) == 0 && get(tcp, TCP_DEFER_ACCEPT) == 15);
	CHECK(set(tcp, TCP_DEFER_ACCEPT, 200) == 0 && get(tcp, TCP_DEFER_ACCEPT) == 247);
	CHECK(set(tcp, TCP_DEFER_ACCEPT, -3) == 0 && get(tcp, TCP_DEFER_ACCEPT) == 0);
	CHECK(set(tcp, TCP_DEFER_ACCEPT, 1 << 30) == 0 &&
	      get(tcp, TCP_DEFER_ACCEPT) == 127 + 248 * 120);

	CHECK(set(udp, TCP_CORK, 1) == -1 && errno == ENOPROTOOPT);
	CHECK(set(tcp, 12345, 1) == -1 && errno == ENOPROTOOPT);
	close(udp);
	close(tcp);
	if (failures)
		return 1;
	printf("socket options ok\n");
	return 0;
}

/* control.c: the control socket (see control.h). A client sends one line,
 * "text" or "json", and reads the counters until the switch closes. */
#include "control.h"

#include "port.h"
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static bool control_address(const char *dir, struct sockaddr_un *addr)
{
	*addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	int n = snprintf(addr->sun_path, sizeof addr->sun_path, "%s/%s", dir, CONTROL_SOCKET_NAME);
	return n > 0 && (size_t)n < sizeof addr->sun_path;
}

static int connect_control(const char *dir, char *err, size_t err_size)
{
	struct sockaddr_un addr;
	struct timeval timeout = { .tv_sec = 5 };

	if (!control_address(dir, &addr)) {
		snprintf(err, err_size, "%s: directory name too long for a socket", dir);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			snprintf(err, err_size, "no switch is running on %s (lull-switch start --socket-dir %s)",
				 dir, dir);
		else
			snprintf(err, err_size, "%s: %s", addr.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	return fd;
}

int control_listen(const char *dir, char *err, size_t err_size)
{
	struct sockaddr_un addr;
	char probe_err[8];

	int running = connect_control(dir, probe_err, sizeof probe_err);
	if (running >= 0) {
		close(running);
		snprintf(err, err_size, "a switch already runs on %s", dir);
		return -1;
	}
	control_address(dir, &addr);
	unlink(addr.sun_path); /* a dead switch's: nobody answered on it */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 8) < 0) {
		snprintf(err, err_size, "%s: %s", addr.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A port name (a file name) as a JSON string. */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A consistent-enough copy of a port for printing. */
struct port_view {
	char name[PORT_NAME_MAX + 1];
	enum port_kind kind;
	int worker;
	struct port_counters c;
};

static bool view_port(int i, struct port_view *v)
{
	struct port *p = &ports[i];

	pthread_mutex_lock(&p->lock);
	v->kind = p->kind;
	v->worker = p->worker;
	memcpy(v->name, p->name, sizeof v->name);
	pthread_mutex_unlock(&p->lock);
	const uint64_t *from = (const uint64_t *)&p->counters;
	uint64_t *to = (uint64_t *)&v->c;
	for (size_t k = 0; k < sizeof v->c / sizeof(uint64_t); k++)
		to[k] = port_counter(&from[k]);
	return v->kind != PORT_FREE;
}

static void write_json(FILE *out)
{
	struct port_view v;
	struct worker_stats w;
	const char *sep = "";

	fprintf(out, "{\"workers\":[");
	for (unsigned i = 0; i < worker_count(); i++) {
		worker_stats((int)i, &w);
		fprintf(out, "%s{\"id\":%u,\"cpu_ns\":%llu,\"ports\":%u,\"passes\":%llu,\"sleeps\":%llu,"
			"\"blocks\":%llu}", i ? "," : "", i, (unsigned long long)w.cpu_ns, w.ports,
			(unsigned long long)w.passes, (unsigned long long)w.sleeps,
			(unsigned long long)w.blocks);
	}
	fprintf(out, "],\"ports\":[");
	for (int i = 0; i < PORT_MAX; i++) {
		if (!view_port(i, &v))
			continue;
		fprintf(out, "%s{\"name\":", sep);
		json_string(out, v.name);
		fprintf(out, ",\"kind\":\"%s\",\"worker\":%d,\"tx_packets\":%llu,\"tx_bytes\":%llu,"
			"\"tx_drops\":%llu,\"rx_packets\":%llu,\"rx_bytes\":%llu,\"rx_drops\":%llu,"
			"\"bad_descriptors\":%llu,\"cpu_ns\":%llu}",
			v.kind == PORT_TAP ? "tap" : "vhost-user", v.worker,
			(unsigned long long)v.c.tx_packets, (unsigned long long)v.c.tx_bytes,
			(unsigned long long)v.c.tx_drops, (unsigned long long)v.c.rx_packets,
			(unsigned long long)v.c.rx_bytes, (unsigned long long)v.c.rx_drops,
			(unsigned long long)v.c.bad_descriptors, (unsigned long long)v.c.cpu_ns);
		sep = ",";
	}
	fprintf(out, "]}\n");
}

static void write_table(FILE *out)
{
	struct port_view v;
	struct worker_stats w;

	fprintf(out, "%-24s %6s %10s %12s %8s %10s %12s %8s %8s %10s\n", "PORT", "WORKER", "TX_PKTS",
		"TX_BYTES", "TX_DROP", "RX_PKTS", "RX_BYTES", "RX_DROP", "BAD_DESC", "CPU_MS");
	for (int i = 0; i < PORT_MAX; i++) {
		if (!view_port(i, &v))
			continue;
		fprintf(out, "%-24s %6d %10llu %12llu %8llu %10llu %12llu %8llu %8llu %10.3f\n", v.name,
			v.worker, (unsigned long long)v.c.tx_packets, (unsigned long long)v.c.tx_bytes,
			(unsigned long long)v.c.tx_drops, (unsigned long long)v.c.rx_packets,
			(unsigned long long)v.c.rx_bytes, (unsigned long long)v.c.rx_drops,
			(unsigned long long)v.c.bad_descriptors, (double)v.c.cpu_ns / 1e6);
	}
	fprintf(out, "(TX: what the VM sent into the switch; RX: what the switch delivered to it)\n");
	for (unsigned i = 0; i < worker_count(); i++) {
		worker_stats((int)i, &w);
		fprintf(out, "worker %u: %u ports, cpu %.3f ms, %llu passes, %llu sleeps, %llu blocks\n", i,
			w.ports, (double)w.cpu_ns / 1e6, (unsigned long long)w.passes,
			(unsigned long long)w.sleeps, (unsigned long long)w.blocks);
	}
}

void control_serve(int listen_fd)
{
	struct timeval timeout = { .tv_sec = 1 };
	char request[16] = "";
	char *text = NULL;
	size_t size = 0;

	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
	ssize_t n = recv(fd, request, sizeof request - 1, 0);
	FILE *out = open_memstream(&text, &size);
	if (out) {
		if (n > 0 && !strncmp(request, "json", 4))
			write_json(out);
		else
			write_table(out);
		fclose(out);
		(void)!send(fd, text, size, MSG_NOSIGNAL);
		free(text);
	}
	close(fd);
}

int control_print_stats(const char *dir, bool json, char *err, size_t err_size)
{
	char buf[4096];
	ssize_t n;

	int fd = connect_control(dir, err, err_size);
	if (fd < 0)
		return -1;
	const char *request = json ? "json\n" : "text\n";
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
		snprintf(err, err_size, "the switch on %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	if (n < 0) {
		snprintf(err, err_size, "the switch on %s did not answer: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

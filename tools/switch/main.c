/*
 * main.c: `lull-switch`: the command line, and the control thread of a
 * running switch. The control thread connects to every vhost-user socket
 * that QEMU instances listen on in --socket-dir (at start, when inotify
 * says a file appeared, and every RESCAN_MS for sockets that refused
 * before), serves their vhost-user requests, answers the control socket
 * and rebalances ports between workers. The data path is the workers'.
 */
#include "control.h"
#include "port.h"
#include "vhost_user.h"
#include "worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RESCAN_MS 2000
#define REBALANCE_S 5
#define DEFAULT_SLEEP_MAX_US 1000
/* epoll data of the control thread's own fds; ports are 0..PORT_MAX-1. */
enum { EVENT_CONTROL = PORT_MAX, EVENT_INOTIFY, EVENT_SIGNAL };

static const char usage[] =
	"usage: lull-switch start --socket-dir DIR [--workers N] [--uplink tap:IF]\n"
	"                         [--sleep-max-us US]\n"
	"       lull-switch stats --socket-dir DIR [--json]\n"
	"\n"
	"A shared vhost-user switch for the VMs of this host: a learning Ethernet\n"
	"switch between every QEMU whose vhost-user socket is in DIR, served by a\n"
	"few worker threads that poll while there is traffic and sleep when there\n"
	"is none.\n"
	"\n"
	"start   runs the switch in the foreground (logs on stderr) until SIGTERM\n"
	"        or SIGINT. It connects to every socket in DIR, and to each new\n"
	"        one; a restarted switch reconnects to the VMs still running.\n"
	"  --socket-dir DIR   where the VMs' sockets are (lull run --net\n"
	"                     switch:DIR/NAME puts them there)\n"
	"  --workers N        worker threads, 1 to 64 (default: one per core)\n"
	"  --uplink tap:IF    also switch to and from the host's tap device IF\n"
	"  --sleep-max-us US  the longest back-off sleep of an idle worker\n"
	"                     before it blocks, 0 to 100000 (default 1000)\n"
	"stats   prints each port's counters (packets, bytes, drops, bad\n"
	"        descriptors, worker CPU time spent on it) and each worker's\n"
	"  --json             as one JSON document\n"
	"\n"
	"A VM attaches with these QEMU options (lull run --net switch:DIR/NAME\n"
	"adds them; a Linux guest needs the same):\n"
	"  -object memory-backend-memfd,id=mem,size=SIZE,share=on\n"
	"  -machine memory-backend=mem        (SIZE as -m SIZE)\n"
	"  -chardev socket,id=sw,path=DIR/NAME,server=on,wait=off\n"
	"  -netdev vhost-user,id=net0,chardev=sw\n"
	"  -device virtio-net-pci,netdev=net0,mac=52:54:00:XX:XX:XX\n"
	"         (virtio-net-device on microvm; a distinct MAC per VM; under TCG\n"
	"         add vectors=0 on virtio-pci: QEMU 7.2 crashes starting vhost-user\n"
	"         with MSI-X there, and the guest then uses the INTx line)\n";

static void fail_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "lull-switch: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see lull-switch --help)\n");
	exit(2);
}

static unsigned parse_number(const char *option, const char *value, unsigned min, unsigned max)
{
	char *end;
	errno = 0;
	unsigned long n = value ? strtoul(value, &end, 10) : 0;
	if (!value || errno || end == value || *end || value[0] == '-' || n < min || n > max) {
		fprintf(stderr, "lull-switch: %s %s: expected a number from %u to %u\n", option,
			value ? value : "", min, max);
		exit(2);
	}
	return (unsigned)n;
}

static int open_tap(const char *name, char *err, size_t err_size)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };

	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, err_size, "tap:%s: interface names have at most %d characters", name,
			 IFNAMSIZ - 1);
		return -1;
	}
	strcpy(ifr.ifr_name, name);
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, err_size, "tap:%s: %s%s", name, strerror(errno),
			 errno == EPERM ? " (creating or attaching a tap device needs root or "
					  "CAP_NET_ADMIN)" : errno == EBUSY ? " (another program has it)" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool port_named(const char *name)
{
	for (int i = 0; i < PORT_MAX; i++)
		if (__atomic_load_n(&ports[i].kind, __ATOMIC_ACQUIRE) == PORT_VHOST &&
		    !strcmp(ports[i].name, name))
			return true;
	return false;
}

/* Connects to every socket in dir not yet connected. Sockets that refuse
 * (left by a QEMU that is gone) are tried again at the next scan. */
static void scan(const char *dir, int epoll_fd)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX], err[256];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (!strcmp(e->d_name, CONTROL_SOCKET_NAME) || port_named(e->d_name) ||
		    stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		int fd = vhost_user_connect(path, err, sizeof err);
		if (fd < 0) {
			if (errno != ECONNREFUSED)
				fprintf(stderr, "lull-switch: cannot connect to %s\n", err);
			continue;
		}
		int index = port_add(PORT_VHOST, e->d_name, fd);
		if (index < 0) {
			fprintf(stderr, "lull-switch: %s: all %d ports are taken\n", e->d_name, PORT_MAX);
			close(fd);
			continue;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)index };
		epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
		fprintf(stderr, "lull-switch: port %s connected (worker %d)\n", e->d_name,
			ports[index].worker);
	}
	closedir(d);
}

static void serve_port(int index, int epoll_fd)
{
	char err[256];

	if (vhost_user_serve(index, err, sizeof err) == 0)
		return;
	fprintf(stderr, "lull-switch: port %s disconnected: %s\n", ports[index].name, err);
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, ports[index].sock, NULL);
	port_remove(index);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run_switch(const char *dir, int epoll_fd, int control_fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	int signal_fd = signalfd(-1, &stop, SFD_CLOEXEC);
	int inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	ev.data.u64 = EVENT_SIGNAL;
	epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signal_fd, &ev);
	ev.data.u64 = EVENT_CONTROL;
	epoll_ctl(epoll_fd, EPOLL_CTL_ADD, control_fd, &ev);
	if (inotify_fd >= 0 && inotify_add_watch(inotify_fd, dir, IN_CREATE | IN_MOVED_TO) >= 0) {
		ev.data.u64 = EVENT_INOTIFY;
		epoll_ctl(epoll_fd, EPOLL_CTL_ADD, inotify_fd, &ev);
	}
	scan(dir, epoll_fd);
	double next_scan = now_s() + RESCAN_MS / 1e3, next_rebalance = now_s() + REBALANCE_S;
	for (;;) {
		struct epoll_event events[16];
		int n = epoll_wait(epoll_fd, events, 16, RESCAN_MS);
		for (int k = 0; k < n; k++) {
			uint64_t what = events[k].data.u64;
			if (what == EVENT_SIGNAL) {
				fprintf(stderr, "lull-switch: stopping\n");
				return 0;
			} else if (what == EVENT_CONTROL) {
				control_serve(control_fd);
			} else if (what == EVENT_INOTIFY) {
				char buf[4096];
				while (read(inotify_fd, buf, sizeof buf) > 0)
					continue;
				scan(dir, epoll_fd);
			} else {
				serve_port((int)what, epoll_fd);
			}
		}
		double now = now_s();
		if (now >= next_scan) {
			scan(dir, epoll_fd);
			next_scan = now + RESCAN_MS / 1e3;
		}
		if (now >= next_rebalance) {
			workers_rebalance();
			next_rebalance = now + REBALANCE_S;
		}
	}
}

static int cmd_start(int argc, char **argv)
{
	const char *dir = NULL, *uplink = NULL;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned workers = cores > 0 && cores <= WORKER_MAX ? (unsigned)cores : 1;
	unsigned sleep_max_us = DEFAULT_SLEEP_MAX_US;
	char err[512];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--socket-dir") && value) {
			dir = argv[++i];
		} else if (!strcmp(a, "--workers")) {
			workers = parse_number(a, value, 1, WORKER_MAX);
			i++;
		} else if (!strcmp(a, "--sleep-max-us")) {
			sleep_max_us = parse_number(a, value, 0, 100000);
			i++;
		} else if (!strcmp(a, "--uplink") && value) {
			if (strncmp(value, "tap:", 4) || !value[4])
				fail_usage("--uplink %s: expected tap:IFNAME", value);
			uplink = argv[++i] + 4;
		} else if (!strcmp(a, "--socket-dir") || !strcmp(a, "--uplink")) {
			fail_usage("%s needs a value", a);
		} else {
			fail_usage("unknown option %s", a);
		}
	}
	if (!dir)
		fail_usage("%sstart needs --socket-dir DIR", "");
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lull-switch: --socket-dir %s: %s\n", dir,
			errno == ENOENT ? "no such directory" : "not a directory");
		return 1;
	}
	/* Stop signals are read from a signalfd by the control thread; the
	 * workers inherit the mask and never see them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	int control_fd = control_listen(dir, err, sizeof err);
	if (control_fd < 0) {
		fprintf(stderr, "lull-switch: %s\n", err);
		return 1;
	}
	ports_init();
	int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0 || workers_start(workers, sleep_max_us, err, sizeof err) < 0) {
		fprintf(stderr, "lull-switch: %s\n", epoll_fd < 0 ? strerror(errno) : err);
		return 1;
	}
	if (uplink) {
		int tap = open_tap(uplink, err, sizeof err);
		if (tap < 0) {
			fprintf(stderr, "lull-switch: --uplink %s\n", err);
			return 1;
		}
		char name[PORT_NAME_MAX + 1];
		snprintf(name, sizeof name, "uplink:%s", uplink);
		port_add(PORT_TAP, name, tap);
	}
	fprintf(stderr, "lull-switch: serving %s with %u workers\n", dir, workers);
	int status = run_switch(dir, epoll_fd, control_fd);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, CONTROL_SOCKET_NAME);
	unlink(path);
	return status;
}

static int cmd_stats(int argc, char **argv)
{
	const char *dir = NULL;
	bool json = false;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--socket-dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--socket-dir")) {
			fail_usage("%s needs a value", argv[i]);
		} else {
			fail_usage("unknown option %s", argv[i]);
		}
	}
	if (!dir)
		fail_usage("%sstats needs --socket-dir DIR", "");
	if (control_print_stats(dir, json, err, sizeof err) < 0) {
		fprintf(stderr, "lull-switch: %s\n", err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "start"))
		return cmd_start(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(argc - 1, argv + 1);
	fail_usage("unknown command '%s'", argv[1]);
	return 2;
}

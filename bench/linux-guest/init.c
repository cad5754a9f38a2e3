/*
 * init.c: /init of the Linux guests of the benchmarks, the baselines that
 * run the same programs as the Lull guests on Debian's kernel: /httpd for
 * `make bench-http`; with run=PROG and disk=DEVICE on the kernel command
 * line, /PROG DIR [ARGS...] for `make bench-disk`, DIR being DEVICE mounted
 * (vfat) and ARGS the words of args=A,B,...
 *
 * Debian builds virtio-pci and virtio-net as modules, and the initramfs has
 * no udev, modprobe or shell, so this program does their part: it loads
 * the .ko files of /modules in name order (bench/linux-guest/initramfs.sh numbers them
 * so that dependencies come first), brings up lo and eth0 and becomes
 * /httpd. eth0's address is guest_ip=A.B.C.D on the kernel command line
 * (the kernel hands such words to init as environment), /24, or QEMU user
 * networking's guest address, 10.0.2.15, without it. With run=PROG and no
 * disk= (tests/switch: a peer of Lull guests), /PROG ARGS runs in place of
 * /httpd once eth0 is up. A program run with run= is waited for; then the
 * disk, if any, is synced and unmounted, and the VM powered off (QEMU
 * exits).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define MODULE_DIR "/modules"

static void console(void)
{
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	int fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void load_modules(void)
{
	struct dirent **names;
	int n = scandir(MODULE_DIR, &names, NULL, by_name);
	if (n < 0) {
		perror("init: " MODULE_DIR);
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[512];
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof path, MODULE_DIR "/%s", names[i]->d_name);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
				fprintf(stderr, "init: loading %s: %s\n", path, strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		free(names[i]);
	}
	free(names);
}

static int set_addr(int s, const char *ifname, unsigned long request, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	return ioctl(s, request, &ifr);
}

static int bring_up(int s, const char *ifname)
{
	struct ifreq ifr = { 0 };
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static void network(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("init: socket");
		return;
	}
	if (bring_up(s, "lo") != 0)
		perror("init: lo");
	/* The driver registers eth0 while its module loads; give a slow
	 * (emulated) probe up to 5 s anyway. */
	for (int tries = 0; if_nametoindex("eth0") == 0 && tries < 500; tries++)
		usleep(10000);
	const char *ip = getenv("guest_ip");
	if (set_addr(s, "eth0", SIOCSIFADDR, ip ? ip : "10.0.2.15") != 0 ||
	    set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") != 0 || bring_up(s, "eth0") != 0)
		perror("init: eth0");
	close(s);
}

#define DISK_DIR "/disk0"

#define MAX_ARGS 8

/* Runs /PROG [DIR] ARGS... to its end, ARGS being the words of
 * args=A,B,..., and prints its exit status. */
static void run_program(const char *prog, const char *dir, char *args)
{
	char path[256];
	char *argv[MAX_ARGS + 3] = { (char *)prog, (char *)dir };
	int argc = dir ? 2 : 1;
	for (char *word = args ? strtok(args, ",") : NULL; word && argc < MAX_ARGS + 2;
	     word = strtok(NULL, ","))
		argv[argc++] = word;
	snprintf(path, sizeof path, "/%s", prog);
	pid_t pid = fork();
	if (pid == 0) {
		execv(path, argv);
		fprintf(stderr, "init: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("init: %s exited %d\n", prog, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static _Noreturn void power_off(void)
{
	fflush(stdout);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Mounts the disk, runs /PROG DISK_DIR ARGS... to its end, and powers off. */
static _Noreturn void run_on_disk(const char *prog, const char *disk, char *args)
{
	mkdir(DISK_DIR, 0755);
	/* The disk appears while virtio_blk probes; allow a slow emulated one 5 s. */
	for (int tries = 0; access(disk, F_OK) != 0 && tries < 500; tries++)
		usleep(10000);
	if (mount(disk, DISK_DIR, "vfat", 0, NULL) != 0) {
		fprintf(stderr, "init: mount %s: %s\n", disk, strerror(errno));
	} else {
		run_program(prog, DISK_DIR, args);
		sync();
		umount(DISK_DIR);
	}
	power_off();
}

int main(void)
{
	console();
	load_modules();
	const char *run = getenv("run"), *disk = getenv("disk");
	if (run && disk)
		run_on_disk(run, disk, getenv("args"));
	network();
	if (run) {
		run_program(run, NULL, getenv("args"));
		power_off();
	}
	execl("/httpd", "httpd", "80", "/www", (char *)NULL);
	perror("init: /httpd");
	/* PID 1 must not exit; with panic=-1 and -no-reboot, QEMU stops. */
	return 1;
}

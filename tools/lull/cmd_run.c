/*
 * cmd_run.c: `lull run`: boot an image under QEMU with the console on
 * stdout, and exit with the application's exit status.
 *
 * The kernel ends the VM through QEMU's isa-debug-exit device, which makes
 * QEMU exit with (N << 1) | 1 for exit(N). Just before, it writes "exit N"
 * (or "panic") to an isa-debugcon port that we connect to a file: that is
 * where the exact status comes from.
 *
 * Disks (--disk, --share) are virtio-blk devices; the guest learns where
 * to mount each from lull.mount=diskN:PATH[:ro] kernel options, N counting
 * them in command-line order, which is the order the guest finds them.
 */
#include "commands.h"
#include "elf_image.h"
#include "util.h"

#include "qmp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QEMU "qemu-system-x86_64"
#define CMDLINE_MAX 4095
#define STATUS_PORT "0x7f0"
#define DISK_MAX 4 /* the guest's BLOCKDEV_MAX */
#define MOUNT_PATH_MAX 200
#define DEFAULT_STOP_TIMEOUT 10
/* QEMU's virtual FAT disk (vvfat) is a 504 MiB FAT16 disk, whatever the
 * FAT type asked for (QEMU 7.2). */
#define SHARE_CAPACITY (504ULL << 20)

static const char usage[] =
	"usage: lull run IMAGE [OPTIONS] [-- ARGS...]\n"
	"\n"
	"Boots a Lull image under QEMU, shows its console on stdout and exits with\n"
	"the application's exit status.\n"
	"\n"
	"  --smp N                  virtual CPUs, 1 to 64 (default 1)\n"
	"  --mem SIZE               memory: 256M, 1G, or MiB without a suffix;\n"
	"                           at least 32M (default 256M)\n"
	"  --machine microvm|q35|pc QEMU machine type (default microvm)\n"
	"  --accel tcg|kvm          tcg: software emulation (default); kvm: hardware\n"
	"                           virtualisation, needs a usable /dev/kvm\n"
	"  -p HOSTPORT:GUESTPORT    forward a host TCP port to the guest (repeatable);\n"
	"                           implies --net user\n"
	"  --net user|tap:IFNAME|switch:DIR/NAME|none\n"
	"                           the network: QEMU's user networking, an existing\n"
	"                           tap device, a port of the lull-switch serving\n"
	"                           DIR (vhost-user; QEMU listens on DIR/NAME), or\n"
	"                           no NIC (default: none, or user with -p); the NIC\n"
	"                           is virtio-net, with a queue pair per vCPU on a\n"
	"                           multi_queue tap device (q35/pc). On a switch\n"
	"                           there is no DHCP server: give the guest lull.ip=\n"
	"                           and lull.mask=\n"
	"  --mac XX:XX:XX:XX:XX:XX  the NIC's MAC address (a unicast one). Default:\n"
	"                           QEMU's 52:54:00:12:34:56, the same for every VM,\n"
	"                           except on a switch, where it is made from NAME;\n"
	"                           VMs sharing a bridge of tap devices need their own MACs\n"
	"  --name NAME              the VM's name, as `lull top` and `lull place`\n"
	"                           show it: letters, digits, '.', '_', '-', at most\n"
	"                           63 (default: the image's name and this\n"
	"                           process's id, e.g. hello-4242)\n"
	"  --disk FILE[:ro]         attach a raw disk image as a virtio-blk disk,\n"
	"                           mounted in the guest at /diskN (N counts every\n"
	"                           --disk and --share in order, from 0); :ro attaches\n"
	"                           it read-only. Repeatable: 4 disks at most, shares\n"
	"                           included. `lull disk create` makes FAT images\n"
	"  --share DIR              share a host directory, mounted at /share, through\n"
	"                           QEMU's virtual FAT disk (fat:rw:DIR); its limits\n"
	"                           are below\n"
	"  --mount PATH             right after a --disk or --share: mount that disk\n"
	"                           at PATH (absolute) instead\n"
	"  --stats                  print each core's counters when the VM exits\n"
	"  --stop-timeout SEC       when lull run gets SIGTERM or SIGINT, the\n"
	"                           application gets SIGTERM and SEC seconds to exit\n"
	"                           (default 10) before QEMU is stopped; 0 stops\n"
	"                           QEMU at once. A second signal stops it at once\n"
	"  -v                       print the QEMU command line\n"
	"  --help                   this text\n"
	"  -- ARGS...               the application's arguments (argv[1]...); with a\n"
	"                           further `--` among them, KEY=VALUE words before it\n"
	"                           become its environment. Leading lull.* words are\n"
	"                           kernel options: lull.ip=A.B.C.D lull.mask=M\n"
	"                           lull.gw=G (a static address, e.g. on a tap\n"
	"                           device), lull.dhcp=0, lull.stats=1, lull.debug=1\n"
	"                           (debug checks: panic on work an interrupt\n"
	"                           handler must not do; LULL_DEBUG=1 in the\n"
	"                           environment adds it to every run, as the tests do)\n"
	"\n"
	"Disks: QEMU opens each image with cache=writeback: what the guest writes\n"
	"to a disk goes to the host's page cache, and a flush from the guest makes\n"
	"QEMU fdatasync the image before the guest goes on. An fsync or sync in the\n"
	"guest writes the data out and flushes: what the guest has synced survives\n"
	"QEMU being killed and the host crashing. What it has not synced may be\n"
	"lost either way (the guest keeps it in its block cache until a sync or the\n"
	"application's exit).\n"
	"\n"
	"--share DIR uses QEMU's virtual FAT disk (vvfat), which QEMU calls beta for\n"
	"writing. Its limits (QEMU 7.2):\n"
	"  - one FAT16 disk of 504 MiB: DIR's files must fit (QEMU refuses to start\n"
	"    otherwise), and the guest can add only what is left;\n"
	"  - QEMU reads DIR's tree when it starts, and the host must not change DIR\n"
	"    while the VM runs: the guest does not see new files, sees changed ones\n"
	"    torn (the old size, the new bytes), and QEMU may overwrite the change\n"
	"    or abort;\n"
	"  - the guest's writes reach the disk when it syncs (fsync, sync) or exits;\n"
	"    QEMU keeps them in a hidden temporary file in /var/tmp and copies them\n"
	"    into DIR as soon as the file system is consistent, so synced files are\n"
	"    in DIR even if QEMU is then killed; it never syncs DIR itself, so a host\n"
	"    crash can still lose them;\n"
	"  - QEMU's documentation asks for ASCII file names.\n"
	"For data that matters, use a disk image: lull disk create IMG SIZE --from\n"
	"DIR, then --disk IMG.\n"
	"\n"
	"Stopping: `kill` (SIGTERM or SIGINT) on lull run delivers SIGTERM to the\n"
	"application (through an NMI request over QMP), so that it can save and exit\n"
	"as it would on Linux; without a handler that ends it with status 143.\n"
	"Ctrl-C on the terminal stops QEMU at once.\n"
	"\n"
	"Exit status: the application's (0-255); 125 if the guest kernel faulted or\n"
	"the VM stopped without a status; 128+N when the application was ended by\n"
	"signal N, or when QEMU was stopped by signal N (Ctrl-C: 130, SIGTERM: 143);\n"
	"2 for a usage error or an image that is not a Lull image; 127 if QEMU is\n"
	"not installed.\n"
	"\n"
	"QEMU runs with -name NAME,debug-threads=on (its vCPU threads are named\n"
	"\"CPU N/TCG\") and a QMP socket in a private temporary directory, through\n"
	"which `lull top` reads the guest's counters.\n"
	"\n"
	"examples: lull run build/examples/hello.elf --smp 2 -- one two\n"
	"          lull run app.elf --disk data.img --mount /data --disk ref.img:ro\n";

/* One --disk or --share. */
struct disk_option {
	char *path; /* the image, or the shared directory (malloc'd) */
	bool read_only;
	bool share;
	dev_t dev; /* of an image: the same file twice is refused */
	ino_t ino;
	char mount[MOUNT_PATH_MAX + 1]; /* where the guest mounts it */
};

struct run_options {
	const char *image;
	unsigned smp;
	char mem[32];
	const char *machine;
	const char *accel;
	const char *name; /* NULL: made from the image's name */
	bool stats;
	bool verbose;
	unsigned stop_timeout; /* seconds the guest has to stop when asked */
	const char *net; /* NULL, "user", "tap:IFNAME" or "switch:DIR/NAME" */
	const char *mac; /* NULL: QEMU's default, or one made for a switch port */
	char forwards[512];
	struct disk_option disks[DISK_MAX];
	unsigned disk_count;
	int first_arg, argc;
	char **argv;
};

/* Signals reach the main loop through a pipe: the loop waits for QEMU's
 * exit (SIGCHLD), a stop request (SIGINT, SIGTERM) or the end of the grace
 * period (SIGALRM) in one read, with no window in which one is missed. */
static int signal_pipe[2] = { -1, -1 };

static void note_signal(int sig)
{
	int saved = errno;
	unsigned char byte = (unsigned char)sig;
	if (write(signal_pipe[1], &byte, 1) < 0) {
		/* the pipe is full of earlier signals: the loop sees those */
	}
	errno = saved;
}

/* Asks the guest to stop: QMP's inject-nmi raises the guest's LINT1, which
 * Lull's kernel turns into SIGTERM for the application. */
/* Whether QEMU has exited, without reaping it. */
static bool exited(pid_t pid)
{
	siginfo_t info = { 0 };
	return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

static bool ask_guest_to_stop(pid_t pid, const char *qmp_path)
{
	struct qmp q;
	char why[256], *out = NULL;

	int r = qmp_connect(&q, qmp_path, 2000, why, sizeof why);
	if (r >= 0) {
		r = qmp_hmp(&q, "nmi", &out, why, sizeof why);
		free(out);
		qmp_close(&q);
	}
	if (r < 0 && !exited(pid)) /* Ctrl-C on a terminal also stops QEMU itself */
		fprintf(stderr, "lull run: cannot ask the guest to stop (%s): stopping QEMU\n", why);
	return r >= 0;
}

/* Waits for QEMU to exit. The first SIGINT or SIGTERM asks the guest to
 * stop and gives it stop_timeout seconds; a second one, or the end of that
 * time, stops QEMU. Returns QEMU's wait status; *stop_signal is the signal
 * that asked for the stop, 0 if none did. */
static int wait_for_qemu(pid_t pid, const char *qmp_path, unsigned stop_timeout, int *stop_signal)
{
	int status;
	bool asked = false;

	*stop_signal = 0;
	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid || (done < 0 && errno != EINTR))
			break;
		unsigned char sig;
		if (read(signal_pipe[0], &sig, 1) != 1)
			continue;
		if (sig == SIGCHLD)
			continue;
		if (sig == SIGALRM) {
			fprintf(stderr, "lull run: the guest did not stop within %u s: stopping QEMU\n",
				stop_timeout);
			kill(pid, SIGTERM);
		} else if (asked) {
			kill(pid, SIGTERM);
		} else {
			asked = true;
			*stop_signal = sig;
			if (stop_timeout && ask_guest_to_stop(pid, qmp_path))
				alarm(stop_timeout);
			else
				kill(pid, SIGTERM);
		}
	}
	alarm(0);
	return status;
}

#define VM_NAME_MAX 63

/* Six two-digit hex bytes split by ':', the first even (unicast). */
static bool valid_mac(const char *mac)
{
	if (strlen(mac) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? mac[i] != ':' : !isxdigit((unsigned char)mac[i]))
			return false;
	return !(strtoul(mac, NULL, 16) & 1);
}

static bool valid_vm_name(const char *name)
{
	size_t n = strlen(name);
	return n >= 1 && n <= VM_NAME_MAX && strspn(name, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The image's file name without directories or ".elf", other characters
 * made '_', and this process's id: VMs of one image get distinct names. */
static void default_vm_name(const char *image, char *out, size_t out_size)
{
	const char *slash = strrchr(image, '/');
	char stem[40];

	snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : image);
	if (has_suffix(stem, ".elf"))
		stem[strlen(stem) - 4] = '\0';
	for (char *c = stem; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
			*c = '_';
	snprintf(out, out_size, "%s-%ld", stem[0] ? stem : "lull", (long)getpid());
}

static bool parse_unsigned(const char *s, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return false;
	*out = v;
	return true;
}

/* Accepts N (MiB), NM, NG; writes QEMU's form ("256M") to out. */
static bool parse_mem(const char *s, char *out, size_t out_size)
{
	char digits[24];
	size_t n = strspn(s, "0123456789");
	unsigned long mib;

	if (!n || n >= sizeof digits)
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_unsigned(digits, &mib))
		return false;
	const char *suffix = s + n;
	if (!strcmp(suffix, "G") || !strcmp(suffix, "g")) {
		if (mib > 1024 * 1024)
			return false;
		mib *= 1024;
	} else if (*suffix && strcmp(suffix, "M") && strcmp(suffix, "m")) {
		return false;
	}
	if (mib < 32)
		return false;
	snprintf(out, out_size, "%luM", mib);
	return true;
}

/* Folds PATH (absolute; no ".", "..", quotes, blanks or ':', which the
 * kernel command line and lull.mount= cannot carry) into out: repeated
 * and trailing slashes dropped. */
static bool fold_mount_path(const char *path, char *out)
{
	size_t n = 0;

	if (path[0] != '/' || strlen(path) > MOUNT_PATH_MAX)
		return false;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (!len)
			break;
		if ((len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)))
			return false;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] <= ' ' || strchr(":\"'\\", p[i]) || p[i] == 0x7f)
				return false;
		out[n++] = '/';
		memcpy(out + n, p, len);
		n += len;
		p += len;
	}
	out[n] = '\0';
	return n > 0; /* not "/": the image's own files are there */
}

/* --disk FILE[:ro]: a file whose name ends in ":ro" (or any ':' suffix) is
 * taken whole only if it exists. */
static bool parse_disk(const char *value, struct disk_option *d)
{
	struct stat st;
	const char *colon = strrchr(value, ':');

	d->path = strdup(value);
	if (colon && stat(value, &st) != 0) {
		if (strcmp(colon + 1, "ro")) {
			tool_error("run", "--disk %s: unknown flag ':%s' (expected FILE or FILE:ro)", value,
				   colon + 1);
			return false;
		}
		d->path[colon - value] = '\0';
		d->read_only = true;
	}
	if (stat(d->path, &st) != 0) {
		tool_error("run", "--disk %s: %s", d->path,
			   errno == ENOENT ? "no such file" : strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		tool_error("run", "--disk %s: not a regular file (expected a disk image, e.g. "
			   "from lull disk create)", d->path);
		return false;
	}
	if (st.st_size < 512) {
		tool_error("run", "--disk %s: smaller than one 512-byte sector", d->path);
		return false;
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	if (access(d->path, d->read_only ? R_OK : R_OK | W_OK) != 0) {
		tool_error("run", "--disk %s: %s%s", d->path, strerror(errno),
			   d->read_only ? "" : " (FILE:ro attaches it read-only)");
		return false;
	}
	return true;
}

static uint64_t share_bytes;

static int add_share_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)type;
	(void)ftw;
	share_bytes += (uint64_t)st->st_size;
	return 0;
}

static bool parse_share(const char *value, struct disk_option *d)
{
	struct stat st;

	d->path = strdup(value);
	d->share = true;
	if (stat(value, &st) != 0) {
		tool_error("run", "--share %s: %s", value,
			   errno == ENOENT ? "no such directory" : strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		tool_error("run", "--share %s: not a directory", value);
		return false;
	}
	share_bytes = 0;
	nftw(value, add_share_file, 16, FTW_PHYS);
	if (share_bytes > SHARE_CAPACITY) {
		tool_error("run", "--share %s: holds %llu MiB; QEMU's virtual FAT disk holds 504 MiB "
			   "(use a disk image: lull disk create IMG SIZE --from %s)", value,
			   (unsigned long long)(share_bytes >> 20), value);
		return false;
	}
	return true;
}

/* Default mount points; no two disks at one, no image twice (QEMU locks
 * each image it opens). */
static bool place_disks(struct run_options *o)
{
	for (unsigned i = 0; i < o->disk_count; i++) {
		struct disk_option *d = &o->disks[i];
		if (!d->mount[0])
			snprintf(d->mount, sizeof d->mount, d->share ? "/share" : "/disk%u", i);
		for (unsigned j = 0; j < i; j++) {
			if (!d->share && !o->disks[j].share && d->dev == o->disks[j].dev &&
			    d->ino == o->disks[j].ino) {
				tool_error("run", "--disk %s: attached twice", d->path);
				return false;
			}
			if (!strcmp(o->disks[j].mount, d->mount)) {
				tool_error("run", "%s and %s would both be mounted at %s (give each its own "
					   "--mount PATH)", o->disks[j].path, d->path, d->mount);
				return false;
			}
		}
	}
	return true;
}

/* Whether a process listens on the Unix socket at path (errno tells why
 * not). */
static bool socket_answers(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool answers = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
	int saved = errno;
	if (fd >= 0)
		close(fd);
	errno = saved;
	return answers;
}

/* --net switch:DIR/NAME: QEMU will listen on DIR/NAME, where the switch
 * serving DIR (its control socket, lull-switch.ctl, answers) connects. */
static bool check_switch_socket(const char *path)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) : 1;
	const char *name = slash ? slash + 1 : path;
	struct stat st;

	if (!*name || strlen(path) >= sizeof dir || strchr(name, ',')) {
		tool_error("run", "--net switch:%s: expected DIR/NAME, a socket path under %zu "
			   "characters whose NAME has no ','", path, sizeof dir);
		return false;
	}
	if (!strcmp(name, "lull-switch.ctl")) {
		tool_error("run", "--net switch:%s: that is the switch's own control socket", path);
		return false;
	}
	snprintf(dir, sizeof dir, "%.*s", (int)dir_len, slash ? path : ".");
	char *control = concat(dir, "/lull-switch.ctl", NULL);
	bool running = socket_answers(control);
	free(control);
	if (!running) {
		tool_error("run", "--net switch:%s: no switch is running on %s (start one: lull switch "
			   "start --socket-dir %s)", path, dir, dir);
		return false;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			tool_error("run", "--net switch:%s: the path is taken by a file that is not a socket",
				   path);
			return false;
		}
		if (socket_answers(path)) {
			tool_error("run", "--net switch:%s: the socket is taken: another VM listens on it "
				   "(give this one another NAME)", path);
			return false;
		}
		unlink(path); /* left by a VM that is gone: QEMU could not listen on it */
	}
	return true;
}

static int parse(struct run_options *o, int argc, char **argv)
{
	*o = (struct run_options){ .smp = 1, .mem = "256M", .machine = "microvm", .accel = "tcg",
				   .stop_timeout = DEFAULT_STOP_TIMEOUT,
				   .first_arg = argc, .argc = argc, .argv = argv };
	int disk_arg = -1; /* where the last --disk or --share was */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--")) {
			o->first_arg = i + 1;
			break;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--stats")) {
			o->stats = true;
		} else if (!strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strcmp(a, "-p")) {
			unsigned long host, guest;
			char extra;
			if (!value || sscanf(value, "%lu:%lu%c", &host, &guest, &extra) != 2 || !host ||
			    host > 65535 || !guest || guest > 65535) {
				tool_error("run", "-p %s: expected HOSTPORT:GUESTPORT, ports 1 to 65535",
					   value ? value : "");
				return EXIT_USAGE;
			}
			i++;
			size_t used = strlen(o->forwards);
			if (used + 48 > sizeof o->forwards) {
				tool_error("run", "too many -p forwards");
				return EXIT_USAGE;
			}
			snprintf(o->forwards + used, sizeof o->forwards - used, ",hostfwd=tcp::%lu-:%lu",
				 host, guest);
		} else if (!strcmp(a, "--disk") || !strcmp(a, "--share")) {
			if (!value) {
				tool_error("run", "%s needs a value (see lull run --help)", a);
				return EXIT_USAGE;
			}
			if (o->disk_count == DISK_MAX) {
				tool_error("run", "%s %s: at most %d disks (--disk and --share together)", a,
					   value, DISK_MAX);
				return EXIT_USAGE;
			}
			struct disk_option *d = &o->disks[o->disk_count++];
			if (!(a[2] == 'd' ? parse_disk(value, d) : parse_share(value, d)))
				return EXIT_USAGE;
			disk_arg = i++;
		} else if (!strcmp(a, "--mount")) {
			if (disk_arg < 0 || disk_arg != i - 2) {
				tool_error("run", "--mount must come right after --disk FILE or --share DIR");
				return EXIT_USAGE;
			}
			struct disk_option *d = &o->disks[o->disk_count - 1];
			if (!value || !fold_mount_path(value, d->mount)) {
				tool_error("run", "--mount %s: expected an absolute path other than /, without "
					   "'.', '..', blanks, quotes or ':'", value ? value : "");
				return EXIT_USAGE;
			}
			i++;
		} else if (!strcmp(a, "--stop-timeout")) {
			unsigned long n;
			if (!value || !parse_unsigned(value, &n) || n > 3600) {
				tool_error("run", "--stop-timeout %s: expected seconds from 0 to 3600",
					   value ? value : "");
				return EXIT_USAGE;
			}
			i++;
			o->stop_timeout = (unsigned)n;
		} else if (!strcmp(a, "--name")) {
			if (!value || !valid_vm_name(value)) {
				tool_error("run", "--name %s: expected 1 to %d letters, digits, '.', '_' or '-'",
					   value ? value : "", VM_NAME_MAX);
				return EXIT_USAGE;
			}
			i++;
			o->name = value;
		} else if (!strcmp(a, "--mac")) {
			if (!value || !valid_mac(value)) {
				tool_error("run", "--mac %s: expected a unicast MAC address, e.g. 52:54:00:00:00:01",
					   value ? value : "");
				return EXIT_USAGE;
			}
			i++;
			o->mac = value;
		} else if (!strcmp(a, "--net")) {
			if (!value || (strcmp(value, "user") && strcmp(value, "none") &&
				       (strncmp(value, "tap:", 4) || !value[4]) &&
				       strncmp(value, "switch:", 7))) {
				tool_error("run", "--net %s: expected user, tap:IFNAME, switch:DIR/NAME or none",
					   value ? value : "");
				return EXIT_USAGE;
			}
			if (!strncmp(value, "switch:", 7) && !check_switch_socket(value + 7))
				return EXIT_USAGE;
			i++;
			o->net = value;
		} else if (!strcmp(a, "--smp") || !strcmp(a, "--mem") || !strcmp(a, "--machine") ||
			   !strcmp(a, "--accel")) {
			if (!value) {
				tool_error("run", "%s needs a value (see lull run --help)", a);
				return EXIT_USAGE;
			}
			i++;
			unsigned long n;
			if (!strcmp(a, "--smp")) {
				if (!parse_unsigned(value, &n) || n < 1 || n > 64) {
					tool_error("run", "--smp %s: expected a number of CPUs from 1 to 64", value);
					return EXIT_USAGE;
				}
				o->smp = (unsigned)n;
			} else if (!strcmp(a, "--mem")) {
				if (!parse_mem(value, o->mem, sizeof o->mem)) {
					tool_error("run", "--mem %s: expected a size such as 256M or 1G, at least 32M", value);
					return EXIT_USAGE;
				}
			} else if (!strcmp(a, "--machine")) {
				if (strcmp(value, "microvm") && strcmp(value, "q35") && strcmp(value, "pc")) {
					tool_error("run", "--machine %s: expected microvm, q35 or pc", value);
					return EXIT_USAGE;
				}
				o->machine = value;
			} else {
				if (strcmp(value, "tcg") && strcmp(value, "kvm")) {
					tool_error("run", "--accel %s: expected tcg or kvm", value);
					return EXIT_USAGE;
				}
				o->accel = value;
			}
		} else if (a[0] == '-') {
			tool_error("run", "unknown option %s (see lull run --help)", a);
			return EXIT_USAGE;
		} else if (!o->image) {
			o->image = a;
		} else {
			tool_error("run", "unexpected %s: the application's arguments go after `--`", a);
			return EXIT_USAGE;
		}
	}
	if (!o->image) {
		tool_error("run", "no image given (see lull run --help)");
		return EXIT_USAGE;
	}
	if (o->forwards[0] && o->net && strcmp(o->net, "user")) {
		tool_error("run", "-p needs --net user (QEMU forwards ports only there)");
		return EXIT_USAGE;
	}
	if (!o->net && o->forwards[0])
		o->net = "user";
	if (o->net && !strcmp(o->net, "none"))
		o->net = NULL;
	if (!place_disks(o))
		return EXIT_USAGE;
	return -1;
}

static bool check_image(const char *path)
{
	struct elf_image img;
	const char *problem;

	if (!file_exists(path)) {
		tool_error("run", "%s: no such file", path);
		return false;
	}
	problem = elf_image_load(path, &img);
	if (!problem && !elf_image_has_note(&img, "Lull"))
		problem = "it has no Lull note; build it with `lull build`";
	if (!problem)
		elf_image_free(&img);
	if (problem)
		tool_error("run", "%s is not a Lull image (%s)", path, problem);
	return !problem;
}

/* Joins the arguments into a kernel command line, quoting where needed
 * (the kernel's lib/cmdline.c reads this syntax back). */
static char *kernel_cmdline(const struct run_options *o)
{
	size_t cap = 64 + DISK_MAX * (MOUNT_PATH_MAX + 32);
	for (int i = o->first_arg; i < o->argc; i++)
		cap += 2 * strlen(o->argv[i]) + 3;
	char *line = malloc(cap), *p = line;
	if (!line)
		return NULL;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	/* The VM starts right after: its clock starts from this, finer than
	 * the RTC's second (a few ms early: QEMU's own start-up). */
	p += sprintf(line, "lull.wallclock=%llu",
		     (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec);
	if (o->stats)
		p += sprintf(p, " lull.stats=1");
	const char *debug = getenv("LULL_DEBUG");
	if (debug && !strcmp(debug, "1"))
		p += sprintf(p, " lull.debug=1");
	for (unsigned i = 0; i < o->disk_count; i++)
		p += sprintf(p, "%slull.mount=disk%u:%s%s", p != line ? " " : "", i, o->disks[i].mount,
			     o->disks[i].read_only ? ":ro" : "");
	for (int i = o->first_arg; i < o->argc; i++) {
		const char *a = o->argv[i];
		bool quote = !*a || strpbrk(a, " \t\n\"\\") != NULL;
		if (p != line)
			*p++ = ' ';
		if (quote)
			*p++ = '"';
		for (; *a; a++) {
			if (quote && (*a == '"' || *a == '\\'))
				*p++ = '\\';
			*p++ = *a;
		}
		if (quote)
			*p++ = '"';
		*p = '\0';
	}
	return line;
}

static char *qemu_escape(const char *s);

/*
 * A port of the switch: the switch maps the guest's memory, so it must be
 * a shared memfd; QEMU listens on the socket (the switch connects, and
 * connects again after a restart). Every VM on a switch needs its own
 * MAC: QEMU's default is one for all, so it is made from the socket's
 * name (FNV-1a), under QEMU's 52:54:00 prefix.
 */
static void add_switch_port(struct argv_builder *cmd, const struct run_options *o, char *device,
			    size_t device_size)
{
	const char *path = o->net + 7, *slash = strrchr(path, '/');
	uint32_t h = 2166136261u;

	for (const char *c = slash ? slash + 1 : path; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	size_t used = strlen(device);
	if (!o->mac)
		snprintf(device + used, device_size - used, ",mac=52:54:00:%02x:%02x:%02x",
			 (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
	/* QEMU 7.2 dies (SIGSEGV in msix_set_vector_notifiers, from
	 * vhost_net_start) when a guest starts a vhost-user NIC with MSI-X on
	 * virtio-pci under TCG: without MSI-X the guest uses the INTx line. */
	if (strcmp(o->machine, "microvm") && !strcmp(o->accel, "tcg")) {
		used = strlen(device);
		snprintf(device + used, device_size - used, ",vectors=0");
	}
	char *memory = concat("memory-backend-memfd,id=mem,share=on,size=", o->mem, NULL);
	char *escaped = qemu_escape(path);
	char *chardev = concat("socket,id=switch0,server=on,wait=off,path=", escaped, NULL);
	const char *args[] = { "-object", memory, "-machine", "memory-backend=mem",
			       "-chardev", chardev };
	argv_add_all(cmd, args, sizeof args / sizeof args[0]);
	free(memory);
	free(escaped);
	free(chardev);
}

/* Whether tap device IF was made with IFF_MULTI_QUEUE (`ip tuntap add ...
 * multi_queue`): only such a device takes QEMU's queues=N. */
static bool tap_is_multiqueue(const char *ifname)
{
	char path[128];
	unsigned flags = 0;

	snprintf(path, sizeof path, "/sys/class/net/%s/tun_flags", ifname);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool read = fscanf(f, "%x", &flags) == 1;
	fclose(f);
	return read && (flags & 0x100);
}

/* One virtio-net NIC: over virtio-mmio on microvm (in its virtio 1.x form,
 * which QEMU must be told to offer), over PCI elsewhere. On PCI with
 * several vCPUs and a multiqueue tap device, one queue pair per vCPU, each
 * queue with an MSI-X vector of its own (and one for the control queue and
 * the configuration). */
static void add_network(struct argv_builder *cmd, const struct run_options *o)
{
	bool microvm = !strcmp(o->machine, "microvm");
	char *backend;

	if (microvm) {
		argv_add(cmd, "-global");
		argv_add(cmd, "virtio-mmio.force-legacy=false");
	}
	if (!o->net)
		return;
	char device[80];
	snprintf(device, sizeof device, "%s,netdev=net0%s%s",
		 microvm ? "virtio-net-device" : "virtio-net-pci", o->mac ? ",mac=" : "",
		 o->mac ? o->mac : "");
	if (!strcmp(o->net, "user")) {
		backend = concat("user,id=net0", o->forwards, NULL);
	} else if (!strncmp(o->net, "tap:", 4)) {
		char queues[80] = "";
		if (!microvm && o->smp > 1 && tap_is_multiqueue(o->net + 4)) {
			snprintf(queues, sizeof queues, ",queues=%u", o->smp);
			snprintf(device + strlen(device), sizeof device - strlen(device),
				 ",mq=on,vectors=%u", 2 * o->smp + 2);
		}
		backend = concat("tap,id=net0,script=no,downscript=no,ifname=", o->net + 4, queues,
				 NULL);
	} else {
		add_switch_port(cmd, o, device, sizeof device);
		backend = strdup("vhost-user,id=net0,chardev=switch0");
	}
	argv_add(cmd, "-netdev");
	argv_add(cmd, backend);
	argv_add(cmd, "-device");
	argv_add(cmd, device);
	free(backend);
}

/* A file name inside a QEMU option, where ',' is written ",,". */
static char *qemu_escape(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == ',')
			*p++ = ',';
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

/*
 * Each disk: a -drive with its image and a virtio-blk device on it, over
 * virtio-mmio on microvm, PCI elsewhere. Images are named through
 * file.filename, never file=, which QEMU would parse for protocol prefixes
 * ("fat:", "nbd:"...). cache=writeback makes a guest flush an fdatasync of
 * the image (cache=unsafe would drop it; writethrough would sync every
 * write). Shares are QEMU's vvfat driver, given its options one by one for
 * the same reason.
 */
static void add_disks(struct argv_builder *cmd, const struct run_options *o)
{
	bool microvm = !strcmp(o->machine, "microvm");

	for (unsigned i = 0; i < o->disk_count; i++) {
		const struct disk_option *d = &o->disks[i];
		char id[16], *path = qemu_escape(d->path);
		snprintf(id, sizeof id, "disk%u", i);
		char *drive = d->share
			? concat("if=none,id=", id, ",format=raw,file.driver=vvfat,file.rw=on,file.dir=",
				 path, NULL)
			: concat("if=none,id=", id, ",format=raw,cache=writeback,file.driver=file,"
				 "file.filename=", path, d->read_only ? ",readonly=on" : "", NULL);
		char *device = concat(microvm ? "virtio-blk-device" : "virtio-blk-pci", ",drive=", id,
				      NULL);
		argv_add(cmd, "-drive");
		argv_add(cmd, drive);
		argv_add(cmd, "-device");
		argv_add(cmd, device);
		free(path);
		free(drive);
		free(device);
	}
}

static int read_status(const char *path, int qemu_status, int stop_signal)
{
	char text[64] = "";
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	int n;
	if (sscanf(text, "exit %d", &n) == 1)
		return n & 0xff;
	if (!strncmp(text, "panic", 5)) {
		tool_error("run", "the guest kernel faulted (see the report above)");
		return EXIT_GUEST_FAULT;
	}
	if (stop_signal)
		return 128 + stop_signal;
	tool_error("run", "the VM stopped without reporting an exit status (qemu exit code %d)",
		   qemu_status);
	return EXIT_GUEST_FAULT;
}

/* With ports forwarded, QEMU runs with tools/qemu-preload's library, so
 * that its listening sockets have more than a backlog of 1 (see the
 * library's comment). The variable is set in the child, before exec. */
static char *listen_backlog_preload(const struct run_options *o)
{
	if (!o->forwards[0])
		return NULL;
	char *library = concat(lull_home(), "/lull-listen-backlog.so", NULL);
	if (file_exists(library)) {
		const char *others = getenv("LD_PRELOAD");
		char *value = others && *others ? concat(library, ":", others, NULL) : strdup(library);
		free(library);
		return value;
	}
	fprintf(stderr, "lull run: warning: %s is missing: QEMU's forwarded ports keep a listen "
		"backlog of 1, and the host resets connections beyond it\n", library);
	free(library);
	return NULL;
}

static int boot(const struct run_options *o, const char *tmp)
{
	char *status_file = concat(tmp, "/status", NULL);
	char *status_chardev = concat("file,id=lullstatus,path=", status_file, NULL);
	char *cmdline = kernel_cmdline(o);
	char *qmp_path = concat(tmp, "/qmp", NULL);
	char *qmp = concat("unix:", qmp_path, ",server=on,wait=off", NULL);
	char smp[16], name[VM_NAME_MAX + 32];
	struct argv_builder cmd = { 0 };

	snprintf(smp, sizeof smp, "%u", o->smp);
	char vm_name[VM_NAME_MAX + 1];
	if (o->name)
		snprintf(vm_name, sizeof vm_name, "%s", o->name);
	else
		default_vm_name(o->image, vm_name, sizeof vm_name);
	snprintf(name, sizeof name, "%s,debug-threads=on", vm_name);
	const char *args[] = { QEMU, "-M", o->machine, "-accel", o->accel,
			       "-cpu", strcmp(o->accel, "kvm") ? "max" : "host", "-m", o->mem,
			       "-smp", smp, "-nodefaults", "-no-reboot", "-display", "none",
			       "-chardev", "stdio,id=con,signal=on", "-serial", "chardev:con",
			       "-monitor", "none", "-qmp", qmp, "-name", name,
			       "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
			       "-chardev", status_chardev,
			       "-device", "isa-debugcon,iobase=" STATUS_PORT ",chardev=lullstatus",
			       "-kernel", o->image };
	argv_add_all(&cmd, args, sizeof args / sizeof args[0]);
	if (cmdline && *cmdline) {
		argv_add(&cmd, "-append");
		argv_add(&cmd, cmdline);
	}
	add_network(&cmd, o);
	add_disks(&cmd, o);

	int result = EXIT_GUEST_FAULT;
	if (cmdline && strlen(cmdline) > CMDLINE_MAX) {
		tool_error("run", "the arguments are too long (%zu bytes; at most %d)", strlen(cmdline),
			   CMDLINE_MAX);
		result = EXIT_USAGE;
		goto out;
	}
	if (o->verbose) {
		for (size_t i = 0; i < cmd.count; i++)
			fprintf(stderr, "%s%s", i ? " " : "+ ", cmd.items[i]);
		fputc('\n', stderr);
	}

	if (pipe2(signal_pipe, O_CLOEXEC) < 0 || fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK) < 0) {
		tool_error("run", "cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	struct sigaction note = { .sa_handler = note_signal }, ignore = { .sa_handler = SIG_IGN };
	sigemptyset(&note.sa_mask);
	sigaction(SIGINT, &note, NULL);
	sigaction(SIGTERM, &note, NULL);
	sigaction(SIGCHLD, &note, NULL);
	sigaction(SIGALRM, &note, NULL);
	sigaction(SIGQUIT, &ignore, NULL);

	char *preload = listen_backlog_preload(o);
	pid_t pid = fork();
	if (pid < 0) {
		tool_error("run", "cannot start %s: %s", QEMU, strerror(errno));
		free(preload);
		goto out;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execvp(QEMU, cmd.items);
		fprintf(stderr, "lull run: cannot run %s: %s\n", QEMU, strerror(errno));
		_exit(EXIT_NOT_FOUND);
	}
	free(preload);
	int stop_signal;
	int status = wait_for_qemu(pid, qmp_path, o->stop_timeout, &stop_signal);
	close(signal_pipe[0]);
	close(signal_pipe[1]);
	int qemu_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	result = read_status(status_file, qemu_status, stop_signal);
out:
	argv_free(&cmd);
	free(cmdline);
	free(qmp);
	free(qmp_path);
	free(status_chardev);
	free(status_file);
	return result;
}

int cmd_run(int argc, char **argv)
{
	struct run_options o;
	int status = parse(&o, argc, argv);

	if (status >= 0)
		return status;
	if (!check_image(o.image))
		return EXIT_USAGE;
	char *qemu = find_program(QEMU, NULL);
	bool have_qemu = qemu != NULL;
	free(qemu);
	if (!have_qemu) {
		tool_error("run", QEMU " not found; install it with: apt-get install qemu-system-x86");
		return EXIT_NOT_FOUND;
	}
	if (!strcmp(o.accel, "kvm") && access("/dev/kvm", R_OK | W_OK) != 0) {
		tool_error("run", "--accel kvm: /dev/kvm is not usable (%s); use --accel tcg", strerror(errno));
		return EXIT_USAGE;
	}
	char *tmp = make_temp_dir();
	if (!tmp) {
		tool_error("run", "cannot create a temporary directory");
		return 1;
	}
	status = boot(&o, tmp);
	remove_tree(tmp);
	free(tmp);
	return status;
}

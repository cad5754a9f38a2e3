/*
 * cmd_disk.c: `lull disk create`: a FAT disk image for `lull run --disk`,
 * made by Debian's mkfs.fat (dosfstools) and filled by mcopy (mtools).
 *
 * The image is built under a temporary name beside FILE and renamed into
 * place only once complete, so that a failure leaves no half-made image
 * and --force keeps the old one until the new one is whole.
 */
#include "commands.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define INSTALL_HINT "install them with: apt-get install dosfstools mtools"
/* Searched after PATH, which a user's may lack: mkfs.fat lives in /usr/sbin. */
#define SBIN_DIRS "/usr/sbin:/sbin"
#define SIZE_MAX_BYTES (2ULL << 40) /* FAT32's limit with 512-byte sectors */

static const char usage[] =
	"usage: lull disk create FILE SIZE [--from DIR] [--fat 12|16|32] [--force]\n"
	"\n"
	"Makes FILE a raw disk image of SIZE holding one FAT file system (no\n"
	"partition table), for `lull run IMAGE --disk FILE`.\n"
	"\n"
	"  SIZE            64M, 1G, 512K (binary units), or MiB without a suffix\n"
	"  --from DIR      copy DIR's tree into the image (files, directories and\n"
	"                  their modification times; symbolic links are followed)\n"
	"  --fat 12|16|32  the FAT type (default: mkfs.fat's choice for SIZE:\n"
	"                  FAT12 for the smallest, FAT32 from 512 MiB)\n"
	"  --force         replace FILE if it exists\n"
	"  --help          this text\n"
	"\n"
	"Uses mkfs.fat (package dosfstools) and mcopy (package mtools). FAT\n"
	"compares names without case: DIR may not hold two names that differ only\n"
	"in case, nor files other than regular files and directories.\n"
	"\n"
	"Exit status: 0 when FILE is made; 1 when mkfs.fat or mcopy fail (DIR too\n"
	"big for SIZE, say); 2 for a usage error; 127 when the tools are missing.\n"
	"\n"
	"example: lull disk create data.img 64M --from www && lull run app.elf --disk data.img\n";

static const char disk_usage[] =
	"usage: lull disk create FILE SIZE [--from DIR] [--fat 12|16|32] [--force]\n"
	"\n"
	"`lull disk create --help` describes it.\n";

struct create_options {
	const char *file, *size_text, *from, *fat;
	unsigned long long size;
	bool force;
};

/* N with K, M, G or T (binary), or MiB without a suffix. */
static bool parse_size(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	unsigned shift = 20;

	if (errno || end == s || s[0] == '-' || !n)
		return false;
	if (*end) {
		const char *units = "KMGT";
		const char *u = strchr(units, end[0] & ~0x20);
		if (!u || end[1])
			return false;
		shift = 10 * (unsigned)(u - units + 1);
	}
	if (n > SIZE_MAX_BYTES >> shift)
		return false;
	*out = n << shift;
	return true;
}

/* Runs argv with its output captured; on failure shows that output and
 * returns false. With `strict`, a warning is a failure too: mkfs.fat only
 * warns when asked for a FAT32 too small to be one, which readers then
 * take for FAT16 by its cluster count. */
static bool run_quietly(char *const argv[], bool strict)
{
	char out_path[] = "/tmp/lull-disk.XXXXXX";
	int out = mkstemp(out_path);

	if (out < 0) {
		tool_error("disk", "cannot create a temporary file: %s", strerror(errno));
		return false;
	}
	unlink(out_path);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		setenv("MTOOLS_SKIP_CHECK", "1", 1);
		execv(argv[0], argv);
		_exit(EXIT_NOT_FOUND);
	}
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	char text[4096];
	ssize_t n = pread(out, text, sizeof text - 1, 0);
	for (text[n > 0 ? n : 0] = '\0'; n > 0 && text[n - 1] == '\n'; n--)
		text[n - 1] = '\0';
	close(out);
	bool ok = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		  !(strict && strstr(text, "WARNING"));
	if (!ok)
		tool_error("disk", "%s failed:\n%s", argv[0], text);
	return ok;
}

static int compare_names(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* Checks that FAT can hold DIR's tree as it is; appends the paths of its
 * top-level entries to `entries` (mcopy's arguments). */
static bool check_tree(const char *dir, struct argv_builder *entries)
{
	DIR *d = opendir(dir);
	struct argv_builder names = { 0 };
	bool ok = true;

	if (!d) {
		tool_error("disk", "--from %s: %s", dir, strerror(errno));
		return false;
	}
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			argv_add(&names, e->d_name);
	closedir(d);
	qsort(names.items, names.count, sizeof *names.items, compare_names);
	for (size_t i = 0; ok && i < names.count; i++) {
		char *path = concat(dir, "/", names.items[i], NULL);
		struct stat st;
		if (i && !strcasecmp(names.items[i - 1], names.items[i])) {
			tool_error("disk", "%s/%s and %s differ only in case; FAT cannot hold both", dir,
				   names.items[i - 1], names.items[i]);
			ok = false;
		} else if (stat(path, &st) != 0) {
			tool_error("disk", "%s: %s", path, strerror(errno));
			ok = false;
		} else if (S_ISDIR(st.st_mode)) {
			ok = check_tree(path, NULL);
		} else if (!S_ISREG(st.st_mode)) {
			tool_error("disk", "%s: not a regular file or directory", path);
			ok = false;
		}
		if (ok && entries)
			argv_add(entries, path);
		free(path);
	}
	argv_free(&names);
	return ok;
}

static int parse_create(struct create_options *o, int argc, char **argv)
{
	*o = (struct create_options){ 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--force")) {
			o->force = true;
		} else if (!strcmp(a, "--from") || !strcmp(a, "--fat")) {
			if (!value) {
				tool_error("disk", "%s needs a value (see lull disk create --help)", a);
				return EXIT_USAGE;
			}
			i++;
			if (a[3] == 'r') {
				o->from = value;
			} else if (strcmp(value, "12") && strcmp(value, "16") && strcmp(value, "32")) {
				tool_error("disk", "--fat %s: expected 12, 16 or 32", value);
				return EXIT_USAGE;
			} else {
				o->fat = value;
			}
		} else if (a[0] == '-' && a[1]) {
			tool_error("disk", "unknown option %s (see lull disk create --help)", a);
			return EXIT_USAGE;
		} else if (!o->file) {
			o->file = a;
		} else if (!o->size_text) {
			o->size_text = a;
		} else {
			tool_error("disk", "unexpected %s (see lull disk create --help)", a);
			return EXIT_USAGE;
		}
	}
	if (!o->file || !o->size_text) {
		tool_error("disk", "expected FILE and SIZE (see lull disk create --help)");
		return EXIT_USAGE;
	}
	if (!parse_size(o->size_text, &o->size)) {
		tool_error("disk", "SIZE %s: expected a size such as 64M or 1G", o->size_text);
		return EXIT_USAGE;
	}
	return -1;
}

static int check_create(const struct create_options *o)
{
	struct stat st;

	if (lstat(o->file, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			tool_error("disk", "%s exists and is not a regular file", o->file);
			return EXIT_USAGE;
		}
		if (!o->force) {
			tool_error("disk", "%s exists (--force replaces it)", o->file);
			return EXIT_USAGE;
		}
	}
	if (o->from && stat(o->from, &st) != 0) {
		tool_error("disk", "--from %s: %s", o->from,
			   errno == ENOENT ? "no such directory" : strerror(errno));
		return EXIT_USAGE;
	}
	if (o->from && !S_ISDIR(st.st_mode)) {
		tool_error("disk", "--from %s: not a directory", o->from);
		return EXIT_USAGE;
	}
	return -1;
}

/* Makes the image at `tmp`: sized, formatted, filled. */
static bool build_image(const struct create_options *o, const char *tmp, const char *mkfs,
			const char *mcopy, struct argv_builder *entries)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0) {
		tool_error("disk", "cannot create %s: %s", tmp, strerror(errno));
		return false;
	}
	bool sized = ftruncate(fd, (off_t)o->size) == 0;
	int saved = errno;
	close(fd);
	if (!sized) {
		tool_error("disk", "cannot make %s %s long: %s", tmp, o->size_text, strerror(saved));
		return false;
	}
	struct argv_builder cmd = { 0 };
	argv_add(&cmd, mkfs);
	if (o->fat) {
		argv_add(&cmd, "-F");
		argv_add(&cmd, o->fat);
	}
	argv_add(&cmd, tmp);
	bool ok = run_quietly(cmd.items, true);
	argv_free(&cmd);
	if (!ok || !entries->count)
		return ok;
	/* -s: recursively; -m: keep modification times; -Q: stop at the first
	 * error instead of going on without a file. */
	const char *head[] = { mcopy, "-s", "-m", "-Q", "-i", tmp };
	argv_add_all(&cmd, head, sizeof head / sizeof head[0]);
	for (size_t i = 0; i < entries->count; i++)
		argv_add(&cmd, entries->items[i]);
	argv_add(&cmd, "::/");
	ok = run_quietly(cmd.items, false);
	argv_free(&cmd);
	return ok;
}

static int cmd_disk_create(int argc, char **argv)
{
	struct create_options o;
	int status = parse_create(&o, argc, argv);

	if (status < 0)
		status = check_create(&o);
	if (status >= 0)
		return status;

	char *mkfs = find_program("mkfs.fat", SBIN_DIRS), *mcopy = find_program("mcopy", SBIN_DIRS);
	struct argv_builder entries = { 0 };
	char *tmp = NULL;
	status = 1;
	if (!mkfs || !mcopy) {
		tool_error("disk", "%s not found; " INSTALL_HINT, !mkfs ? "mkfs.fat" : "mcopy");
		status = EXIT_NOT_FOUND;
	} else if (o.from && !check_tree(o.from, &entries)) {
		status = EXIT_USAGE;
	} else {
		char pid[24];
		snprintf(pid, sizeof pid, "%ld", (long)getpid());
		tmp = concat(o.file, ".lull-disk-", pid, NULL);
		if (build_image(&o, tmp, mkfs, mcopy, &entries)) {
			if (rename(tmp, o.file) == 0)
				status = 0;
			else
				tool_error("disk", "cannot rename %s to %s: %s", tmp, o.file,
					   strerror(errno));
		}
		if (status)
			unlink(tmp);
	}
	free(tmp);
	free(mkfs);
	free(mcopy);
	argv_free(&entries);
	return status;
}

int cmd_disk(int argc, char **argv)
{
	if (argc < 2) {
		fputs(disk_usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "create"))
		return cmd_disk_create(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	tool_error("disk", "unknown subcommand '%s' (lull disk create is the one)", argv[1]);
	return EXIT_USAGE;
}

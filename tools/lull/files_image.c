/*
 * files_image.c: walks the directory given to `lull build --files` and
 * writes it as the blob the kernel's embedded filesystem serves
 * (kernel/fs/embedded_format.h), plus the assembly that puts the blob into
 * the image's read-only data.
 *
 * Symbolic links are resolved here, at build time, so the kernel never sees
 * one: a link to a file inside the tree becomes a copy of that file; a link
 * that leads outside the tree, dangles, or names a directory (which could
 * loop) is an error. Other special files (devices, FIFOs, sockets) are
 * errors too.
 */
#include "files_image.h"
#include "util.h"

#include "../../kernel/fs/embedded_format.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DATA_ALIGN 16

struct tree_entry {
	char *path;   /* inside the tree, no leading slash */
	char *source; /* where to read a file's contents */
	uint32_t kind;
	uint32_t parent;
	uint64_t size;
	struct timespec mtime;
};

struct tree {
	struct tree_entry *items;
	size_t count, capacity;
	uint64_t bytes;
	const char *dir;
	char *dir_real;
};

static bool add_entry(struct tree *t, const char *path, const char *source, uint32_t kind,
		      const struct stat *st)
{
	if (strlen(path) > EMBEDDED_FS_MAX_PATH) {
		tool_error("build", "--files: %s/%s: the path is longer than %d bytes", t->dir, path,
			   EMBEDDED_FS_MAX_PATH);
		return false;
	}
	if (t->count == EMBEDDED_FS_MAX_ENTRIES) {
		tool_error("build", "--files: %s has more than %d files and directories", t->dir,
			   EMBEDDED_FS_MAX_ENTRIES);
		return false;
	}
	if (kind == EMBEDDED_FS_FILE) {
		t->bytes += (uint64_t)st->st_size + DATA_ALIGN;
		if (t->bytes > EMBEDDED_FS_MAX_BYTES) {
			tool_error("build", "--files: %s is too large: the limit is %llu MiB of files",
				   t->dir, EMBEDDED_FS_MAX_BYTES >> 20);
			return false;
		}
	}
	if (t->count == t->capacity) {
		t->capacity = t->capacity ? t->capacity * 2 : 64;
		t->items = realloc(t->items, t->capacity * sizeof *t->items);
		if (!t->items) {
			tool_error("build", "out of memory");
			exit(1);
		}
	}
	t->items[t->count++] = (struct tree_entry){
		.path = concat(path, NULL),
		.source = concat(source, NULL),
		.kind = kind,
		.size = kind == EMBEDDED_FS_FILE ? (uint64_t)st->st_size : 0,
		.mtime = st->st_mtim,
	};
	return true;
}

/* A symlink is kept as what it points to, if that is a file in the tree. */
static bool add_symlink(struct tree *t, const char *path, const char *source)
{
	char real[PATH_MAX];
	struct stat st;
	size_t n = strcmp(t->dir_real, "/") ? strlen(t->dir_real) : 0;

	if (!realpath(source, real)) {
		tool_error("build", "--files: %s: symlink cannot be followed: %s", source,
			   strerror(errno));
		return false;
	}
	if (strncmp(real, t->dir_real, n) || (real[n] != '/' && real[n] != '\0')) {
		tool_error("build", "--files: %s: symlink points outside %s (to %s)", source, t->dir,
			   real);
		return false;
	}
	if (stat(real, &st)) {
		tool_error("build", "--files: %s: %s", real, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		tool_error("build", "--files: %s: only symlinks to regular files are supported",
			   source);
		return false;
	}
	return add_entry(t, path, real, EMBEDDED_FS_FILE, &st);
}

static bool walk(struct tree *t, const char *path, const char *source)
{
	DIR *d = opendir(source);
	if (!d) {
		tool_error("build", "--files: cannot read directory %s: %s", source, strerror(errno));
		return false;
	}
	bool ok = true;
	struct dirent *de;
	while (ok && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = concat(path, *path ? "/" : "", de->d_name, NULL);
		char *child_source = concat(source, "/", de->d_name, NULL);
		struct stat st;
		if (lstat(child_source, &st)) {
			tool_error("build", "--files: %s: %s", child_source, strerror(errno));
			ok = false;
		} else if (S_ISLNK(st.st_mode)) {
			ok = add_symlink(t, child, child_source);
		} else if (S_ISDIR(st.st_mode)) {
			ok = add_entry(t, child, child_source, EMBEDDED_FS_DIRECTORY, &st) &&
			     walk(t, child, child_source);
		} else if (S_ISREG(st.st_mode)) {
			ok = add_entry(t, child, child_source, EMBEDDED_FS_FILE, &st);
		} else {
			tool_error("build", "--files: %s: not a regular file, directory or symlink",
				   child_source);
			ok = false;
		}
		free(child);
		free(child_source);
	}
	if (ok && errno) {
		tool_error("build", "--files: cannot read directory %s: %s", source, strerror(errno));
		ok = false;
	}
	closedir(d);
	return ok;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path, ((const struct tree_entry *)b)->path);
}

/* Entry indices of each entry's directory, once sorted. */
static void link_parents(struct tree *t)
{
	for (size_t i = 1; i < t->count; i++) {
		char *parent = concat(t->items[i].path, NULL);
		char *slash = strrchr(parent, '/');
		*(slash ? slash : parent) = '\0';
		struct tree_entry key = { .path = parent };
		struct tree_entry *found = bsearch(&key, t->items, t->count, sizeof key, by_path);
		t->items[i].parent = (uint32_t)(found - t->items); /* a walked directory: present */
		free(parent);
	}
}

static bool copy_contents(FILE *out, const struct tree_entry *e)
{
	FILE *in = fopen(e->source, "rb");
	if (!in) {
		tool_error("build", "--files: cannot read %s: %s", e->source, strerror(errno));
		return false;
	}
	char buf[65536];
	uint64_t total = 0;
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0 && total + n <= e->size) {
		fwrite(buf, 1, n, out);
		total += n;
	}
	bool failed = ferror(in);
	fclose(in);
	if (failed) {
		tool_error("build", "--files: cannot read %s", e->source);
		return false;
	}
	if (total != e->size || n) {
		tool_error("build", "--files: %s changed size while being embedded", e->source);
		return false;
	}
	return true;
}

static bool write_blob(const struct tree *t, const char *blob_path)
{
	FILE *out = fopen(blob_path, "wb");
	if (!out) {
		tool_error("build", "cannot write %s: %s", blob_path, strerror(errno));
		return false;
	}
	uint64_t paths_start = sizeof(struct embedded_fs_header) +
			       t->count * sizeof(struct embedded_fs_entry);
	uint64_t at = paths_start;
	for (size_t i = 0; i < t->count; i++)
		at += strlen(t->items[i].path) + 1;
	uint64_t data_start = (at + DATA_ALIGN - 1) & ~(uint64_t)(DATA_ALIGN - 1);

	struct embedded_fs_header h = { .magic = EMBEDDED_FS_MAGIC, .count = (uint32_t)t->count };
	uint64_t path_at = paths_start, data_at = data_start;
	for (size_t i = 0; i < t->count; i++)
		if (t->items[i].kind == EMBEDDED_FS_FILE)
			data_at += (t->items[i].size + DATA_ALIGN - 1) & ~(uint64_t)(DATA_ALIGN - 1);
	h.size = data_at;
	fwrite(&h, sizeof h, 1, out);

	data_at = data_start;
	for (size_t i = 0; i < t->count; i++) {
		const struct tree_entry *e = &t->items[i];
		struct embedded_fs_entry fe = {
			.path_offset = (uint32_t)path_at,
			.path_length = (uint32_t)strlen(e->path),
			.parent = e->parent,
			.kind = e->kind,
			.data_offset = e->kind == EMBEDDED_FS_FILE ? data_at : 0,
			.size = e->size,
			.mtime = e->mtime.tv_sec,
			.mtime_nsec = e->mtime.tv_nsec,
		};
		fwrite(&fe, sizeof fe, 1, out);
		path_at += fe.path_length + 1;
		if (e->kind == EMBEDDED_FS_FILE)
			data_at += (e->size + DATA_ALIGN - 1) & ~(uint64_t)(DATA_ALIGN - 1);
	}
	for (size_t i = 0; i < t->count; i++)
		fwrite(t->items[i].path, strlen(t->items[i].path) + 1, 1, out);
	bool ok = true;
	static const char zeros[DATA_ALIGN];
	fwrite(zeros, data_start - at, 1, out);
	for (size_t i = 0; ok && i < t->count; i++) {
		const struct tree_entry *e = &t->items[i];
		if (e->kind != EMBEDDED_FS_FILE)
			continue;
		ok = copy_contents(out, e);
		fwrite(zeros, ((e->size + DATA_ALIGN - 1) & ~(uint64_t)(DATA_ALIGN - 1)) - e->size, 1,
		       out);
	}
	if (fclose(out) && ok) {
		tool_error("build", "cannot write %s: %s", blob_path, strerror(errno));
		ok = false;
	}
	return ok;
}

/* The blob goes into read-only data under the symbol the kernel looks for. */
static bool write_asm(const char *blob_path, const char *asm_path)
{
	FILE *out = fopen(asm_path, "w");
	if (!out) {
		tool_error("build", "cannot write %s: %s", asm_path, strerror(errno));
		return false;
	}
	fprintf(out, "\t.section " EMBEDDED_FS_SECTION ",\"a\"\n\t.balign 16\n"
		     "\t.globl " EMBEDDED_FS_SYMBOL "\n" EMBEDDED_FS_SYMBOL ":\n\t.incbin \"");
	for (const char *p = blob_path; *p; p++)
		fprintf(out, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
	fprintf(out, "\"\n\t.globl " EMBEDDED_FS_END_SYMBOL "\n" EMBEDDED_FS_END_SYMBOL ":\n"
		     "\t.section .note.GNU-stack,\"\",@progbits\n");
	if (fclose(out)) {
		tool_error("build", "cannot write %s: %s", asm_path, strerror(errno));
		return false;
	}
	return true;
}

bool files_image_write(const char *dir, const char *blob_path, const char *asm_path)
{
	struct tree t = { .dir = dir };
	struct stat st;
	char real[PATH_MAX];
	bool ok = false;

	if (stat(dir, &st) || !realpath(dir, real))
		tool_error("build", "--files: %s: %s", dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		tool_error("build", "--files: %s is not a directory", dir);
	else
		ok = true;
	if (ok) {
		t.dir_real = concat(real, NULL);
		ok = add_entry(&t, "", dir, EMBEDDED_FS_DIRECTORY, &st) && walk(&t, "", dir);
	}
	if (ok) {
		qsort(t.items, t.count, sizeof *t.items, by_path);
		link_parents(&t);
		ok = write_blob(&t, blob_path) && write_asm(blob_path, asm_path);
	}
	for (size_t i = 0; i < t.count; i++) {
		free(t.items[i].path);
		free(t.items[i].source);
	}
	free(t.items);
	free(t.dir_real);
	return ok;
}

/*
 * files_many: a thousand files in nested folders on a FAT disk: created with
 * short and long names, written in pieces, read back, some renamed within
 * and across folders (one over an existing file), half deleted, a folder
 * emptied and removed. Prints "file: PATH SIZE SEED" for every file that
 * must be on the disk after the VM exits; the host then checks the image
 * (fsck.fat -n, and every file byte for byte, and nothing more).
 * usage: files_many DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../boot/check.h"
#include "content.h"

#define FILES 1000
#define FOLDERS 20

struct entry {
	char path[160];
	size_t size;
	unsigned seed;
	int alive;
};

static struct entry files[FILES];
static const char *root;

static size_t size_of(int i)
{
	return (size_t)(i * 37) % 5000 + (i % 97 == 0 ? 70000 : 0);
}

static void write_file(struct entry *e)
{
	static uint8_t buf[4096];
	int fd = open(e->path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (size_t done = 0; done < e->size;) {
		size_t n = e->size - done < 1500 ? e->size - done : 1500; /* uneven pieces */
		content_fill(e->seed, done, buf, n);
		CHECK(write(fd, buf, n) == (ssize_t)n);
		done += n;
	}
	CHECK(close(fd) == 0);
}

static void check_file(const struct entry *e)
{
	static uint8_t buf[4096], want[4096];
	struct stat st;
	CHECK(stat(e->path, &st) == 0 && (size_t)st.st_size == e->size && S_ISREG(st.st_mode));
	int fd = open(e->path, O_RDONLY);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	size_t done = 0;
	for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0; done += (size_t)n) {
		content_fill(e->seed, done, want, (size_t)n);
		if (memcmp(buf, want, (size_t)n)) {
			printf("FAILED: %s differs near offset %zu\n", e->path, done);
			failures++;
			break;
		}
	}
	CHECK(done == e->size);
	close(fd);
}

static void create_all(void)
{
	char path[160];
	snprintf(path, sizeof path, "%s/t", root);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof path, "%s/t/moved", root);
	CHECK(mkdir(path, 0755) == 0);
	for (int d = 0; d < FOLDERS; d++) {
		snprintf(path, sizeof path, "%s/t/folder %02d", root, d);
		CHECK(mkdir(path, 0755) == 0);
		snprintf(path, sizeof path, "%s/t/folder %02d/SUB", root, d);
		CHECK(mkdir(path, 0755) == 0);
	}
	for (int i = 0; i < FILES; i++) {
		struct entry *e = &files[i];
		const char *sub = (i / FOLDERS) % 2 ? "/SUB" : "";
		if (i % 2)
			snprintf(e->path, sizeof e->path, "%s/t/folder %02d%s/A File With A Long Name %04d.text",
				 root, i % FOLDERS, sub, i);
		else
			snprintf(e->path, sizeof e->path, "%s/t/folder %02d%s/F%04d.TXT", root, i % FOLDERS, sub, i);
		e->size = size_of(i);
		e->seed = 0x9e3779b9u * (unsigned)(i + 1);
		e->alive = 1;
		write_file(e);
	}
}

static void rename_some(void)
{
	char to[160];
	for (int i = 0; i < FILES; i += 10) {
		snprintf(to, sizeof to, "%s/t/folder %02d/renamed-%04d.dat", root, i % FOLDERS, i);
		CHECK(rename(files[i].path, to) == 0);
		strcpy(files[i].path, to);
	}
	for (int i = 5; i < FILES; i += 50) {
		snprintf(to, sizeof to, "%s/t/moved/moved %04d", root, i);
		CHECK(rename(files[i].path, to) == 0);
		strcpy(files[i].path, to);
	}
	/* Over an existing file: file 2 takes file 4's name; 4's data is gone. */
	CHECK(rename(files[2].path, files[4].path) == 0);
	strcpy(files[2].path, files[4].path);
	files[4].alive = 0;
}

static void delete_half(void)
{
	for (int i = 1; i < FILES; i += 2) {
		if (!files[i].alive)
			continue;
		CHECK(unlink(files[i].path) == 0);
		files[i].alive = 0;
	}
	struct stat st;
	CHECK(stat(files[1].path, &st) < 0 && errno == ENOENT);
}

/* Folder 19's files all go, then the folder itself. */
static void remove_folder(void)
{
	char path[160];
	snprintf(path, sizeof path, "%s/t/folder 19", root);
	CHECK(rmdir(path) < 0 && errno == ENOTEMPTY);
	for (int i = 0; i < FILES; i++) {
		if (files[i].alive && strstr(files[i].path, "/folder 19/")) {
			CHECK(unlink(files[i].path) == 0);
			files[i].alive = 0;
		}
	}
	snprintf(path, sizeof path, "%s/t/folder 19/SUB", root);
	CHECK(rmdir(path) == 0);
	snprintf(path, sizeof path, "%s/t/folder 19", root);
	CHECK(rmdir(path) == 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: files_many DIR\n");
		return 2;
	}
	root = argv[1];
	create_all();
	for (int i = 0; i < FILES; i++)
		check_file(&files[i]);
	rename_some();
	delete_half();
	remove_folder();
	int alive = 0;
	for (int i = 0; i < FILES; i++) {
		if (!files[i].alive)
			continue;
		check_file(&files[i]);
		printf("file: %s\t%zu\t%u\n", files[i].path + strlen(root), files[i].size, files[i].seed);
		alive++;
	}
	sync();
	printf("files_many: %d files kept, %d failures\n", alive, failures);
	return failures ? 1 : 0;
}

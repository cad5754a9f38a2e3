/*
 * host_files: files the host copied onto the disk with mcopy (a long name,
 * a folder, 300 KiB of tests/storage/content.h's bytes with seed 7) read
 * back in the guest, and listed with getdents64.
 * usage: host_files DIR
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../boot/check.h"
#include "content.h"

#define BIG_SIZE (300 * 1024)

int main(int argc, char **argv)
{
	static uint8_t buf[4096], want[4096];
	char path[160];
	if (argc != 2)
		return 2;
	snprintf(path, sizeof path, "%s/Host Folder/a rather long file name.bin", argv[1]);
	int fd = open(path, O_RDONLY);
	size_t done = 0;
	CHECK(fd >= 0);
	for (ssize_t n; fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0; done += (size_t)n) {
		content_fill(7, done, want, (size_t)n);
		CHECK(memcmp(buf, want, (size_t)n) == 0);
	}
	CHECK(done == BIG_SIZE);
	close(fd);
	snprintf(path, sizeof path, "%s/Host Folder", argv[1]);
	DIR *d = opendir(path);
	int seen = 0;
	CHECK(d != NULL);
	for (struct dirent *e; d && (e = readdir(d));)
		seen += !strcmp(e->d_name, "a rather long file name.bin") || !strcmp(e->d_name, "SHORT.TXT");
	if (d)
		closedir(d);
	CHECK(seen == 2);
	printf("host_files: %d failures\n", failures);
	return failures ? 1 : 0;
}

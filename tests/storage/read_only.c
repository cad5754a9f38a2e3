/*
 * read_only: a disk given with --disk FILE:ro: files the host put there read
 * back, and every change fails with EROFS (or EBADF for a write to a
 * descriptor opened read-only), with nothing changed.
 * usage: read_only DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../boot/check.h"

int main(int argc, char **argv)
{
	char path[128], other[128], buf[64] = "";
	if (argc != 2)
		return 2;
	snprintf(path, sizeof path, "%s/hello.txt", argv[1]);
	snprintf(other, sizeof other, "%s/new.txt", argv[1]);

	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) > 0);
	CHECK(strcmp(buf, "written on the host\n") == 0);
	CHECK(write(fd, "x", 1) < 0 && errno == EBADF);
	close(fd);
	CHECK(open(path, O_WRONLY) < 0 && errno == EROFS);
	CHECK(open(other, O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS);
	CHECK(unlink(path) < 0 && errno == EROFS);
	CHECK(rename(path, other) < 0 && errno == EROFS);
	CHECK(mkdir(other, 0755) < 0 && errno == EROFS);
	CHECK(truncate(path, 0) < 0 && errno == EROFS);
	struct statfs sf;
	CHECK(statfs(argv[1], &sf) == 0 && (sf.f_flags & ST_RDONLY));
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == 20);
	printf("read_only: %d failures\n", failures);
	return failures ? 1 : 0;
}

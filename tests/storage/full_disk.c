/*
 * full_disk: fills a small disk until write fails with ENOSPC, in several
 * files; checks that what was written before stays readable, that a file
 * deleted frees room for another write, and syncs. The host then runs
 * fsck.fat -n on the image (tests/storage/checks.sh).
 * usage: full_disk DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../boot/check.h"
#include "content.h"

/* Writes `seed`'s content to path until the disk is full; returns the bytes
 * written, and whether it ended on ENOSPC. */
static size_t fill(const char *path, unsigned seed, int *enospc)
{
	static uint8_t buf[3000];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	size_t done = 0;
	CHECK(fd >= 0);
	*enospc = 0;
	while (fd >= 0) {
		content_fill(seed, done, buf, sizeof buf);
		ssize_t n = write(fd, buf, sizeof buf);
		if (n < 0) {
			*enospc = errno == ENOSPC;
			break;
		}
		done += (size_t)n;
	}
	CHECK(close(fd) == 0);
	return done;
}

static void check_content(const char *path, unsigned seed, size_t size)
{
	static uint8_t buf[3000], want[3000];
	int fd = open(path, O_RDONLY);
	size_t done = 0;
	CHECK(fd >= 0);
	for (ssize_t n; fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0; done += (size_t)n) {
		content_fill(seed, done, want, (size_t)n);
		CHECK(memcmp(buf, want, (size_t)n) == 0);
	}
	CHECK(done == size);
	close(fd);
}

int main(int argc, char **argv)
{
	char a[128], b[128], c[128];
	int enospc;
	if (argc != 2)
		return 2;
	snprintf(a, sizeof a, "%s/first.bin", argv[1]);
	snprintf(b, sizeof b, "%s/second.bin", argv[1]);
	snprintf(c, sizeof c, "%s/third.bin", argv[1]);

	size_t first = fill(a, 1, &enospc);
	CHECK(enospc);
	CHECK(first > 0);
	size_t second = fill(b, 2, &enospc); /* nothing left: 0 bytes */
	CHECK(enospc);
	struct statfs sf;
	CHECK(statfs(argv[1], &sf) == 0 && sf.f_bfree == 0);
	CHECK(mkdir(c, 0755) < 0 && errno == ENOSPC);
	check_content(a, 1, first);
	CHECK(unlink(a) == 0);
	CHECK(statfs(argv[1], &sf) == 0 && sf.f_bfree > 0);
	size_t third = fill(c, 3, &enospc);
	CHECK(enospc && third > 0);
	check_content(b, 2, second);
	check_content(c, 3, third);
	sync();
	printf("full_disk: first %zu, second %zu, third %zu bytes, %d failures\n", first, second, third,
	       failures);
	return failures ? 1 : 0;
}

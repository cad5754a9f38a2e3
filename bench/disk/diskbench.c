/*
 * diskbench.c: the program `make bench-disk` runs in a Lull guest and, built
 * for Linux, in a Linux guest, on the same kind of disk (a FAT32 image on
 * virtio-blk): sequential write of SIZE_MIB MiB (1 MiB writes, then fsync),
 * sequential read of it, and RANDOM_WRITES 4 KiB writes at random places,
 * each followed by fsync. Around each phase it prints
 *   phase NAME begin
 *   phase NAME end UNITS SECONDS
 * (UNITS: MiB, or fsyncs), which the host stamps with the qemu process's
 * CPU time (bench/disk.sh).
 * usage: diskbench DIR [SIZE_MIB [RANDOM_WRITES]]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define PAGE 4096

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double begin(const char *phase)
{
	printf("phase %s begin\n", phase);
	fflush(stdout);
	return now();
}

static void end(const char *phase, double start, long units)
{
	printf("phase %s end %ld %.6f\n", phase, units, now() - start);
	fflush(stdout);
}

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	char path[256];
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: diskbench DIR [SIZE_MIB [RANDOM_WRITES]]\n");
		return 2;
	}
	long mib = argc > 2 ? atol(argv[2]) : 64, writes = argc > 3 ? atol(argv[3]) : 1000;
	snprintf(path, sizeof path, "%s/diskbench.bin", argv[1]);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 7 + 1);

	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0)
		return fail(path);
	double t = begin("seq_write");
	for (long i = 0; i < mib; i++)
		if (write(fd, buf, CHUNK) != CHUNK)
			return fail("write");
	if (fsync(fd) != 0)
		return fail("fsync");
	end("seq_write", t, mib);

	/* Linux would read its page cache back; ask it to drop the file's
	 * pages first (Lull's block cache keeps what its bound allows). */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (lseek(fd, 0, SEEK_SET) != 0)
		return fail("lseek");
	t = begin("seq_read");
	for (long i = 0; i < mib; i++)
		if (read(fd, buf, CHUNK) != CHUNK)
			return fail("read");
	end("seq_read", t, mib);

	srand(42);
	t = begin("random_fsync");
	for (long i = 0; i < writes; i++) {
		off_t at = (off_t)(rand() % (mib * (CHUNK / PAGE))) * PAGE;
		if (pwrite(fd, buf, PAGE, at) != PAGE || fsync(fd) != 0)
			return fail("pwrite or fsync");
	}
	end("random_fsync", t, writes);
	close(fd);
	unlink(path);
	return 0;
}

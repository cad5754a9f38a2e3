/*
 * crash_writer: appends 64-byte records to a file and fsyncs each, printing
 * "synced N" only after fsync returned. The host kills QEMU at a random
 * moment; every record with a "synced" line must then be on the disk
 * (tests/storage/check_image.py records). Stops by itself after 60 s.
 * usage: crash_writer FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "content.h"

#define RECORD_SIZE 64

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: crash_writer FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	time_t end = time(NULL) + 60;
	for (unsigned n = 0; time(NULL) < end; n++) {
		char rec[RECORD_SIZE];
		int head = snprintf(rec, sizeof rec, "record %08u ", n);
		content_fill(n, 0, (uint8_t *)rec + head, RECORD_SIZE - (size_t)head - 1);
		rec[RECORD_SIZE - 1] = '\n';
		if (write(fd, rec, RECORD_SIZE) != RECORD_SIZE || fsync(fd) != 0) {
			perror("write or fsync");
			return 1;
		}
		printf("synced %u\n", n);
		fflush(stdout);
	}
	return 0;
}

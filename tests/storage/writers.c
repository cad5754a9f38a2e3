/*
 * writers: threads on every core write files of their own and append
 * records to one shared O_APPEND file at the same time. Afterwards each
 * thread's file is intact and the shared file holds every record whole,
 * each thread's in its own order. The host checks the image with
 * fsck.fat -n and the manifest (check_image.py manifest).
 * usage: writers DIR
 */
#include <lull/lull.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../boot/check.h"
#include "content.h"

#define THREADS 4
#define RECORDS 300
#define OWN_SIZE 200000

static const char *dir;
static int shared_fd;

static void *writer(void *arg)
{
	long id = (long)arg;
	char path[128], rec[32];
	static uint8_t bufs[THREADS][5000];
	uint8_t *buf = bufs[id];

	snprintf(path, sizeof path, "%s/own-%ld.bin", dir, id);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0);
	for (size_t done = 0, r = 0; done < OWN_SIZE || r < RECORDS;) {
		if (done < OWN_SIZE) {
			content_fill(100 + (unsigned)id, done, buf, 5000);
			CHECK(write(fd, buf, 5000) == 5000);
			done += 5000;
		}
		if (r < RECORDS) {
			snprintf(rec, sizeof rec, "thread %ld record %04zu\n", id, r++);
			CHECK(write(shared_fd, rec, strlen(rec)) == (ssize_t)strlen(rec));
		}
	}
	CHECK(fsync(fd) == 0);
	close(fd);
	return NULL;
}

/* Every line of the shared file is a whole record, each thread's in order. */
static void check_shared(const char *path)
{
	static char text[THREADS * RECORDS * 32];
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	CHECK(n > 0);
	text[n > 0 ? n : 0] = '\0';
	long next[THREADS] = { 0 }, lines = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		long id, r;
		if (sscanf(line, "thread %ld record %ld", &id, &r) != 2 || id < 0 || id >= THREADS ||
		    r != next[id]) {
			printf("FAILED: line %ld is \"%s\"\n", lines, line);
			failures++;
			return;
		}
		next[id]++;
	}
	CHECK(lines == THREADS * RECORDS);
}

int main(int argc, char **argv)
{
	char path[128];
	pthread_t t[THREADS];
	if (argc != 2)
		return 2;
	dir = argv[1];
	snprintf(path, sizeof path, "%s/shared.log", dir);
	shared_fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_TRUNC, 0644);
	CHECK(shared_fd >= 0);
	int cpus = lull_cpu_count();
	for (long i = 0; i < THREADS; i++)
		lull_thread_create(&t[i], NULL, (int)(i % cpus), writer, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	close(shared_fd);
	check_shared(path);
	for (long i = 0; i < THREADS; i++)
		printf("file: /own-%ld.bin\t%d\t%ld\n", i, OWN_SIZE, 100 + i);
	printf("keep: /shared.log\n");
	printf("writers: %d failures\n", failures);
	return failures ? 1 : 0;
}

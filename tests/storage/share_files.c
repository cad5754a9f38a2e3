/*
 * share_files: a host folder shared with --share DIR: reads the file the host
 * put there, writes one of its own (the host finds it in DIR after the VM
 * exits) and a folder with a file in it.
 * usage: share_files DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../boot/check.h"

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(fsync(fd) == 0);
	close(fd);
}

int main(int argc, char **argv)
{
	char path[160], buf[128] = "";
	if (argc != 2)
		return 2;
	snprintf(path, sizeof path, "%s/from host.txt", argv[1]);
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) > 0);
	CHECK(strcmp(buf, "written by the host\n") == 0);
	close(fd);
	snprintf(path, sizeof path, "%s/from guest.txt", argv[1]);
	write_text(path, "written by the guest\n");
	snprintf(path, sizeof path, "%s/guest folder", argv[1]);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof path, "%s/guest folder/inner.txt", argv[1]);
	write_text(path, "inside a folder\n");
	printf("share_files: %d failures\n", failures);
	return failures ? 1 : 0;
}

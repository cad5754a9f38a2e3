/*
 * first_output.c: runs a command and prints how many milliseconds passed
 * from starting it to the end of the first line it writes on stdout, then
 * waits for it to end. Used by bench/boot.sh to time boots.
 *
 * usage: first_output COMMAND [ARGS...]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int fds[2];

	if (argc < 2) {
		fprintf(stderr, "usage: first_output COMMAND [ARGS...]\n");
		return 2;
	}
	if (pipe(fds) != 0) {
		perror("first_output: pipe");
		return 1;
	}
	double start = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		perror("first_output: fork");
		return 1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[1], argv + 1);
		perror("first_output: exec");
		_exit(127);
	}
	close(fds[1]);

	double first_line = -1;
	char c;
	while (read(fds[0], &c, 1) == 1) {
		if (c == '\n' && first_line < 0)
			first_line = now_ms() - start;
	}
	int status;
	waitpid(pid, &status, 0);
	if (first_line < 0) {
		fprintf(stderr, "first_output: %s wrote no line\n", argv[1]);
		return 1;
	}
	printf("%.2f\n", first_line);
	return 0;
}

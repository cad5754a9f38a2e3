/* stop_request.c: a guest for tests/cli/stop_checks.sh. argv[1] says what
 * it does with SIGTERM: "handle" (a handler that records it; the program
 * then writes "saved" and exits 3, as a server saves its data),
 * "default" (no handler: the kernel ends it) or "ignore" (SIG_IGN: only
 * QEMU's stop ends it). It prints "ready" and waits in pause(). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
	stop_requested = sig;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "handle"))
		signal(SIGTERM, on_term);
	else if (!strcmp(mode, "ignore"))
		signal(SIGTERM, SIG_IGN);
	else if (strcmp(mode, "default"))
		return 2;
	printf("ready\n");
	fflush(stdout);
	while (!stop_requested)
		pause();
	printf("got signal %d: saved\n", (int)stop_requested);
	return 3;
}

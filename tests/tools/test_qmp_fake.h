/*
 * test_qmp_fake.h: a fake QEMU monitor for the tests of the QMP client and
 * of guest stats reading: a thread serving a unix socket with a canned
 * greeting and replies. It parses and escapes JSON on its own, so that a
 * fault in qmp.c cannot hide itself by agreeing with its twin here.
 */
#ifndef TEST_QMP_FAKE_H
#define TEST_QMP_FAKE_H

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum fake_mode {
	FAKE_NORMAL,         /* greets, answers every command */
	FAKE_SILENT,         /* accepts, never says a word (a busy QEMU looks so) */
	FAKE_BAD_GREETING,   /* greets with something that is not QMP */
	FAKE_GARBAGE_REPLY,  /* answers commands with broken JSON */
	FAKE_ERROR_REPLY,    /* answers human-monitor-command with a QMP error */
	FAKE_EVENTS_FIRST,   /* sends an event before each reply */
	FAKE_MUTE_COMMANDS,  /* greets and accepts capabilities, then never answers */
};

struct fake_qmp {
	char dir[64], path[108];
	int listen_fd, stop[2];
	pthread_t thread;
	enum fake_mode mode;
	/* Makes the text of a human-monitor command's answer (malloc'd). */
	char *(*answer)(struct fake_qmp *f, const char *command);
	void *ctx;
	int hmp_commands; /* how many it answered */
};

static void fake_send(int fd, const char *text)
{
	size_t len = strlen(text);
	while (len) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

/* The answer as a QMP reply line, escaped by hand. */
static void fake_send_return(int fd, const char *text)
{
	size_t cap = strlen(text) * 6 + 32, n = 0;
	char *out = malloc(cap);
	n += (size_t)sprintf(out, "{\"return\": \"");
	for (const char *p = text; *p; p++) {
		if (*p == '\r' || *p == '\n' || *p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = *p == '\r' ? 'r' : *p == '\n' ? 'n' : *p;
		} else {
			out[n++] = *p;
		}
	}
	strcpy(out + n, "\"}\r\n");
	fake_send(fd, out);
	free(out);
}

/* The command line of a human-monitor-command request; the client's
 * commands hold no escapes. */
static char *fake_command_line(const char *request)
{
	const char *key = "\"command-line\":\"";
	const char *p = strstr(request, key);
	if (!p)
		return NULL;
	p += strlen(key);
	const char *end = strchr(p, '"');
	return end ? strndup(p, (size_t)(end - p)) : NULL;
}

static void fake_serve_request(struct fake_qmp *f, int fd, const char *request)
{
	if (f->mode == FAKE_MUTE_COMMANDS && !strstr(request, "qmp_capabilities"))
		return;
	if (f->mode == FAKE_EVENTS_FIRST)
		fake_send(fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RTC_CHANGE\", "
			      "\"data\": {\"offset\": 0, \"qom-path\": \"/machine/x\"}}\r\n");
	if (strstr(request, "qmp_capabilities")) {
		fake_send(fd, "{\"return\": {}}\r\n");
		return;
	}
	if (f->mode == FAKE_GARBAGE_REPLY) {
		fake_send(fd, "{\"return\": \"unterminated\r\n");
		return;
	}
	if (f->mode == FAKE_ERROR_REPLY) {
		fake_send(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no \\\"xp\\\" here\"}}\r\n");
		return;
	}
	char *command = fake_command_line(request);
	char *text = command && f->answer ? f->answer(f, command) : strdup("");
	f->hmp_commands++;
	fake_send_return(fd, text);
	free(text);
	free(command);
}

static void fake_serve(struct fake_qmp *f, int fd)
{
	char buf[65536];
	size_t len = 0;
	if (f->mode == FAKE_BAD_GREETING)
		fake_send(fd, "SSH-2.0-OpenSSH_9.2\r\n");
	else if (f->mode != FAKE_SILENT)
		fake_send(fd, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
			      "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n");
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = f->stop[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0 || p[1].revents)
			return;
		ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
		if (n <= 0)
			return;
		len += (size_t)n;
		buf[len] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (f->mode != FAKE_SILENT)
				fake_serve_request(f, fd, buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
	}
}

static void *fake_thread(void *arg)
{
	struct fake_qmp *f = arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = f->listen_fd, .events = POLLIN },
				       { .fd = f->stop[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		int fd = accept(f->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		fake_serve(f, fd);
		close(fd);
	}
}

static void fake_start(struct fake_qmp *f, enum fake_mode mode)
{
	f->mode = mode;
	f->hmp_commands = 0;
	strcpy(f->dir, "/tmp/test_qmp.XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	snprintf(f->path, sizeof f->path, "%s/qmp", f->dir);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&a, sizeof a) ||
	    listen(f->listen_fd, 1) || pipe(f->stop) || pthread_create(&f->thread, NULL, fake_thread, f))
		abort();
}

static void fake_stop(struct fake_qmp *f)
{
	if (write(f->stop[1], "x", 1) != 1)
		abort();
	pthread_join(f->thread, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
}

#endif

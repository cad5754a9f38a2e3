/* qmp.c: a QMP client over a unix socket, with deadlines on every read and
 * write, and the little JSON it needs (see qmp.h). */
#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPLY (8u << 20) /* a reply longer than this is not what we asked for */
#define MAX_DEPTH 64

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return false;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return true;
}

static size_t utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One escape after the backslash at *p: its bytes go to out (when out is
 * not NULL); returns how many, or 0 when the escape is invalid. Moves *p
 * past the escape. */
static size_t decode_escape(const char **p, char *out)
{
	static const char simple_in[] = "\"\\/bfnrt", simple_out[] = "\"\\/\b\f\n\r\t";
	char tmp[4];
	const char *s = *p + 1;
	const char *hit = *s ? strchr(simple_in, *s) : NULL;
	if (!out)
		out = tmp;
	if (hit) {
		*out = simple_out[hit - simple_in];
		*p = s + 1;
		return 1;
	}
	unsigned cp, low;
	if (*s != 'u' || !hex4(s + 1, &cp))
		return 0;
	s += 5;
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (s[0] != '\\' || s[1] != 'u' || !hex4(s + 2, &low) || low < 0xdc00 || low > 0xdfff)
			return 0;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		s += 6;
	} else if (cp >= 0xdc00 && cp < 0xe000) {
		return 0;
	}
	*p = s;
	return utf8_encode(cp, out);
}

/* Walks the string at p (on its opening quote); writes the decoded bytes to
 * out when not NULL. Returns the end (past the closing quote) or NULL;
 * *decoded_len is the decoded length. */
static const char *walk_string(const char *p, char *out, size_t *decoded_len)
{
	size_t n = 0;
	if (*p != '"')
		return NULL;
	p++;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL; /* includes the end of the text */
		if (*p == '\\') {
			size_t k = decode_escape(&p, out ? out + n : NULL);
			if (!k)
				return NULL;
			n += k;
			continue;
		}
		if (out)
			out[n] = *p;
		n++;
		p++;
	}
	*decoded_len = n;
	return p + 1;
}

static const char *skip_value(const char *p, int depth);

/* Skips an object or array at p (on '{' or '['). */
static const char *skip_container(const char *p, int depth)
{
	char close = *p == '{' ? '}' : ']';
	bool object = *p == '{';
	size_t unused;
	p = skip_blanks(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = walk_string(p, NULL, &unused);
			if (!p)
				return NULL;
			p = skip_blanks(p);
			if (*p != ':')
				return NULL;
			p = skip_blanks(p + 1);
		}
		p = skip_value(p, depth + 1);
		if (!p)
			return NULL;
		p = skip_blanks(p);
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = skip_blanks(p + 1);
	}
}

/* Skips a number: an optional '-', digits, an optional fraction and
 * exponent. Strictness beyond that buys nothing here. */
static const char *skip_number(const char *p)
{
	const char *start = p;
	if (*p == '-')
		p++;
	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
	       *p == '-')
		p++;
	return p > start && p[-1] != '-' ? p : NULL;
}

static const char *skip_value(const char *p, int depth)
{
	static const char *const literals[] = { "true", "false", "null" };
	size_t unused;
	if (depth > MAX_DEPTH)
		return NULL;
	p = skip_blanks(p);
	if (*p == '"')
		return walk_string(p, NULL, &unused);
	if (*p == '{' || *p == '[')
		return skip_container(p, depth);
	for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++)
		if (!strncmp(p, literals[i], strlen(literals[i])))
			return p + strlen(literals[i]);
	return skip_number(p);
}

const char *qmp_json_member(const char *json, const char *key)
{
	const char *p = skip_blanks(json);
	size_t key_len = strlen(key);
	if (*p != '{')
		return NULL;
	/* The whole object must be well formed before any of it is trusted. */
	if (!skip_value(p, 0))
		return NULL;
	p = skip_blanks(p + 1);
	while (*p == '"') {
		char name[64];
		size_t len;
		const char *end = walk_string(p, NULL, &len);
		bool match = end && len == key_len && len < sizeof name;
		if (match) {
			walk_string(p, name, &len);
			match = !memcmp(name, key, key_len);
		}
		p = skip_blanks(skip_blanks(end) + 1);
		if (match)
			return p;
		p = skip_blanks(skip_value(p, 0));
		if (*p != ',')
			return NULL;
		p = skip_blanks(p + 1);
	}
	return NULL;
}

char *qmp_json_string(const char *json)
{
	size_t len;
	const char *p = skip_blanks(json);
	if (!walk_string(p, NULL, &len))
		return NULL;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	walk_string(p, out, &len);
	out[len] = '\0';
	return out;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0: overlong forms,
 * surrogates and code points past U+10FFFF are not valid. */
static size_t utf8_length(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		   : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/* The JSON text of the next character at *s, into piece (at most 6 bytes,
 * not terminated); moves *s past it. A byte that is not valid UTF-8 (a
 * name cut short, a Latin-1 file name) becomes U+FFFD, so that the
 * document stays valid. */
static size_t json_piece(const unsigned char **s, char piece[6])
{
	const unsigned char *c = *s;
	size_t len = utf8_length(c);
	if (!len) {
		*s = c + 1;
		memcpy(piece, "\\ufffd", 6);
		return 6;
	}
	*s = c + len;
	if (*c == '"' || *c == '\\') {
		piece[0] = '\\';
		piece[1] = (char)*c;
		return 2;
	}
	if (*c < 0x20) {
		char hex[7];
		snprintf(hex, sizeof hex, "\\u%04x", *c);
		memcpy(piece, hex, 6);
		return 6;
	}
	memcpy(piece, c, len);
	return len;
}

bool qmp_json_quote(const char *src, char *dst, size_t dst_size)
{
	size_t n = 0;
	if (dst_size < 3)
		return false;
	dst[n++] = '"';
	for (const unsigned char *s = (const unsigned char *)src; *s;) {
		char piece[6];
		size_t len = json_piece(&s, piece);
		if (n + len + 2 > dst_size) /* the piece, the closing quote, the NUL */
			return false;
		memcpy(dst + n, piece, len);
		n += len;
	}
	dst[n++] = '"';
	dst[n] = '\0';
	return true;
}

void qmp_json_write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		char piece[6];
		size_t len = json_piece(&p, piece);
		fwrite(piece, 1, len, out);
	}
	fputc('"', out);
}

int qmp_error(char *why, size_t why_size, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return err;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on the socket until the deadline; 0 or -ETIMEDOUT. */
static int wait_for(const struct qmp *q, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = q->fd, .events = events };
		int r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int send_all(struct qmp *q, const char *text, int64_t deadline)
{
	size_t len = strlen(text), done = 0;
	while (done < len) {
		int r = wait_for(q, POLLOUT, deadline);
		if (r)
			return r;
		ssize_t n = send(q->fd, text + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			done += (size_t)n;
	}
	return 0;
}

/* Receives one line (QEMU ends every message with "\r\n") into a malloc'd
 * string, without its line end. */
static int receive_line(struct qmp *q, int64_t deadline, char **line)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - q->buf);
			*line = malloc(n + 1);
			if (!*line)
				return -ENOMEM;
			memcpy(*line, q->buf, n);
			(*line)[n] = '\0';
			if (n && (*line)[n - 1] == '\r')
				(*line)[n - 1] = '\0';
			q->len -= n + 1;
			memmove(q->buf, nl + 1, q->len);
			return 0;
		}
		if (q->len >= MAX_REPLY)
			return -EMSGSIZE;
		if (q->cap - q->len < 4096) {
			size_t ncap = q->cap ? q->cap * 2 : 16384;
			char *bigger = realloc(q->buf, ncap);
			if (!bigger)
				return -ENOMEM;
			q->buf = bigger;
			q->cap = ncap;
		}
		int r = wait_for(q, POLLIN, deadline);
		if (r)
			return r;
		ssize_t n = recv(q->fd, q->buf + q->len, q->cap - q->len, MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			q->len += (size_t)n;
	}
}

/* A failed read or write, told with what was awaited. */
static int io_fail(char *why, size_t why_size, int err, const char *waiting_for)
{
	if (err == -ETIMEDOUT)
		return qmp_error(why, why_size, err, "no answer waiting for %s (busy with another client?)",
			    waiting_for);
	if (err == -ECONNRESET)
		return qmp_error(why, why_size, err, "QEMU closed the connection waiting for %s", waiting_for);
	if (err == -EMSGSIZE)
		return qmp_error(why, why_size, err, "reply too long waiting for %s", waiting_for);
	return qmp_error(why, why_size, err, "%s waiting for %s", strerror(-err), waiting_for);
}

/* Reads messages until the reply to a command: events are skipped. On
 * success *reply is the line and *value points at its "return" value. */
static int receive_reply(struct qmp *q, int64_t deadline, const char *what, char **reply,
			 const char **value, char *why, size_t why_size)
{
	for (;;) {
		char *line;
		int r = receive_line(q, deadline, &line);
		if (r)
			return io_fail(why, why_size, r, what);
		const char *ret = qmp_json_member(line, "return");
		const char *err = qmp_json_member(line, "error");
		if (ret) {
			*reply = line;
			*value = ret;
			return 0;
		}
		if (err) {
			const char *d = qmp_json_member(err, "desc");
			char *desc = d ? qmp_json_string(d) : NULL;
			r = qmp_error(why, why_size, -EIO, "QEMU refused %s: %s", what,
				 desc ? desc : "(no reason given)");
			free(desc);
			free(line);
			return r;
		}
		bool event = qmp_json_member(line, "event") != NULL;
		free(line);
		if (!event)
			return qmp_error(why, why_size, -EPROTO, "not a QMP reply to %s", what);
	}
}

int qmp_connect(struct qmp *q, const char *socket_path, int timeout_ms, char *why, size_t why_size)
{
	*q = (struct qmp){ .fd = -1, .timeout_ms = timeout_ms };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(socket_path) >= sizeof addr.sun_path)
		return qmp_error(why, why_size, -ENAMETOOLONG, "socket path too long");
	strcpy(addr.sun_path, socket_path);

	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (q->fd < 0)
		return qmp_error(why, why_size, -errno, "socket: %s", strerror(errno));
	int64_t deadline = now_ms() + timeout_ms;
	if (connect(q->fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		int e = errno;
		if (e == EAGAIN || e == EINPROGRESS) {
			/* A unix socket whose backlog is full: QEMU has a client and
			 * a queue of others. */
			qmp_close(q);
			return qmp_error(why, why_size, -ETIMEDOUT, "busy: %s has clients queued", socket_path);
		}
		qmp_close(q);
		if (e == ENOENT)
			return qmp_error(why, why_size, -ENOENT, "no such socket %s", socket_path);
		if (e == ECONNREFUSED)
			return qmp_error(why, why_size, -ECONNREFUSED, "nobody listens on %s", socket_path);
		return qmp_error(why, why_size, -e, "cannot connect to %s: %s", socket_path, strerror(e));
	}

	char *line = NULL;
	int r = receive_line(q, deadline, &line);
	if (r) {
		qmp_close(q);
		return io_fail(why, why_size, r, "the QMP greeting");
	}
	bool greeted = qmp_json_member(line, "QMP") != NULL;
	free(line);
	if (!greeted) {
		qmp_close(q);
		return qmp_error(why, why_size, -EPROTO, "%s does not speak QMP", socket_path);
	}
	const char *value;
	r = send_all(q, "{\"execute\":\"qmp_capabilities\"}\n", deadline);
	if (!r)
		r = receive_reply(q, deadline, "qmp_capabilities", &line, &value, why, why_size);
	else
		io_fail(why, why_size, r, "qmp_capabilities");
	if (r) {
		qmp_close(q);
		return r;
	}
	free(line);
	return 0;
}

int qmp_hmp(struct qmp *q, const char *command, char **out, char *why, size_t why_size)
{
	static const char head[] = "{\"execute\":\"human-monitor-command\","
				   "\"arguments\":{\"command-line\":";
	char quoted[1024], request[sizeof head + sizeof quoted + 4];
	*out = NULL;
	if (q->fd < 0)
		return qmp_error(why, why_size, -ENOTCONN, "not connected");
	if (!qmp_json_quote(command, quoted, sizeof quoted))
		return qmp_error(why, why_size, -E2BIG, "command too long");
	snprintf(request, sizeof request, "%s%s}}\n", head, quoted);

	int64_t deadline = now_ms() + q->timeout_ms;
	char *reply;
	const char *value;
	int r = send_all(q, request, deadline);
	if (r)
		io_fail(why, why_size, r, "human-monitor-command");
	else
		r = receive_reply(q, deadline, "human-monitor-command", &reply, &value, why, why_size);
	if (r) {
		/* Past a failed read the stream is out of step: a late reply
		 * would answer the next command. Only QEMU's own refusal keeps
		 * it in step. */
		if (r != -EIO)
			qmp_close(q);
		return r;
	}
	*out = qmp_json_string(value);
	free(reply);
	if (!*out)
		return qmp_error(why, why_size, -EPROTO, "human-monitor-command returned no text");
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	*q = (struct qmp){ .fd = -1 };
}

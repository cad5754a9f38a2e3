/*
 * httpd: a static-file HTTP/1.1 server, in portable C for Lull and Linux.
 *
 *   lull run build/examples/httpd.elf -p 8080:80 -- [PORT [ROOT]]
 *   build/httpd-linux [PORT [ROOT]]
 *
 * PORT defaults to 80 and ROOT to "/" (on Lull, the tree embedded with
 * `lull build --files`). Prints "httpd: listening on port PORT ..." once
 * ready.
 *
 * One worker thread per online core, each with its own epoll instance; all
 * share the listening socket, watched with EPOLLEXCLUSIVE so that a new
 * connection wakes one waiting worker, not all (Lull wakes the one on the
 * core that took the interrupt if it waits: at light load one core does
 * everything and the others stay halted).
 * Every socket is non-blocking and every connection has a deadline, so one
 * slow or hostile client never holds a worker: a request must arrive whole
 * within READ_TIMEOUT_MS (else 408), an idle keep-alive connection is closed
 * after IDLE_TIMEOUT_MS, and a response that makes no progress for
 * WRITE_TIMEOUT_MS is abandoned.
 *
 * GET and HEAD; keep-alive (HTTP/1.1's default, HTTP/1.0 on request) and
 * pipelining; Content-Length, Content-Type by extension, Date,
 * Last-Modified, ETag and the conditional requests that use them (304).
 * Errors: 400 malformed, 404 missing, 405 other methods, 408 too slow,
 * 413 request content (none is accepted), 414 target too long, 431 request
 * head over HEADER_LIMIT bytes, 505 other HTTP versions.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEADER_LIMIT 8192 /* request line and headers; 431 beyond */
#define OUT_SIZE 16384
#define PATH_LIMIT 2048 /* decoded target; 414 beyond */
#define READ_TIMEOUT_MS 10000
#define IDLE_TIMEOUT_MS 15000
#define WRITE_TIMEOUT_MS 10000
/* How long a closing connection's unread input is drained, so that our
 * last response is not destroyed by a reset (RFC 9112, 9.6). */
#define LINGER_MS 2000
#define ACCEPT_PAUSE_MS 100
#define MAX_EVENTS 64
#define MAX_WORKERS 64
#define HTTP_DATE_FORMAT "%a, %d %b %Y %H:%M:%S GMT"

enum phase {
	READING, /* waiting for (the rest of) a request */
	WRITING, /* sending a response */
	LINGERING /* response sent, output shut; draining input before close */
};

struct conn {
	int fd;
	enum phase phase;
	bool waiting_output; /* registered for EPOLLOUT rather than EPOLLIN */
	bool close_after;    /* close once the response is sent */
	bool must_linger;    /* an error: the client may still be sending */
	struct conn *prev, *next; /* the worker's deadline list */
	int64_t deadline;         /* monotonic ms */
	int file_fd;              /* the body's source, or -1 */
	off_t file_offset, file_end;
	size_t in_len, out_len, out_sent;
	char in[HEADER_LIMIT];
	char out[OUT_SIZE];
};

struct worker {
	int epfd;
	struct conn *first, *last; /* by deadline, earliest first */
	bool accepting;
	int64_t accept_resume; /* when accepting was paused (EMFILE) */
	time_t date_second;
	char date[40];
};

/* What a parsed request asks for. */
struct request {
	const char *method, *target;
	int minor; /* HTTP/1.minor */
	bool keep_alive;
	bool has_content; /* Content-Length above 0, or Transfer-Encoding */
	const char *if_none_match, *if_modified_since;
};

static int listener;
static char listener_tag; /* epoll data of the listening socket */
static const char *root;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *http_date(struct worker *w)
{
	time_t now = time(NULL);
	if (now != w->date_second) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(w->date, sizeof w->date, HTTP_DATE_FORMAT, &tm);
		w->date_second = now;
	}
	return w->date;
}

/* Deadlines: the list stays sorted; a new deadline is almost always the
 * latest, so insertion walks back from the end. */
static void unlink_deadline(struct worker *w, struct conn *c)
{
	if (!c->prev && w->first != c)
		return; /* not on the list */
	*(c->prev ? &c->prev->next : &w->first) = c->next;
	*(c->next ? &c->next->prev : &w->last) = c->prev;
	c->prev = c->next = NULL;
}

static void set_deadline(struct worker *w, struct conn *c, int64_t ms)
{
	unlink_deadline(w, c);
	c->deadline = now_ms() + ms;
	struct conn *after = w->last;
	while (after && after->deadline > c->deadline)
		after = after->prev;
	c->prev = after;
	c->next = after ? after->next : w->first;
	*(c->next ? &c->next->prev : &w->last) = c;
	*(after ? &after->next : &w->first) = c;
}

static void close_conn(struct worker *w, struct conn *c)
{
	unlink_deadline(w, c);
	if (c->file_fd >= 0)
		close(c->file_fd);
	/* Unregistered explicitly: close alone leaves the registration while
	 * any other reference to the socket lives (a dup, or the kernel's). */
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static bool watch(struct worker *w, struct conn *c, bool output)
{
	struct epoll_event ev = { .events = output ? EPOLLOUT : EPOLLIN, .data.ptr = c };
	if (c->waiting_output == output)
		return true;
	c->waiting_output = output;
	return epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

static const char *content_type(const char *path)
{
	static const char *const types[][2] = {
		{ "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },	{ "js", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },		{ "txt", "text/plain; charset=utf-8" },
		{ "xml", "application/xml" },		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },			{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },		{ "gif", "image/gif" },
		{ "webp", "image/webp" },		{ "ico", "image/x-icon" },
		{ "wasm", "application/wasm" },		{ "pdf", "application/pdf" },
	};
	const char *dot = strrchr(path, '.');
	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot + 1, types[i][0]))
				return types[i][1];
	return "application/octet-stream";
}

/* Starts an error response: a short text body; 404 and 403 keep the
 * connection, the others close it (the request may be half read). */
static void respond_error(struct worker *w, struct conn *c, int status, bool keep_alive)
{
	char body[64];
	int body_len = snprintf(body, sizeof body, "%d %s\n", status, reason(status));

	c->close_after = !keep_alive || (status != 404 && status != 403);
	c->must_linger = true;
	c->out_len = (size_t)snprintf(c->out, OUT_SIZE,
				      "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: lull-httpd\r\n"
				      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
				      "%sConnection: %s\r\n\r\n%s",
				      status, reason(status), http_date(w), body_len,
				      status == 405 ? "Allow: GET, HEAD\r\n" : "",
				      c->close_after ? "close" : "keep-alive", body);
	c->out_sent = 0;
	c->phase = WRITING;
}

static bool is_token_char(char ch)
{
	return ch > ' ' && ch < 127 && !strchr("\"(),/:;<=>?@[\\]{}", ch);
}

/* Does the comma-separated header value contain token (any case)? */
static bool has_token(const char *value, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = value; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		const char *last = end;
		while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
			last--;
		if ((size_t)(last - p) == n && !strncasecmp(p, token, n))
			return true;
		p = end;
	}
	return false;
}

/* Parses the request head in c->in[0, len) (NUL-terminating its parts in
 * place). Returns 0, or the error status to answer with. */
static int parse_request(struct conn *c, size_t len, struct request *r)
{
	char *p = c->in, *end = c->in + len;
	bool host = false, close = false, keep_alive = false;

	*r = (struct request){ 0 };
	if (memchr(p, '\0', len))
		return 400;
	end[-2] = '\0'; /* the head ends "\r\n\r\n": every line keeps its "\r\n" */
	char *line_end = strstr(p, "\r\n");
	*line_end = '\0';
	r->method = p;
	while (is_token_char(*p))
		p++;
	if (p == r->method || *p != ' ')
		return 400;
	*p++ = '\0';
	r->target = p;
	while (*p > ' ' && *p < 127)
		p++;
	if (p == r->target || *p != ' ')
		return 400;
	*p++ = '\0';
	if (strncmp(p, "HTTP/", 5) || !isdigit((unsigned char)p[5]) || p[6] != '.' ||
	    !isdigit((unsigned char)p[7]) || p[8])
		return 400;
	if (p[5] != '1')
		return 505;
	r->minor = p[7] - '0';

	for (p = line_end + 2; p < end - 2; p = line_end + 2) {
		line_end = strstr(p, "\r\n");
		*line_end = '\0';
		char *name = p;
		while (is_token_char(*p))
			p++;
		if (p == name || *p != ':')
			return 400; /* also obsolete line folding */
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		char *value = p;
		for (char *q = value; *q; q++)
			if ((unsigned char)*q < ' ' && *q != '\t')
				return 400;
		for (char *q = value + strlen(value); q > value && (q[-1] == ' ' || q[-1] == '\t');)
			*--q = '\0';
		if (!strcasecmp(name, "Host")) {
			if (host)
				return 400;
			host = true;
		} else if (!strcasecmp(name, "Connection")) {
			close |= has_token(value, "close");
			keep_alive |= has_token(value, "keep-alive");
		} else if (!strcasecmp(name, "Content-Length")) {
			char *digits_end;
			errno = 0;
			unsigned long long n = strtoull(value, &digits_end, 10);
			if (!isdigit((unsigned char)*value) || *digits_end || errno)
				return 400;
			r->has_content |= n > 0;
		} else if (!strcasecmp(name, "Transfer-Encoding")) {
			r->has_content = true;
		} else if (!strcasecmp(name, "If-None-Match")) {
			r->if_none_match = value;
		} else if (!strcasecmp(name, "If-Modified-Since")) {
			r->if_modified_since = value;
		}
	}
	if (r->minor >= 1 && !host)
		return 400;
	r->keep_alive = r->minor >= 1 ? !close : keep_alive && !close;
	return 0;
}

/* The file path for a request target: percent-decoded, query dropped,
 * "." and ".." applied without ever leaving ROOT. Returns 0 or a status. */
static int target_path(const char *target, char *path, size_t size)
{
	char decoded[PATH_LIMIT], *save;
	size_t n = 0, root_len = strlen(root);

	if (!strncasecmp(target, "http://", 7) || !strncasecmp(target, "https://", 8)) {
		target = strchr(strstr(target, "//") + 2, '/'); /* absolute form */
		if (!target)
			target = "/";
	}
	if (*target != '/')
		return 400;
	for (const char *p = target; *p && *p != '?' && *p != '#'; p++) {
		char ch = *p;
		if (ch == '%') {
			char hex[3] = { p[1], p[2], '\0' };
			if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
				return 400;
			ch = (char)strtol(hex, NULL, 16);
			if (!ch)
				return 400;
			p += 2;
		}
		if (n + 1 >= sizeof decoded)
			return 414;
		decoded[n++] = ch;
	}
	decoded[n] = '\0';
	while (root_len && root[root_len - 1] == '/')
		root_len--; /* "/" becomes "", so paths do not start with "//" */
	if (root_len + 2 > size)
		return 414;
	memcpy(path, root, root_len);
	size_t len = root_len;
	for (char *seg = strtok_r(decoded, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (len > root_len && path[--len] != '/')
				;
			continue;
		}
		size_t seg_len = strlen(seg);
		if (len + seg_len + 2 > size)
			return 414;
		path[len++] = '/';
		memcpy(path + len, seg, seg_len);
		len += seg_len;
	}
	if (len == root_len)
		path[len++] = '/'; /* the root itself */
	path[len] = '\0';
	return 0;
}

static bool not_modified(const struct request *r, const char *etag, time_t mtime)
{
	if (r->if_none_match)
		return !strcmp(r->if_none_match, "*") || strstr(r->if_none_match, etag);
	if (r->if_modified_since) {
		struct tm tm = { 0 };
		const char *end = strptime(r->if_modified_since, HTTP_DATE_FORMAT, &tm);
		return end && !*end && mtime <= timegm(&tm);
	}
	return false;
}

/* Opens the file for path: a directory means its index.html. Returns the
 * descriptor, or minus the status to answer with. */
static int open_file(char *path, size_t size, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, st) == 0 && S_ISDIR(st->st_mode)) {
		close(fd);
		size_t len = strlen(path);
		if (len + sizeof "/index.html" > size)
			return -414;
		strcpy(path + len, path[len - 1] == '/' ? "index.html" : "/index.html");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, st)) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		return errno == EACCES ? -403 : errno == ENOMEM || errno == EMFILE ? -500 : -404;
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -404;
	}
	return fd;
}

/* Starts the response to a parsed GET or HEAD. */
static void respond_file(struct worker *w, struct conn *c, const struct request *r)
{
	char path[PATH_LIMIT];
	struct stat st;
	int status = target_path(r->target, path, sizeof path);
	int fd = status ? -status : open_file(path, sizeof path, &st);
	if (fd < 0) {
		respond_error(w, c, -fd, r->keep_alive);
		return;
	}
	char etag[64], modified[40];
	struct tm tm;
	snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtime);
	gmtime_r(&st.st_mtime, &tm);
	strftime(modified, sizeof modified, HTTP_DATE_FORMAT, &tm);
	status = not_modified(r, etag, st.st_mtime) ? 304 : 200;
	c->close_after = !r->keep_alive;
	c->must_linger = false;
	int n = snprintf(c->out, OUT_SIZE,
			 "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: lull-httpd\r\n",
			 status, reason(status), http_date(w));
	if (status == 200)
		n += snprintf(c->out + n, OUT_SIZE - (size_t)n,
			      "Content-Type: %s\r\nContent-Length: %lld\r\n", content_type(path),
			      (long long)st.st_size);
	n += snprintf(c->out + n, OUT_SIZE - (size_t)n,
		      "Last-Modified: %s\r\nETag: %s\r\nConnection: %s\r\n\r\n", modified, etag,
		      c->close_after ? "close" : "keep-alive");
	c->out_len = (size_t)n;
	c->out_sent = 0;
	c->phase = WRITING;
	if (status == 200 && strcmp(r->method, "HEAD")) {
		c->file_fd = fd;
		c->file_offset = 0;
		c->file_end = st.st_size;
	} else {
		close(fd);
	}
}

/* Answers the first complete request in the input buffer, if there is one.
 * Returns true when a response was started. */
static bool handle_request(struct worker *w, struct conn *c)
{
	size_t skip = 0;
	while (skip + 1 < c->in_len && c->in[skip] == '\r' && c->in[skip + 1] == '\n')
		skip += 2; /* empty lines before a request are allowed */
	if (skip) {
		memmove(c->in, c->in + skip, c->in_len - skip);
		c->in_len -= skip;
	}
	char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
	if (!end) {
		if (c->in_len == HEADER_LIMIT) {
			respond_error(w, c, 431, false);
			return true;
		}
		return false;
	}
	size_t len = (size_t)(end - c->in) + 4;
	struct request r;
	int status = parse_request(c, len, &r);
	if (status)
		respond_error(w, c, status, false);
	else if (strcmp(r.method, "GET") && strcmp(r.method, "HEAD"))
		respond_error(w, c, 405, false);
	else if (r.has_content)
		respond_error(w, c, 413, false); /* no content is accepted, so none is read */
	else
		respond_file(w, c, &r);
	memmove(c->in, c->in + len, c->in_len - len);
	c->in_len -= len;
	return true;
}

/* Sends what it can, the file's bytes read in behind the head as room
 * allows, so that a small response is one write and goes out as one
 * segment. Returns 1 when the response is complete, 0 when the socket is
 * full (the connection now waits for EPOLLOUT), -1 when the connection was
 * closed. */
static int flush(struct worker *w, struct conn *c)
{
	for (;;) {
		if (c->out_sent == c->out_len)
			c->out_sent = c->out_len = 0;
		if (c->file_fd >= 0 && c->file_offset < c->file_end && c->out_len < OUT_SIZE) {
			size_t want = (size_t)(c->file_end - c->file_offset), room = OUT_SIZE - c->out_len;
			ssize_t n = pread(c->file_fd, c->out + c->out_len, want < room ? want : room,
					  c->file_offset);
			if (n <= 0) {
				close_conn(w, c); /* the file shrank or failed: the length was a lie */
				return -1;
			}
			c->file_offset += n;
			c->out_len += (size_t)n;
		}
		if (c->out_sent == c->out_len)
			break;
		ssize_t n = write(c->fd, c->out + c->out_sent, c->out_len - c->out_sent);
		if (n > 0) {
			c->out_sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			set_deadline(w, c, WRITE_TIMEOUT_MS);
			if (!watch(w, c, true)) {
				close_conn(w, c);
				return -1;
			}
			return 0;
		}
		close_conn(w, c);
		return -1;
	}
	if (c->file_fd >= 0) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	return 1;
}

/* Connections are corked (TCP_CORK): writes go out in full segments only,
 * and the rest when the response is complete, here, or with the FIN when
 * the connection closes after it. A small response and its FIN then share
 * one segment. Setting TCP_NODELAY sends what is queued, corked or not, and
 * leaves the cork on (tcp(7)): one call, where uncorking and corking again
 * would be two. */
static void push(struct conn *c)
{
	int on = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* Our side is done. After a file (or 304) for a whole request, a client
 * that sent nothing more is closed at once: the kernel sends the rest with
 * the FIN and takes the client's FIN. A client that did send more, or one
 * that got an error (it may be sending a body or garbage still), could be
 * reset by a close with its data unread, perhaps before it has read the
 * response: that one gets a half-close, and what it sends is drained until
 * it closes too or LINGER_MS pass. */
static void linger(struct worker *w, struct conn *c)
{
	char next;
	if (!c->must_linger && !c->in_len &&
	    recv(c->fd, &next, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
		close_conn(w, c);
		return;
	}
	c->phase = LINGERING;
	if (shutdown(c->fd, SHUT_WR) || !watch(w, c, false)) {
		close_conn(w, c);
		return;
	}
	set_deadline(w, c, LINGER_MS);
}

/* Moves a connection along as far as it can go without waiting. */
static void drive(struct worker *w, struct conn *c)
{
	for (;;) {
		if (c->phase == LINGERING)
			return;
		if (c->phase == WRITING) {
			if (flush(w, c) <= 0)
				return;
			if (c->close_after) {
				linger(w, c);
				return;
			}
			push(c);
			c->phase = READING;
			if (!watch(w, c, false)) {
				close_conn(w, c);
				return;
			}
			set_deadline(w, c, c->in_len ? READ_TIMEOUT_MS : IDLE_TIMEOUT_MS);
		}
		if (!handle_request(w, c))
			return;
	}
}

static void on_input(struct worker *w, struct conn *c)
{
	if (c->phase == LINGERING) {
		char discard[4096];
		ssize_t n = read(c->fd, discard, sizeof discard);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			close_conn(w, c);
		return;
	}
	ssize_t n = read(c->fd, c->in + c->in_len, HEADER_LIMIT - c->in_len);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		close_conn(w, c);
		return;
	}
	if (!c->in_len)
		set_deadline(w, c, READ_TIMEOUT_MS); /* a request starts: it has this long */
	c->in_len += (size_t)n;
	drive(w, c);
}

static void on_event(struct worker *w, struct conn *c, uint32_t events)
{
	if (c->phase == WRITING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			drive(w, c);
	} else if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		on_input(w, c);
	}
}

/* Deadlines that have passed: a half-received request gets 408. */
static void expire(struct worker *w)
{
	int64_t now = now_ms();
	while (w->first && w->first->deadline <= now) {
		struct conn *c = w->first;
		if (c->phase == READING && c->in_len) {
			respond_error(w, c, 408, false);
			unlink_deadline(w, c);
			drive(w, c);
		} else {
			close_conn(w, c);
		}
	}
}

static void set_accepting(struct worker *w, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &listener_tag };
	if (epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listener, &ev))
		perror("httpd: epoll_ctl on the listening socket");
	w->accepting = on;
	if (!on)
		w->accept_resume = now_ms() + ACCEPT_PAUSE_MS;
}

static void accept_connections(struct worker *w)
{
	for (int i = 0; i < MAX_EVENTS; i++) {
		int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				set_accepting(w, false); /* out of descriptors: retry later */
			else if (errno == ECONNABORTED || errno == EINTR)
				continue;
			else if (errno != EAGAIN)
				perror("httpd: accept");
			return;
		}
		struct conn *c = malloc(sizeof *c);
		int one = 1;
		if (!c) {
			close(fd);
			return;
		}
		*c = (struct conn){ .fd = fd, .file_fd = -1, .phase = READING };
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof one); /* see push() */
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		set_deadline(w, c, READ_TIMEOUT_MS); /* the first request is due promptly */
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event events[MAX_EVENTS];

	for (;;) {
		int64_t now = now_ms(), wait = -1;
		if (w->first)
			wait = w->first->deadline > now ? w->first->deadline - now : 0;
		if (!w->accepting) {
			if (w->accept_resume <= now)
				set_accepting(w, true);
			else if (wait < 0 || w->accept_resume - now < wait)
				wait = w->accept_resume - now;
		}
		int n = epoll_wait(w->epfd, events, MAX_EVENTS, (int)wait);
		if (n < 0 && errno != EINTR) {
			perror("httpd: epoll_wait");
			exit(1);
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.ptr == &listener_tag)
				accept_connections(w);
			else
				on_event(w, events[i].data.ptr, events[i].events);
		}
		expire(w);
	}
	return NULL;
}

static int listen_on(int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) || listen(fd, 1024)) {
		fprintf(stderr, "httpd: cannot listen on port %d: %s\n", port, strerror(errno));
		exit(1);
	}
	/* A connection is handed over once its request has started to arrive,
	 * or after a second (then READ_TIMEOUT_MS apply): a worker is woken
	 * once for the connection and its request. */
	int defer_s = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof defer_s))
		perror("httpd: TCP_DEFER_ACCEPT");
	return fd;
}

int main(int argc, char **argv)
{
	char *port_end = NULL;
	long port = argc > 1 ? strtol(argv[1], &port_end, 10) : 80;
	struct stat st;

	root = argc > 2 ? argv[2] : "/";
	if (argc > 3 || (port_end && (*port_end || port_end == argv[1])) || port < 1 || port > 65535) {
		fprintf(stderr, "usage: httpd [PORT [ROOT]]  (PORT 1-65535, default 80; ROOT default /)\n");
		return 2;
	}
	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "httpd: %s is not a directory\n", root);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN); /* a peer that went away is an EPIPE, not a death */
	listener = listen_on((int)port);

	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int count = cores < 1 ? 1 : cores > MAX_WORKERS ? MAX_WORKERS : (int)cores;
	static struct worker workers[MAX_WORKERS];
	for (int i = 0; i < count; i++) {
		workers[i].epfd = epoll_create1(EPOLL_CLOEXEC);
		if (workers[i].epfd < 0) {
			perror("httpd: epoll_create1");
			return 1;
		}
		set_accepting(&workers[i], true);
	}
	printf("httpd: listening on port %ld, serving %s, %d workers\n", port, root, count);
	fflush(stdout);
	for (int i = 1; i < count; i++) {
		pthread_t thread;
		if (pthread_create(&thread, NULL, worker_main, &workers[i])) {
			fprintf(stderr, "httpd: cannot start worker %d\n", i);
			return 1;
		}
	}
	worker_main(&workers[0]);
	return 0;
}

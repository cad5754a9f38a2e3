/*
 * qmp.h: a minimal client of QEMU's machine protocol (QMP) over a unix
 * socket, enough to run human-monitor commands ("xp ...") and get their
 * text back.
 *
 * QEMU serves one QMP client at a time: while another client (a second
 * `lull top`, libvirt) holds the socket, a connection is queued by the
 * kernel but QEMU never greets it. That shows as a timeout waiting for the
 * greeting, reported as "busy". Every read and write has a deadline, so no
 * call blocks longer than the timeout it was given.
 *
 * Errors come back as -errno with a one-line reason in the caller's buffer:
 * -ENOENT no such socket, -ECONNREFUSED nobody listening (QEMU gone, the
 * socket file stale), -ETIMEDOUT busy or not answering, -EPROTO a reply
 * that is not QMP, -EIO an error QEMU returned (its "desc" is the reason).
 */
#ifndef LULL_HOSTVM_QMP_H
#define LULL_HOSTVM_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct qmp {
	int fd;
	int timeout_ms;  /* for each call */
	char *buf;       /* received bytes not yet consumed */
	size_t len, cap;
};

/* Connects, reads the greeting and enters command mode (qmp_capabilities). */
int qmp_connect(struct qmp *q, const char *socket_path, int timeout_ms, char *why, size_t why_size);
/* Runs a human-monitor command; *out is its malloc'd output text. After
 * any error but -EIO the connection is closed (its replies would be out of
 * step): connect again. */
int qmp_hmp(struct qmp *q, const char *command, char **out, char *why, size_t why_size);
void qmp_close(struct qmp *q);

/* Writes a reason into why (why_size bytes) and returns err, the way every
 * function here reports a failure. */
int qmp_error(char *why, size_t why_size, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* JSON helpers, exposed for the tests. */
/* The value of member `key` of the object at json (leading blanks allowed),
 * or NULL when json is no object, is malformed, or lacks the key. */
const char *qmp_json_member(const char *json, const char *key);
/* Decodes the JSON string at json (escapes, \uXXXX with surrogate pairs, to
 * UTF-8) into a malloc'd string; NULL when it is not a valid string. */
char *qmp_json_string(const char *json);
/* Writes src as a quoted JSON string to dst (dst_size bytes); false when
 * it does not fit. Bytes that are not valid UTF-8 become U+FFFD. */
bool qmp_json_quote(const char *src, char *dst, size_t dst_size);
/* The same, streamed: the one way lull top and lull place write strings
 * (VM and thread names come from other processes, any bytes). */
void qmp_json_write_string(FILE *out, const char *s);

#endif

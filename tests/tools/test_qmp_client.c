/* test_qmp_client.c: the QMP client (tools/hostvm/qmp.c) against a fake
 * monitor, and its JSON helpers. */
// unit-under-test: tools/hostvm/qmp.c -lpthread
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <time.h>

#include <cmocka.h>

#include "qmp.h"
#include "test_qmp_fake.h"

static char *echo_answer(struct fake_qmp *f, const char *command)
{
	(void)f;
	char *text;
	if (asprintf(&text, "ran %s\r\nquote \" backslash \\ done\r\n", command) < 0)
		abort();
	return text;
}

static void runs_a_command_and_decodes_its_text(void **state)
{
	(void)state;
	struct fake_qmp f = { .answer = echo_answer };
	struct qmp q;
	char why[200], *out;
	fake_start(&f, FAKE_NORMAL);
	assert_int_equal(qmp_connect(&q, f.path, 1000, why, sizeof why), 0);
	assert_int_equal(qmp_hmp(&q, "xp /2g 0x1000", &out, why, sizeof why), 0);
	assert_string_equal(out, "ran xp /2g 0x1000\r\nquote \" backslash \\ done\r\n");
	free(out);
	assert_int_equal(qmp_hmp(&q, "info cpus", &out, why, sizeof why), 0);
	assert_string_equal(out, "ran info cpus\r\nquote \" backslash \\ done\r\n");
	free(out);
	assert_int_equal(f.hmp_commands, 2);
	qmp_close(&q);
	fake_stop(&f);
}

static void events_before_a_reply_are_skipped(void **state)
{
	(void)state;
	struct fake_qmp f = { .answer = echo_answer };
	struct qmp q;
	char why[200], *out;
	fake_start(&f, FAKE_EVENTS_FIRST);
	assert_int_equal(qmp_connect(&q, f.path, 1000, why, sizeof why), 0);
	assert_int_equal(qmp_hmp(&q, "x", &out, why, sizeof why), 0);
	assert_string_equal(out, "ran x\r\nquote \" backslash \\ done\r\n");
	free(out);
	qmp_close(&q);
	fake_stop(&f);
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void a_silent_monitor_times_out_as_busy(void **state)
{
	(void)state;
	struct fake_qmp f = { 0 };
	struct qmp q;
	char why[200];
	struct timespec start;
	fake_start(&f, FAKE_SILENT);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(qmp_connect(&q, f.path, 200, why, sizeof why), -ETIMEDOUT);
	long ms = elapsed_ms(&start);
	assert_true(ms >= 190 && ms < 2000);
	assert_non_null(strstr(why, "busy"));
	fake_stop(&f);
}

static void a_command_never_answered_times_out_and_closes(void **state)
{
	(void)state;
	struct fake_qmp f = { .answer = echo_answer };
	struct qmp q;
	char why[200], *out;
	fake_start(&f, FAKE_MUTE_COMMANDS);
	assert_int_equal(qmp_connect(&q, f.path, 200, why, sizeof why), 0);
	assert_int_equal(qmp_hmp(&q, "x", &out, why, sizeof why), -ETIMEDOUT);
	assert_null(out);
	/* The connection is out of step now, and closed. */
	assert_int_equal(qmp_hmp(&q, "x", &out, why, sizeof why), -ENOTCONN);
	qmp_close(&q);
	fake_stop(&f);
}

static void missing_refused_and_not_qmp_are_told_apart(void **state)
{
	(void)state;
	struct qmp q;
	char why[200], dir[] = "/tmp/test_qmp.XXXXXX", path[100];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/none", dir);
	assert_int_equal(qmp_connect(&q, path, 200, why, sizeof why), -ENOENT);
	assert_non_null(strstr(why, "no such socket"));

	/* A socket file nobody listens on (QEMU gone). */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s/stale", dir);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	close(fd);
	assert_int_equal(qmp_connect(&q, a.sun_path, 200, why, sizeof why), -ECONNREFUSED);
	unlink(a.sun_path);
	rmdir(dir);

	struct fake_qmp f = { 0 };
	fake_start(&f, FAKE_BAD_GREETING);
	assert_int_equal(qmp_connect(&q, f.path, 500, why, sizeof why), -EPROTO);
	fake_stop(&f);
}

static void garbage_and_errors_are_reported(void **state)
{
	(void)state;
	struct fake_qmp f = { .answer = echo_answer };
	struct qmp q;
	char why[200], *out;
	fake_start(&f, FAKE_ERROR_REPLY);
	assert_int_equal(qmp_connect(&q, f.path, 500, why, sizeof why), 0);
	assert_int_equal(qmp_hmp(&q, "x", &out, why, sizeof why), -EIO);
	assert_non_null(strstr(why, "no \"xp\" here"));
	/* A refusal keeps the connection in step. */
	assert_int_equal(qmp_hmp(&q, "x", &out, why, sizeof why), -EIO);
	qmp_close(&q);
	fake_stop(&f);

	fake_start(&f, FAKE_GARBAGE_REPLY);
	assert_int_equal(qmp_connect(&q, f.path, 500, why, sizeof why), 0);
	assert_int_equal(qmp_hmp(&q, "x", &out, why, sizeof why), -EPROTO);
	assert_null(out);
	qmp_close(&q);
	fake_stop(&f);
}

static void json_members_at_the_top_level_only(void **state)
{
	(void)state;
	const char *j = " {\"a\": {\"return\": 1}, \"list\": [1, -2.5e3, \"]\", {}], \"t\": true,"
			" \"return\" : \"x\"}";
	const char *v = qmp_json_member(j, "return");
	assert_non_null(v);
	assert_true(!strncmp(v, "\"x\"", 3));
	assert_true(!strncmp(qmp_json_member(j, "t"), "true", 4));
	assert_null(qmp_json_member(j, "missing"));
	assert_null(qmp_json_member("[1]", "a"));
	assert_null(qmp_json_member("{\"a\": 1", "a"));
	assert_null(qmp_json_member("{\"a\": \"unterminated}", "a"));
	assert_null(qmp_json_member("{\"a\" 1}", "a"));
	assert_null(qmp_json_member("", "a"));
}

static void json_strings_decode_every_escape(void **state)
{
	(void)state;
	char *s = qmp_json_string("\"a\\nb\\r\\\"q\\\" \\\\ \\/ \\t\\u00e9\\u20ac\\ud83d\\ude00\"");
	assert_non_null(s);
	assert_string_equal(s, "a\nb\r\"q\" \\ / \t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	free(s);
	assert_null(qmp_json_string("\"bad \\x escape\""));
	assert_null(qmp_json_string("\"short \\u12\""));
	assert_null(qmp_json_string("\"lone surrogate \\udc00\""));
	assert_null(qmp_json_string("\"high without low \\ud83d x\""));
	assert_null(qmp_json_string("\"raw\nnewline\""));
	assert_null(qmp_json_string("\"unterminated"));
	assert_null(qmp_json_string("42"));
}

static void json_quote_round_trips_and_checks_room(void **state)
{
	(void)state;
	char buf[64];
	const char *src = "say \"hi\"\\\n\x01";
	assert_true(qmp_json_quote(src, buf, sizeof buf));
	assert_string_equal(buf, "\"say \\\"hi\\\"\\\\\\u000a\\u0001\"");
	char *back = qmp_json_string(buf);
	assert_string_equal(back, src);
	free(back);
	assert_false(qmp_json_quote("a string much longer than the room it gets", buf, 16));
}

/* VM and thread names are any bytes: what is not UTF-8 (a Latin-1 name, a
 * name cut inside a character) becomes U+FFFD, what is stays as it is. */
static void json_quote_keeps_utf8_and_replaces_the_rest(void **state)
{
	(void)state;
	char buf[64];
	assert_true(qmp_json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", buf, sizeof buf));
	assert_string_equal(buf, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\"");
	assert_true(qmp_json_quote("\xff|\xc3|\xc0\xaf|\xed\xa0\x80|\xe2\x82", buf, sizeof buf));
	assert_string_equal(buf, "\"\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
				 "\\ufffd\\ufffd\"");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	qmp_json_write_string(f, "a\"\xfe\n");
	fclose(f);
	assert_string_equal(text, "\"a\\\"\\ufffd\\u000a\"");
	char *back = qmp_json_string(text);
	assert_string_equal(back, "a\"\xef\xbf\xbd\n");
	free(back);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runs_a_command_and_decodes_its_text),
		cmocka_unit_test(events_before_a_reply_are_skipped),
		cmocka_unit_test(a_silent_monitor_times_out_as_busy),
		cmocka_unit_test(a_command_never_answered_times_out_and_closes),
		cmocka_unit_test(missing_refused_and_not_qmp_are_told_apart),
		cmocka_unit_test(garbage_and_errors_are_reported),
		cmocka_unit_test(json_members_at_the_top_level_only),
		cmocka_unit_test(json_strings_decode_every_escape),
		cmocka_unit_test(json_quote_round_trips_and_checks_room),
		cmocka_unit_test(json_quote_keeps_utf8_and_replaces_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* main.c: `lull top`'s command line, its refresh loop and the terminal
 * (plain ANSI escapes, so it works over ssh without a terminfo entry). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

#define EXIT_USAGE 2

static const char usage[] =
	"usage: lull top [options]\n"
	"\n"
	"Shows every QEMU VM on this host: host CPU and steal (time runnable but\n"
	"waiting for a host CPU) per VM and per vCPU thread, the emulator/IO\n"
	"threads, each VM's cgroup and limits and, for Lull guests with a QMP\n"
	"socket (lull run gives them one), the guest's own per-core counters.\n"
	"\n"
	"options:\n"
	"  --interval SECONDS   time between samples (default 1)\n"
	"  --once               one sample (two scans an interval apart), then exit\n"
	"  --count N            N samples, then exit\n"
	"  --json               one JSON document per sample (one line each)\n"
	"  --sort cpu|steal|name  order of the VMs (default cpu)\n"
	"  --detail             list every emulator/IO thread\n"
	"  --qmp-timeout MS     how long to wait for a VM's monitor (default 500)\n"
	"  --proc DIR           read DIR instead of /proc (for tests)\n"
	"  --help               this text\n"
	"\n"
	"On a terminal the view refreshes in place: q quits, s changes the order,\n"
	"d shows or hides the thread detail. Otherwise each sample is printed in\n"
	"turn, as text or JSON.\n";

struct options {
	double interval_s;
	long count;            /* 0: until stopped */
	bool json, detail;
	enum top_sort sort;
	int qmp_timeout_ms;
	const char *proc_root;
};

static volatile sig_atomic_t stop_signal;
static struct termios saved_termios;
static bool termios_saved, screen_taken;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("lull top: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (lull top --help lists the options)\n", stderr);
	return EXIT_USAGE;
}

static bool parse_number(const char *text, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end || !(v >= min && v <= max))
		return false;
	*out = v;
	return true;
}

/* Returns -1 when the options are good, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .interval_s = 1.0, .sort = TOP_SORT_CPU, .qmp_timeout_ms = 500,
			       .proc_root = "/proc" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		double n;
		bool takes_value = !strcmp(a, "--interval") || !strcmp(a, "--count") ||
				   !strcmp(a, "--sort") || !strcmp(a, "--qmp-timeout") ||
				   !strcmp(a, "--proc");
		if (takes_value && !v)
			return usage_error("%s needs a value", a);
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--once")) {
			o->count = 1;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--detail")) {
			o->detail = true;
		} else if (!strcmp(a, "--interval")) {
			if (!parse_number(v, 0.05, 3600, &o->interval_s))
				return usage_error("--interval %s: give seconds between 0.05 and 3600", v);
		} else if (!strcmp(a, "--count")) {
			if (!parse_number(v, 1, 1e9, &n) || n != (long)n)
				return usage_error("--count %s: give a whole number of samples, 1 or more", v);
			o->count = (long)n;
		} else if (!strcmp(a, "--qmp-timeout")) {
			if (!parse_number(v, 10, 60000, &n))
				return usage_error("--qmp-timeout %s: give milliseconds between 10 and 60000", v);
			o->qmp_timeout_ms = (int)n;
		} else if (!strcmp(a, "--sort")) {
			if (!strcmp(v, "cpu"))
				o->sort = TOP_SORT_CPU;
			else if (!strcmp(v, "steal"))
				o->sort = TOP_SORT_STEAL;
			else if (!strcmp(v, "name"))
				o->sort = TOP_SORT_NAME;
			else
				return usage_error("--sort %s: sort by cpu, steal or name", v);
		} else if (!strcmp(a, "--proc")) {
			o->proc_root = v;
		} else {
			return usage_error("unknown option %s", a);
		}
		if (takes_value)
			i++;
	}
	return -1;
}

static void restore_terminal(void)
{
	if (screen_taken) {
		/* Show the cursor and leave the alternate screen. */
		fputs("\033[?25h\033[?1049l", stdout);
		fflush(stdout);
		screen_taken = false;
	}
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
		termios_saved = false;
	}
}

/* Keys arrive one by one, unechoed, and the view gets a screen of its own
 * that the shell's screen comes back from. */
static void take_terminal(void)
{
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
		struct termios raw = saved_termios;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		termios_saved = tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0;
	}
	fputs("\033[?1049h\033[?25l\033[H\033[2Jlull top: measuring...\n", stdout);
	fflush(stdout);
	screen_taken = true;
	atexit(restore_terminal);
}

static void terminal_size(int *cols, int *rows)
{
	struct winsize ws;
	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* Draws a frame in place: each line clears what was right of it, and what
 * does not fit the screen's height is left out rather than scrolled. */
static void draw_frame(const struct top_state *s, const struct options *o)
{
	char *text = NULL;
	size_t len = 0;
	int cols, rows;
	terminal_size(&cols, &rows);
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	top_render_text(f, &s->sample, o->sort, o->detail, cols);
	fclose(f);
	fputs("\033[H", stdout);
	int n = 0;
	for (char *line = text, *nl; line && *line && n < rows - 1; line = nl ? nl + 1 : NULL, n++) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		printf("%s\033[K\n", line);
	}
	printf("\033[7m q quit  s sort (%s)  d detail \033[0m\033[K\033[J",
	       o->sort == TOP_SORT_CPU ? "cpu" : o->sort == TOP_SORT_STEAL ? "steal" : "name");
	fflush(stdout);
	free(text);
}

/* Waits up to the interval for keys (while *keys). Returns true when the
 * frame must be drawn again at once (the order or detail changed). A
 * terminal that hung up stays readable with nothing to read: keys are
 * then no longer watched, or the wait would spin. */
static bool wait_interval(struct top_state *s, struct options *o, bool *keys, bool *quit)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		double spent = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		int left_ms = (int)((o->interval_s - spent) * 1000);
		if (left_ms <= 0 || stop_signal)
			return false;
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		int r = poll(&pfd, *keys ? 1 : 0, left_ms);
		char c;
		if (r <= 0)
			continue;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			*keys = false;
			continue;
		}
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno != EAGAIN && errno != EINTR)
			*keys = false;
		if (got != 1)
			continue;
		if (c == 'q' || c == 'Q') {
			*quit = true;
			return false;
		}
		if (c == 's' || c == 'S') {
			o->sort = (enum top_sort)((o->sort + 1) % 3);
			s->sort = o->sort;
			top_sort_rows(&s->sample, o->sort);
			return true;
		}
		if (c == 'd' || c == 'D') {
			o->detail = !o->detail;
			return true;
		}
	}
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct options o;
	int status = parse_options(argc, argv, &o);
	if (status >= 0)
		return status;

	bool live = !o.json && isatty(STDOUT_FILENO);
	struct top_state s;
	int r = top_init(&s, o.proc_root, o.qmp_timeout_ms, o.sort);
	if (r) {
		fprintf(stderr, "lull top: cannot read %s: %s\n", o.proc_root, strerror(-r));
		return 1;
	}
	catch_signals();
	if (live)
		take_terminal();
	bool quit = false, have_sample = false, keys = live && termios_saved;
	for (long n = 0; !quit && !stop_signal && (!o.count || n < o.count);) {
		if (wait_interval(&s, &o, &keys, &quit)) {
			if (have_sample)
				draw_frame(&s, &o);
			continue;
		}
		if (quit || stop_signal)
			break;
		r = top_collect(&s);
		if (r) {
			restore_terminal();
			fprintf(stderr, "lull top: cannot read %s: %s\n", o.proc_root, strerror(-r));
			top_free(&s);
			return 1;
		}
		have_sample = true;
		n++;
		if (live)
			draw_frame(&s, &o);
		else if (o.json)
			top_render_json(stdout, &s.sample);
		else
			top_render_text(stdout, &s.sample, o.sort, o.detail, 0);
		if (!live && !o.json && (!o.count || n < o.count))
			putchar('\n');
		if (fflush(stdout) == EOF && errno == EPIPE)
			break;
	}
	restore_terminal();
	top_free(&s);
	return 0;
}

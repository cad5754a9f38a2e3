/* console_file.c: the serial console as the file behind descriptors 0, 1
 * and 2. With an input interrupt, reads wait like any file's (poll and
 * epoll see the console too); without one, console_read polls. */
#include "io/console_file.h"

#include "console.h"
#include "io/file.h"
#include "lib/errno.h"

#include <sys/ioctl.h>

static long console_file_read(struct file *f, void *buf, size_t len)
{
	size_t n = console_read_nowait(buf, len);

	if (n)
		return (long)n;
	if (f->nonblocking || console_input_interrupt_driven())
		return -EAGAIN;
	return (long)console_read(buf, len);
}

static long console_file_write(struct file *f, const void *buf, size_t len)
{
	(void)f;
	console_write(buf, len);
	return (long)len;
}

static unsigned console_file_poll(struct file *f)
{
	(void)f;
	return FILE_WRITABLE | (console_input_pending() ? FILE_READABLE : 0);
}

/* The console answers as a terminal of 80x24, so that musl line-buffers
 * stdout as it would on a tty. */
static long console_file_ioctl(struct file *f, unsigned long request, void *arg)
{
	(void)f;
	if (request != TIOCGWINSZ)
		return -ENOTTY;
	*(struct winsize *)arg = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	return 0;
}

static const struct file_ops console_ops = {
	.read = console_file_read,
	.write = console_file_write,
	.poll = console_file_poll,
	.ioctl = console_file_ioctl,
};

static struct file *console_file;

static void input_arrived(void)
{
	file_notify(console_file);
}

void console_file_open_std(void)
{
	console_file = file_create(&console_ops, NULL);
	if (!console_file)
		return;
	console_on_input(input_arrived);
	file_get(console_file);
	file_get(console_file);
	fd_install(console_file);
	fd_install(console_file);
	fd_install(console_file);
}

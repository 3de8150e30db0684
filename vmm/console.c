// SPDX-License-Identifier: GPL-2.0
/*
 * The console: COM1's output to stdout or a file, and stdin to COM1's
 * receiver. On a terminal, stdin goes raw (the guest echoes and edits
 * lines itself) and Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, as
 * in QEMU. Input is taken only as fast as the UART has room for it: what
 * is read and does not fit waits here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "devices/serial.h"

static struct termios saved_termios;
static bool termios_saved;
static int input_fd = -1;
static u8 pending[256];
static size_t pending_len;
static bool escape_seen;

int console_open_output(const struct hyv_options *opts)
{
	int fd;

	switch (opts->console) {
	case HYV_CONSOLE_STDIO:
		return STDOUT_FILENO;
	case HYV_CONSOLE_FILE:
		fd = open(opts->console_path,
			  O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			hyv_die_errno(HYV_RUN_EXIT_USAGE, "--console file=%s",
				      opts->console_path);
		return fd;
	default:
		return -1;
	}
}

void console_restore(void)
{
	if (termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	termios_saved = false;
}

void console_setup_input(const struct hyv_options *opts)
{
	struct termios raw;

	if (opts->console != HYV_CONSOLE_STDIO)
		return;
	input_fd = STDIN_FILENO;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios))
		return;
	termios_saved = true;
	atexit(console_restore);
	raw = saved_termios;
	cfmakeraw(&raw);
	/* Keep the output side as it was: the guest's \r\n stays right. */
	raw.c_oflag = saved_termios.c_oflag;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

int console_input_fd(void)
{
	return pending_len ? -1 : input_fd;
}

/* Filter the escape; false when the user asked to quit. */
static bool console_filter(const u8 *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		u8 c = in[i];

		if (termios_saved && escape_seen) {
			escape_seen = false;
			if (c == 'x' || c == 'X')
				return false;
			if (c != CONSOLE_ESCAPE)
				continue;	/* unknown command: dropped */
		} else if (termios_saved && c == CONSOLE_ESCAPE) {
			escape_seen = true;
			continue;
		}
		if (pending_len < sizeof(pending))
			pending[pending_len++] = c;
	}
	return true;
}

bool console_pump(struct vmm *vmm)
{
	u8 buf[sizeof(pending)];
	size_t done;
	ssize_t n;

	if (!pending_len && input_fd >= 0) {
		n = read(input_fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			input_fd = -1;		/* end of input: stop polling */
			return true;
		}
		if (n > 0 && !console_filter(buf, n))
			return false;
	}
	if (pending_len && vmm->com1) {
		done = serial_input(vmm->com1, pending, pending_len);
		memmove(pending, pending + done, pending_len - done);
		pending_len -= done;
	}
	return true;
}

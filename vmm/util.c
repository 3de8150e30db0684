// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-run: messages, number and size parsing, reading a file whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util.h"

bool hyv_verbose;

static void vmsg(const char *fmt, va_list ap, const char *tail)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One write per line: vCPU threads may report at the same time. */
	fprintf(stderr, "hyv-run: %s%s%s\n", buf, tail ? ": " : "",
		tail ? tail : "");
}

void hyv_info(const char *fmt, ...)
{
	va_list ap;

	if (!hyv_verbose)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

void hyv_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

void hyv_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
	exit(status);
}

void hyv_die_errno(int status, const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
	exit(status);
}

bool hyv_parse_size(const char *s, u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return false;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return false;
	if (shift && v > (~0ULL >> shift))
		return false;
	*out = (u64)v << shift;
	return true;
}

bool hyv_parse_uint(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out >= min && *out <= max;
}

int hyv_read_file(const char *path, size_t max, u8 **buf, size_t *len)
{
	struct stat st;
	size_t done = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	err = -EINVAL;
	if (!S_ISREG(st.st_mode))
		goto out;
	err = -EFBIG;
	if ((u64)st.st_size > max)
		goto out;
	err = -ENOMEM;
	*buf = malloc(st.st_size ? st.st_size : 1);
	if (!*buf)
		goto out;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + done, st.st_size - done);

		if (n <= 0) {
			err = n ? -errno : -EIO;
			free(*buf);
			*buf = NULL;
			goto out;
		}
		done += n;
	}
	*len = done;
	err = 0;
out:
	close(fd);
	return err;
}

u64 hyv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

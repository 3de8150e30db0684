/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv-run: small helpers every file uses: fixed-size types, messages on
 * stderr prefixed "hyv-run: ", and the exit statuses of the program.
 */
#ifndef HYV_RUN_UTIL_H
#define HYV_RUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include <hyv/user_types.h>

#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((u64)(a) - 1))
#define MIN(a, b)		({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define MAX(a, b)		({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#define SZ_4K			0x1000ULL
#define SZ_1M			0x100000ULL
#define SZ_2M			0x200000ULL
#define SZ_1G			0x40000000ULL

/*
 * Exit statuses of hyv-run (docs/hyv-run.md). A signal that ends it
 * (SIGTERM, SIGINT, SIGHUP) gives 128 + the signal's number, after the
 * VM is torn down.
 */
#define HYV_RUN_EXIT_POWEROFF	0	/* the guest powered off (ACPI S5) */
#define HYV_RUN_EXIT_ERROR	1	/* fatal VMM error: exit, RIP, reason */
#define HYV_RUN_EXIT_USAGE	2	/* bad option, size or file */
#define HYV_RUN_EXIT_RESET	3	/* the guest reset: reboot */
#define HYV_RUN_EXIT_TRIPLE	4	/* the guest triple-faulted */
#define HYV_RUN_EXIT_SIGNAL	128	/* + the signal's number */

extern bool hyv_verbose;

void hyv_info(const char *fmt, ...) __printf(1, 2);
void hyv_warn(const char *fmt, ...) __printf(1, 2);
/* Print "hyv-run: MSG" and exit with status. */
void __noreturn hyv_die(int status, const char *fmt, ...) __printf(2, 3);
/* Same, with ": strerror(errno)" appended. */
void __noreturn hyv_die_errno(int status, const char *fmt, ...) __printf(2, 3);

/*
 * "512M", "6G", "4096K", "1048576": bytes into *out. Suffixes K, M, G, T
 * (binary, case-insensitive); false on anything else or on overflow.
 */
bool hyv_parse_size(const char *s, u64 *out);
/* A decimal number in [min, max]; false otherwise. */
bool hyv_parse_uint(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out);

/* Read a whole file (at most max bytes) into a malloc'ed buffer. */
int hyv_read_file(const char *path, size_t max, u8 **buf, size_t *len);

u64 hyv_now_ns(void);

#endif /* HYV_RUN_UTIL_H */

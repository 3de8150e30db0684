/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host-side unit tests of hyv-run: plain programs over its pure code
 * (options, bzImage, e820, ACPI, bus, PCI config space), run on the build
 * machine without /dev/hyv. Each test prints one line in make check's
 * output contract, "ok host:SUITE:TEST" or "not ok host:SUITE:TEST"
 * followed by "# " diagnostics (testbed/tally.sh numbers them).
 *
 *	TEST(name) { CHECK(cond, "fmt", ...); ... }
 *	int main(void) { RUN(name); ...; return test_summary(); }
 */
#ifndef HYV_RUN_TEST_LIB_H
#define HYV_RUN_TEST_LIB_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"

static const char *test_suite;
static int test_failed_total;
static int test_failed;

#define TEST(name)	static void test_##name(void)

/* Record a failed check with its diagnostic; the test goes on. */
#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			if (!test_failed)				\
				test_buf_reset();			\
			test_failed++;					\
			test_note("%s:%d: %s: ", __FILE__, __LINE__, #cond); \
			test_note(__VA_ARGS__);				\
			test_note("\n");				\
		}							\
	} while (0)

static char test_buf[4096];
static size_t test_buf_len;

static inline void test_buf_reset(void)
{
	test_buf_len = 0;
	test_buf[0] = 0;
}

static inline void __printf(1, 2) test_note(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(test_buf + test_buf_len, sizeof(test_buf) - test_buf_len,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		test_buf_len = MIN(sizeof(test_buf) - 1, test_buf_len + n);
}

static inline void test_run(const char *name, void (*fn)(void))
{
	char *line, *save;

	test_failed = 0;
	test_buf_reset();
	fn();
	if (!test_failed) {
		printf("ok host:%s:%s\n", test_suite, name);
		return;
	}
	test_failed_total++;
	printf("not ok host:%s:%s\n", test_suite, name);
	for (line = strtok_r(test_buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
}

#define RUN(name)	test_run(#name, test_##name)

static inline int test_summary(void)
{
	fflush(stdout);
	return test_failed_total ? 1 : 0;
}

#endif /* HYV_RUN_TEST_LIB_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the pv unit tests: each test is a function
 * that returns through CHECK() on the first failed expectation; main()
 * runs a table of them and prints "ok N name" / "not ok N name".
 */
#ifndef HYV_PV_TAP_H
#define HYV_PV_TAP_H

#include <stdio.h>

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		return 1;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("# %s:%d: %s == %s: %lld != %lld\n", __FILE__,	\
		       __LINE__, #a, #b, _a, _b);			\
		return 1;						\
	}								\
} while (0)

struct tap_test {
	const char *name;
	int (*fn)(void);
};

static inline int tap_run(const struct tap_test *tests, unsigned int n)
{
	unsigned int i, failed = 0;

	printf("1..%u\n", n);
	for (i = 0; i < n; i++) {
		int r = tests[i].fn();

		if (r == 77) {
			printf("ok %u %s # SKIP\n", i + 1, tests[i].name);
			continue;
		}
		printf("%sok %u %s\n", r ? "not " : "", i + 1, tests[i].name);
		failed += !!r;
		fflush(stdout);
	}
	return failed ? 1 : 0;
}

#endif /* HYV_PV_TAP_H */

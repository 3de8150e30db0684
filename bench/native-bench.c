// SPDX-License-Identifier: GPL-2.0
/*
 * native-bench: the L1 baselines beside the exit round trips, timed the
 * way the front ends time theirs (CLOCK_MONOTONIC around a loop):
 *
 *   row cpuid native NS_PER_OP OPS     a bare CPUID in L1 (no exit: L1 is
 *                                      not a guest of anything here but
 *                                      QEMU's TCG)
 *   row syscall native NS_PER_OP OPS   getppid(2), a plain system call
 *
 *   native-bench [-s PERCENT]
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <hyv/user_types.h>

#define CPUID_OPS	200000ULL
#define SYSCALL_OPS	200000ULL

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void row(const char *name, u64 ns, u64 ops)
{
	printf("row %s native %.1f %llu\n", name, (double)ns / ops,
	       (unsigned long long)ops);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned int a, b, c, d, pct = 100;
	u64 i, n, t0, sink = 0;
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's') {
			fprintf(stderr, "usage: %s [-s PERCENT]\n", argv[0]);
			return 2;
		}
		pct = strtoul(optarg, NULL, 10);
	}

	n = CPUID_OPS * pct / 100 ?: 1;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		__cpuid(0, a, b, c, d);
		sink += a ^ b ^ c ^ d;
	}
	row("cpuid", now_ns() - t0, n);

	n = SYSCALL_OPS * pct / 100 ?: 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
	row("syscall", now_ns() - t0, n);

	return sink == 42 ? 1 : 0;	/* keep the loops */
}

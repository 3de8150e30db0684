// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hog threads for stress tests (see cpu_hog.h): each spins until
 * stopped, counting its loops so that a test can check it really ran.
 */
#include <signal.h>
#include <string.h>

#include "cpu_hog.h"

static void *hog_main(void *arg)
{
	struct cpu_hog *hog = arg;
	sigset_t all;
	u64 n = 0;

	/* Signals are for the test's and the runners' threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	while (!__atomic_load_n(&hog->stop, __ATOMIC_RELAXED)) {
		if (!(++n & 0xffff))
			__atomic_add_fetch(&hog->loops, 0x10000, __ATOMIC_RELAXED);
		asm volatile("" : : : "memory");
	}
	return NULL;
}

void cpu_hog_start(struct cpu_hog *hog, unsigned int threads)
{
	unsigned int i;

	HYV_ASSERT(threads && threads <= CPU_HOG_MAX_THREADS, "%u hog threads",
		   threads);
	memset(hog, 0, sizeof(*hog));
	for (i = 0; i < threads; i++) {
		HYV_ASSERT(!pthread_create(&hog->tid[i], NULL, hog_main, hog),
			   "pthread_create");
		hog->nr++;
	}
}

/* Stop and join the hog; returns how many loops it made. */
u64 cpu_hog_stop(struct cpu_hog *hog)
{
	unsigned int i;

	__atomic_store_n(&hog->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < hog->nr; i++)
		pthread_join(hog->tid[i], NULL);
	hog->nr = 0;
	return __atomic_load_n(&hog->loops, __ATOMIC_RELAXED);
}

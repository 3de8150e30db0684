/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A CPU hog: threads that only burn CPU beside a test's vCPU threads, so
 * that the scheduler preempts them and delays their wake-ups, as a busy
 * host does. Stress tests run with one to make rare interleavings
 * (a wake-up racing a vCPU going to sleep) common.
 */
#ifndef HYV_CPU_HOG_H
#define HYV_CPU_HOG_H

#include <pthread.h>

#include "hyv_util.h"

#define CPU_HOG_MAX_THREADS	4

struct cpu_hog {
	unsigned int nr;
	pthread_t tid[CPU_HOG_MAX_THREADS];
	int stop;			/* __atomic */
	u64 loops;			/* __atomic: proves the hog ran */
};

void cpu_hog_start(struct cpu_hog *hog, unsigned int threads);
u64 cpu_hog_stop(struct cpu_hog *hog);

#endif /* HYV_CPU_HOG_H */

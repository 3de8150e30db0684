/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU runner threads and the progress watchdog, written once for every
 * selftest that runs a vCPU on a thread of its own.
 *
 * A runner runs its vCPU once, to the next ucall, or to the guest's
 * UCALL_DONE; the test waits for it with a deadline or stops it with
 * SIGUSR1 (RUN returns EINTR). Only SIGUSR1 reaches a runner thread: a
 * SIGALRM the test arms for its own RUN never lands in a runner's.
 *
 * The watchdog waits for a set of runners while it polls a progress
 * count (guest counters read with GUEST_VAR, exits from HYV_GET_STATS,
 * ucalls seen): a slow machine keeps making progress and is waited for
 * up to a generous deadline, while a lost interrupt or wake-up shows as
 * no progress at all for stall_s seconds. Either way it prints where the
 * test stood (the test's counters, each runner's state, the VM's exit
 * counts, then each vCPU's RIP, RFLAGS and MP state once stopped), stops
 * the runners and says which of the two it was.
 */
#ifndef HYV_VCPU_THREAD_H
#define HYV_VCPU_THREAD_H

#include <pthread.h>

#include "hyv_util.h"

enum vcpu_run_mode {
	VCPU_RUN_ONCE,		/* one RUN, whatever it returns */
	VCPU_RUN_TO_UCALL,	/* to the next ucall (SYNC or DONE) */
	VCPU_RUN_TO_DONE,	/* to UCALL_DONE; SYNCs go to on_sync */
};

struct vcpu_thread;

/* VCPU_RUN_TO_DONE: called on the runner thread for each GUEST_SYNC. */
typedef void (*vcpu_sync_fn)(struct vcpu_thread *t, const struct hyv_ucall *uc);

struct vcpu_thread {
	/* Set by vcpu_thread_init(); the rest may be set before _go(). */
	struct hyv_vcpu *vcpu;
	enum vcpu_run_mode mode;
	vcpu_sync_fn on_sync;		/* else a SYNC fails the test */
	void *arg;			/* for on_sync */
	pthread_barrier_t *barrier;	/* waited on before the first RUN */

	pthread_t tid;
	bool joined;

	/* Results, valid once vcpu_thread_done(). */
	int ret, err;			/* the last RUN's return value, errno */
	u32 exit_reason;		/* and its exit */
	struct hyv_ucall uc;		/* the ucall it stopped at */
	u64 result;			/* UCALL_DONE's value */
	bool stopped;			/* ended in EINTR after vcpu_thread_stop() */

	/* Shared with the runner thread (__atomic). */
	int done;
	int stopping;
	int in_run;
	u64 runs;			/* RUN calls that returned */
	u64 syncs;			/* GUEST_SYNCs seen */
	u64 last_exit_ns;		/* CLOCK_MONOTONIC when RUN last returned */
};

void vcpu_thread_init(struct vcpu_thread *t, struct hyv_vcpu *vcpu,
		      enum vcpu_run_mode mode);
void vcpu_thread_go(struct vcpu_thread *t);
void vcpu_thread_start(struct vcpu_thread *t, struct hyv_vcpu *vcpu,
		       enum vcpu_run_mode mode);
bool vcpu_thread_done(struct vcpu_thread *t);
bool vcpu_thread_wait(struct vcpu_thread *t, unsigned int ms);
void vcpu_thread_stop(struct vcpu_thread *t);
void vcpu_thread_print(struct vcpu_thread *t, const char *prefix);

/* ---- Watchdog ---------------------------------------------------------- */

enum vcpu_watch_result {
	VCPU_WATCH_DONE,	/* every runner finished by itself */
	VCPU_WATCH_STALLED,	/* no progress for stall_s */
	VCPU_WATCH_DEADLINE,	/* progress, but past deadline_s in all */
};

struct vcpu_watch {
	struct vcpu_thread *threads;
	unsigned int nr_threads;
	/*
	 * A count that grows while the work gets done; NULL: the VM's exits
	 * other than host events (those come from the host's timer even
	 * when the guest is stuck), plus the ucalls the runners saw.
	 */
	u64 (*progress)(void *arg);
	void (*describe)(void *arg);	/* print the test's counters; optional */
	void *arg;
	unsigned int stall_s;
	unsigned int deadline_s;
	/* Filled in: how long it took, and the last progress count. */
	u64 elapsed_ms;
	u64 last_progress;
};

enum vcpu_watch_result vcpu_watch(struct vcpu_watch *w);
const char *vcpu_watch_result_name(enum vcpu_watch_result r);
void host_print_vm_stats(struct hyv_vm *vm, const char *prefix);

/* Defaults for an emulated machine on a shared 2-core host. */
#define VCPU_WATCH_STALL_S	10
#define VCPU_WATCH_DEADLINE_S	240

#endif /* HYV_VCPU_THREAD_H */

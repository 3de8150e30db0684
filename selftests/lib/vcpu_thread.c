// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU runner threads and the progress watchdog (see vcpu_thread.h):
 * RUN on a thread of its own, a deadline or SIGUSR1 to end it, and a
 * wait that tells a stall (nothing moves) from a slow machine.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vcpu_thread.h"

#define POLL_US		2000

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* SIGUSR1 must interrupt RUN: a handler without SA_RESTART. */
static void install_sigusr1(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	sigemptyset(&sa.sa_mask);
	HYV_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction SIGUSR1");
}

/* A guest assertion or exception fails the test from any thread. */
static void check_ucall(struct vcpu_thread *t, u64 cmd)
{
	const struct hyv_ucall *uc = &t->uc;

	if (cmd == UCALL_ASSERT)
		HYV_FATAL("vcpu%u: guest assertion failed: %s (values %#llx, %#llx)",
			  t->vcpu->id, (const char *)uc->args[0], uc->args[1],
			  uc->args[2]);
	if (cmd == UCALL_EXCEPTION)
		HYV_FATAL("vcpu%u: guest exception vector %llu at rip %#llx, error code %#llx",
			  t->vcpu->id, uc->args[0], uc->args[1], uc->args[2]);
}

/* One RUN; true when the thread should go on running. */
static bool runner_step(struct vcpu_thread *t)
{
	char desc[160];
	u64 cmd;

	__atomic_store_n(&t->in_run, 1, __ATOMIC_RELEASE);
	t->ret = __hyv_vcpu_run(t->vcpu);
	t->err = errno;
	t->exit_reason = t->vcpu->run->exit_reason;
	__atomic_store_n(&t->last_exit_ns, host_now_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&t->in_run, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&t->runs, 1, __ATOMIC_RELEASE);

	if (t->ret) {
		t->stopped = t->err == EINTR &&
			     __atomic_load_n(&t->stopping, __ATOMIC_ACQUIRE);
		return false;
	}
	if (t->mode == VCPU_RUN_ONCE)
		return false;
	cmd = hyv_vcpu_get_ucall(t->vcpu, &t->uc);
	check_ucall(t, cmd);
	if (cmd == UCALL_NONE) {
		hyv_vcpu_describe_exit(t->vcpu, desc, sizeof(desc));
		HYV_FATAL("vcpu%u: expected a ucall, got %s", t->vcpu->id, desc);
	}
	if (t->mode == VCPU_RUN_TO_UCALL)
		return false;
	if (cmd == UCALL_DONE) {
		t->result = t->uc.args[0];
		return false;
	}
	__atomic_add_fetch(&t->syncs, 1, __ATOMIC_RELEASE);
	if (!t->on_sync)
		HYV_FATAL("vcpu%u: unexpected GUEST_SYNC(%#llx)", t->vcpu->id,
			  t->uc.args[0]);
	t->on_sync(t, &t->uc);
	return true;
}

static void *runner_main(void *arg)
{
	struct vcpu_thread *t = arg;
	sigset_t only_usr1;

	/* Signals meant for the test's own thread stay out of this RUN. */
	sigfillset(&only_usr1);
	sigdelset(&only_usr1, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &only_usr1, NULL);
	if (t->barrier)
		pthread_barrier_wait(t->barrier);
	while (runner_step(t))
		;
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

void vcpu_thread_init(struct vcpu_thread *t, struct hyv_vcpu *vcpu,
		      enum vcpu_run_mode mode)
{
	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->mode = mode;
}

void vcpu_thread_go(struct vcpu_thread *t)
{
	install_sigusr1();
	HYV_ASSERT(!pthread_create(&t->tid, NULL, runner_main, t),
		   "pthread_create for vcpu%u", t->vcpu->id);
}

void vcpu_thread_start(struct vcpu_thread *t, struct hyv_vcpu *vcpu,
		       enum vcpu_run_mode mode)
{
	vcpu_thread_init(t, vcpu, mode);
	vcpu_thread_go(t);
}

bool vcpu_thread_done(struct vcpu_thread *t)
{
	return __atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
}

static void runner_join(struct vcpu_thread *t)
{
	if (t->joined)
		return;
	HYV_ASSERT(!pthread_join(t->tid, NULL), "pthread_join");
	t->joined = true;
}

/* Wait up to @ms for the runner to end by itself; joined if it did. */
bool vcpu_thread_wait(struct vcpu_thread *t, unsigned int ms)
{
	u64 end = host_now_ns() + ms * 1000000ULL;

	while (!vcpu_thread_done(t) && host_now_ns() < end)
		usleep(POLL_US);
	if (!vcpu_thread_done(t))
		return false;
	runner_join(t);
	return true;
}

/*
 * End the runner: SIGUSR1 until its RUN returns (again, if the first
 * came before RUN began), then join. A runner that had finished by itself
 * is only joined; t->stopped says whether the signal ended it.
 */
void vcpu_thread_stop(struct vcpu_thread *t)
{
	__atomic_store_n(&t->stopping, 1, __ATOMIC_RELEASE);
	while (!vcpu_thread_done(t)) {
		pthread_kill(t->tid, SIGUSR1);
		usleep(10000);
	}
	runner_join(t);
}

static const char *mode_name(enum vcpu_run_mode mode)
{
	switch (mode) {
	case VCPU_RUN_ONCE:
		return "once";
	case VCPU_RUN_TO_UCALL:
		return "to a ucall";
	default:
		return "to DONE";
	}
}

/* One line on where the runner is: in RUN, between RUNs or finished. */
void vcpu_thread_print(struct vcpu_thread *t, const char *prefix)
{
	u64 last = __atomic_load_n(&t->last_exit_ns, __ATOMIC_RELAXED);
	u64 runs = __atomic_load_n(&t->runs, __ATOMIC_ACQUIRE);
	char since[48] = "";

	if (last)
		snprintf(since, sizeof(since), ", the last %llu ms ago",
			 (host_now_ns() - last) / 1000000);
	fprintf(stderr, "# %svcpu%u (run %s): %s; %llu RUNs returned%s, %llu syncs",
		prefix, t->vcpu->id, mode_name(t->mode),
		vcpu_thread_done(t) ? "finished" :
		__atomic_load_n(&t->in_run, __ATOMIC_ACQUIRE) ? "inside RUN" :
		"between RUNs", runs, since,
		__atomic_load_n(&t->syncs, __ATOMIC_ACQUIRE));
	if (vcpu_thread_done(t))
		fprintf(stderr, "; RUN returned %d (%s), exit %s", t->ret,
			t->ret ? strerror(t->err) : "ok",
			hyv_exit_name(t->exit_reason));
	fprintf(stderr, "\n");
}

/* ---- Watchdog ---------------------------------------------------------- */

static const char *const stat_names[HYV_STAT_EXIT_NR] = {
	[HYV_STAT_EXIT_OTHER]		= "other",
	[HYV_STAT_EXIT_HOST_EVENT]	= "host_event",
	[HYV_STAT_EXIT_HLT]		= "hlt",
	[HYV_STAT_EXIT_IO]		= "io",
	[HYV_STAT_EXIT_CPUID]		= "cpuid",
	[HYV_STAT_EXIT_HYPERCALL]	= "hypercall",
	[HYV_STAT_EXIT_MSR]		= "msr",
	[HYV_STAT_EXIT_NPF]		= "npf",
	[HYV_STAT_EXIT_MMIO]		= "mmio",
	[HYV_STAT_EXIT_CR]		= "cr_dr",
	[HYV_STAT_EXIT_WINDOW]		= "window",
	[HYV_STAT_EXIT_EXCEPTION]	= "exception",
};

static bool get_stats(struct hyv_vm *vm, struct hyv_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	return vm->fd >= 0 && !ioctl(vm->fd, HYV_GET_STATS, st);
}

/* The VM's counters that are not 0, on one line. */
void host_print_vm_stats(struct hyv_vm *vm, const char *prefix)
{
	struct hyv_vm_stats st;
	int i;

	if (!get_stats(vm, &st)) {
		fprintf(stderr, "# %sHYV_GET_STATS failed\n", prefix);
		return;
	}
	fprintf(stderr, "# %sexits %llu (to user %llu):", prefix, st.exits,
		st.exits_to_user);
	for (i = 0; i < HYV_STAT_EXIT_NR; i++)
		if (st.exit_reason[i])
			fprintf(stderr, " %s %llu",
				stat_names[i] ? stat_names[i] : "?",
				st.exit_reason[i]);
	fprintf(stderr, "; pages 4k %llu, 2m %llu\n", st.pages_4k, st.pages_2m);
}

static u64 default_progress(struct vcpu_watch *w)
{
	struct hyv_vm_stats st;
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < w->nr_threads; i++)
		n += __atomic_load_n(&w->threads[i].syncs, __ATOMIC_ACQUIRE) +
		     __atomic_load_n(&w->threads[i].runs, __ATOMIC_ACQUIRE);
	if (get_stats(w->threads[0].vcpu->vm, &st))
		n += st.exits - st.exit_reason[HYV_STAT_EXIT_HOST_EVENT];
	return n;
}

static u64 watch_progress(struct vcpu_watch *w)
{
	return w->progress ? w->progress(w->arg) : default_progress(w);
}

static bool all_done(struct vcpu_watch *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_threads; i++)
		if (!vcpu_thread_done(&w->threads[i]))
			return false;
	return true;
}

/* What a stopped vCPU was doing: its RIP, RFLAGS.IF and MP state. */
static void print_stopped_vcpu(struct vcpu_thread *t)
{
	static const char * const mp_names[] = {
		"RUNNABLE", "UNINITIALIZED", "INIT_RECEIVED", "HALTED",
	};
	struct hyv_mp_state mp = { 0 };
	struct hyv_regs regs;

	if (ioctl(t->vcpu->fd, HYV_GET_REGS, &regs) ||
	    ioctl(t->vcpu->fd, HYV_GET_MP_STATE, &mp)) {
		fprintf(stderr, "# stopped vcpu%u: state unreadable (%s)\n",
			t->vcpu->id, strerror(errno));
		return;
	}
	fprintf(stderr,
		"# stopped vcpu%u: rip %#llx, rflags %#llx (IF=%llu), mp_state %s; RUN ended %s\n",
		t->vcpu->id, regs.rip, regs.rflags, (regs.rflags >> 9) & 1,
		mp.state < ARRAY_SIZE(mp_names) ? mp_names[mp.state] : "?",
		t->stopped ? "by the stop signal" : "by itself");
}

static void watch_report(struct vcpu_watch *w, enum vcpu_watch_result r,
			 u64 stalled_ms)
{
	unsigned int i;

	fprintf(stderr,
		"# watchdog: %s after %llu.%03llu s: progress count %llu, unchanged for %llu ms\n",
		vcpu_watch_result_name(r), w->elapsed_ms / 1000,
		w->elapsed_ms % 1000, w->last_progress, stalled_ms);
	if (w->describe)
		w->describe(w->arg);
	for (i = 0; i < w->nr_threads; i++)
		vcpu_thread_print(&w->threads[i], "");
	host_print_vm_stats(w->threads[0].vcpu->vm, "VM ");
	for (i = 0; i < w->nr_threads; i++)
		vcpu_thread_stop(&w->threads[i]);
	for (i = 0; i < w->nr_threads; i++)
		print_stopped_vcpu(&w->threads[i]);
	fflush(stderr);
}

/*
 * Wait for every runner of @w to finish by itself. Fails (and stops them
 * all, after printing where they stood) when the progress count did not
 * move for stall_s seconds, or when deadline_s passed in all.
 */
enum vcpu_watch_result vcpu_watch(struct vcpu_watch *w)
{
	u64 start = host_now_ns(), moved = start, now;
	enum vcpu_watch_result r = VCPU_WATCH_DONE;
	unsigned int i;
	u64 p;

	HYV_ASSERT(w->nr_threads && w->stall_s && w->deadline_s,
		   "watchdog without runners or limits");
	w->last_progress = watch_progress(w);
	while (!all_done(w)) {
		usleep(10 * POLL_US);
		now = host_now_ns();
		p = watch_progress(w);
		if (p != w->last_progress) {
			w->last_progress = p;
			moved = now;
		}
		if (now - moved >= w->stall_s * 1000000000ULL) {
			r = VCPU_WATCH_STALLED;
			break;
		}
		if (now - start >= w->deadline_s * 1000000000ULL) {
			r = VCPU_WATCH_DEADLINE;
			break;
		}
	}
	now = host_now_ns();
	w->elapsed_ms = (now - start) / 1000000;
	if (r != VCPU_WATCH_DONE) {
		watch_report(w, r, (now - moved) / 1000000);
		return r;
	}
	w->last_progress = watch_progress(w);
	for (i = 0; i < w->nr_threads; i++)
		runner_join(&w->threads[i]);
	return r;
}

const char *vcpu_watch_result_name(enum vcpu_watch_result r)
{
	switch (r) {
	case VCPU_WATCH_DONE:
		return "done";
	case VCPU_WATCH_STALLED:
		return "STALLED (no progress: a lost interrupt or wake-up?)";
	default:
		return "DEADLINE (still progressing, but too slowly)";
	}
}

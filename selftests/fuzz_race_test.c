// SPDX-License-Identifier: GPL-2.0
/*
 * The racing half of the ioctl fuzzer (issue #14, item 1): fuzz_test
 * calls one ioctl at a time; here several threads call them at once on
 * one VM, the way a multi-threaded VMM (or an attacker) does, and the VM
 * is torn down under them.
 *
 * Each epoch builds a VM with three vCPUs, each on a runner thread that
 * loops in HYV_RUN. vCPUs 0 and 1 run a guest that computes known values
 * and reports them (the runner checks every one), reading and writing a
 * guest-physical window whose slots change under it; vCPU 2 is the
 * scribbled one: its registers, segments and MP state are overwritten
 * with stale or broken values while it runs. Beside the runners:
 *
 *   - a slot thread adds, deletes, moves and resizes overlapping slots in
 *     the window (read-only, dirty-logged), reads dirty logs and drops
 *     the backing pages (MADV_DONTNEED);
 *   - a state thread races GET_REGS/SREGS/MP_STATE, SET_MP_STATE,
 *     INTERRUPT and SIGNAL_MSI against the checked vCPUs' RUN, and
 *     SET_REGS/SET_SREGS/MP states/NMIs/INIT/SIPI against vCPU 2;
 *   - an eventfd thread binds and unbinds irqfds and doorbells (which the
 *     guests ring), signals them and closes eventfds while bound;
 *   - the main thread kicks the runners with signals and, at the end of
 *     the epoch, closes the vCPU, VM and /dev/hyv fds in random order
 *     while every other thread is still calling.
 *
 * What must hold: every call returns success or an errno docs/abi.md
 * documents for it (EBADF and ENOTTY also once the teardown began: the
 * fd is gone or now an eventfd); every value a checked guest reports is
 * right and each checked vCPU makes progress; a canary VM computes right
 * answers between epochs and at the end; the kernel says nothing
 * (/dev/kmsg here, KASAN/lockdep/kmemleak on the testbed's console).
 *
 * The seed is printed; HYV_FUZZ_SEED=<seed> gives every thread the same
 * sequence of operations again (the interleaving is the scheduler's).
 * HYV_FUZZ_SECONDS=<s> sets the time budget (make fuzz runs it long).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"

/*
 * Budget: seconds of racing in all, cut in epochs of EPOCH_MS. The VMX
 * machine (Bochs) is slower in wall-clock time than its own clock says,
 * so it gets fewer seconds.
 */
#define RACE_SECONDS_SVM	24
#define RACE_SECONDS_VMX	12
#define EPOCH_MS		2000

#define RACE_VCPUS		3
#define CHECKED_VCPUS		2	/* vCPUs 0 and 1; vCPU 2 is scribbled */
#define SCRIBBLED		2
#define WINDOW_GPA		0x10000000ULL
#define WINDOW_SIZE		(16ULL << 20)
#define WINDOW_SLOTS		6	/* slots 1..6 */
#define ARENA_SIZE		(16ULL << 20)
#define NR_EFDS			8
#define GUEST_TERMS		16

#define E(x)			(1ULL << (x))

/*
 * The harness's timeout is fixed at build time and make fuzz runs for
 * hours: the test has a watchdog of its own, the budget plus
 * WATCHDOG_SLACK_S, which prints where every thread is in the kernel and
 * aborts.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	(7 * 24 * 3600)
#define WATCHDOG_SLACK_S	100

/* ---- The guests -------------------------------------------------------- */

static inline u64 race_value(u64 i)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ (i >> 7) ^ 0x243f6a8885a308d3ULL;
}

static u64 race_sum(u64 i)
{
	u64 j, sum = 0;

	for (j = 0; j < GUEST_TERMS; j++)
		sum += race_value(i + j);
	return sum;
}

/*
 * The checked guest: a value the host can recompute, kept in slot 0 and
 * read back, a read and a write in the window (RAM of whatever slot is
 * there now, a read-only slot, or MMIO), a doorbell, then a report.
 */
static void guest_race(u64 id)
{
	u64 *mine = (u64 *)(HYV_DATA_GPA + id * SZ_4K);
	u64 i, sum, seen, w, v;

	for (i = 0;; i++) {
		sum = race_sum(i);
		__atomic_store_n(&mine[i & 511], sum, __ATOMIC_RELAXED);
		seen = __atomic_load_n(&mine[i & 511], __ATOMIC_RELAXED);
		w = WINDOW_GPA + ((i * 0x3001 * 8 + id * 64) & (WINDOW_SIZE - 8));
		switch (i & 3) {
		case 0:		/* plain MOVs: what the MMIO decoder takes */
			asm volatile("movq (%1), %0" : "=r"(v) : "r"(w) : "memory");
			break;
		case 1:
			asm volatile("movq %0, (%1)" : : "r"(i), "r"(w) : "memory");
			break;
		case 2:
			guest_hypercall(HYV_HC_DOORBELL, i & 3, id, 0, 0);
			break;
		default:
			break;
		}
		GUEST_SYNC4(i, seen, id, 0);
	}
}

/* ---- Shared state ------------------------------------------------------ */

struct rng {
	u64 s;
};

static u64 rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static u64 below(struct rng *r, u64 n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

struct race;

struct runner {
	struct race *race;
	struct hyv_vcpu *vcpu;
	pthread_t tid;
	struct rng rng;
	u64 next;		/* the report expected next */
	u64 syncs, runs, eintr, mmio, other_exits;
};

struct race {
	struct hyv_vm *vm;
	struct runner runners[RACE_VCPUS];
	struct hyv_regs regs0;		/* vCPU 2 as created */
	struct hyv_sregs sregs0;
	u8 *arena;
	int stop;			/* __atomic: threads end their loops */
	int closing;			/* __atomic: fds may be gone */
	u64 seed;
	unsigned int epoch;
	pthread_t slot_tid, state_tid, efd_tid;
	/* counts, all epochs */
	u64 calls, ok;
	u64 slot_sets, slot_eexist, dirty_logs, irqfd_binds, doorbell_binds;
	u64 efd_closed_bound, scribbles, vcpu_shutdowns;
	u64 closed_fd_errors;
};

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static u64 failures;
static char first_failure[4][300];

static void race_fail(struct race *r, const char *fmt, ...) __printf(2, 3);
static void race_fail(struct race *r, const char *fmt, ...)
{
	va_list ap;
	char msg[200];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&fail_lock);
	if (failures < ARRAY_SIZE(first_failure)) {
		snprintf(first_failure[failures], sizeof(first_failure[0]),
			 "epoch %u: %s", r->epoch, msg);
		fprintf(stderr, "# epoch %u: %s\n", r->epoch, msg);
	}
	failures++;
	pthread_mutex_unlock(&fail_lock);
}

static bool stopping(struct race *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
}

/*
 * One ioctl, judged: success or an errno in @allowed; once the teardown
 * began, also EBADF (the fd is closed) and ENOTTY (its number went to an
 * eventfd).
 */
static long race_ioctl(struct race *r, const char *what, int fd,
		       unsigned long cmd, unsigned long arg, u64 allowed)
{
	bool closing;
	long ret;
	int err;

	ret = ioctl(fd, cmd, arg);
	err = errno;
	/* After the call: the flag is set before the first close. */
	closing = __atomic_load_n(&r->closing, __ATOMIC_ACQUIRE);
	__atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
	if (ret >= 0) {
		__atomic_add_fetch(&r->ok, 1, __ATOMIC_RELAXED);
	} else if (closing && (err == EBADF || err == ENOTTY)) {
		__atomic_add_fetch(&r->closed_fd_errors, 1, __ATOMIC_RELAXED);
	} else if (err >= 64 || !(allowed & E(err))) {
		race_fail(r, "%s (fd %d%s): errno %d (%s), not documented", what,
			  fd, closing ? ", closing" : "", err, strerror(err));
	}
	errno = err;
	return ret;
}

/* ---- Runners ------------------------------------------------------------- */

static void kick_handler(int sig)
{
	(void)sig;
}

/* The ucall of an exit (raw ioctls: the fd may be closed under us). */
static bool runner_ucall(struct runner *t, struct hyv_ucall *uc)
{
	struct hyv_run *run = t->vcpu->run;
	struct hyv_regs regs;

	if (run->exit_reason != HYV_EXIT_IO || run->io.port != HYV_UCALL_PORT ||
	    run->io.direction != HYV_IO_OUT || run->io.size != 4)
		return false;
	if (race_ioctl(t->race, "GET_REGS (ucall)", t->vcpu->fd, HYV_GET_REGS,
		       (unsigned long)&regs, 0))
		return false;
	uc->cmd = run->io.data;
	uc->args[0] = regs.rdi;
	uc->args[1] = regs.rsi;
	uc->args[2] = regs.rdx;
	uc->args[3] = regs.rcx;
	return true;
}

/* GET then SET on the runner's own vCPU between RUNs: a VMM's save/restore. */
static void runner_roundtrip(struct runner *t)
{
	struct hyv_sregs sregs;
	struct hyv_regs regs;
	int fd = t->vcpu->fd;

	if (!race_ioctl(t->race, "GET_REGS", fd, HYV_GET_REGS,
			(unsigned long)&regs, 0))
		race_ioctl(t->race, "SET_REGS (own)", fd, HYV_SET_REGS,
			   (unsigned long)&regs, 0);
	if (!race_ioctl(t->race, "GET_SREGS", fd, HYV_GET_SREGS,
			(unsigned long)&sregs, 0))
		race_ioctl(t->race, "SET_SREGS (own)", fd, HYV_SET_SREGS,
			   (unsigned long)&sregs, 0);
}

static void runner_checked_exit(struct runner *t)
{
	struct hyv_run *run = t->vcpu->run;
	struct hyv_ucall uc;
	u32 id = t->vcpu->id;

	switch (run->exit_reason) {
	case HYV_EXIT_MMIO:
		t->mmio++;
		if (!run->mmio.is_write)
			run->mmio.data = rnd(&t->rng);
		return;
	case HYV_EXIT_IO:
		if (!runner_ucall(t, &uc)) {
			if (__atomic_load_n(&t->race->closing, __ATOMIC_ACQUIRE))
				return;	/* GET_REGS on a closed fd */
			break;
		}
		if (uc.cmd != UCALL_SYNC) {
			if (uc.cmd == UCALL_EXCEPTION)
				race_fail(t->race, "vCPU %u: exception %llu at %#llx",
					  id, uc.args[0], uc.args[1]);
			else
				race_fail(t->race, "vCPU %u: ucall %llu", id,
					  uc.cmd);
			return;
		}
		if (uc.args[0] != t->next || uc.args[1] != race_sum(t->next) ||
		    uc.args[2] != id) {
			race_fail(t->race,
				  "vCPU %u: report %llu (expected %llu), value %#llx (expected %#llx), id %llu",
				  id, uc.args[0], t->next, uc.args[1],
				  race_sum(t->next), uc.args[2]);
			t->next = uc.args[0];	/* one failure, not one per round */
		}
		t->next++;
		t->syncs++;
		if (chance(&t->rng, 6))
			runner_roundtrip(t);
		return;
	default:
		break;
	}
	t->other_exits++;
	race_fail(t->race, "vCPU %u: unexpected exit %u (%s)", id,
		  run->exit_reason, hyv_exit_name(run->exit_reason));
}

static void runner_scribbled_exit(struct runner *t)
{
	struct hyv_run *run = t->vcpu->run;

	switch (run->exit_reason) {
	case HYV_EXIT_IO:
		if (run->io.direction == HYV_IO_IN)
			run->io.data = rnd(&t->rng);
		break;
	case HYV_EXIT_MMIO:
		t->mmio++;
		if (!run->mmio.is_write)
			run->mmio.data = rnd(&t->rng);
		break;
	case HYV_EXIT_SHUTDOWN:
		__atomic_add_fetch(&t->race->vcpu_shutdowns, 1, __ATOMIC_RELAXED);
		break;
	case HYV_EXIT_HLT:
	case HYV_EXIT_FAIL_ENTRY:
	case HYV_EXIT_INTERNAL_ERROR:
		break;
	default:
		race_fail(t->race, "vCPU %u: RUN returned 0 with exit %u",
			  t->vcpu->id, run->exit_reason);
	}
	t->other_exits++;
}

static void *runner_thread(void *arg)
{
	struct runner *t = arg;
	struct race *r = t->race;
	bool checked = t->vcpu->id < CHECKED_VCPUS;
	long ret;

	while (!stopping(r)) {
		ret = race_ioctl(r, "RUN", t->vcpu->fd, HYV_RUN, 0,
				 checked ? E(EINTR) : E(EINTR) | E(EFAULT));
		t->runs++;
		if (ret < 0) {
			if (errno == EINTR)
				t->eintr++;
			continue;
		}
		if (checked)
			runner_checked_exit(t);
		else
			runner_scribbled_exit(t);
	}
	return NULL;
}

/* ---- The slot thread ------------------------------------------------------ */

static void *slot_thread(void *arg)
{
	struct race *r = arg;
	struct rng rng = { r->seed ^ 0x510751075107ULL ^ r->epoch };
	static u64 bitmap[WINDOW_SIZE / SZ_4K / 64];
	struct hyv_memory_slot s;
	struct hyv_dirty_log d;
	u64 pages, off;
	int vm_fd = r->vm->fd;

	while (!stopping(r)) {
		switch (below(&rng, 8)) {
		case 0:		/* delete */
			memset(&s, 0, sizeof(s));
			s.slot = 1 + below(&rng, WINDOW_SLOTS);
			race_ioctl(r, "SET_MEMORY_SLOT (delete)", vm_fd,
				   HYV_SET_MEMORY_SLOT, (unsigned long)&s, 0);
			break;
		case 1:
		case 2:
		case 3:		/* add, move or resize: maybe overlapping */
			s.slot = 1 + below(&rng, WINDOW_SLOTS);
			s.flags = chance(&rng, 60) ? 0 : below(&rng, 4);
			pages = chance(&rng, 30) ? 512 : 1 + below(&rng, 1024);
			s.size = pages * SZ_4K;
			s.guest_phys_addr = WINDOW_GPA +
				(chance(&rng, 30) ?
				 below(&rng, WINDOW_SIZE / SZ_2M) * SZ_2M :
				 below(&rng, WINDOW_SIZE / SZ_4K) * SZ_4K);
			if (s.guest_phys_addr + s.size > WINDOW_GPA + WINDOW_SIZE)
				s.size = WINDOW_GPA + WINDOW_SIZE - s.guest_phys_addr;
			off = chance(&rng, 30) ?
			      below(&rng, ARENA_SIZE / SZ_2M) * SZ_2M :
			      below(&rng, ARENA_SIZE / SZ_4K) * SZ_4K;
			if (off + s.size > ARENA_SIZE)
				off = ARENA_SIZE - s.size;
			s.userspace_addr = (u64)r->arena + off;
			if (race_ioctl(r, "SET_MEMORY_SLOT", vm_fd,
				       HYV_SET_MEMORY_SLOT, (unsigned long)&s,
				       E(EEXIST)) == 0)
				__atomic_add_fetch(&r->slot_sets, 1,
						   __ATOMIC_RELAXED);
			else if (errno == EEXIST)
				__atomic_add_fetch(&r->slot_eexist, 1,
						   __ATOMIC_RELAXED);
			break;
		case 4:
		case 5:
			memset(&d, 0, sizeof(d));
			d.slot = 1 + below(&rng, WINDOW_SLOTS);
			d.bitmap = (u64)bitmap;
			if (!race_ioctl(r, "GET_DIRTY_LOG", vm_fd,
					HYV_GET_DIRTY_LOG, (unsigned long)&d,
					E(ENOENT)))
				__atomic_add_fetch(&r->dirty_logs, 1,
						   __ATOMIC_RELAXED);
			break;
		case 6:
			off = below(&rng, ARENA_SIZE / SZ_4K) * SZ_4K;
			pages = 1 + below(&rng, 256);
			if (off + pages * SZ_4K > ARENA_SIZE)
				pages = (ARENA_SIZE - off) / SZ_4K;
			madvise(r->arena + off, pages * SZ_4K, MADV_DONTNEED);
			break;
		default:
			usleep(below(&rng, 500));
			break;
		}
	}
	return NULL;
}

/* ---- The state thread ------------------------------------------------------- */

/* An MSI fit for the checked vCPUs: fixed vectors, any destination. */
static void msi_fixed(struct rng *rng, struct hyv_msi *m)
{
	memset(m, 0, sizeof(*m));
	m->address = 0xfee00000ULL |
		     (chance(rng, 20) ? 0xffULL : below(rng, RACE_VCPUS)) << 12;
	m->data = 32 + below(rng, 224);
}

static void scribble_vcpu2(struct race *r, struct rng *rng, int fd)
{
	static const u32 modes[] = { 4, 5, 6 };		/* NMI, INIT, SIPI */
	struct hyv_mp_state mp = {};
	struct hyv_sregs sregs;
	struct hyv_regs regs;
	struct hyv_msi msi = {};
	u8 *b;

	__atomic_add_fetch(&r->scribbles, 1, __ATOMIC_RELAXED);
	switch (below(rng, 6)) {
	case 0:		/* the registers it was created with, or broken ones */
		regs = r->regs0;
		if (chance(rng, 50))
			regs.rip = chance(rng, 50) ?
				   WINDOW_GPA + below(rng, WINDOW_SIZE) :
				   rnd(rng);
		if (chance(rng, 30))
			regs.rsp = rnd(rng);
		if (chance(rng, 20))
			regs.rflags = rnd(rng) & 0x3f7fd5;
		race_ioctl(r, "SET_REGS (vCPU 2)", fd, HYV_SET_REGS,
			   (unsigned long)&regs, E(EINVAL));
		break;
	case 1:		/* segments as created, one byte broken now and then */
		sregs = r->sregs0;
		if (chance(rng, 50)) {
			b = (u8 *)&sregs;
			b[below(rng, offsetof(struct hyv_sregs, flags))] = rnd(rng);
		}
		race_ioctl(r, "SET_SREGS (vCPU 2)", fd, HYV_SET_SREGS,
			   (unsigned long)&sregs, E(EINVAL));
		break;
	case 2:
		mp.state = below(rng, 4);
		race_ioctl(r, "SET_MP_STATE (vCPU 2)", fd, HYV_SET_MP_STATE,
			   (unsigned long)&mp, 0);
		break;
	case 3:
		race_ioctl(r, "NMI", fd, HYV_NMI, 0, 0);
		break;
	case 4:		/* NMI, INIT or SIPI by MSI, to vCPU 2 only */
		msi.address = 0xfee00000ULL | SCRIBBLED << 12;
		msi.data = modes[below(rng, 3)] << 8 | below(rng, 256);
		race_ioctl(r, "SIGNAL_MSI (vCPU 2)", r->vm->fd,
			   HYV_SIGNAL_MSI, (unsigned long)&msi, E(ENOENT));
		break;
	default:
		if (!race_ioctl(r, "GET_REGS (vCPU 2)", fd, HYV_GET_REGS,
				(unsigned long)&regs, 0))
			race_ioctl(r, "SET_REGS (stale)", fd, HYV_SET_REGS,
				   (unsigned long)&regs, 0);
		break;
	}
}

static void *state_thread(void *arg)
{
	struct race *r = arg;
	struct rng rng = { r->seed ^ 0x57a7e57a7eULL ^ r->epoch };
	struct hyv_interrupt irq = {};
	struct hyv_mp_state mp = {};
	struct hyv_sregs sregs;
	struct hyv_regs regs;
	struct hyv_msi msi;
	int fd;

	while (!stopping(r)) {
		fd = r->runners[below(&rng, CHECKED_VCPUS)].vcpu->fd;
		switch (below(&rng, 9)) {
		case 0:
			race_ioctl(r, "GET_REGS", fd, HYV_GET_REGS,
				   (unsigned long)&regs, 0);
			break;
		case 1:
			race_ioctl(r, "GET_SREGS", fd, HYV_GET_SREGS,
				   (unsigned long)&sregs, 0);
			break;
		case 2:
			race_ioctl(r, "GET_MP_STATE", fd, HYV_GET_MP_STATE,
				   (unsigned long)&mp, 0);
			break;
		case 3:		/* halted for a moment, then runnable again */
			mp.state = HYV_MP_STATE_HALTED;
			mp.flags = 0;
			race_ioctl(r, "SET_MP_STATE (halted)", fd,
				   HYV_SET_MP_STATE, (unsigned long)&mp, 0);
			usleep(below(&rng, 2000));
			mp.state = HYV_MP_STATE_RUNNABLE;
			race_ioctl(r, "SET_MP_STATE (runnable)", fd,
				   HYV_SET_MP_STATE, (unsigned long)&mp, 0);
			break;
		case 4:
			irq.vector = 32 + below(&rng, 224);
			race_ioctl(r, "INTERRUPT", fd, HYV_INTERRUPT,
				   (unsigned long)&irq, 0);
			break;
		case 5:
			msi_fixed(&rng, &msi);
			race_ioctl(r, "SIGNAL_MSI", r->vm->fd, HYV_SIGNAL_MSI,
				   (unsigned long)&msi, E(ENOENT));
			break;
		default:
			scribble_vcpu2(r, &rng, r->runners[SCRIBBLED].vcpu->fd);
			break;
		}
		if (chance(&rng, 20))
			usleep(below(&rng, 300));
	}
	/* Nothing of the checked vCPUs may stay halted for the next one. */
	return NULL;
}

/* ---- The eventfd thread ------------------------------------------------------ */

struct efd_slot {
	int fd;
	bool irqfd;		/* bound as an irqfd, to msi */
	u64 msi_address;
	u32 msi_data;
	int doorbell;		/* device * 4 + queue bound to it, or -1 */
};

static void *efd_thread(void *arg)
{
	struct race *r = arg;
	struct rng rng = { r->seed ^ 0xefdefdefdULL ^ r->epoch };
	struct efd_slot e[NR_EFDS];
	struct hyv_doorbell db;
	struct hyv_irqfd irq;
	struct hyv_msi msi;
	struct efd_slot *x;
	int vm_fd = r->vm->fd, i;
	u64 one = 1;

	for (i = 0; i < NR_EFDS; i++) {
		e[i].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		e[i].irqfd = false;
		e[i].doorbell = -1;
		if (e[i].fd < 0)
			race_fail(r, "eventfd: %s", strerror(errno));
	}
	while (!stopping(r)) {
		x = &e[below(&rng, NR_EFDS)];
		if (x->fd < 0)
			break;
		switch (below(&rng, 6)) {
		case 0:		/* bind (or rebind: EEXIST) an irqfd */
			msi_fixed(&rng, &msi);
			memset(&irq, 0, sizeof(irq));
			irq.fd = x->fd;
			irq.msi_address = msi.address;
			irq.msi_data = msi.data;
			if (!race_ioctl(r, "IRQFD", vm_fd, HYV_IRQFD,
					(unsigned long)&irq, E(EEXIST))) {
				x->irqfd = true;
				x->msi_address = irq.msi_address;
				x->msi_data = irq.msi_data;
				__atomic_add_fetch(&r->irqfd_binds, 1,
						   __ATOMIC_RELAXED);
			}
			break;
		case 1:		/* unbind: ENOENT if it never was */
			memset(&irq, 0, sizeof(irq));
			irq.fd = x->fd;
			irq.flags = HYV_IRQFD_DEASSIGN;
			irq.msi_address = x->irqfd ? x->msi_address : 0xfee00000;
			irq.msi_data = x->irqfd ? x->msi_data : 32;
			if (!race_ioctl(r, "IRQFD (deassign)", vm_fd, HYV_IRQFD,
					(unsigned long)&irq, E(ENOENT)))
				x->irqfd = false;
			break;
		case 2:		/* a doorbell the guests ring: device i & 3, queue id */
			memset(&db, 0, sizeof(db));
			db.fd = x->fd;
			if (x->doorbell >= 0) {
				db.flags = HYV_DOORBELL_DEASSIGN;
				db.device = x->doorbell / 4;
				db.queue = x->doorbell % 4;
				if (!race_ioctl(r, "DOORBELL (deassign)", vm_fd,
						HYV_DOORBELL, (unsigned long)&db,
						0))
					x->doorbell = -1;
				break;
			}
			db.device = below(&rng, 4);
			db.queue = below(&rng, CHECKED_VCPUS);
			if (!race_ioctl(r, "DOORBELL", vm_fd, HYV_DOORBELL,
					(unsigned long)&db, E(EEXIST))) {
				x->doorbell = db.device * 4 + db.queue;
				__atomic_add_fetch(&r->doorbell_binds, 1,
						   __ATOMIC_RELAXED);
			}
			break;
		case 3:
		case 4:
			if (write(x->fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
				race_fail(r, "eventfd write: %s", strerror(errno));
			break;
		default:	/* close it, bound or not, and take a new one */
			if (x->irqfd || x->doorbell >= 0)
				__atomic_add_fetch(&r->efd_closed_bound, 1,
						   __ATOMIC_RELAXED);
			close(x->fd);
			/* A closed irqfd is unbound; a doorbell keeps its own reference. */
			x->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			x->irqfd = false;
			x->doorbell = -1;
			if (x->fd < 0)
				race_fail(r, "eventfd: %s", strerror(errno));
			break;
		}
	}
	for (i = 0; i < NR_EFDS; i++)
		if (e[i].fd >= 0)
			close(e[i].fd);
	return NULL;
}

/* ---- Epochs ---------------------------------------------------------------- */

static void race_start(struct race *r)
{
	struct hyv_vcpu *v;
	char name[16];
	int i;

	r->vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	for (i = 0; i < RACE_VCPUS; i++) {
		v = hyv_vcpu_add(r->vm, i, guest_race);
		hyv_vcpu_set_args(v, i, 0);
		r->runners[i] = (struct runner){
			.race = r, .vcpu = v,
			.rng = { r->seed ^ (0x7e57ULL << i) ^ r->epoch },
		};
	}
	hyv_vcpu_get_regs(r->runners[SCRIBBLED].vcpu, &r->regs0);
	hyv_vcpu_get_sregs(r->runners[SCRIBBLED].vcpu, &r->sregs0);
	__atomic_store_n(&r->stop, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&r->closing, 0, __ATOMIC_RELEASE);
	for (i = 0; i < RACE_VCPUS; i++) {
		HYV_ASSERT(!pthread_create(&r->runners[i].tid, NULL,
					   runner_thread, &r->runners[i]),
			   "pthread_create");
		snprintf(name, sizeof(name), "run-vcpu%d", i);
		pthread_setname_np(r->runners[i].tid, name);
	}
	HYV_ASSERT(!pthread_create(&r->slot_tid, NULL, slot_thread, r) &&
		   !pthread_create(&r->state_tid, NULL, state_thread, r) &&
		   !pthread_create(&r->efd_tid, NULL, efd_thread, r),
		   "pthread_create");
	pthread_setname_np(r->slot_tid, "slots");
	pthread_setname_np(r->state_tid, "states");
	pthread_setname_np(r->efd_tid, "eventfds");
}

/* Signal runner @i out of RUN (a halted vCPU sleeps there otherwise). */
static void kick(struct race *r, int i)
{
	pthread_kill(r->runners[i].tid, SIGUSR1);
}

/*
 * Join every thread of the epoch, kicking the runners still there (a
 * signal handled just before a RUN began leaves a halted vCPU asleep).
 */
static void join_all(struct race *r)
{
	pthread_t others[3] = { r->slot_tid, r->state_tid, r->efd_tid };
	bool joined[RACE_VCPUS + 3] = {};
	unsigned int left = RACE_VCPUS + 3, i;

	while (left) {
		for (i = 0; i < RACE_VCPUS + 3; i++) {
			if (joined[i])
				continue;
			if (!pthread_tryjoin_np(i < RACE_VCPUS ?
						r->runners[i].tid :
						others[i - RACE_VCPUS], NULL)) {
				joined[i] = true;
				left--;
			} else if (i < RACE_VCPUS) {
				kick(r, i);
			}
		}
		if (left)
			usleep(500);
	}
}

/*
 * The end of an epoch: the fds go in random order while every thread is
 * still calling, then the threads stop.
 */
static void race_teardown(struct race *r, struct rng *rng)
{
	int fds[RACE_VCPUS + 2], n = 0, i, j, tmp;
	struct runner *t;

	for (i = 0; i < RACE_VCPUS; i++)
		fds[n++] = r->runners[i].vcpu->fd;
	fds[n++] = r->vm->fd;
	fds[n++] = r->vm->dev_fd;
	for (i = n - 1; i > 0; i--) {
		j = below(rng, i + 1);
		tmp = fds[i];
		fds[i] = fds[j];
		fds[j] = tmp;
	}
	__atomic_store_n(&r->closing, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		close(fds[i]);
		if (chance(rng, 50))
			usleep(below(rng, 3000));
		kick(r, below(rng, RACE_VCPUS));
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < RACE_VCPUS; i++)
		r->runners[i].vcpu->run->immediate_exit = 1;
	join_all(r);
	for (i = 0; i < RACE_VCPUS; i++) {
		t = &r->runners[i];
		t->vcpu->fd = -1;	/* closed above */
		hyv_vcpu_free(t->vcpu);
	}
	r->vm->fd = -1;
	r->vm->dev_fd = -1;
	hyv_vm_free(r->vm);
	r->vm = NULL;
}

static u64 race_seconds(void)
{
	const char *s = getenv("HYV_FUZZ_SECONDS");

	if (s && strtoull(s, NULL, 0))
		return strtoull(s, NULL, 0);
	return hyv_check_cap(HYV_CAP_BACKEND) == HYV_BACKEND_VMX ?
	       RACE_SECONDS_VMX : RACE_SECONDS_SVM;
}

/* The canary: a VM of its own, outside the race, counting right. */
static void guest_canary(void)
{
	u64 i;

	for (i = 0;; i++)
		GUEST_SYNC4(i, race_sum(i), 0, 0);
}

static bool canary_ok(struct hyv_vcpu *canary, u64 *round)
{
	struct hyv_ucall uc;
	int i;

	for (i = 0; i < 3; i++, (*round)++) {
		if (__hyv_vcpu_run(canary) ||
		    hyv_vcpu_get_ucall(canary, &uc) != UCALL_SYNC ||
		    uc.args[0] != *round || uc.args[1] != race_sum(*round))
			return false;
	}
	return true;
}

/* Print each thread's name, state and kernel stack (a hang's where). */
static void dump_threads(void)
{
	static const char * const files[] = { "comm", "wchan", "stack" };
	char path[300], buf[4096];
	struct dirent *e;
	unsigned int i;
	DIR *d;
	ssize_t n;
	int fd;

	d = opendir("/proc/self/task");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		fprintf(stderr, "# thread %s:\n", e->d_name);
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(path, sizeof(path), "/proc/self/task/%s/%s",
				 e->d_name, files[i]);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = 0;
				fprintf(stderr, "#   %s: %s%s", files[i], buf,
					buf[n - 1] == '\n' ? "" : "\n");
			}
		}
	}
	closedir(d);
}

static void *watchdog_thread(void *arg)
{
	unsigned int secs = (unsigned long)arg;

	sleep(secs);
	fprintf(stderr, "# watchdog: still running after %u s; the threads:\n",
		secs);
	dump_threads();
	fflush(stderr);
	abort();
	return NULL;
}

static void watchdog_start(unsigned int secs)
{
	pthread_t tid;

	HYV_ASSERT(!pthread_create(&tid, NULL, watchdog_thread,
				   (void *)(unsigned long)secs),
		   "pthread_create");
	pthread_detach(tid);
}

/* A line in the kernel log (the console log keeps every run's counts). */
static void kmsg_note(const char *fmt, ...) __printf(1, 2);
static void kmsg_note(const char *fmt, ...)
{
	char line[300];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return;
	line[n++] = '\n';
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, line, n) != n)
		n = 0;
	close(fd);
}

/* The kernel log from now on; how many reports came after. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_reports(int fd)
{
	static const char * const kinds[] = {
		"WARNING:", "BUG:", "Oops", "general protection fault",
		"kernel BUG", "Call Trace", "KASAN", "UBSAN", "possible circular",
		"lockdep",
	};
	char rec[2048];
	int reports = 0;
	unsigned int i;
	ssize_t n;

	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		for (i = 0; i < ARRAY_SIZE(kinds); i++) {
			if (strstr(rec, kinds[i])) {
				if (reports++ < 5)
					fprintf(stderr, "# kernel: %s", rec);
				break;
			}
		}
	}
	close(fd);
	return reports;
}

TEST(threads_racing_run_slots_states_eventfds_and_teardown)
{
	static struct race race;
	struct race *r = &race;
	struct sigaction sa = { .sa_handler = kick_handler };	/* no SA_RESTART */
	u64 secs = race_seconds(), t0, epoch_end, round = 0, i;
	u64 syncs[CHECKED_VCPUS] = {}, runs = 0, eintr = 0, mmio = 0;
	u64 epochs_stalled = 0;
	struct hyv_vcpu *canary;
	int kmsg = kmsg_open();
	struct rng rng;
	const char *s;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	s = getenv("HYV_FUZZ_SEED");
	r->seed = s ? strtoull(s, NULL, 0) : host_now_ns() ^ (u64)getpid() << 32;
	rng.s = r->seed ? r->seed : 1;
	printf("# race seed %llu (replay: HYV_FUZZ_SEED=%llu), %llu s in epochs of %u ms\n",
	       r->seed, r->seed, secs, EPOCH_MS);
	fflush(stdout);
	watchdog_start(secs + WATCHDOG_SLACK_S);
	r->arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r->arena);
	canary = hyv_vm_create_with_vcpu(guest_canary);

	t0 = host_now_ns();
	for (r->epoch = 0; host_now_ns() - t0 < secs * 1000000000ULL;
	     r->epoch++) {
		race_start(r);
		epoch_end = host_now_ns() + EPOCH_MS * 1000000ULL;
		while (host_now_ns() < epoch_end) {
			usleep(1000 + below(&rng, 8000));
			kick(r, below(&rng, RACE_VCPUS));
		}
		race_teardown(r, &rng);
		for (i = 0; i < RACE_VCPUS; i++) {
			runs += r->runners[i].runs;
			eintr += r->runners[i].eintr;
			mmio += r->runners[i].mmio;
			if (i < CHECKED_VCPUS) {
				syncs[i] += r->runners[i].syncs;
				if (!r->runners[i].syncs)
					epochs_stalled++;
			}
		}
		if (r->epoch % 4 == 3) {
			printf("# epoch %u: %llu s, %llu calls\n", r->epoch,
			       (host_now_ns() - t0) / 1000000000ULL, r->calls);
			fflush(stdout);
		}
		if (!canary_ok(canary, &round))
			race_fail(r, "the canary VM, round %llu", round);
		if (failures > 20)
			break;
	}
	printf("# %u epochs in %llu s: %llu calls (%llu ok), %s %llu (%llu EINTR), %s %llu\n",
	       r->epoch, (host_now_ns() - t0) / 1000000000ULL, r->calls, r->ok,
	       "RUNs", runs, eintr, "MMIO exits", mmio);
	printf("# checked reports: vCPU 0 %llu, vCPU 1 %llu; %s %llu\n",
	       syncs[0], syncs[1], "epochs a checked vCPU made none",
	       epochs_stalled);
	printf("# slots set %llu (EEXIST %llu), dirty logs %llu, irqfds bound %llu\n",
	       r->slot_sets, r->slot_eexist, r->dirty_logs, r->irqfd_binds);
	printf("# doorbells bound %llu, bound eventfds closed %llu\n",
	       r->doorbell_binds, r->efd_closed_bound);
	printf("# vCPU 2 scribbled %llu times (%llu shutdowns); %llu calls on closed fds\n",
	       r->scribbles, r->vcpu_shutdowns, r->closed_fd_errors);

	kmsg_note("fuzz_race_test: seed %llu, %u epochs, %llu calls (%llu ok), %s %llu, %s %llu, %s %llu, %llu failures",
		  r->seed, r->epoch, r->calls, r->ok,
		  "checked reports", syncs[0] + syncs[1],
		  "slot changes", r->slot_sets, "irqfds bound", r->irqfd_binds,
		  failures);
	EXPECT_TRUE(canary_ok(canary, &round)) TH_LOG("the canary VM at the end");
	hyv_vm_free_with_vcpu(canary);
	munmap(r->arena, ARENA_SIZE);

	for (i = 0; i < failures && i < ARRAY_SIZE(first_failure); i++)
		TH_LOG("%s", first_failure[i]);
	EXPECT_EQ(0, failures) TH_LOG("seed %llu", r->seed);
	/* Every epoch raced something real. */
	EXPECT_LE(1, r->epoch);
	for (i = 0; i < CHECKED_VCPUS; i++)
		EXPECT_LE(r->epoch, syncs[i]) TH_LOG("vCPU %llu", i);
	EXPECT_LE(r->epoch, r->slot_sets);
	EXPECT_LE(r->epoch, r->irqfd_binds);
	EXPECT_LE(1, r->closed_fd_errors);
	EXPECT_EQ(0, kmsg_reports(kmsg)) TH_LOG("seed %llu", r->seed);
}


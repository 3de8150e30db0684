// SPDX-License-Identifier: GPL-2.0
/*
 * A typed ioctl fuzzer for /dev/hyv (issue #14, item 1): it knows the fd
 * hierarchy (/dev/hyv -> VM -> vCPU, plus eventfds and a pipe) and every
 * ioctl's struct, starts from a valid value (often what the matching GET
 * returned) and breaks one field: flags, padding, reserved words, sizes
 * and counts (huge ones included), addresses (unaligned, overlapping,
 * past the guest-physical limit, kernel or unmapped pointers), vectors,
 * MSR indices, XSAVE headers. Calls go to the wrong kind of fd now and
 * then, fds are closed in random order, and RUN of a small guest on the
 * fuzzed vCPUs is interleaved with everything.
 *
 * What must hold: every call returns success or an errno docs/abi.md
 * documents for it (nothing else, ever); a canary VM beside the fuzzed
 * one computes right answers all along; the fuzzed VM, its slots put
 * back, runs a known guest correctly at the end; and the kernel says
 * nothing (the test reads /dev/kmsg; the testbed's console judge also
 * catches KASAN, WARN and leaks).
 *
 * The seed is printed; HYV_FUZZ_SEED=<seed> replays a run exactly and
 * HYV_FUZZ_ITERS=<n> changes the budget (make check runs the default).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"

/*
 * Rounds per run (each one call, plus a RUN one time in eight), sized for
 * about a minute on a quiet machine: the SVM machine (QEMU's TCG, KASAN)
 * made 7,381 calls of 6,000 rounds in 9 s. The VMX machine (Bochs, no
 * KASAN) made 37,000 calls of 30,000 rounds in 42 s of its own time,
 * but its clock follows the instruction count and that was ~250 s of
 * the build machine's under load: a third of that keeps Bochs's whole
 * run (and machine.sh's silence watchdog) comfortable. Under load the
 * deadline ends an SVM run early and says so.
 */
#define FUZZ_ITERS_SVM		40000
#define FUZZ_ITERS_VMX		10000
#define FUZZ_DEADLINE_S		90	/* stop early (and say so) past this */
#define FUZZ_RUN_TIMEOUT_US	5000	/* a fuzzed RUN is cut by SIGALRM */
#define FUZZ_CANARY_EVERY	97

#define MAX_VMS			4
#define MAX_VCPUS		12
#define ARENA_SIZE		(32ULL << 20)
#define ARG_SIZE		(64 * 1024)
#define MMIO_GPA		0x40000000ULL
#define MSR_IA32_TSC		0x10

#define E(x)			(1ULL << (x))
#define EPTR			E(EFAULT)

/* ---- The guests -------------------------------------------------------- */

static inline u64 known_value(u64 i)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ (i >> 3) ^ 0x5bd1e995ULL;
}

static u64 guest_known_buf[64];

/* Work whose every answer the host can check: memory, CPUID, ucalls. */
static void guest_known(void)
{
	u32 a, b, c, d;
	u64 i, j, sum;

	for (i = 0;; i++) {
		for (j = 0; j < 64; j++)
			guest_known_buf[j] = known_value(i + j);
		sum = 0;
		for (j = 0; j < 64; j++)
			sum += guest_known_buf[j];
		guest_cpuid(0x40000000, 0, &a, &b, &c, &d);
		GUEST_SYNC4(i, sum, b, 0);
	}
}

static u64 known_sum(u64 i)
{
	u64 j, sum = 0;

	for (j = 0; j < 64; j++)
		sum += known_value(i + j);
	return sum;
}

/* Expect the known guest's next report: iteration i with its sum. */
static bool known_check(struct hyv_vcpu *vcpu, u64 i, char *why, size_t len)
{
	struct hyv_ucall uc;
	char desc[160];

	if (__hyv_vcpu_run(vcpu)) {
		snprintf(why, len, "RUN failed: %s", strerror(errno));
		return false;
	}
	if (hyv_vcpu_get_ucall(vcpu, &uc) != UCALL_SYNC) {
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		snprintf(why, len, "no SYNC but %s (ucall %llu, %#llx %#llx)",
			 desc, uc.cmd, uc.args[0], uc.args[1]);
		return false;
	}
	if (uc.args[0] != i || uc.args[1] != known_sum(i) ||
	    uc.args[2] != 0x68767968) {	/* "hyvh": EBX of hyv's leaf */
		snprintf(why, len, "round %llu: got %llu, sum %#llx, ebx %#llx",
			 i, uc.args[0], uc.args[1], uc.args[2]);
		return false;
	}
	return true;
}

/* The fuzzed vCPUs' guest: exits of every kind, round and round. */
static void guest_fuzz(void)
{
	u32 a, b, c, d, m;
	u64 i, v;
	u8 in;

	for (i = 0;; i++) {
		switch (i % 7) {
		case 0:
			GUEST_SYNC(i);
			break;
		case 1:
			asm volatile("inb $0x71, %0" : "=a"(in));
			break;
		case 2:
			asm volatile("movl (%1), %0" : "=r"(m) : "r"(MMIO_GPA));
			asm volatile("movl %0, (%1)" : : "r"(m + 1), "r"(MMIO_GPA)
				     : "memory");
			break;
		case 3:
			guest_hypercall(HYV_HC_DOORBELL, i & 3, i & 1, 0, 0);
			break;
		case 4:
			asm volatile("sti; hlt; cli" : : : "memory");
			break;
		case 5:
			guest_cpuid(i & 0xd, 0, &a, &b, &c, &d);
			guest_rdmsr_safe(MSR_IA32_TSC, &v);
			break;
		default:
			guest_wrmsr_safe(0x277, 0x0007040600070406ULL);
			break;
		}
	}
}

/* ---- The fuzzer's state ------------------------------------------------- */

enum fd_kind { FD_DEV, FD_VM, FD_VCPU, FD_OTHER, FD_BAD, FD_NR_KINDS };

struct fz_vcpu {
	int fd;
	struct hyv_run *run;
	bool cpuid_set;		/* a SET_CPUID went through */
	bool undefined;		/* SHUTDOWN since the last SET_SREGS */
};

struct fuzz {
	u64 seed, rng;
	u64 iter;
	int dev;
	struct hyv_vm *vm;		/* the fuzzed VM (vms[0]) */
	int vms[MAX_VMS];		/* -1: free */
	struct fz_vcpu vcpus[MAX_VCPUS];	/* fd -1: free */
	int efds[4];
	int pipe[2];
	size_t run_size;
	u8 *arena;			/* guest memory for the fuzzed slots */
	u8 *hole;			/* unmapped */
	u8 *arg;			/* ARG_SIZE bytes, then a PROT_NONE page */
	u8 *ro;				/* a read-only page */
	u32 msrs[512];
	u32 nr_msrs;
	struct hyv_cpuid_entry cpuid[HYV_MAX_CPUID_ENTRIES];
	u32 nr_cpuid;
	/* results */
	u64 calls, ok, failures;
	u64 sregs_after_cpuid, sregs_undefined;
	char first_failure[4][256];
};

enum fz_op {
	OP_API_VERSION, OP_CREATE_VM, OP_MMAP_SIZE, OP_CHECK_CAP,
	OP_SUPPORTED_CPUID, OP_MSR_INDEX_LIST,
	OP_CREATE_VCPU, OP_SET_SLOT, OP_DIRTY_LOG, OP_STATS, OP_DOORBELL,
	OP_IRQFD, OP_SIGNAL_MSI, OP_TSC_KHZ,
	OP_RUN, OP_REGS, OP_SREGS, OP_INTERRUPT, OP_MP_STATE, OP_CPUID,
	OP_MSRS, OP_XSAVE, OP_FPU, OP_XCRS, OP_EVENTS, OP_NMI,
	OP_CLOSE, OP_EVENTFD_WRITE, OP_MADVISE,
	OP_NR
};

static const char * const op_names[] = {
	"GET_API_VERSION", "CREATE_VM", "GET_VCPU_MMAP_SIZE", "CHECK_CAP",
	"GET_SUPPORTED_CPUID", "GET_MSR_INDEX_LIST",
	"CREATE_VCPU", "SET_MEMORY_SLOT", "GET_DIRTY_LOG", "GET_STATS",
	"DOORBELL", "IRQFD", "SIGNAL_MSI", "GET_TSC_KHZ",
	"RUN", "GET/SET_REGS", "GET/SET_SREGS", "INTERRUPT", "MP_STATE",
	"GET/SET_CPUID", "GET/SET_MSRS", "GET/SET_XSAVE", "GET/SET_FPU",
	"GET/SET_XCRS", "GET/SET_VCPU_EVENTS", "NMI",
	"close", "eventfd write", "madvise",
};

static_assert(ARRAY_SIZE(op_names) == OP_NR, "a name per op");

static u64 op_calls[OP_NR], op_ok[OP_NR], op_ns[OP_NR], op_max_ns[OP_NR];

static u64 rnd(struct fuzz *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545f4914f6cdd1dULL;
}

static u64 below(struct fuzz *f, u64 n)
{
	return n ? rnd(f) % n : 0;
}

static bool chance(struct fuzz *f, unsigned int percent)
{
	return below(f, 100) < percent;
}

/* A value for a field someone got wrong: small, one bit, or anything. */
static u64 bad_value(struct fuzz *f)
{
	switch (below(f, 4)) {
	case 0:
		return below(f, 8);
	case 1:
		return 1ULL << below(f, 64);
	case 2:
		return ~0ULL >> below(f, 64);
	default:
		return rnd(f);
	}
}

/* Flip one random bit or byte of a struct: "one field broken". */
static void break_bytes(struct fuzz *f, void *p, size_t len)
{
	u8 *b = p;

	if (chance(f, 50))
		b[below(f, len)] ^= 1 << below(f, 8);
	else
		b[below(f, len)] = rnd(f);
}

/* The argument buffer: a struct of len bytes ending at the guard page. */
static void *arg_at_end(struct fuzz *f, size_t len)
{
	return f->arg + ARG_SIZE - len;
}

/* A pointer no ioctl may accept. */
static void *bad_pointer(struct fuzz *f, size_t len)
{
	switch (below(f, 6)) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff888000000000ULL;	/* kernel memory */
	case 2:
		return f->hole;				/* unmapped */
	case 3:
		return f->arg + ARG_SIZE - (len > 1 ? len / 2 : 0); /* half over */
	case 4:
		return (void *)(-4096UL);
	default:
		return (void *)0x1ULL;
	}
}

static void fz_fail(struct fuzz *f, const char *fmt, ...) __printf(2, 3);
static void fz_fail(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (f->failures < ARRAY_SIZE(f->first_failure)) {
		msg = f->first_failure[f->failures];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(f->first_failure[0]), fmt, ap);
		va_end(ap);
		fprintf(stderr, "# iteration %llu: %s\n", f->iter, msg);
	}
	f->failures++;
}

static int fd_of_kind(struct fuzz *f, enum fd_kind kind)
{
	int i, start;

	switch (kind) {
	case FD_DEV:
		return f->dev;
	case FD_VM:
		start = below(f, MAX_VMS);
		for (i = 0; i < MAX_VMS; i++)
			if (f->vms[(start + i) % MAX_VMS] >= 0)
				return f->vms[(start + i) % MAX_VMS];
		return f->vms[0];
	case FD_VCPU:
		start = below(f, MAX_VCPUS);
		for (i = 0; i < MAX_VCPUS; i++)
			if (f->vcpus[(start + i) % MAX_VCPUS].fd >= 0)
				return f->vcpus[(start + i) % MAX_VCPUS].fd;
		return -1;
	case FD_OTHER:
		return chance(f, 50) ? f->efds[below(f, 4)] : f->pipe[0];
	default:
		return chance(f, 50) ? -1 : 999999;
	}
}

/*
 * The fd an ioctl meant for @kind goes to: nine times in ten one of that
 * kind, else any other. Returns the kind chosen.
 */
static enum fd_kind pick_fd(struct fuzz *f, enum fd_kind kind, int *fd)
{
	enum fd_kind k = kind;

	if (chance(f, 10))
		k = below(f, FD_NR_KINDS);
	*fd = fd_of_kind(f, k);
	if (*fd < 0)
		k = FD_BAD;
	return k;
}

/*
 * One ioctl, judged: success, or an errno in @allowed (on the fd kind it
 * was meant for), ENOTTY on another kind of fd, EBADF on no fd.
 */
static long fz_ioctl(struct fuzz *f, enum fz_op op, enum fd_kind want,
		     enum fd_kind got, int fd, unsigned long cmd,
		     unsigned long arg, u64 allowed)
{
	long ret;
	int err;
	u64 t;

	f->calls++;
	op_calls[op]++;
	t = host_now_ns();
	ret = ioctl(fd, cmd, arg);
	err = errno;
	t = host_now_ns() - t;
	op_ns[op] += t;
	if (t > op_max_ns[op])
		op_max_ns[op] = t;
	if (got == FD_BAD)
		allowed = E(EBADF);
	else if (got != want)
		allowed = E(ENOTTY);
	if (ret >= 0 && got != want) {
		fz_fail(f, "%s on the wrong kind of fd (%d) succeeded: %ld",
			op_names[op], got, ret);
	} else if (ret >= 0) {
		f->ok++;
		op_ok[op]++;
	} else if (err >= 64 || !(allowed & E(err))) {
		fz_fail(f, "%s (cmd %#lx, fd kind %d, arg %#lx): errno %d (%s), not documented",
			op_names[op], cmd, got, arg, err, strerror(err));
	}
	errno = err;
	return ret;
}

/* ---- /dev/hyv ------------------------------------------------------------ */

static void op_dev_value(struct fuzz *f, enum fz_op op)
{
	static const unsigned long cmds[] = {
		[OP_API_VERSION] = HYV_GET_API_VERSION,
		[OP_MMAP_SIZE] = HYV_GET_VCPU_MMAP_SIZE,
		[OP_CHECK_CAP] = HYV_CHECK_CAP,
	};
	unsigned long arg = chance(f, 70) ? 0 : bad_value(f);
	enum fd_kind k;
	long ret;
	int fd;

	if (op == OP_CHECK_CAP && chance(f, 70))
		arg = below(f, HYV_CAP_NR + 3);
	k = pick_fd(f, FD_DEV, &fd);
	ret = fz_ioctl(f, op, FD_DEV, k, fd, cmds[op], arg, E(EINVAL));
	if (op == OP_API_VERSION && ret >= 0 && ret != HYV_API_VERSION)
		fz_fail(f, "GET_API_VERSION returned %ld", ret);
}

static int vm_slot_free(struct fuzz *f)
{
	int i;

	for (i = 1; i < MAX_VMS; i++)
		if (f->vms[i] < 0)
			return i;
	return -1;
}

static void op_create_vm(struct fuzz *f)
{
	unsigned long arg = chance(f, 80) ? 0 : bad_value(f);
	int i = vm_slot_free(f), fd;
	enum fd_kind k;
	long ret;

	if (i < 0) {		/* full: close one instead */
		i = 1 + below(f, MAX_VMS - 1);
		close(f->vms[i]);
		f->vms[i] = -1;
		return;
	}
	k = pick_fd(f, FD_DEV, &fd);
	ret = fz_ioctl(f, OP_CREATE_VM, FD_DEV, k, fd, HYV_CREATE_VM, arg,
		       E(EINVAL) | E(ENOMEM) | E(EMFILE));
	if (ret >= 0)
		f->vms[i] = ret;
}

/* GET_SUPPORTED_CPUID, GET_MSR_INDEX_LIST, GET_CPUID: nent + array. */
static void op_list(struct fuzz *f, enum fz_op op, enum fd_kind want,
		    unsigned long cmd, size_t entry)
{
	u32 n = chance(f, 50) ? below(f, 300) : bad_value(f);
	size_t room = (ARG_SIZE - 8) / entry;
	u32 *hdr = arg_at_end(f, 8 + entry * (n < room ? n : room));
	void *p = hdr;
	enum fd_kind k;
	int fd;

	hdr[0] = n;
	hdr[1] = chance(f, 85) ? 0 : bad_value(f);
	if (chance(f, 5))
		p = bad_pointer(f, 8);
	k = pick_fd(f, want, &fd);
	fz_ioctl(f, op, want, k, fd, cmd, (unsigned long)p,
		 E(E2BIG) | E(EINVAL) | EPTR);
}

/* ---- VM fd ---------------------------------------------------------------- */

static void add_vcpu(struct fuzz *f, int fd)
{
	int i;

	for (i = 0; i < MAX_VCPUS; i++) {
		if (f->vcpus[i].fd >= 0)
			continue;
		f->vcpus[i].fd = fd;
		f->vcpus[i].cpuid_set = false;
		f->vcpus[i].undefined = false;
		f->vcpus[i].run = mmap(NULL, f->run_size, PROT_READ | PROT_WRITE,
				       MAP_SHARED, fd, 0);
		if (f->vcpus[i].run == MAP_FAILED) {
			fz_fail(f, "mmap of a new vCPU's run page: %s",
				strerror(errno));
			f->vcpus[i].run = NULL;
		}
		return;
	}
	close(fd);
}

static void op_create_vcpu(struct fuzz *f)
{
	unsigned long id = chance(f, 80) ? below(f, HYV_MAX_VCPUS + 4) :
					   bad_value(f);
	enum fd_kind k;
	long ret;
	int fd;

	k = pick_fd(f, FD_VM, &fd);
	ret = fz_ioctl(f, OP_CREATE_VCPU, FD_VM, k, fd, HYV_CREATE_VCPU, id,
		       E(EINVAL) | E(EEXIST) | E(ENOMEM) | E(EMFILE));
	if (ret >= 0)
		add_vcpu(f, ret);
}

/* Guest-physical addresses worth trying: edges, the limit, unaligned. */
static u64 fuzz_gpa(struct fuzz *f)
{
	static const u64 edges[] = {
		0, 0x1000, 0x200000, HYV_DEFAULT_MEM_SIZE,
		HYV_DEFAULT_MEM_SIZE - 0x1000, MMIO_GPA, 0xfee00000,
		0xfec00000, 1ULL << 32, (1ULL << HYV_GUEST_PHYS_BITS) - 0x1000,
		1ULL << HYV_GUEST_PHYS_BITS, 1ULL << 52, ~0ULL & ~0xfffULL,
	};

	switch (below(f, 4)) {
	case 0:
		return edges[below(f, ARRAY_SIZE(edges))];
	case 1:
		return below(f, 1ULL << 31) & ~0xfffULL;
	case 2:
		return MMIO_GPA + (below(f, 16) << 21);
	default:
		return bad_value(f);
	}
}

static u64 fuzz_size(struct fuzz *f)
{
	static const u64 sizes[] = {
		0, 0x1000, 0x2000, 0x200000, 0x400000, ARENA_SIZE,
		HYV_MAX_SLOT_PAGES << 12, (HYV_MAX_SLOT_PAGES + 1) << 12,
		~0ULL & ~0xfffULL,
	};

	if (chance(f, 70))
		return sizes[below(f, ARRAY_SIZE(sizes))];
	if (chance(f, 50))
		return (1 + below(f, 2048)) << 12;
	return bad_value(f);
}

static u64 fuzz_uaddr(struct fuzz *f, u64 size)
{
	u64 off;

	switch (below(f, 6)) {
	case 0:
	case 1:
	case 2:
		off = size < ARENA_SIZE ? below(f, ARENA_SIZE - size) : 0;
		return (u64)f->arena + (off & ~0xfffULL);
	case 3:
		return (u64)f->hole;
	case 4:
		return 0xffff888000000000ULL;
	default:
		return bad_value(f);
	}
}

static void op_set_slot(struct fuzz *f)
{
	struct hyv_memory_slot *s = arg_at_end(f, sizeof(*s));
	void *p = s;
	enum fd_kind k;
	int fd;

	s->slot = chance(f, 90) ? below(f, HYV_MAX_MEMORY_SLOTS) + 1 :
				  bad_value(f);
	if (chance(f, 3))
		s->slot = 0;	/* the fuzzed VM's main memory, too */
	s->flags = chance(f, 80) ? below(f, 4) : bad_value(f);
	s->guest_phys_addr = fuzz_gpa(f);
	s->size = fuzz_size(f);
	s->userspace_addr = fuzz_uaddr(f, s->size);
	if (chance(f, 3))
		p = bad_pointer(f, sizeof(*s));
	k = pick_fd(f, FD_VM, &fd);
	fz_ioctl(f, OP_SET_SLOT, FD_VM, k, fd, HYV_SET_MEMORY_SLOT,
		 (unsigned long)p, E(EINVAL) | E(EEXIST) | E(ENOMEM) | EPTR);
}

static void op_dirty_log(struct fuzz *f)
{
	struct hyv_dirty_log *d = arg_at_end(f, sizeof(*d));
	void *p = d;
	enum fd_kind k;
	int fd;

	d->slot = chance(f, 90) ? below(f, HYV_MAX_MEMORY_SLOTS + 2) :
				  bad_value(f);
	d->flags = chance(f, 90) ? 0 : bad_value(f);
	d->reserved = chance(f, 90) ? 0 : bad_value(f);
	d->bitmap = chance(f, 80) ? (u64)f->arg : (u64)bad_pointer(f, 8);
	if (chance(f, 3))
		p = bad_pointer(f, sizeof(*d));
	k = pick_fd(f, FD_VM, &fd);
	fz_ioctl(f, OP_DIRTY_LOG, FD_VM, k, fd, HYV_GET_DIRTY_LOG,
		 (unsigned long)p, E(EINVAL) | E(ENOENT) | EPTR);
}

static void op_stats(struct fuzz *f)
{
	struct hyv_vm_stats *st = arg_at_end(f, sizeof(*st));
	void *p = st;
	enum fd_kind k;
	int fd;

	memset(st, 0, sizeof(*st));
	if (chance(f, 20))
		st->flags = bad_value(f);
	if (chance(f, 5))
		p = chance(f, 50) ? (void *)f->ro : bad_pointer(f, sizeof(*st));
	k = pick_fd(f, FD_VM, &fd);
	fz_ioctl(f, OP_STATS, FD_VM, k, fd, HYV_GET_STATS, (unsigned long)p,
		 E(EINVAL) | EPTR);
}

/* An fd for a binding: mostly an eventfd, or a pipe, a closed fd, -1. */
static int binding_fd(struct fuzz *f)
{
	if (chance(f, 80))
		return f->efds[below(f, 4)];
	if (chance(f, 50))
		return f->pipe[1];
	return chance(f, 50) ? -1 : 888888;
}

static void op_doorbell(struct fuzz *f)
{
	struct hyv_doorbell *db = arg_at_end(f, sizeof(*db));
	void *p = db;
	enum fd_kind k;
	int fd;

	db->fd = binding_fd(f);
	db->flags = chance(f, 80) ? below(f, 2) : bad_value(f);
	db->device = chance(f, 80) ? below(f, 4) : bad_value(f);
	db->queue = chance(f, 80) ? below(f, 3) : bad_value(f);
	db->reserved = chance(f, 90) ? 0 : bad_value(f);
	if (chance(f, 3))
		p = bad_pointer(f, sizeof(*db));
	k = pick_fd(f, FD_VM, &fd);
	fz_ioctl(f, OP_DOORBELL, FD_VM, k, fd, HYV_DOORBELL, (unsigned long)p,
		 E(EINVAL) | E(EBADF) | E(EEXIST) | E(ENOSPC) | E(ENOENT) |
		 EPTR);
}

/* MSI address/data: to a vCPU (0-3 or broadcast) or broken. */
static void fuzz_msi(struct fuzz *f, u64 *addr, u32 *data)
{
	*addr = 0xfee00000ULL | below(f, 5) << 12;
	if (chance(f, 10))
		*addr |= 0xff << 12;
	if (chance(f, 10))
		*addr = bad_value(f);
	*data = 32 + below(f, 224);
	if (chance(f, 10))
		*data |= below(f, 8) << 8;	/* NMI, INIT, SIPI... */
	if (chance(f, 5))
		*data = bad_value(f);
}

static void op_irqfd(struct fuzz *f)
{
	struct hyv_irqfd *irq = arg_at_end(f, sizeof(*irq));
	void *p = irq;
	enum fd_kind k;
	int fd;

	irq->fd = binding_fd(f);
	irq->flags = chance(f, 80) ? below(f, 2) : bad_value(f);
	fuzz_msi(f, &irq->msi_address, &irq->msi_data);
	irq->padding = chance(f, 90) ? 0 : bad_value(f);
	irq->reserved = chance(f, 90) ? 0 : bad_value(f);
	if (chance(f, 3))
		p = bad_pointer(f, sizeof(*irq));
	k = pick_fd(f, FD_VM, &fd);
	fz_ioctl(f, OP_IRQFD, FD_VM, k, fd, HYV_IRQFD, (unsigned long)p,
		 E(EINVAL) | E(EBADF) | E(EEXIST) | E(ENOSPC) | E(ENOENT) |
		 EPTR);
}

static void op_signal_msi(struct fuzz *f)
{
	struct hyv_msi *msi = arg_at_end(f, sizeof(*msi));
	void *p = msi;
	enum fd_kind k;
	int fd;

	fuzz_msi(f, &msi->address, &msi->data);
	msi->flags = chance(f, 90) ? 0 : bad_value(f);
	msi->reserved = chance(f, 90) ? 0 : bad_value(f);
	if (chance(f, 3))
		p = bad_pointer(f, sizeof(*msi));
	k = pick_fd(f, FD_VM, &fd);
	fz_ioctl(f, OP_SIGNAL_MSI, FD_VM, k, fd, HYV_SIGNAL_MSI,
		 (unsigned long)p, E(EINVAL) | E(ENOENT) | EPTR);
}

static void op_tsc_khz(struct fuzz *f)
{
	enum fd_kind k;
	int fd;

	k = pick_fd(f, FD_VM, &fd);
	fz_ioctl(f, OP_TSC_KHZ, FD_VM, k, fd, HYV_GET_TSC_KHZ,
		 chance(f, 70) ? 0 : bad_value(f), E(EINVAL));
}

/* ---- vCPU fd -------------------------------------------------------------- */

static struct fz_vcpu *vcpu_of_fd(struct fuzz *f, int fd)
{
	int i;

	for (i = 0; i < MAX_VCPUS; i++)
		if (f->vcpus[i].fd == fd && fd >= 0)
			return &f->vcpus[i];
	return NULL;
}

static void alarm_handler(int sig)
{
	(void)sig;
}

/* RUN, cut short by a timer; userspace's half of the exit done at random. */
static void op_run(struct fuzz *f)
{
	/*
	 * Periodic: a signal handled just before RUN began would otherwise
	 * leave a halted vCPU asleep for good.
	 */
	struct itimerval it = {
		.it_value = { .tv_usec = FUZZ_RUN_TIMEOUT_US },
		.it_interval = { .tv_usec = FUZZ_RUN_TIMEOUT_US },
	};
	struct itimerval off = {};
	unsigned long arg = chance(f, 95) ? 0 : bad_value(f);
	struct fz_vcpu *v;
	enum fd_kind k;
	struct hyv_run *run;
	long ret;
	int fd;

	k = pick_fd(f, FD_VCPU, &fd);
	v = vcpu_of_fd(f, fd);
	run = v ? v->run : NULL;
	if (run)
		run->immediate_exit = chance(f, 5);
	setitimer(ITIMER_REAL, &it, NULL);
	ret = fz_ioctl(f, OP_RUN, FD_VCPU, k, fd, HYV_RUN, arg,
		       E(EINVAL) | E(EINTR) | E(EFAULT));
	setitimer(ITIMER_REAL, &off, NULL);
	if (!run)
		return;
	run->immediate_exit = 0;
	if (ret < 0)
		return;
	if (run->exit_reason == HYV_EXIT_SHUTDOWN)
		v->undefined = true;
	switch (run->exit_reason) {
	case HYV_EXIT_IO:
		run->io.data = rnd(f);
		break;
	case HYV_EXIT_MMIO:
		run->mmio.data = rnd(f);
		break;
	case HYV_EXIT_HLT:
	case HYV_EXIT_SHUTDOWN:
	case HYV_EXIT_FAIL_ENTRY:
	case HYV_EXIT_INTERNAL_ERROR:
		break;
	default:
		fz_fail(f, "RUN returned 0 with exit reason %u",
			run->exit_reason);
	}
}

/*
 * GET then SET of a fixed-size state struct, the SET's copy with one
 * field broken now and then (or a bad pointer). What a GET returned, a
 * SET of the same vCPU must take back unchanged: a VMM saves and
 * restores vCPUs that way.
 */
static void op_get_set(struct fuzz *f, enum fz_op op, unsigned long get,
		       unsigned long set, size_t len,
		       void (*mutate)(struct fuzz *f, void *p), u64 allowed)
{
	void *p = arg_at_end(f, len), *gp = p;
	bool intact = true;
	enum fd_kind k;
	long ret;
	int fd;

	k = pick_fd(f, FD_VCPU, &fd);
	memset(p, 0, len);
	if (chance(f, 3)) {
		gp = chance(f, 50) ? (void *)f->ro : bad_pointer(f, len);
		intact = false;
	}
	ret = fz_ioctl(f, op, FD_VCPU, k, fd, get, (unsigned long)gp, EPTR);
	if (ret < 0 && chance(f, 50))
		return;
	if (ret < 0 || k != FD_VCPU)
		intact = false;
	if (chance(f, 60)) {
		mutate(f, p);
		intact = false;
	}
	if (chance(f, 3)) {
		p = bad_pointer(f, len);
		intact = false;
	}
	ret = fz_ioctl(f, op, FD_VCPU, k, fd, set, (unsigned long)p,
		       allowed | EPTR);
	if (op == OP_SREGS && ret >= 0 && vcpu_of_fd(f, fd))
		vcpu_of_fd(f, fd)->undefined = false;
	if (!intact || ret >= 0)
		return;
	/*
	 * SET_CPUID may take features away under state that uses them
	 * (EFER.LME without long mode...); SET_SREGS then refuses that
	 * state, as it must. Counted, not failed (see the summary).
	 */
	if (op == OP_SREGS && vcpu_of_fd(f, fd) && vcpu_of_fd(f, fd)->cpuid_set) {
		f->sregs_after_cpuid++;
		return;
	}
	/*
	 * After a triple fault the state is undefined until the VMM sets it
	 * (docs/abi.md): counted, not failed. A failed entry leaves the
	 * state the VMM set, which must go back in (under QEMU's TCG that
	 * takes hyv's svm_quirk_vmrun_err_writes_save).
	 */
	if (op == OP_SREGS && vcpu_of_fd(f, fd) && vcpu_of_fd(f, fd)->undefined) {
		f->sregs_undefined++;
		return;
	}
	if (op == OP_SREGS) {
		const struct hyv_sregs *s = arg_at_end(f, len);

		fz_fail(f, "%s: SET refused GET's (%d): cr0 %#llx cr4 %#llx efer %#llx",
			op_names[op], errno, s->cr0, s->cr4, s->efer);
		return;
	}
	fz_fail(f, "%s: SET refused what GET returned (errno %d, %s)",
		op_names[op], errno, strerror(errno));
}

static void mutate_regs(struct fuzz *f, void *p)
{
	struct hyv_regs *r = p;

	switch (below(f, 6)) {
	case 0:
		r->flags = bad_value(f);
		break;
	case 1:
		r->reserved = bad_value(f);
		break;
	case 2:
		r->rflags ^= 1ULL << below(f, 64);
		break;
	case 3:
		r->rip = chance(f, 50) ? bad_value(f) : r->rip + below(f, 16);
		break;
	default:
		break_bytes(f, r, offsetof(struct hyv_regs, flags));
	}
}

static void mutate_segment(struct fuzz *f, struct hyv_segment *s)
{
	switch (below(f, 5)) {
	case 0:
		s->type = bad_value(f);
		break;
	case 1:
		s->dpl = bad_value(f);
		break;
	case 2:
		s->padding = bad_value(f);
		break;
	case 3:
		s->base = bad_value(f);
		break;
	default:
		break_bytes(f, s, sizeof(*s));
	}
}

static void mutate_sregs(struct fuzz *f, void *p)
{
	struct hyv_sregs *s = p;
	struct hyv_segment *segs = &s->cs;

	switch (below(f, 10)) {
	case 0:
		mutate_segment(f, &segs[below(f, 8)]);
		break;
	case 1:
		s->cr0 ^= 1ULL << below(f, 64);
		break;
	case 2:
		s->cr4 ^= 1ULL << below(f, 64);
		break;
	case 3:
		s->efer ^= 1ULL << below(f, 64);
		break;
	case 4:
		s->cr3 = bad_value(f);
		break;
	case 5:
		s->cr8 = bad_value(f);
		break;
	case 6:
		s->flags = bad_value(f);
		break;
	case 7:
		s->reserved[below(f, 4)] = bad_value(f);
		break;
	case 8:
		s->gdt.padding[below(f, 3)] = bad_value(f);
		break;
	default:
		break_bytes(f, s, sizeof(*s));
	}
}

static void mutate_xsave(struct fuzz *f, void *p)
{
	u8 *x = p;
	u64 *hdr = (u64 *)(x + 512);

	switch (below(f, 7)) {
	case 0:			/* XSTATE_BV */
		hdr[0] ^= 1ULL << below(f, 64);
		break;
	case 1:			/* XCOMP_BV */
		hdr[1] = bad_value(f);
		break;
	case 2:			/* the header's reserved bytes */
		x[512 + 16 + below(f, 48)] = rnd(f);
		break;
	case 3:			/* MXCSR */
		*(u32 *)(x + 24) ^= 1U << below(f, 32);
		break;
	case 4:			/* MXCSR_MASK */
		*(u32 *)(x + 28) = bad_value(f);
		break;
	case 5:			/* the legacy area */
		break_bytes(f, x, 512);
		break;
	default:		/* AVX and beyond */
		break_bytes(f, x + 576, 4096 - 576);
	}
}

static void mutate_fpu(struct fuzz *f, void *p)
{
	struct hyv_fpu *fpu = p;

	switch (below(f, 6)) {
	case 0:
		fpu->flags = bad_value(f);
		break;
	case 1:
		fpu->padding1 = bad_value(f);
		break;
	case 2:
		fpu->padding2 = bad_value(f);
		break;
	case 3:
	case 4:
		fpu->mxcsr ^= 1U << below(f, 32);
		break;
	default:
		break_bytes(f, fpu, offsetof(struct hyv_fpu, mxcsr));
	}
}

static void mutate_xcrs(struct fuzz *f, void *p)
{
	static const u64 xcr0s[] = { 1, 3, 5, 7, 0, 2, 6, 0x207, 0x1f };
	struct hyv_xcrs *x = p;

	x->nr_xcrs = chance(f, 70) ? 1 : bad_value(f);
	x->xcrs[0].value = xcr0s[below(f, ARRAY_SIZE(xcr0s))];
	if (chance(f, 20))
		x->xcrs[below(f, 16)].xcr = bad_value(f);
	if (chance(f, 20))
		x->xcrs[below(f, 16)].reserved = bad_value(f);
	if (chance(f, 10))
		x->flags = bad_value(f);
}

static void mutate_events(struct fuzz *f, void *p)
{
	struct hyv_vcpu_events *ev = p;

	memset(ev, 0, sizeof(*ev));
	switch (below(f, 4)) {
	case 0:
		ev->exception.pending = 1;
		ev->exception.vector = below(f, 34);
		ev->exception.has_error_code = below(f, 2);
		ev->exception.error_code = rnd(f);
		if (chance(f, 30)) {
			ev->flags = HYV_VCPU_EVENT_PAYLOAD;
			ev->exception.payload = rnd(f);
		}
		break;
	case 1:
		ev->interrupt.injected = 1;
		ev->interrupt.vector = below(f, 256);
		ev->interrupt.soft = below(f, 2);
		break;
	case 2:
		ev->nmi.pending = below(f, 2);
		ev->nmi.masked = below(f, 2);
		ev->interrupt.shadow = below(f, 2);
		break;
	default:
		break;
	}
	if (chance(f, 40))
		break_bytes(f, ev, sizeof(*ev));
}

static void mutate_mp(struct fuzz *f, void *p)
{
	struct hyv_mp_state *mp = p;

	mp->state = chance(f, 80) ? below(f, 5) : bad_value(f);
	if (chance(f, 10))
		mp->flags = bad_value(f);
}

static void op_interrupt(struct fuzz *f)
{
	struct hyv_interrupt *irq = arg_at_end(f, sizeof(*irq));
	void *p = irq;
	enum fd_kind k;
	int fd;

	irq->vector = chance(f, 80) ? below(f, 260) : bad_value(f);
	irq->flags = chance(f, 90) ? 0 : bad_value(f);
	if (chance(f, 3))
		p = bad_pointer(f, sizeof(*irq));
	k = pick_fd(f, FD_VCPU, &fd);
	fz_ioctl(f, OP_INTERRUPT, FD_VCPU, k, fd, HYV_INTERRUPT,
		 (unsigned long)p, E(EINVAL) | EPTR);
}

static void op_nmi(struct fuzz *f)
{
	enum fd_kind k;
	int fd;

	k = pick_fd(f, FD_VCPU, &fd);
	fz_ioctl(f, OP_NMI, FD_VCPU, k, fd, HYV_NMI,
		 chance(f, 80) ? 0 : bad_value(f), E(EINVAL));
}

static void op_cpuid(struct fuzz *f)
{
	struct hyv_cpuid *c;
	u32 n, i;
	void *p;
	enum fd_kind k;
	int fd;

	if (chance(f, 30)) {
		op_list(f, OP_CPUID, FD_VCPU, HYV_GET_CPUID,
			sizeof(struct hyv_cpuid_entry));
		return;
	}
	n = chance(f, 80) ? f->nr_cpuid : below(f, 300);
	if (n > f->nr_cpuid)
		n = f->nr_cpuid;
	c = arg_at_end(f, sizeof(*c) + n * sizeof(c->entries[0]));
	c->nent = n;
	c->flags = 0;
	for (i = 0; i < n; i++)
		c->entries[i] = f->cpuid[i];
	if (n && chance(f, 60))
		break_bytes(f, &c->entries[below(f, n)], sizeof(c->entries[0]));
	if (chance(f, 5))
		c->flags = bad_value(f);
	if (chance(f, 5))
		c->nent = bad_value(f);	/* past the buffer: EFAULT or E2BIG */
	p = chance(f, 3) ? bad_pointer(f, 8) : c;
	k = pick_fd(f, FD_VCPU, &fd);
	if (fz_ioctl(f, OP_CPUID, FD_VCPU, k, fd, HYV_SET_CPUID,
		     (unsigned long)p, E(EINVAL) | E(E2BIG) | E(ENOMEM) | E(EBUSY) | EPTR) >= 0 &&
	    vcpu_of_fd(f, fd))
		vcpu_of_fd(f, fd)->cpuid_set = true;
}

static void op_msrs(struct fuzz *f)
{
	u32 n = chance(f, 90) ? below(f, 40) : bad_value(f), room, i;
	bool set = chance(f, 50);
	struct hyv_msrs *m;
	enum fd_kind k;
	long ret;
	void *p;
	int fd;

	room = (ARG_SIZE - sizeof(*m)) / sizeof(m->entries[0]);
	m = arg_at_end(f, sizeof(*m) + (n < room ? n : room) *
		       sizeof(m->entries[0]));
	m->nmsrs = n;
	m->flags = chance(f, 95) ? 0 : bad_value(f);
	for (i = 0; i < n && i < room; i++) {
		m->entries[i].index = chance(f, 80) ?
			f->msrs[below(f, f->nr_msrs)] : bad_value(f);
		m->entries[i].reserved = chance(f, 97) ? 0 : bad_value(f);
		m->entries[i].data = chance(f, 50) ? below(f, 16) : bad_value(f);
	}
	p = chance(f, 3) ? bad_pointer(f, 8) : m;
	k = pick_fd(f, FD_VCPU, &fd);
	ret = fz_ioctl(f, OP_MSRS, FD_VCPU, k, fd,
		       set ? HYV_SET_MSRS : HYV_GET_MSRS, (unsigned long)p,
		       E(EINVAL) | E(E2BIG) | EPTR);
	if (ret > (long)n)
		fz_fail(f, "%s did %ld of %u MSRs", set ? "SET_MSRS" : "GET_MSRS",
			ret, n);
}

static void op_vcpu(struct fuzz *f, enum fz_op op)
{
	switch (op) {
	case OP_REGS:
		op_get_set(f, op, HYV_GET_REGS, HYV_SET_REGS,
			   sizeof(struct hyv_regs), mutate_regs, E(EINVAL));
		break;
	case OP_SREGS:
		op_get_set(f, op, HYV_GET_SREGS, HYV_SET_SREGS,
			   sizeof(struct hyv_sregs), mutate_sregs, E(EINVAL));
		break;
	case OP_MP_STATE:
		op_get_set(f, op, HYV_GET_MP_STATE, HYV_SET_MP_STATE,
			   sizeof(struct hyv_mp_state), mutate_mp, E(EINVAL));
		break;
	case OP_XSAVE:
		op_get_set(f, op, HYV_GET_XSAVE, HYV_SET_XSAVE,
			   sizeof(struct hyv_xsave), mutate_xsave, E(EINVAL));
		break;
	case OP_FPU:
		op_get_set(f, op, HYV_GET_FPU, HYV_SET_FPU,
			   sizeof(struct hyv_fpu), mutate_fpu, E(EINVAL));
		break;
	case OP_XCRS:
		op_get_set(f, op, HYV_GET_XCRS, HYV_SET_XCRS,
			   sizeof(struct hyv_xcrs), mutate_xcrs, E(EINVAL));
		break;
	case OP_EVENTS:
		op_get_set(f, op, HYV_GET_VCPU_EVENTS, HYV_SET_VCPU_EVENTS,
			   sizeof(struct hyv_vcpu_events), mutate_events,
			   E(EINVAL));
		break;
	default:
		break;
	}
}

/* ---- Other hostility: closing fds, eventfd signals, memory going away ---- */

static void op_close(struct fuzz *f)
{
	int i;

	if (chance(f, 30)) {
		i = 1 + below(f, MAX_VMS - 1);
		if (f->vms[i] >= 0) {
			close(f->vms[i]);
			f->vms[i] = -1;
		}
		return;
	}
	i = below(f, MAX_VCPUS);
	if (i < 2 || f->vcpus[i].fd < 0)	/* 0, 1: the library's vCPUs */
		return;
	if (f->vcpus[i].run)
		munmap(f->vcpus[i].run, f->run_size);
	close(f->vcpus[i].fd);
	f->vcpus[i].fd = -1;
	f->vcpus[i].run = NULL;
	op_calls[OP_CLOSE]++;
	op_ok[OP_CLOSE]++;
}

static void op_eventfd_write(struct fuzz *f)
{
	u64 one = 1;

	if (write(f->efds[below(f, 4)], &one, sizeof(one)) == sizeof(one)) {
		op_calls[OP_EVENTFD_WRITE]++;
		op_ok[OP_EVENTFD_WRITE]++;
	}
}

static void op_madvise(struct fuzz *f)
{
	u64 off = below(f, ARENA_SIZE / 4096) * 4096;
	u64 len = (1 + below(f, 512)) * 4096;

	if (off + len > ARENA_SIZE)
		len = ARENA_SIZE - off;
	if (!madvise(f->arena + off, len, MADV_DONTNEED)) {
		op_calls[OP_MADVISE]++;
		op_ok[OP_MADVISE]++;
	}
}

static void fuzz_one(struct fuzz *f)
{
	enum fz_op op = below(f, OP_NR);

	switch (op) {
	case OP_API_VERSION:
	case OP_MMAP_SIZE:
	case OP_CHECK_CAP:
		op_dev_value(f, op);
		break;
	case OP_CREATE_VM:
		op_create_vm(f);
		break;
	case OP_SUPPORTED_CPUID:
		op_list(f, op, FD_DEV, HYV_GET_SUPPORTED_CPUID,
			sizeof(struct hyv_cpuid_entry));
		break;
	case OP_MSR_INDEX_LIST:
		op_list(f, op, FD_DEV, HYV_GET_MSR_INDEX_LIST, sizeof(u32));
		break;
	case OP_CREATE_VCPU:
		op_create_vcpu(f);
		break;
	case OP_SET_SLOT:
		op_set_slot(f);
		break;
	case OP_DIRTY_LOG:
		op_dirty_log(f);
		break;
	case OP_STATS:
		op_stats(f);
		break;
	case OP_DOORBELL:
		op_doorbell(f);
		break;
	case OP_IRQFD:
		op_irqfd(f);
		break;
	case OP_SIGNAL_MSI:
		op_signal_msi(f);
		break;
	case OP_TSC_KHZ:
		op_tsc_khz(f);
		break;
	case OP_RUN:
		op_run(f);
		break;
	case OP_INTERRUPT:
		op_interrupt(f);
		break;
	case OP_CPUID:
		op_cpuid(f);
		break;
	case OP_MSRS:
		op_msrs(f);
		break;
	case OP_NMI:
		op_nmi(f);
		break;
	case OP_CLOSE:
		op_close(f);
		break;
	case OP_EVENTFD_WRITE:
		op_eventfd_write(f);
		break;
	case OP_MADVISE:
		op_madvise(f);
		break;
	default:
		op_vcpu(f, op);
	}
	/* RUN is what makes state matter: one in every few calls. */
	if (chance(f, 12))
		op_run(f);
}

/* ---- Setup, the kernel log, the end ---------------------------------------- */

static void fuzz_setup(struct fuzz *f, struct hyv_vm *vm)
{
	struct hyv_cpuid *c;
	struct hyv_msr_list *l;
	struct sigaction sa = { .sa_handler = alarm_handler };	/* no SA_RESTART */
	const char *s;
	int i;

	s = getenv("HYV_FUZZ_SEED");
	f->seed = s ? strtoull(s, NULL, 0) : (host_now_ns() ^ (u64)getpid() << 32);
	f->rng = f->seed ? f->seed : 1;
	f->vm = vm;
	f->dev = vm->dev_fd;
	for (i = 0; i < MAX_VMS; i++)
		f->vms[i] = -1;
	f->vms[0] = vm->fd;
	for (i = 0; i < MAX_VCPUS; i++)
		f->vcpus[i].fd = -1;
	for (i = 0; i < 4; i++) {
		f->efds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		HYV_ASSERT(f->efds[i] >= 0, "eventfd");
	}
	HYV_ASSERT(!pipe2(f->pipe, O_CLOEXEC | O_NONBLOCK), "pipe");
	f->run_size = ioctl(f->dev, HYV_GET_VCPU_MMAP_SIZE, 0);

	f->arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->hole = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	f->arg = mmap(NULL, ARG_SIZE + 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HYV_ASSERT(f->arena != MAP_FAILED && f->hole != MAP_FAILED &&
		   f->arg != MAP_FAILED && f->ro != MAP_FAILED, "mmap");
	HYV_ASSERT(!munmap(f->hole, 1 << 20), "munmap");
	HYV_ASSERT(!mprotect(f->arg + ARG_SIZE, 4096, PROT_NONE), "mprotect");

	c = (void *)f->arg;
	c->nent = HYV_MAX_CPUID_ENTRIES;
	c->flags = 0;
	HYV_ASSERT(!ioctl(f->dev, HYV_GET_SUPPORTED_CPUID, c),
		   "GET_SUPPORTED_CPUID");
	f->nr_cpuid = c->nent;
	memcpy(f->cpuid, c->entries, c->nent * sizeof(c->entries[0]));
	l = (void *)f->arg;
	l->nmsrs = ARRAY_SIZE(f->msrs);
	l->flags = 0;
	HYV_ASSERT(!ioctl(f->dev, HYV_GET_MSR_INDEX_LIST, l),
		   "GET_MSR_INDEX_LIST");
	f->nr_msrs = l->nmsrs;
	memcpy(f->msrs, l->indices, l->nmsrs * sizeof(u32));
	/* x2APIC registers are MSRs too, though not listed. */
	for (i = 0; i < 64 && f->nr_msrs < ARRAY_SIZE(f->msrs); i++)
		f->msrs[f->nr_msrs++] = 0x800 + i;

	sigemptyset(&sa.sa_mask);
	HYV_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");
}

/*
 * The kernel log from now on: /dev/kmsg read from its end. Returns the fd
 * (or -1 when there is no /dev/kmsg: the console judge still looks).
 */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* How many kernel reports arrived since kmsg_open(); prints them. */
static int kmsg_reports(int fd)
{
	static const char * const kinds[] = {
		"WARNING:", "BUG:", "Oops", "general protection fault",
		"Bad FPU state", "kernel BUG", "Call Trace", "KASAN", "UBSAN",
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
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, "traps:"))
			continue;	/* a user program's fault, not the kernel's */
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

/*
 * A line in the kernel log (so in the testbed's console log, passed or
 * not): the seed and the counts of every run stay on record.
 */
static void kmsg_note(const char *fmt, ...) __printf(1, 2);
static void kmsg_note(const char *fmt, ...)
{
	char line[256];
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

static u64 fuzz_iterations(void)
{
	const char *s = getenv("HYV_FUZZ_ITERS");

	if (s)
		return strtoull(s, NULL, 0);
	return hyv_check_cap(HYV_CAP_BACKEND) == HYV_BACKEND_VMX ?
		FUZZ_ITERS_VMX : FUZZ_ITERS_SVM;
}

/* Put the fuzzed VM back: its own slot 0 (memory as created), no other slot. */
static void fuzz_restore_vm(struct fuzz *f, const u8 *pristine)
{
	struct hyv_memory_slot s = {};
	int i;

	for (i = 0; i < MAX_VCPUS; i++) {
		if (f->vcpus[i].fd < 0 || i < 2)
			continue;
		if (f->vcpus[i].run)
			munmap(f->vcpus[i].run, f->run_size);
		close(f->vcpus[i].fd);
		f->vcpus[i].fd = -1;
	}
	for (i = 1; i < HYV_MAX_MEMORY_SLOTS; i++) {
		s.slot = i;
		ioctl(f->vm->fd, HYV_SET_MEMORY_SLOT, &s);	/* may be unused */
	}
	memcpy(f->vm->mem, pristine, f->vm->mem_size);
	hyv_vm_set_slot(f->vm, 0, 0, f->vm->mem_size, f->vm->mem);
}

static void fuzz_teardown(struct fuzz *f)
{
	int i;

	for (i = 1; i < MAX_VMS; i++)
		if (f->vms[i] >= 0)
			close(f->vms[i]);
	for (i = 0; i < 4; i++)
		close(f->efds[i]);
	close(f->pipe[0]);
	close(f->pipe[1]);
	munmap(f->arena, ARENA_SIZE);
	munmap(f->arg, ARG_SIZE + 4096);
	munmap(f->ro, 8192);
}

TEST(fuzzed_ioctls_return_documented_errnos_and_vms_keep_working)
{
	static struct fuzz fz;
	struct fuzz *f = &fz;
	struct hyv_vcpu *canary, *v0, *v1, *known;
	struct hyv_vm *vm;
	u64 iters, canary_round = 0, t0, secs, i;
	int kmsg = kmsg_open(), op;
	char why[256];
	u8 *pristine;

	canary = hyv_vm_create_with_vcpu(guest_known);
	vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	v0 = hyv_vcpu_add(vm, 0, guest_fuzz);
	v1 = hyv_vcpu_add(vm, 1, guest_fuzz);
	pristine = malloc(vm->mem_size);
	ASSERT_NE(NULL, pristine);
	memcpy(pristine, vm->mem, vm->mem_size);

	fuzz_setup(f, vm);
	f->vcpus[0] = (struct fz_vcpu){ .fd = v0->fd, .run = v0->run };
	f->vcpus[1] = (struct fz_vcpu){ .fd = v1->fd, .run = v1->run };
	iters = fuzz_iterations();
	printf("# fuzz seed %llu (replay: HYV_FUZZ_SEED=%llu), %llu calls\n",
	       f->seed, f->seed, iters);
	/* On the console before anything can go wrong: a hung machine too. */
	kmsg_note("fuzz_test: seed %llu, %llu rounds", f->seed, iters);
	fflush(stdout);

	t0 = host_now_ns();
	for (f->iter = 0; f->iter < iters; f->iter++) {
		fuzz_one(f);
		if (f->iter % FUZZ_CANARY_EVERY == 0) {
			if (!known_check(canary, canary_round++, why, sizeof(why)))
				fz_fail(f, "the canary VM: %s", why);
		}
		if (f->failures > 50)
			break;
		if (f->iter % 5000 == 4999) {
			printf("# %llu calls, %llu s\n", f->iter + 1,
			       (host_now_ns() - t0) / 1000000000ULL);
			fflush(stdout);
		}
		if ((f->iter & 255) == 0 &&
		    host_now_ns() - t0 > FUZZ_DEADLINE_S * 1000000000ULL) {
			printf("# deadline: stopped after %llu calls\n", f->iter);
			break;
		}
	}
	secs = (host_now_ns() - t0) / 1000000000ULL;
	kmsg_note("fuzz_test: seed %llu, %llu ioctls in %llu s, %llu ok, %llu failed; %s %llu %llu",
		  f->seed, f->calls, secs, f->ok, f->failures,
		  "SREGS refused after SET_CPUID, SHUTDOWN",
		  f->sregs_after_cpuid, f->sregs_undefined);
	printf("# %llu ioctls in %llu s, %llu succeeded, %llu canary rounds\n",
	       f->calls, secs, f->ok, canary_round);
	printf("# SET_SREGS refused GET_SREGS's state: after SET_CPUID %llu, %s %llu\n",
	       f->sregs_after_cpuid, "after SHUTDOWN",
	       f->sregs_undefined);
	for (op = 0; op < OP_NR; op++)
		printf("#   %-22s %6llu calls %6llu ok %8llu ms in all, %6llu ms at most\n",
		       op_names[op], op_calls[op], op_ok[op],
		       op_ns[op] / 1000000, op_max_ns[op] / 1000000);

	/* The fuzzer reached past the argument checks of what matters. */
	if (f->iter == iters && iters >= 1000) {
		static const enum fz_op must_work[] = {
			OP_CREATE_VCPU, OP_SET_SLOT, OP_RUN, OP_REGS, OP_SREGS,
			OP_IRQFD, OP_DOORBELL, OP_MSRS, OP_XSAVE, OP_FPU,
			OP_EVENTS, OP_CPUID,
		};

		for (i = 0; i < ARRAY_SIZE(must_work); i++)
			EXPECT_NE(0, op_ok[must_work[i]])
				TH_LOG("%s never succeeded", op_names[must_work[i]]);
	}

	/* Afterwards: the canary goes on, the fuzzed VM runs a known guest. */
	EXPECT_TRUE(known_check(canary, canary_round, why, sizeof(why)))
		TH_LOG("the canary VM after fuzzing: %s", why);
	fuzz_restore_vm(f, pristine);
	hyv_vcpu_free(v0);
	hyv_vcpu_free(v1);
	known = hyv_vcpu_add(vm, 0, guest_known);
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(known_check(known, i, why, sizeof(why)))
			TH_LOG("the fuzzed VM after fuzzing: %s", why);
	hyv_vcpu_free(known);
	hyv_vm_free(vm);
	hyv_vm_free_with_vcpu(canary);
	free(pristine);
	fuzz_teardown(f);

	for (i = 0; i < f->failures && i < ARRAY_SIZE(f->first_failure); i++)
		TH_LOG("%s", f->first_failure[i]);
	EXPECT_EQ(0, f->failures) TH_LOG("seed %llu", f->seed);
	EXPECT_EQ(0, kmsg_reports(kmsg))
		TH_LOG("kernel reports while fuzzing (seed %llu)", f->seed);
}

/* ---- What the fuzzer found: MXCSR and XSAVE images (regressions) ------- */

#define XSAVE_MXCSR		24	/* byte offsets in the legacy area */
#define XSAVE_MXCSR_MASK	28
#define XSAVE_HDR		512
#define MXCSR_DEFAULT		0x1f80U
#define MXCSR_FZ		0x8000U

/* The MXCSR bits this CPU has (SDM vol. 1 §11.6.6), as FXSAVE says. */
static u32 host_mxcsr_mask(void)
{
	static u8 fx[512] __aligned(16);

	memset(fx, 0, sizeof(fx));
	asm volatile("fxsave %0" : "=m"(fx));
	return *(u32 *)(fx + XSAVE_MXCSR_MASK) ?: 0xffbf;
}

static void guest_read_mxcsr(void)
{
	u32 mxcsr;

	for (;;) {
		asm volatile("stmxcsr %0" : "=m"(mxcsr));
		GUEST_SYNC(mxcsr);
	}
}

/*
 * The fuzzer's find: SET_XSAVE copies the image's MXCSR_MASK field into
 * the vCPU's state (XRSTOR ignores that field, so the kernel lets it
 * through), and SET_FPU used to check MXCSR against that field. So an
 * image claiming every bit valid let SET_FPU store reserved MXCSR bits,
 * and the host's XRSTOR of the guest state took #GP at the next RUN
 * ("Bad FPU state detected" and a WARN). SET_FPU checks the CPU's own
 * mask now.
 */
TEST(set_fpu_refuses_reserved_mxcsr_bits_even_after_a_forged_mxcsr_mask)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_mxcsr);
	u32 mask = host_mxcsr_mask(), bad = ~mask & -~mask;	/* lowest bad bit */
	int kmsg = kmsg_open();
	struct hyv_xsave *xs;
	struct hyv_fpu fpu;

	xs = calloc(1, sizeof(*xs));
	ASSERT_NE(NULL, xs);
	ASSERT_NE(0, bad);
	EXPECT_EQ(MXCSR_DEFAULT, hyv_vcpu_run_sync(vcpu));

	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_XSAVE, xs));
	*(u32 *)((u8 *)xs + XSAVE_MXCSR_MASK) = 0xffffffff;
	*(u64 *)((u8 *)xs + XSAVE_HDR) |= 1;	/* XSTATE_BV: x87 */
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_SET_XSAVE, xs));

	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_FPU, &fpu));
	fpu.mxcsr = MXCSR_DEFAULT | bad;
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_FPU, &fpu))
		TH_LOG("MXCSR %#x accepted (the CPU's mask is %#x)", fpu.mxcsr,
		       mask);
	EXPECT_EQ(EINVAL, errno);
	/* Whatever SET_FPU did, the host survives the next entry. */
	EXPECT_EQ(MXCSR_DEFAULT, hyv_vcpu_run_sync(vcpu));

	/* A valid MXCSR still goes through, to the guest's STMXCSR. */
	fpu.mxcsr = MXCSR_DEFAULT | MXCSR_FZ;
	EXPECT_EQ(0, ioctl(vcpu->fd, HYV_SET_FPU, &fpu));
	EXPECT_EQ(MXCSR_DEFAULT | MXCSR_FZ, hyv_vcpu_run_sync(vcpu));
	EXPECT_EQ(0, kmsg_reports(kmsg));
	free(xs);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * SET_XSAVE takes only an image XRSTOR would take in the guest: XSTATE_BV
 * within the guest's XCR0, XCOMP_BV 0 (the standard format), the
 * header's reserved bytes 0, and an MXCSR without reserved bits even
 * when XSTATE_BV names no component (XRSTOR loads MXCSR whenever SSE or
 * AVX is enabled: SDM vol. 1 §13.8.1).
 */
TEST(set_xsave_refuses_images_xrstor_would_refuse)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_mxcsr);
	u32 mask = host_mxcsr_mask(), bad = ~mask & -~mask;
	struct {
		const char *what;
		u32 offset, size;
		u64 value;
	} cases[] = {
		{ "XSTATE_BV: AVX-512 opmask", XSAVE_HDR, 8, 0x21 },
		{ "XSTATE_BV: PKRU", XSAVE_HDR, 8, 0x201 },
		{ "XSTATE_BV: bit 63", XSAVE_HDR, 8, 1ULL << 63 | 1 },
		{ "XCOMP_BV: compacted", XSAVE_HDR + 8, 8, 1ULL << 63 | 1 },
		{ "XCOMP_BV: x87", XSAVE_HDR + 8, 8, 1 },
		{ "reserved header byte 16", XSAVE_HDR + 16, 1, 1 },
		{ "reserved header byte 63", XSAVE_HDR + 63, 1, 0x80 },
		{ "MXCSR reserved bit", XSAVE_MXCSR, 4, MXCSR_DEFAULT | bad },
		{ "MXCSR reserved bit, XSTATE_BV 0", XSAVE_MXCSR, 4,
		  MXCSR_DEFAULT | bad },
	};
	struct hyv_xsave *good, *xs;
	unsigned int i;

	good = calloc(1, sizeof(*good));
	xs = calloc(1, sizeof(*xs));
	ASSERT_TRUE(good && xs);
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_XSAVE, good));
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_SET_XSAVE, good));

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(xs, good, sizeof(*xs));
		memcpy((u8 *)xs + cases[i].offset, &cases[i].value,
		       cases[i].size);
		if (i == ARRAY_SIZE(cases) - 1)
			*(u64 *)((u8 *)xs + XSAVE_HDR) = 0;
		EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_XSAVE, xs))
			TH_LOG("%s: accepted", cases[i].what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", cases[i].what);
	}

	/* And a good image with a new MXCSR reaches the guest. */
	memcpy(xs, good, sizeof(*xs));
	*(u32 *)((u8 *)xs + XSAVE_MXCSR) = MXCSR_DEFAULT | MXCSR_FZ;
	*(u64 *)((u8 *)xs + XSAVE_HDR) |= 1;
	EXPECT_EQ(0, ioctl(vcpu->fd, HYV_SET_XSAVE, xs));
	EXPECT_EQ(MXCSR_DEFAULT | MXCSR_FZ, hyv_vcpu_run_sync(vcpu));
	free(good);
	free(xs);
	hyv_vm_free_with_vcpu(vcpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Doorbells and irqfds: a guest HYV_HC_DOORBELL hypercall signals the
 * eventfd bound to (device, queue) without an exit to userspace; writing
 * an irqfd's eventfd delivers its MSI to the guest's IDT handler; bindings
 * check their input, may be removed while vCPUs use them, go away with
 * their eventfd (irqfds) and outlive nothing when the VM goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "vcpu_thread.h"
#include "cpu_hog.h"

#define MAX_DOORBELLS	HYV_MAX_DOORBELLS
#define MAX_IRQFDS	HYV_MAX_IRQFDS

/* ---- helpers ------------------------------------------------------------ */

static int doorbell(struct hyv_vm *vm, int fd, u32 flags, u32 device,
		    u32 queue)
{
	struct hyv_doorbell db = {
		.fd = fd, .flags = flags, .device = device, .queue = queue,
	};

	return ioctl(vm->fd, HYV_DOORBELL, &db) ? -errno : 0;
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	HYV_ASSERT(fd >= 0, "eventfd");
	return fd;
}

/* The eventfd's count, read without blocking (0 when nothing is there). */
static u64 eventfd_take(int fd)
{
	u64 v = 0;
	int flags = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		HYV_ASSERT(errno == EAGAIN, "read eventfd");
		v = 0;
	}
	fcntl(fd, F_SETFL, flags);
	return v;
}

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void get_stats(struct hyv_vm *vm, struct hyv_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	HYV_ASSERT(!ioctl(vm->fd, HYV_GET_STATS, st), "HYV_GET_STATS");
}

/* Stop a runner whose RUN never ends by itself: it must end in EINTR. */
static void stop_running(struct vcpu_thread *t)
{
	vcpu_thread_stop(t);
	HYV_ASSERT(t->stopped, "RUN returned %d, errno %d, exit %s", t->ret,
		   t->err, hyv_exit_name(t->exit_reason));
}

/* ---- guest code --------------------------------------------------------- */

/* Ring (device, queue) once, then spin without ever leaving the kernel. */
static void guest_ring_once_then_spin(u64 device, u64 queue)
{
	u64 ret = guest_hypercall(HYV_HC_DOORBELL, device, queue, 0, 0);

	asm volatile("1: pause; jmp 1b" : : "a"(ret));
}

/* Ring until the binding is gone; report what the last ring returned. */
static void guest_ring_until_gone(u64 device, u64 queue)
{
	u64 n = 0, ret;

	do {
		ret = guest_hypercall(HYV_HC_DOORBELL, device, queue, 0, 0);
		n++;
	} while (ret == 0);
	GUEST_SYNC4(ret, n, 0, 0);
	GUEST_DONE();
}

/* Ring forever, whatever the answer. */
static void guest_ring_forever(u64 device, u64 queue)
{
	for (;;)
		guest_hypercall(HYV_HC_DOORBELL, device, queue, 0, 0);
}

/* Each (device, queue) pair passed in a table, one sync per ring. */
struct ring_req {
	u64 device, queue;
};

static const struct ring_req ring_reqs[] = {
	{ 1, 0 }, { 1, 1 }, { 2, 0 }, { 1, 1 }, { 0xffffffff, 0xffffffff },
	{ 1, 2 },			/* nothing bound */
	{ 1ULL << 32 | 1, 0 },		/* not a 32-bit device number */
	{ 1, 1ULL << 32 },		/* not a 32-bit queue number */
};

#define NR_RING_REQS	ARRAY_SIZE(ring_reqs)

static void guest_ring_table(void)
{
	unsigned int i;

	for (i = 0; i < NR_RING_REQS; i++)
		GUEST_SYNC(guest_hypercall(HYV_HC_DOORBELL, ring_reqs[i].device,
					   ring_reqs[i].queue, 0, 0));
	GUEST_DONE();
}

static void guest_features(void)
{
	u32 a, b, c, d;

	guest_cpuid(HYV_CPUID_FEATURES, 0, &a, &b, &c, &d);
	GUEST_SYNC(a);
}

/* ---- doorbells ---------------------------------------------------------- */

TEST(cpuid_advertises_the_doorbell_hypercall)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_features);
	u64 features = hyv_vcpu_run_sync(vcpu);

	EXPECT_EQ(HYV_FEATURE_DOORBELL, features & HYV_FEATURE_DOORBELL);
	EXPECT_EQ(HYV_FEATURE_HYPERCALL, features & HYV_FEATURE_HYPERCALL);
	hyv_vm_free_with_vcpu(vcpu);
}

struct reader {
	int fd;
	u64 value;
	int done;		/* __atomic */
};

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;

	if (read(rd->fd, &rd->value, sizeof(rd->value)) != sizeof(rd->value))
		rd->value = ~0ULL;
	__atomic_store_n(&rd->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A host thread blocked in read() on the eventfd wakes up while the vCPU
 * never leaves the kernel: the hypercall is counted, no exit to userspace
 * is, and the vCPU keeps running until it is signalled.
 */
TEST(doorbell_wakes_a_blocked_reader_without_an_exit_to_userspace)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_ring_once_then_spin);
	struct hyv_vm_stats before, after;
	struct reader rd = { .fd = new_eventfd() };
	struct vcpu_thread r;
	pthread_t tid;
	u64 end;

	ASSERT_EQ(0, doorbell(vcpu->vm, rd.fd, 0, 7, 3));
	hyv_vcpu_set_args(vcpu, 7, 3);
	ASSERT_EQ(0, pthread_create(&tid, NULL, reader_thread, &rd));
	usleep(50000);
	ASSERT_FALSE(__atomic_load_n(&rd.done, __ATOMIC_ACQUIRE))
		TH_LOG("read() returned before anything was signalled");

	get_stats(vcpu->vm, &before);
	vcpu_thread_start(&r, vcpu, VCPU_RUN_ONCE);
	pthread_join(tid, NULL);
	EXPECT_EQ(1, rd.value);

	/* The exit is counted after the handler signalled: allow for that. */
	end = now_ms() + 5000;
	do {
		get_stats(vcpu->vm, &after);
	} while (after.exit_reason[HYV_STAT_EXIT_HYPERCALL] == 0 &&
		 now_ms() < end);
	EXPECT_EQ(1, after.exit_reason[HYV_STAT_EXIT_HYPERCALL]);
	EXPECT_EQ(before.exits_to_user, after.exits_to_user);
	EXPECT_FALSE(vcpu_thread_done(&r)) TH_LOG("the vCPU left RUN");

	stop_running(&r);
	close(rd.fd);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Each ring signals the eventfd of its own (device, queue), and only it. */
TEST(doorbells_are_keyed_by_device_and_queue)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_ring_table);
	int fd[4] = { new_eventfd(), new_eventfd(), new_eventfd(), new_eventfd() };
	static const int expect_fd[NR_RING_REQS] = { 0, 1, 2, 1, 3, -1, -1, -1 };
	unsigned int i, j;

	ASSERT_EQ(0, doorbell(vcpu->vm, fd[0], 0, 1, 0));
	ASSERT_EQ(0, doorbell(vcpu->vm, fd[1], 0, 1, 1));
	ASSERT_EQ(0, doorbell(vcpu->vm, fd[2], 0, 2, 0));
	ASSERT_EQ(0, doorbell(vcpu->vm, fd[3], 0, 0xffffffff, 0xffffffff));

	for (i = 0; i < NR_RING_REQS; i++) {
		u64 ret = hyv_vcpu_run_sync(vcpu);

		EXPECT_EQ(expect_fd[i] < 0 ? (u64)-HYV_ENOENT : 0, ret)
			TH_LOG("ring %u", i);
		for (j = 0; j < ARRAY_SIZE(fd); j++)
			EXPECT_EQ((u64)((int)j == expect_fd[i]), eventfd_take(fd[j]))
				TH_LOG("ring %u, eventfd %u", i, j);
	}
	hyv_vcpu_run_done(vcpu);
	for (j = 0; j < ARRAY_SIZE(fd); j++)
		close(fd[j]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Rings add up in the count; one eventfd may serve several queues. */
TEST(rings_add_up_and_one_eventfd_may_serve_several_queues)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_ring_table);
	int fd = new_eventfd();
	unsigned int i;

	ASSERT_EQ(0, doorbell(vcpu->vm, fd, 0, 1, 0));
	ASSERT_EQ(0, doorbell(vcpu->vm, fd, 0, 1, 1));
	ASSERT_EQ(0, doorbell(vcpu->vm, fd, 0, 2, 0));
	for (i = 0; i < NR_RING_REQS; i++)
		hyv_vcpu_run_sync(vcpu);
	EXPECT_EQ(4, eventfd_take(fd));		/* (1,0) (1,1) (2,0) (1,1) */
	hyv_vcpu_run_done(vcpu);
	close(fd);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(doorbell_assign_and_deassign_check_their_input)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	int fd = new_eventfd(), other = new_eventfd(), closed = new_eventfd();
	struct hyv_doorbell db = { .fd = fd, .device = 1 };
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	close(closed);

	/* Unknown flags and non-zero reserved. */
	EXPECT_EQ(-EINVAL, doorbell(vm, fd, 1U << 1, 1, 0));
	EXPECT_EQ(-EINVAL, doorbell(vm, fd, 1U << 31, 1, 0));
	db.reserved = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, HYV_DOORBELL, &db));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, HYV_DOORBELL, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Not an fd, a closed one, not an eventfd. */
	EXPECT_EQ(-EBADF, doorbell(vm, -1, 0, 1, 0));
	EXPECT_EQ(-EBADF, doorbell(vm, closed, 0, 1, 0));
	EXPECT_EQ(-EINVAL, doorbell(vm, pipefd[0], 0, 1, 0));
	EXPECT_EQ(-EINVAL, doorbell(vm, vm->fd, 0, 1, 0));

	/* One binding per (device, queue), whichever eventfd. */
	EXPECT_EQ(0, doorbell(vm, fd, 0, 1, 0));
	EXPECT_EQ(-EEXIST, doorbell(vm, fd, 0, 1, 0));
	EXPECT_EQ(-EEXIST, doorbell(vm, other, 0, 1, 0));
	EXPECT_EQ(0, doorbell(vm, fd, 0, 0, 1));	/* not the same key */

	/* Deassign: the pair must be bound, and to this eventfd. */
	EXPECT_EQ(-ENOENT, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN, 2, 0));
	EXPECT_EQ(-ENOENT, doorbell(vm, other, HYV_DOORBELL_DEASSIGN, 1, 0));
	EXPECT_EQ(-EBADF, doorbell(vm, -1, HYV_DOORBELL_DEASSIGN, 1, 0));
	EXPECT_EQ(-EINVAL, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN | 2, 1, 0));
	EXPECT_EQ(0, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN, 1, 0));
	EXPECT_EQ(-ENOENT, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN, 1, 0));

	/* Free again: another eventfd may take it. */
	EXPECT_EQ(0, doorbell(vm, other, 0, 1, 0));
	EXPECT_EQ(0, doorbell(vm, other, HYV_DOORBELL_DEASSIGN, 1, 0));
	EXPECT_EQ(0, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN, 0, 1));

	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
	close(other);
	hyv_vm_free(vm);
}

TEST(a_vm_holds_at_most_max_doorbells)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	int fd = new_eventfd();
	u32 i;

	for (i = 0; i < MAX_DOORBELLS; i++)
		ASSERT_EQ(0, doorbell(vm, fd, 0, i / 8, i % 8)) TH_LOG("binding %u", i);
	EXPECT_EQ(-ENOSPC, doorbell(vm, fd, 0, 4096, 0));
	EXPECT_EQ(-EEXIST, doorbell(vm, fd, 0, 0, 0));	/* a duplicate first */
	EXPECT_EQ(0, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN, 5, 5));
	EXPECT_EQ(0, doorbell(vm, fd, 0, 4096, 0));
	EXPECT_EQ(-ENOSPC, doorbell(vm, fd, 0, 5, 5));
	close(fd);
	hyv_vm_free(vm);	/* with 1024 bindings left */
}

#define NR_RINGERS	2

/*
 * vCPUs ring a doorbell in a loop while the VMM removes it: the removal
 * returns only when no ring can still reach the eventfd, and the next
 * rings return -ENOENT.
 */
TEST(deassign_while_vcpus_ring_in_a_loop)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct vcpu_thread r[NR_RINGERS];
	int fd = new_eventfd();
	u64 v;
	int i;

	ASSERT_EQ(0, doorbell(vm, fd, 0, 9, 1));
	for (i = 0; i < NR_RINGERS; i++) {
		struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, i, guest_ring_until_gone);

		hyv_vcpu_set_args(vcpu, 9, 1);
		vcpu_thread_start(&r[i], vcpu, VCPU_RUN_TO_UCALL);
	}

	/* Let them ring for a while: the blocking read proves they do. */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ((ssize_t)sizeof(v), read(fd, &v, sizeof(v)));
		EXPECT_LE(1, v);
		usleep(10000);
	}
	ASSERT_EQ(0, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN, 9, 1));
	eventfd_take(fd);	/* rings from before the removal */

	for (i = 0; i < NR_RINGERS; i++) {
		ASSERT_TRUE(vcpu_thread_wait(&r[i], 20000))
			TH_LOG("vCPU %d still rings after the deassign", i);
		EXPECT_EQ(UCALL_SYNC, r[i].uc.cmd);
		EXPECT_EQ((u64)-HYV_ENOENT, r[i].uc.args[0]);
		EXPECT_LT(1, r[i].uc.args[1]);	/* it rang before that */
		hyv_vcpu_run_done(r[i].vcpu);
		hyv_vcpu_free(r[i].vcpu);
	}
	/* Nothing reached the eventfd after the deassign returned. */
	EXPECT_EQ(0, eventfd_take(fd));
	close(fd);
	hyv_vm_free(vm);
}

/*
 * Assign and deassign in a loop while vCPUs ring, then close every fd
 * while they still ring: the VM goes away with its bindings.
 */
TEST(bindings_churn_and_vm_closes_under_ringing_vcpus)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct vcpu_thread r[NR_RINGERS];
	int fd = new_eventfd(), fd2 = new_eventfd();
	int i;

	for (i = 0; i < NR_RINGERS; i++) {
		struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, i, guest_ring_forever);

		hyv_vcpu_set_args(vcpu, 3, i);
		vcpu_thread_start(&r[i], vcpu, VCPU_RUN_ONCE);
	}
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, doorbell(vm, fd, 0, 3, 0));
		ASSERT_EQ(0, doorbell(vm, fd2, 0, 3, 1));
		ASSERT_EQ(0, doorbell(vm, fd, HYV_DOORBELL_DEASSIGN, 3, 0));
		ASSERT_EQ(0, doorbell(vm, fd2, HYV_DOORBELL_DEASSIGN, 3, 1));
	}
	ASSERT_EQ(0, doorbell(vm, fd, 0, 3, 0));
	ASSERT_EQ(0, doorbell(vm, fd2, 0, 3, 1));
	/* Both are rung again, then the eventfd fds go first... */
	for (i = 0; i < 2; i++) {
		u64 v;

		ASSERT_EQ((ssize_t)sizeof(v), read(i ? fd2 : fd, &v, sizeof(v)));
	}
	close(fd);
	usleep(20000);
	/* ... then the VM fd, while the vCPUs still run and ring. */
	close(vm->fd);
	vm->fd = -1;
	usleep(20000);
	for (i = 0; i < NR_RINGERS; i++) {
		EXPECT_FALSE(vcpu_thread_done(&r[i]));
		stop_running(&r[i]);
		hyv_vcpu_free(r[i].vcpu);	/* the last one frees the VM */
	}
	/* The eventfd left open is still an eventfd that works. */
	eventfd_take(fd2);
	ASSERT_EQ(0, eventfd_write(fd2, 5));
	EXPECT_EQ(5, eventfd_take(fd2));
	close(fd2);
	hyv_vm_free(vm);
}

/* ---- irqfds ------------------------------------------------------------- */

#define IRQ_VECTOR	0x40
#define MSI_ADDR(apic_id)	(0xfee00000ULL | (u64)(apic_id) << 12)
#define APIC_EOI	0xfee000b0ULL	/* xAPIC MMIO (SDM vol. 3A table 11-1) */
#define APIC_SVR	0xfee000f0ULL
#define APIC_SVR_ENABLE	BIT(8)

static int irqfd(struct hyv_vm *vm, int fd, u32 flags, u64 address, u32 data)
{
	struct hyv_irqfd req = {
		.fd = fd, .flags = flags, .msi_address = address, .msi_data = data,
	};

	return ioctl(vm->fd, HYV_IRQFD, &req) ? -errno : 0;
}

/* Interrupts taken by the guest's handler; the host reads the guest's copy. */
u64 irq_count;

static u64 guest_irq_count(struct hyv_vm *vm)
{
	u64 *p = hyv_vm_gpa_to_hva(vm, (u64)&irq_count);

	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void guest_mmio_write32(u64 gpa, u32 val)
{
	asm volatile("movl %0, (%1)" : : "r"(val), "r"(gpa) : "memory");
}

/* The RIPs the last two interrupts interrupted: where they were taken. */
u64 irq_last_rip, irq_prev_rip;
/* Copies taken at the handler's first instruction: see lib/guest_irq.c. */
u64 irq_redelivered;

/* Count, note where, EOI through the xAPIC page, return. */
GUEST_ASM(guest_irq_handler,
	  "	pushq %rax\n"
	  "	pushq %rcx\n"
	  "	cmpq $guest_irq_handler, 16(%rsp)\n"
	  "	jne 1f\n"
	  "	lock incq irq_redelivered(%rip)\n"
	  "	jmp 2f\n"
	  "1:	lock incq irq_count(%rip)\n"
	  "	movq irq_last_rip(%rip), %rcx\n"
	  "	movq %rcx, irq_prev_rip(%rip)\n"
	  "	movq 16(%rsp), %rcx\n"
	  "	movq %rcx, irq_last_rip(%rip)\n"
	  "	movl $" hyv_str(APIC_EOI) ", %eax\n"
	  "	xorl %ecx, %ecx\n"
	  "	movl %ecx, (%rax)\n"
	  "2:	popq %rcx\n"
	  "	popq %rax\n"
	  "	iretq\n");

struct __packed idtr {
	u16 limit;
	u64 base;
};

/*
 * Take interrupts like a kernel would: a gate for IRQ_VECTOR in the
 * library's IDT (grown to 256 vectors) and the local APIC software-enabled
 * through SVR.
 */
static void guest_irq_setup(void)
{
	u64 *gate = (u64 *)(HYV_IDT_GPA + IRQ_VECTOR * 16);
	u64 h = (u64)guest_irq_handler;
	struct idtr idtr;

	gate[0] = (h & 0xffff) | (u64)HYV_SEL_CODE64 << 16 |
		  0x8eULL << 40 |	/* present, DPL 0, interrupt gate */
		  (h >> 16 & 0xffff) << 48;
	gate[1] = h >> 32;
	idtr.limit = 256 * 16 - 1;
	idtr.base = HYV_IDT_GPA;
	asm volatile("lidt %0" : : "m"(idtr));
	guest_mmio_write32(APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

/* STI; HLT until 'want' interrupts have been taken in all. */
static void guest_wait_irqs(u64 want)
{
	for (;;) {
		asm volatile("cli" : : : "memory");
		if (__atomic_load_n(&irq_count, __ATOMIC_RELAXED) >= want)
			break;
		asm volatile("sti; hlt" : : : "memory");	/* no wake-up lost */
	}
}

/* Ready (sync 0), then take 'want' interrupts (~0: forever). */
static void guest_count_irqs(u64 want)
{
	guest_irq_setup();
	GUEST_SYNC(0);
	guest_wait_irqs(want);
	GUEST_SYNC(__atomic_load_n(&irq_count, __ATOMIC_RELAXED));
	GUEST_DONE();
}

/* Rings made by guest_ring_own_irq(), for the watchdog's report. */
u64 rings_made;

/* Ring (device, 0) and take the interrupt it causes, n times. */
static void guest_ring_own_irq(u64 device, u64 n)
{
	u64 i;

	guest_irq_setup();
	for (i = 1; i <= n; i++) {
		GUEST_ASSERT_EQ(0, guest_hypercall(HYV_HC_DOORBELL, device, 0,
						   0, 0));
		__atomic_store_n(&rings_made, i, __ATOMIC_RELEASE);
		guest_wait_irqs(i);
		/* One ring, one interrupt: never two. */
		__GUEST_ASSERT(__atomic_load_n(&irq_count, __ATOMIC_RELAXED) == i,
			       "one interrupt per ring (values: RIPs of the last two)",
			       irq_prev_rip, irq_last_rip);
	}
	GUEST_SYNC(__atomic_load_n(&irq_count, __ATOMIC_RELAXED));
	GUEST_DONE();
}

/* Wait up to ms for the guest to have taken n interrupts. */
static bool wait_irqs(struct hyv_vm *vm, u64 n, unsigned int ms)
{
	u64 end = now_ms() + ms;

	while (guest_irq_count(vm) < n && now_ms() < end)
		usleep(1000);
	return guest_irq_count(vm) >= n;
}

TEST(irqfd_assign_and_deassign_check_their_input)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	int fd = new_eventfd(), other = new_eventfd(), closed = new_eventfd();
	struct hyv_irqfd req = { .fd = fd, .msi_address = MSI_ADDR(0) };
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	close(closed);

	/* Unknown flags, non-zero padding and reserved, no MSI address. */
	EXPECT_EQ(-EINVAL, irqfd(vm, fd, 1U << 1, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-EINVAL, irqfd(vm, fd, 1U << 31, MSI_ADDR(0), IRQ_VECTOR));
	req.padding = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, HYV_IRQFD, &req));
	EXPECT_EQ(EINVAL, errno);
	req.padding = 0;
	req.reserved = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, HYV_IRQFD, &req));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, HYV_IRQFD, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-EINVAL, irqfd(vm, fd, 0, 0, IRQ_VECTOR));
	EXPECT_EQ(-EINVAL, irqfd(vm, fd, 0, 0xfed00000, IRQ_VECTOR));
	EXPECT_EQ(-EINVAL, irqfd(vm, fd, 0, 0xfef00000, IRQ_VECTOR));
	EXPECT_EQ(-EINVAL, irqfd(vm, fd, 0, 1ULL << 32 | MSI_ADDR(0), IRQ_VECTOR));

	/* Not an fd, a closed one, not an eventfd. */
	EXPECT_EQ(-EBADF, irqfd(vm, -1, 0, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-EBADF, irqfd(vm, closed, 0, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-EINVAL, irqfd(vm, pipefd[0], 0, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-EINVAL, irqfd(vm, vm->fd, 0, MSI_ADDR(0), IRQ_VECTOR));

	/* An eventfd is bound once; an MSI may have several eventfds. */
	EXPECT_EQ(0, irqfd(vm, fd, 0, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-EEXIST, irqfd(vm, fd, 0, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-EEXIST, irqfd(vm, fd, 0, MSI_ADDR(1), IRQ_VECTOR + 1));
	EXPECT_EQ(0, irqfd(vm, other, 0, MSI_ADDR(0), IRQ_VECTOR));

	/* Deassign: eventfd and MSI must match a binding. */
	EXPECT_EQ(-ENOENT, irqfd(vm, fd, HYV_IRQFD_DEASSIGN, MSI_ADDR(0), IRQ_VECTOR + 1));
	EXPECT_EQ(-ENOENT, irqfd(vm, fd, HYV_IRQFD_DEASSIGN, MSI_ADDR(1), IRQ_VECTOR));
	EXPECT_EQ(-EBADF, irqfd(vm, -1, HYV_IRQFD_DEASSIGN, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-EINVAL, irqfd(vm, fd, HYV_IRQFD_DEASSIGN | 2, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(0, irqfd(vm, fd, HYV_IRQFD_DEASSIGN, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(-ENOENT, irqfd(vm, fd, HYV_IRQFD_DEASSIGN, MSI_ADDR(0), IRQ_VECTOR));
	EXPECT_EQ(0, irqfd(vm, fd, 0, MSI_ADDR(1), IRQ_VECTOR + 1));	/* free again */

	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
	close(other);
	hyv_vm_free(vm);
}

/*
 * At most MAX_IRQFDS per VM; closing a bound eventfd (EPOLLHUP) unbinds
 * it and frees its place; a VM closed with bindings left drops them and
 * its eventfds stay good.
 */
TEST(a_vm_holds_at_most_max_irqfds_and_closing_an_eventfd_unbinds_it)
{
	struct rlimit rl = { MAX_IRQFDS + 64, MAX_IRQFDS + 64 };
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	int fd[MAX_IRQFDS], extra, i;

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		hyv_vm_free(vm);
		SKIP(return, "cannot raise RLIMIT_NOFILE to %u", MAX_IRQFDS + 64);
	}
	for (i = 0; i < MAX_IRQFDS; i++) {
		fd[i] = new_eventfd();
		ASSERT_EQ(0, irqfd(vm, fd[i], 0, MSI_ADDR(0), IRQ_VECTOR)) TH_LOG("irqfd %d", i);
	}
	extra = new_eventfd();
	EXPECT_EQ(-ENOSPC, irqfd(vm, extra, 0, MSI_ADDR(0), IRQ_VECTOR));

	/* The eventfd goes away: so does its binding, and its place. */
	close(fd[7]);
	fd[7] = extra;
	EXPECT_EQ(0, irqfd(vm, extra, 0, MSI_ADDR(0), IRQ_VECTOR));
	extra = new_eventfd();
	EXPECT_EQ(-ENOSPC, irqfd(vm, extra, 0, MSI_ADDR(0), IRQ_VECTOR));

	/* Half the eventfds closed before the VM, half after. */
	for (i = 0; i < MAX_IRQFDS / 2; i++)
		close(fd[i]);
	EXPECT_EQ(0, irqfd(vm, extra, 0, MSI_ADDR(0), IRQ_VECTOR));
	hyv_vm_free(vm);
	for (i = MAX_IRQFDS / 2; i < MAX_IRQFDS; i++) {
		ASSERT_EQ(0, eventfd_write(fd[i], 1));
		EXPECT_EQ(1, eventfd_take(fd[i]));
		close(fd[i]);
	}
	close(extra);
}

#define NR_IRQS	8

/*
 * Writing the eventfd delivers the MSI to the guest's handler, once per
 * write; after deassign nothing arrives and the count stays in the
 * eventfd; a count written before the assign is delivered by it, once.
 */
TEST(irqfd_delivers_its_msi_to_the_guest_handler)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_count_irqs);
	struct hyv_vm *vm = vcpu->vm;
	int fd = new_eventfd();
	struct vcpu_thread r;
	int i;

	hyv_vcpu_set_args(vcpu, NR_IRQS + 1, 0);
	ASSERT_EQ(0, hyv_vcpu_run_sync(vcpu));	/* IDT and APIC ready */
	ASSERT_EQ(0, irqfd(vm, fd, 0, MSI_ADDR(0), IRQ_VECTOR));
	vcpu_thread_start(&r, vcpu, VCPU_RUN_TO_UCALL);

	for (i = 1; i <= NR_IRQS; i++) {
		ASSERT_EQ(0, eventfd_write(fd, 1));
		ASSERT_TRUE(wait_irqs(vm, i, 10000))
			TH_LOG("interrupt %d not taken (count %llu)", i,
			       guest_irq_count(vm));
	}
	EXPECT_EQ(0, eventfd_take(fd));		/* the irqfd consumed it */

	ASSERT_EQ(0, irqfd(vm, fd, HYV_IRQFD_DEASSIGN, MSI_ADDR(0), IRQ_VECTOR));
	ASSERT_EQ(0, eventfd_write(fd, 2));
	usleep(100000);
	EXPECT_EQ(NR_IRQS, guest_irq_count(vm));
	EXPECT_FALSE(vcpu_thread_done(&r));

	/* Count 2 is pending: the assign delivers one MSI and consumes it. */
	ASSERT_EQ(0, irqfd(vm, fd, 0, MSI_ADDR(0), IRQ_VECTOR));
	ASSERT_TRUE(vcpu_thread_wait(&r, 10000))
		TH_LOG("the assign did not deliver the pending count");
	EXPECT_EQ(UCALL_SYNC, r.uc.cmd);
	EXPECT_EQ(NR_IRQS + 1, r.uc.args[0]);
	EXPECT_EQ(0, eventfd_take(fd));
	hyv_vcpu_run_done(vcpu);
	close(fd);
	hyv_vm_free_with_vcpu(vcpu);
}

struct ring_loop {
	struct hyv_vm *vm;
	int fd;
};

static u64 guest_rings_made(struct hyv_vm *vm)
{
	return __atomic_load_n((u64 *)hyv_vm_gpa_to_hva(vm, (u64)&rings_made),
			       __ATOMIC_ACQUIRE);
}

/* Rings plus interrupts taken: grows by two each round trip. */
static u64 ring_loop_progress(void *arg)
{
	struct ring_loop *l = arg;

	return guest_rings_made(l->vm) + guest_irq_count(l->vm);
}

/*
 * Where the loop stopped: a ring with no interrupt is a lost MSI or
 * wake-up; a count left in the eventfd means the irqfd never saw it.
 */
static void ring_loop_describe(void *arg)
{
	struct ring_loop *l = arg;

	fprintf(stderr,
		"# guest rang %llu times and took %llu interrupts, the last at rip %#llx; the eventfd holds %llu\n",
		guest_rings_made(l->vm), guest_irq_count(l->vm),
		*(u64 *)hyv_vm_gpa_to_hva(l->vm, (u64)&irq_last_rip),
		eventfd_take(l->fd));
}

/*
 * One eventfd as a doorbell and an irqfd of the same VM: each of @n rings
 * comes back as an interrupt that wakes the guest from sti; hlt, the
 * whole loop in the kernel (no exit to userspace until the guest
 * reports). The vCPU runs on a thread of its own under the watchdog,
 * with @hog_threads CPU hogs beside it.
 */
static void ring_loop(struct __test_metadata *_metadata, u64 n,
		      unsigned int hog_threads, unsigned int deadline_s)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_ring_own_irq);
	struct ring_loop l = { .vm = vcpu->vm, .fd = new_eventfd() };
	struct vcpu_thread t;
	struct vcpu_watch w = {
		.threads = &t, .nr_threads = 1, .arg = &l,
		.progress = ring_loop_progress, .describe = ring_loop_describe,
		.stall_s = VCPU_WATCH_STALL_S, .deadline_s = deadline_s,
	};
	enum vcpu_watch_result r;
	struct hyv_vm_stats st;
	struct cpu_hog hog;
	u64 hog_loops = 1, redelivered;

	ASSERT_EQ(0, doorbell(l.vm, l.fd, 0, 5, 0));
	ASSERT_EQ(0, irqfd(l.vm, l.fd, 0, MSI_ADDR(0), IRQ_VECTOR));
	hyv_vcpu_set_args(vcpu, 5, n);
	if (hog_threads)
		cpu_hog_start(&hog, hog_threads);
	vcpu_thread_start(&t, vcpu, VCPU_RUN_TO_UCALL);
	r = vcpu_watch(&w);
	if (hog_threads)
		hog_loops = cpu_hog_stop(&hog);
	redelivered = *(u64 *)hyv_vm_gpa_to_hva(l.vm, (u64)&irq_redelivered);
	TH_LOG("%llu round trips in %llu ms (%llu us each), %u hog(s); %llu redelivered",
	       n, w.elapsed_ms, w.elapsed_ms * 1000 / n, hog_threads, redelivered);
	ASSERT_EQ(VCPU_WATCH_DONE, r) TH_LOG("%s", vcpu_watch_result_name(r));
	if (!host_under_qemu_tcg())
		EXPECT_EQ(0, redelivered);
	EXPECT_LT(0, hog_loops) TH_LOG("the CPU hog never ran");
	ASSERT_EQ(UCALL_SYNC, t.uc.cmd);
	EXPECT_EQ(n, t.uc.args[0]);
	get_stats(l.vm, &st);
	EXPECT_EQ(1, st.exits_to_user);
	EXPECT_EQ(n, st.exit_reason[HYV_STAT_EXIT_HYPERCALL]);
	EXPECT_EQ(0, eventfd_take(l.fd));
	hyv_vcpu_run_done(vcpu);
	close(l.fd);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(doorbell_into_irqfd_loops_back_without_leaving_the_kernel)
{
	ring_loop(_metadata, NR_IRQS, 0, VCPU_WATCH_DEADLINE_S);
}

/*
 * The same loop thousands of times with a CPU hog beside the vCPU, so that
 * its thread is preempted at every point of the ring -> MSI -> wake-up
 * path: a wake-up lost in any of them stalls the loop and the watchdog
 * says where. Bochs (the VMX machine, ~50 MIPS) gets fewer rounds.
 */
#define STRESS_RINGS_SVM	4000
#define STRESS_RINGS_VMX	1000
#define STRESS_DEADLINE_S	240

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, doorbell_irqfd_sti_hlt_round_trips_with_a_cpu_hog,
	       STRESS_DEADLINE_S + 30)
{
	u64 n = hyv_check_cap(HYV_CAP_BACKEND) == HYV_BACKEND_VMX ?
		STRESS_RINGS_VMX : STRESS_RINGS_SVM;

	ring_loop(_metadata, n, 1, STRESS_DEADLINE_S);
}

/*
 * Bindings come and go while a writer thread signals them and the guest
 * takes their interrupts: deassign, eventfd close (EPOLLHUP) and both at
 * once; then the VM goes away with an irqfd still bound and signalled.
 */
struct churn {
	pthread_barrier_t go, gone;
	int fd;			/* this round's eventfd, closed by the writer */
	int hammer_fd;		/* bound and unbound each round, then kept */
	int stop;		/* __atomic */
};

#define NR_CHURN	50

static void *churn_writer(void *arg)
{
	struct churn *c = arg;
	int i, j;

	for (i = 0; i < NR_CHURN; i++) {
		pthread_barrier_wait(&c->go);
		for (j = 0; j < 3; j++) {
			eventfd_write(c->fd, 1);
			eventfd_write(c->hammer_fd, 1);
		}
		close(c->fd);		/* EPOLLHUP, racing the deassign */
		pthread_barrier_wait(&c->gone);
	}
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED))
		eventfd_write(c->hammer_fd, 1);
	return NULL;
}

TEST(irqfds_come_and_go_while_the_guest_takes_their_interrupts)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_count_irqs);
	struct hyv_vm *vm = vcpu->vm;
	struct churn c = { .hammer_fd = new_eventfd() };
	struct vcpu_thread r;
	pthread_t tid;
	int i, ret;

	hyv_vcpu_set_args(vcpu, ~0ULL, 0);
	ASSERT_EQ(0, hyv_vcpu_run_sync(vcpu));
	vcpu_thread_start(&r, vcpu, VCPU_RUN_ONCE);
	pthread_barrier_init(&c.go, NULL, 2);
	pthread_barrier_init(&c.gone, NULL, 2);
	ASSERT_EQ(0, pthread_create(&tid, NULL, churn_writer, &c));

	for (i = 0; i < NR_CHURN; i++) {
		c.fd = new_eventfd();
		ASSERT_EQ(0, irqfd(vm, c.fd, 0, MSI_ADDR(0), IRQ_VECTOR));
		ASSERT_EQ(0, irqfd(vm, c.hammer_fd, 0, MSI_ADDR(0), IRQ_VECTOR));
		pthread_barrier_wait(&c.go);
		/* The writer closes c.fd meanwhile: whoever wins unbinds it. */
		ret = irqfd(vm, c.fd, HYV_IRQFD_DEASSIGN, MSI_ADDR(0), IRQ_VECTOR);
		EXPECT_TRUE(ret == 0 || ret == -ENOENT || ret == -EBADF)
			TH_LOG("round %d: deassign gave %d", i, ret);
		ASSERT_EQ(0, irqfd(vm, c.hammer_fd, HYV_IRQFD_DEASSIGN,
				   MSI_ADDR(0), IRQ_VECTOR));
		pthread_barrier_wait(&c.gone);
	}
	EXPECT_LT(0, guest_irq_count(vm)) TH_LOG("no interrupt was taken");

	/* The VM goes away with the hammered irqfd bound. */
	ASSERT_EQ(0, irqfd(vm, c.hammer_fd, 0, MSI_ADDR(0), IRQ_VECTOR));
	usleep(20000);
	close(vm->fd);
	vm->fd = -1;
	usleep(20000);
	stop_running(&r);
	hyv_vcpu_free(vcpu);	/* the last reference: the VM is freed */
	usleep(20000);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_join(tid, NULL);
	pthread_barrier_destroy(&c.go);
	pthread_barrier_destroy(&c.gone);

	eventfd_take(c.hammer_fd);
	ASSERT_EQ(0, eventfd_write(c.hammer_fd, 5));
	EXPECT_EQ(5, eventfd_take(c.hammer_fd));
	close(c.hammer_fd);
	hyv_vm_free(vm);
}

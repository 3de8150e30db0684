// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU lifetime and concurrency: VMs and vCPUs running at the same
 * time in different threads keep their state apart; a signal or
 * immediate_exit gets the thread out of RUN with EINTR; a vCPU outlives
 * its VM's fd; many VMs come and go.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "vcpu_thread.h"

#define LCG_MUL		6364136223846793005ULL
#define ROUNDS		50

static u64 lcg_step(u64 acc, u64 seed)
{
	return acc * LCG_MUL + seed;
}

/* Report a seed-dependent sequence, one value per exit. */
static u64 guest_sequence(u64 seed)
{
	u64 acc = 0;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		acc = acc * LCG_MUL + seed;
		GUEST_SYNC(acc);
	}
	return acc;
}

/* One runner's expected sequence, checked at each of its syncs. */
struct sequence {
	u64 seed;
	u64 acc;
	int mismatches;
};

static void check_sequence(struct vcpu_thread *t, const struct hyv_ucall *uc)
{
	struct sequence *q = t->arg;

	q->acc = lcg_step(q->acc, q->seed);
	if (uc->args[0] != q->acc)
		q->mismatches++;
}

/* Run every vCPU on a runner of its own, all released at once. */
static void run_concurrently(struct __test_metadata *_metadata,
			     struct hyv_vcpu **vcpus, struct sequence *q, int n)
{
	pthread_barrier_t start;
	struct vcpu_thread t[8];
	u64 expect;
	int i, j;

	ASSERT_GE(8, n);
	pthread_barrier_init(&start, NULL, n);
	for (i = 0; i < n; i++) {
		vcpu_thread_init(&t[i], vcpus[i], VCPU_RUN_TO_DONE);
		t[i].on_sync = check_sequence;
		t[i].arg = &q[i];
		t[i].barrier = &start;
		vcpu_thread_go(&t[i]);
	}
	for (i = 0; i < n; i++)
		ASSERT_TRUE(vcpu_thread_wait(&t[i], 60000)) TH_LOG("runner %d", i);
	pthread_barrier_destroy(&start);

	for (i = 0; i < n; i++) {
		expect = 0;
		for (j = 0; j < ROUNDS; j++)
			expect = lcg_step(expect, q[i].seed);
		EXPECT_EQ(0, q[i].mismatches) TH_LOG("runner %d", i);
		EXPECT_EQ(ROUNDS, t[i].syncs) TH_LOG("runner %d", i);
		EXPECT_EQ(expect, t[i].result) TH_LOG("runner %d", i);
	}
}

TEST(two_vms_run_concurrently_and_each_gets_its_own_result)
{
	struct sequence q[2] = { { .seed = 3 }, { .seed = 0x1000000007ULL } };
	struct hyv_vcpu *vcpus[2];
	int i;

	for (i = 0; i < 2; i++) {
		vcpus[i] = hyv_vm_create_with_vcpu(guest_sequence);
		hyv_vcpu_set_args(vcpus[i], q[i].seed, 0);
	}
	run_concurrently(_metadata, vcpus, q, 2);
	for (i = 0; i < 2; i++)
		hyv_vm_free_with_vcpu(vcpus[i]);
}

TEST(two_vcpus_of_one_vm_run_concurrently_with_their_own_registers)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct sequence q[2] = { { .seed = 11 }, { .seed = 0xabcdef } };
	struct hyv_vcpu *vcpus[2];
	int i;

	for (i = 0; i < 2; i++) {
		vcpus[i] = hyv_vcpu_add(vm, i, guest_sequence);
		hyv_vcpu_set_args(vcpus[i], q[i].seed, 0);
	}
	run_concurrently(_metadata, vcpus, q, 2);
	for (i = 0; i < 2; i++)
		hyv_vcpu_free(vcpus[i]);
	hyv_vm_free(vm);
}

GUEST_ASM(guest_spin,
	  "1:	jmp 1b\n");

static volatile sig_atomic_t alarms;

static void alarm_handler(int sig)
{
	(void)sig;
	alarms++;
}

GUEST_ASM(guest_hlt_7,
	  "	movl $7, %eax\n"
	  "	hlt\n");

TEST(signal_interrupts_run_of_a_spinning_guest_with_eintr)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_spin);
	struct sigaction sa = { .sa_handler = alarm_handler };	/* no SA_RESTART */
	struct itimerval it = {
		.it_value = { .tv_usec = 100000 },
		.it_interval = { .tv_usec = 100000 },	/* again, if the first came early */
	};
	struct itimerval off = { };
	struct hyv_regs regs;
	int ret, err;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ret = __hyv_vcpu_run(vcpu);
	err = errno;
	setitimer(ITIMER_REAL, &off, NULL);

	ASSERT_EQ(-1, ret);
	ASSERT_EQ(EINTR, err);
	EXPECT_EQ(HYV_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_LE(1, alarms);

	/* The vCPU is still good: point it at other code and run it. */
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ((u64)guest_spin, regs.rip);
	regs.rip = (u64)guest_hlt_7;
	hyv_vcpu_set_regs(vcpu, &regs);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(7, regs.rax);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(immediate_exit_returns_eintr_without_running_the_guest)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_hlt_7);
	struct hyv_regs regs;

	vcpu->run->immediate_exit = 1;
	ASSERT_EQ(-1, __hyv_vcpu_run(vcpu));
	ASSERT_EQ(EINTR, errno);
	EXPECT_EQ(HYV_EXIT_INTR, vcpu->run->exit_reason);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ((u64)guest_hlt_7, regs.rip);
	EXPECT_NE(7, regs.rax);

	vcpu->run->immediate_exit = 0;
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(7, regs.rax);
	hyv_vm_free_with_vcpu(vcpu);
}

static void guest_mul(u64 a, u64 b)
{
	asm volatile("hlt" : : "a"(a * b));
}

TEST(vcpu_runs_to_hlt_after_its_vm_fd_is_closed)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mul);
	struct hyv_regs regs;

	hyv_vcpu_set_args(vcpu, 6, 7);
	ASSERT_EQ(0, close(vcpu->vm->fd));
	vcpu->vm->fd = -1;
	ASSERT_EQ(0, close(vcpu->vm->dev_fd));
	vcpu->vm->dev_fd = hyv_open_dev();

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(42, regs.rax);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(many_vms_created_run_and_destroyed_in_turn)
{
	struct hyv_vcpu *vcpu;
	struct hyv_regs regs;
	int i;

	for (i = 0; i < 32; i++) {
		vcpu = hyv_vm_create_with_vcpu(guest_mul);
		hyv_vcpu_set_args(vcpu, i, 3);
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
		hyv_vcpu_get_regs(vcpu, &regs);
		ASSERT_EQ(3 * i, regs.rax);
		hyv_vm_free_with_vcpu(vcpu);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What a guest may not do to the CPU it shares with the host (issue #9,
 * B.10): RDPMC gives #GP (no host performance counters), WBINVD exits
 * (no host-wide cache flush), and #DB and #AC pass through the host on
 * their way to the guest (a guest cannot make the CPU deliver them
 * forever without an exit: CVE-2015-8104, CVE-2015-5307), so a guest
 * stuck in such a loop still yields to a signal.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>

#include "hyv_test.h"
#include "hyv_util.h"

#define VEC_DB		1
#define VEC_GP		13
#define VEC_AC		17
#define X86_CR0_AM	BIT_ULL(18)
#define X86_EFLAGS_AC	BIT_ULL(18)
#define X86_EFLAGS_TF	BIT_ULL(8)
#define DR6_BS		BIT_ULL(14)

static void vm_stats(struct hyv_vcpu *vcpu, struct hyv_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	HYV_ASSERT(!ioctl(vcpu->vm->fd, HYV_GET_STATS, st), "HYV_GET_STATS");
}

/* ---- RDPMC --------------------------------------------------------------- */

static void guest_rdpmc(void)
{
	u32 lo = 0, hi = 0;
	u64 vector;

	asm volatile(GUEST_ASM_SAFE("rdpmc") "mov %%r9, %[vec]"
		     : "+a"(lo), "+d"(hi), [vec] "=r"(vector) : "c"(0)
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(vector, lo, hi, 0);
	GUEST_DONE();
}

/* No PMU is offered: RDPMC at CPL 0 raises #GP, it reads nothing. */
TEST(rdpmc_gives_gp_and_reads_no_host_counter)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_rdpmc);
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_GP, uc.args[0]);
	EXPECT_EQ(0, uc.args[1] | uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- WBINVD ---------------------------------------------------------------- */

#define WBINVD_COUNT	20

static void guest_wbinvd(void)
{
	int i;

	GUEST_SYNC(0);
	for (i = 0; i < WBINVD_COUNT; i++)
		asm volatile("wbinvd" : : : "memory");
	GUEST_SYNC(0);
	GUEST_DONE();
}

/* Every WBINVD exits (and is dropped): none flushes the host's caches. */
TEST(each_wbinvd_exits_and_the_guest_goes_on)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_wbinvd);
	struct hyv_vm_stats a, b;

	hyv_vcpu_run_sync(vcpu);
	vm_stats(vcpu, &a);
	hyv_vcpu_run_sync(vcpu);
	vm_stats(vcpu, &b);
	EXPECT_GE(b.exits - a.exits, WBINVD_COUNT + 1);
	EXPECT_EQ(1, b.exits_to_user - a.exits_to_user);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- #DB ------------------------------------------------------------------- */

static u64 guest_db_count __used;
static u64 guest_db_dr6 __used;

/* #DB handler: count, remember DR6; TF stays set in the frame. */
GUEST_ASM(guest_db_handler,
	  "incq guest_db_count(%rip)\n"
	  "pushq %rax\n"
	  "mov %dr6, %rax\n"
	  "movq %rax, guest_db_dr6(%rip)\n"
	  "popq %rax\n"
	  "iretq\n");

#define STEPPED_NOPS	50

/* Single-step fifty NOPs: each #DB goes guest → host → guest. */
GUEST_ASM(guest_single_step,
	  "pushfq\n"
	  "orq $0x100, (%rsp)\n"
	  "popfq\n"
	  ".rept 50\n"
	  "nop\n"
	  ".endr\n"
	  "pushfq\n"
	  "andq $~0x100, (%rsp)\n"
	  "popfq\n"
	  "movq guest_db_count(%rip), %rdi\n"
	  "movq guest_db_dr6(%rip), %rsi\n"
	  "movl $" hyv_str(UCALL_SYNC) ", %eax\n"
	  "outl %eax, $" hyv_str(HYV_UCALL_PORT) "\n"
	  "hlt\n");

TEST(single_step_debug_exceptions_pass_through_the_host)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_single_step);
	struct hyv_vm_stats st;
	struct hyv_ucall uc;

	hyv_vm_set_idt_gate(vcpu->vm, VEC_DB, guest_db_handler);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	/* The NOPs, the POPFQ that cleared TF and the PUSHFQ before it. */
	EXPECT_GE(uc.args[0], STEPPED_NOPS);
	EXPECT_LE(uc.args[0], STEPPED_NOPS + 4);
	EXPECT_EQ(DR6_BS, uc.args[1] & DR6_BS) TH_LOG("DR6 %#llx", uc.args[1]);
	vm_stats(vcpu, &st);
	EXPECT_EQ(uc.args[0], st.exit_reason[HYV_STAT_EXIT_EXCEPTION]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- #AC -------------------------------------------------------------------- */

static u64 guest_ac_loops;
static u8 guest_unaligned[16] __aligned(16);

/* User mode with EFLAGS.AC: an unaligned load faults #AC, again and again. */
static void __noreturn guest_user_ac_loop(void)
{
	u64 vector, err, val;

	asm volatile("pushfq\n\torq $0x40000, (%%rsp)\n\tpopfq" : : : "memory");
	for (;;) {
		asm volatile(GUEST_ASM_SAFE("movq (%[p]), %[val]")
			     "mov %%r9, %[vec]\n\tmov %%r11, %[err]"
			     : [vec] "=r"(vector), [err] "=r"(err),
			       [val] "=&r"(val)
			     : [p] "r"(guest_unaligned + 1)
			     : "r9", "r10", "r11", "memory");
		if (++guest_ac_loops == 1000)
			GUEST_SYNC4(vector, err, 0, 0);
	}
}

static void guest_ac(void)
{
	u64 cr0;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0" : : "r"(cr0 | X86_CR0_AM));
	guest_enter_user(guest_user_ac_loop);
}

static void alarm_handler(int sig)
{
	(void)sig;
}

/*
 * A thousand #ACs, each through the host, then a guest that faults
 * forever: RUN still returns at the VMM's signal.
 */
TEST(alignment_checks_pass_through_the_host_and_a_fault_loop_yields_to_a_signal)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_ac);
	struct sigaction sa = { .sa_handler = alarm_handler };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 300000 } };
	struct hyv_vm_stats st;
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	if (uc.args[0] == GUEST_NO_EXCEPTION) {
		hyv_vm_free_with_vcpu(vcpu);
		/* QEMU's TCG does not implement alignment checking. */
		SKIP(return, "this CPU raises no #AC for a misaligned load at CPL 3");
	}
	EXPECT_EQ(VEC_AC, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	vm_stats(vcpu, &st);
	EXPECT_GE(st.exit_reason[HYV_STAT_EXIT_EXCEPTION], 1000);

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-1, __hyv_vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(HYV_EXIT_INTR, vcpu->run->exit_reason);
	hyv_vm_free_with_vcpu(vcpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What a guest may not do to the CPU it shares with the host (issue #9,
 * B.10), and what the architecture says for a guest without those
 * features (issue #10, item 6): RDPMC gives #GP (no host performance
 * counters), WBINVD and INVD exit and are dropped (no host-wide cache
 * flush or loss), MONITOR/MWAIT are #UD (not in CPUID), all of them with
 * the CPL checks the CPU makes, and #DB and #AC pass through the host on
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
#define VEC_UD		6
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

/* ---- INVD, MONITOR/MWAIT, and the CPL checks -------------------------------- */

static u64 guest_invd_word;

/* INVD exits and is dropped: the guest's own writes before it survive. */
static void guest_invd(void)
{
	u64 vector;

	guest_invd_word = 0x1234567887654321ULL;
	asm volatile(GUEST_ASM_SAFE("invd") "mov %%r9, %[vec]"
		     : [vec] "=r"(vector) : : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(vector, guest_invd_word, 0, 0);
	GUEST_DONE();
}

TEST(invd_is_dropped_and_guest_memory_survives)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_invd);
	struct hyv_vm_stats st;
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(0x1234567887654321ULL, uc.args[1]);
	vm_stats(vcpu, &st);
	EXPECT_GE(st.exits, 2);		/* INVD and the ucall */
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * No MONITOR in the guest's CPUID: MONITOR and MWAIT are #UD (SDM vol.
 * 2B "MONITOR", "MWAIT"), on SVM and VMX alike.
 */
static void guest_monitor_mwait(void)
{
	u32 a, b, c, d;
	u64 mon, mwait;

	guest_cpuid(1, 0, &a, &b, &c, &d);
	asm volatile(GUEST_ASM_SAFE("monitor") "mov %%r9, %[vec]"
		     : [vec] "=r"(mon)
		     : "a"(HYV_DATA_GPA), "c"(0), "d"(0)
		     : "r9", "r10", "r11", "memory");
	asm volatile(GUEST_ASM_SAFE("mwait") "mov %%r9, %[vec]"
		     : [vec] "=r"(mwait) : "a"(0), "c"(0)
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(c, mon, mwait, 0);
	GUEST_DONE();
}

TEST(monitor_and_mwait_are_ud_without_the_cpuid_bit)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_monitor_mwait);
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[0] & BIT(3));	/* CPUID.1:ECX.MONITOR */
	EXPECT_EQ(VEC_UD, uc.args[1]);
	EXPECT_EQ(VEC_UD, uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * At CPL 3, WBINVD and INVD are #GP, RDPMC is #GP without CR4.PCE, and
 * MONITOR/MWAIT are still #UD: the privilege checks come before the
 * intercepts (SDM vol. 3C 26.1.1, APM vol. 2 15.7) or hyv makes them.
 */
static void __noreturn guest_user_privileged(void)
{
	u64 wbinvd, invd, rdpmc, mwait;

	asm volatile(GUEST_ASM_SAFE("wbinvd") "mov %%r9, %[vec]"
		     : [vec] "=r"(wbinvd) : : "r9", "r10", "r11", "memory");
	asm volatile(GUEST_ASM_SAFE("invd") "mov %%r9, %[vec]"
		     : [vec] "=r"(invd) : : "r9", "r10", "r11", "memory");
	asm volatile(GUEST_ASM_SAFE("rdpmc") "mov %%r9, %[vec]"
		     : [vec] "=r"(rdpmc) : "c"(0)
		     : "rax", "rdx", "r9", "r10", "r11", "memory");
	asm volatile(GUEST_ASM_SAFE("mwait") "mov %%r9, %[vec]"
		     : [vec] "=r"(mwait) : "a"(0), "c"(0)
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(wbinvd, invd, rdpmc, mwait);
	for (;;)
		guest_hlt();
}

static void guest_user_entry(void)
{
	guest_enter_user(guest_user_privileged);
}

TEST(wbinvd_invd_rdpmc_at_cpl3_are_gp)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_user_entry);
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_GP, uc.args[0]);
	EXPECT_EQ(VEC_GP, uc.args[1]);
	EXPECT_EQ(VEC_GP, uc.args[2]);
	EXPECT_EQ(VEC_UD, uc.args[3]);
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

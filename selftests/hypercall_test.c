// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls (VMMCALL on AMD, VMCALL on Intel) handled in the kernel: echo
 * returns RBX, version returns HYV_PV_VERSION, an unknown number returns
 * -HYV_ENOSYS, only RAX changes, and user mode (CPL 3) may not call.
 */
#include "hyv_test.h"
#include "hyv_util.h"

static const u64 echo_values[] = {
	0, 1, 0xdeadbeefcafebabeULL, 0x8000000000000000ULL, ~0ULL,
};

#define NR_ECHO_VALUES ARRAY_SIZE(echo_values)

static void guest_echo(void)
{
	unsigned int i;

	for (i = 0; i < NR_ECHO_VALUES; i++)
		GUEST_SYNC4(echo_values[i],
			    guest_hypercall(HYV_HC_ECHO, echo_values[i], 1, 2, 3),
			    0, 0);
	GUEST_DONE();
}

TEST(echo_hypercall_returns_rbx)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_echo);
	struct hyv_ucall uc;
	unsigned int i;

	for (i = 0; i < NR_ECHO_VALUES; i++) {
		ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(echo_values[i], uc.args[0]);
		EXPECT_EQ(echo_values[i], uc.args[1]);
	}
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

static void guest_version(void)
{
	GUEST_SYNC(guest_hypercall(HYV_HC_VERSION, 0, 0, 0, 0));
	GUEST_DONE();
}

TEST(version_hypercall_returns_hyv_pv_version)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_version);

	ASSERT_EQ(HYV_PV_VERSION, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

static const u64 unknown_numbers[] = {
	HYV_HC_DOORBELL + 1, 0x1234, 0x7fffffff, (1ULL << 32) | HYV_HC_ECHO, ~0ULL,
};

#define NR_UNKNOWN ARRAY_SIZE(unknown_numbers)

static void guest_unknown(void)
{
	unsigned int i;

	for (i = 0; i < NR_UNKNOWN; i++)
		GUEST_SYNC(guest_hypercall(unknown_numbers[i], 5, 6, 7, 8));
	GUEST_DONE();
}

TEST(unknown_hypercall_returns_minus_enosys)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_unknown);
	unsigned int i;

	for (i = 0; i < NR_UNKNOWN; i++)
		EXPECT_EQ((u64)-HYV_ENOSYS, hyv_vcpu_run_sync(vcpu))
			TH_LOG("hypercall number %#llx", unknown_numbers[i]);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Every GPR but RAX holds its own pattern across an echo hypercall. */
GUEST_ASM(guest_echo_regs,
	  "	movabsq $0x1111111111111111, %rbx\n"
	  "	movabsq $0x2222222222222222, %rcx\n"
	  "	movabsq $0x3333333333333333, %rdx\n"
	  "	movabsq $0x4444444444444444, %rsi\n"
	  "	movabsq $0x5555555555555555, %rdi\n"
	  "	movabsq $0x6666666666666666, %rbp\n"
	  "	movabsq $0x8888888888888888, %r8\n"
	  "	movabsq $0x9999999999999999, %r9\n"
	  "	movabsq $0xaaaaaaaaaaaaaaaa, %r10\n"
	  "	movabsq $0xbbbbbbbbbbbbbbbb, %r11\n"
	  "	movabsq $0xcccccccccccccccc, %r12\n"
	  "	movabsq $0xdddddddddddddddd, %r13\n"
	  "	movabsq $0xeeeeeeeeeeeeeeee, %r14\n"
	  "	movabsq $0xffffffffffffffff, %r15\n"
	  "	movl $" hyv_str(HYV_HC_ECHO) ", %eax\n"
	  "	cmpb $0, hyv_guest_use_vmmcall(%rip)\n"
	  "	je 1f\n"
	  "	vmmcall\n"
	  "	jmp 2f\n"
	  "1:	vmcall\n"
	  "2:	hlt\n"
	  "guest_echo_regs_done:\n"
	  "	jmp 2b\n");
GUEST_LABEL(guest_echo_regs_done);

TEST(hypercall_changes_only_rax)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_echo_regs);
	struct hyv_regs regs;

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ((u64)guest_echo_regs_done, regs.rip);
	EXPECT_EQ(0x1111111111111111ULL, regs.rax);
	EXPECT_EQ(0x1111111111111111ULL, regs.rbx);
	EXPECT_EQ(0x2222222222222222ULL, regs.rcx);
	EXPECT_EQ(0x3333333333333333ULL, regs.rdx);
	EXPECT_EQ(0x4444444444444444ULL, regs.rsi);
	EXPECT_EQ(0x5555555555555555ULL, regs.rdi);
	EXPECT_EQ(0x6666666666666666ULL, regs.rbp);
	EXPECT_EQ(0x8888888888888888ULL, regs.r8);
	EXPECT_EQ(0x9999999999999999ULL, regs.r9);
	EXPECT_EQ(0xaaaaaaaaaaaaaaaaULL, regs.r10);
	EXPECT_EQ(0xbbbbbbbbbbbbbbbbULL, regs.r11);
	EXPECT_EQ(0xccccccccccccccccULL, regs.r12);
	EXPECT_EQ(0xddddddddddddddddULL, regs.r13);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, regs.r14);
	EXPECT_EQ(0xffffffffffffffffULL, regs.r15);
	hyv_vm_free_with_vcpu(vcpu);
}

#define LINUX_EPERM	1	/* hyv_pv.h has no HYV_EPERM (yet) */

static void user_echo(void)
{
	u16 cs;

	asm volatile("movw %%cs, %0" : "=r"(cs));
	GUEST_SYNC4(cs & 3, guest_hypercall(HYV_HC_ECHO, 42, 0, 0, 0), 0, 0);
	GUEST_DONE();
	for (;;)
		;
}

static void guest_user_echo(void)
{
	guest_enter_user(user_echo);
}

TEST(hypercall_from_user_mode_returns_minus_eperm)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_user_echo);
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(3, uc.args[0]);		/* it really ran at CPL 3 */
	EXPECT_EQ((u64)-LINUX_EPERM, uc.args[1]);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

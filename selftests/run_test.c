// SPDX-License-Identifier: GPL-2.0
/*
 * Running guest code: a 64-bit guest computes, HLTs, and the host reads
 * its registers; RUN after HLT continues; register state set by the VMM
 * is what the guest sees, and GET returns what SET stored.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "hyv_util.h"

static u64 fib(u64 n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

/* fib(n) in RAX, then HLT: the result travels only through the registers. */
static void guest_fib_hlt(u64 n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	asm volatile("hlt" : : "a"(a) : "memory");
	GUEST_DONE();
}

TEST(guest_computes_fib_and_host_reads_it_from_rax_after_hlt)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_fib_hlt);
	struct hyv_regs regs;

	hyv_vcpu_set_args(vcpu, 90, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	ASSERT_EQ(fib(90), regs.rax);
	ASSERT_EQ(2880067194370816120ULL, regs.rax);

	/* After the HLT the guest carries on to GUEST_DONE. */
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Three HLTs in a row, with a different RAX before each. */
GUEST_ASM(guest_three_hlts,
	  "	movl $1, %eax\n"
	  "	hlt\n"
	  "guest_after_hlt1:\n"
	  "	movl $2, %eax\n"
	  "	hlt\n"
	  "guest_after_hlt2:\n"
	  "	movl $3, %eax\n"
	  "	hlt\n"
	  "guest_after_hlt3:\n"
	  "	jmp guest_three_hlts\n");
GUEST_LABEL(guest_after_hlt1);
GUEST_LABEL(guest_after_hlt2);
GUEST_LABEL(guest_after_hlt3);

TEST(run_after_hlt_resumes_at_the_next_instruction)
{
	const u8 *after[] = { guest_after_hlt1, guest_after_hlt2, guest_after_hlt3 };
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_three_hlts);
	struct hyv_regs regs;
	int i;

	for (i = 0; i < 3; i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
		hyv_vcpu_get_regs(vcpu, &regs);
		EXPECT_EQ(i + 1, regs.rax);
		EXPECT_EQ((u64)after[i], regs.rip);
	}
	hyv_vm_free_with_vcpu(vcpu);
}

/* RAX = the sum of every other GPR as the VMM set them; then HLT. */
GUEST_ASM(guest_sum_regs,
	  "	movq %rbx, %rax\n"
	  "	addq %rcx, %rax\n"
	  "	addq %rdx, %rax\n"
	  "	addq %rsi, %rax\n"
	  "	addq %rdi, %rax\n"
	  "	addq %rbp, %rax\n"
	  "	addq %r8, %rax\n"
	  "	addq %r9, %rax\n"
	  "	addq %r10, %rax\n"
	  "	addq %r11, %rax\n"
	  "	addq %r12, %rax\n"
	  "	addq %r13, %rax\n"
	  "	addq %r14, %rax\n"
	  "	addq %r15, %rax\n"
	  "	pushfq\n"
	  "	popq %rbx\n"
	  "	hlt\n");

TEST(registers_set_by_the_vmm_are_seen_by_the_guest)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sum_regs);
	struct hyv_regs regs;
	u64 *gpr[] = { &regs.rbx, &regs.rcx, &regs.rdx, &regs.rsi, &regs.rdi,
		       &regs.rbp, &regs.r8, &regs.r9, &regs.r10, &regs.r11,
		       &regs.r12, &regs.r13, &regs.r14, &regs.r15 };
	u64 sum = 0;
	unsigned int i;

	hyv_vcpu_get_regs(vcpu, &regs);
	for (i = 0; i < ARRAY_SIZE(gpr); i++) {
		*gpr[i] = 0x1000000000000001ULL << (i % 4) | (u64)i << 20;
		sum += *gpr[i];
	}
	regs.rflags = 0x2 | 0x400;	/* DF: the adds leave it alone */
	hyv_vcpu_set_regs(vcpu, &regs);

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(sum, regs.rax);
	/* RBX: RFLAGS as the guest read it; DF set, IF clear. */
	EXPECT_EQ(0x402, regs.rbx & 0x602);
	EXPECT_EQ(0x402, regs.rflags & 0x602);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(get_regs_returns_what_set_regs_stored)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sum_regs);
	struct hyv_regs set, got;
	u64 *p = (u64 *)&set;
	unsigned int i;

	/* rax .. r15: 16 distinct values; then rip and rflags. */
	for (i = 0; i < 16; i++)
		p[i] = 0x0123456789abcdefULL ^ ((u64)i << 56 | i);
	set.rip = (u64)guest_sum_regs;
	set.rflags = 0x2 | 0x1 | 0x4 | 0x80;	/* CF, PF, SF */
	set.flags = 0;
	set.reserved = 0;
	hyv_vcpu_set_regs(vcpu, &set);
	memset(&got, 0xaa, sizeof(got));
	hyv_vcpu_get_regs(vcpu, &got);
	ASSERT_EQ(0, memcmp(&set, &got, sizeof(set)));
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(get_sregs_returns_the_long_mode_state_set_by_the_library)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sum_regs);
	struct hyv_sregs s;

	hyv_vcpu_get_sregs(vcpu, &s);
	EXPECT_EQ(0x80010033ULL, s.cr0);	/* PG WP NE ET MP PE */
	EXPECT_EQ(HYV_PT_POOL_GPA, s.cr3);
	EXPECT_EQ(0x620ULL, s.cr4);		/* OSXMMEXCPT OSFXSR PAE */
	EXPECT_EQ(0x500ULL, s.efer);		/* LMA LME, no host bits */
	EXPECT_EQ(HYV_SEL_CODE64, s.cs.selector);
	EXPECT_EQ(1, s.cs.l);
	EXPECT_EQ(0, s.cs.db);
	EXPECT_EQ(1, s.cs.present);
	EXPECT_EQ(1, s.cs.s);
	EXPECT_EQ(0xb, s.cs.type);
	EXPECT_EQ(HYV_SEL_DATA, s.ss.selector);
	EXPECT_EQ(1, s.ss.present);
	EXPECT_EQ(HYV_SEL_TSS, s.tr.selector);
	EXPECT_EQ(HYV_TSS_GPA, s.tr.base);
	EXPECT_EQ(0xb, s.tr.type);
	EXPECT_EQ(HYV_GDT_GPA, s.gdt.base);
	EXPECT_EQ(5 * 8 - 1, s.gdt.limit);
	EXPECT_EQ(HYV_IDT_GPA, s.idt.base);
	EXPECT_EQ(32 * 16 - 1, s.idt.limit);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Recursion: the guest's stack and calls between guest functions work. */
static u64 guest_ackermann(u64 m, u64 n)
{
	if (!m)
		return n + 1;
	if (!n)
		return guest_ackermann(m - 1, 1);
	return guest_ackermann(m - 1, guest_ackermann(m, n - 1));
}

static u64 guest_recurse(u64 m, u64 n)
{
	return guest_ackermann(m, n);
}

TEST(guest_function_return_value_reaches_the_host)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_recurse);

	hyv_vcpu_set_args(vcpu, 2, 3);
	ASSERT_EQ(9, hyv_vcpu_run_done(vcpu));	/* A(2, 3) = 2 * 3 + 3 */
	hyv_vm_free_with_vcpu(vcpu);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest faults: an exception is delivered through the guest's own IDT
 * without the host in the way; a guest that triple-faults, or that the
 * hardware refuses to enter, ends in an exit to userspace with a reason,
 * and the host is fine afterwards: a new VM runs guest code to completion.
 */
#include <sys/ioctl.h>

#include "hyv_test.h"
#include "hyv_util.h"

struct __packed dtr {
	u16 limit;
	u64 base;
};

/* IDT limit 0: #UD cannot be delivered, nor #GP, nor #DF: triple fault. */
static void guest_triple_fault(void)
{
	static const struct dtr empty_idt = { 0, 0 };

	asm volatile("lidt %0\n\t"
		     "ud2" : : "m"(empty_idt));
	GUEST_DONE();	/* not reached */
}

/* Page fault with no usable page tables at all: also a triple fault. */
static void guest_bad_cr3(void)
{
	asm volatile("movq %0, %%cr3\n\t"
		     "nop" : : "r"(HYV_DATA_END - SZ_4K) : "memory");
	GUEST_DONE();	/* not reached */
}

static void guest_add(u64 a, u64 b)
{
	asm volatile("hlt" : : "a"(a + b));
}

/* The host still works: a fresh VM computes and halts. */
static void check_host_healthy(struct __test_metadata *_metadata)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_add);
	struct hyv_regs regs;

	hyv_vcpu_set_args(vcpu, 40, 2);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(42, regs.rax);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(triple_fault_from_empty_idt_exits_shutdown)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_triple_fault);

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_SHUTDOWN);
	hyv_vm_free_with_vcpu(vcpu);
	check_host_healthy(_metadata);
}

TEST(triple_fault_from_bad_page_tables_exits_shutdown)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_bad_cr3);

	/* The last data page is zeroed memory: an empty PML4 maps nothing. */
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_SHUTDOWN);
	hyv_vm_free_with_vcpu(vcpu);
	check_host_healthy(_metadata);
}

TEST(run_after_shutdown_does_not_run_the_guest_on)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_triple_fault);
	int ret;

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_SHUTDOWN);
	/* Either refused or another SHUTDOWN; never a guest that runs on. */
	ret = __hyv_vcpu_run(vcpu);
	if (!ret)
		EXPECT_EQ(HYV_EXIT_SHUTDOWN, vcpu->run->exit_reason);
	hyv_vm_free_with_vcpu(vcpu);
	check_host_healthy(_metadata);
}

TEST(invalid_guest_state_is_refused_or_reported)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_add);
	struct hyv_sregs sregs;
	char desc[160];
	u32 reason;

	/*
	 * Long mode paging without protection: an illegal state that VMRUN
	 * refuses (AMD APM vol. 2 §15.5.1) and VM entry too.
	 */
	hyv_vcpu_get_sregs(vcpu, &sregs);
	sregs.cr0 &= ~1ULL;
	if (ioctl(vcpu->fd, HYV_SET_SREGS, &sregs)) {
		EXPECT_EQ(EINVAL, errno);
	} else {
		ASSERT_EQ(0, __hyv_vcpu_run(vcpu));
		reason = vcpu->run->exit_reason;
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		TH_LOG("RUN gave %s", desc);
		/* The hardware's refusal, not an "unknown exit". */
		EXPECT_EQ(HYV_EXIT_FAIL_ENTRY, reason);
	}
	hyv_vm_free_with_vcpu(vcpu);
	check_host_healthy(_metadata);
}

/* One fault per entry point; the library's IDT reports each as a ucall. */
GUEST_ASM(guest_ud2,
	  "guest_ud2_rip:\n"
	  "	ud2\n");
GUEST_LABEL(guest_ud2_rip);

GUEST_ASM(guest_int3,
	  "	int3\n"
	  "guest_int3_after:\n"
	  "	hlt\n");
GUEST_LABEL(guest_int3_after);

GUEST_ASM(guest_divide_error,
	  "	xorl %ecx, %ecx\n"
	  "	movl $1, %eax\n"
	  "	xorl %edx, %edx\n"
	  "guest_div_rip:\n"
	  "	divl %ecx\n");
GUEST_LABEL(guest_div_rip);

GUEST_ASM(guest_page_fault,
	  "	movabsq $0x200000000, %rbx\n"	/* 8 GiB: not in the page tables */
	  "guest_pf_rip:\n"
	  "	movq (%rbx), %rax\n");
GUEST_LABEL(guest_pf_rip);

GUEST_ASM(guest_rdmsr_bogus,
	  "	movl $0x4b564dff, %ecx\n"	/* no such MSR on any CPU */
	  "guest_rdmsr_rip:\n"
	  "	rdmsr\n");
GUEST_LABEL(guest_rdmsr_rip);

/* From CPL 3: delivery switches to TSS.RSP0. */
GUEST_ASM(user_ud2,
	  "user_ud2_rip:\n"
	  "	ud2\n");
GUEST_LABEL(user_ud2_rip);

/*
 * Long mode paging with CR4.PAE clear: SET_SREGS takes it (the CPU checks
 * such combinations at entry), the entry fails, and the vCPU's state is
 * still exactly what the VMM set: nothing of the host's registers in it
 * (QEMU's TCG writes them into the save area: svm.c), so the VMM can set
 * it again.
 */
TEST(failed_entry_leaves_the_state_the_vmm_set)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_add);
	struct hyv_sregs set, got;
	struct hyv_regs regs_set, regs_got;

	hyv_vcpu_get_sregs(vcpu, &set);
	set.cr4 &= ~0x20ULL;			/* X86_CR4_PAE */
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_SET_SREGS, &set));
	hyv_vcpu_get_regs(vcpu, &regs_set);
	ASSERT_EQ(0, __hyv_vcpu_run(vcpu));
	ASSERT_EQ(HYV_EXIT_FAIL_ENTRY, vcpu->run->exit_reason);

	hyv_vcpu_get_sregs(vcpu, &got);
	EXPECT_EQ(set.cr0, got.cr0);
	EXPECT_EQ(set.cr3, got.cr3);
	EXPECT_EQ(set.cr4, got.cr4);
	EXPECT_EQ(set.efer, got.efer);
	EXPECT_EQ(set.gdt.base, got.gdt.base);
	EXPECT_EQ(set.idt.base, got.idt.base);
	EXPECT_EQ(set.cs.selector, got.cs.selector);
	EXPECT_EQ(set.tr.base, got.tr.base);
	hyv_vcpu_get_regs(vcpu, &regs_got);
	EXPECT_EQ(regs_set.rip, regs_got.rip);
	EXPECT_EQ(regs_set.rsp, regs_got.rsp);
	EXPECT_EQ(0, ioctl(vcpu->fd, HYV_SET_SREGS, &got));
	hyv_vm_free_with_vcpu(vcpu);
	check_host_healthy(_metadata);
}

static void guest_user_ud2(void)
{
	guest_enter_user(user_ud2);
}

/*
 * The guest may not use the host's virtualization extension. (RAX is a
 * valid, aligned address: QEMU checks it before the intercept.)
 */
GUEST_ASM(guest_svm_or_vmx,
	  "	movl $0x100000, %eax\n"
	  "	cmpb $0, hyv_guest_use_vmmcall(%rip)\n"
	  "	je guest_vmxon_rip\n"
	  "guest_vmrun_rip:\n"
	  "	vmrun\n"
	  "guest_vmxon_rip:\n"
	  "	vmxon (%rax)\n");
GUEST_LABEL(guest_vmrun_rip);
GUEST_LABEL(guest_vmxon_rip);

TEST(guest_exceptions_are_delivered_to_the_guest_idt)
{
	struct {
		void *code;
		u64 vector, rip, error_code;
	} cases[] = {
		{ guest_ud2, 6, (u64)guest_ud2_rip, 0 },
		{ guest_int3, 3, (u64)guest_int3_after, 0 },
		{ guest_divide_error, 0, (u64)guest_div_rip, 0 },
		{ guest_page_fault, 14, (u64)guest_pf_rip, 0 },	/* not present, read */
		{ guest_rdmsr_bogus, 13, (u64)guest_rdmsr_rip, 0 },
		{ guest_user_ud2, 6, (u64)user_ud2_rip, 0 },	/* from CPL 3 */
		{ guest_svm_or_vmx, 6, 0, 0 },
	};
	struct hyv_vcpu *vcpu;
	struct hyv_ucall uc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		vcpu = hyv_vm_create_with_vcpu(cases[i].code);
		ASSERT_EQ(0, __hyv_vcpu_run(vcpu));
		ASSERT_EQ(UCALL_EXCEPTION, hyv_vcpu_get_ucall(vcpu, &uc))
			TH_LOG("case %u: exit %s", i,
			       hyv_exit_name(vcpu->run->exit_reason));
		EXPECT_EQ(cases[i].vector, uc.args[0]) TH_LOG("case %u", i);
		if (cases[i].code == guest_svm_or_vmx && hyv_guest_use_vmmcall)
			cases[i].rip = (u64)guest_vmrun_rip;
		else if (cases[i].code == guest_svm_or_vmx)
			cases[i].rip = (u64)guest_vmxon_rip;
		EXPECT_EQ(cases[i].rip, uc.args[1]) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].error_code, uc.args[2]) TH_LOG("case %u", i);
		hyv_vm_free_with_vcpu(vcpu);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's control registers, EFER and debug registers as the
 * architecture defines them (issue #9, C.15): writes the guest may make
 * take effect and read back, on the CPU and through HYV_GET_SREGS;
 * values the architecture forbids, and features the guest was not given
 * (protection keys, XSAVE without XSAVE, VMX), raise #GP; DR4/DR5 alias
 * DR6/DR7 until CR4.DE.
 */
#include <string.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define MSR_EFER	0xc0000080
#define EFER_SCE	BIT_ULL(0)
#define EFER_LME	BIT_ULL(8)
#define X86_CR0_AM	BIT_ULL(18)
#define X86_CR0_WP	BIT_ULL(16)
#define X86_CR0_PE	BIT_ULL(0)
#define X86_CR0_NW	BIT_ULL(29)
#define X86_CR0_PG	BIT_ULL(31)
#define X86_CR4_DE	BIT_ULL(3)
#define X86_CR4_PGE	BIT_ULL(7)
#define X86_CR4_VMXE	BIT_ULL(13)
#define X86_CR4_OSXSAVE	BIT_ULL(18)
#define X86_CR4_PKE	BIT_ULL(22)
#define X86_CR4_LA57	BIT_ULL(12)
#define VEC_UD		6
#define VEC_GP		13

static inline u64 guest_read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline u64 guest_read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* MOV to CR0/CR4, the vector of the fault it raised or GUEST_NO_EXCEPTION. */
static inline u8 guest_write_cr0_safe(u64 v)
{
	u64 vector;

	asm volatile(GUEST_ASM_SAFE("mov %[v], %%cr0") "mov %%r9, %[vec]"
		     : [vec] "=r"(vector) : [v] "r"(v)
		     : "r9", "r10", "r11", "memory");
	return vector;
}

static inline u8 guest_write_cr4_safe(u64 v)
{
	u64 vector;

	asm volatile(GUEST_ASM_SAFE("mov %[v], %%cr4") "mov %%r9, %[vec]"
		     : [vec] "=r"(vector) : [v] "r"(v)
		     : "r9", "r10", "r11", "memory");
	return vector;
}

static void guest_cr0_cr4(void)
{
	u64 cr0 = guest_read_cr0(), cr4 = guest_read_cr4();

	u64 r[4];

	/* Allowed: AM on, PGE off and on again; each reads back. */
	r[0] = guest_write_cr0_safe(cr0 | X86_CR0_AM);
	r[1] = guest_read_cr0() & X86_CR0_AM;
	r[2] = guest_write_cr4_safe(cr4 & ~X86_CR4_PGE);
	r[3] = guest_read_cr4() & X86_CR4_PGE;
	GUEST_SYNC4(r[0], r[1], r[2], r[3]);
	r[0] = guest_write_cr4_safe(cr4 | X86_CR4_PGE);
	r[1] = guest_read_cr4() & X86_CR4_PGE;
	GUEST_SYNC4(r[0], r[1], 0, 0);
	cr0 |= X86_CR0_AM;
	/* Forbidden by the architecture in any mode. */
	r[0] = guest_write_cr0_safe(cr0 | BIT_ULL(32));
	r[1] = guest_write_cr0_safe(cr0 | X86_CR0_NW);	/* NW without CD */
	r[2] = guest_write_cr0_safe(cr0 & ~X86_CR0_PE);	/* PG without PE */
	r[3] = guest_write_cr0_safe(cr0 & ~X86_CR0_PG);	/* off in 64-bit mode */
	GUEST_SYNC4(r[0], r[1], r[2], r[3]);
	/* Features this guest was not given. */
	r[0] = guest_write_cr4_safe(cr4 | X86_CR4_PKE);
	r[1] = guest_write_cr4_safe(cr4 | X86_CR4_VMXE);
	r[2] = guest_write_cr4_safe(cr4 | X86_CR4_LA57);
	r[3] = guest_write_cr4_safe(cr4 | BIT_ULL(32));
	GUEST_SYNC4(r[0], r[1], r[2], r[3]);
	GUEST_SYNC4(guest_read_cr0(), guest_read_cr4(), 0, 0);
	GUEST_DONE();
}

TEST(cr0_cr4_writes_take_effect_or_give_gp_as_the_architecture_says)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_cr0_cr4);
	struct hyv_sregs sregs;
	struct hyv_ucall uc;
	int i;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(X86_CR0_AM, uc.args[1]);
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[2]);
	EXPECT_EQ(0, uc.args[3]);
	hyv_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(X86_CR0_AM, sregs.cr0 & X86_CR0_AM);
	EXPECT_EQ(0, sregs.cr4 & X86_CR4_PGE);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(X86_CR4_PGE, uc.args[1]);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(VEC_GP, uc.args[0]);
		EXPECT_EQ(VEC_GP, uc.args[1]);
		EXPECT_EQ(VEC_GP, uc.args[2]);
		EXPECT_EQ(VEC_GP, uc.args[3]);
	}
	/* Nothing refused was applied: the guest and the VMM agree. */
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	hyv_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(uc.args[0], sregs.cr0);
	EXPECT_EQ(uc.args[1], sregs.cr4);
	EXPECT_EQ(0, sregs.cr4 & (X86_CR4_PKE | X86_CR4_VMXE | X86_CR4_LA57));
	ASSERT_EQ(UCALL_DONE, hyv_vcpu_run_ucall(vcpu, &uc));
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- EFER ---------------------------------------------------------------------- */

static void guest_efer(void)
{
	u64 efer = guest_rdmsr(MSR_EFER), r[4];

	r[0] = efer;
	r[1] = guest_wrmsr_safe(MSR_EFER, efer | EFER_SCE);
	r[2] = guest_rdmsr(MSR_EFER);
	r[3] = guest_wrmsr_safe(MSR_EFER, efer & ~EFER_LME);
	GUEST_SYNC4(r[0], r[1], r[2], r[3]);
	r[0] = guest_wrmsr_safe(MSR_EFER, efer | BIT_ULL(13));
	r[1] = guest_wrmsr_safe(MSR_EFER, efer | BIT_ULL(12));	/* SVME */
	r[2] = guest_wrmsr_safe(MSR_EFER, efer | BIT_ULL(63));
	r[3] = guest_rdmsr(MSR_EFER);
	GUEST_SYNC4(r[0], r[1], r[2], r[3]);
	GUEST_DONE();
}

/*
 * EFER reads the long-mode state the VMM set; SCE can be set; LME cannot
 * change with paging on; reserved bits and SVME (no nesting) give #GP.
 */
TEST(efer_reads_back_and_refuses_what_the_architecture_forbids)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_efer);
	struct hyv_ucall uc;
	u64 efer;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	efer = uc.args[0];
	EXPECT_EQ(EFER_LME | BIT_ULL(10), efer & (EFER_LME | BIT_ULL(10)));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[1]);
	EXPECT_EQ(efer | EFER_SCE, uc.args[2]);
	EXPECT_EQ(VEC_GP, uc.args[3]);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_GP, uc.args[0]);
	EXPECT_EQ(VEC_GP, uc.args[1]);
	EXPECT_EQ(VEC_GP, uc.args[2]);
	EXPECT_EQ(efer | EFER_SCE, uc.args[3]);
	ASSERT_EQ(UCALL_DONE, hyv_vcpu_run_ucall(vcpu, &uc));
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Debug registers -------------------------------------------------------------- */

static u8 guest_mov_dr_safe(bool to, int dr, u64 *val)
{
	u64 vector;

	/* One asm per register: the DR number is part of the encoding. */
#define MOV_DR(n) do {							\
		if (to)							\
			asm volatile(GUEST_ASM_SAFE("mov %[v], %%dr" #n)	\
				     "mov %%r9, %[vec]"			\
				     : [vec] "=r"(vector) : [v] "r"(*val)	\
				     : "r9", "r10", "r11", "memory");	\
		else							\
			asm volatile(GUEST_ASM_SAFE("mov %%dr" #n ", %[v]")	\
				     "mov %%r9, %[vec]"			\
				     : [vec] "=r"(vector), [v] "=&r"(*val)	\
				     : : "r9", "r10", "r11", "memory");	\
	} while (0)
	switch (dr) {
	case 0:
		MOV_DR(0);
		break;
	case 3:
		MOV_DR(3);
		break;
	case 4:
		MOV_DR(4);
		break;
	case 5:
		MOV_DR(5);
		break;
	case 6:
		MOV_DR(6);
		break;
	case 7:
		MOV_DR(7);
		break;
	default:
		return 0xfe;
	}
#undef MOV_DR
	return vector;
}

static void guest_debug_regs(void)
{
	u64 v, cr4 = guest_read_cr4();

	u8 vec;

	v = 0x1234;
	GUEST_SYNC4(guest_mov_dr_safe(true, 0, &v), 0, 0, 0);
	v = 0;
	vec = guest_mov_dr_safe(false, 0, &v);
	GUEST_SYNC4(vec, v, 0, 0);
	v = 0x0f;		/* DR7 L0, G0, L1, G1 */
	guest_mov_dr_safe(true, 5, &v);	/* DR5 is DR7 with CR4.DE clear */
	vec = guest_mov_dr_safe(false, 7, &v);
	GUEST_SYNC4(vec, v, 0, 0);
	v = BIT_ULL(32);
	GUEST_SYNC4(guest_mov_dr_safe(true, 7, &v), 0, 0, 0);	/* #GP */
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_DE));
	GUEST_SYNC4(guest_mov_dr_safe(false, 4, &v), 0, 0, 0);	/* #UD */
	asm volatile("mov %0, %%cr4" : : "r"(cr4));
	GUEST_DONE();
}

/*
 * The guest's debug registers hold what it wrote; DR5 aliases DR7 with
 * CR4.DE clear and is #UD with it set; DR7 bits 63:32 give #GP.
 */
TEST(debug_registers_hold_the_guests_values_with_the_architectures_aliases)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_debug_regs);
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[0]);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(0x1234, uc.args[1]);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(0x40f, uc.args[1]);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_GP, uc.args[0]);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_UD, uc.args[0]);
	ASSERT_EQ(UCALL_DONE, hyv_vcpu_run_ucall(vcpu, &uc));
	hyv_vm_free_with_vcpu(vcpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's register map as a guest sees it, offset by offset:
 * every 16-byte slot of the xAPIC page and every MSR of the x2APIC range
 * (0x800-0x8ff) gives the architectural answer (Intel SDM vol. 3A tables
 * 11-1 and 11-6): reserved xAPIC offsets read 0 and ignore writes,
 * reserved, write-only and read-only x2APIC MSRs raise #GP. Nothing of
 * the host's memory around the register file may show through.
 */
#include <string.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define XAPIC_SLOTS	256		/* 4 KiB page / 16 */
#define X2APIC_MSRS	256		/* 0x800 .. 0x8ff */
#define VEC_GP		13
#define APIC_TEST_ID	5

/* What the guest saw, written in guest memory, read back by the host. */
static u32 xapic_read[XAPIC_SLOTS];
static u32 xapic_after[XAPIC_SLOTS];
static u8 x2apic_read_vec[X2APIC_MSRS];
static u64 x2apic_read_val[X2APIC_MSRS];
static u8 x2apic_write_vec[X2APIC_MSRS];

/* Registers of the xAPIC page a read returns (SDM table 11-1). */
static bool xapic_readable(u32 offset)
{
	if (offset >= 0x100 && offset <= 0x280)	/* ISR, TMR, IRR, ESR */
		return true;
	if (offset >= 0x300 && offset <= 0x390)	/* ICR, LVTs, timer counts */
		return true;
	switch (offset) {
	case 0x020: case 0x030: case 0x080: case 0x090: case 0x0a0:
	case 0x0c0: case 0x0d0: case 0x0e0: case 0x0f0: case 0x2f0:
	case 0x3e0:
		return true;
	}
	return false;
}

/* x2APIC MSRs RDMSR reads without #GP (SDM table 11-6). */
static bool x2apic_readable(u32 msr)
{
	if (msr >= 0x810 && msr <= 0x828)	/* ISR, TMR, IRR, ESR */
		return true;
	if (msr >= 0x832 && msr <= 0x839)	/* LVTs, timer counts */
		return true;
	switch (msr) {
	case 0x802: case 0x803: case 0x808: case 0x80a: case 0x80d:
	case 0x80f: case 0x82f: case 0x830: case 0x83e:
		return true;
	}
	return false;
}

/* x2APIC MSRs that exist but are read-only: WRMSR raises #GP. */
static bool x2apic_read_only(u32 msr)
{
	return msr == 0x802 || msr == 0x803 || msr == 0x80a || msr == 0x80d ||
	       (msr >= 0x810 && msr <= 0x827) || msr == 0x839;
}

static void guest_xapic_map(void)
{
	u32 i;

	guest_xapic_enable();
	for (i = 0; i < XAPIC_SLOTS; i++)
		xapic_read[i] = guest_xapic_read(i * 16);
	/* Writes to reserved slots (0x400 and up included) are dropped. */
	for (i = 0; i < XAPIC_SLOTS; i++)
		if (!xapic_readable(i * 16) && i * 16 != APIC_EOI)
			guest_xapic_write(i * 16, 0xffffffff);
	for (i = 0; i < XAPIC_SLOTS; i++)
		xapic_after[i] = guest_xapic_read(i * 16);
	GUEST_DONE();
}

TEST(xapic_page_reads_registers_and_zero_for_reserved_offsets)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, APIC_TEST_ID, guest_xapic_map);
	struct hyv_ucall uc;
	u32 i, *seen, *after;

	guest_irq_install(vm);
	guest_irq_vcpu_init(vcpu);
	ASSERT_EQ(UCALL_DONE, host_run_ucall_within(vcpu, &uc, 60));
	seen = &GUEST_VAR(vm, xapic_read[0]);
	after = &GUEST_VAR(vm, xapic_after[0]);
	for (i = 0; i < XAPIC_SLOTS; i++) {
		if (!xapic_readable(i * 16))
			EXPECT_EQ(0, seen[i]) TH_LOG("offset %#x", i * 16);
		EXPECT_EQ(seen[i], after[i]) TH_LOG("offset %#x after writes", i * 16);
	}
	EXPECT_EQ(APIC_TEST_ID << 24, seen[APIC_ID / 16]);
	EXPECT_EQ(0x14, seen[APIC_VERSION / 16] & 0xff);
	EXPECT_EQ(0xffffffff, seen[APIC_DFR / 16]);
	EXPECT_EQ(APIC_SVR_ENABLE | 0xff, seen[APIC_SVR / 16]);
	hyv_vm_free_with_vcpu(vcpu);
}

static void guest_x2apic_map(void)
{
	u32 i;

	guest_x2apic_enable();
	for (i = 0; i < X2APIC_MSRS; i++)
		x2apic_read_vec[i] = guest_rdmsr_safe(0x800 + i, &x2apic_read_val[i]);
	/*
	 * Write what may not be written: reserved and read-only MSRs. The
	 * writable ones have side effects (IPIs, EOIs) and are not touched.
	 */
	for (i = 0; i < X2APIC_MSRS; i++) {
		u32 msr = 0x800 + i;

		x2apic_write_vec[i] = GUEST_NO_EXCEPTION;
		if (!x2apic_readable(msr) && msr != 0x80b && msr != 0x83f)
			x2apic_write_vec[i] = guest_wrmsr_safe(msr, 0);
		else if (x2apic_read_only(msr))
			x2apic_write_vec[i] = guest_wrmsr_safe(msr, 0);
	}
	/* ESR takes only zero (SDM §11.12.1.2). */
	GUEST_SYNC(guest_wrmsr_safe(0x828, 1));
	GUEST_DONE();
}

TEST(x2apic_msrs_gp_on_reserved_write_only_and_read_only_access)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, APIC_TEST_ID, guest_x2apic_map);
	struct hyv_ucall uc;
	u8 *rvec, *wvec;
	u64 *rval;
	u32 i;

	guest_irq_install(vm);
	guest_irq_vcpu_init(vcpu);
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_EQ(VEC_GP, uc.args[0]);
	ASSERT_EQ(UCALL_DONE, host_run_ucall_within(vcpu, &uc, 60));
	rvec = &GUEST_VAR(vm, x2apic_read_vec[0]);
	rval = &GUEST_VAR(vm, x2apic_read_val[0]);
	wvec = &GUEST_VAR(vm, x2apic_write_vec[0]);
	for (i = 0; i < X2APIC_MSRS; i++) {
		u32 msr = 0x800 + i;
		bool writable = msr == 0x80b || msr == 0x83f ||
				(x2apic_readable(msr) && !x2apic_read_only(msr));

		if (x2apic_readable(msr)) {
			EXPECT_EQ(GUEST_NO_EXCEPTION, rvec[i]) TH_LOG("rdmsr %#x", msr);
		} else {
			EXPECT_EQ(VEC_GP, rvec[i]) TH_LOG("rdmsr %#x", msr);
			EXPECT_EQ(0, rval[i]) TH_LOG("rdmsr %#x", msr);
		}
		if (!writable)
			EXPECT_EQ(VEC_GP, wvec[i]) TH_LOG("wrmsr %#x", msr);
	}
	EXPECT_EQ(APIC_TEST_ID, rval[0x02]);
	EXPECT_EQ(1 << (APIC_TEST_ID & 15), rval[0x0d]);	/* LDR */
	hyv_vm_free_with_vcpu(vcpu);
}

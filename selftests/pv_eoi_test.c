// SPDX-License-Identifier: GPL-2.0
/*
 * PV EOI through KVM's interface (host/pv_eoi.c): the CPUID leaves that
 * advertise it, the MSR's checks, interrupts acknowledged without an exit
 * (counted: MSR exits per interrupt), the in-service vector really ended
 * (a lower-priority interrupt still gets in afterwards), and no PV EOI
 * while another interrupt waits.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define VEC_HIGH	0x60
#define VEC_LOW		0x50	/* a lower priority class than VEC_HIGH */
#define SELF_IPIS	64

static u64 msr_exits(struct hyv_vm *vm)
{
	struct hyv_vm_stats st;

	memset(&st, 0, sizeof(st));
	HYV_ASSERT(!ioctl(vm->fd, HYV_GET_STATS, &st), "HYV_GET_STATS");
	return st.exit_reason[HYV_STAT_EXIT_MSR];
}

/* x2APIC on, the handler's EOI through the PV word, PV EOI enabled. */
static void guest_pv_eoi_enable(u64 gpa)
{
	guest_x2apic_enable();
	guest_irq_eoi_mode = GUEST_EOI_PV;
	guest_wrmsr(HYV_MSR_KVM_PV_EOI_EN, gpa | 1);
}

static void guest_self_ipi(u8 vector)
{
	guest_x2apic_ipi(0, APIC_DM_FIXED | APIC_DEST_SELF | vector);
}

/* ---- CPUID ---------------------------------------------------------------- */

static void guest_kvm_leaves(void)
{
	u32 a, b, c, d;

	guest_cpuid(HYV_CPUID_KVM_SIGNATURE, 0, &a, &b, &c, &d);
	GUEST_SYNC4(a, b, c, d);
	guest_cpuid(HYV_CPUID_KVM_FEATURES, 0, &a, &b, &c, &d);
	GUEST_SYNC4(a, b, c, d);
	guest_cpuid(HYV_CPUID_SIGNATURE, 0, &a, &b, &c, &d);
	GUEST_SYNC4(a, b, c, d);
}

TEST(cpuid_has_kvms_signature_with_pv_eoi_only_beside_hyvs_own)
{
	struct hyv_vcpu *vcpu = host_irq_vcpu_create(0, guest_kvm_leaves);
	struct hyv_ucall uc;
	char sig[13] = {};

	EXPECT_EQ(HYV_CPUID_KVM_FEATURES, host_run_sync(vcpu, &uc));
	memcpy(sig, &uc.args[1], 4);
	memcpy(sig + 4, &uc.args[2], 4);
	memcpy(sig + 8, &uc.args[3], 4);
	EXPECT_STREQ("KVMKVMKVM", sig);
	EXPECT_EQ(0, uc.args[3] >> 8);			/* "M\0\0\0" */
	EXPECT_EQ(HYV_KVM_FEATURE_PV_EOI, host_run_sync(vcpu, &uc));
	EXPECT_EQ(0, uc.args[1] | uc.args[2] | uc.args[3]);
	host_run_sync(vcpu, &uc);
	EXPECT_EQ(HYV_SIGNATURE_EBX, uc.args[1]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- The MSR -------------------------------------------------------------- */

static void guest_msr_checks(u64 unbacked)
{
	u64 v = 0;

	/* Bit 1 set: the u32 is not 4-byte aligned. */
	GUEST_SYNC(guest_wrmsr_safe(HYV_MSR_KVM_PV_EOI_EN, (u64)&guest_pv_eoi | 3));
	GUEST_SYNC(guest_wrmsr_safe(HYV_MSR_KVM_PV_EOI_EN, (u64)&guest_pv_eoi | 1));
	guest_rdmsr_safe(HYV_MSR_KVM_PV_EOI_EN, &v);
	GUEST_SYNC(v);
	/* Enabled at an address no slot backs: EOIs go through the APIC. */
	guest_x2apic_enable();
	guest_irq_eoi_mode = GUEST_EOI_PV;
	guest_wrmsr(HYV_MSR_KVM_PV_EOI_EN, unbacked | 1);
	guest_self_ipi(VEC_HIGH);
	guest_wait_count(VEC_HIGH, 1);
	guest_self_ipi(VEC_HIGH);
	guest_wait_count(VEC_HIGH, 2);
	GUEST_SYNC4(guest_irq_read_count(VEC_HIGH), guest_pv_eois, 0, 0);
}

TEST(pv_eoi_msr_refuses_a_misaligned_word_and_survives_an_unbacked_one)
{
	struct hyv_vcpu *vcpu = host_irq_vcpu_create(0, guest_msr_checks);
	struct hyv_ucall uc;

	hyv_vcpu_set_args(vcpu, 0xf0000000ULL, 0);
	EXPECT_EQ(13, host_run_sync(vcpu, &uc));		/* #GP */
	EXPECT_EQ(GUEST_NO_EXCEPTION, host_run_sync(vcpu, &uc));
	EXPECT_EQ((u64)&guest_pv_eoi | 1, host_run_sync(vcpu, &uc));
	host_run_sync(vcpu, &uc);
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	hyv_vm_free_with_vcpu(vcpu);
}

static void guest_msr_without_cpuid(void)
{
	GUEST_SYNC(guest_wrmsr_safe(HYV_MSR_KVM_PV_EOI_EN, (u64)&guest_pv_eoi | 1));
	GUEST_DONE();
}

TEST(pv_eoi_msr_is_gp_when_the_cpuid_table_leaves_the_feature_out)
{
	struct hyv_vcpu *vcpu = host_irq_vcpu_create(0, guest_msr_without_cpuid);
	struct {
		struct hyv_cpuid c;
		struct hyv_cpuid_entry e[HYV_MAX_CPUID_ENTRIES];
	} t;
	struct hyv_ucall uc;
	u32 i, n = 0;

	memset(&t, 0, sizeof(t));
	t.c.nent = HYV_MAX_CPUID_ENTRIES;
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_CPUID, &t));
	for (i = 0; i < t.c.nent; i++)
		if (t.e[i].function != HYV_CPUID_KVM_FEATURES)
			t.e[n++] = t.e[i];
	ASSERT_EQ(t.c.nent - 1, n);
	t.c.nent = n;
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_SET_CPUID, &t));
	EXPECT_EQ(13, host_run_sync(vcpu, &uc));
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- EOIs without exits --------------------------------------------------- */

/*
 * SELF_IPIS self-IPIs, one at a time: each ICR write exits and the
 * interrupt comes in on the way back; the handler's EOI should take the
 * PV bit. Then an interrupt of a lower class than VEC_HIGH: it gets in
 * only if every VEC_HIGH really left the ISR.
 */
static void guest_self_ipis(void)
{
	int i;

	guest_pv_eoi_enable((u64)&guest_pv_eoi);
	GUEST_SYNC(0);
	for (i = 1; i <= SELF_IPIS; i++) {
		guest_self_ipi(VEC_HIGH);
		guest_wait_count(VEC_HIGH, i);
	}
	GUEST_SYNC4(guest_irq_read_count(VEC_HIGH), guest_pv_eois, 0, 0);
	guest_self_ipi(VEC_LOW);
	guest_wait_count(VEC_LOW, 1);
	GUEST_SYNC(guest_irq_read_count(VEC_LOW));
}

TEST(interrupts_end_through_the_pv_word_without_an_eoi_exit)
{
	struct hyv_vcpu *vcpu = host_irq_vcpu_create(0, guest_self_ipis);
	struct hyv_ucall uc;
	u64 before, exits;

	host_run_sync(vcpu, &uc);
	before = msr_exits(vcpu->vm);
	host_run_sync(vcpu, &uc);
	exits = msr_exits(vcpu->vm) - before;
	TH_LOG("%d self-IPIs: %llu taken, %llu PV EOIs, %llu MSR exits",
	       SELF_IPIS, uc.args[0], uc.args[1], exits);
	EXPECT_EQ(SELF_IPIS, uc.args[0]);
	EXPECT_EQ(SELF_IPIS, uc.args[1]);
	/* One ICR write each; an EOI through the APIC would add one more. */
	EXPECT_GE(SELF_IPIS + 2, exits);
	EXPECT_EQ(1, host_run_sync(vcpu, &uc)) TH_LOG("VEC_HIGH still in service");
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * Two interrupts requested with IF clear: VEC_HIGH goes in while VEC_LOW
 * waits, so its EOI must exit (the bit is not set); VEC_LOW then goes in
 * alone and ends through the bit.
 */
static void guest_two_pending(void)
{
	guest_pv_eoi_enable((u64)&guest_pv_eoi);
	guest_self_ipi(VEC_LOW);
	guest_self_ipi(VEC_HIGH);
	guest_wait_count(VEC_LOW, 1);
	GUEST_SYNC4(guest_irq_read_count(VEC_HIGH), guest_irq_read_count(VEC_LOW),
		    guest_pv_eois, guest_irq_tsc[VEC_HIGH] < guest_irq_tsc[VEC_LOW]);
}

TEST(no_pv_eoi_while_another_interrupt_waits)
{
	struct hyv_vcpu *vcpu = host_irq_vcpu_create(0, guest_two_pending);
	struct hyv_ucall uc;

	host_run_sync(vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(1, uc.args[1]);
	EXPECT_EQ(1, uc.args[2]) TH_LOG("PV EOIs: only VEC_LOW's");
	EXPECT_EQ(1, uc.args[3]) TH_LOG("VEC_HIGH first");
	hyv_vm_free_with_vcpu(vcpu);
}

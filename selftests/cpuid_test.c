// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID as the guest sees it: hyv's signature and leaf range at
 * 0x40000000, the feature leaf, the hypervisor bit, and no SVM or VMX
 * offered to the guest (hyv does not nest).
 */
#include <string.h>

#include "hyv_test.h"
#include "hyv_util.h"

#define CPUID_1_ECX_VMX			BIT(5)
#define CPUID_1_ECX_HYPERVISOR		BIT(31)
#define CPUID_80000001_ECX_SVM		BIT(2)

/* Execute CPUID(leaf, subleaf) and report EAX, EBX, ECX, EDX. */
static void guest_cpuid_leaf(u32 leaf, u32 subleaf)
{
	u32 a, b, c, d;

	guest_cpuid(leaf, subleaf, &a, &b, &c, &d);
	GUEST_SYNC4(a, b, c, d);
	GUEST_DONE();
}

static void cpuid_in_guest(u32 leaf, u32 regs[4])
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_cpuid_leaf);
	struct hyv_ucall uc;
	int i;

	hyv_vcpu_set_args(vcpu, leaf, 0);
	HYV_ASSERT(hyv_vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC,
		   "ucall %llu", uc.cmd);
	for (i = 0; i < 4; i++)
		regs[i] = uc.args[i];
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(leaf_40000000_has_the_hyv_signature_and_max_leaf)
{
	u32 r[4];
	char sig[13];

	cpuid_in_guest(HYV_CPUID_SIGNATURE, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	TH_LOG("signature \"%s\", max leaf %#x", sig, r[0]);
	EXPECT_STREQ(HYV_SIGNATURE, sig);
	EXPECT_EQ(HYV_SIGNATURE_EBX, r[1]);
	EXPECT_EQ(HYV_SIGNATURE_ECX, r[2]);
	EXPECT_EQ(HYV_SIGNATURE_EDX, r[3]);
	EXPECT_GE(r[0], HYV_CPUID_FEATURES);
}

TEST(leaf_40000001_offers_hypercalls)
{
	u32 r[4];

	cpuid_in_guest(HYV_CPUID_FEATURES, r);
	EXPECT_EQ(HYV_FEATURE_HYPERCALL, r[0] & HYV_FEATURE_HYPERCALL);
}

TEST(leaf_1_sets_the_hypervisor_bit_and_hides_vmx)
{
	u32 r[4];

	cpuid_in_guest(1, r);
	EXPECT_EQ(CPUID_1_ECX_HYPERVISOR, r[2] & CPUID_1_ECX_HYPERVISOR);
	EXPECT_EQ(0, r[2] & CPUID_1_ECX_VMX);
}

TEST(leaf_80000001_hides_svm)
{
	u32 r[4];

	cpuid_in_guest(0x80000001, r);
	EXPECT_EQ(0, r[2] & CPUID_80000001_ECX_SVM);
}

TEST(leaf_0_vendor_matches_the_host)
{
	u32 r[4], a, b, c, d;

	cpuid_in_guest(0, r);
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	EXPECT_EQ(b, r[1]);
	EXPECT_EQ(c, r[2]);
	EXPECT_EQ(d, r[3]);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID policy: the host's CPUID, less what hyv does not virtualize, plus
 * the hypervisor bit and hyv's own leaves at 0x40000000.
 */
#include <linux/hyv_pv.h>
#include <asm/processor.h>

#include "hyv.h"

/* Highest basic leaf passed through; beyond it, leaves read as zero. */
#define HYV_CPUID_MAX_BASIC	0x0d

/*
 * Leaf 1 ECX/EDX bits hidden: VMX, SMX, monitor, perf, thermal, debug
 * store, DCA, XSAVE (XCR0 is not switched yet), MCE/MCA, ACPI, TM, PBE.
 */
#define HYV_CPUID1_ECX_HIDE	(BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
				 BIT(7) | BIT(8) | BIT(14) | BIT(15) | \
				 BIT(18) | BIT(26) | BIT(27))
#define HYV_CPUID1_EDX_HIDE	(BIT(7) | BIT(14) | BIT(21) | \
				 BIT(22) | BIT(29) | BIT(31))
/*
 * What hyv offers whatever the host has: x2APIC, TSC-deadline and the
 * hypervisor bit in ECX, the APIC in EDX (lapic.c), and ARAT (the APIC
 * timer keeps running in deep C-states) in leaf 6.
 */
#define HYV_CPUID1_ECX_SET	(BIT(21) | BIT(24) | BIT(31))
#define HYV_CPUID1_EDX_SET	BIT(9)
#define HYV_CPUID6_EAX_ARAT	BIT(2)

/* Leaf 0x80000001: SVM, SKINIT, WDT, LWP, perf counters; RDTSCP. */
#define HYV_CPUIDX1_ECX_HIDE	(BIT(2) | BIT(12) | BIT(13) | BIT(15) | \
				 BIT(23) | BIT(24) | BIT(28))
#define HYV_CPUIDX1_EDX_HIDE	BIT(27)

/*
 * Leaf 7.0 EBX: SGX, HLE, INVPCID (not enabled under VMX), RTM, PQM, MPX,
 * PQE, Intel PT; ECX: PKU, OSPKE, WAITPKG.
 */
#define HYV_CPUID7_EBX_HIDE	(BIT(2) | BIT(4) | BIT(10) | BIT(11) | \
				 BIT(12) | BIT(14) | BIT(15) | BIT(25))
#define HYV_CPUID7_ECX_HIDE	(BIT(3) | BIT(4) | BIT(5))

static bool hyv_cpuid_hidden(u32 leaf)
{
	switch (leaf) {
	case 0x5: case 0xa: case 0xd:		/* monitor, PMU, XSAVE */
	case 0x8000000a:			/* SVM features */
		return true;
	default:
		return leaf > HYV_CPUID_MAX_BASIC && leaf < 0x80000000;
	}
}

static void hyv_cpuid_native(struct hyv_vcpu *vcpu, u32 leaf, u32 sub,
			     u32 *a, u32 *b, u32 *c, u32 *d)
{
	*a = *b = *c = *d = 0;
	if (leaf == 6) {
		*a = HYV_CPUID6_EAX_ARAT;
		return;
	}
	if (hyv_cpuid_hidden(leaf))
		return;
	cpuid_count(leaf, sub, a, b, c, d);

	switch (leaf) {
	case 0:
		*a = min_t(u32, *a, HYV_CPUID_MAX_BASIC);
		break;
	case 1:
		*c = (*c & ~HYV_CPUID1_ECX_HIDE) | HYV_CPUID1_ECX_SET;
		*d = (*d & ~HYV_CPUID1_EDX_HIDE) | HYV_CPUID1_EDX_SET;
		/* EBX[31:24]: initial APIC ID; [23:16]: one logical CPU. */
		*b = (*b & 0xffff) | (1 << 16) | (vcpu->id << 24);
		break;
	case 7:
		if (sub == 0) {
			*a = 0;	/* no further subleaves */
			*b &= ~HYV_CPUID7_EBX_HIDE;
			*c &= ~HYV_CPUID7_ECX_HIDE;
			*d = 0;
		} else {
			*a = *b = *c = *d = 0;
		}
		break;
	case 0x80000001:
		*c &= ~HYV_CPUIDX1_ECX_HIDE;
		*d &= ~HYV_CPUIDX1_EDX_HIDE;
		break;
	}
}

/* CPUID with the leaf in EAX and the subleaf in ECX; results in EAX..EDX. */
void hyv_cpuid(struct hyv_vcpu *vcpu)
{
	u64 *gpr = vcpu->gpr;
	u32 leaf = gpr[HYV_RAX], sub = gpr[HYV_RCX];
	u32 a = 0, b = 0, c = 0, d = 0;

	if (leaf == HYV_CPUID_SIGNATURE) {
		a = HYV_CPUID_FEATURES;
		b = HYV_SIGNATURE_EBX;
		c = HYV_SIGNATURE_ECX;
		d = HYV_SIGNATURE_EDX;
	} else if (leaf == HYV_CPUID_FEATURES) {
		a = HYV_FEATURE_HYPERCALL | HYV_FEATURE_DOORBELL;
	} else if ((leaf & 0xffff0000) != 0x40000000) {
		hyv_cpuid_native(vcpu, leaf, sub, &a, &b, &c, &d);
	}
	/* CPUID writes all four as 32-bit registers: zero-extended. */
	gpr[HYV_RAX] = a;
	gpr[HYV_RBX] = b;
	gpr[HYV_RCX] = c;
	gpr[HYV_RDX] = d;
}

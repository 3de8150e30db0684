// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's CR0, CR4 and EFER: every value a guest (MOV CR, CLTS,
 * LMSW, WRMSR) or the VMM writes is checked here against the
 * architecture (Intel SDM vol. 3A §2.5, §4.1; AMD APM vol. 2 §3.1) and
 * against the features the guest was given, then applied by the vendor.
 * The vendors keep the values (VMCB, or VMCS with read shadows); this
 * file decides what they may be.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "hyv.h"

/* CR0 bits that exist (SDM vol. 3A §2.5); the others read as 0. */
#define HYV_CR0_VALID	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

/* CR4 bits every guest may set; others depend on its CPUID. */
#define HYV_CR4_BASE	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

u64 hyv_cr0(struct hyv_vcpu *vcpu)
{
	return hyv_ops->get_cr(vcpu, 0);
}

u64 hyv_cr4(struct hyv_vcpu *vcpu)
{
	return hyv_ops->get_cr(vcpu, 4);
}

u64 hyv_efer(struct hyv_vcpu *vcpu)
{
	return hyv_ops->get_efer(vcpu);
}

/*
 * The CR4 bits this guest may set: the base ones plus those its CPUID
 * advertises. PKE, LA57, VMXE, SMXE and CET are never among them (hyv
 * gives no protection keys, 5-level paging, nested VMX or CET): a guest
 * setting one gets #GP, as on a CPU without the feature.
 */
u64 hyv_cr4_allowed(struct hyv_vcpu *vcpu)
{
	u64 allowed = HYV_CR4_BASE;

	if (hyv_guest_has(vcpu, HYV_FEAT_UMIP))
		allowed |= X86_CR4_UMIP;
	if (hyv_guest_has(vcpu, HYV_FEAT_FSGSBASE))
		allowed |= X86_CR4_FSGSBASE;
	if (hyv_guest_has(vcpu, HYV_FEAT_PCID))
		allowed |= X86_CR4_PCIDE;
	if (hyv_guest_has(vcpu, HYV_FEAT_XSAVE))
		allowed |= X86_CR4_OSXSAVE;
	if (hyv_guest_has(vcpu, HYV_FEAT_SMEP))
		allowed |= X86_CR4_SMEP;
	if (hyv_guest_has(vcpu, HYV_FEAT_SMAP))
		allowed |= X86_CR4_SMAP;
	return allowed;
}

/* Is the guest in 64-bit mode (IA-32e mode with a 64-bit CS)? */
bool hyv_guest_64bit(struct hyv_vcpu *vcpu)
{
	struct hyv_sregs s;

	if (!(hyv_efer(vcpu) & EFER_LMA))
		return false;
	hyv_ops->get_sregs(vcpu, &s);
	return s.cs.l;
}

/* MOV to CR0; -EINVAL: the guest gets #GP and nothing changes. */
int hyv_set_cr0(struct hyv_vcpu *vcpu, u64 cr0)
{
	u64 old = hyv_cr0(vcpu), efer = hyv_efer(vcpu);

	if (cr0 >> 32)
		return -EINVAL;
	cr0 = (cr0 & HYV_CR0_VALID) | X86_CR0_ET;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME)) {
		/* Entering IA-32e mode needs PAE and a CS that is not 64-bit. */
		if (!(hyv_cr4(vcpu) & X86_CR4_PAE))
			return -EINVAL;
		if (hyv_guest_64bit(vcpu))
			return -EINVAL;
	}
	/* Paging cannot go off from 64-bit mode (SDM vol. 3A §9.8.5.4). */
	if (!(cr0 & X86_CR0_PG) && (old & X86_CR0_PG) &&
	    hyv_guest_64bit(vcpu))
		return -EINVAL;
	hyv_ops->set_cr0(vcpu, cr0);
	/* The CPU would have dropped translations made under the old mode. */
	if ((cr0 ^ old) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP))
		set_bit(HYV_REQ_TLB_FLUSH, &vcpu->requests);
	return 0;
}

/* MOV to CR4; -EINVAL: #GP. */
int hyv_set_cr4(struct hyv_vcpu *vcpu, u64 cr4)
{
	u64 old = hyv_cr4(vcpu);
	bool lma = hyv_efer(vcpu) & EFER_LMA;

	if (cr4 & ~hyv_cr4_allowed(vcpu))
		return -EINVAL;
	if (lma && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	/* PCIDE goes on only in IA-32e mode, with PCID 0 current (§4.10.1). */
	if ((cr4 & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!lma || (hyv_ops->get_cr(vcpu, 3) & 0xfff)))
		return -EINVAL;
	hyv_ops->set_cr4(vcpu, cr4);
	/* CR4.PGE, PAE, PSE, PCIDE, SMEP, SMAP change flushes (SDM §4.10.4.1). */
	if ((cr4 ^ old) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |
			   X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP))
		set_bit(HYV_REQ_TLB_FLUSH, &vcpu->requests);
	return 0;
}

/* The EFER bits this guest may set (SVME never: no nested SVM). */
static u64 hyv_efer_allowed(struct hyv_vcpu *vcpu)
{
	u64 allowed = EFER_SCE | EFER_LME | EFER_LMA;

	if (hyv_guest_has(vcpu, HYV_FEAT_NX))
		allowed |= EFER_NX;
	if (hyv_guest_has(vcpu, HYV_FEAT_FFXSR))
		allowed |= EFER_FFXSR;
	return allowed;
}

/* An EFER the VMM may set (SET_SREGS, SET_MSRS): 0 or -EINVAL. */
int hyv_efer_check(struct hyv_vcpu *vcpu, u64 efer)
{
	if (efer & ~hyv_efer_allowed(vcpu))
		return -EINVAL;
	if ((efer & EFER_LMA) && !(efer & EFER_LME))
		return -EINVAL;
	return 0;
}

/*
 * WRMSR EFER, from the guest or (@host) the VMM. LMA is the CPU's: a
 * guest write keeps it; the VMM may set it with LME as it restores a
 * vCPU. LME cannot change while paging is on (SDM vol. 3A §9.8.5).
 */
int hyv_set_efer(struct hyv_vcpu *vcpu, u64 efer, bool host)
{
	u64 old = hyv_efer(vcpu);

	if (host) {
		if (hyv_efer_check(vcpu, efer))
			return -EINVAL;
	} else {
		if (efer & ~hyv_efer_allowed(vcpu))
			return -EINVAL;
		if ((efer ^ old) & EFER_LME && (hyv_cr0(vcpu) & X86_CR0_PG))
			return -EINVAL;
		efer = (efer & ~EFER_LMA) | (old & EFER_LMA);
	}
	hyv_ops->set_efer(vcpu, efer);
	return 0;
}

/*
 * The XSAVE features a guest may enable in XCR0: x87, SSE and AVX, where
 * the host has them (protection keys never: PKRU stays the host's).
 */
u64 hyv_xcr0_supported(void)
{
	return hyv_host_xcr0 & (XFEATURE_MASK_FP | XFEATURE_MASK_SSE |
				XFEATURE_MASK_YMM);
}

/* XSETBV XCR0 (SDM vol. 1 §13.3); -EINVAL: #GP. */
int hyv_set_xcr0(struct hyv_vcpu *vcpu, u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~hyv_xcr0_supported()))
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return -EINVAL;
	vcpu->xcr0 = xcr0;
	return 0;
}

/*
 * An intercepted write to CR0 or CR4 (MOV, CLTS, LMSW). Returns 0, or
 * -EINVAL when the guest gets #GP.
 */
int hyv_cr_write(struct hyv_vcpu *vcpu, int cr, u8 type, u64 val)
{
	u64 cr0;

	switch (type) {
	case HYV_CR_CLTS:
		return hyv_set_cr0(vcpu, hyv_cr0(vcpu) & ~X86_CR0_TS);
	case HYV_CR_LMSW:
		/* PE, MP, EM, TS; LMSW sets PE but never clears it. */
		cr0 = hyv_cr0(vcpu);
		cr0 = (cr0 & ~(X86_CR0_MP | X86_CR0_EM | X86_CR0_TS)) |
		      (val & (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM |
			      X86_CR0_TS));
		return hyv_set_cr0(vcpu, cr0);
	}
	if (cr == 0)
		return hyv_set_cr0(vcpu, val);
	if (cr == 4)
		return hyv_set_cr4(vcpu, val);
	return -EINVAL;
}

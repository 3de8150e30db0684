// SPDX-License-Identifier: GPL-2.0
/*
 * MSR policy: the MSRs a guest has, their reset values, and the checks
 * on every value written, by the guest (WRMSR) or the VMM
 * (HYV_SET_MSRS). Values the vendor keeps in its control block are
 * checked here and stored through hyv_ops->set_msr; the rest live in the
 * vCPU. Any other MSR raises #GP, as on a CPU that lacks it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyv_pv.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>
#include <asm/msr-index.h>
#include <asm/mtrr.h>
#include <asm/tsc.h>

#include "hyv.h"

/* MTRRs (SDM vol. 3A §12.11): 8 variable ranges, fixed ranges, WC. */
#define HYV_MTRR_VCNT		8
#define HYV_MTRRCAP		(HYV_MTRR_VCNT | BIT(8) | BIT(10))
#define HYV_MTRR_DEF_E		BIT(11)
#define HYV_MTRR_DEF_FE		BIT(10)
#define HYV_MTRR_PHYSMASK_V	BIT(11)

/* MISC_ENABLE after reset: fast strings; no BTS or PEBS (SDM vol. 4). */
#define HYV_MISC_ENABLE_RESET	(MSR_IA32_MISC_ENABLE_FAST_STRING | \
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
/* The microcode revision a guest reads: it loads none (SDM vol. 3A §10.11). */
#define HYV_UCODE_REV		0x100000000ULL
/* AMD HWCR: the TSC counts at the P0 frequency; DE_CFG: LFENCE serializes. */
#define HYV_HWCR_TSCFREQSEL	BIT_ULL(24)
#define HYV_DE_CFG_LFENCE	MSR_AMD64_DE_CFG_LFENCE_SERIALIZE
/* AMD VM_CR (APM vol. 2 §15.30.1): SVM locked off, as hyv does not nest. */
#define HYV_VM_CR_LOCK		BIT_ULL(3)
#define HYV_VM_CR_SVMDIS	BIT_ULL(4)

/* Is @type a memory type MTRRs and PAT may hold (SDM vol. 3A table 12-8)? */
static bool hyv_memtype_valid(u8 type)
{
	return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* IA32_PAT: eight entries, each UC, WC, WT, WP, WB or UC- (§12.12.2). */
bool hyv_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type != 7 && !hyv_memtype_valid(type))
			return false;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_pat_valid);

/*
 * An MTRR value (§12.11.2): @msr is the MTRR's index; @phys_bits the
 * guest's physical-address width, above which base and mask are reserved.
 */
bool hyv_mtrr_valid(u32 msr, u64 val, unsigned int phys_bits)
{
	u64 above = ~0ULL << phys_bits;
	int i;

	if (msr == MSR_MTRRdefType)
		return !(val & ~(0xffULL | HYV_MTRR_DEF_E | HYV_MTRR_DEF_FE)) &&
		       hyv_memtype_valid(val & 0xff);
	if (msr == MSR_MTRRfix64K_00000 || msr == MSR_MTRRfix16K_80000 ||
	    msr == MSR_MTRRfix16K_A0000 ||
	    (msr >= MSR_MTRRfix4K_C0000 && msr <= MSR_MTRRfix4K_F8000)) {
		for (i = 0; i < 8; i++)
			if (!hyv_memtype_valid(val >> (i * 8)))
				return false;
		return true;
	}
	if (msr >= MTRRphysBase_MSR(0) && msr < MTRRphysBase_MSR(HYV_MTRR_VCNT)) {
		if ((msr - MTRRphysBase_MSR(0)) & 1)	/* PhysMask */
			return !(val & (above | 0x7ff));
		return !(val & (above | 0xf00)) && hyv_memtype_valid(val & 0xff);
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_mtrr_valid);

/* Where an MTRR's value is kept in the vCPU, or NULL. */
static u64 *hyv_mtrr_slot(struct hyv_vcpu *vcpu, u32 msr)
{
	struct hyv_vcpu_msrs *m = &vcpu->msr;

	switch (msr) {
	case MSR_MTRRdefType:
		return &m->mtrr_def_type;
	case MSR_MTRRfix64K_00000:
		return &m->mtrr_fixed[0];
	case MSR_MTRRfix16K_80000:
		return &m->mtrr_fixed[1];
	case MSR_MTRRfix16K_A0000:
		return &m->mtrr_fixed[2];
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return &m->mtrr_fixed[3 + msr - MSR_MTRRfix4K_C0000];
	case MTRRphysBase_MSR(0) ... MTRRphysMask_MSR(HYV_MTRR_VCNT - 1):
		return &m->mtrr_var[msr - MTRRphysBase_MSR(0)];
	}
	return NULL;
}

static unsigned int hyv_phys_bits(struct hyv_vcpu *vcpu)
{
	return HYV_GUEST_PHYS_BITS;
}

/* The guest's TSC at host TSC @host_tsc. */
u64 hyv_guest_tsc(struct hyv_vcpu *vcpu, u64 host_tsc)
{
	return host_tsc + vcpu->msr.tsc_offset;
}

static bool hyv_canonical(u64 addr)
{
	return (s64)(addr << 16) >> 16 == (s64)addr;
}

/* The TSC offset moves (IA32_TSC or TSC_ADJUST written): tell the vendor. */
static void hyv_msr_set_tsc_offset(struct hyv_vcpu *vcpu, u64 offset)
{
	vcpu->msr.tsc_offset = offset;
	hyv_ops->set_tsc_offset(vcpu, offset);
}

/*
 * RESET/INIT values (SDM vol. 3A table 9-1). The TSC keeps counting
 * across INIT; a new vCPU starts at the VM's clock.
 */
void hyv_msr_reset(struct hyv_vcpu *vcpu, bool power_on)
{
	struct hyv_vcpu_msrs *m = &vcpu->msr;
	u64 offset = power_on ? vcpu->vm->tsc_offset : m->tsc_offset;
	u64 adjust = m->tsc_adjust;

	memset(m, 0, sizeof(*m));
	m->tsc_adjust = power_on ? 0 : adjust;
	m->pat = HYV_PAT_POWER_ON;
	m->misc_enable = HYV_MISC_ENABLE_RESET;
	hyv_ops->set_msr(vcpu, MSR_IA32_CR_PAT, m->pat);
	hyv_msr_set_tsc_offset(vcpu, offset);
}

/* MSRs the core keeps; -ENOENT for one it does not know. */
static int hyv_msr_core_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val,
			     bool host)
{
	struct hyv_vcpu_msrs *m = &vcpu->msr;
	u64 *slot;

	switch (msr) {
	case MSR_IA32_TSC:
		*val = hyv_guest_tsc(vcpu, rdtsc());
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!host && !hyv_guest_has(vcpu, HYV_FEAT_TSC_ADJUST))
			return -ENOENT;
		*val = m->tsc_adjust;
		return 0;
	case MSR_IA32_CR_PAT:
		*val = m->pat;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = m->misc_enable;
		return 0;
	case MSR_MTRRcap:
		*val = HYV_MTRRCAP;
		return 0;
	case MSR_TSC_AUX:
		*val = m->tsc_aux;
		return 0;
	case MSR_IA32_UCODE_REV:	/* MSR_AMD64_PATCH_LEVEL on AMD */
		*val = HYV_UCODE_REV;
		return 0;
	case MSR_IA32_FEAT_CTL:
		*val = FEAT_CTL_LOCKED;	/* locked, VMX off: no nesting */
		return 0;
	case MSR_IA32_MCG_CAP:		/* no machine-check banks */
	case MSR_IA32_DEBUGCTLMSR:
		*val = 0;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*val = m->mcg_status;
		return 0;
	case MSR_K7_HWCR:
		*val = HYV_HWCR_TSCFREQSEL;
		return 0;
	case MSR_AMD64_DE_CFG:
		*val = HYV_DE_CFG_LFENCE;
		return 0;
	case MSR_VM_CR:
		*val = HYV_VM_CR_SVMDIS | HYV_VM_CR_LOCK;
		return 0;
	case MSR_AMD64_SYSCFG:	/* no DRAM-modify MTRR bits, no SME */
	case MSR_AMD64_NB_CFG:	/* northbridge: nothing to configure */
		*val = 0;
		return 0;
	}
	slot = hyv_mtrr_slot(vcpu, msr);
	if (!slot)
		return -ENOENT;
	*val = *slot;
	return 0;
}

static int hyv_msr_core_write(struct hyv_vcpu *vcpu, u32 msr, u64 val,
			      bool host)
{
	struct hyv_vcpu_msrs *m = &vcpu->msr;
	u64 *slot, now = rdtsc();

	switch (msr) {
	case MSR_IA32_TSC:
		/* The VMM sets the VM's clock; a guest only its own vCPU's. */
		if (!host)
			m->tsc_adjust += val - hyv_guest_tsc(vcpu, now);
		hyv_msr_set_tsc_offset(vcpu, val - now);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!host && !hyv_guest_has(vcpu, HYV_FEAT_TSC_ADJUST))
			return -ENOENT;
		hyv_msr_set_tsc_offset(vcpu, m->tsc_offset + val - m->tsc_adjust);
		m->tsc_adjust = val;
		return 0;
	case MSR_IA32_CR_PAT:
		if (!hyv_pat_valid(val))
			return -EINVAL;
		m->pat = val;
		return hyv_ops->set_msr(vcpu, msr, val);
	case MSR_IA32_MISC_ENABLE:
		m->misc_enable = val;
		return 0;
	case MSR_TSC_AUX:
		if (val >> 32)
			return -EINVAL;
		m->tsc_aux = val;
		return 0;
	case MSR_IA32_UCODE_REV:	/* a write asks the CPU to refresh it */
		return 0;
	case MSR_IA32_MCG_STATUS:
		if (val && !host)
			return -EINVAL;
		m->mcg_status = val;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		return val ? -EINVAL : 0;	/* no LBR, no BTF */
	case MSR_K7_HWCR:
		return (val & ~HYV_HWCR_TSCFREQSEL) ? -EINVAL : 0;
	case MSR_AMD64_DE_CFG:
		return (val & ~HYV_DE_CFG_LFENCE) ? -EINVAL : 0;
	case MSR_AMD64_SYSCFG:
		return val ? -EINVAL : 0;
	case MSR_AMD64_NB_CFG:
		/*
		 * Linux sets EnableCf8ExtCfg on every AMD CPU it brings up;
		 * a VM has no northbridge: accepted and dropped, as on KVM.
		 */
		return 0;
	case MSR_MTRRcap:
	case MSR_IA32_FEAT_CTL:
	case MSR_IA32_MCG_CAP:
	case MSR_VM_CR:
		return host ? 0 : -EINVAL;	/* read-only */
	}
	slot = hyv_mtrr_slot(vcpu, msr);
	if (!slot)
		return -ENOENT;
	if (!hyv_mtrr_valid(msr, val, hyv_phys_bits(vcpu)))
		return -EINVAL;
	*slot = val;
	return 0;
}

/* Checks for the MSRs the vendor keeps: canonical bases, SYSENTER_CS. */
static int hyv_msr_vendor_check(u32 msr, u64 val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return hyv_canonical(val) ? 0 : -EINVAL;
	case MSR_STAR:
	case MSR_SYSCALL_MASK:
		return 0;
	case MSR_IA32_SYSENTER_CS:
		return (val >> 32) ? -EINVAL : 0;
	}
	return -ENOENT;
}

/*
 * Read MSR @msr of the vCPU, for the guest or (@host) the VMM, which may
 * read MSRs the guest's CPUID leaves out. 0 on success; -ENOENT: no such
 * MSR for this guest; -EINVAL: the MSR refuses the access. Either way
 * the guest gets #GP.
 */
int hyv_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	int ret;

	if (msr == MSR_EFER) {
		*val = hyv_efer(vcpu);
		return 0;
	}
	ret = hyv_lapic_msr_read(vcpu, msr, val);
	if (ret != -ENOENT)
		return ret;
	ret = hyv_pv_eoi_msr_read(vcpu, msr, val, host);
	if (ret != -ENOENT)
		return ret;
	ret = hyv_msr_core_read(vcpu, msr, val, host);
	if (ret != -ENOENT)
		return ret;
	if (hyv_msr_vendor_check(msr, 0) == -ENOENT)
		return -ENOENT;
	return hyv_ops->get_msr(vcpu, msr, val);
}

/* Write MSR @msr, for the guest or (@host) the VMM; errors as above. */
int hyv_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	int ret;

	if (msr == MSR_EFER)
		return hyv_set_efer(vcpu, val, host);
	ret = hyv_lapic_msr_write(vcpu, msr, val);
	if (ret != -ENOENT)
		return ret;
	ret = hyv_pv_eoi_msr_write(vcpu, msr, val, host);
	if (ret != -ENOENT)
		return ret;
	ret = hyv_msr_core_write(vcpu, msr, val, host);
	if (ret != -ENOENT)
		return ret;
	ret = hyv_msr_vendor_check(msr, val);
	if (ret)
		return ret;
	return hyv_ops->set_msr(vcpu, msr, val);
}

/* ---- ioctls ------------------------------------------------------------------ */

/*
 * The MSRs HYV_GET_MSRS / HYV_SET_MSRS take (the x2APIC registers are
 * the local APIC's state and not listed, as in KVM).
 */
static const u32 hyv_msr_index_list[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_CR_PAT, MSR_MTRRcap, MSR_MTRRdefType,
	MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000,
	MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
	MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000, MSR_MTRRfix4K_E8000,
	MSR_MTRRfix4K_F0000, MSR_MTRRfix4K_F8000,
	0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207,	/* variable MTRRs */
	0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
	MSR_IA32_MISC_ENABLE, MSR_IA32_TSC, MSR_IA32_TSC_ADJUST, MSR_TSC_AUX,
	MSR_IA32_TSC_DEADLINE, MSR_IA32_APICBASE, MSR_IA32_UCODE_REV,
	MSR_IA32_FEAT_CTL, MSR_IA32_MCG_CAP, MSR_IA32_MCG_STATUS,
	MSR_IA32_DEBUGCTLMSR, MSR_K7_HWCR, MSR_AMD64_DE_CFG, MSR_VM_CR,
	MSR_AMD64_SYSCFG, MSR_AMD64_NB_CFG, HYV_MSR_KVM_PV_EOI_EN,
};

int hyv_msr_index_list_ioctl(void __user *argp)
{
	struct hyv_msr_list __user *ulist = argp;
	struct hyv_msr_list hdr;
	u32 n = ARRAY_SIZE(hyv_msr_index_list);

	if (copy_from_user(&hdr, ulist, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags)
		return -EINVAL;
	if (put_user(n, &ulist->nmsrs))
		return -EFAULT;
	if (hdr.nmsrs < n)
		return -E2BIG;
	return copy_to_user(ulist->indices, hyv_msr_index_list,
			    sizeof(hyv_msr_index_list)) ? -EFAULT : 0;
}

/*
 * HYV_GET_MSRS / HYV_SET_MSRS: entries in order, as the VMM's (host)
 * accesses. Returns how many were done: the first that is not an MSR of
 * this guest, has a reserved field set, or (SET) has a value the MSR
 * refuses ends the batch.
 */
int hyv_msrs_ioctl(struct hyv_vcpu *vcpu, void __user *argp, bool set)
{
	struct hyv_msrs __user *umsrs = argp;
	struct hyv_msr_entry e;
	struct hyv_msrs hdr;
	u32 i;

	if (copy_from_user(&hdr, umsrs, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags || hdr.nmsrs > HYV_MAX_MSR_ENTRIES)
		return -EINVAL;
	for (i = 0; i < hdr.nmsrs; i++) {
		if (copy_from_user(&e, &umsrs->entries[i], sizeof(e)))
			return -EFAULT;
		if (e.reserved)
			break;
		if (set) {
			if (hyv_msr_write(vcpu, e.index, e.data, true))
				break;
			continue;
		}
		if (hyv_msr_read(vcpu, e.index, &e.data, true))
			break;
		if (put_user(e.data, &umsrs->entries[i].data))
			return -EFAULT;
	}
	return i;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv AMD SVM guest state: the VMCB save area as the core's special
 * registers, control registers and MSRs see it (the core checked every
 * value), and the MSRs the guest may touch without an exit. Runs with the
 * vCPU loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "svm.h"

/* AMD APM vol. 2 §15.5.1: VMCB segment attributes, packed. */
static u16 svm_pack_attrib(const struct hyv_segment *s)
{
	if (s->unusable || !s->present)
		return 0;
	return (s->type & SVM_SELECTOR_TYPE_MASK) |
	       (s->s ? SVM_SELECTOR_S_MASK : 0) |
	       ((s->dpl & 3) << SVM_SELECTOR_DPL_SHIFT) |
	       SVM_SELECTOR_P_MASK |
	       (s->avl ? SVM_SELECTOR_AVL_MASK : 0) |
	       (s->l ? SVM_SELECTOR_L_MASK : 0) |
	       (s->db ? SVM_SELECTOR_DB_MASK : 0) |
	       (s->g ? SVM_SELECTOR_G_MASK : 0);
}

static void svm_seg_to_vmcb(struct vmcb_seg *v, const struct hyv_segment *s)
{
	v->selector = s->selector;
	v->attrib = svm_pack_attrib(s);
	v->limit = s->limit;
	v->base = s->base;
}

static void svm_seg_from_vmcb(struct hyv_segment *s, const struct vmcb_seg *v)
{
	memset(s, 0, sizeof(*s));
	s->base = v->base;
	s->limit = v->limit;
	s->selector = v->selector;
	s->type = v->attrib & SVM_SELECTOR_TYPE_MASK;
	s->s = !!(v->attrib & SVM_SELECTOR_S_MASK);
	s->dpl = (v->attrib & SVM_SELECTOR_DPL_MASK) >> SVM_SELECTOR_DPL_SHIFT;
	s->present = !!(v->attrib & SVM_SELECTOR_P_MASK);
	s->avl = !!(v->attrib & SVM_SELECTOR_AVL_MASK);
	s->l = !!(v->attrib & SVM_SELECTOR_L_MASK);
	s->db = !!(v->attrib & SVM_SELECTOR_DB_MASK);
	s->g = !!(v->attrib & SVM_SELECTOR_G_MASK);
	s->unusable = !s->present;
}

void svm_get_sregs(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs)
{
	struct vmcb_save_area *save = &to_svm(vcpu)->vmcb->save;

	memset(sregs, 0, sizeof(*sregs));
	svm_seg_from_vmcb(&sregs->cs, &save->cs);
	svm_seg_from_vmcb(&sregs->ds, &save->ds);
	svm_seg_from_vmcb(&sregs->es, &save->es);
	svm_seg_from_vmcb(&sregs->fs, &save->fs);
	svm_seg_from_vmcb(&sregs->gs, &save->gs);
	svm_seg_from_vmcb(&sregs->ss, &save->ss);
	svm_seg_from_vmcb(&sregs->tr, &save->tr);
	svm_seg_from_vmcb(&sregs->ldt, &save->ldtr);
	sregs->gdt.base = save->gdtr.base;
	sregs->gdt.limit = save->gdtr.limit;
	sregs->idt.base = save->idtr.base;
	sregs->idt.limit = save->idtr.limit;
	sregs->cr0 = save->cr0;
	sregs->cr3 = save->cr3;
	sregs->cr4 = save->cr4;
	/* SVME is hyv's business, not the guest's (the guest never sees it). */
	sregs->efer = svm_get_efer(vcpu);
}

/*
 * svm_quirk_lme_needs_paging: QEMU's TCG (seen with 7.2, the testbed's)
 * wedges the L1 CPU at a #VMEXIT from a guest with EFER.LME set, CR0.PG
 * and CR4.PAE clear: restoring the host's CR0 (PG set) while the guest's
 * EFER and CR4 are still loaded takes its "enter long mode without PAE"
 * path, which returns before writing CR0, and the host goes on with the
 * guest's CR0 (paging off, in 64-bit code). Any guest may make that state
 * (LME is set before PG when entering long mode, and a MOV CR4 exits in
 * between). While PG is clear, LME has no effect on the guest, so hyv
 * keeps it out of the VMCB and gives it back when the guest (whose CR0
 * writes and EFER accesses all exit) turns paging on. Hardware needs none
 * of it; the flag is set only under QEMU's TCG.
 */
static void svm_park_lme(struct svm_vcpu *svm)
{
	struct vmcb_save_area *save = &svm->vmcb->save;

	if (!svm_quirk_lme_needs_paging || (save->cr0 & X86_CR0_PG) ||
	    !(save->efer & EFER_LME))
		return;
	save->efer &= ~EFER_LME;
	svm->lme_parked = true;
}

int svm_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	struct vmcb_save_area *save = &vmcb->save;

	svm_seg_to_vmcb(&save->cs, &sregs->cs);
	svm_seg_to_vmcb(&save->ds, &sregs->ds);
	svm_seg_to_vmcb(&save->es, &sregs->es);
	svm_seg_to_vmcb(&save->fs, &sregs->fs);
	svm_seg_to_vmcb(&save->gs, &sregs->gs);
	svm_seg_to_vmcb(&save->ss, &sregs->ss);
	svm_seg_to_vmcb(&save->tr, &sregs->tr);
	svm_seg_to_vmcb(&save->ldtr, &sregs->ldt);
	save->gdtr.base = sregs->gdt.base;
	save->gdtr.limit = sregs->gdt.limit;
	save->idtr.base = sregs->idt.base;
	save->idtr.limit = sregs->idt.limit;
	save->cr0 = sregs->cr0;
	save->cr3 = sregs->cr3;
	save->cr4 = sregs->cr4;
	save->efer = sregs->efer | EFER_SVME;
	to_svm(vcpu)->lme_parked = false;
	svm_park_lme(to_svm(vcpu));
	/* The CPL is SS.DPL once protected mode is on (APM vol. 2 §15.5.1). */
	save->cpl = (sregs->cr0 & X86_CR0_PE) ? sregs->ss.dpl & 3 : 0;
	/*
	 * Anything else the CPU dislikes (reserved CR bits, inconsistent
	 * long-mode state) makes VMRUN fail with VMEXIT_INVALID, which the
	 * run loop reports as HYV_EXIT_FAIL_ENTRY.
	 */
	return 0;
}

u64 svm_get_cr(struct hyv_vcpu *vcpu, int cr)
{
	struct vmcb_save_area *save = &to_svm(vcpu)->vmcb->save;

	switch (cr) {
	case 0:
		return save->cr0;
	case 3:
		return save->cr3;
	case 4:
		return save->cr4;
	}
	return 0;
}

/*
 * With nested paging the guest's CR0 and CR4 are the CPU's (APM vol. 2
 * §15.25); LMA follows paging as on a write that did not exit.
 */
void svm_set_cr0(struct hyv_vcpu *vcpu, u64 cr0)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *save = &svm->vmcb->save;

	if (svm->lme_parked && (cr0 & X86_CR0_PG)) {
		save->efer |= EFER_LME;
		svm->lme_parked = false;
	}
	if ((cr0 & X86_CR0_PG) && (save->efer & EFER_LME))
		save->efer |= EFER_LMA;
	else if (!(cr0 & X86_CR0_PG))
		save->efer &= ~EFER_LMA;
	save->cr0 = cr0;
	svm_park_lme(svm);
}

void svm_set_cr4(struct hyv_vcpu *vcpu, u64 cr4)
{
	to_svm(vcpu)->vmcb->save.cr4 = cr4;
}

/* SVME is hyv's business, not the guest's (the guest never sees it). */
u64 svm_get_efer(struct hyv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	return (svm->vmcb->save.efer & ~EFER_SVME) |
	       (svm->lme_parked ? EFER_LME : 0);
}

void svm_set_efer(struct hyv_vcpu *vcpu, u64 efer)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->vmcb->save.efer = efer | EFER_SVME;
	svm->lme_parked = false;
	svm_park_lme(svm);
}

/*
 * The MSRs VMLOAD/VMSAVE switch (APM vol. 2 §15.5.2) and the guest PAT:
 * kept in the save area, current after every exit's VMSAVE.
 */
static u64 *svm_msr_field(struct vmcb_save_area *save, u32 msr)
{
	switch (msr) {
	case MSR_FS_BASE:		return &save->fs.base;
	case MSR_GS_BASE:		return &save->gs.base;
	case MSR_KERNEL_GS_BASE:	return &save->kernel_gs_base;
	case MSR_STAR:			return &save->star;
	case MSR_LSTAR:			return &save->lstar;
	case MSR_CSTAR:			return &save->cstar;
	case MSR_SYSCALL_MASK:		return &save->sfmask;
	case MSR_IA32_SYSENTER_CS:	return &save->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &save->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &save->sysenter_eip;
	case MSR_IA32_CR_PAT:		return &save->g_pat;
	}
	return NULL;
}

int svm_get_msr(struct hyv_vcpu *vcpu, u32 msr, u64 *val)
{
	u64 *field = svm_msr_field(&to_svm(vcpu)->vmcb->save, msr);

	if (!field)
		return -ENOENT;
	*val = *field;
	return 0;
}

int svm_set_msr(struct hyv_vcpu *vcpu, u32 msr, u64 val)
{
	u64 *field = svm_msr_field(&to_svm(vcpu)->vmcb->save, msr);

	if (!field)
		return -ENOENT;
	*field = val;
	return 0;
}

/*
 * The MSR permission map (APM vol. 2 §15.11): two bits per MSR, read and
 * write, set = intercept. The MSRs VMLOAD/VMSAVE switch are the guest's
 * own; every other access exits to msr.c.
 */
static void svm_msr_passthrough(u8 *msrpm, u32 msr)
{
	u32 base, bit;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = 0x800;
	else
		return;
	bit = (msr & 0x1fff) * 2;
	msrpm[base + bit / 8] &= ~(3 << (bit % 8));
}

void svm_msrpm_init(u8 *msrpm)
{
	static const u32 passthrough[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,
		MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(passthrough); i++)
		svm_msr_passthrough(msrpm, passthrough[i]);
}

/* Parts of the save area that SET_SREGS does not cover: as after RESET. */
void svm_init_save_area(struct vmcb *vmcb)
{
	vmcb->save.dr6 = SVM_DR6_RESET;
	vmcb->save.dr7 = SVM_DR7_RESET;
	vmcb->save.g_pat = HYV_PAT_POWER_ON;
	vmcb->save.rflags = X86_EFLAGS_FIXED;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv AMD SVM guest state: the VMCB save area as the core's special
 * registers see it, the x86 reset state, and the paging view used to walk
 * guest page tables.
 */
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
	sregs->cr2 = save->cr2;
	sregs->cr3 = save->cr3;
	sregs->cr4 = save->cr4;
	/* SVME is hyv's business, not the guest's (the guest never sees it). */
	sregs->efer = save->efer & ~EFER_SVME;
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
	save->cr2 = sregs->cr2;
	save->cr3 = sregs->cr3;
	save->cr4 = sregs->cr4;
	save->efer = sregs->efer | EFER_SVME;
	/* The CPL is SS.DPL once protected mode is on (APM vol. 2 §15.5.1). */
	save->cpl = (sregs->cr0 & X86_CR0_PE) ? sregs->ss.dpl & 3 : 0;
	/*
	 * Anything else the CPU dislikes (reserved CR bits, inconsistent
	 * long-mode state) makes VMRUN fail with VMEXIT_INVALID, which the
	 * run loop reports as HYV_EXIT_FAIL_ENTRY.
	 */
	return 0;
}

void svm_get_paging(struct hyv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4,
		    u64 *efer)
{
	struct vmcb_save_area *save = &to_svm(vcpu)->vmcb->save;

	*cr0 = save->cr0;
	*cr3 = save->cr3;
	*cr4 = save->cr4;
	*efer = save->efer & ~EFER_SVME;
}

/* Parts of the save area that SET_SREGS does not cover: as after RESET. */
void svm_init_save_area(struct vmcb *vmcb)
{
	vmcb->save.dr6 = SVM_DR6_RESET;
	vmcb->save.dr7 = SVM_DR7_RESET;
	vmcb->save.g_pat = SVM_PAT_POWER_ON;
	vmcb->save.rflags = X86_EFLAGS_FIXED;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv AMD SVM backend: per-CPU and per-vCPU state. The VMCB layout and the
 * architectural constants come from the kernel's <asm/svm.h>; what is
 * here is only hyv's own.
 */
#ifndef HYV_SVM_H
#define HYV_SVM_H

#include <asm/svm.h>
#include "../hyv.h"

/* AMD APM vol. 2 §15.10.2: EXITINFO1 of an IOIO intercept. */
#define SVM_IOIO_PORT_SHIFT	16

/* AMD APM vol. 2 §15.8.1: EXITINFO1 of a CR/DR access with decode assists. */
#define SVM_CR_GPR_VALID	BIT_ULL(63)

/* AMD APM vol. 2 §15.25.6: EXITINFO1 of a nested page fault. */
#define SVM_NPF_PRESENT		BIT_ULL(0)
#define SVM_NPF_WRITE		BIT_ULL(1)
#define SVM_NPF_FETCH		BIT_ULL(4)

/* The guest's ASID. Every VM shares it: see svm_prepare_tlb(). */
#define SVM_GUEST_ASID		1

/* DR6 and DR7 after RESET: only their always-one bits (APM vol. 2 §13.1.1). */
#define SVM_DR6_RESET		0xffff0ff0ULL
#define SVM_DR7_RESET		0x400ULL

struct svm_vcpu {
	struct vmcb *vmcb;
	phys_addr_t vmcb_pa;
	int last_cpu;
	/*
	 * NMI blocking, which SVM does not track (no vNMI here): set when an
	 * NMI is injected, IRET intercepted, and cleared at the first exit
	 * after the IRET ran (RIP moved past it), as KVM does.
	 */
	bool nmi_masked;
	bool awaiting_iret;
	u64 iret_rip;
	/*
	 * With svm_quirk_vmrun_drops_shadow: exits in a row at shadow_rip
	 * since one came inside an STI/MOV SS shadow there (svm_irq.c).
	 */
	u8 shadow_exits;
	u64 shadow_rip;
	/* The next entry single-steps over the shadowed instruction. */
	bool shadow_step;
	/* This entry injects #BP or #OF (svm_read_vectoring()). */
	bool injected_bp_of;
	/*
	 * With svm_quirk_lme_needs_paging: the guest's EFER.LME, kept out of
	 * the VMCB while its CR0.PG is clear (svm_state.c).
	 */
	bool lme_parked;
	/*
	 * With svm_quirk_vmrun_err_writes_save: the save area as it was
	 * before this entry, put back if VMRUN refuses it (svm.c).
	 */
	struct vmcb_save_area *save_before;
};

extern bool svm_quirk_vmrun_drops_shadow;
extern bool svm_quirk_lme_needs_paging;
extern bool svm_quirk_vmrun_err_writes_save;

static inline struct svm_vcpu *to_svm(struct hyv_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline void svm_set_intercept(struct vmcb_control_area *ctl, u32 bit)
{
	__set_bit(bit, (unsigned long *)ctl->intercepts);
}

static inline void svm_clr_intercept(struct vmcb_control_area *ctl, u32 bit)
{
	__clear_bit(bit, (unsigned long *)ctl->intercepts);
}

/* svm_entry.S: VMSAVE host, VMLOAD guest, VMRUN, VMSAVE guest, VMLOAD host. */
void hyv_svm_enter(phys_addr_t vmcb_pa, u64 *gprs, phys_addr_t host_pa);

/* svm_npt.c */
u64 svm_npt_table_entry(phys_addr_t table);
u64 svm_npt_leaf_entry(phys_addr_t page, unsigned int perms, bool huge);
bool svm_npt_present(u64 entry);
bool svm_npt_huge(u64 entry);
unsigned int svm_npt_perms(u64 entry);

/* svm_irq.c */
void svm_read_vectoring(struct hyv_vcpu *vcpu, struct hyv_event *ev);
void svm_inject_event(struct hyv_vcpu *vcpu, const struct hyv_event *ev);
bool svm_irq_allowed(struct hyv_vcpu *vcpu);
bool svm_nmi_allowed(struct hyv_vcpu *vcpu);
void svm_enable_irq_window(struct hyv_vcpu *vcpu);
void svm_enable_nmi_window(struct hyv_vcpu *vcpu);
void svm_enable_tpr_window(struct hyv_vcpu *vcpu, u8 vector);
void svm_disable_tpr_window(struct vmcb_control_area *ctl);
void svm_disable_irq_window(struct vmcb_control_area *ctl);
void svm_track_shadow(struct svm_vcpu *svm, u64 rip);
void svm_end_shadow_step(struct svm_vcpu *svm, struct hyv_vcpu *vcpu,
			 struct hyv_exit *exit);
bool svm_get_nmi_masked(struct hyv_vcpu *vcpu);
void svm_set_nmi_masked(struct hyv_vcpu *vcpu, bool masked);
bool svm_get_interrupt_shadow(struct hyv_vcpu *vcpu);
void svm_set_interrupt_shadow(struct hyv_vcpu *vcpu, bool shadow);
void svm_iret_seen(struct hyv_vcpu *vcpu);
void svm_check_iret_done(struct hyv_vcpu *vcpu);

/* svm_state.c */
void svm_init_save_area(struct vmcb *vmcb);
void svm_get_sregs(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs);
int svm_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs);
u64 svm_get_cr(struct hyv_vcpu *vcpu, int cr);
void svm_set_cr0(struct hyv_vcpu *vcpu, u64 cr0);
void svm_set_cr4(struct hyv_vcpu *vcpu, u64 cr4);
u64 svm_get_efer(struct hyv_vcpu *vcpu);
void svm_set_efer(struct hyv_vcpu *vcpu, u64 efer);
int svm_get_msr(struct hyv_vcpu *vcpu, u32 msr, u64 *val);
int svm_set_msr(struct hyv_vcpu *vcpu, u32 msr, u64 val);
void svm_msrpm_init(u8 *msrpm);

#endif /* HYV_SVM_H */

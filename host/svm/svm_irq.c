// SPDX-License-Identifier: GPL-2.0
/*
 * hyv AMD SVM event injection (APM vol. 2 §15.20, §15.21): exceptions and
 * interrupts through EVENTINJ, re-delivery of what an exit interrupted,
 * and the virtual-interrupt trick that gives an interrupt-window exit.
 */
#include <asm/processor-flags.h>

#include "svm.h"

/*
 * An event whose delivery an exit interrupted must be delivered again,
 * except software interrupts and INT3/INTO: without NRIP-save their
 * instruction is simply executed again (APM vol. 2 §15.7.2).
 */
void svm_requeue_event(struct vmcb_control_area *ctl)
{
	u32 info = ctl->exit_int_info;
	u32 type = info & SVM_EXITINTINFO_TYPE_MASK;
	u32 vector = info & SVM_EXITINTINFO_VEC_MASK;

	ctl->event_inj = 0;
	if (!(info & SVM_EXITINTINFO_VALID))
		return;
	if (type == SVM_EXITINTINFO_TYPE_SOFT)
		return;
	if (type == SVM_EXITINTINFO_TYPE_EXEPT && (vector == 3 || vector == 4))
		return;
	ctl->event_inj = info;
	ctl->event_inj_err = ctl->exit_int_info_err;
}

void svm_queue_exception(struct hyv_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code)
{
	struct vmcb_control_area *ctl = &to_svm(vcpu)->vmcb->control;

	ctl->event_inj = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID |
			 (has_error ? SVM_EVTINJ_VALID_ERR : 0);
	ctl->event_inj_err = error_code;
}

bool svm_event_queued(struct hyv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.event_inj & SVM_EVTINJ_VALID;
}

static bool svm_in_shadow(struct hyv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK;
}

void svm_clear_interrupt_shadow(struct hyv_vcpu *vcpu)
{
	to_svm(vcpu)->vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

bool svm_irq_allowed(struct hyv_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !svm_in_shadow(vcpu);
}

/* hyv does not track NMI blocking (no IRET intercept): NMIs may nest. */
bool svm_nmi_allowed(struct hyv_vcpu *vcpu)
{
	return !svm_in_shadow(vcpu);
}

void svm_inject_irq(struct hyv_vcpu *vcpu, u8 vector)
{
	to_svm(vcpu)->vmcb->control.event_inj = vector | SVM_EVTINJ_TYPE_INTR |
						SVM_EVTINJ_VALID;
}

void svm_inject_nmi(struct hyv_vcpu *vcpu)
{
	to_svm(vcpu)->vmcb->control.event_inj = 2 | SVM_EVTINJ_TYPE_NMI |
						SVM_EVTINJ_VALID;
}

/*
 * A virtual interrupt request that ignores the TPR makes the CPU exit
 * with VMEXIT_VINTR as soon as the guest could take it (APM vol. 2
 * §15.21.4); svm_decode_exit() withdraws the request.
 */
void svm_enable_irq_window(struct hyv_vcpu *vcpu)
{
	struct vmcb_control_area *ctl = &to_svm(vcpu)->vmcb->control;

	ctl->int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK | V_INTR_PRIO_MASK;
	__set_bit(INTERCEPT_VINTR, (unsigned long *)ctl->intercepts);
}

/*
 * An interrupt held back only by CR8: intercept CR8 writes until the next
 * exit, so the one that lowers it is seen (the core emulates it and the
 * next entry injects). A V_IRQ with V_INTR_PRIO would do the same on
 * hardware, but QEMU does not re-check it after a guest CR8 write.
 */
void svm_enable_tpr_window(struct hyv_vcpu *vcpu, u8 vector)
{
	struct vmcb_control_area *ctl = &to_svm(vcpu)->vmcb->control;

	__set_bit(INTERCEPT_CR8_WRITE, (unsigned long *)ctl->intercepts);
}

void svm_disable_tpr_window(struct vmcb_control_area *ctl)
{
	__clear_bit(INTERCEPT_CR8_WRITE, (unsigned long *)ctl->intercepts);
}

void svm_disable_irq_window(struct vmcb_control_area *ctl)
{
	ctl->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	__clear_bit(INTERCEPT_VINTR, (unsigned long *)ctl->intercepts);
}

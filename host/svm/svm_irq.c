// SPDX-License-Identifier: GPL-2.0
/*
 * hyv AMD SVM event injection (APM vol. 2 §15.20, §15.21): the event the
 * core chose goes into EVENTINJ, an event an exit interrupted is read
 * back from EXITINTINFO, the virtual-interrupt trick gives an interrupt
 * window, and NMI blocking is tracked by hand with the IRET intercept.
 * Runs on the vCPU's thread with the vCPU loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>

#include "svm.h"

/*
 * The event whose delivery the exit interrupted, for the core to deliver
 * again, except software interrupts and the guest's own INT3/INTO:
 * without NRIP-save their instruction is simply executed again (APM
 * vol. 2 §15.7.2). SVM reports INT3/INTO as exceptions, like a #BP or
 * #OF that hyv injected (for the VMM): those have no instruction behind
 * them and are delivered again like any exception.
 */
void svm_read_vectoring(struct hyv_vcpu *vcpu, struct hyv_event *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *ctl = &svm->vmcb->control;
	u32 info = ctl->exit_int_info;
	u32 type = info & SVM_EXITINTINFO_TYPE_MASK;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;
	bool injected_bp_of = svm->injected_bp_of;

	svm->injected_bp_of = false;
	memset(ev, 0, sizeof(*ev));
	if (!(info & SVM_EXITINTINFO_VALID) || type == SVM_EXITINTINFO_TYPE_SOFT)
		return;
	if (type == SVM_EXITINTINFO_TYPE_EXEPT && (vector == 3 || vector == 4) &&
	    !injected_bp_of)
		return;
	ev->vector = vector;
	switch (type) {
	case SVM_EXITINTINFO_TYPE_INTR:
		ev->type = HYV_EVENT_IRQ;
		break;
	case SVM_EXITINTINFO_TYPE_NMI:
		ev->type = HYV_EVENT_NMI;
		break;
	default:
		ev->type = HYV_EVENT_EXCEPTION;
		ev->has_error = info & SVM_EXITINTINFO_VALID_ERR;
		ev->error_code = ctl->exit_int_info_err;
		break;
	}
}

void svm_inject_event(struct hyv_vcpu *vcpu, const struct hyv_event *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *ctl = &svm->vmcb->control;
	u32 type;

	switch (ev->type) {
	case HYV_EVENT_IRQ:
		type = SVM_EVTINJ_TYPE_INTR;
		break;
	case HYV_EVENT_NMI:
		type = SVM_EVTINJ_TYPE_NMI;
		/* Blocked until its handler's IRET has run. */
		svm->nmi_masked = true;
		svm_set_intercept(ctl, INTERCEPT_IRET);
		break;
	case HYV_EVENT_SOFT_INT:
		type = SVM_EVTINJ_TYPE_SOFT;
		break;
	default:
		type = SVM_EVTINJ_TYPE_EXEPT;
		break;
	}
	svm->injected_bp_of = type == SVM_EVTINJ_TYPE_EXEPT &&
			      (ev->vector == 3 || ev->vector == 4);
	ctl->event_inj = ev->vector | type | SVM_EVTINJ_VALID |
			 (ev->has_error ? SVM_EVTINJ_VALID_ERR : 0);
	ctl->event_inj_err = ev->error_code;
}

bool svm_get_interrupt_shadow(struct hyv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK;
}

void svm_set_interrupt_shadow(struct hyv_vcpu *vcpu, bool shadow)
{
	struct vmcb_control_area *ctl = &to_svm(vcpu)->vmcb->control;

	if (shadow)
		ctl->int_state |= SVM_INTERRUPT_SHADOW_MASK;
	else
		ctl->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

bool svm_irq_allowed(struct hyv_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !svm_get_interrupt_shadow(vcpu);
}

bool svm_nmi_allowed(struct hyv_vcpu *vcpu)
{
	return !to_svm(vcpu)->nmi_masked && !svm_get_interrupt_shadow(vcpu);
}

bool svm_get_nmi_masked(struct hyv_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi_masked;
}

void svm_set_nmi_masked(struct hyv_vcpu *vcpu, bool masked)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->nmi_masked = masked;
	svm->awaiting_iret = false;
	if (masked)
		svm_set_intercept(&svm->vmcb->control, INTERCEPT_IRET);
	else
		svm_clr_intercept(&svm->vmcb->control, INTERCEPT_IRET);
}

/*
 * The guest is about to execute IRET (the intercept fires before it
 * runs): NMIs stay blocked until it has, which the next exit at another
 * RIP shows (svm_check_iret_done()).
 */
void svm_iret_seen(struct hyv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm_clr_intercept(&svm->vmcb->control, INTERCEPT_IRET);
	svm->awaiting_iret = true;
	svm->iret_rip = vcpu->rip;
}

void svm_check_iret_done(struct hyv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->awaiting_iret && vcpu->rip != svm->iret_rip) {
		svm->awaiting_iret = false;
		svm->nmi_masked = false;
	}
}

/*
 * A virtual interrupt request that ignores the TPR makes the CPU exit
 * with VMEXIT_VINTR as soon as the guest could take it (APM vol. 2
 * §15.21.4); svm_decode_exit() withdraws the request.
 */
void svm_enable_irq_window(struct hyv_vcpu *vcpu)
{
	struct vmcb_control_area *ctl = &to_svm(vcpu)->vmcb->control;

	/* See svm_track_shadow(): step over the shadowed instruction. */
	if (svm_quirk_vmrun_drops_shadow && svm_get_interrupt_shadow(vcpu)) {
		svm_disable_irq_window(ctl);
		if (!(vcpu->rflags & X86_EFLAGS_TF) &&
		    !(ctl->event_inj & SVM_EVTINJ_VALID))
			to_svm(vcpu)->shadow_step = true;
		return;
	}
	ctl->int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK | V_INTR_PRIO_MASK;
	svm_set_intercept(ctl, INTERCEPT_VINTR);
}

/*
 * SVM has no NMI-window exit. While an NMI handler runs, its IRET is
 * intercepted already; otherwise only an injected event or the shadow
 * held the NMI back, and the next exit of any kind delivers it (a host
 * timer tick at the latest). KVM single-steps the guest to shorten that;
 * hyv accepts the latency.
 */
void svm_enable_nmi_window(struct hyv_vcpu *vcpu)
{
}

/*
 * An interrupt held back only by CR8: intercept CR8 writes until the next
 * exit, so the one that lowers it is seen (the core emulates it and the
 * next entry injects). A V_IRQ with V_INTR_PRIO would do the same on
 * hardware, but QEMU does not re-check it after a guest CR8 write.
 */
void svm_enable_tpr_window(struct hyv_vcpu *vcpu, u8 vector)
{
	svm_set_intercept(&to_svm(vcpu)->vmcb->control, INTERCEPT_CR8_WRITE);
}

void svm_disable_tpr_window(struct vmcb_control_area *ctl)
{
	svm_clr_intercept(ctl, INTERCEPT_CR8_WRITE);
}

void svm_disable_irq_window(struct vmcb_control_area *ctl)
{
	ctl->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	svm_clr_intercept(ctl, INTERCEPT_VINTR);
}

/*
 * svm_quirk_vmrun_drops_shadow: QEMU's TCG (seen with 7.2, the testbed's
 * L0) stores the STI/MOV SS interrupt shadow in int_state at #VMEXIT but
 * does not load it at VMRUN. A VINTR request left armed then exits at
 * once, before the shadowed instruction, without the shadow, and the
 * interrupt injected there is taken inside it: "sti; hlt" halts with its
 * wake-up already consumed and sleeps for good (the lost wake-ups of the
 * ping-pong and doorbell tests). So, on such a CPU only: no VINTR
 * request while shadowed (svm_enable_irq_window()), and an exit at the
 * RIP of a shadowed one still counts as shadowed, since the instruction
 * there has not run. Bounded to a few exits, for a guest that spins on
 * the instruction after STI ("sti; 1: jmp 1b"). Hardware loads the
 * shadow and needs none of this.
 *
 * Without a window, an interrupt that became deliverable at the end of
 * the shadow would wait for the next exit: "sti; nop; cli" with an exit
 * at the NOP let it pass. So the window is made by single-stepping the
 * shadowed instruction instead, as KVM steps over an NMI window: RFLAGS.TF
 * for one entry, and the #DB (intercepted anyway) right after the
 * instruction is the window exit (svm_end_shadow_step()). A guest that
 * uses TF itself, or an entry that injects an event, keeps the old
 * behaviour. As in KVM, an exception raised
 * by the stepped instruction pushes the TF onto the guest's stack.
 */
#define SVM_SHADOW_KEEP_EXITS	4

void svm_track_shadow(struct svm_vcpu *svm, u64 rip)
{
	struct vmcb_control_area *ctl = &svm->vmcb->control;

	if (!svm_quirk_vmrun_drops_shadow)
		return;
	if (ctl->int_state & SVM_INTERRUPT_SHADOW_MASK) {
		svm->shadow_exits = 1;
		svm->shadow_rip = rip;
	} else if (svm->shadow_exits && rip == svm->shadow_rip &&
		   svm->shadow_exits < SVM_SHADOW_KEEP_EXITS) {
		svm->shadow_exits++;
		ctl->int_state |= SVM_INTERRUPT_SHADOW_MASK;
	} else {
		svm->shadow_exits = 0;
	}
}

/*
 * After an entry that stepped over a shadowed instruction: the guest's
 * RFLAGS without hyv's TF, and the #DB of the step, alone, made an
 * interrupt window exit rather than an exception for the guest.
 */
void svm_end_shadow_step(struct svm_vcpu *svm, struct hyv_vcpu *vcpu,
			 struct hyv_exit *exit)
{
	svm->shadow_step = false;
	vcpu->rflags &= ~X86_EFLAGS_TF;
	if (exit->kind == HYV_X_EXCEPTION &&
	    exit->exc.vector == HYV_DB_VECTOR && !exit->exc.soft_len &&
	    (exit->exc.payload & DR_STEP) &&
	    !(exit->exc.payload & (DR_TRAP_BITS | HYV_DR6_BD)))
		exit->kind = HYV_X_IRQ_WINDOW;
}

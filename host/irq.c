// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing what the guest takes next: before each entry, an NMI or the
 * local APIC's highest deliverable interrupt is injected if the guest can
 * take it now, or an interrupt-window exit is requested so it is injected
 * the moment the guest can.
 */
#include <asm/processor-flags.h>

#include "hyv.h"

void hyv_irq_prepare_entry(struct hyv_vcpu *vcpu)
{
	int vector;

	clear_bit(HYV_REQ_EVENT, &vcpu->requests);
	/* A re-injected event or a queued exception goes first. */
	if (hyv_ops->event_queued(vcpu))
		return;

	if (READ_ONCE(vcpu->nmi_pending)) {
		if (hyv_ops->nmi_allowed(vcpu)) {
			WRITE_ONCE(vcpu->nmi_pending, false);
			hyv_ops->inject_nmi(vcpu);
			return;
		}
		hyv_ops->enable_irq_window(vcpu);
	}

	vector = hyv_lapic_pending_vector(vcpu);
	if (vector < 0) {
		/* Held back by CR8 alone: exit when the guest lowers it. */
		vector = hyv_lapic_tpr_held_vector(vcpu);
		if (vector >= 0)
			hyv_ops->enable_tpr_window(vcpu, vector);
		return;
	}
	if (hyv_ops->irq_allowed(vcpu)) {
		hyv_lapic_ack(vcpu, vector);
		hyv_ops->inject_irq(vcpu, vector);
	} else {
		hyv_ops->enable_irq_window(vcpu);
	}
}

/*
 * Would a halted vCPU wake? An NMI always; an interrupt only if RFLAGS.IF
 * lets it in (SDM vol. 2A, HLT).
 */
bool hyv_irq_can_wake(struct hyv_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->nmi_pending))
		return true;
	return (vcpu->rflags & X86_EFLAGS_IF) &&
	       hyv_lapic_pending_vector(vcpu) >= 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest takes next. The core owns the vCPU's events: one whose
 * delivery an exit interrupted (delivered again first), an exception
 * queued by an exit handler or by the VMM, NMIs, and the local APIC's
 * interrupts. Just before each entry exactly one is handed to the vendor
 * for injection, and a window exit is requested for whatever still waits,
 * so nothing pending depends on an unrelated exit to be noticed.
 * Runs on the vCPU's thread with the vCPU loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>

#include "hyv.h"

#define X86_DB_VECTOR	1
#define X86_NMI_VECTOR	2
#define X86_DF_VECTOR	8
#define X86_PF_VECTOR	14

/* Exception classes for double faults (SDM vol. 3A table 6-4). */
static bool hyv_exc_contributory(u8 vector)
{
	return vector == 0 || (vector >= 10 && vector <= 13);
}

/*
 * A second exception raised while the first was being delivered (SDM
 * vol. 3A table 6-5): both are delivered serially (the second now),
 * they make a #DF, or a fault while delivering #DF shuts the CPU down.
 * Returns the vector to deliver, or -1 for a triple fault.
 */
int hyv_exc_merge(u8 first, u8 second)
{
	if (first == X86_DF_VECTOR)
		return -1;
	if ((hyv_exc_contributory(first) && hyv_exc_contributory(second)) ||
	    (first == X86_PF_VECTOR &&
	     (second == X86_PF_VECTOR || hyv_exc_contributory(second))))
		return X86_DF_VECTOR;
	return second;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_exc_merge);

/* Exceptions whose delivery pushes an error code (SDM vol. 3A table 6-1). */
static bool hyv_exc_has_error(u8 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ||
	       vector == 21 || vector == 29 || vector == 30;
}

/*
 * Queue an exception for the next entry. When an exit interrupted the
 * delivery of another exception, the two merge as the CPU would merge
 * them; a triple fault makes the guest shut down (HYV_REQ_TRIPLE_FAULT).
 */
void hyv_queue_exception_payload(struct hyv_vcpu *vcpu, u8 vector,
				 bool has_error, u32 error_code,
				 bool has_payload, u64 payload)
{
	struct hyv_pending_exception *exc = &vcpu->exc;
	int merged = vector;

	if (vcpu->injected.type == HYV_EVENT_EXCEPTION) {
		merged = hyv_exc_merge(vcpu->injected.vector, vector);
		vcpu->injected.type = HYV_EVENT_NONE;
	} else if (exc->pending) {
		merged = hyv_exc_merge(exc->vector, vector);
	}
	if (merged < 0) {
		exc->pending = false;
		set_bit(HYV_REQ_TRIPLE_FAULT, &vcpu->requests);
		return;
	}
	exc->pending = true;
	exc->vector = merged;
	exc->has_error = hyv_exc_has_error(merged) &&
			 (merged == X86_DF_VECTOR || has_error);
	exc->error_code = merged == X86_DF_VECTOR ? 0 : error_code;
	exc->has_payload = merged == vector && has_payload;
	exc->payload = payload;
}

void hyv_queue_exception(struct hyv_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code)
{
	hyv_queue_exception_payload(vcpu, vector, has_error, error_code,
				    false, 0);
}

/*
 * What an exception delivers besides itself: #PF its address in CR2,
 * #DB its causes in DR6 (SDM vol. 3A §17.2.3: B0-B3, BD, BS set;
 * the other bits keep their value).
 */
static void hyv_exc_deliver_payload(struct hyv_vcpu *vcpu)
{
	struct hyv_pending_exception *exc = &vcpu->exc;

	if (!exc->has_payload)
		return;
	if (exc->vector == X86_PF_VECTOR) {
		vcpu->cr2 = exc->payload;
	} else if (exc->vector == X86_DB_VECTOR) {
		vcpu->dr6 = (vcpu->dr6 & ~DR_TRAP_BITS) | DR6_RESERVED |
			    (exc->payload & (DR_TRAP_BITS | DR_STEP | HYV_DR6_BD));
	}
	exc->has_payload = false;
}

/* Hand the vendor the one event this entry delivers; true if there was one. */
static bool hyv_irq_inject_one(struct hyv_vcpu *vcpu)
{
	struct hyv_event ev = {};
	int vector;

	if (vcpu->injected.type != HYV_EVENT_NONE) {
		ev = vcpu->injected;
		vcpu->injected.type = HYV_EVENT_NONE;
	} else if (vcpu->exc.pending) {
		hyv_exc_deliver_payload(vcpu);
		ev.type = HYV_EVENT_EXCEPTION;
		ev.vector = vcpu->exc.vector;
		ev.has_error = vcpu->exc.has_error;
		ev.error_code = vcpu->exc.error_code;
		vcpu->exc.pending = false;
	} else if (vcpu->nmi_pending && hyv_ops->nmi_allowed(vcpu)) {
		ev.type = HYV_EVENT_NMI;
		ev.vector = X86_NMI_VECTOR;
		vcpu->nmi_pending = false;
	} else {
		vector = hyv_lapic_pending_vector(vcpu);
		if (vector < 0 || !hyv_ops->irq_allowed(vcpu))
			return false;
		hyv_lapic_ack(vcpu, vector);
		ev.type = HYV_EVENT_IRQ;
		ev.vector = vector;
	}
	hyv_ops->inject_event(vcpu, &ev);
	return true;
}

/* Called with interrupts off, the vCPU loaded, just before an entry. */
void hyv_irq_prepare_entry(struct hyv_vcpu *vcpu)
{
	int vector;

	hyv_irq_inject_one(vcpu);
	hyv_pv_eoi_arm(vcpu);

	/* Whatever still waits gets a window exit, as soon as it can go. */
	if (vcpu->nmi_pending)
		hyv_ops->enable_nmi_window(vcpu);
	if (hyv_lapic_pending_vector(vcpu) >= 0) {
		hyv_ops->enable_irq_window(vcpu);
		return;
	}
	/* Held back by CR8 alone: exit when the guest lowers it. */
	vector = hyv_lapic_tpr_held_vector(vcpu);
	if (vector >= 0 && hyv_ops->enable_tpr_window)
		hyv_ops->enable_tpr_window(vcpu, vector);
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

/* Raise an NMI; any context (the local APIC's NMI IPIs, HYV_NMI). */
void hyv_irq_raise_nmi(struct hyv_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->nmi_pending, true);
	hyv_vcpu_wake(vcpu, HYV_REQ_EVENT);
}

/*
 * INIT (SDM vol. 3A §9.1.1, §10.4.7.3): nothing queued survives, the
 * shadow and NMI blocking are gone.
 */
void hyv_irq_reset(struct hyv_vcpu *vcpu)
{
	vcpu->injected.type = HYV_EVENT_NONE;
	memset(&vcpu->exc, 0, sizeof(vcpu->exc));
	WRITE_ONCE(vcpu->nmi_pending, false);
	hyv_ops->set_nmi_masked(vcpu, false);
	hyv_ops->set_interrupt_shadow(vcpu, false);
}

/* ---- HYV_GET/SET_VCPU_EVENTS ------------------------------------------------ */

int hyv_irq_get_events(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_vcpu_events ev = {};
	const struct hyv_event *inj = &vcpu->injected;

	switch (inj->type) {
	case HYV_EVENT_EXCEPTION:
	case HYV_EVENT_SOFT_EXC:
	case HYV_EVENT_PRIV_SOFT_EXC:
		ev.exception.injected = 1;
		ev.exception.vector = inj->vector;
		ev.exception.has_error_code = inj->has_error;
		ev.exception.error_code = inj->error_code;
		break;
	case HYV_EVENT_IRQ:
	case HYV_EVENT_SOFT_INT:
		ev.interrupt.injected = 1;
		ev.interrupt.vector = inj->vector;
		ev.interrupt.soft = inj->type == HYV_EVENT_SOFT_INT;
		break;
	case HYV_EVENT_NMI:
		ev.nmi.injected = 1;
		break;
	}
	if (vcpu->exc.pending) {
		ev.exception.pending = 1;
		ev.exception.vector = vcpu->exc.vector;
		ev.exception.has_error_code = vcpu->exc.has_error;
		ev.exception.error_code = vcpu->exc.error_code;
		if (vcpu->exc.has_payload) {
			ev.exception.payload = vcpu->exc.payload;
			ev.flags |= HYV_VCPU_EVENT_PAYLOAD;
		}
	}
	ev.interrupt.shadow = hyv_ops->get_interrupt_shadow(vcpu);
	ev.nmi.pending = READ_ONCE(vcpu->nmi_pending);
	ev.nmi.masked = hyv_ops->get_nmi_masked(vcpu);
	return copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
}

/* A struct hyv_vcpu_events a VMM may set: everything in range, one event. */
static bool hyv_irq_events_valid(const struct hyv_vcpu_events *ev)
{
	const u8 bools[] = {
		ev->exception.injected, ev->exception.pending,
		ev->exception.has_error_code, ev->interrupt.injected,
		ev->interrupt.soft, ev->interrupt.shadow, ev->nmi.injected,
		ev->nmi.pending, ev->nmi.masked,
	};
	int i;

	if ((ev->flags & ~HYV_VCPU_EVENT_PAYLOAD) || ev->padding ||
	    ev->interrupt.padding || memchr_inv(ev->nmi.padding, 0,
						sizeof(ev->nmi.padding)) ||
	    memchr_inv(ev->reserved, 0, sizeof(ev->reserved)))
		return false;
	for (i = 0; i < ARRAY_SIZE(bools); i++)
		if (bools[i] > 1)
			return false;
	if (ev->exception.injected + ev->exception.pending +
	    ev->interrupt.injected + ev->nmi.injected > 1)
		return false;
	if (ev->exception.injected || ev->exception.pending) {
		if (ev->exception.vector >= 32 || ev->exception.vector == 2 ||
		    (ev->exception.has_error_code &&
		     !hyv_exc_has_error(ev->exception.vector)))
			return false;
	}
	if (ev->interrupt.injected && !ev->interrupt.soft &&
	    ev->interrupt.vector < 16)
		return false;
	return true;
}

int hyv_irq_set_events(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_vcpu_events ev;

	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	if (!hyv_irq_events_valid(&ev))
		return -EINVAL;
	memset(&vcpu->injected, 0, sizeof(vcpu->injected));
	memset(&vcpu->exc, 0, sizeof(vcpu->exc));
	if (ev.exception.injected) {
		vcpu->injected.type = HYV_EVENT_EXCEPTION;
		vcpu->injected.vector = ev.exception.vector;
		vcpu->injected.has_error = ev.exception.has_error_code;
		vcpu->injected.error_code = ev.exception.error_code;
	} else if (ev.interrupt.injected) {
		vcpu->injected.type = ev.interrupt.soft ? HYV_EVENT_SOFT_INT :
							  HYV_EVENT_IRQ;
		vcpu->injected.vector = ev.interrupt.vector;
	} else if (ev.nmi.injected) {
		vcpu->injected.type = HYV_EVENT_NMI;
		vcpu->injected.vector = X86_NMI_VECTOR;
	} else if (ev.exception.pending) {
		hyv_queue_exception_payload(vcpu, ev.exception.vector,
					    ev.exception.has_error_code,
					    ev.exception.error_code,
					    ev.flags & HYV_VCPU_EVENT_PAYLOAD,
					    ev.exception.payload);
	}
	WRITE_ONCE(vcpu->nmi_pending, ev.nmi.pending);
	hyv_ops->set_nmi_masked(vcpu, ev.nmi.masked);
	hyv_ops->set_interrupt_shadow(vcpu, ev.interrupt.shadow);
	hyv_vcpu_wake(vcpu, HYV_REQ_EVENT);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv Intel VMX event injection (Intel SDM vol. 3C §27.6): the event the
 * core chose goes into the VM-entry interruption field; interrupt and
 * NMI windows are exit controls; NMI blocking is the CPU's own (virtual
 * NMIs); an event an exit interrupted is read back from the IDT-vectoring
 * field. All run with the vCPU's VMCS current.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/processor-flags.h>

#include "vmx.h"

static const u32 vmx_intr_type[] = {
	[HYV_EVENT_IRQ]		  = INTR_TYPE_EXT_INTR,
	[HYV_EVENT_NMI]		  = INTR_TYPE_NMI_INTR,
	[HYV_EVENT_EXCEPTION]	  = INTR_TYPE_HARD_EXCEPTION,
	[HYV_EVENT_SOFT_INT]	  = INTR_TYPE_SOFT_INTR,
	[HYV_EVENT_SOFT_EXC]	  = INTR_TYPE_SOFT_EXCEPTION,
	[HYV_EVENT_PRIV_SOFT_EXC] = INTR_TYPE_PRIV_SW_EXCEPTION,
};

void vmx_inject_event(struct hyv_vcpu *vcpu, const struct hyv_event *ev)
{
	u32 info = ev->vector | vmx_intr_type[ev->type] | INTR_INFO_VALID_MASK;

	if (ev->has_error) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmx_write(VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error_code);
	}
	/* Software events push RIP past the instruction that raised them. */
	if (ev->type >= HYV_EVENT_SOFT_INT)
		vmx_write(VM_ENTRY_INSTRUCTION_LEN, ev->insn_len);
	vmx_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

/*
 * The event whose delivery the last exit interrupted, for the core to
 * deliver again (§28.2.4, §27.2.3); none if it completed.
 */
void vmx_read_vectoring(struct hyv_event *ev)
{
	u32 info = vmx_read(IDT_VECTORING_INFO_FIELD);

	memset(ev, 0, sizeof(*ev));
	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	switch (info & VECTORING_INFO_TYPE_MASK) {
	case INTR_TYPE_EXT_INTR:
		ev->type = HYV_EVENT_IRQ;
		break;
	case INTR_TYPE_NMI_INTR:
		ev->type = HYV_EVENT_NMI;
		break;
	case INTR_TYPE_SOFT_INTR:
		ev->type = HYV_EVENT_SOFT_INT;
		break;
	case INTR_TYPE_SOFT_EXCEPTION:
		ev->type = HYV_EVENT_SOFT_EXC;
		break;
	case INTR_TYPE_PRIV_SW_EXCEPTION:
		ev->type = HYV_EVENT_PRIV_SOFT_EXC;
		break;
	default:
		ev->type = HYV_EVENT_EXCEPTION;
		break;
	}
	ev->vector = info & VECTORING_INFO_VECTOR_MASK;
	ev->has_error = info & VECTORING_INFO_DELIVER_CODE_MASK;
	if (ev->has_error)
		ev->error_code = vmx_read(IDT_VECTORING_ERROR_CODE);
	if (ev->type >= HYV_EVENT_SOFT_INT)
		ev->insn_len = vmx_read(VM_EXIT_INSTRUCTION_LEN);
}

static u32 vmx_interruptibility(void)
{
	return vmx_read(GUEST_INTERRUPTIBILITY_INFO);
}

bool vmx_irq_allowed(struct hyv_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) &&
	       !(vmx_interruptibility() &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

bool vmx_nmi_allowed(struct hyv_vcpu *vcpu)
{
	return !(vmx_interruptibility() &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS |
		  GUEST_INTR_STATE_NMI));
}

static void vmx_set_window(struct hyv_vcpu *vcpu, u32 window, bool on)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc = on ? vmx->proc | window : vmx->proc & ~window;

	if (proc != vmx->proc) {
		vmx->proc = proc;
		vmx_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	}
}

/* Exit once RFLAGS.IF=1 and no shadow blocks interrupts. */
void vmx_enable_irq_window(struct hyv_vcpu *vcpu)
{
	vmx_set_window(vcpu, CPU_BASED_INTR_WINDOW_EXITING, true);
}

/* Exit once no NMI blocking or shadow holds an NMI back (§26.7.6). */
void vmx_enable_nmi_window(struct hyv_vcpu *vcpu)
{
	vmx_set_window(vcpu, CPU_BASED_NMI_WINDOW_EXITING, true);
}

void vmx_disable_window(struct hyv_vcpu *vcpu, u32 window)
{
	vmx_set_window(vcpu, window, false);
}

bool vmx_get_nmi_masked(struct hyv_vcpu *vcpu)
{
	return vmx_interruptibility() & GUEST_INTR_STATE_NMI;
}

void vmx_set_nmi_masked(struct hyv_vcpu *vcpu, bool masked)
{
	u32 info = vmx_interruptibility() & ~GUEST_INTR_STATE_NMI;

	vmx_write(GUEST_INTERRUPTIBILITY_INFO,
		  info | (masked ? GUEST_INTR_STATE_NMI : 0));
}

bool vmx_get_interrupt_shadow(struct hyv_vcpu *vcpu)
{
	return vmx_interruptibility() &
	       (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
}

void vmx_set_interrupt_shadow(struct hyv_vcpu *vcpu, bool shadow)
{
	u32 info = vmx_interruptibility() &
		   ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);

	vmx_write(GUEST_INTERRUPTIBILITY_INFO,
		  info | (shadow ? GUEST_INTR_STATE_STI : 0));
}

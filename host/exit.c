// SPDX-License-Identifier: GPL-2.0
/*
 * Exit handling shared by both vendors: one handler per core exit kind,
 * each either finishing the work in the kernel (re-enter the guest) or
 * filling the run page for userspace.
 */
#include <linux/smp.h>
#include <asm/processor-flags.h>

#include "hyv.h"

typedef int (*hyv_exit_handler)(struct hyv_vcpu *vcpu, struct hyv_exit *exit);

#define X86_UD_VECTOR	6
#define X86_GP_VECTOR	13

static int hyv_exit_internal(struct hyv_vcpu *vcpu, u32 suberror,
			     const struct hyv_exit *exit)
{
	struct hyv_run *run = vcpu->run;

	run->exit_reason = HYV_EXIT_INTERNAL_ERROR;
	memset(&run->internal, 0, sizeof(run->internal));
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = exit->vendor_code;
	run->internal.data[1] = exit->info1;
	run->internal.data[2] = exit->info2;
	return HYV_TO_USER;
}

/*
 * Step over the intercepted instruction and carry on with @action; when
 * its length cannot be known, stop in userspace with an emulation failure.
 */
static int hyv_exit_done(struct hyv_vcpu *vcpu, struct hyv_exit *exit,
			 int action)
{
	if (hyv_exit_skip_insn(vcpu, exit))
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
	return action;
}

static int hyv_handle_unknown(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_vm_warn(vcpu->vm, "vcpu%u: unhandled exit %#llx\n", vcpu->id,
		    exit->vendor_code);
	return hyv_exit_internal(vcpu, HYV_INTERNAL_UNKNOWN_EXIT, exit);
}

static int hyv_handle_nothing(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	return HYV_REENTER;
}

/*
 * HLT with interrupts enabled sleeps in the kernel until an interrupt,
 * NMI or INIT arrives (the run loop blocks while HALTED). With interrupts
 * disabled only the VMM can wake the guest: it gets HYV_EXIT_HLT.
 */
static int hyv_handle_hlt(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	if (vcpu->rflags & X86_EFLAGS_IF) {
		vcpu->mp_state = HYV_MP_STATE_HALTED;
		return hyv_exit_done(vcpu, exit, HYV_REENTER);
	}
	vcpu->run->exit_reason = HYV_EXIT_HLT;
	return hyv_exit_done(vcpu, exit, HYV_TO_USER);
}

static int hyv_handle_io(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct hyv_run *run = vcpu->run;
	u32 mask = exit->io.size == 4 ? ~0U : (1U << (exit->io.size * 8)) - 1;

	if (exit->io.string || exit->io.rep)
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);

	memset(&run->io, 0, sizeof(run->io));
	run->exit_reason = HYV_EXIT_IO;
	run->io.port = exit->io.port;
	run->io.size = exit->io.size;
	if (exit->io.in) {
		run->io.direction = HYV_IO_IN;
		vcpu->pending_in = true;
		vcpu->pending_in_size = exit->io.size;
	} else {
		run->io.direction = HYV_IO_OUT;
		run->io.data = vcpu->gpr[HYV_RAX] & mask;
	}
	if (!exit->io.next_rip)
		return hyv_exit_done(vcpu, exit, HYV_TO_USER);
	vcpu->rip = exit->io.next_rip;
	return HYV_TO_USER;
}

static int hyv_handle_cpuid(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_cpuid(vcpu);
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

static int hyv_handle_hypercall(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_hypercall(vcpu);
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

/* RDMSR/WRMSR: ECX names the MSR, EDX:EAX holds the value (msr.c). */
static int hyv_handle_msr(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	u64 *gpr = vcpu->gpr, val;
	u32 msr = gpr[HYV_RCX];
	bool read = exit->kind == HYV_X_MSR_READ;
	int ret;

	if (read) {
		ret = hyv_msr_read(vcpu, msr, &val);
	} else {
		val = (gpr[HYV_RDX] << 32) | (u32)gpr[HYV_RAX];
		ret = hyv_msr_write(vcpu, msr, val);
	}
	if (ret) {
		if (ret == -ENOENT)
			hyv_vm_warn(vcpu->vm, "vcpu%u: %s of unknown MSR %#x: #GP\n",
				    vcpu->id, read ? "read" : "write", msr);
		hyv_ops->queue_exception(vcpu, X86_GP_VECTOR, true, 0);
		return HYV_REENTER;
	}
	if (read) {
		gpr[HYV_RAX] = (u32)val;
		gpr[HYV_RDX] = val >> 32;
	}
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

static int hyv_handle_npf(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	bool is_mmio;
	int ret;

	ret = hyv_mmu_handle_fault(vcpu, exit, &is_mmio);
	if (ret || !is_mmio)
		return ret;
	ret = hyv_emulate_mmio(vcpu, exit->npf.gpa);
	if (ret < 0) {
		hyv_vm_warn(vcpu->vm, "vcpu%u: MMIO at %#llx by an instruction hyv cannot decode (rip %#llx)\n",
			    vcpu->id, exit->npf.gpa, vcpu->rip);
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
	}
	return ret ? HYV_REENTER : HYV_TO_USER;
}

static int hyv_handle_shutdown(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	vcpu->run->exit_reason = HYV_EXIT_SHUTDOWN;
	return HYV_TO_USER;
}

static int hyv_handle_fail_entry(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct hyv_run *run = vcpu->run;

	memset(&run->fail_entry, 0, sizeof(run->fail_entry));
	run->exit_reason = HYV_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_reason = exit->vendor_code;
	run->fail_entry.cpu = raw_smp_processor_id();
	return HYV_TO_USER;
}

static int hyv_handle_ud(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_ops->queue_exception(vcpu, X86_UD_VECTOR, false, 0);
	return HYV_REENTER;
}

static int hyv_handle_skip(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

/* Which GPR a MOV CR8 uses, when the CPU did not say: decode it. */
static int hyv_cr_access_gpr(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct hyv_insn insn;

	if (exit->cr.gpr != HYV_CR_GPR_UNKNOWN)
		return exit->cr.gpr;
	if (hyv_emulate_decode(vcpu, &insn) || insn.ctrl != exit->cr.num ||
	    insn.kind != (exit->cr.type == HYV_CR_MOV_TO ?
			  HYV_INSN_MOV_TO_CR : HYV_INSN_MOV_FROM_CR))
		return -EOPNOTSUPP;
	exit->insn_len = insn.len;
	return insn.reg;
}

/* Only CR8 (the task priority) exits; the others belong to the guest. */
static int hyv_handle_cr_access(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	int gpr = hyv_cr_access_gpr(vcpu, exit);
	u64 *reg;

	if (gpr < 0 || exit->cr.num != 8 || exit->cr.type > HYV_CR_MOV_FROM)
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
	reg = &vcpu->gpr[gpr];
	if (exit->cr.type == HYV_CR_MOV_TO && *reg > 15) {
		hyv_ops->queue_exception(vcpu, X86_GP_VECTOR, true, 0);
		return HYV_REENTER;
	}
	if (exit->cr.type == HYV_CR_MOV_FROM)
		*reg = hyv_lapic_get_cr8(vcpu);
	else
		hyv_lapic_set_cr8(vcpu, *reg);
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

static const hyv_exit_handler hyv_exit_handlers[HYV_X_NR] = {
	[HYV_X_UNKNOWN]		= hyv_handle_unknown,
	[HYV_X_HOST_EVENT]	= hyv_handle_nothing,
	[HYV_X_HLT]		= hyv_handle_hlt,
	[HYV_X_IO]		= hyv_handle_io,
	[HYV_X_CPUID]		= hyv_handle_cpuid,
	[HYV_X_HYPERCALL]	= hyv_handle_hypercall,
	[HYV_X_MSR_READ]	= hyv_handle_msr,
	[HYV_X_MSR_WRITE]	= hyv_handle_msr,
	[HYV_X_NPF]		= hyv_handle_npf,
	[HYV_X_SHUTDOWN]	= hyv_handle_shutdown,
	[HYV_X_FAIL_ENTRY]	= hyv_handle_fail_entry,
	[HYV_X_UD]		= hyv_handle_ud,
	[HYV_X_SKIP]		= hyv_handle_skip,
	[HYV_X_CR_ACCESS]	= hyv_handle_cr_access,
	/* The window opened: the next entry injects what waits (irq.c). */
	[HYV_X_IRQ_WINDOW]	= hyv_handle_nothing,
};

/* Returns HYV_REENTER, HYV_TO_USER (run page filled) or -errno. */
int hyv_exit_handle(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	if (exit->kind >= HYV_X_NR)
		return hyv_handle_unknown(vcpu, exit);
	return hyv_exit_handlers[exit->kind](vcpu, exit);
}

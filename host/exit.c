// SPDX-License-Identifier: GPL-2.0
/*
 * Exit handling shared by both vendors: one handler per core exit kind,
 * each either finishing the work in the kernel (re-enter the guest) or
 * filling the run page for userspace.
 */
#include <linux/smp.h>

#include "hyv.h"

typedef int (*hyv_exit_handler)(struct hyv_vcpu *vcpu, struct hyv_exit *exit);

#define X86_UD_VECTOR	6
#define X86_GP_VECTOR	13

/*
 * Instruction lengths of the intercepted instructions hyv skips, used
 * when the CPU does not report it (SVM without NRIP-save). They assume
 * no prefixes, which no compiler or kernel emits on these instructions.
 */
static const u8 hyv_fixed_insn_len[HYV_X_NR] = {
	[HYV_X_HLT]		= 1,	/* f4 */
	[HYV_X_CPUID]		= 2,	/* 0f a2 */
	[HYV_X_HYPERCALL]	= 3,	/* 0f 01 d9 (VMMCALL) / 0f 01 c1 (VMCALL) */
	[HYV_X_MSR_READ]	= 2,	/* 0f 32 */
	[HYV_X_MSR_WRITE]	= 2,	/* 0f 30 */
	[HYV_X_SKIP]		= 2,	/* 0f 08 (INVD) */
};

void hyv_exit_skip_insn(struct hyv_vcpu *vcpu, const struct hyv_exit *exit)
{
	u32 len = exit->insn_len;

	if (!len)
		len = hyv_fixed_insn_len[exit->kind];
	vcpu->rip += len;
}

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

static int hyv_handle_hlt(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_exit_skip_insn(vcpu, exit);
	vcpu->run->exit_reason = HYV_EXIT_HLT;
	return HYV_TO_USER;
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
	if (exit->io.next_rip)
		vcpu->rip = exit->io.next_rip;
	else
		hyv_exit_skip_insn(vcpu, exit);
	return HYV_TO_USER;
}

static int hyv_handle_cpuid(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_cpuid(vcpu);
	hyv_exit_skip_insn(vcpu, exit);
	return HYV_REENTER;
}

static int hyv_handle_hypercall(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_hypercall(vcpu);
	hyv_exit_skip_insn(vcpu, exit);
	return HYV_REENTER;
}

/* No MSR is emulated yet: every access is refused like an unknown MSR. */
static int hyv_handle_msr(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_vm_warn(vcpu->vm, "vcpu%u: %s of unknown MSR %#llx: #GP\n",
		    vcpu->id, exit->kind == HYV_X_MSR_READ ? "read" : "write",
		    vcpu->gpr[HYV_RCX] & 0xffffffff);
	hyv_ops->queue_exception(vcpu, X86_GP_VECTOR, true, 0);
	return HYV_REENTER;
}

static int hyv_handle_npf(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct hyv_run *run = vcpu->run;
	bool is_mmio;
	int ret;

	ret = hyv_mmu_handle_fault(vcpu, exit, &is_mmio);
	if (ret || !is_mmio)
		return ret;

	/* Not decoded yet: address and direction only (see hyv.h). */
	memset(&run->mmio, 0, sizeof(run->mmio));
	run->exit_reason = HYV_EXIT_MMIO;
	run->mmio.phys_addr = exit->npf.gpa;
	run->mmio.is_write = exit->npf.write;
	return HYV_TO_USER;
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
	hyv_exit_skip_insn(vcpu, exit);
	return HYV_REENTER;
}

/* Only CR8 (the task priority) exits; the others belong to the guest. */
static int hyv_handle_cr_access(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	u64 *reg = &vcpu->gpr[exit->cr.gpr];

	if (exit->cr.num != 8 || exit->cr.type > HYV_CR_MOV_FROM)
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
	if (exit->cr.type == HYV_CR_MOV_FROM) {
		*reg = vcpu->cr8;
	} else if (*reg > 15) {
		hyv_ops->queue_exception(vcpu, X86_GP_VECTOR, true, 0);
		return HYV_REENTER;
	} else {
		vcpu->cr8 = *reg;
	}
	hyv_exit_skip_insn(vcpu, exit);
	return HYV_REENTER;
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
};

/* Returns HYV_REENTER, HYV_TO_USER (run page filled) or -errno. */
int hyv_exit_handle(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	if (exit->kind >= HYV_X_NR)
		return hyv_handle_unknown(vcpu, exit);
	return hyv_exit_handlers[exit->kind](vcpu, exit);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Exit handling shared by both vendors: one handler per core exit kind,
 * each either finishing the work in the kernel (re-enter the guest) or
 * filling the run page for userspace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/smp.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "hyv.h"

typedef int (*hyv_exit_handler)(struct hyv_vcpu *vcpu, struct hyv_exit *exit);

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
	if (hyv_dump_on_error)
		hyv_ops->dump(vcpu);
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

	if (exit->io.string) {
		int ret = hyv_pio_string(vcpu, exit);

		if (ret < 0)
			return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION,
						 exit);
		return ret;
	}

	memset(&run->io, 0, sizeof(run->io));
	run->exit_reason = HYV_EXIT_IO;
	run->io.data_offset = PAGE_SIZE;
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
		ret = hyv_msr_read(vcpu, msr, &val, false);
	} else {
		val = (gpr[HYV_RDX] << 32) | (u32)gpr[HYV_RAX];
		ret = hyv_msr_write(vcpu, msr, val, false);
	}
	if (ret) {
		if (ret == -ENOENT)
			hyv_vm_warn(vcpu->vm, "vcpu%u: %s of unknown MSR %#x: #GP\n",
				    vcpu->id, read ? "read" : "write", msr);
		hyv_queue_exception(vcpu, HYV_GP_VECTOR, true, 0);
		return HYV_REENTER;
	}
	if (read) {
		gpr[HYV_RAX] = (u32)val;
		gpr[HYV_RDX] = val >> 32;
	}
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

/*
 * A nested page fault: RAM is mapped (mmu.c), anything else is MMIO and
 * decoded (emulate.c). MMIO can only be emulated for a data access by the
 * instruction at RIP: a fetch from MMIO, or a fault while the CPU was
 * delivering an event (the guest put its IDT, GDT or stack outside RAM),
 * is refused as an emulation failure.
 */
static int hyv_handle_npf(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	unsigned long seq = hyv_mmu_seq(vcpu->vm);
	const char *what;
	bool is_mmio;
	int ret;

	ret = hyv_mmu_handle_fault(vcpu, exit, &is_mmio);
	if (ret || !is_mmio)
		return ret;
	if (exit->npf.fetch || exit->npf.walk ||
	    exit->vectoring.type != HYV_EVENT_NONE) {
		/* A slot came or went since the fault: let the guest fault again. */
		if (hyv_mmu_seq(vcpu->vm) != seq)
			return HYV_REENTER;
		what = exit->npf.walk ? "guest page-table access" :
		       exit->npf.fetch ? "instruction fetch" : "event delivery";
		hyv_vm_warn(vcpu->vm, "vcpu%u: %s at %#llx outside RAM (rip %#llx, cr3 %#llx)\n",
			    vcpu->id, what, exit->npf.gpa, vcpu->rip,
			    hyv_ops->get_cr(vcpu, 3));
		vcpu->injected.type = HYV_EVENT_NONE;
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
	}
	ret = hyv_emulate_mmio(vcpu, exit->npf.gpa, exit->npf.write);
	/*
	 * The instruction could not be read (its page or a page table of
	 * its address was in a slot that changed since the fault): as KVM's
	 * RET_PF_RETRY, enter again and let the guest fault anew.
	 */
	if (ret == -EFAULT && hyv_mmu_seq(vcpu->vm) != seq)
		return HYV_REENTER;
	if (ret < 0) {
		hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
		hyv_emulate_mmio_refused(vcpu, exit->npf.gpa);
		return HYV_TO_USER;
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

	hyv_vm_warn(vcpu->vm, "vcpu%u: entry failed: %#llx\n", vcpu->id,
		    exit->vendor_code);
	if (hyv_dump_on_error)
		hyv_ops->dump(vcpu);

	memset(&run->fail_entry, 0, sizeof(run->fail_entry));
	run->exit_reason = HYV_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_reason = exit->vendor_code;
	run->fail_entry.cpu = raw_smp_processor_id();
	return HYV_TO_USER;
}

static int hyv_handle_ud(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_queue_exception(vcpu, HYV_UD_VECTOR, false, 0);
	return HYV_REENTER;
}

static int hyv_handle_gp(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	hyv_queue_exception(vcpu, HYV_GP_VECTOR, true, 0);
	return HYV_REENTER;
}

static int hyv_handle_skip(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

/*
 * Which GPR a MOV CR/DR uses, when the CPU did not say: decode it, and
 * check that the instruction there is the one that exited. A CR0 write
 * may also be CLTS or LMSW (SVM reports them all as CR0 writes): the
 * exit record then says which, with LMSW's operand.
 */
static int hyv_crdr_access_gpr(struct hyv_vcpu *vcpu, struct hyv_exit *exit,
			       bool dr)
{
	enum hyv_insn_kind want;
	struct hyv_insn insn;

	if (exit->cr.gpr != HYV_CR_GPR_UNKNOWN)
		return exit->cr.gpr;
	if (exit->cr.type == HYV_CR_MOV_TO)
		want = dr ? HYV_INSN_MOV_TO_DR : HYV_INSN_MOV_TO_CR;
	else
		want = dr ? HYV_INSN_MOV_FROM_DR : HYV_INSN_MOV_FROM_CR;
	if (hyv_emulate_decode(vcpu, &insn))
		return -EOPNOTSUPP;
	exit->insn_len = insn.len;
	if (!dr && exit->cr.num == 0 && exit->cr.type == HYV_CR_MOV_TO &&
	    (insn.kind == HYV_INSN_CLTS || insn.kind == HYV_INSN_LMSW)) {
		exit->cr.type = insn.kind == HYV_INSN_CLTS ? HYV_CR_CLTS :
							     HYV_CR_LMSW;
		exit->cr.lmsw_data = insn.kind == HYV_INSN_LMSW ?
				     (u16)vcpu->gpr[insn.reg] : 0;
		return HYV_RAX;
	}
	if (insn.ctrl != exit->cr.num || insn.kind != want)
		return -EOPNOTSUPP;
	return insn.reg;
}

/* The operand of MOV to CR/DR: 64 bits in 64-bit mode, else 32. */
static u64 hyv_crdr_operand(struct hyv_vcpu *vcpu, int gpr)
{
	return hyv_guest_64bit(vcpu) ? vcpu->gpr[gpr] : (u32)vcpu->gpr[gpr];
}

/*
 * Writes to CR0 and CR4 (MOV, CLTS, LMSW) and CR8 in both directions:
 * the CPU runs the others natively. Refused values give #GP (cr.c).
 */
static int hyv_handle_cr_access(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	int cr = exit->cr.num, gpr = HYV_RAX, ret;
	u64 val = exit->cr.lmsw_data;

	if (exit->cr.type <= HYV_CR_MOV_FROM) {
		gpr = hyv_crdr_access_gpr(vcpu, exit, false);
		if (gpr < 0)
			return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
		val = exit->cr.type == HYV_CR_LMSW ? exit->cr.lmsw_data :
						     hyv_crdr_operand(vcpu, gpr);
	}
	if (hyv_ops->get_cpl(vcpu)) {
		hyv_queue_exception(vcpu, HYV_GP_VECTOR, true, 0);
		return HYV_REENTER;
	}
	if (cr == 8) {
		if (exit->cr.type != HYV_CR_MOV_FROM && val > 15) {
			hyv_queue_exception(vcpu, HYV_GP_VECTOR, true, 0);
			return HYV_REENTER;
		}
		if (exit->cr.type == HYV_CR_MOV_FROM)
			vcpu->gpr[gpr] = hyv_lapic_get_cr8(vcpu);
		else
			hyv_lapic_set_cr8(vcpu, val);
		return hyv_exit_done(vcpu, exit, HYV_REENTER);
	}
	if (exit->cr.type == HYV_CR_MOV_FROM || (cr != 0 && cr != 4))
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
	ret = hyv_cr_write(vcpu, cr, exit->cr.type, val);
	if (ret) {
		hyv_queue_exception(vcpu, HYV_GP_VECTOR, true, 0);
		return HYV_REENTER;
	}
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

/* MOV to/from DR0-DR7, emulated on the vCPU's own copies (dr.c). */
static int hyv_handle_dr_access(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	bool write = exit->cr.type == HYV_CR_MOV_TO;
	int gpr = hyv_crdr_access_gpr(vcpu, exit, true), ret;
	u64 val;

	if (gpr < 0)
		return hyv_exit_internal(vcpu, HYV_INTERNAL_EMULATION, exit);
	if (hyv_ops->get_cpl(vcpu)) {
		hyv_queue_exception(vcpu, HYV_GP_VECTOR, true, 0);
		return HYV_REENTER;
	}
	/* DR7.GD: the access itself is a debug exception (SDM vol. 3B §17.2.4). */
	if (vcpu->dr7 & HYV_DR7_GD) {
		vcpu->dr7 &= ~HYV_DR7_GD;
		hyv_queue_exception_payload(vcpu, HYV_DB_VECTOR, false, 0, true,
					    HYV_DR6_BD);
		return HYV_REENTER;
	}
	val = write ? hyv_crdr_operand(vcpu, gpr) : 0;
	ret = hyv_dr_access(vcpu, exit->cr.num, write, &val);
	if (ret) {
		hyv_queue_exception(vcpu, ret == -EINVAL ? HYV_GP_VECTOR :
				    HYV_UD_VECTOR, ret == -EINVAL, 0);
		return HYV_REENTER;
	}
	if (!write)
		vcpu->gpr[gpr] = hyv_guest_64bit(vcpu) ? val : (u32)val;
	return hyv_exit_done(vcpu, exit, HYV_REENTER);
}

/*
 * An exception hyv intercepts so that it reaches the guest through the
 * host: #DB and #AC, which a guest could otherwise make the CPU deliver
 * forever without an exit (CVE-2015-8104, CVE-2015-5307); each delivery
 * now passes through here, where the host can stop or preempt it.
 */
static int hyv_handle_exception(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	switch (exit->exc.vector) {
	case HYV_DB_VECTOR:
		if (exit->exc.soft_len) {	/* INT1: again as INT1 */
			vcpu->injected = (struct hyv_event){
				.type = HYV_EVENT_PRIV_SOFT_EXC,
				.vector = HYV_DB_VECTOR,
				.insn_len = exit->exc.soft_len,
			};
			return HYV_REENTER;
		}
		hyv_queue_exception_payload(vcpu, HYV_DB_VECTOR, false, 0, true,
					    exit->exc.payload);
		return HYV_REENTER;
	case HYV_AC_VECTOR:
		hyv_queue_exception(vcpu, HYV_AC_VECTOR, true,
				    exit->exc.error_code);
		return HYV_REENTER;
	}
	return hyv_handle_unknown(vcpu, exit);
}

/*
 * A machine check while the guest ran belongs to the host: run the
 * host's handler as if it had arrived now (KVM's kvm_machine_check()).
 */
static int hyv_handle_mce(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
	return HYV_REENTER;
}

/* XSETBV: XCR0 is the guest's own, checked against what it was given. */
static int hyv_handle_xsetbv(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	u64 val = (vcpu->gpr[HYV_RDX] << 32) | (u32)vcpu->gpr[HYV_RAX];

	if (!(hyv_cr4(vcpu) & X86_CR4_OSXSAVE)) {
		hyv_queue_exception(vcpu, HYV_UD_VECTOR, false, 0);
		return HYV_REENTER;
	}
	if (hyv_ops->get_cpl(vcpu) || (u32)vcpu->gpr[HYV_RCX] != 0 ||
	    hyv_set_xcr0(vcpu, val)) {
		hyv_queue_exception(vcpu, HYV_GP_VECTOR, true, 0);
		return HYV_REENTER;
	}
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
	[HYV_X_DR_ACCESS]	= hyv_handle_dr_access,
	/* The window opened: the next entry injects what waits (irq.c). */
	[HYV_X_IRQ_WINDOW]	= hyv_handle_nothing,
	[HYV_X_NMI_WINDOW]	= hyv_handle_nothing,
	[HYV_X_EXCEPTION]	= hyv_handle_exception,
	[HYV_X_XSETBV]		= hyv_handle_xsetbv,
	[HYV_X_GP]		= hyv_handle_gp,
	[HYV_X_MCE]		= hyv_handle_mce,
};

/*
 * Returns HYV_REENTER, HYV_TO_USER (run page filled) or -errno. A kind
 * without a handler is a hyv bug, reported like an unknown exit.
 */
int hyv_exit_handle(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	if (exit->kind >= HYV_X_NR || !hyv_exit_handlers[exit->kind])
		return hyv_handle_unknown(vcpu, exit);
	return hyv_exit_handlers[exit->kind](vcpu, exit);
}

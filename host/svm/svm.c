// SPDX-License-Identifier: GPL-2.0
/*
 * hyv AMD SVM backend: turning SVM on and off, each vCPU's VMCB, one guest
 * entry, and the translation of SVM exit codes into the core's exits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufeature.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor-flags.h>

#include "svm.h"

/* IOPM: 12 KiB, MSRPM: 8 KiB, both physically contiguous (APM §15.10, §15.11). */
#define SVM_IOPM_ORDER		2
#define SVM_MSRPM_ORDER		1

struct svm_cpu_data {
	struct page *hsave;		/* VM_HSAVE_PA: VMRUN's host save area */
	struct page *host_vmcb;		/* VMSAVE/VMLOAD area for the host */
	u64 last_vcpu_serial;		/* the vCPU that last ran here */
};

static DEFINE_PER_CPU(struct svm_cpu_data, svm_cpu);
static struct page *svm_iopm;		/* every port intercepted */
static struct page *svm_msrpm;		/* see svm_msrpm_init() */
static bool svm_has_nrips;
static bool svm_has_flush_by_asid;
bool svm_quirk_vmrun_drops_shadow;	/* see svm_track_shadow() */
bool svm_quirk_lme_needs_paging;	/* see svm_park_lme() */
/*
 * QEMU's TCG answers a VMRUN it refuses (VMEXIT_INVALID) with its usual
 * #VMEXIT, which stores the CPU's current registers into the guest's save
 * area: the host's CR0, CR3, CR4, EFER, GDT, segments and RIP, since the
 * guest's were never loaded. GET_SREGS would then hand host kernel
 * addresses to the VMM, and the next SET_SREGS of them is refused (found
 * by fuzz_test). Hardware, like KVM's nested VMRUN, leaves the save area
 * as it was; under TCG hyv keeps a copy of it across each entry.
 */
bool svm_quirk_vmrun_err_writes_save;

/* CLGI/STGI fault only once SVM is off, which only a reboot does. */
static inline void svm_clgi(void)
{
	asm volatile("1: clgi\n\t2:\n\t" _ASM_EXTABLE(1b, 2b) ::: "memory");
}

static inline void svm_stgi(void)
{
	asm volatile("1: stgi\n\t2:\n\t" _ASM_EXTABLE(1b, 2b) ::: "memory");
}

static void svm_free_cpu_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu_data *sd = per_cpu_ptr(&svm_cpu, cpu);

		if (sd->hsave)
			__free_page(sd->hsave);
		if (sd->host_vmcb)
			__free_page(sd->host_vmcb);
		sd->hsave = NULL;
		sd->host_vmcb = NULL;
	}
}

static void svm_hardware_unsetup(void)
{
	svm_free_cpu_pages();
	if (svm_iopm)
		__free_pages(svm_iopm, SVM_IOPM_ORDER);
	if (svm_msrpm)
		__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

static int svm_hardware_setup(void)
{
	int cpu;

	svm_iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm)
		goto nomem;
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm_msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	svm_msrpm_init(page_address(svm_msrpm));

	for_each_possible_cpu(cpu) {
		struct svm_cpu_data *sd = per_cpu_ptr(&svm_cpu, cpu);
		int node = cpu_to_node(cpu);

		sd->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sd->host_vmcb = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!sd->hsave || !sd->host_vmcb)
			goto nomem;
	}
	return 0;

nomem:
	svm_hardware_unsetup();
	return -ENOMEM;
}

static int svm_cpu_enable(void)
{
	struct svm_cpu_data *sd = this_cpu_ptr(&svm_cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;	/* someone else's SVM is on here */
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sd->hsave));
	sd->last_vcpu_serial = 0;
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/*
 * What the guest may not do natively: everything that would touch host
 * state (ports, MSRs, SVM instructions, performance counters, caches),
 * what hyv emulates (CPUID, HLT, hypercalls, CR0 and CR4 writes, debug
 * registers) and what must stay with the host (interrupts, shutdown,
 * machine checks). #DB and #AC exit so that a guest cannot make the CPU
 * deliver them forever (CVE-2015-8104, CVE-2015-5307).
 */
static const u32 svm_intercepts[] = {
	INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_SHUTDOWN,
	INTERCEPT_CPUID, INTERCEPT_HLT, INTERCEPT_INVD, INTERCEPT_IOIO_PROT,
	INTERCEPT_MSR_PROT, INTERCEPT_INVLPGA, INTERCEPT_VMRUN,
	INTERCEPT_VMMCALL, INTERCEPT_VMLOAD, INTERCEPT_VMSAVE,
	INTERCEPT_STGI, INTERCEPT_CLGI, INTERCEPT_SKINIT, INTERCEPT_RDTSCP,
	INTERCEPT_MONITOR, INTERCEPT_MWAIT, INTERCEPT_MWAIT_COND,
	INTERCEPT_XSETBV, INTERCEPT_RDPRU, INTERCEPT_RDPMC, INTERCEPT_WBINVD,
	INTERCEPT_CR0_WRITE, INTERCEPT_CR4_WRITE,
	INTERCEPT_EXCEPTION_OFFSET + HYV_DB_VECTOR,
	INTERCEPT_EXCEPTION_OFFSET + HYV_AC_VECTOR,
	INTERCEPT_EXCEPTION_OFFSET + HYV_MC_VECTOR,
};

static void svm_init_control(struct vmcb_control_area *ctl)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(svm_intercepts); i++)
		svm_set_intercept(ctl, svm_intercepts[i]);
	for (i = INTERCEPT_DR0_READ; i <= INTERCEPT_DR7_WRITE; i++)
		svm_set_intercept(ctl, i);
	ctl->iopm_base_pa = page_to_phys(svm_iopm);
	ctl->msrpm_base_pa = page_to_phys(svm_msrpm);
	ctl->asid = SVM_GUEST_ASID;
	/* Guest RFLAGS.IF masks only virtual interrupts (APM §15.21.1). */
	ctl->int_ctl = V_INTR_MASKING_MASK;
	ctl->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
}

static int svm_vcpu_create(struct hyv_vcpu *vcpu)
{
	struct svm_vcpu *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return -ENOMEM;
	}
	if (svm_quirk_vmrun_err_writes_save) {
		svm->save_before = kmalloc(sizeof(*svm->save_before),
					   GFP_KERNEL_ACCOUNT);
		if (!svm->save_before) {
			__free_page(page);
			kfree(svm);
			return -ENOMEM;
		}
	}
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	svm->last_cpu = -1;
	svm_init_control(&svm->vmcb->control);
	svm_init_save_area(svm->vmcb);
	vcpu->arch = svm;
	return 0;
}

static void svm_vcpu_destroy(struct hyv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	__free_page(virt_to_page(svm->vmcb));
	kfree(svm->save_before);
	kfree(svm);
	vcpu->arch = NULL;
}

/*
 * All VMs share one ASID, so the TLB must be flushed for it whenever this
 * CPU last ran a different vCPU, and whenever this vCPU last ran on a
 * different CPU (its guest may have invalidated entries elsewhere since).
 * One vCPU staying on one CPU, the common case, never flushes.
 */
static void svm_prepare_tlb(struct svm_vcpu *svm, struct svm_cpu_data *sd,
			    u64 serial, int cpu)
{
	if (sd->last_vcpu_serial == serial && svm->last_cpu == cpu)
		return;
	/* Another vCPU ran here: no guest trains the next one's branches. */
	if (sd->last_vcpu_serial != serial)
		indirect_branch_prediction_barrier();
	svm->vmcb->control.tlb_ctl = svm_has_flush_by_asid ?
		TLB_CONTROL_FLUSH_ASID : TLB_CONTROL_FLUSH_ALL_ASID;
	sd->last_vcpu_serial = serial;
	svm->last_cpu = cpu;
}

static void svm_decode_io(struct hyv_exit *exit, u64 info1, u64 info2)
{
	exit->kind = HYV_X_IO;
	exit->io.port = info1 >> SVM_IOIO_PORT_SHIFT;
	exit->io.in = info1 & SVM_IOIO_TYPE_MASK;
	exit->io.string = info1 & SVM_IOIO_STR_MASK;
	exit->io.rep = info1 & SVM_IOIO_REP_MASK;
	/* SZ8, SZ16 and SZ32 are one-hot bits 4..6: the field is 1, 2 or 4. */
	exit->io.size = (info1 & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	/* EXITINFO2 holds the next RIP even without NRIP-save. */
	exit->io.next_rip = info2;
}

static enum hyv_exit_kind svm_exit_kind(u32 code, u64 info1)
{
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		return HYV_X_HOST_EVENT;
	case SVM_EXIT_CPUID:
		return HYV_X_CPUID;
	case SVM_EXIT_HLT:
		return HYV_X_HLT;
	case SVM_EXIT_VMMCALL:
		return HYV_X_HYPERCALL;
	case SVM_EXIT_MSR:
		return info1 ? HYV_X_MSR_WRITE : HYV_X_MSR_READ;
	case SVM_EXIT_SHUTDOWN:
		return HYV_X_SHUTDOWN;
	case (u32)SVM_EXIT_ERR:	/* VMEXIT_INVALID: -1 in the low 32 bits */
		return HYV_X_FAIL_ENTRY;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		return HYV_X_SKIP;
	case SVM_EXIT_XSETBV:
		return HYV_X_XSETBV;
	case SVM_EXIT_RDPMC:
		return HYV_X_GP;	/* no PMU for guests */
	case SVM_EXIT_EXCP_BASE + HYV_MC_VECTOR:
		return HYV_X_MCE;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
	case SVM_EXIT_RDPRU:
		return HYV_X_UD;
	default:
		return HYV_X_UNKNOWN;
	}
}

/* MOV CR/DR: the GPR when the CPU decodes it (decode assists), else later. */
static void svm_decode_crdr(struct hyv_exit *exit, u64 info1, u8 num, u8 type)
{
	exit->cr.num = num;
	exit->cr.type = type;
	exit->cr.gpr = info1 & SVM_CR_GPR_VALID ? info1 & SVM_EXITINFO_REG_MASK :
						  HYV_CR_GPR_UNKNOWN;
}

/* An intercepted #DB or #AC, to reflect (APM vol. 2 §15.12). */
static void svm_decode_exception(struct svm_vcpu *svm, u32 code,
				 struct hyv_exit *exit)
{
	struct vmcb *vmcb = svm->vmcb;

	exit->kind = HYV_X_EXCEPTION;
	exit->exc.vector = code - SVM_EXIT_EXCP_BASE;
	if (exit->exc.vector == HYV_AC_VECTOR) {
		exit->exc.has_error = true;
		exit->exc.error_code = exit->info1;
	} else {
		/* #DB: its causes are in the guest's DR6; start it afresh. */
		exit->exc.payload = vmcb->save.dr6;
		vmcb->save.dr6 = SVM_DR6_RESET;
	}
}

static void svm_decode_exit(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *ctl = &svm->vmcb->control;
	u32 code = ctl->exit_code;
	u64 info1 = ctl->exit_info_1, info2 = ctl->exit_info_2;
	u64 rip = vcpu->rip;

	memset(exit, 0, sizeof(*exit));
	/* Every exit code fits in 32 bits; VMEXIT_INVALID is reported as -1. */
	exit->vendor_code = code == (u32)SVM_EXIT_ERR ? (u64)SVM_EXIT_ERR : code;
	exit->info1 = info1;
	exit->info2 = info2;
	exit->kind = svm_exit_kind(code, info1);
	/* With NRIP-save the CPU tells the length of what it intercepted. */
	if (svm_has_nrips && ctl->next_rip > rip && ctl->next_rip - rip <= 15)
		exit->insn_len = ctl->next_rip - rip;

	/* The injection logic re-arms it before the next entry if needed. */
	svm_disable_tpr_window(ctl);
	if (code == SVM_EXIT_VINTR) {
		svm_disable_irq_window(ctl);
		exit->kind = HYV_X_IRQ_WINDOW;
	} else if (code == SVM_EXIT_IRET) {
		svm_iret_seen(vcpu);
		exit->kind = HYV_X_NMI_WINDOW;
	} else if (code == SVM_EXIT_WRITE_CR0 || code == SVM_EXIT_WRITE_CR4 ||
		   code == SVM_EXIT_WRITE_CR8) {
		exit->kind = HYV_X_CR_ACCESS;
		svm_decode_crdr(exit, info1, code - SVM_EXIT_WRITE_CR0,
				HYV_CR_MOV_TO);
	} else if (code >= SVM_EXIT_READ_DR0 && code <= SVM_EXIT_WRITE_DR7) {
		exit->kind = HYV_X_DR_ACCESS;
		svm_decode_crdr(exit, info1, code & 7,
				code >= SVM_EXIT_WRITE_DR0 ? HYV_CR_MOV_TO :
							     HYV_CR_MOV_FROM);
	} else if (code == SVM_EXIT_EXCP_BASE + HYV_DB_VECTOR ||
		   code == SVM_EXIT_EXCP_BASE + HYV_AC_VECTOR) {
		svm_decode_exception(svm, code, exit);
	} else if (code == SVM_EXIT_IOIO) {
		svm_decode_io(exit, info1, info2);
	} else if (code == SVM_EXIT_NPF) {
		exit->kind = HYV_X_NPF;
		exit->npf.gpa = info2;
		exit->npf.write = info1 & SVM_NPF_WRITE;
		exit->npf.fetch = info1 & SVM_NPF_FETCH;
		exit->npf.present = info1 & SVM_NPF_PRESENT;
	}
}

static void svm_vcpu_load(struct hyv_vcpu *vcpu, int cpu)
{
	svm_prepare_tlb(to_svm(vcpu), this_cpu_ptr(&svm_cpu), vcpu->serial,
			cpu);
}

/* VMLOAD/VMSAVE swap the host state at every entry: nothing to put back. */
static void svm_vcpu_put(struct hyv_vcpu *vcpu)
{
}

static void svm_flush_guest_tlb(struct hyv_vcpu *vcpu)
{
	to_svm(vcpu)->vmcb->control.tlb_ctl = svm_has_flush_by_asid ?
		TLB_CONTROL_FLUSH_ASID : TLB_CONTROL_FLUSH_ALL_ASID;
}

static void svm_vcpu_run(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct svm_cpu_data *sd = this_cpu_ptr(&svm_cpu);
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;

	vmcb->save.rax = vcpu->gpr[HYV_RAX];
	vmcb->save.rsp = vcpu->gpr[HYV_RSP];
	vmcb->save.rip = vcpu->rip;
	/* A TF of the guest's own (set by the VMM since) ends the step. */
	if (vcpu->rflags & X86_EFLAGS_TF)
		svm->shadow_step = false;
	vmcb->save.rflags = vcpu->rflags |
			    (svm->shadow_step ? X86_EFLAGS_TF : 0);
	vmcb->save.cr2 = vcpu->cr2;
	/* CR8 lives in the local APIC; the CPU keeps it in V_TPR meanwhile. */
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
				hyv_lapic_get_cr8(vcpu);

	/*
	 * With GIF clear nothing reaches the host, so RFLAGS.IF can be set
	 * for VMRUN: a host interrupt arriving in the guest then makes a
	 * #VMEXIT, and is taken once the core enables interrupts after STGI
	 * (APM vol. 2 §15.17).
	 */
	if (svm->save_before)
		memcpy(svm->save_before, &vmcb->save, sizeof(vmcb->save));

	svm_clgi();
	local_irq_enable();
	hyv_svm_enter(svm->vmcb_pa, vcpu->gpr, page_to_phys(sd->host_vmcb));
	local_irq_disable();
	svm_stgi();

	if (svm->save_before && vmcb->control.exit_code == SVM_EXIT_ERR)
		memcpy(&vmcb->save, svm->save_before, sizeof(vmcb->save));

	vcpu->gpr[HYV_RAX] = vmcb->save.rax;
	vcpu->gpr[HYV_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	vcpu->cr2 = vmcb->save.cr2;
	hyv_lapic_set_cr8(vcpu, vmcb->control.int_ctl & V_TPR_MASK);
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	/* Whatever EVENTINJ held was delivered or shows in EXITINTINFO. */
	vmcb->control.event_inj = 0;
	svm_check_iret_done(vcpu);
	svm_track_shadow(svm, vcpu->rip);
	svm_decode_exit(vcpu, exit);
	if (svm->shadow_step)
		svm_end_shadow_step(svm, vcpu, exit);
	svm_read_vectoring(vcpu, &exit->vectoring);
}

/* dump_on_error: the VMCB fields that explain a refused or odd exit. */
static void svm_dump(struct hyv_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	struct vmcb_control_area *c = &vmcb->control;
	struct vmcb_save_area *s = &vmcb->save;

	pr_err("vcpu%u VMCB: exit %#x info %#llx %#llx int_info %#x event_inj %#x int_ctl %#x int_state %#x\n",
	       vcpu->id, c->exit_code, c->exit_info_1, c->exit_info_2,
	       c->exit_int_info, c->event_inj, c->int_ctl, c->int_state);
	pr_err("  rip %#llx rsp %#llx rflags %#llx cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx cpl %u\n",
	       s->rip, s->rsp, s->rflags, s->cr0, s->cr3, s->cr4, s->efer,
	       s->cpl);
	pr_err("  cs %#x/%#x/%#llx ss %#x/%#x tr %#x/%#x asid %u nested_cr3 %#llx\n",
	       s->cs.selector, s->cs.attrib, s->cs.base, s->ss.selector,
	       s->ss.attrib, s->tr.selector, s->tr.attrib, c->asid,
	       c->nested_cr3);
}

static u8 svm_get_cpl(struct hyv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.cpl;
}

static void svm_set_npt_root(struct hyv_vcpu *vcpu, phys_addr_t root)
{
	to_svm(vcpu)->vmcb->control.nested_cr3 = root;
}

static void svm_set_tsc_offset(struct hyv_vcpu *vcpu, u64 offset)
{
	to_svm(vcpu)->vmcb->control.tsc_offset = offset;
}

static const struct hyv_arch_ops svm_ops = {
	.name			= "AMD SVM",
	.backend		= HYV_BACKEND_SVM,
	.hardware_setup		= svm_hardware_setup,
	.hardware_unsetup	= svm_hardware_unsetup,
	.cpu_enable		= svm_cpu_enable,
	.cpu_disable		= svm_cpu_disable,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_destroy		= svm_vcpu_destroy,
	.vcpu_load		= svm_vcpu_load,
	.vcpu_put		= svm_vcpu_put,
	.vcpu_run		= svm_vcpu_run,
	.flush_guest_tlb	= svm_flush_guest_tlb,
	.dump			= svm_dump,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.get_cr			= svm_get_cr,
	.set_cr0		= svm_set_cr0,
	.set_cr4		= svm_set_cr4,
	.get_efer		= svm_get_efer,
	.set_efer		= svm_set_efer,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.set_tsc_offset		= svm_set_tsc_offset,
	.get_cpl		= svm_get_cpl,
	.inject_event		= svm_inject_event,
	.irq_allowed		= svm_irq_allowed,
	.nmi_allowed		= svm_nmi_allowed,
	.enable_irq_window	= svm_enable_irq_window,
	.enable_nmi_window	= svm_enable_nmi_window,
	.enable_tpr_window	= svm_enable_tpr_window,
	.get_nmi_masked		= svm_get_nmi_masked,
	.set_nmi_masked		= svm_set_nmi_masked,
	.get_interrupt_shadow	= svm_get_interrupt_shadow,
	.set_interrupt_shadow	= svm_set_interrupt_shadow,
	.npt_table_entry	= svm_npt_table_entry,
	.npt_leaf_entry		= svm_npt_leaf_entry,
	.npt_present		= svm_npt_present,
	.npt_huge		= svm_npt_huge,
	.npt_perms		= svm_npt_perms,
	.set_npt_root		= svm_set_npt_root,
};

/*
 * Is this an AMD CPU whose SVM hyv can use? Refuse, saying why, when SVM
 * or NPT is missing, when the firmware locked SVM off, or when another
 * hypervisor already turned it on.
 */
const struct hyv_arch_ops *hyv_svm_probe(void)
{
	u64 vm_cr, efer;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return ERR_PTR(-ENODEV);
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & (1 << SVM_VM_CR_SVM_DISABLE)) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS)\n");
		return ERR_PTR(-EPERM);
	}
	if (!boot_cpu_has(X86_FEATURE_NPT)) {
		pr_err("this CPU has SVM but no nested paging (NPT)\n");
		return ERR_PTR(-ENODEV);
	}
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("SVM is already in use by another hypervisor (kvm_amd?)\n");
		return ERR_PTR(-EBUSY);
	}
	svm_has_nrips = boot_cpu_has(X86_FEATURE_NRIPS);
	svm_has_flush_by_asid = boot_cpu_has(X86_FEATURE_FLUSHBYASID);
	svm_quirk_vmrun_drops_shadow = hyv_on_qemu_tcg();
	svm_quirk_lme_needs_paging = svm_quirk_vmrun_drops_shadow;
	svm_quirk_vmrun_err_writes_save = svm_quirk_vmrun_drops_shadow;
	if (svm_quirk_vmrun_drops_shadow)
		pr_info("on QEMU's TCG: interrupt shadows tracked across VMRUN, EFER.LME kept from VMRUN while paging is off, the save area kept across a refused VMRUN\n");
	pr_info("SVM with NPT%s%s\n",
		svm_has_nrips ? ", NRIP-save" : " (no NRIP-save: hyv decodes)",
		svm_has_flush_by_asid ? ", flush-by-ASID" : "");
	return &svm_ops;
}

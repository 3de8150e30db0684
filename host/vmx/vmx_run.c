// SPDX-License-Identifier: GPL-2.0
/*
 * hyv Intel VMX guest entry: keeping each VMCS loaded on exactly one CPU,
 * one VMLAUNCH/VMRESUME with the host state VMX does not switch saved
 * around it, and the translation of exit reasons into core exits.
 */
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"

/* Every VMCS loaded on this CPU, to VMCLEAR before VMXOFF. */
static DEFINE_PER_CPU(struct list_head, vmx_loaded_vmcss);
static DEFINE_PER_CPU(void *, vmx_current_vmcs);

void vmx_init_loaded_lists(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(per_cpu_ptr(&vmx_loaded_vmcss, cpu));
}

/* SDM vol. 3C §27.2.1, table 28-5: I/O instruction exit qualification. */
#define VMX_IO_SIZE_MASK	GENMASK(2, 0)
#define VMX_IO_IN		BIT(3)
#define VMX_IO_STRING		BIT(4)
#define VMX_IO_REP		BIT(5)
#define VMX_IO_PORT_SHIFT	16

/* Table 28-3: control-register access exit qualification. */
#define VMX_CR_NUM_MASK		GENMASK(3, 0)
#define VMX_CR_TYPE_SHIFT	4
#define VMX_CR_GPR_SHIFT	8

/* Table 28-7: EPT violation exit qualification. */
#define VMX_EPT_Q_WRITE		BIT(1)
#define VMX_EPT_Q_FETCH		BIT(2)
#define VMX_EPT_Q_PRESENT	GENMASK(5, 3)

#define VMX_EXIT_REASON_BASIC	0xffff
#define VMX_EXIT_REASON_FAILED	BIT(31)

int vmx_vmclear(phys_addr_t pa)
{
	asm goto("1: vmclear %0\n\tjbe %l[fail]\n\t" _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	pr_warn_ratelimited("hyv: VMCLEAR of %pa failed\n", &pa);
	return -EIO;
}

int vmx_vmptrld(phys_addr_t pa)
{
	asm goto("1: vmptrld %0\n\tjbe %l[fail]\n\t" _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	pr_warn_ratelimited("hyv: VMPTRLD of %pa failed\n", &pa);
	return -EIO;
}

/* SDM vol. 3C §30.3: INVEPT/INVVPID take a 128-bit descriptor. */
static void vmx_invalidate(struct vmx_vcpu *vmx)
{
	struct { u64 a, b; } desc;
	unsigned long type;

	desc.a = vmx_read(EPT_POINTER);
	desc.b = 0;
	type = vmx_cfg.has_invept_single ? VMX_EPT_EXTENT_CONTEXT :
					   VMX_EPT_EXTENT_GLOBAL;
	asm volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");

	desc.a = vmx->vpid;
	type = vmx_cfg.has_invvpid_single ? VMX_VPID_EXTENT_SINGLE_CONTEXT :
					    VMX_VPID_EXTENT_ALL_CONTEXT;
	asm volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

/* Runs on the CPU holding the VMCS (or on the way offline). */
static void vmx_clear_here(void *arg)
{
	struct vmx_vcpu *vmx = arg;

	if (vmx->cpu != smp_processor_id())
		return;		/* cleared meanwhile by CPU offline */
	vmx_vmclear(vmx->vmcs_pa);
	if (this_cpu_read(vmx_current_vmcs) == vmx->vmcs)
		this_cpu_write(vmx_current_vmcs, NULL);
	list_del_init(&vmx->loaded_link);
	vmx->launched = false;
	vmx->cpu = -1;
}

/* CPU going offline or VMX being turned off here: clear what is loaded. */
void vmx_clear_loaded_vmcss(void)
{
	struct vmx_vcpu *vmx, *tmp;

	list_for_each_entry_safe(vmx, tmp, this_cpu_ptr(&vmx_loaded_vmcss),
				 loaded_link)
		vmx_clear_here(vmx);
}

void vmx_vcpu_unload(struct hyv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_here, vmx, 1);
}

/*
 * Make the vCPU's VMCS current on @cpu (this CPU, preemption off). A VMCS
 * may be active on one CPU only: if it moved, VMCLEAR it where it was
 * (SDM vol. 3C §25.11.1), and flush what the guest left in this CPU's TLB.
 */
void vmx_vcpu_load(struct hyv_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;

	if (vmx->cpu == cpu) {
		if (this_cpu_read(vmx_current_vmcs) != vmx->vmcs) {
			vmx_vmptrld(vmx->vmcs_pa);
			this_cpu_write(vmx_current_vmcs, vmx->vmcs);
		}
		return;
	}
	if (vmx->cpu >= 0)
		smp_call_function_single(vmx->cpu, vmx_clear_here, vmx, 1);

	local_irq_save(flags);
	list_add(&vmx->loaded_link, this_cpu_ptr(&vmx_loaded_vmcss));
	vmx->cpu = cpu;
	local_irq_restore(flags);

	vmx_vmptrld(vmx->vmcs_pa);
	this_cpu_write(vmx_current_vmcs, vmx->vmcs);
	vmx_vmcs_set_host_cpu_state(cpu);
	vmx_invalidate(vmx);
}

void vmx_vcpu_load_here(struct hyv_vcpu *vcpu)
{
	vmx_vcpu_load(vcpu, smp_processor_id());
}

/* Called with the VMCS current (after vcpu_load). */
void vmx_flush_guest_tlb(struct hyv_vcpu *vcpu)
{
	vmx_invalidate(to_vmx(vcpu));
}

/* Host state VMX neither saves nor restores (SDM vol. 3C §28.5). */
struct vmx_host_state {
	u16 ds, es, fs, gs, ldt;
	u64 fs_base, kernel_gs_base;
};

static void vmx_save_host(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	u64 cr3 = __read_cr3();

	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=r"(h->ldt));
	rdmsrl(MSR_FS_BASE, h->fs_base);
	vmx_write(HOST_FS_BASE, h->fs_base);
	if (cr3 != vmx->host_cr3) {
		vmx_write(HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->guest_kernel_gs_base);
}

static void vmx_restore_host(struct vmx_vcpu *vmx,
			     const struct vmx_host_state *h)
{
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->guest_kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	if (h->ldt)
		asm volatile("lldt %0" : : "r"(h->ldt));
	if (h->ds | h->es) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
	}
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs)
		load_gs_index(h->gs);
	/* The exit left TR's limit at 0x67 and GDTR's at 0xffff. */
	invalidate_tss_limit();
	load_fixmap_gdt(smp_processor_id());
}

/*
 * An event whose delivery the exit interrupted is delivered again on the
 * next entry (SDM vol. 3C §28.2.4, §27.2.3).
 */
static void vmx_requeue_event(void)
{
	u32 info = vmx_read(IDT_VECTORING_INFO_FIELD);

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	vmx_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_RESVD_BITS_MASK);
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmx_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			  vmx_read(IDT_VECTORING_ERROR_CODE));
	vmx_write(VM_ENTRY_INSTRUCTION_LEN, vmx_read(VM_EXIT_INSTRUCTION_LEN));
}

static enum hyv_exit_kind vmx_exit_kind(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		return HYV_X_HOST_EVENT;
	case EXIT_REASON_TRIPLE_FAULT:
		return HYV_X_SHUTDOWN;
	case EXIT_REASON_CPUID:
		return HYV_X_CPUID;
	case EXIT_REASON_HLT:
		return HYV_X_HLT;
	case EXIT_REASON_VMCALL:
		return HYV_X_HYPERCALL;
	case EXIT_REASON_MSR_READ:
		return HYV_X_MSR_READ;
	case EXIT_REASON_MSR_WRITE:
		return HYV_X_MSR_WRITE;
	case EXIT_REASON_INVD:
		return HYV_X_SKIP;
	case EXIT_REASON_VMCLEAR: case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD: case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD: case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE: case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON: case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_MWAIT_INSTRUCTION: case EXIT_REASON_MONITOR_INSTRUCTION:
	case EXIT_REASON_RDPMC: case EXIT_REASON_XSETBV:
		return HYV_X_UD;
	default:
		return HYV_X_UNKNOWN;
	}
}

static void vmx_decode_exit(u32 reason, struct hyv_exit *exit)
{
	u64 qual = vmx_read(EXIT_QUALIFICATION);
	u32 basic = reason & VMX_EXIT_REASON_BASIC;

	memset(exit, 0, sizeof(*exit));
	exit->vendor_code = reason;
	exit->info1 = qual;
	if (reason & VMX_EXIT_REASON_FAILED) {
		exit->kind = HYV_X_FAIL_ENTRY;
		return;
	}
	exit->kind = vmx_exit_kind(basic);
	exit->insn_len = vmx_read(VM_EXIT_INSTRUCTION_LEN);

	switch (basic) {
	case EXIT_REASON_INTERRUPT_WINDOW:
		vmx_write(CPU_BASED_VM_EXEC_CONTROL, vmx_cfg.proc);
		exit->kind = HYV_X_IRQ_WINDOW;
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		exit->info2 = vmx_read(VM_EXIT_INTR_INFO);
		if ((exit->info2 & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
			exit->kind = HYV_X_HOST_EVENT;
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		exit->kind = HYV_X_IO;
		exit->io.size = (qual & VMX_IO_SIZE_MASK) + 1;
		exit->io.in = qual & VMX_IO_IN;
		exit->io.string = qual & VMX_IO_STRING;
		exit->io.rep = qual & VMX_IO_REP;
		exit->io.port = qual >> VMX_IO_PORT_SHIFT;
		break;
	case EXIT_REASON_CR_ACCESS:
		exit->kind = HYV_X_CR_ACCESS;
		exit->cr.num = qual & VMX_CR_NUM_MASK;
		exit->cr.type = (qual >> VMX_CR_TYPE_SHIFT) & 3;
		exit->cr.gpr = (qual >> VMX_CR_GPR_SHIFT) & 0xf;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		exit->kind = HYV_X_NPF;
		exit->info2 = vmx_read(GUEST_PHYSICAL_ADDRESS);
		exit->npf.gpa = exit->info2;
		exit->npf.write = qual & VMX_EPT_Q_WRITE;
		exit->npf.fetch = qual & VMX_EPT_Q_FETCH;
		exit->npf.present = qual & VMX_EPT_Q_PRESENT;
		break;
	}
}

static void vmx_enter_once(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_host_state host;
	bool nmi;
	int failed;

	vmx_save_host(vmx, &host);
	if (native_read_cr2() != vcpu->cr2)
		native_write_cr2(vcpu->cr2);	/* VMX does not switch CR2 */
	failed = hyv_vmx_enter(vmx->launched, vcpu->gpr);
	vcpu->cr2 = native_read_cr2();
	vmx_restore_host(vmx, &host);

	if (failed) {
		/* VMfailValid: the reason is in the VM-instruction error. */
		memset(exit, 0, sizeof(*exit));
		exit->kind = HYV_X_FAIL_ENTRY;
		exit->vendor_code = vmx_read(VM_INSTRUCTION_ERROR) |
				    HYV_VMX_FAIL_INSTRUCTION;
		return;
	}
	vmx_decode_exit(vmx_read(VM_EXIT_REASON), exit);
	/* An entry that failed on guest state left the VMCS unlaunched. */
	if (exit->kind != HYV_X_FAIL_ENTRY)
		vmx->launched = true;
	nmi = exit->kind == HYV_X_HOST_EVENT &&
	      (exit->vendor_code & VMX_EXIT_REASON_BASIC) ==
	      EXIT_REASON_EXCEPTION_NMI;
	if (nmi)
		hyv_vmx_do_nmi();
}

/* Called with interrupts off and the VMCS current (the core's contract). */
void vmx_vcpu_run(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	vmx_write(GUEST_RSP, vcpu->gpr[HYV_RSP]);
	vmx_write(GUEST_RIP, vcpu->rip);
	vmx_write(GUEST_RFLAGS, vcpu->rflags);
	if (vmx_cfg.preempt_ticks)
		vmx_write(VMX_PREEMPTION_TIMER_VALUE, vmx_cfg.preempt_ticks);

	vmx_enter_once(vcpu, exit);

	vcpu->gpr[HYV_RSP] = vmx_read(GUEST_RSP);
	vcpu->rip = vmx_read(GUEST_RIP);
	vcpu->rflags = vmx_read(GUEST_RFLAGS);
	if (exit->kind != HYV_X_FAIL_ENTRY)
		vmx_requeue_event();
}

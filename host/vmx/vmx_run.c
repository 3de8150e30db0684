// SPDX-License-Identifier: GPL-2.0
/*
 * hyv Intel VMX guest entry: keeping each VMCS loaded on exactly one CPU
 * with that CPU's host state, one VMLAUNCH/VMRESUME with the host state
 * VMX does not switch saved around it, and the translation of exit
 * reasons into core exits. Runs on the vCPU's thread with preemption off
 * (load) or interrupts off (entry), except where a function says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
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
#define VMX_CR_LMSW_SHIFT	16

/* Table 28-4: debug-register access exit qualification. */
#define VMX_DR_NUM_MASK		GENMASK(2, 0)
#define VMX_DR_FROM		BIT(4)
#define VMX_DR_GPR_SHIFT	8

/* Table 28-7: EPT violation exit qualification. */
#define VMX_EPT_Q_WRITE		BIT(1)
#define VMX_EPT_Q_FETCH		BIT(2)
#define VMX_EPT_Q_PRESENT	GENMASK(5, 3)
/*
 * SDM vol. 3C table 28-7: a linear address was being translated (bit 7)
 * and the access was to one of its paging structures (bit 8 clear).
 */
#define VMX_EPT_Q_GVA_VALID	BIT(7)
#define VMX_EPT_Q_GVA_FINAL	BIT(8)

#define VMX_EXIT_REASON_BASIC	0xffff
#define VMX_EXIT_REASON_FAILED	BIT(31)

/* The size of the buffer the software L1D flush reads (SDM "L1TF"). */
#define VMX_L1D_FLUSH_SIZE	(64 * 1024)

int vmx_vmclear(phys_addr_t pa)
{
	asm goto("1: vmclear %0\n\tjbe %l[fail]\n\t" _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	if (!hyv_rebooting)
		pr_warn_ratelimited("VMCLEAR of %pa failed\n", &pa);
	return -EIO;
}

int vmx_vmptrld(phys_addr_t pa)
{
	asm goto("1: vmptrld %0\n\tjbe %l[fail]\n\t" _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	if (!hyv_rebooting)
		pr_warn_ratelimited("VMPTRLD of %pa failed\n", &pa);
	return -EIO;
}

/* SDM vol. 3C §30.3: INVEPT/INVVPID take a 128-bit descriptor. */
static void vmx_inv(bool ept, unsigned long type, u64 a)
{
	struct { u64 a, b; } desc = { a, 0 };

	if (ept)
		asm goto("1: invept %0, %1\n\tjbe %l[fail]\n\t"
			 _ASM_EXTABLE(1b, %l[fail])
			 : : "m"(desc), "r"(type) : "cc", "memory" : fail);
	else
		asm goto("1: invvpid %0, %1\n\tjbe %l[fail]\n\t"
			 _ASM_EXTABLE(1b, %l[fail])
			 : : "m"(desc), "r"(type) : "cc", "memory" : fail);
	return;
fail:
	if (!hyv_rebooting)
		pr_warn_ratelimited("%s type %lu of %#llx failed\n",
				    ept ? "INVEPT" : "INVVPID", type, a);
}

/* Drop what the guest left in this CPU's TLB. */
static void vmx_invalidate(struct vmx_vcpu *vmx)
{
	u64 eptp = vmx_read(EPT_POINTER);

	/* A VMCS being set up has no EPT yet: nothing of it is cached. */
	if (eptp)
		vmx_inv(true, vmx_cfg.has_invept_single ?
			VMX_EPT_EXTENT_CONTEXT : VMX_EPT_EXTENT_GLOBAL, eptp);
	/* Without a VPID the CPU flushes at every entry and exit anyway. */
	if (vmx->vpid)
		vmx_inv(false, vmx_cfg.has_invvpid_single ?
			VMX_VPID_EXTENT_SINGLE_CONTEXT :
			VMX_VPID_EXTENT_ALL_CONTEXT, vmx->vpid);
}

/* Runs on the CPU holding the VMCS (or on the way offline), IRQs off. */
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

/*
 * CPU going offline or VMX being turned off here: clear what is loaded.
 * Interrupts stay off while the list is walked: vmx_clear_here() IPIs
 * from CPUs that load a vCPU this CPU still holds edit the same list.
 */
void vmx_clear_loaded_vmcss(void)
{
	struct vmx_vcpu *vmx, *tmp;
	unsigned long flags;

	local_irq_save(flags);
	list_for_each_entry_safe(vmx, tmp, this_cpu_ptr(&vmx_loaded_vmcss),
				 loaded_link)
		vmx_clear_here(vmx);
	local_irq_restore(flags);
}

void vmx_vcpu_unload(struct hyv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_here, vmx, 1);
}

/*
 * The vCPU's thread runs on @cpu (this CPU, preemption off): make its
 * VMCS current here. A VMCS may be active on one CPU only: if it moved,
 * VMCLEAR it where it was (SDM vol. 3C §25.11.1), give it this CPU's host
 * state and flush what the guest left in this CPU's TLB. A CPU switching
 * from one vCPU to another gets an IBPB, so that no guest trains the next
 * one's indirect branches.
 */
void vmx_vcpu_load(struct hyv_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;

	if (vmx->cpu != cpu) {
		if (vmx->cpu >= 0)
			smp_call_function_single(vmx->cpu, vmx_clear_here, vmx, 1);
		local_irq_save(flags);
		list_add(&vmx->loaded_link, this_cpu_ptr(&vmx_loaded_vmcss));
		vmx->cpu = cpu;
		local_irq_restore(flags);
	}
	if (this_cpu_read(vmx_current_vmcs) != vmx->vmcs) {
		indirect_branch_prediction_barrier();
		vmx_vmptrld(vmx->vmcs_pa);
		this_cpu_write(vmx_current_vmcs, vmx->vmcs);
		vmx_vmcs_set_host_cpu_state(cpu);
		vmx_invalidate(vmx);
	}
}

/* Nothing VMX holds needs to go back when the thread leaves the CPU. */
void vmx_vcpu_put(struct hyv_vcpu *vcpu)
{
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

/*
 * Before an entry (IRQs off): remember the host's segment state, point
 * the VMCS at this task's CR3 and CR4 (CR4.TSD and PCE change per task),
 * and load the guest's KERNEL_GS_BASE and SYSCALL MSRs.
 */
static void vmx_save_host(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	u64 cr3 = __read_cr3(), cr4 = cr4_read_shadow();
	int i;

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
	if (cr4 != vmx->host_cr4) {
		vmx_write(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->guest_kernel_gs_base);
	for (i = 0; i < HYV_NR_USER_MSRS; i++)
		hyv_user_msr_load(i, vmx->syscall_msr[i]);
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
	case EXIT_REASON_WBINVD:
		return HYV_X_SKIP;
	case EXIT_REASON_XSETBV:
		return HYV_X_XSETBV;
	case EXIT_REASON_RDPMC:
		return HYV_X_GP;	/* no PMU for guests */
	case EXIT_REASON_MCE_DURING_VMENTRY:
		return HYV_X_MCE;
	case EXIT_REASON_VMCLEAR: case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD: case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD: case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE: case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON: case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_MWAIT_INSTRUCTION: case EXIT_REASON_MONITOR_INSTRUCTION:
		return HYV_X_UD;
	default:
		return HYV_X_UNKNOWN;
	}
}

/* An exception or NMI exit (SDM vol. 3C §28.2.2). */
static void vmx_decode_exception(u64 qual, struct hyv_exit *exit)
{
	u32 info = vmx_read(VM_EXIT_INTR_INFO);

	exit->info2 = info;
	switch (info & INTR_INFO_INTR_TYPE_MASK) {
	case INTR_TYPE_NMI_INTR:
		exit->kind = HYV_X_HOST_EVENT;
		return;
	case INTR_TYPE_PRIV_SW_EXCEPTION:
		/* INT1 (ICEBP): delivered again as what it was, with its length. */
		exit->exc.soft_len = exit->insn_len;
		break;
	}
	exit->exc.vector = info & INTR_INFO_VECTOR_MASK;
	exit->exc.has_error = info & INTR_INFO_DELIVER_CODE_MASK;
	if (exit->exc.has_error)
		exit->exc.error_code = vmx_read(VM_EXIT_INTR_ERROR_CODE);
	exit->exc.payload = qual;	/* #DB: the DR6 bits (table 28-1) */
	exit->kind = exit->exc.vector == HYV_MC_VECTOR ? HYV_X_MCE :
		     HYV_X_EXCEPTION;
}

static void vmx_decode_exit(struct hyv_vcpu *vcpu, u32 reason,
			    struct hyv_exit *exit)
{
	u32 basic = reason & VMX_EXIT_REASON_BASIC;
	u64 qual = vmx_read(EXIT_QUALIFICATION);

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
		vmx_disable_window(vcpu, CPU_BASED_INTR_WINDOW_EXITING);
		exit->kind = HYV_X_IRQ_WINDOW;
		break;
	case EXIT_REASON_NMI_WINDOW:
		vmx_disable_window(vcpu, CPU_BASED_NMI_WINDOW_EXITING);
		exit->kind = HYV_X_NMI_WINDOW;
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		vmx_decode_exception(qual, exit);
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
		exit->cr.lmsw_data = qual >> VMX_CR_LMSW_SHIFT;
		break;
	case EXIT_REASON_DR_ACCESS:
		exit->kind = HYV_X_DR_ACCESS;
		exit->cr.num = qual & VMX_DR_NUM_MASK;
		exit->cr.type = (qual & VMX_DR_FROM) ? HYV_CR_MOV_FROM :
						       HYV_CR_MOV_TO;
		exit->cr.gpr = (qual >> VMX_DR_GPR_SHIFT) & 0xf;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		exit->kind = HYV_X_NPF;
		exit->info2 = vmx_read(GUEST_PHYSICAL_ADDRESS);
		exit->npf.gpa = exit->info2;
		exit->npf.write = qual & VMX_EPT_Q_WRITE;
		exit->npf.fetch = qual & VMX_EPT_Q_FETCH;
		exit->npf.present = qual & VMX_EPT_Q_PRESENT;
		exit->npf.walk = (qual & VMX_EPT_Q_GVA_VALID) &&
				 !(qual & VMX_EPT_Q_GVA_FINAL);
		break;
	}
}

/*
 * L1TF: empty the L1D of host data before the guest runs (SDM "Deep Dive:
 * L1 Terminal Fault"), with the flush command where the CPU has one and by
 * filling the cache from a buffer of our own otherwise.
 */
static void vmx_l1d_flush(void)
{
	static u8 fill[VMX_L1D_FLUSH_SIZE] __aligned(PAGE_SIZE);
	unsigned int i;

	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	for (i = 0; i < sizeof(fill); i += L1_CACHE_BYTES)
		(void)READ_ONCE(fill[i]);
}

static void vmx_enter_once(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_host_state host;
	bool nmi;
	int ret;

	vmx_save_host(vmx, &host);
	if (vmx_cfg.l1d_flush)
		vmx_l1d_flush();
	if (native_read_cr2() != vcpu->cr2)
		native_write_cr2(vcpu->cr2);	/* VMX does not switch CR2 */
	ret = hyv_vmx_enter(vmx->launched, vcpu->gpr);
	vcpu->cr2 = native_read_cr2();
	vmx_restore_host(vmx, &host);

	if (ret) {
		/* VMfailValid: the reason is in the VM-instruction error. */
		memset(exit, 0, sizeof(*exit));
		exit->kind = HYV_X_FAIL_ENTRY;
		exit->vendor_code = HYV_VMX_FAIL_INSTRUCTION |
				    (ret == 1 ? vmx_read(VM_INSTRUCTION_ERROR) : 0);
		if (ret == 2 && !hyv_rebooting)
			WARN_ONCE(1, "hyv: VMLAUNCH/VMRESUME faulted with VMX on\n");
		return;
	}
	vmx_decode_exit(vcpu, vmx_read(VM_EXIT_REASON), exit);
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
	/* What was programmed for this entry is delivered or in vectoring. */
	vmx_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (exit->kind != HYV_X_FAIL_ENTRY)
		vmx_read_vectoring(&exit->vectoring);
}

/* dump_on_error: the VMCS fields that explain a refused or odd exit. */
void vmx_dump(struct hyv_vcpu *vcpu)
{
	pr_err("vcpu%u VMCS: exit %#llx qual %#llx intr %#llx idt %#llx err %#llx\n",
	       vcpu->id, vmx_read(VM_EXIT_REASON), vmx_read(EXIT_QUALIFICATION),
	       vmx_read(VM_EXIT_INTR_INFO), vmx_read(IDT_VECTORING_INFO_FIELD),
	       vmx_read(VM_INSTRUCTION_ERROR));
	pr_err("  rip %#llx rsp %#llx rflags %#llx cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx\n",
	       vmx_read(GUEST_RIP), vmx_read(GUEST_RSP), vmx_read(GUEST_RFLAGS),
	       vmx_read(GUEST_CR0), vmx_read(GUEST_CR3), vmx_read(GUEST_CR4),
	       vmx_read(GUEST_IA32_EFER));
	pr_err("  cs %#llx/%#llx ss %#llx/%#llx tr %#llx/%#llx intr-state %#llx activity %#llx\n",
	       vmx_read(GUEST_CS_SELECTOR), vmx_read(GUEST_CS_AR_BYTES),
	       vmx_read(GUEST_SS_SELECTOR), vmx_read(GUEST_SS_AR_BYTES),
	       vmx_read(GUEST_TR_SELECTOR), vmx_read(GUEST_TR_AR_BYTES),
	       vmx_read(GUEST_INTERRUPTIBILITY_INFO),
	       vmx_read(GUEST_ACTIVITY_STATE));
	pr_err("  pin %#llx proc %#llx proc2 %#llx entry %#llx exit %#llx entry-intr %#llx\n",
	       vmx_read(PIN_BASED_VM_EXEC_CONTROL),
	       vmx_read(CPU_BASED_VM_EXEC_CONTROL),
	       vmx_read(SECONDARY_VM_EXEC_CONTROL), vmx_read(VM_ENTRY_CONTROLS),
	       vmx_read(VM_EXIT_CONTROLS), vmx_read(VM_ENTRY_INTR_INFO_FIELD));
}

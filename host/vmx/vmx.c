// SPDX-License-Identifier: GPL-2.0
/*
 * hyv Intel VMX backend: deciding whether this CPU's VMX is usable, the
 * controls hyv runs with, VMXON/VMXOFF per CPU, and each vCPU's VMCS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufeature.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/reboot.h>
#include <asm/processor-flags.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "vmx.h"

struct vmx_config vmx_cfg;
unsigned long *vmx_msr_bitmap;		/* shared by every vCPU, read-only */

static DEFINE_PER_CPU(struct page *, vmx_vmxon_page);
static DEFINE_IDA(vmx_vpids);

void vmx_insn_failed(const char *insn, unsigned long field)
{
	pr_warn_ratelimited("%s of field %#lx failed\n", insn, field);
}

/* A VMX instruction faulted: VMX is off, which only a reboot may do. */
void vmx_insn_fault(const char *insn, unsigned long field)
{
	if (!hyv_rebooting)
		WARN_ONCE(1, "hyv: %s of field %#lx faulted with VMX on\n",
			  insn, field);
}

/*
 * Combine what hyv wants with what the CPU allows: a capability MSR's low
 * half holds the bits that must be 1, its high half those that may be 1
 * (Intel SDM vol. 3D appendix A.3). Returns false if a required bit is
 * not allowed.
 */
static bool vmx_adjust(u32 msr, u32 required, u32 optional, u32 *out)
{
	u64 cap;
	u32 must, may;

	rdmsrl(msr, cap);
	must = (u32)cap;
	may = cap >> 32;
	*out = (required | optional | must) & may;
	return (*out & required) == required;
}

/*
 * A backstop that bounds how long a guest runs without an exit: the
 * VMX-preemption timer, armed at every entry for about 4 ms. Real CPUs
 * exit on host interrupts anyway; Bochs only does so while the guest has
 * RFLAGS.IF set, so without this a guest spinning with interrupts off
 * would never give the host its CPU back.
 */
#define VMX_BACKSTOP_US		4000

static void vmx_setup_preemption_timer(void)
{
	u64 misc, ticks;

	if (!(vmx_cfg.pin & PIN_BASED_VMX_PREEMPTION_TIMER))
		return;
	rdmsrl(MSR_IA32_VMX_MISC, misc);
	/* It counts down at the TSC rate divided by 2^MISC[4:0] (SDM §26.5.1). */
	ticks = ((u64)tsc_khz * VMX_BACKSTOP_US / 1000) >>
		(misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);
	vmx_cfg.preempt_ticks = clamp_val(ticks, 1, U32_MAX);
}

/*
 * The pin-based and primary controls: host interrupts and NMIs exit,
 * virtual NMIs give NMI blocking and NMI windows; HLT, I/O, MOV CR8,
 * MOV DR, MWAIT/MONITOR and RDPMC exit; MSRs through the bitmap; the
 * TSC offset applies.
 */
static const char *vmx_setup_exec_controls(bool true_ctls)
{
	if (!vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			MSR_IA32_VMX_PINBASED_CTLS,
			PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			PIN_BASED_VIRTUAL_NMIS,
			PIN_BASED_VMX_PREEMPTION_TIMER, &vmx_cfg.pin))
		return "external-interrupt and NMI exiting, virtual NMIs";
	if (!vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			MSR_IA32_VMX_PROCBASED_CTLS,
			CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
			CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
			CPU_BASED_MOV_DR_EXITING | CPU_BASED_MWAIT_EXITING |
			CPU_BASED_MONITOR_EXITING | CPU_BASED_RDPMC_EXITING |
			CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_USE_TSC_OFFSETTING |
			CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0, &vmx_cfg.proc))
		return "HLT, I/O, CR8, MOV DR, MWAIT exiting, MSR bitmaps, TSC offsetting or secondary controls";
	vmx_cfg.proc &= ~(CPU_BASED_USE_IO_BITMAPS | CPU_BASED_CR3_LOAD_EXITING |
			  CPU_BASED_CR3_STORE_EXITING | CPU_BASED_INVLPG_EXITING |
			  CPU_BASED_RDTSC_EXITING | CPU_BASED_INTR_WINDOW_EXITING |
			  CPU_BASED_NMI_WINDOW_EXITING);
	/* WBINVD exits where the CPU can: one guest must not flush all caches. */
	if (!vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
			SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID |
			SECONDARY_EXEC_UNRESTRICTED_GUEST,
			SECONDARY_EXEC_WBINVD_EXITING, &vmx_cfg.proc2))
		return "EPT, VPID or unrestricted guest";
	return NULL;
}

static const char *vmx_setup_controls(u64 basic)
{
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	const char *missing;
	u64 ept_cap;

	missing = vmx_setup_exec_controls(true_ctls);
	if (missing)
		return missing;
	if (!vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			MSR_IA32_VMX_EXIT_CTLS,
			VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |
			VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |
			VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_DEBUG_CONTROLS, 0,
			&vmx_cfg.exit))
		return "64-bit host and EFER/PAT switching on exit";
	if (!vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			MSR_IA32_VMX_ENTRY_CTLS,
			VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT |
			VM_ENTRY_LOAD_DEBUG_CONTROLS, 0, &vmx_cfg.entry))
		return "EFER/PAT/DR7 loading on entry";
	/* Set per guest, from its EFER.LMA. */
	vmx_cfg.entry &= ~VM_ENTRY_IA32E_MODE;

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept_cap);
	if (!(ept_cap & VMX_EPT_PAGE_WALK_4_BIT))
		return "4-level EPT walks";
	if (!(ept_cap & VMX_EPTP_WB_BIT))
		return "write-back EPT memory type";
	if (!(ept_cap & VMX_EPT_INVEPT_BIT) || !(ept_cap & VMX_VPID_INVVPID_BIT))
		return "INVEPT and INVVPID";
	vmx_setup_preemption_timer();
	vmx_cfg.has_invept_single = ept_cap & VMX_EPT_EXTENT_CONTEXT_BIT;
	vmx_cfg.has_invvpid_single = ept_cap & VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT;
	/*
	 * L1TF: a guest can read what the L1D holds. Flush it before every
	 * entry unless the kernel was told not to mitigate (l1tf=off); KVM
	 * flushes only after "interesting" exits, hyv always.
	 */
	vmx_cfg.l1d_flush = boot_cpu_has_bug(X86_BUG_L1TF) &&
			    l1tf_mitigation != L1TF_MITIGATION_OFF;
	return NULL;
}

/*
 * Crash and emergency reboot: the kernel calls this on every CPU it stops
 * (cpu_emergency_disable_virtualization()), because a CPU left in VMX
 * operation blocks INIT and the kdump kernel would never start it.
 */
static void vmx_emergency_disable(void)
{
	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	asm volatile("1: vmxoff\n\t2:\n\t" _ASM_EXTABLE(1b, 2b) ::: "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

static int vmx_hardware_setup(void)
{
	int cpu;

	vmx_init_loaded_lists();
	for_each_possible_cpu(cpu) {
		struct page *page = alloc_pages_node(cpu_to_node(cpu),
						     GFP_KERNEL | __GFP_ZERO, 0);

		if (!page)
			goto nomem;
		*(u32 *)page_address(page) = vmx_cfg.revision_id;
		per_cpu(vmx_vmxon_page, cpu) = page;
	}
	vmx_msr_bitmap = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap)
		goto nomem;
	vmx_msr_bitmap_init(vmx_msr_bitmap);
	/* The kernel keeps one such callback: kvm_intel must not be loaded. */
	cpu_emergency_register_virt_callback(vmx_emergency_disable);
	return 0;

nomem:
	for_each_possible_cpu(cpu) {
		if (per_cpu(vmx_vmxon_page, cpu))
			__free_page(per_cpu(vmx_vmxon_page, cpu));
		per_cpu(vmx_vmxon_page, cpu) = NULL;
	}
	return -ENOMEM;
}

static void vmx_hardware_unsetup(void)
{
	int cpu;

	cpu_emergency_unregister_virt_callback(vmx_emergency_disable);
	for_each_possible_cpu(cpu) {
		__free_page(per_cpu(vmx_vmxon_page, cpu));
		per_cpu(vmx_vmxon_page, cpu) = NULL;
	}
	free_page((unsigned long)vmx_msr_bitmap);
	vmx_msr_bitmap = NULL;
}

/* Enable VMX in IA32_FEATURE_CONTROL if the firmware left it unlocked. */
static int vmx_feature_control(void)
{
	u64 fc;

	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCKED)) {
		fc |= FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
		wrmsrl(MSR_IA32_FEAT_CTL, fc);
	}
	return (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -EPERM;
}

static int vmx_cpu_enable(void)
{
	u64 pa = page_to_phys(this_cpu_read(vmx_vmxon_page));
	int ret;

	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;	/* someone else's VMX is on here */
	ret = vmx_feature_control();
	if (ret)
		return ret;

	/* CR0/CR4 bits fixed in VMX operation (SDM vol. 3D §A.7, A.8). */
	cr4_set_bits(X86_CR4_VMXE);
	asm goto("1: vmxon %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m"(pa) : "cc", "memory" : fail);
	return 0;

fail:
	cr4_clear_bits(X86_CR4_VMXE);
	return -EIO;
}

static void vmx_cpu_disable(void)
{
	vmx_clear_loaded_vmcss();
	/* A reboot may have turned VMX off already (emergency path). */
	asm volatile("1: vmxoff\n\t2:\n\t" _ASM_EXTABLE(1b, 2b)
		     ::: "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

/*
 * A VPID per vCPU tags its TLB entries so that they survive exits. The
 * 16-bit space is shared by every VM of every user: when it is used up
 * the vCPU runs without one (VPID 0: the CPU flushes at every entry and
 * exit), slower but never refused.
 */
static u16 vmx_alloc_vpid(void)
{
	int vpid = ida_alloc_range(&vmx_vpids, 1, 0xffff, GFP_KERNEL);

	return vpid < 0 ? 0 : vpid;
}

/* Makes the new VMCS current here; the core loads it properly next. */
static int vmx_vcpu_create(struct hyv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;
	struct page *page;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(vmx);
		return -ENOMEM;
	}
	vmx->vmcs = page_address(page);
	vmx->vmcs_pa = page_to_phys(page);
	*(u32 *)vmx->vmcs = vmx_cfg.revision_id;
	vmx->vpid = vmx_alloc_vpid();
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vcpu->arch = vmx;

	preempt_disable();
	vmx_vmclear(vmx->vmcs_pa);	/* launch state "clear" */
	vmx_vcpu_load(vcpu, smp_processor_id());
	vmx_vmcs_init(vcpu);
	preempt_enable();
	return 0;
}

static void vmx_vcpu_destroy(struct hyv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vcpu_unload(vcpu);
	if (vmx->vpid)
		ida_free(&vmx_vpids, vmx->vpid);
	free_page((unsigned long)vmx->vmcs);
	kfree(vmx);
	vcpu->arch = NULL;
}

/* SDM vol. 3C §26.3.1.5: SS.DPL is the CPL. */
static u8 vmx_get_cpl(struct hyv_vcpu *vcpu)
{
	return (vmx_read(GUEST_SS_AR_BYTES) >> 5) & 3;
}

static void vmx_set_npt_root(struct hyv_vcpu *vcpu, phys_addr_t root)
{
	vmx_write(EPT_POINTER, vmx_eptp(root));
}

static void vmx_set_tsc_offset(struct hyv_vcpu *vcpu, u64 offset)
{
	vmx_write(TSC_OFFSET, offset);
}

static const struct hyv_arch_ops vmx_ops = {
	.name			= "Intel VMX",
	.backend		= HYV_BACKEND_VMX,
	.hardware_setup		= vmx_hardware_setup,
	.hardware_unsetup	= vmx_hardware_unsetup,
	.cpu_enable		= vmx_cpu_enable,
	.cpu_disable		= vmx_cpu_disable,
	.vcpu_create		= vmx_vcpu_create,
	.vcpu_destroy		= vmx_vcpu_destroy,
	.vcpu_load		= vmx_vcpu_load,
	.vcpu_put		= vmx_vcpu_put,
	.vcpu_run		= vmx_vcpu_run,
	.flush_guest_tlb	= vmx_flush_guest_tlb,
	.dump			= vmx_dump,
	.get_sregs		= vmx_get_sregs,
	.set_sregs		= vmx_set_sregs,
	.get_cr			= vmx_get_cr,
	.set_cr0		= vmx_set_cr0,
	.set_cr4		= vmx_set_cr4,
	.get_efer		= vmx_get_efer,
	.set_efer		= vmx_set_efer,
	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,
	.set_tsc_offset		= vmx_set_tsc_offset,
	.get_cpl		= vmx_get_cpl,
	.inject_event		= vmx_inject_event,
	.irq_allowed		= vmx_irq_allowed,
	.nmi_allowed		= vmx_nmi_allowed,
	.enable_irq_window	= vmx_enable_irq_window,
	.enable_nmi_window	= vmx_enable_nmi_window,
	/* No TPR window: CR8 writes always exit (CR8-load exiting). */
	.get_nmi_masked		= vmx_get_nmi_masked,
	.set_nmi_masked		= vmx_set_nmi_masked,
	.get_interrupt_shadow	= vmx_get_interrupt_shadow,
	.set_interrupt_shadow	= vmx_set_interrupt_shadow,
	.npt_table_entry	= vmx_ept_table_entry,
	.npt_leaf_entry		= vmx_ept_leaf_entry,
	.npt_present		= vmx_ept_present,
	.npt_huge		= vmx_ept_huge,
	.npt_perms		= vmx_ept_perms,
	.set_npt_root		= vmx_set_npt_root,
};

/*
 * Is this an Intel CPU whose VMX hyv can use? Refuse, naming what is
 * missing, when VMX, EPT, VPID or unrestricted guest is absent, when the
 * firmware locked VMX off, or when another hypervisor has it on.
 */
const struct hyv_arch_ops *hyv_vmx_probe(void)
{
	const char *missing;
	u64 basic, fc;

	if (!boot_cpu_has(X86_FEATURE_VMX))
		return ERR_PTR(-ENODEV);
	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if ((fc & FEAT_CTL_LOCKED) && !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked)\n");
		return ERR_PTR(-EPERM);
	}
	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err("VMX is already in use by another hypervisor (kvm_intel?)\n");
		return ERR_PTR(-EBUSY);
	}
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if (((basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT) !=
	    VMX_BASIC_MEM_TYPE_WB || ((basic >> VMX_BASIC_VMCS_SIZE_SHIFT) &
				       0x1fff) > PAGE_SIZE) {
		pr_err("VMX lacks a write-back VMCS of at most a page\n");
		return ERR_PTR(-ENODEV);
	}
	vmx_cfg.revision_id = basic & 0x7fffffff;
	missing = vmx_setup_controls(basic);
	if (missing) {
		pr_err("VMX lacks what hyv needs: %s\n", missing);
		return ERR_PTR(-ENODEV);
	}
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_cfg.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_cfg.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_cfg.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_cfg.cr4_fixed1);
	pr_info("VMX with EPT, VPID and unrestricted guest\n");
	return &vmx_ops;
}

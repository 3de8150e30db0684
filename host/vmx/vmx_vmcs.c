// SPDX-License-Identifier: GPL-2.0
/*
 * hyv Intel VMCS contents: the controls and host state written once per
 * vCPU or per CPU, the guest state as the core's special registers see
 * it, its CR0, CR4 and EFER (what the guest owns and what exits), and the
 * MSRs VMX keeps (Intel SDM vol. 3C §25.4 and §25.5). Runs with the
 * vCPU's VMCS current.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"

/* SDM vol. 3C §25.4.1: segment access rights; <asm/vmx.h> lacks AVL. */
#define VMX_AR_AVL_MASK		BIT(12)

/*
 * The CR0 and CR4 bits the guest owns: it writes them without an exit.
 * Every other bit exits and goes through cr.c (KVM's
 * KVM_POSSIBLE_CR0_GUEST_BITS / KVM_POSSIBLE_CR4_GUEST_BITS); PE and PG
 * exit so that hyv follows IA-32e mode, OSXSAVE, PKE, SMEP... so that the
 * guest gets only what its CPUID offers.
 */
#define VMX_CR0_GUEST_OWNED	X86_CR0_TS
#define VMX_CR4_GUEST_OWNED	(X86_CR4_PVI | X86_CR4_DE | X86_CR4_PCE | \
				 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
				 X86_CR4_PGE | X86_CR4_TSD)

/* Exceptions that exit: #DB and #AC to be reflected, #MC for the host. */
#define VMX_EXCEPTION_BITMAP	(BIT(HYV_DB_VECTOR) | BIT(HYV_AC_VECTOR) | \
				 BIT(HYV_MC_VECTOR))

/* The VMCS fields of one segment register, in field-encoding terms. */
struct vmx_seg_fields {
	u32 selector, base, limit, ar;
};

#define VMX_SEG(name) { GUEST_##name##_SELECTOR, GUEST_##name##_BASE, \
			GUEST_##name##_LIMIT, GUEST_##name##_AR_BYTES }

enum { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, SEG_LDTR };

static const struct vmx_seg_fields vmx_segs[] = {
	[SEG_CS] = VMX_SEG(CS), [SEG_DS] = VMX_SEG(DS), [SEG_ES] = VMX_SEG(ES),
	[SEG_FS] = VMX_SEG(FS), [SEG_GS] = VMX_SEG(GS), [SEG_SS] = VMX_SEG(SS),
	[SEG_TR] = VMX_SEG(TR), [SEG_LDTR] = VMX_SEG(LDTR),
};

static u32 vmx_pack_ar(const struct hyv_segment *s)
{
	if (s->unusable || !s->present)
		return VMX_AR_UNUSABLE_MASK;
	return (s->type & VMX_AR_TYPE_MASK) | (s->s ? VMX_AR_S_MASK : 0) |
	       ((s->dpl & 3) << VMX_AR_DPL_SHIFT) | VMX_AR_P_MASK |
	       (s->avl ? VMX_AR_AVL_MASK : 0) | (s->l ? VMX_AR_L_MASK : 0) |
	       (s->db ? VMX_AR_DB_MASK : 0) | (s->g ? VMX_AR_G_MASK : 0);
}

static void vmx_seg_write(int seg, const struct hyv_segment *s)
{
	const struct vmx_seg_fields *f = &vmx_segs[seg];

	vmx_write(f->selector, s->selector);
	vmx_write(f->base, s->base);
	vmx_write(f->limit, s->limit);
	vmx_write(f->ar, vmx_pack_ar(s));
}

static void vmx_seg_read(int seg, struct hyv_segment *s)
{
	const struct vmx_seg_fields *f = &vmx_segs[seg];
	u32 ar = vmx_read(f->ar);

	memset(s, 0, sizeof(*s));
	s->selector = vmx_read(f->selector);
	s->base = vmx_read(f->base);
	s->limit = vmx_read(f->limit);
	s->unusable = !!(ar & VMX_AR_UNUSABLE_MASK);
	s->present = !s->unusable && (ar & VMX_AR_P_MASK);
	s->type = ar & VMX_AR_TYPE_MASK;
	s->s = !!(ar & VMX_AR_S_MASK);
	s->dpl = (ar >> VMX_AR_DPL_SHIFT) & 3;
	s->avl = !!(ar & VMX_AR_AVL_MASK);
	s->l = !!(ar & VMX_AR_L_MASK);
	s->db = !!(ar & VMX_AR_DB_MASK);
	s->g = !!(ar & VMX_AR_G_MASK);
}

/*
 * CR0 in the CPU: the bits VMX fixes to 1 are kept set and hidden from the
 * guest through the read shadow, with unrestricted guest PE and PG are
 * free (SDM vol. 3C §24.8); CD and NW stay clear, as KVM keeps them,
 * so that a guest cannot make the CPU run uncached.
 */
static u64 vmx_hw_cr0(u64 cr0)
{
	return (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) |
	       (vmx_cfg.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG));
}

/* Guest-visible CR0/CR4: owned bits from the CPU, the rest the shadow. */
u64 vmx_get_cr(struct hyv_vcpu *vcpu, int cr)
{
	switch (cr) {
	case 0:
		return (vmx_read(GUEST_CR0) & VMX_CR0_GUEST_OWNED) |
		       (vmx_read(CR0_READ_SHADOW) & ~VMX_CR0_GUEST_OWNED);
	case 3:
		return vmx_read(GUEST_CR3);
	case 4:
		return (vmx_read(GUEST_CR4) & VMX_CR4_GUEST_OWNED) |
		       (vmx_read(CR4_READ_SHADOW) & ~VMX_CR4_GUEST_OWNED);
	}
	return 0;
}

u64 vmx_get_efer(struct hyv_vcpu *vcpu)
{
	return vmx_read(GUEST_IA32_EFER);
}

/* EFER.LMA decides the "IA-32e mode guest" entry control (§26.2.1.3). */
void vmx_set_efer(struct hyv_vcpu *vcpu, u64 efer)
{
	u32 entry = vmx_cfg.entry;

	vmx_write(GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	vmx_write(VM_ENTRY_CONTROLS, entry);
}

/*
 * CR0 as the guest sees it. Paging turned on with EFER.LME enters
 * IA-32e mode, turned off leaves it: LMA follows, as the CPU would do it
 * for a write that did not exit (SDM vol. 3A §9.8.5).
 */
void vmx_set_cr0(struct hyv_vcpu *vcpu, u64 cr0)
{
	u64 efer = vmx_get_efer(vcpu);

	vmx_write(CR0_READ_SHADOW, cr0);
	vmx_write(GUEST_CR0, vmx_hw_cr0(cr0));
	if ((cr0 & X86_CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(cr0 & X86_CR0_PG))
		efer &= ~EFER_LMA;
	if (efer != vmx_get_efer(vcpu))
		vmx_set_efer(vcpu, efer);
}

void vmx_set_cr4(struct hyv_vcpu *vcpu, u64 cr4)
{
	vmx_write(CR4_READ_SHADOW, cr4);
	vmx_write(GUEST_CR4, cr4 | vmx_cfg.cr4_fixed0);
}

void vmx_get_sregs(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	vmx_seg_read(SEG_CS, &sregs->cs);
	vmx_seg_read(SEG_DS, &sregs->ds);
	vmx_seg_read(SEG_ES, &sregs->es);
	vmx_seg_read(SEG_FS, &sregs->fs);
	vmx_seg_read(SEG_GS, &sregs->gs);
	vmx_seg_read(SEG_SS, &sregs->ss);
	vmx_seg_read(SEG_TR, &sregs->tr);
	vmx_seg_read(SEG_LDTR, &sregs->ldt);
	sregs->gdt.base = vmx_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmx_read(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmx_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmx_read(GUEST_IDTR_LIMIT);
	sregs->cr0 = vmx_get_cr(vcpu, 0);
	sregs->cr3 = vmx_get_cr(vcpu, 3);
	sregs->cr4 = vmx_get_cr(vcpu, 4);
	sregs->efer = vmx_get_efer(vcpu);
}

/* The core checked the values; what the CPU refuses fails the entry. */
int vmx_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs)
{
	vmx_seg_write(SEG_CS, &sregs->cs);
	vmx_seg_write(SEG_DS, &sregs->ds);
	vmx_seg_write(SEG_ES, &sregs->es);
	vmx_seg_write(SEG_FS, &sregs->fs);
	vmx_seg_write(SEG_GS, &sregs->gs);
	vmx_seg_write(SEG_SS, &sregs->ss);
	vmx_seg_write(SEG_TR, &sregs->tr);
	vmx_seg_write(SEG_LDTR, &sregs->ldt);
	vmx_write(GUEST_GDTR_BASE, sregs->gdt.base);
	vmx_write(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmx_write(GUEST_IDTR_BASE, sregs->idt.base);
	vmx_write(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmx_write(GUEST_CR3, sregs->cr3);
	vmx_set_cr4(vcpu, sregs->cr4);
	/* EFER first: CR0 may only add LMA to what the VMM gave. */
	vmx_set_efer(vcpu, sregs->efer);
	vmx_write(CR0_READ_SHADOW, sregs->cr0);
	vmx_write(GUEST_CR0, vmx_hw_cr0(sregs->cr0));
	return 0;
}

/* The MSRs VMX keeps in the VMCS or hyv keeps for it (msr.c checked). */
int vmx_get_msr(struct hyv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	switch (msr) {
	case MSR_FS_BASE:
		*val = vmx_read(GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*val = vmx_read(GUEST_GS_BASE);
		return 0;
	case MSR_KERNEL_GS_BASE:
		*val = vmx->guest_kernel_gs_base;
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*val = vmx_read(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmx_read(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmx_read(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_STAR:
		*val = vmx->syscall_msr[HYV_USER_MSR_STAR];
		return 0;
	case MSR_LSTAR:
		*val = vmx->syscall_msr[HYV_USER_MSR_LSTAR];
		return 0;
	case MSR_CSTAR:
		*val = vmx->syscall_msr[HYV_USER_MSR_CSTAR];
		return 0;
	case MSR_SYSCALL_MASK:
		*val = vmx->syscall_msr[HYV_USER_MSR_SFMASK];
		return 0;
	}
	return -ENOENT;
}

int vmx_set_msr(struct hyv_vcpu *vcpu, u32 msr, u64 val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	switch (msr) {
	case MSR_FS_BASE:
		vmx_write(GUEST_FS_BASE, val);
		return 0;
	case MSR_GS_BASE:
		vmx_write(GUEST_GS_BASE, val);
		return 0;
	case MSR_KERNEL_GS_BASE:
		vmx->guest_kernel_gs_base = val;
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmx_write(GUEST_SYSENTER_CS, val);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		vmx_write(GUEST_SYSENTER_ESP, val);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		vmx_write(GUEST_SYSENTER_EIP, val);
		return 0;
	case MSR_IA32_CR_PAT:
		vmx_write(GUEST_IA32_PAT, val);
		return 0;
	case MSR_STAR:
		vmx->syscall_msr[HYV_USER_MSR_STAR] = val;
		return 0;
	case MSR_LSTAR:
		vmx->syscall_msr[HYV_USER_MSR_LSTAR] = val;
		return 0;
	case MSR_CSTAR:
		vmx->syscall_msr[HYV_USER_MSR_CSTAR] = val;
		return 0;
	case MSR_SYSCALL_MASK:
		vmx->syscall_msr[HYV_USER_MSR_SFMASK] = val;
		return 0;
	}
	return -ENOENT;
}

/*
 * MSRs the guest reads and writes without an exit: those the VMCS
 * switches (FS/GS base, SYSENTER) and KERNEL_GS_BASE, which hyv swaps
 * around every entry (SDM vol. 3C §25.6.9: bit set = exit). Everything
 * else exits to msr.c.
 */
static void vmx_msr_passthrough(unsigned long *bitmap, u32 msr)
{
	u32 base = msr >= 0xc0000000 ? 1024 * 8 : 0;
	u32 bit = msr & 0x1fff;

	__clear_bit(base + bit, bitmap);		/* read */
	__clear_bit(base + 2048 * 8 + bit, bitmap);	/* write */
}

void vmx_msr_bitmap_init(unsigned long *bitmap)
{
	memset(bitmap, 0xff, PAGE_SIZE);
	vmx_msr_passthrough(bitmap, MSR_FS_BASE);
	vmx_msr_passthrough(bitmap, MSR_GS_BASE);
	vmx_msr_passthrough(bitmap, MSR_KERNEL_GS_BASE);
	vmx_msr_passthrough(bitmap, MSR_IA32_SYSENTER_CS);
	vmx_msr_passthrough(bitmap, MSR_IA32_SYSENTER_ESP);
	vmx_msr_passthrough(bitmap, MSR_IA32_SYSENTER_EIP);
}

/*
 * Host state that differs per CPU: written whenever the VMCS moves. The
 * SYSENTER stack is per CPU too (the entry stack of cpu_entry_area).
 */
void vmx_vmcs_set_host_cpu_state(int cpu)
{
	struct cpu_entry_area *cea = get_cpu_entry_area(cpu);
	struct desc_ptr idt;
	u64 gs_base;

	vmx_write(HOST_TR_BASE, (unsigned long)&cea->tss.x86_tss);
	vmx_write(HOST_GDTR_BASE, (unsigned long)&cea->gdt);
	store_idt(&idt);
	vmx_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, gs_base);
	vmx_write(HOST_GS_BASE, gs_base);
	vmx_write(HOST_IA32_SYSENTER_ESP,
		  (unsigned long)(cpu_entry_stack(cpu) + 1));
}

static void vmx_vmcs_init_host(void)
{
	u64 msr;

	vmx_write(HOST_CR0, read_cr0());
	vmx_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmx_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmx_write(HOST_DS_SELECTOR, 0);
	vmx_write(HOST_ES_SELECTOR, 0);
	vmx_write(HOST_FS_SELECTOR, 0);
	vmx_write(HOST_GS_SELECTOR, 0);
	vmx_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmx_write(HOST_RIP, (unsigned long)hyv_vmx_exit_rip);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmx_write(HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmx_write(HOST_IA32_SYSENTER_EIP, msr);
	rdmsrl(MSR_IA32_CR_PAT, msr);
	vmx_write(HOST_IA32_PAT, msr);
	rdmsrl(MSR_EFER, msr);
	vmx_write(HOST_IA32_EFER, msr);
}

/* Everything a fresh VMCS needs besides SET_SREGS (called with it loaded). */
void vmx_vmcs_init(struct hyv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc2 = vmx_cfg.proc2;

	if (!vmx->vpid)
		proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	vmx->proc = vmx_cfg.proc;
	vmx_write(PIN_BASED_VM_EXEC_CONTROL, vmx_cfg.pin);
	vmx_write(CPU_BASED_VM_EXEC_CONTROL, vmx->proc);
	vmx_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmx_write(VM_EXIT_CONTROLS, vmx_cfg.exit);
	vmx_write(VM_ENTRY_CONTROLS, vmx_cfg.entry);
	vmx_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	vmx_write(EXCEPTION_BITMAP, VMX_EXCEPTION_BITMAP);
	vmx_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmx_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmx_write(CR3_TARGET_COUNT, 0);
	vmx_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmx_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmx_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmx_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx_write(VMCS_LINK_POINTER, ~0ULL);
	vmx_write(MSR_BITMAP, __pa(vmx_msr_bitmap));
	vmx_write(TSC_OFFSET, 0);
	vmx_write(CR0_GUEST_HOST_MASK, ~(u64)VMX_CR0_GUEST_OWNED);
	vmx_write(CR4_GUEST_HOST_MASK, ~(u64)VMX_CR4_GUEST_OWNED);

	vmx_vmcs_init_host();
	vmx->host_cr3 = __read_cr3();
	vmx_write(HOST_CR3, vmx->host_cr3);
	vmx->host_cr4 = cr4_read_shadow();
	vmx_write(HOST_CR4, vmx->host_cr4);

	vmx_write(GUEST_IA32_PAT, HYV_PAT_POWER_ON);
	/* The guest's DR7 stays in dr.c: the CPU runs it with none armed. */
	vmx_write(GUEST_DR7, 0x400);
	vmx_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmx_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmx_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmx_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmx_write(GUEST_SYSENTER_CS, 0);
	vmx_write(GUEST_SYSENTER_ESP, 0);
	vmx_write(GUEST_SYSENTER_EIP, 0);
}

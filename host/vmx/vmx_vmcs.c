// SPDX-License-Identifier: GPL-2.0
/*
 * hyv Intel VMCS contents: the controls and host state written once per
 * vCPU or per CPU, and the guest state as the core's special registers
 * see it (Intel SDM vol. 3C §25.4 and §25.5).
 */
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"

/* SDM vol. 3C §25.4.1: segment access rights; <asm/vmx.h> lacks AVL. */
#define VMX_AR_AVL_MASK		BIT(12)

/* Power-on value of IA32_PAT (SDM vol. 3A §11.12.4). */
#define VMX_PAT_POWER_ON	0x0007040600070406ULL

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
 * CR0 and CR4 bits VMX fixes to 1 are kept set in the real register and
 * hidden from the guest through the read shadow; with unrestricted guest
 * PE and PG are free (SDM vol. 3C §24.8).
 */
static u64 vmx_cr0_forced(void)
{
	return vmx_cfg.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
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
	sregs->cr0 = vmx_read(CR0_READ_SHADOW);
	sregs->cr2 = vcpu->cr2;
	sregs->cr3 = vmx_read(GUEST_CR3);
	sregs->cr4 = vmx_read(CR4_READ_SHADOW);
	sregs->efer = vmx_read(GUEST_IA32_EFER);
}

int vmx_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs)
{
	u64 cr0_mask = vmx_cr0_forced(), cr4_mask = vmx_cfg.cr4_fixed0;
	u32 entry = vmx_cfg.entry;

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

	vmx_write(CR0_GUEST_HOST_MASK, cr0_mask);
	vmx_write(CR0_READ_SHADOW, sregs->cr0);
	vmx_write(GUEST_CR0, sregs->cr0 | cr0_mask);
	vmx_write(CR4_GUEST_HOST_MASK, cr4_mask);
	vmx_write(CR4_READ_SHADOW, sregs->cr4);
	vmx_write(GUEST_CR4, sregs->cr4 | cr4_mask);
	vmx_write(GUEST_CR3, sregs->cr3);
	vcpu->cr2 = sregs->cr2;

	vmx_write(GUEST_IA32_EFER, sregs->efer);
	if (sregs->efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	vmx_write(VM_ENTRY_CONTROLS, entry);
	/*
	 * What the CPU refuses (reserved bits, inconsistent long mode) makes
	 * VM entry fail, which the run loop reports as HYV_EXIT_FAIL_ENTRY.
	 */
	return 0;
}

void vmx_get_paging(struct hyv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4,
		    u64 *efer)
{
	*cr0 = vmx_read(GUEST_CR0);
	*cr3 = vmx_read(GUEST_CR3);
	*cr4 = vmx_read(GUEST_CR4);
	*efer = vmx_read(GUEST_IA32_EFER);
}

/* Host state that differs per CPU: written whenever the VMCS moves. */
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
}

static void vmx_vmcs_init_host(void)
{
	u64 msr;

	vmx_write(HOST_CR0, read_cr0());
	vmx_write(HOST_CR4, cr4_read_shadow());
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
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmx_write(HOST_IA32_SYSENTER_ESP, msr);
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

	vmx_write(PIN_BASED_VM_EXEC_CONTROL, vmx_cfg.pin);
	vmx_write(CPU_BASED_VM_EXEC_CONTROL, vmx_cfg.proc);
	vmx_write(SECONDARY_VM_EXEC_CONTROL, vmx_cfg.proc2);
	vmx_write(VM_EXIT_CONTROLS, vmx_cfg.exit);
	vmx_write(VM_ENTRY_CONTROLS, vmx_cfg.entry);
	vmx_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	vmx_write(EXCEPTION_BITMAP, 0);
	vmx_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmx_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmx_write(CR3_TARGET_COUNT, 0);
	vmx_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmx_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmx_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmx_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx_write(VMCS_LINK_POINTER, ~0ULL);

	vmx_vmcs_init_host();
	vmx->host_cr3 = __read_cr3();
	vmx_write(HOST_CR3, vmx->host_cr3);

	vmx_write(GUEST_IA32_PAT, VMX_PAT_POWER_ON);
	vmx_write(GUEST_DR7, 0x400);
	vmx_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmx_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmx_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmx_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmx_write(GUEST_SYSENTER_CS, 0);
	vmx_write(GUEST_SYSENTER_ESP, 0);
	vmx_write(GUEST_SYSENTER_EIP, 0);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv Intel VMX backend: per-CPU and per-vCPU state and the VMCS access
 * primitives. Field encodings, exit reasons and control bits come from
 * the kernel's <asm/vmx.h>; what is here is only hyv's own.
 */
#ifndef HYV_VMX_H
#define HYV_VMX_H

#include <linux/list.h>
#include <asm/asm.h>
#include <asm/vmx.h>

#include "../hyv.h"

/*
 * HYV_EXIT_FAIL_ENTRY's hardware_reason: the exit reason (bit 31 set) when
 * the guest state was refused, or this bit plus the VM-instruction error
 * number when VMLAUNCH/VMRESUME itself failed.
 */
#define HYV_VMX_FAIL_INSTRUCTION	BIT_ULL(63)

/* The controls hyv settled on at load, from the capability MSRs. */
struct vmx_config {
	u32 revision_id;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u32 preempt_ticks;		/* VMX-preemption timer value, or 0 */
	bool has_invvpid_single, has_invept_single;
	bool l1d_flush;			/* flush L1D before every entry (L1TF) */
};

extern struct vmx_config vmx_cfg;
extern unsigned long *vmx_msr_bitmap;

struct vmx_vcpu {
	void *vmcs;
	phys_addr_t vmcs_pa;
	int cpu;			/* where the VMCS is loaded, or -1 */
	bool launched;			/* VMRESUME, not VMLAUNCH, next */
	u16 vpid;			/* 0: none to be had, flush instead */
	u32 proc;			/* CPU_BASED_VM_EXEC_CONTROL as written */
	struct list_head loaded_link;	/* on the CPU's loaded_vmcss */
	u64 guest_kernel_gs_base;	/* not switched by VMX */
	/* The SYSCALL MSRs VMX does not switch (hyv_user_msr_load()). */
	u64 syscall_msr[HYV_NR_USER_MSRS];
	u64 host_cr3, host_cr4;		/* what HOST_CR3 and HOST_CR4 hold */
};

static inline struct vmx_vcpu *to_vmx(struct hyv_vcpu *vcpu)
{
	return vcpu->arch;
}

void vmx_insn_failed(const char *insn, unsigned long field);
void vmx_insn_fault(const char *insn, unsigned long field);

/*
 * Intel SDM vol. 3C §31.3: VMREAD/VMWRITE on the current VMCS. A failure
 * (no current VMCS, a bad field) is reported, not ignored; a fault (VMX
 * turned off under us, which only a reboot does) is caught.
 */
static __always_inline u64 vmx_read(unsigned long field)
{
	u64 value;

	asm_goto_output("1: vmread %[field], %[value]\n\t"
			"jna %l[fail]\n\t"
			_ASM_EXTABLE(1b, %l[fault])
			: [value] "=r"(value) : [field] "r"(field) : "cc"
			: fail, fault);
	return value;
fail:
	vmx_insn_failed("VMREAD", field);
	return 0;
fault:
	vmx_insn_fault("VMREAD", field);
	return 0;
}

static __always_inline void vmx_write(unsigned long field, u64 value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [field] "r"(field), [value] "rm"(value) : "cc"
		 : fail, fault);
	return;
fail:
	vmx_insn_failed("VMWRITE", field);
	return;
fault:
	vmx_insn_fault("VMWRITE", field);
}

/*
 * vmx_entry.S: returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed,
 * 2 if it faulted (VMX off: a reboot is under way).
 */
int hyv_vmx_enter(bool launched, u64 *gprs);
void hyv_vmx_exit_rip(void);
void hyv_vmx_do_nmi(void);

/* vmx_ept.c */
u64 vmx_ept_table_entry(phys_addr_t table);
u64 vmx_ept_leaf_entry(phys_addr_t page, unsigned int perms, bool huge);
bool vmx_ept_present(u64 entry);
bool vmx_ept_huge(u64 entry);
unsigned int vmx_ept_perms(u64 entry);
u64 vmx_eptp(phys_addr_t root);

/* vmx_vmcs.c */
void vmx_vmcs_init(struct hyv_vcpu *vcpu);
void vmx_vmcs_set_host_cpu_state(int cpu);
void vmx_get_sregs(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs);
int vmx_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs);
u64 vmx_get_cr(struct hyv_vcpu *vcpu, int cr);
void vmx_set_cr0(struct hyv_vcpu *vcpu, u64 cr0);
void vmx_set_cr4(struct hyv_vcpu *vcpu, u64 cr4);
u64 vmx_get_efer(struct hyv_vcpu *vcpu);
void vmx_set_efer(struct hyv_vcpu *vcpu, u64 efer);
int vmx_get_msr(struct hyv_vcpu *vcpu, u32 msr, u64 *val);
int vmx_set_msr(struct hyv_vcpu *vcpu, u32 msr, u64 val);
void vmx_msr_bitmap_init(unsigned long *bitmap);

/* vmx_run.c */
void vmx_vcpu_run(struct hyv_vcpu *vcpu, struct hyv_exit *exit);
void vmx_vcpu_load(struct hyv_vcpu *vcpu, int cpu);
void vmx_vcpu_put(struct hyv_vcpu *vcpu);
void vmx_flush_guest_tlb(struct hyv_vcpu *vcpu);
void vmx_vcpu_unload(struct hyv_vcpu *vcpu);
void vmx_clear_loaded_vmcss(void);
void vmx_init_loaded_lists(void);
int vmx_vmclear(phys_addr_t pa);
int vmx_vmptrld(phys_addr_t pa);
void vmx_dump(struct hyv_vcpu *vcpu);

/* vmx_event.c */
void vmx_inject_event(struct hyv_vcpu *vcpu, const struct hyv_event *ev);
bool vmx_irq_allowed(struct hyv_vcpu *vcpu);
bool vmx_nmi_allowed(struct hyv_vcpu *vcpu);
void vmx_enable_irq_window(struct hyv_vcpu *vcpu);
void vmx_enable_nmi_window(struct hyv_vcpu *vcpu);
void vmx_disable_window(struct hyv_vcpu *vcpu, u32 window);
bool vmx_get_nmi_masked(struct hyv_vcpu *vcpu);
void vmx_set_nmi_masked(struct hyv_vcpu *vcpu, bool masked);
bool vmx_get_interrupt_shadow(struct hyv_vcpu *vcpu);
void vmx_set_interrupt_shadow(struct hyv_vcpu *vcpu, bool shadow);
void vmx_read_vectoring(struct hyv_event *ev);

#endif /* HYV_VMX_H */

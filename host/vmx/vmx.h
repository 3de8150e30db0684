/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv Intel VMX backend: per-CPU and per-vCPU state and the VMCS access
 * primitives. Field encodings, exit reasons and control bits come from
 * the kernel's <asm/vmx.h>; what is here is only hyv's own.
 */
#ifndef HYV_VMX_H
#define HYV_VMX_H

#include <linux/list.h>
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
};

extern struct vmx_config vmx_cfg;

struct vmx_vcpu {
	void *vmcs;
	phys_addr_t vmcs_pa;
	int cpu;			/* where the VMCS is loaded, or -1 */
	bool launched;			/* VMRESUME, not VMLAUNCH, next */
	u16 vpid;
	struct list_head loaded_link;	/* on the CPU's loaded_vmcss */
	u64 guest_kernel_gs_base;	/* not switched by VMX */
	u64 host_cr3;			/* what HOST_CR3 holds now */
};

static inline struct vmx_vcpu *to_vmx(struct hyv_vcpu *vcpu)
{
	return vcpu->arch;
}

/* Intel SDM vol. 3C §31.3: VMREAD/VMWRITE on the current VMCS. */
static __always_inline u64 vmx_read(unsigned long field)
{
	u64 value;

	asm volatile("vmread %1, %0" : "=rm"(value) : "r"(field) : "cc");
	return value;
}

static __always_inline void vmx_write(unsigned long field, u64 value)
{
	asm volatile("vmwrite %1, %0" : : "r"(field), "rm"(value) : "cc");
}

/* vmx_entry.S: returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed. */
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
void vmx_get_paging(struct hyv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4,
		    u64 *efer);

/* vmx_run.c */
void vmx_vcpu_run(struct hyv_vcpu *vcpu, struct hyv_exit *exit);
void vmx_vcpu_load(struct hyv_vcpu *vcpu, int cpu);
void vmx_vcpu_load_here(struct hyv_vcpu *vcpu);
void vmx_flush_guest_tlb(struct hyv_vcpu *vcpu);
void vmx_vcpu_unload(struct hyv_vcpu *vcpu);
void vmx_clear_loaded_vmcss(void);
void vmx_init_loaded_lists(void);
int vmx_vmclear(phys_addr_t pa);
int vmx_vmptrld(phys_addr_t pa);

#endif /* HYV_VMX_H */

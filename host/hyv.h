/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv host core: the objects (VM, vCPU, memory slot), the decoded exit
 * record and the table of vendor operations that svm/ and vmx/ fill.
 */
#ifndef HYV_HYV_H
#define HYV_HYV_H

#include <linux/types.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/ratelimit.h>
#include <linux/hyv.h>
#include <asm/fpu/types.h>

#include "insn.h"
#include "lapic.h"

struct hyv_vm;
struct hyv_vcpu;

/* General-purpose registers, in the order the instruction encoding uses. */
enum hyv_gpr {
	HYV_RAX, HYV_RCX, HYV_RDX, HYV_RBX, HYV_RSP, HYV_RBP, HYV_RSI, HYV_RDI,
	HYV_R8, HYV_R9, HYV_R10, HYV_R11, HYV_R12, HYV_R13, HYV_R14, HYV_R15,
	HYV_NR_GPRS
};

/*
 * Why the guest stopped, in the core's words. The vendor translates its
 * own exit code into one of these; the core's handler table is indexed
 * by it (exit.c).
 */
enum hyv_exit_kind {
	HYV_X_UNKNOWN,		/* vendor code the backend does not map */
	HYV_X_HOST_EVENT,	/* host interrupt/NMI: nothing to do but re-enter */
	HYV_X_HLT,
	HYV_X_IO,
	HYV_X_CPUID,
	HYV_X_HYPERCALL,
	HYV_X_MSR_READ,
	HYV_X_MSR_WRITE,
	HYV_X_NPF,		/* nested page fault */
	HYV_X_SHUTDOWN,		/* triple fault */
	HYV_X_FAIL_ENTRY,	/* the CPU refused the guest state */
	HYV_X_UD,		/* instruction hyv refuses: inject #UD */
	HYV_X_SKIP,		/* instruction with no effect on a guest: skip */
	HYV_X_CR_ACCESS,	/* MOV to/from a control register */
	HYV_X_IRQ_WINDOW,	/* the guest can take an interrupt now */
	HYV_X_NR
};

struct hyv_exit {
	enum hyv_exit_kind kind;
	u32 insn_len;		/* 0: unknown, the core decodes it */
	u64 vendor_code;	/* raw vendor exit code, for userspace */
	u64 info1, info2;	/* raw vendor qualifiers */
	union {
		struct {
			u16 port;
			u8 size;
			bool in;
			bool string;
			bool rep;
			u64 next_rip;	/* 0: unknown */
		} io;
		struct {
			u64 gpa;
			bool write;
			bool fetch;
			bool present;	/* a mapping existed: permission fault */
		} npf;
		struct {
			u8 num;		/* CR number */
			u8 type;	/* HYV_CR_MOV_TO, HYV_CR_MOV_FROM, ... */
			u8 gpr;		/* enum hyv_gpr */
		} cr;
	};
};

#define HYV_CR_MOV_TO	0
#define HYV_CR_MOV_FROM	1
#define HYV_CR_GPR_UNKNOWN	0xff	/* the core decodes the MOV */

/* What a handler tells the run loop. */
enum hyv_exit_action {
	HYV_REENTER = 0,
	HYV_TO_USER = 1,
};

/* The address bits of a nested page-table entry (NPT and EPT alike). */
#define HYV_NPT_ADDR_MASK	GENMASK_ULL(51, 12)

/* Nested page-table entry permissions, as the core asks for them. */
#define HYV_NPT_READ	BIT(0)
#define HYV_NPT_WRITE	BIT(1)
#define HYV_NPT_EXEC	BIT(2)

/*
 * The seam between the core and a vendor backend. One instance per
 * backend, chosen at module load; nothing else in the core knows which.
 */
struct hyv_arch_ops {
	const char *name;
	int backend;			/* HYV_BACKEND_*, for HYV_CHECK_CAP */

	/* Whole-machine setup at load, teardown at unload. */
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	/* Turn the extension on/off on the calling CPU. */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);

	int (*vcpu_create)(struct hyv_vcpu *vcpu);
	void (*vcpu_destroy)(struct hyv_vcpu *vcpu);
	/* Make the vCPU's state current on this CPU (preemption off). */
	void (*vcpu_load)(struct hyv_vcpu *vcpu);
	/*
	 * Enter the guest once and decode why it left. Called after
	 * vcpu_load with interrupts disabled, and returns with them
	 * disabled; the core's register array is the source of truth on
	 * entry and is updated on return.
	 */
	void (*vcpu_run)(struct hyv_vcpu *vcpu, struct hyv_exit *exit);
	/* Drop the guest's cached translations at the next entry. */
	void (*flush_guest_tlb)(struct hyv_vcpu *vcpu);

	void (*get_sregs)(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs);
	int (*set_sregs)(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs);
	/* CS.base, CS.D/L, CR0, CR3, CR4, EFER for walking guest memory. */
	void (*get_paging)(struct hyv_vcpu *vcpu, u64 *cr0, u64 *cr3,
			   u64 *cr4, u64 *efer);
	u8 (*get_cpl)(struct hyv_vcpu *vcpu);
	/* The skipped instruction ended any STI / MOV SS shadow. */
	void (*clear_interrupt_shadow)(struct hyv_vcpu *vcpu);
	void (*queue_exception)(struct hyv_vcpu *vcpu, u8 vector,
				bool has_error, u32 error_code);

	/*
	 * Event injection, called before an entry with the vCPU loaded:
	 * is an event already queued for it (re-injection, exception); can
	 * the guest take an interrupt or NMI now (RFLAGS.IF, interrupt
	 * shadow, NMI blocking); inject one; or ask for an exit as soon as
	 * it can (HYV_X_IRQ_WINDOW).
	 */
	bool (*event_queued)(struct hyv_vcpu *vcpu);
	bool (*irq_allowed)(struct hyv_vcpu *vcpu);
	bool (*nmi_allowed)(struct hyv_vcpu *vcpu);
	void (*inject_irq)(struct hyv_vcpu *vcpu, u8 vector);
	void (*inject_nmi)(struct hyv_vcpu *vcpu);
	void (*enable_irq_window)(struct hyv_vcpu *vcpu);
	/* Exit once the guest's TPR lets @vector through (no-op if CR8 exits). */
	void (*enable_tpr_window)(struct hyv_vcpu *vcpu, u8 vector);

	/* Nested page-table entry formats (NPT: x86 PTEs; EPT: R/W/X). */
	u64 (*npt_table_entry)(phys_addr_t table);
	u64 (*npt_leaf_entry)(phys_addr_t page, unsigned int perms, bool huge);
	bool (*npt_present)(u64 entry);
	bool (*npt_huge)(u64 entry);		/* a 2 MiB leaf */
	unsigned int (*npt_perms)(u64 entry);	/* HYV_NPT_* of a leaf */
	/* Point the vCPU at the VM's nested page-table root. */
	void (*set_npt_root)(struct hyv_vcpu *vcpu, phys_addr_t root);
};

extern const struct hyv_arch_ops *hyv_ops;

/* Guest memory: a range of the VMM's address space at a guest address. */
struct hyv_slot {
	u64 gpa;
	u64 size;		/* 0: slot unused */
	unsigned long hva;
	u32 flags;		/* HYV_MEM_* */
	unsigned long *dirty_bitmap;	/* when HYV_MEM_LOG_DIRTY */
};

#define HYV_MMU_SPARE	4	/* table pages one fault may need */

/* The nested page table: four levels of 512 entries, filled on fault. */
struct hyv_mmu {
	spinlock_t lock;	/* the tables, the slots, the counters below */
	u64 *root;
	void *spare[HYV_MMU_SPARE];
	unsigned int nr_spare;
	u64 nr_4k, nr_2m;	/* leaves present */
	/* Host invalidations: a fault that saw another seq retries. */
	unsigned long invalidate_seq;
	unsigned int invalidate_in_progress;
};

/* Exit counters of one vCPU (see struct hyv_vm_stats). */
struct hyv_vcpu_stats {
	u64 exits;
	u64 exits_to_user;
	u64 exit_reason[HYV_STAT_EXIT_NR];
};

/*
 * Doorbells and irqfds of a VM (eventfd.c). Their limits per VM are in
 * the uapi (HYV_MAX_DOORBELLS, HYV_MAX_IRQFDS).
 */
#define HYV_DOORBELL_HASH_BITS	7

struct hyv_eventfds {
	struct mutex lock;		/* serialises assign and deassign */
	struct hlist_head doorbells[1 << HYV_DOORBELL_HASH_BITS];	/* RCU */
	unsigned int nr_doorbells;
	spinlock_t irqfds_lock;		/* irqfds, also from wake-ups: irqsave */
	struct list_head irqfds;
	unsigned int nr_irqfds;
};

void hyv_eventfd_vm_init(struct hyv_vm *vm);
void hyv_eventfd_vm_destroy(struct hyv_vm *vm);
int hyv_doorbell_ioctl(struct hyv_vm *vm, void __user *argp);
int hyv_doorbell_ring(struct hyv_vm *vm, u64 device, u64 queue);
int hyv_irqfd_ioctl(struct hyv_vm *vm, void __user *argp);

struct hyv_vm {
	struct kref ref;
	u32 id;
	struct mm_struct *mm;		/* the VMM's, for its memory slots */
	struct mutex lock;		/* guards changes to vcpus[] */
	struct hyv_vcpu __rcu *vcpus[HYV_MAX_VCPUS];
	struct mutex slots_lock;	/* serialises slot changes */
	struct hyv_slot slots[HYV_MAX_MEMORY_SLOTS];
	struct hyv_mmu mmu;
	struct mmu_notifier mmu_notifier;
	struct hyv_vcpu_stats retired_stats;	/* of closed vCPUs */
	struct dentry *debugfs;
	struct hyv_eventfds eventfds;	/* doorbells, irqfds: eventfd.c */
};

/* Where a vCPU is, for those who must kick it out of the guest. */
enum hyv_vcpu_mode {
	HYV_OUTSIDE_GUEST,
	HYV_IN_GUEST,
};

/* Work a vCPU must do before its next entry (bits in vcpu->requests). */
#define HYV_REQ_TLB_FLUSH	0
#define HYV_REQ_EVENT		1	/* an interrupt or NMI may be pending */
#define HYV_REQ_INIT		2
#define HYV_REQ_SIPI		3

struct hyv_vcpu {
	struct hyv_vm *vm;
	u32 id;
	int mode;			/* enum hyv_vcpu_mode */
	int cpu;			/* where it runs or last ran */
	unsigned long requests;
	u32 mp_state;			/* HYV_MP_STATE_* */
	wait_queue_head_t wq;		/* a blocked vCPU sleeps here */
	call_single_data_t kick_csd;	/* IPI that kicks it out of the guest */
	atomic_t kick_pending;
	struct hyv_lapic lapic;
	bool nmi_pending;
	u8 sipi_vector;
	u64 serial;			/* unique across all vCPUs ever made */
	struct mutex lock;		/* one ioctl at a time */
	struct hyv_run *run;		/* the mmapped page */
	struct fpu_guest fpu;

	u64 gpr[HYV_NR_GPRS];
	u64 rip;
	u64 rflags;
	/* Kept here by backends whose control block does not hold it. */
	u64 cr2;

	/* An IN waiting for userspace's data: where it goes on next RUN. */
	bool pending_in;
	u8 pending_in_size;
	/* An MMIO read waiting for userspace's data, and its decoded MOV. */
	bool pending_mmio_read;
	struct hyv_insn mmio_insn;

	struct hyv_vcpu_stats stats;
	void *arch;			/* the backend's per-vCPU state */
};

#define hyv_vm_warn(vm, fmt, ...) \
	pr_warn_ratelimited("hyv: vm%u: " fmt, (vm)->id, ##__VA_ARGS__)

/* dev.c */
int hyv_dev_register(void);
void hyv_dev_unregister(void);

/* vm.c */
int hyv_vm_create(unsigned long flags);
void hyv_vm_put(struct hyv_vm *vm);

/* vcpu.c */
int hyv_vcpu_create(struct hyv_vm *vm, unsigned long id);
void hyv_vcpu_free(struct hyv_vcpu *vcpu);
void hyv_vm_flush_tlbs(struct hyv_vm *vm);
void hyv_vcpu_wake(struct hyv_vcpu *vcpu, int request);
int hyv_vcpu_reset(struct hyv_vcpu *vcpu);

/* irq.c */
void hyv_irq_prepare_entry(struct hyv_vcpu *vcpu);
bool hyv_irq_can_wake(struct hyv_vcpu *vcpu);

/* msr.c */
int hyv_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val);
int hyv_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val);

/* mmu.c */
int hyv_mmu_init(struct hyv_vm *vm);
void hyv_mmu_destroy(struct hyv_vm *vm);
int hyv_mmu_handle_fault(struct hyv_vcpu *vcpu, const struct hyv_exit *exit,
			 bool *is_mmio);
void hyv_mmu_zap_range(struct hyv_vm *vm, u64 start, u64 end);
void hyv_mmu_wrprot_range(struct hyv_vm *vm, u64 start, u64 end);
int hyv_mmu_map_level(u64 gpa, u64 hva, u64 slot_gpa, u64 slot_size,
		      bool host_huge);

/* slot.c */
struct hyv_slot *hyv_slot_find(struct hyv_vm *vm, u64 gpa);
int hyv_slot_set(struct hyv_vm *vm, const struct hyv_memory_slot *req);
void hyv_slot_mark_dirty(struct hyv_slot *slot, u64 gpa);
int hyv_slot_get_dirty_log(struct hyv_vm *vm, void __user *argp);
bool hyv_slot_zap_hva(struct hyv_vm *vm, unsigned long start,
		      unsigned long end);
int hyv_mmu_read_gpa(struct hyv_vm *vm, u64 gpa, void *buf, unsigned int len);
void hyv_slots_destroy(struct hyv_vm *vm);

/* mmu_notifier.c */
int hyv_mmu_notifier_register(struct hyv_vm *vm);
void hyv_mmu_notifier_unregister(struct hyv_vm *vm);

/* exit.c */
int hyv_exit_handle(struct hyv_vcpu *vcpu, struct hyv_exit *exit);

/* emulate.c */
int hyv_emulate_decode(struct hyv_vcpu *vcpu, struct hyv_insn *insn);
int hyv_exit_skip_insn(struct hyv_vcpu *vcpu, const struct hyv_exit *exit);
int hyv_emulate_mmio(struct hyv_vcpu *vcpu, u64 gpa);
void hyv_emulate_mmio_done(struct hyv_vcpu *vcpu);

/* cpuid.c */
void hyv_cpuid(struct hyv_vcpu *vcpu);

/* hypercall.c */
void hyv_hypercall(struct hyv_vcpu *vcpu);

/* stats.c */
void hyv_stats_count_exit(struct hyv_vcpu *vcpu, const struct hyv_exit *exit,
			  int action);
void hyv_stats_retire_vcpu(struct hyv_vcpu *vcpu);
int hyv_stats_ioctl(struct hyv_vm *vm, void __user *argp);
void hyv_stats_vm_init(struct hyv_vm *vm);
void hyv_stats_vm_destroy(struct hyv_vm *vm);
void hyv_stats_init(void);
void hyv_stats_exit(void);

/* svm/svm.c, vmx/vmx.c */
const struct hyv_arch_ops *hyv_svm_probe(void);
const struct hyv_arch_ops *hyv_vmx_probe(void);

#endif /* HYV_HYV_H */

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

#include "guest_walk.h"
#include "insn.h"
#include "lapic.h"

/* Pages of string-I/O data mapped after the run page (pio.c). */
#define HYV_PIO_PAGES	4
#define HYV_PIO_BYTES	(HYV_PIO_PAGES * PAGE_SIZE)

struct hyv_vm;
struct hyv_vcpu;

/* A string instruction hyv carries out for the guest (string.c). */
struct hyv_str {
	struct hyv_guest_paging pg;
	u8 size;		/* element: 1, 2, 4 or 8 bytes */
	u8 addr_size;		/* 2, 4 or 8: RSI, RDI and RCX are this wide */
	u8 insn_len;
	u8 cpl;
	bool rep, down;		/* REP prefix, RFLAGS.DF */
	u64 lin_mask;		/* linear addresses wrap at 4 GiB outside long mode */
	u64 si_base, di_base;	/* DS (or override) and ES bases */
};

/* What the next RUN does with an MMIO exit's answer (struct hyv_mmio). */
enum hyv_mmio_op {
	HYV_MMIO_NONE,
	HYV_MMIO_READ,		/* MOV read: the data goes to a register */
	HYV_MMIO_XCHG,		/* the old value to the register, then a write */
	HYV_MMIO_STR_TO_RAM,	/* MOVS from MMIO: the elements to guest RAM */
	HYV_MMIO_STR_TO_MMIO,	/* MOVS MMIO to MMIO: the elements written */
};

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
	HYV_X_CR_ACCESS,	/* MOV to/from a control register, CLTS, LMSW */
	HYV_X_DR_ACCESS,	/* MOV to/from a debug register */
	HYV_X_IRQ_WINDOW,	/* the guest can take an interrupt now */
	HYV_X_NMI_WINDOW,	/* the guest can take an NMI now */
	HYV_X_EXCEPTION,	/* an intercepted exception: reflect it */
	HYV_X_XSETBV,
	HYV_X_GP,		/* instruction refused with #GP (RDPMC, ...) */
	HYV_X_MCE,		/* a host machine check hit the guest */
	HYV_X_NR
};

/*
 * An event the CPU delivers through the guest's IDT (SDM vol. 3C
 * §25.8.3 / AMD APM vol. 2 §15.20): what the core queues for injection,
 * and what a vendor reports when an exit interrupted its delivery.
 */
enum hyv_event_type {
	HYV_EVENT_NONE,
	HYV_EVENT_IRQ,		/* external interrupt (from the local APIC) */
	HYV_EVENT_NMI,
	HYV_EVENT_EXCEPTION,	/* hardware exception */
	HYV_EVENT_SOFT_INT,	/* INT n */
	HYV_EVENT_SOFT_EXC,	/* INT3, INTO */
	HYV_EVENT_PRIV_SOFT_EXC,	/* INT1 (ICEBP) */
};

struct hyv_event {
	u8 type;		/* enum hyv_event_type */
	u8 vector;
	bool has_error;
	u32 error_code;
	u32 insn_len;		/* software events: the INTn's length */
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
			bool walk;	/* by the guest's own page-table walk */
		} npf;
		struct {
			u8 num;		/* CR or DR number */
			u8 type;	/* HYV_CR_MOV_TO, HYV_CR_MOV_FROM, ... */
			u8 gpr;		/* enum hyv_gpr */
			u16 lmsw_data;	/* HYV_CR_LMSW: the source operand */
		} cr;			/* and DR accesses */
		struct {
			u8 vector;
			bool has_error;
			u8 soft_len;	/* INT1: its length, to deliver it again */
			u32 error_code;
			u64 payload;	/* #DB: DR6 bits; #PF: the address */
		} exc;
	};
	/* An event whose delivery this exit interrupted: deliver it again. */
	struct hyv_event vectoring;
};

#define HYV_CR_MOV_TO	0
#define HYV_CR_MOV_FROM	1
#define HYV_CR_CLTS	2
#define HYV_CR_LMSW	3
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

	/* Called with the vCPU loaded (hyv_vcpu_load) on this CPU. */
	int (*vcpu_create)(struct hyv_vcpu *vcpu);
	void (*vcpu_destroy)(struct hyv_vcpu *vcpu);
	/*
	 * The vCPU's thread runs on @cpu from now on (preemption off):
	 * make its control block current here, with this CPU's host
	 * state. vcpu_put: the thread leaves the CPU (or the ioctl ends).
	 * Every op below runs between the two, on the vCPU's own thread.
	 */
	void (*vcpu_load)(struct hyv_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct hyv_vcpu *vcpu);
	/*
	 * Enter the guest once and decode why it left. Called with
	 * interrupts disabled, and returns with them disabled; the core's
	 * register array is the source of truth on entry and is updated
	 * on return.
	 */
	void (*vcpu_run)(struct hyv_vcpu *vcpu, struct hyv_exit *exit);
	/* Drop the guest's cached translations at the next entry. */
	void (*flush_guest_tlb)(struct hyv_vcpu *vcpu);
	/* Print the control block (dump_on_error module parameter). */
	void (*dump)(struct hyv_vcpu *vcpu);

	void (*get_sregs)(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs);
	int (*set_sregs)(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs);
	/*
	 * Control registers and EFER as the guest sees them (cr.c checks
	 * every value before the vendor applies it): CR0, CR3 and CR4 by
	 * number.
	 */
	u64 (*get_cr)(struct hyv_vcpu *vcpu, int cr);
	void (*set_cr0)(struct hyv_vcpu *vcpu, u64 cr0);
	void (*set_cr4)(struct hyv_vcpu *vcpu, u64 cr4);
	u64 (*get_efer)(struct hyv_vcpu *vcpu);
	void (*set_efer)(struct hyv_vcpu *vcpu, u64 efer);
	/*
	 * MSRs whose guest value the vendor keeps (in its control block
	 * or its switch lists): 0, or -ENOENT for one it does not keep.
	 * msr.c has checked the value.
	 */
	int (*get_msr)(struct hyv_vcpu *vcpu, u32 msr, u64 *val);
	int (*set_msr)(struct hyv_vcpu *vcpu, u32 msr, u64 val);
	/* Guest TSC = host TSC + @offset from the next entry on. */
	void (*set_tsc_offset)(struct hyv_vcpu *vcpu, u64 offset);
	u8 (*get_cpl)(struct hyv_vcpu *vcpu);

	/*
	 * Event injection (irq.c decides what, the vendor how), called
	 * with the vCPU loaded and interrupts off just before an entry:
	 * program one event; can the guest take an interrupt or an NMI
	 * now; ask for an exit as soon as it can (HYV_X_IRQ_WINDOW,
	 * HYV_X_NMI_WINDOW); exit when CR8 drops below @vector (optional:
	 * not needed where CR8 writes always exit).
	 */
	void (*inject_event)(struct hyv_vcpu *vcpu, const struct hyv_event *ev);
	bool (*irq_allowed)(struct hyv_vcpu *vcpu);
	bool (*nmi_allowed)(struct hyv_vcpu *vcpu);
	void (*enable_irq_window)(struct hyv_vcpu *vcpu);
	void (*enable_nmi_window)(struct hyv_vcpu *vcpu);
	void (*enable_tpr_window)(struct hyv_vcpu *vcpu, u8 vector);
	/* NMI blocking (until the next IRET) and the STI/MOV SS shadow. */
	bool (*get_nmi_masked)(struct hyv_vcpu *vcpu);
	void (*set_nmi_masked)(struct hyv_vcpu *vcpu, bool masked);
	bool (*get_interrupt_shadow)(struct hyv_vcpu *vcpu);
	void (*set_interrupt_shadow)(struct hyv_vcpu *vcpu, bool shadow);

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

/*
 * Table pages one fault may need (a table per level below the root),
 * allocated by the faulting vCPU before it takes mmu.lock, as KVM's
 * kvm_mmu_memory_cache: no allocation under the spinlock, and no pool a
 * vCPU can drain for the others.
 */
#define HYV_MMU_CACHE_PAGES	3

struct hyv_mmu_cache {
	void *pages[HYV_MMU_CACHE_PAGES];
	unsigned int nr;
};

/* The nested page table: four levels of 512 entries, filled on fault. */
struct hyv_mmu {
	spinlock_t lock;	/* the tables, the slots, the counters below */
	u64 *root;
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

/*
 * Locks, outermost first (a lock is never taken while holding one listed
 * after it):
 *
 *   vcpu->lock (mutex)          one ioctl at a time on a vCPU
 *   vm->lock (mutex)            vcpus[] changes, stats collection
 *   vm->slots_lock (mutex)      slot changes
 *   vm->eventfds.lock (mutex)   doorbell and irqfd assign/deassign
 *   mmap lock (the VMM's)       MMU notifier callbacks run under it
 *   vm->mmu.lock (spinlock)     nested tables, slots, mapping counters
 *   eventfd wait-queue lock     held by the eventfd around irqfd wakeups
 *   eventfds.irqfds_lock        irqfd list (irqsave; also from wakeups)
 *   lapic->lock (spinlock)      APIC registers (irqsave; hrtimer, wakeups)
 *
 * vm->vcpus[] and the doorbell hash are read under RCU; vcpu->requests
 * and vcpu->mode are lock-free (run.c explains the ordering).
 */
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
	u64 tsc_offset;			/* new vCPUs' clock: 0 at VM creation */
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
#define HYV_REQ_TRIPLE_FAULT	4	/* an exception while delivering #DF */

/* An exception the core will deliver at the next entry (irq.c). */
struct hyv_pending_exception {
	bool pending;
	u8 vector;
	bool has_error;
	u32 error_code;
	bool has_payload;
	u64 payload;		/* #PF: CR2; #DB: DR6 bits */
};

struct hyv_vcpu {
	struct hyv_vm *vm;
	u32 id;
	int mode;			/* enum hyv_vcpu_mode */
	int cpu;			/* where it runs or last ran */
	unsigned long requests;
	u32 mp_state;			/* HYV_MP_STATE_* */
	bool ran;			/* RUN has been called: CPUID is fixed */
	wait_queue_head_t wq;		/* a blocked vCPU sleeps here */
	struct preempt_notifier preempt_notifier;	/* vcpu_load/put */
	struct hyv_lapic lapic;
	u8 sipi_vector;
	u64 serial;			/* unique across all vCPUs ever made */
	struct mutex lock;		/* one ioctl at a time */
	struct hyv_run *run;		/* the mmapped page */
	struct fpu_guest fpu;
	struct hyv_mmu_cache mmu_cache;	/* table pages for its faults */

	/* Events (irq.c): what the next entries deliver, in this order. */
	struct hyv_event injected;	/* interrupted by an exit: again */
	struct hyv_pending_exception exc;
	bool nmi_pending;

	u64 gpr[HYV_NR_GPRS];
	u64 rip;
	u64 rflags;
	u64 cr2;		/* loaded into the CPU around each entry */
	/*
	 * Debug registers as the guest sees them (dr.c). MOV DR always
	 * exits and the hardware runs the guest with DR7 = 0x400, so the
	 * host's breakpoints stay the host's.
	 */
	u64 db[4];
	u64 dr6, dr7;
	/* XCR0 and PKRU of the guest, swapped in around each entry. */
	u64 xcr0;
	u32 pkru;
	/* CPUID as this vCPU answers it (cpuid.c). */
	struct hyv_cpuid_entry *cpuid;
	u32 cpuid_nent;
	/* MSRs the core keeps (msr.c). */
	struct hyv_vcpu_msrs {
		u64 pat;
		u64 misc_enable;
		u64 tsc_offset;		/* guest TSC = host TSC + offset */
		u64 tsc_adjust;
		u64 mtrr_def_type;
		u64 mtrr_fixed[11];
		u64 mtrr_var[16];	/* base, mask pairs: 8 ranges */
		u64 tsc_aux;
		u64 mcg_status;
	} msr;

	/* An IN waiting for userspace's data: where it goes on next RUN. */
	bool pending_in;
	u8 pending_in_size;
	/*
	 * An MMIO exit whose answer (a read's data) or sequel (XCHG's
	 * write, a string's other side) the next RUN takes care of
	 * (emulate.c, mmio_string.c).
	 */
	struct hyv_mmio {
		u8 op;			/* enum hyv_mmio_op */
		struct hyv_insn insn;	/* MOV read, XCHG */
		struct hyv_str str;	/* MOVS, STOS */
		u32 count;		/* string: elements this exit */
		u64 dst_lin;		/* MOVS into RAM: where they go */
		u64 dst_gpa;		/* MOVS into MMIO: the write exit's */
	} mmio;
	/* String I/O (pio.c): the data area after the run page, an INS. */
	struct hyv_pio {
		u8 *data;		/* HYV_PIO_PAGES pages */
		bool pending;		/* INS waiting for the VMM's data */
		bool in;
		u16 port;
		u32 count;		/* elements this exit */
		u64 lin;		/* guest-linear address of the first */
		struct hyv_str str;
	} pio;

	struct hyv_vcpu_stats stats;
	void *arch;			/* the backend's per-vCPU state */
};

#define hyv_vm_warn(vm, fmt, ...) \
	pr_warn_ratelimited("vm%u: " fmt, (vm)->id, ##__VA_ARGS__)

/* Set by the reboot notifier: VMX/SVM instructions may fault from now on. */
extern bool hyv_rebooting;
/* The dump_on_error module parameter (main.c). */
extern bool hyv_dump_on_error;

/* user_msrs.c: MSRs a guest keeps until this CPU returns to userspace. */
enum hyv_user_msr {
	HYV_USER_MSR_STAR,
	HYV_USER_MSR_LSTAR,
	HYV_USER_MSR_CSTAR,
	HYV_USER_MSR_SFMASK,
	HYV_NR_USER_MSRS
};

void hyv_user_msr_load(enum hyv_user_msr slot, u64 val);
void hyv_user_msrs_drop(void);

/* dev.c */
int hyv_dev_register(void);
void hyv_dev_unregister(void);

/* vm.c */
int hyv_vm_create(unsigned long flags);
void hyv_vm_put(struct hyv_vm *vm);

/* vcpu.c */
int hyv_vcpu_create(struct hyv_vm *vm, unsigned long id);
void hyv_vcpu_free(struct hyv_vcpu *vcpu);
void hyv_vcpu_load(struct hyv_vcpu *vcpu);
void hyv_vcpu_put(struct hyv_vcpu *vcpu);
void hyv_sched_hook_disable(void);
bool hyv_on_qemu_tcg(void);
int hyv_vcpu_reset(struct hyv_vcpu *vcpu, bool power_on);

/* run.c */
extern u64 hyv_host_xcr0;
int hyv_vcpu_run(struct hyv_vcpu *vcpu);
void hyv_vm_flush_tlbs(struct hyv_vm *vm);
void hyv_vcpu_wake(struct hyv_vcpu *vcpu, int request);

/* irq.c */
int hyv_exc_merge(u8 first, u8 second);
void hyv_queue_exception(struct hyv_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code);
void hyv_queue_exception_payload(struct hyv_vcpu *vcpu, u8 vector,
				 bool has_error, u32 error_code,
				 bool has_payload, u64 payload);
void hyv_irq_prepare_entry(struct hyv_vcpu *vcpu);
bool hyv_irq_can_wake(struct hyv_vcpu *vcpu);
void hyv_irq_raise_nmi(struct hyv_vcpu *vcpu);
void hyv_irq_reset(struct hyv_vcpu *vcpu);
int hyv_irq_get_events(struct hyv_vcpu *vcpu, void __user *argp);
int hyv_irq_set_events(struct hyv_vcpu *vcpu, void __user *argp);

/* DR7.GD: MOV DR raises #DB, and DR6.BD says so (SDM vol. 3B §17.2). */
#define HYV_DR7_GD	BIT(13)
#define HYV_DR6_BD	BIT(13)

/* Power-on value of IA32_PAT (SDM vol. 3A §12.12.4; AMD APM vol. 2 §7.8.2). */
#define HYV_PAT_POWER_ON	0x0007040600070406ULL

/* x86 exception vectors the core raises (SDM vol. 3A table 6-1). */
#define HYV_DB_VECTOR	1
#define HYV_UD_VECTOR	6
#define HYV_GP_VECTOR	13
#define HYV_PF_VECTOR	14
#define HYV_AC_VECTOR	17
#define HYV_MC_VECTOR	18

/* msr.c */
bool hyv_pat_valid(u64 pat);
bool hyv_mtrr_valid(u32 msr, u64 val, unsigned int phys_bits);
u64 hyv_guest_tsc(struct hyv_vcpu *vcpu, u64 host_tsc);
void hyv_msr_reset(struct hyv_vcpu *vcpu, bool power_on);
int hyv_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val, bool host);
int hyv_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val, bool host);
int hyv_msr_index_list_ioctl(void __user *argp);
int hyv_msrs_ioctl(struct hyv_vcpu *vcpu, void __user *argp, bool set);

/* fpu.c */
/*
 * The MXCSR bits this CPU implements (arch/x86/kernel/fpu/init.c):
 * exported (GPL) but declared only in arch/x86/kernel/fpu/legacy.h.
 */
extern unsigned int mxcsr_feature_mask;
int hyv_fpu_get_xsave(struct hyv_vcpu *vcpu, void __user *argp);
int hyv_fpu_set_xsave(struct hyv_vcpu *vcpu, void __user *argp);
int hyv_fpu_get(struct hyv_vcpu *vcpu, void __user *argp);
int hyv_fpu_set(struct hyv_vcpu *vcpu, void __user *argp);
int hyv_fpu_get_xcrs(struct hyv_vcpu *vcpu, void __user *argp);
int hyv_fpu_set_xcrs(struct hyv_vcpu *vcpu, void __user *argp);

/* mmu.c */
int hyv_mmu_init(struct hyv_vm *vm);
void hyv_mmu_destroy(struct hyv_vm *vm);
int hyv_mmu_handle_fault(struct hyv_vcpu *vcpu, const struct hyv_exit *exit,
			 bool *is_mmio);
unsigned long hyv_mmu_seq(struct hyv_vm *vm);
void hyv_mmu_zap_range(struct hyv_vm *vm, u64 start, u64 end,
		       struct list_head *freed);
void hyv_mmu_wrprot_range(struct hyv_vm *vm, u64 start, u64 end,
			  struct list_head *freed);
void hyv_mmu_flush_and_free(struct hyv_vm *vm, struct list_head *freed);
void hyv_mmu_cache_free(struct hyv_mmu_cache *cache);
int hyv_mmu_map_level(u64 gpa, u64 hva, u64 slot_gpa, u64 slot_size,
		      bool host_huge);

/* slot.c */
struct hyv_slot *hyv_slot_find(struct hyv_vm *vm, u64 gpa);
int hyv_slot_set(struct hyv_vm *vm, const struct hyv_memory_slot *req);
void hyv_slot_mark_dirty(struct hyv_slot *slot, u64 gpa);
int hyv_slot_get_dirty_log(struct hyv_vm *vm, void __user *argp);
bool hyv_slot_zap_hva(struct hyv_vm *vm, unsigned long start,
		      unsigned long end, struct list_head *freed);
int hyv_mmu_read_gpa(struct hyv_vm *vm, u64 gpa, void *buf, unsigned int len);
int hyv_mmu_write_gpa(struct hyv_vm *vm, u64 gpa, const void *buf,
		      unsigned int len);
int hyv_mmu_gpa_usable(struct hyv_vm *vm, u64 gpa, bool write);
void hyv_slots_destroy(struct hyv_vm *vm);

/* mmu_notifier.c */
int hyv_mmu_notifier_register(struct hyv_vm *vm);
void hyv_mmu_notifier_unregister(struct hyv_vm *vm);

/* exit.c */
int hyv_exit_handle(struct hyv_vcpu *vcpu, struct hyv_exit *exit);

/* pio.c */
int hyv_pio_init(struct hyv_vcpu *vcpu);
void hyv_pio_destroy(struct hyv_vcpu *vcpu);
struct page *hyv_pio_page(struct hyv_vcpu *vcpu, unsigned long pgoff);
int hyv_pio_string(struct hyv_vcpu *vcpu, const struct hyv_exit *exit);
void hyv_pio_complete_ins(struct hyv_vcpu *vcpu);

/* string.c */
u64 hyv_str_mask(const struct hyv_str *st);
void hyv_str_begin(struct hyv_vcpu *vcpu, const struct hyv_insn *insn,
		   struct hyv_str *st);
u64 hyv_str_lin(struct hyv_vcpu *vcpu, const struct hyv_str *st, int gpr);
u32 hyv_str_batch(struct hyv_vcpu *vcpu, const struct hyv_str *st, int gpr,
		  u32 max_bytes);
int hyv_str_copy(struct hyv_vcpu *vcpu, const struct hyv_str *st, u64 lin,
		 u8 *buf, unsigned int len, bool write,
		 struct hyv_walk_result *res);
void hyv_str_fault(struct hyv_vcpu *vcpu, const struct hyv_walk_result *res,
		   u64 lin);
void hyv_str_advance(struct hyv_vcpu *vcpu, const struct hyv_str *st,
		     u32 n, bool si, bool di);

/* emulate.c */
void hyv_emulate_paging(struct hyv_vcpu *vcpu, struct hyv_guest_paging *pg,
			struct hyv_sregs *s);
unsigned int hyv_emulate_fetch_insn(struct hyv_vcpu *vcpu, u8 *buf,
				    enum hyv_cpu_mode *mode);
int hyv_emulate_decode(struct hyv_vcpu *vcpu, struct hyv_insn *insn);
int hyv_exit_skip_insn(struct hyv_vcpu *vcpu, const struct hyv_exit *exit);
int hyv_emulate_mmio(struct hyv_vcpu *vcpu, u64 gpa, bool write);
bool hyv_emulate_mmio_done(struct hyv_vcpu *vcpu);
void hyv_emulate_mmio_refused(struct hyv_vcpu *vcpu, u64 gpa);
void hyv_mmio_exit(struct hyv_vcpu *vcpu, u64 gpa, u32 len, bool write,
		   u32 count);

/* mmio_string.c */
int hyv_mmio_string(struct hyv_vcpu *vcpu, const struct hyv_insn *insn);
bool hyv_mmio_string_done(struct hyv_vcpu *vcpu);

/* cpuid.c: feature bits the core's policies depend on. */
enum hyv_feature {
	HYV_FEAT_PCID,
	HYV_FEAT_XSAVE,
	HYV_FEAT_MTRR,
	HYV_FEAT_FSGSBASE,
	HYV_FEAT_TSC_ADJUST,
	HYV_FEAT_SMEP,
	HYV_FEAT_SMAP,
	HYV_FEAT_UMIP,
	HYV_FEAT_NX,
	HYV_FEAT_FFXSR,
	HYV_FEAT_LM,
	HYV_FEAT_PV_EOI,
	HYV_FEAT_NR
};

int hyv_cpuid_vcpu_init(struct hyv_vcpu *vcpu);
int hyv_cpuid_get_supported(void __user *argp);
int hyv_cpuid_get(struct hyv_vcpu *vcpu, void __user *argp);
int hyv_cpuid_set(struct hyv_vcpu *vcpu, void __user *argp);
void hyv_cpuid_vcpu_destroy(struct hyv_vcpu *vcpu);
bool hyv_guest_has(struct hyv_vcpu *vcpu, enum hyv_feature f);
u32 hyv_xsave_size(u64 xcr0);
void hyv_cpuid(struct hyv_vcpu *vcpu);

/* pv_eoi.c */
int hyv_pv_eoi_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val, bool host);
int hyv_pv_eoi_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val, bool host);
void hyv_pv_eoi_arm(struct hyv_vcpu *vcpu);
void hyv_pv_eoi_sync(struct hyv_vcpu *vcpu);

/* cr.c */
u64 hyv_cr0(struct hyv_vcpu *vcpu);
u64 hyv_cr4(struct hyv_vcpu *vcpu);
u64 hyv_efer(struct hyv_vcpu *vcpu);
u64 hyv_cr4_allowed(struct hyv_vcpu *vcpu);
bool hyv_guest_64bit(struct hyv_vcpu *vcpu);
int hyv_efer_check(struct hyv_vcpu *vcpu, u64 efer);
u64 hyv_xcr0_supported(void);
int hyv_set_xcr0(struct hyv_vcpu *vcpu, u64 xcr0);
int hyv_set_cr0(struct hyv_vcpu *vcpu, u64 cr0);
int hyv_set_cr4(struct hyv_vcpu *vcpu, u64 cr4);
int hyv_set_efer(struct hyv_vcpu *vcpu, u64 efer, bool host);
int hyv_cr_write(struct hyv_vcpu *vcpu, int cr, u8 type, u64 val);

/* dr.c */
void hyv_dr_reset(struct hyv_vcpu *vcpu);
int hyv_dr_access(struct hyv_vcpu *vcpu, int dr, bool write, u64 *val);

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

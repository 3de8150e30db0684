// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation and reset, the vCPU fd (ioctls, the mmapped run page),
 * and vcpu_load/vcpu_put around the work of the vCPU's thread. The run
 * loop is in run.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/io.h>
#include <asm/processor-flags.h>

#include "hyv.h"

static atomic64_t hyv_vcpu_serials = ATOMIC64_INIT(0);

/* RFLAGS bits a VMM may set: everything architecturally defined. */
#define HYV_RFLAGS_VALID	(X86_EFLAGS_CF | X86_EFLAGS_FIXED | \
				 X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
				 X86_EFLAGS_SF | X86_EFLAGS_TF | X86_EFLAGS_IF | \
				 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_IOPL | \
				 X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | \
				 X86_EFLAGS_AC | X86_EFLAGS_VIF | X86_EFLAGS_VIP | \
				 X86_EFLAGS_ID)

/* ---- vcpu_load / vcpu_put ------------------------------------------------ */

static struct hyv_vcpu *hyv_pn_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct hyv_vcpu, preempt_notifier);
}

static void hyv_vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	hyv_ops->vcpu_load(hyv_pn_vcpu(pn), cpu);
}

static void hyv_vcpu_sched_out(struct preempt_notifier *pn,
			       struct task_struct *next)
{
	hyv_ops->vcpu_put(hyv_pn_vcpu(pn));
}

static struct preempt_ops hyv_vcpu_preempt_ops = {
	.sched_in	= hyv_vcpu_sched_in,
	.sched_out	= hyv_vcpu_sched_out,
};

/*
 * The scheduler calls preempt notifiers only while their static key is
 * on. hyv turns it on with its first vCPU rather than at load time, so a
 * host that loads hyv.ko without running guests keeps an unpatched
 * __schedule(); the key goes off again when hyv unloads. (Patching that
 * hot path is also the one step that QEMU's multi-threaded TCG can get
 * wrong in the testbed: see docs/testing.md.)
 */
static DEFINE_MUTEX(hyv_sched_hook_lock);
static bool hyv_sched_hook_on;

static void hyv_sched_hook_enable(void)
{
	mutex_lock(&hyv_sched_hook_lock);
	if (!hyv_sched_hook_on) {
		preempt_notifier_inc();
		hyv_sched_hook_on = true;
	}
	mutex_unlock(&hyv_sched_hook_lock);
}

/*
 * Module exit: no vCPU exists any more. Under QEMU's TCG the key stays
 * on: patching __schedule() back while the other emulated CPUs run it
 * left a stale INT3 there (L1 hung in rmmod hyv after the L2 suite, one
 * CPU looping through the INT3 handler at __schedule+0x7d3, the other
 * spinning in rmmod). A key left on costs an empty-list check per context
 * switch and nothing else: no notifier of hyv's is registered any more.
 */
void hyv_sched_hook_disable(void)
{
	if (hyv_sched_hook_on && !hyv_on_qemu_tcg())
		preempt_notifier_dec();
	else if (hyv_sched_hook_on)
		pr_info("on QEMU's TCG: the scheduler's preempt-notifier key stays on\n");
	hyv_sched_hook_on = false;
}

/*
 * The calling thread is about to work on the vCPU: its control block is
 * made current on this CPU with this CPU's host state, and stays so
 * across preemption and migration (the preempt notifier re-loads it
 * wherever the thread is scheduled in) until hyv_vcpu_put().
 */
void hyv_vcpu_load(struct hyv_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	hyv_ops->vcpu_load(vcpu, cpu);
	put_cpu();
}

void hyv_vcpu_put(struct hyv_vcpu *vcpu)
{
	preempt_disable();
	hyv_ops->vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static void hyv_vcpu_get_regs(struct hyv_vcpu *vcpu, struct hyv_regs *r)
{
	const u64 *g = vcpu->gpr;

	memset(r, 0, sizeof(*r));
	r->rax = g[HYV_RAX];
	r->rbx = g[HYV_RBX];
	r->rcx = g[HYV_RCX];
	r->rdx = g[HYV_RDX];
	r->rsi = g[HYV_RSI];
	r->rdi = g[HYV_RDI];
	r->rsp = g[HYV_RSP];
	r->rbp = g[HYV_RBP];
	r->r8 = g[HYV_R8];
	r->r9 = g[HYV_R9];
	r->r10 = g[HYV_R10];
	r->r11 = g[HYV_R11];
	r->r12 = g[HYV_R12];
	r->r13 = g[HYV_R13];
	r->r14 = g[HYV_R14];
	r->r15 = g[HYV_R15];
	r->rip = vcpu->rip;
	r->rflags = vcpu->rflags;
}

static int hyv_vcpu_set_regs(struct hyv_vcpu *vcpu, const struct hyv_regs *r)
{
	u64 *g = vcpu->gpr;

	if (r->flags || r->reserved || (r->rflags & ~HYV_RFLAGS_VALID))
		return -EINVAL;
	g[HYV_RAX] = r->rax;
	g[HYV_RBX] = r->rbx;
	g[HYV_RCX] = r->rcx;
	g[HYV_RDX] = r->rdx;
	g[HYV_RSI] = r->rsi;
	g[HYV_RDI] = r->rdi;
	g[HYV_RSP] = r->rsp;
	g[HYV_RBP] = r->rbp;
	g[HYV_R8] = r->r8;
	g[HYV_R9] = r->r9;
	g[HYV_R10] = r->r10;
	g[HYV_R11] = r->r11;
	g[HYV_R12] = r->r12;
	g[HYV_R13] = r->r13;
	g[HYV_R14] = r->r14;
	g[HYV_R15] = r->r15;
	vcpu->rip = r->rip;
	vcpu->rflags = r->rflags | X86_EFLAGS_FIXED;
	/* New registers cancel an IN, INS or MMIO access never completed. */
	vcpu->pending_in = false;
	vcpu->pio.pending = false;
	vcpu->mmio.op = HYV_MMIO_NONE;
	return 0;
}

static bool hyv_segment_valid(const struct hyv_segment *s)
{
	return !s->padding && s->type < 16 && s->dpl < 4 && s->present < 2 &&
	       s->db < 2 && s->s < 2 && s->l < 2 && s->g < 2 && s->avl < 2 &&
	       s->unusable < 2;
}

static bool hyv_dtable_valid(const struct hyv_dtable *d)
{
	return !d->padding[0] && !d->padding[1] && !d->padding[2];
}

static void hyv_vcpu_get_sregs(struct hyv_vcpu *vcpu, struct hyv_sregs *s)
{
	hyv_ops->get_sregs(vcpu, s);
	s->cr2 = vcpu->cr2;
	s->cr8 = hyv_lapic_get_cr8(vcpu);
}

/*
 * The VMM's special registers. What the architecture forbids in any mode
 * (reserved CR0/CR4/EFER bits, features the guest was not given) is
 * refused here; the CPU refuses inconsistent combinations at the next
 * entry (HYV_EXIT_FAIL_ENTRY).
 */
static int hyv_vcpu_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *s)
{
	const struct hyv_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	int i, ret;

	if (s->flags || memchr_inv(s->reserved, 0, sizeof(s->reserved)) ||
	    s->cr8 > 15)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (!hyv_segment_valid(segs[i]))
			return -EINVAL;
	if (!hyv_dtable_valid(&s->gdt) || !hyv_dtable_valid(&s->idt))
		return -EINVAL;
	if (s->cr0 >> 32 || (s->cr4 & ~hyv_cr4_allowed(vcpu)))
		return -EINVAL;
	ret = hyv_efer_check(vcpu, s->efer);
	if (ret)
		return ret;
	hyv_lapic_set_cr8(vcpu, s->cr8);
	vcpu->cr2 = s->cr2;
	return hyv_ops->set_sregs(vcpu, s);
}

/*
 * The architectural state after RESET (@power_on) or INIT (SDM vol. 3A
 * §9.1.1, table 9-1): registers, the local APIC, pending events, debug
 * registers; INIT keeps most MSRs, the TSC and the APIC base.
 */
int hyv_vcpu_reset(struct hyv_vcpu *vcpu, bool power_on)
{
	struct hyv_segment data = {
		.limit = 0xffff, .type = 3, .present = 1, .s = 1,
	};
	struct hyv_sregs s = {
		.ds = data, .es = data, .fs = data, .gs = data, .ss = data,
		.cs = { .base = 0xffff0000, .limit = 0xffff, .selector = 0xf000,
			.type = 11, .present = 1, .s = 1 },
		.tr = { .limit = 0xffff, .type = 11, .present = 1 },
		.ldt = { .limit = 0xffff, .type = 2, .present = 1 },
		.gdt = { .limit = 0xffff },
		.idt = { .limit = 0xffff },
		.cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW,
	};

	memset(vcpu->gpr, 0, sizeof(vcpu->gpr));
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->cr2 = 0;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	vcpu->pending_in = false;
	vcpu->pio.pending = false;
	vcpu->mmio.op = HYV_MMIO_NONE;
	hyv_dr_reset(vcpu);
	hyv_lapic_reset(vcpu, power_on);
	hyv_irq_reset(vcpu);
	if (power_on)
		hyv_msr_reset(vcpu, true);
	return hyv_ops->set_sregs(vcpu, &s);
}

static long hyv_vcpu_ioctl_locked(struct hyv_vcpu *vcpu, unsigned int cmd,
				  void __user *argp)
{
	union {
		struct hyv_regs regs;
		struct hyv_sregs sregs;
		struct hyv_mp_state mp;
	} u;

	switch (cmd) {
	case HYV_RUN:
		return argp ? -EINVAL : hyv_vcpu_run(vcpu);
	case HYV_GET_REGS:
		hyv_vcpu_get_regs(vcpu, &u.regs);
		return copy_to_user(argp, &u.regs, sizeof(u.regs)) ? -EFAULT : 0;
	case HYV_SET_REGS:
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			return -EFAULT;
		return hyv_vcpu_set_regs(vcpu, &u.regs);
	case HYV_GET_SREGS:
		hyv_vcpu_get_sregs(vcpu, &u.sregs);
		return copy_to_user(argp, &u.sregs, sizeof(u.sregs)) ? -EFAULT : 0;
	case HYV_SET_SREGS:
		if (copy_from_user(&u.sregs, argp, sizeof(u.sregs)))
			return -EFAULT;
		return hyv_vcpu_set_sregs(vcpu, &u.sregs);
	case HYV_GET_MP_STATE:
		u.mp.state = vcpu->mp_state;
		u.mp.flags = 0;
		return copy_to_user(argp, &u.mp, sizeof(u.mp)) ? -EFAULT : 0;
	case HYV_SET_MP_STATE:
		if (copy_from_user(&u.mp, argp, sizeof(u.mp)))
			return -EFAULT;
		if (u.mp.flags || u.mp.state > HYV_MP_STATE_HALTED)
			return -EINVAL;
		vcpu->mp_state = u.mp.state;
		return 0;
	case HYV_NMI:
		if (argp)
			return -EINVAL;
		hyv_irq_raise_nmi(vcpu);
		return 0;
	case HYV_SET_CPUID:
		return hyv_cpuid_set(vcpu, argp);
	case HYV_GET_CPUID:
		return hyv_cpuid_get(vcpu, argp);
	case HYV_GET_MSRS:
		return hyv_msrs_ioctl(vcpu, argp, false);
	case HYV_SET_MSRS:
		return hyv_msrs_ioctl(vcpu, argp, true);
	case HYV_GET_XSAVE:
		return hyv_fpu_get_xsave(vcpu, argp);
	case HYV_SET_XSAVE:
		return hyv_fpu_set_xsave(vcpu, argp);
	case HYV_GET_FPU:
		return hyv_fpu_get(vcpu, argp);
	case HYV_SET_FPU:
		return hyv_fpu_set(vcpu, argp);
	case HYV_GET_XCRS:
		return hyv_fpu_get_xcrs(vcpu, argp);
	case HYV_SET_XCRS:
		return hyv_fpu_set_xcrs(vcpu, argp);
	case HYV_GET_VCPU_EVENTS:
		return hyv_irq_get_events(vcpu, argp);
	case HYV_SET_VCPU_EVENTS:
		return hyv_irq_set_events(vcpu, argp);
	default:
		return -ENOTTY;
	}
}

static int hyv_vcpu_interrupt(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.flags || irq.vector < 16 || irq.vector > 255)
		return -EINVAL;
	hyv_lapic_set_irq(vcpu, irq.vector);
	return 0;
}

static long hyv_vcpu_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct hyv_vcpu *vcpu = file->private_data;
	long ret;

	/* Guest memory is the creator's: the vCPU runs only in its mm. */
	if (current->mm != vcpu->vm->mm)
		return -EIO;
	/* Meant for a vCPU that may be in RUN, asleep: no vCPU lock. */
	if (cmd == HYV_INTERRUPT)
		return hyv_vcpu_interrupt(vcpu, (void __user *)arg);
	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;
	hyv_vcpu_load(vcpu);
	ret = hyv_vcpu_ioctl_locked(vcpu, cmd, (void __user *)arg);
	hyv_vcpu_put(vcpu);
	mutex_unlock(&vcpu->lock);
	return ret;
}

static vm_fault_t hyv_vcpu_fault(struct vm_fault *vmf)
{
	struct hyv_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	/* Page 0: the run page; then the string-I/O data area. */
	if (vmf->pgoff > HYV_PIO_PAGES)
		return VM_FAULT_SIGBUS;
	page = vmf->pgoff ? hyv_pio_page(vcpu, vmf->pgoff) :
			    virt_to_page(vcpu->run);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct hyv_vcpu_vm_ops = {
	.fault = hyv_vcpu_fault,
};

static int hyv_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff != 0 || vma_pages(vma) > 1 + HYV_PIO_PAGES)
		return -EINVAL;
	vma->vm_ops = &hyv_vcpu_vm_ops;
	return 0;
}

static int hyv_vcpu_release(struct inode *inode, struct file *file)
{
	struct hyv_vcpu *vcpu = file->private_data;
	struct hyv_vm *vm = vcpu->vm;

	mutex_lock(&vm->lock);
	RCU_INIT_POINTER(vm->vcpus[vcpu->id], NULL);
	hyv_stats_retire_vcpu(vcpu);
	mutex_unlock(&vm->lock);
	synchronize_rcu();	/* hyv_vm_flush_tlbs() may still look at it */
	hyv_vcpu_free(vcpu);
	hyv_vm_put(vm);
	return 0;
}

static const struct file_operations hyv_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= hyv_vcpu_release,
	.unlocked_ioctl	= hyv_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= hyv_vcpu_mmap,
	.llseek		= noop_llseek,
};

void hyv_vcpu_free(struct hyv_vcpu *vcpu)
{
	hyv_lapic_destroy(vcpu);
	if (vcpu->arch)
		hyv_ops->vcpu_destroy(vcpu);
	hyv_mmu_cache_free(&vcpu->mmu_cache);
	hyv_cpuid_vcpu_destroy(vcpu);
	hyv_pio_destroy(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

/* Everything a vCPU owns, in power-on state; ERR_PTR(-errno) on failure. */
static struct hyv_vcpu *hyv_vcpu_alloc(struct hyv_vm *vm, u32 id)
{
	struct hyv_vcpu *vcpu;
	int ret = -ENOMEM;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->serial = atomic64_inc_return(&hyv_vcpu_serials);
	hyv_sched_hook_enable();
	mutex_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wq);
	preempt_notifier_init(&vcpu->preempt_notifier, &hyv_vcpu_preempt_ops);
	vcpu->mp_state = HYV_MP_STATE_RUNNABLE;
	hyv_lapic_init(vcpu);
	vcpu->run = (struct hyv_run *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto err;
	if (!fpu_alloc_guest_fpstate(&vcpu->fpu))
		goto err_run;
	ret = hyv_cpuid_vcpu_init(vcpu);
	if (ret)
		goto err_fpu;
	ret = hyv_pio_init(vcpu);
	if (ret)
		goto err_cpuid;
	ret = hyv_ops->vcpu_create(vcpu);
	if (ret)
		goto err_pio;
	hyv_vcpu_load(vcpu);
	hyv_ops->set_npt_root(vcpu, virt_to_phys(vm->mmu.root));
	ret = hyv_vcpu_reset(vcpu, true);
	hyv_vcpu_put(vcpu);
	if (ret)
		goto err_arch;
	return vcpu;

err_arch:
	hyv_ops->vcpu_destroy(vcpu);
err_pio:
	hyv_pio_destroy(vcpu);
err_cpuid:
	hyv_cpuid_vcpu_destroy(vcpu);
err_fpu:
	fpu_free_guest_fpstate(&vcpu->fpu);
err_run:
	free_page((unsigned long)vcpu->run);
err:
	kfree(vcpu);
	return ERR_PTR(ret);
}

int hyv_vcpu_create(struct hyv_vm *vm, unsigned long id)
{
	struct hyv_vcpu *vcpu;
	int fd;

	if (id >= HYV_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (rcu_access_pointer(vm->vcpus[id])) {
		fd = -EEXIST;
		goto out;
	}
	vcpu = hyv_vcpu_alloc(vm, id);
	if (IS_ERR(vcpu)) {
		fd = PTR_ERR(vcpu);
		goto out;
	}
	/*
	 * Visible to TLB flushes, kicks and IPIs before userspace can run
	 * it: the fd comes last, and nothing touches the vCPU after it.
	 */
	rcu_assign_pointer(vm->vcpus[id], vcpu);
	kref_get(&vm->ref);
	fd = anon_inode_getfd("hyv-vcpu", &hyv_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		RCU_INIT_POINTER(vm->vcpus[id], NULL);
		synchronize_rcu();
		hyv_vcpu_free(vcpu);
		hyv_vm_put(vm);
	}
out:
	mutex_unlock(&vm->lock);
	return fd;
}

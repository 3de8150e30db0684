// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation, the vCPU fd (ioctls, the mmapped run page) and the run
 * loop that enters the guest until an exit needs userspace.
 */
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

/* The result of an IN lands in AL, AX or EAX with the CPU's merge rules. */
static void hyv_vcpu_complete_in(struct hyv_vcpu *vcpu)
{
	u64 *rax = &vcpu->gpr[HYV_RAX];
	u32 data = READ_ONCE(vcpu->run->io.data);

	switch (vcpu->pending_in_size) {
	case 1:
		*rax = (*rax & ~0xffULL) | (u8)data;
		break;
	case 2:
		*rax = (*rax & ~0xffffULL) | (u16)data;
		break;
	default:
		*rax = data;	/* a 32-bit write zero-extends */
		break;
	}
	vcpu->pending_in = false;
}

/*
 * One guest entry. The mode store and the request check are ordered
 * against hyv_vm_flush_tlbs()'s request set and mode load, so that either
 * this entry sees the request or the flusher sees IN_GUEST and kicks.
 */
/* Requests that make a vCPU about to enter go round the loop once more. */
#define HYV_REQ_CANCEL_ENTRY	(BIT(HYV_REQ_EVENT) | BIT(HYV_REQ_INIT) | \
				 BIT(HYV_REQ_SIPI))

static bool hyv_vcpu_enter(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	bool entered = false;

	preempt_disable();
	hyv_ops->vcpu_load(vcpu);
	hyv_irq_prepare_entry(vcpu);
	local_irq_disable();
	vcpu->cpu = smp_processor_id();
	/* Pairs with the barriers in hyv_vm_flush_tlbs(), hyv_vcpu_wake(). */
	smp_store_mb(vcpu->mode, HYV_IN_GUEST);
	if (!(READ_ONCE(vcpu->requests) & HYV_REQ_CANCEL_ENTRY)) {
		/*
		 * A context switch since RUN began left the guest's FPU state
		 * in memory only: load it, the guest runs on the registers.
		 */
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		if (test_and_clear_bit(HYV_REQ_TLB_FLUSH, &vcpu->requests))
			hyv_ops->flush_guest_tlb(vcpu);
		hyv_ops->vcpu_run(vcpu, exit);
		entered = true;
	}
	WRITE_ONCE(vcpu->mode, HYV_OUTSIDE_GUEST);
	local_irq_enable();
	preempt_enable();
	return entered;
}

static void hyv_vcpu_kick_ipi(void *info)
{
	struct hyv_vcpu *vcpu = info;

	/* The interrupt itself made the vCPU leave the guest. */
	atomic_set(&vcpu->kick_pending, 0);
}

/*
 * Ask a vCPU to do @request before it next enters the guest: wake it if
 * it sleeps, kick it out with an IPI if it is in the guest. Any context,
 * hard interrupts included.
 */
void hyv_vcpu_wake(struct hyv_vcpu *vcpu, int request)
{
	int cpu;

	set_bit(request, &vcpu->requests);
	/* Pairs with the one in hyv_vcpu_enter(). */
	smp_mb__after_atomic();
	wake_up_interruptible(&vcpu->wq);
	if (READ_ONCE(vcpu->mode) != HYV_IN_GUEST)
		return;
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu == raw_smp_processor_id() || atomic_xchg(&vcpu->kick_pending, 1))
		return;
	if (smp_call_function_single_async(cpu, &vcpu->kick_csd))
		atomic_set(&vcpu->kick_pending, 0);
}

/* INIT and SIPI, done by the vCPU's own thread (SDM vol. 3A §8.4). */
static void hyv_vcpu_do_requests(struct hyv_vcpu *vcpu)
{
	struct hyv_sregs s;

	if (test_and_clear_bit(HYV_REQ_INIT, &vcpu->requests)) {
		hyv_vcpu_reset(vcpu);
		vcpu->mp_state = HYV_MP_STATE_INIT_RECEIVED;
	}
	if (test_and_clear_bit(HYV_REQ_SIPI, &vcpu->requests) &&
	    vcpu->mp_state == HYV_MP_STATE_INIT_RECEIVED) {
		u8 vector = READ_ONCE(vcpu->sipi_vector);

		hyv_ops->get_sregs(vcpu, &s);
		s.cs.selector = vector << 8;
		s.cs.base = (u64)vector << 12;
		hyv_ops->set_sregs(vcpu, &s);
		vcpu->rip = 0;
		vcpu->mp_state = HYV_MP_STATE_RUNNABLE;
	}
	if (vcpu->mp_state == HYV_MP_STATE_HALTED && hyv_irq_can_wake(vcpu))
		vcpu->mp_state = HYV_MP_STATE_RUNNABLE;
}

static bool hyv_vcpu_ready(struct hyv_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->requests) & (BIT(HYV_REQ_INIT) | BIT(HYV_REQ_SIPI)))
		return true;
	if (vcpu->mp_state == HYV_MP_STATE_HALTED)
		return hyv_irq_can_wake(vcpu);
	return vcpu->mp_state == HYV_MP_STATE_RUNNABLE;
}

static void hyv_vcpu_flush_ipi(void *unused)
{
	/* The interrupt itself made the vCPU leave the guest. */
}

/*
 * Make every vCPU drop its guest TLB before it next runs guest code, and
 * wait until none still runs with the old one.
 */
void hyv_vm_flush_tlbs(struct hyv_vm *vm)
{
	int i;

	rcu_read_lock();
	for (i = 0; i < HYV_MAX_VCPUS; i++) {
		struct hyv_vcpu *vcpu = rcu_dereference(vm->vcpus[i]);

		if (!vcpu)
			continue;
		set_bit(HYV_REQ_TLB_FLUSH, &vcpu->requests);
		/* Pairs with the one in hyv_vcpu_enter(). */
		smp_mb__after_atomic();
		if (READ_ONCE(vcpu->mode) == HYV_IN_GUEST)
			smp_call_function_single(READ_ONCE(vcpu->cpu),
						 hyv_vcpu_flush_ipi, NULL, 1);
	}
	rcu_read_unlock();
}

static int hyv_vcpu_run(struct hyv_vcpu *vcpu)
{
	struct hyv_run *run = vcpu->run;
	struct hyv_exit exit;
	int ret;

	if (vcpu->pending_in)
		hyv_vcpu_complete_in(vcpu);
	if (vcpu->pending_mmio_read)
		hyv_emulate_mmio_done(vcpu);

	run->exit_reason = HYV_EXIT_NONE;
	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = HYV_EXIT_INTR;
		return -EINTR;
	}

	fpu_swap_kvm_fpstate(&vcpu->fpu, true);
	for (;;) {
		hyv_vcpu_do_requests(vcpu);
		if (vcpu->mp_state != HYV_MP_STATE_RUNNABLE &&
		    wait_event_interruptible(vcpu->wq, hyv_vcpu_ready(vcpu))) {
			run->exit_reason = HYV_EXIT_INTR;
			ret = -EINTR;
			break;
		}
		if (vcpu->mp_state != HYV_MP_STATE_RUNNABLE)
			continue;
		if (signal_pending(current)) {
			run->exit_reason = HYV_EXIT_INTR;
			ret = -EINTR;
			break;
		}
		cond_resched();

		if (!hyv_vcpu_enter(vcpu, &exit))
			continue;
		ret = hyv_exit_handle(vcpu, &exit);
		hyv_stats_count_exit(vcpu, &exit, ret);
		if (ret != HYV_REENTER)
			break;
	}
	fpu_swap_kvm_fpstate(&vcpu->fpu, false);
	return ret < 0 ? ret : 0;
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
	/* New registers cancel an IN or MMIO read never completed. */
	vcpu->pending_in = false;
	vcpu->pending_mmio_read = false;
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

static int hyv_vcpu_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *s)
{
	const struct hyv_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	int i;

	if (s->flags || memchr_inv(s->reserved, 0, sizeof(s->reserved)) ||
	    s->cr8 > 15)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (!hyv_segment_valid(segs[i]))
			return -EINVAL;
	if (!hyv_dtable_valid(&s->gdt) || !hyv_dtable_valid(&s->idt))
		return -EINVAL;
	hyv_lapic_set_cr8(vcpu, s->cr8);
	return hyv_ops->set_sregs(vcpu, s);
}

/* The architectural state after RESET or INIT (Intel SDM vol. 3A §9.1.1). */
int hyv_vcpu_reset(struct hyv_vcpu *vcpu)
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
		hyv_ops->get_sregs(vcpu, &u.sregs);
		u.sregs.cr8 = hyv_lapic_get_cr8(vcpu);
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
	ret = hyv_vcpu_ioctl_locked(vcpu, cmd, (void __user *)arg);
	mutex_unlock(&vcpu->lock);
	return ret;
}

static vm_fault_t hyv_vcpu_fault(struct vm_fault *vmf)
{
	struct hyv_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff != 0)
		return VM_FAULT_SIGBUS;
	page = virt_to_page(vcpu->run);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct hyv_vcpu_vm_ops = {
	.fault = hyv_vcpu_fault,
};

static int hyv_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff != 0 || vma_pages(vma) != 1)
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
	/* A kick IPI in flight still points at this vCPU. */
	while (atomic_read(&vcpu->kick_pending))
		cpu_relax();
	if (vcpu->arch)
		hyv_ops->vcpu_destroy(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

static struct hyv_vcpu *hyv_vcpu_alloc(struct hyv_vm *vm, u32 id)
{
	struct hyv_vcpu *vcpu;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->serial = atomic64_inc_return(&hyv_vcpu_serials);
	mutex_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wq);
	INIT_CSD(&vcpu->kick_csd, hyv_vcpu_kick_ipi, vcpu);
	vcpu->mp_state = HYV_MP_STATE_RUNNABLE;
	hyv_lapic_init(vcpu);
	vcpu->run = (struct hyv_run *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto err;
	if (!fpu_alloc_guest_fpstate(&vcpu->fpu))
		goto err_run;
	if (hyv_ops->vcpu_create(vcpu))
		goto err_fpu;
	if (hyv_vcpu_reset(vcpu))
		goto err_fpu;
	hyv_ops->set_npt_root(vcpu, virt_to_phys(vm->mmu.root));
	return vcpu;

err_fpu:
	if (vcpu->arch)
		hyv_ops->vcpu_destroy(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
err_run:
	free_page((unsigned long)vcpu->run);
err:
	kfree(vcpu);
	return NULL;
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
	if (!vcpu) {
		fd = -ENOMEM;
		goto out;
	}
	kref_get(&vm->ref);
	fd = anon_inode_getfd("hyv-vcpu", &hyv_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		hyv_vcpu_free(vcpu);
		hyv_vm_put(vm);
		goto out;
	}
	rcu_assign_pointer(vm->vcpus[id], vcpu);
out:
	mutex_unlock(&vm->lock);
	return fd;
}

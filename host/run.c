// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: HYV_RUN enters the guest until an exit needs userspace.
 * Around each entry: requests from other threads (TLB flushes, INIT,
 * SIPI, events), sleeping while halted, the guest's XCR0 and the host's
 * debug registers, and kicking a vCPU out of the guest from anywhere.
 * Runs on the vCPU's thread with the vCPU loaded (vcpu.c), except
 * hyv_vcpu_wake() and hyv_vm_flush_tlbs(), which any thread may call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>

#include "hyv.h"

/* Requests that make a vCPU about to enter go round the loop once more. */
#define HYV_REQ_CANCEL_ENTRY	(BIT(HYV_REQ_EVENT) | BIT(HYV_REQ_INIT) | \
				 BIT(HYV_REQ_SIPI) | BIT(HYV_REQ_TRIPLE_FAULT))

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
 * The guest runs with its own XCR0 when it has XSAVE on (CR4.OSXSAVE);
 * otherwise XSAVE and AVX instructions fault for it and the host's stays.
 * Interrupts are off: nothing in the host runs with the guest's.
 */
static bool hyv_load_guest_xcr0(struct hyv_vcpu *vcpu)
{
	if (!hyv_host_xcr0 || !(hyv_cr4(vcpu) & X86_CR4_OSXSAVE))
		return false;
	if (vcpu->xcr0 != hyv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	return true;
}

/*
 * After the exit: the host's XCR0 and PKRU back, whatever the guest did.
 * XSETBV always exits on real CPUs, but QEMU's SVM does not intercept it,
 * so the CPU's XCR0 is read back rather than trusted: it is the guest's
 * when the guest has XSAVE on. PKRU is compared too, for a guest that
 * reached it through XRSTOR on such a CPU.
 */
static void hyv_restore_host_xstate(struct hyv_vcpu *vcpu, bool guest_xcr0,
				    u32 host_pkru)
{
	u64 xcr0;

	if (hyv_host_xcr0) {
		xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (guest_xcr0)
			vcpu->xcr0 = xcr0;
		if (xcr0 != hyv_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, hyv_host_xcr0);
	}
	if (cpu_feature_enabled(X86_FEATURE_OSPKE) && rdpkru() != host_pkru)
		wrpkru(host_pkru);
}

/*
 * One guest entry, with interrupts off from the last request check to
 * the exit. The mode store and the request check are ordered against
 * hyv_vm_flush_tlbs()'s and hyv_vcpu_wake()'s request set and mode load:
 * either this entry sees the request or the other side sees IN_GUEST
 * and kicks. Events are chosen after the check, so none is programmed
 * into an entry that does not happen.
 */
static bool hyv_vcpu_enter(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	bool entered = false, xcr0;
	u32 host_pkru;

	local_irq_disable();
	vcpu->cpu = smp_processor_id();
	clear_bit(HYV_REQ_EVENT, &vcpu->requests);
	/* Pairs with the barriers in hyv_vm_flush_tlbs(), hyv_vcpu_wake(). */
	smp_store_mb(vcpu->mode, HYV_IN_GUEST);
	if (!(READ_ONCE(vcpu->requests) & HYV_REQ_CANCEL_ENTRY) &&
	    !READ_ONCE(hyv_rebooting)) {
		/*
		 * A context switch since RUN began left the guest's FPU state
		 * in memory only: load it, the guest runs on the registers.
		 */
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		if (test_and_clear_bit(HYV_REQ_TLB_FLUSH, &vcpu->requests))
			hyv_ops->flush_guest_tlb(vcpu);
		hyv_irq_prepare_entry(vcpu);
		host_pkru = cpu_feature_enabled(X86_FEATURE_OSPKE) ? rdpkru() : 0;
		xcr0 = hyv_load_guest_xcr0(vcpu);
		hyv_ops->vcpu_run(vcpu, exit);
		hyv_restore_host_xstate(vcpu, xcr0, host_pkru);
		/* The exit left DR7 = 0x400: the host's breakpoints back. */
		if (hw_breakpoint_active())
			hw_breakpoint_restore();
		entered = true;
	}
	WRITE_ONCE(vcpu->mode, HYV_OUTSIDE_GUEST);
	local_irq_enable();
	return entered;
}

/*
 * Ask a vCPU to do @request before it next enters the guest: wake it if
 * it sleeps, kick it out with an IPI if it is in the guest. Any context,
 * hard interrupts included. The kick is the scheduler's reschedule IPI,
 * as KVM's: any interrupt makes the CPU leave the guest, and this one
 * carries no state that a second kick could find busy.
 */
void hyv_vcpu_wake(struct hyv_vcpu *vcpu, int request)
{
	int cpu, me;

	set_bit(request, &vcpu->requests);
	/* Pairs with the one in hyv_vcpu_enter(). */
	smp_mb__after_atomic();
	wake_up_interruptible(&vcpu->wq);
	if (READ_ONCE(vcpu->mode) != HYV_IN_GUEST)
		return;
	me = get_cpu();
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu != me && cpu_online(cpu))
		smp_send_reschedule(cpu);
	put_cpu();
}

/* INIT and SIPI, done by the vCPU's own thread (SDM vol. 3A §8.4). */
static void hyv_vcpu_do_requests(struct hyv_vcpu *vcpu)
{
	struct hyv_sregs s;

	if (test_and_clear_bit(HYV_REQ_INIT, &vcpu->requests)) {
		hyv_vcpu_reset(vcpu, false);
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

/* The guest's triple fault, or an exception while it delivered #DF. */
static int hyv_vcpu_shutdown(struct hyv_vcpu *vcpu)
{
	vcpu->run->exit_reason = HYV_EXIT_SHUTDOWN;
	return HYV_TO_USER;
}

/*
 * Take note of what the exit interrupted, then handle it. An event whose
 * delivery was cut short is delivered again first (irq.c).
 */
static int hyv_vcpu_handle_exit(struct hyv_vcpu *vcpu, struct hyv_exit *exit)
{
	int ret;

	if (exit->vectoring.type != HYV_EVENT_NONE)
		vcpu->injected = exit->vectoring;
	ret = hyv_exit_handle(vcpu, exit);
	hyv_stats_count_exit(vcpu, exit, ret);
	return ret;
}

/*
 * Sleep until the vCPU may run again, or -EINTR for a signal. Every
 * source of such an event wakes vcpu->wq after making it visible
 * (hyv_vcpu_wake()); the preempt notifier puts the vCPU meanwhile.
 */
static int hyv_vcpu_block(struct hyv_vcpu *vcpu)
{
	return wait_event_interruptible(vcpu->wq, hyv_vcpu_ready(vcpu)) ?
	       -EINTR : 0;
}

int hyv_vcpu_run(struct hyv_vcpu *vcpu)
{
	struct hyv_run *run = vcpu->run;
	struct hyv_exit exit;
	int ret;

	if (vcpu->pending_in)
		hyv_vcpu_complete_in(vcpu);
	if (vcpu->pio.pending)
		hyv_pio_complete_ins(vcpu);
	/* XCHG's or a MOVS's write follows its read without an entry. */
	if (vcpu->mmio.op != HYV_MMIO_NONE && hyv_emulate_mmio_done(vcpu))
		return 0;

	run->exit_reason = HYV_EXIT_NONE;
	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = HYV_EXIT_INTR;
		return -EINTR;
	}

	vcpu->ran = true;
	fpu_swap_kvm_fpstate(&vcpu->fpu, true);
	for (;;) {
		hyv_vcpu_do_requests(vcpu);
		if (test_and_clear_bit(HYV_REQ_TRIPLE_FAULT, &vcpu->requests)) {
			ret = hyv_vcpu_shutdown(vcpu);
			break;
		}
		if (vcpu->mp_state != HYV_MP_STATE_RUNNABLE &&
		    hyv_vcpu_block(vcpu)) {
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
		if (READ_ONCE(hyv_rebooting)) {
			ret = -EIO;
			break;
		}
		cond_resched();

		if (!hyv_vcpu_enter(vcpu, &exit))
			continue;
		hyv_pv_eoi_sync(vcpu);
		ret = hyv_vcpu_handle_exit(vcpu, &exit);
		if (ret != HYV_REENTER)
			break;
	}
	fpu_swap_kvm_fpstate(&vcpu->fpu, false);
	return ret < 0 ? ret : 0;
}

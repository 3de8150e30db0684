// SPDX-License-Identifier: GPL-2.0
/*
 * User-return MSRs: MSRs the host kernel itself never reads while in the
 * kernel (the SYSCALL entry points and flags mask), which a guest may
 * therefore keep in the CPU from one entry to the next. The host's values
 * go back only when this CPU next returns to any userspace, through a
 * user-return notifier, as KVM's kvm_set_user_return_msr() does; the CPU
 * going offline or hyv turning it off restores them too. Runs with
 * preemption off (the state is this CPU's).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/user-return-notifier.h>
#include <asm/msr.h>
#include <asm/msr-index.h>

#include "hyv.h"

static const u32 hyv_user_msr_index[HYV_NR_USER_MSRS] = {
	[HYV_USER_MSR_STAR]	= MSR_STAR,
	[HYV_USER_MSR_LSTAR]	= MSR_LSTAR,
	[HYV_USER_MSR_CSTAR]	= MSR_CSTAR,
	[HYV_USER_MSR_SFMASK]	= MSR_SYSCALL_MASK,
};

struct hyv_user_msrs {
	struct user_return_notifier urn;
	bool registered;
	u64 host[HYV_NR_USER_MSRS];
	u64 curr[HYV_NR_USER_MSRS];
};

static DEFINE_PER_CPU(struct hyv_user_msrs, hyv_user_msrs);

/* Put the host's values back (IRQs off or preemption off). */
static void hyv_user_msrs_restore(struct hyv_user_msrs *m)
{
	int i;

	for (i = 0; i < HYV_NR_USER_MSRS; i++) {
		if (m->curr[i] != m->host[i]) {
			wrmsrl(hyv_user_msr_index[i], m->host[i]);
			m->curr[i] = m->host[i];
		}
	}
	if (m->registered) {
		user_return_notifier_unregister(&m->urn);
		m->registered = false;
	}
}

static void hyv_user_msrs_on_return(struct user_return_notifier *urn)
{
	struct hyv_user_msrs *m = container_of(urn, struct hyv_user_msrs, urn);
	unsigned long flags;

	/* An interrupt's IPI may turn hyv off here meanwhile: IRQs off. */
	local_irq_save(flags);
	hyv_user_msrs_restore(m);
	local_irq_restore(flags);
}

/* Make @slot hold @val on this CPU until the next return to userspace. */
void hyv_user_msr_load(enum hyv_user_msr slot, u64 val)
{
	struct hyv_user_msrs *m = this_cpu_ptr(&hyv_user_msrs);
	int i;

	if (!m->registered) {
		for (i = 0; i < HYV_NR_USER_MSRS; i++) {
			rdmsrl(hyv_user_msr_index[i], m->host[i]);
			m->curr[i] = m->host[i];
		}
		m->urn.on_user_return = hyv_user_msrs_on_return;
		user_return_notifier_register(&m->urn);
		m->registered = true;
	}
	if (m->curr[slot] != val) {
		wrmsrl(hyv_user_msr_index[slot], val);
		m->curr[slot] = val;
	}
}

/* This CPU goes offline or hyv turns it off: the host's values, now. */
void hyv_user_msrs_drop(void)
{
	unsigned long flags;

	local_irq_save(flags);
	hyv_user_msrs_restore(this_cpu_ptr(&hyv_user_msrs));
	local_irq_restore(flags);
}

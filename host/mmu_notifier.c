// SPDX-License-Identifier: GPL-2.0
/*
 * Keeping the nested page table coherent with the VMM's own: whenever the
 * host unmaps, migrates, swaps, merges or re-protects VMM memory, the MMU
 * notifier drops the guest's mappings of it first, and faults racing with
 * the change retry (mmu.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mmu_notifier.h>

#include "hyv.h"

static struct hyv_vm *hyv_mn_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct hyv_vm, mmu_notifier);
}

static int hyv_mn_invalidate_start(struct mmu_notifier *mn,
				   const struct mmu_notifier_range *range)
{
	struct hyv_vm *vm = hyv_mn_vm(mn);
	LIST_HEAD(freed);
	bool zapped;

	spin_lock(&vm->mmu.lock);
	vm->mmu.invalidate_in_progress++;
	vm->mmu.invalidate_seq++;
	zapped = hyv_slot_zap_hva(vm, range->start, range->end, &freed);
	spin_unlock(&vm->mmu.lock);
	/* The host may free the pages once this returns: flush first. */
	if (zapped)
		hyv_mmu_flush_and_free(vm, &freed);
	return 0;
}

static void hyv_mn_invalidate_end(struct mmu_notifier *mn,
				  const struct mmu_notifier_range *range)
{
	struct hyv_vm *vm = hyv_mn_vm(mn);

	spin_lock(&vm->mmu.lock);
	vm->mmu.invalidate_seq++;
	vm->mmu.invalidate_in_progress--;
	spin_unlock(&vm->mmu.lock);
}

/* The VMM's mm is going away: no guest page may stay mapped. */
static void hyv_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct hyv_vm *vm = hyv_mn_vm(mn);
	LIST_HEAD(freed);

	spin_lock(&vm->mmu.lock);
	vm->mmu.invalidate_seq++;
	hyv_mmu_zap_range(vm, 0, U64_MAX, &freed);
	spin_unlock(&vm->mmu.lock);
	hyv_mmu_flush_and_free(vm, &freed);
}

static const struct mmu_notifier_ops hyv_mn_ops = {
	.invalidate_range_start	= hyv_mn_invalidate_start,
	.invalidate_range_end	= hyv_mn_invalidate_end,
	.release		= hyv_mn_release,
};

int hyv_mmu_notifier_register(struct hyv_vm *vm)
{
	vm->mmu_notifier.ops = &hyv_mn_ops;
	return mmu_notifier_register(&vm->mmu_notifier, current->mm);
}

void hyv_mmu_notifier_unregister(struct hyv_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}

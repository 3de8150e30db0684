// SPDX-License-Identifier: GPL-2.0
/*
 * The nested page table (NPT or EPT: the walk is the same, the vendor
 * encodes the entries): filled on fault from the VMM's page tables,
 * emptied when the host changes them (mmu_notifier.c), write-protected
 * for dirty logging. No page is pinned: a mapping lives only as long as
 * the host's own, which the MMU notifier guarantees.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>
#include <asm/io.h>

#include "hyv.h"

#define HYV_NPT_LEVELS		4
#define HYV_NPT_ENTRIES		512
#define HYV_HUGE_PAGES		512	/* 4 KiB pages in a 2 MiB mapping */

static unsigned int hyv_npt_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (HYV_NPT_ENTRIES - 1);
}

static u64 hyv_npt_level_size(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

static u64 *hyv_npt_table_of(u64 entry)
{
	return phys_to_virt(entry & HYV_NPT_ADDR_MASK);
}

static bool hyv_npt_is_leaf(u64 entry, int level)
{
	return level == 1 || hyv_ops->npt_huge(entry);
}

int hyv_mmu_init(struct hyv_vm *vm)
{
	spin_lock_init(&vm->mmu.lock);
	vm->mmu.root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return vm->mmu.root ? 0 : -ENOMEM;
}

/*
 * Apply @fn to every leaf of @table (covering guest-physical @base at
 * @level) that overlaps [start, end). Tables a zap leaves empty are freed.
 * Returns true if @table is left empty.
 */
enum hyv_npt_op { HYV_NPT_ZAP, HYV_NPT_WRPROT };

static bool hyv_npt_walk_range(struct hyv_vm *vm, u64 *table, int level,
			       u64 base, u64 start, u64 end,
			       enum hyv_npt_op op)
{
	u64 size = hyv_npt_level_size(level);
	bool empty = true;
	int i;

	for (i = 0; i < HYV_NPT_ENTRIES; i++) {
		u64 lo = base + i * size, entry = table[i];

		if (!hyv_ops->npt_present(entry))
			continue;
		if (lo + size <= start || lo >= end) {
			empty = false;
			continue;
		}
		if (!hyv_npt_is_leaf(entry, level)) {
			u64 *next = hyv_npt_table_of(entry);

			if (!hyv_npt_walk_range(vm, next, level - 1, lo, start,
						end, op)) {
				empty = false;
				continue;
			}
			free_page((unsigned long)next);
			table[i] = 0;
			continue;
		}
		if (op == HYV_NPT_WRPROT && level == 1) {
			table[i] = hyv_ops->npt_leaf_entry(entry & HYV_NPT_ADDR_MASK,
				hyv_ops->npt_perms(entry) & ~HYV_NPT_WRITE, false);
			empty = false;
			continue;
		}
		/* A zap, or a 2 MiB leaf to write-protect: re-fault as 4K. */
		if (level == 1)
			vm->mmu.nr_4k--;
		else
			vm->mmu.nr_2m--;
		table[i] = 0;
	}
	return empty;
}

/* Caller holds mmu.lock, then flushes the guests' TLBs (hyv_vm_flush). */
void hyv_mmu_zap_range(struct hyv_vm *vm, u64 start, u64 end)
{
	hyv_npt_walk_range(vm, vm->mmu.root, HYV_NPT_LEVELS, 0, start, end,
			   HYV_NPT_ZAP);
}

void hyv_mmu_wrprot_range(struct hyv_vm *vm, u64 start, u64 end)
{
	hyv_npt_walk_range(vm, vm->mmu.root, HYV_NPT_LEVELS, 0, start, end,
			   HYV_NPT_WRPROT);
}

void hyv_mmu_destroy(struct hyv_vm *vm)
{
	if (!vm->mmu.root)
		return;
	hyv_mmu_zap_range(vm, 0, U64_MAX);
	free_page((unsigned long)vm->mmu.root);
	vm->mmu.root = NULL;
	while (vm->mmu.nr_spare)
		free_page((unsigned long)vm->mmu.spare[--vm->mmu.nr_spare]);
}

/* Table pages are allocated before taking the spinlock that uses them. */
static int hyv_mmu_topup(struct hyv_vm *vm)
{
	while (READ_ONCE(vm->mmu.nr_spare) < HYV_MMU_SPARE) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		spin_lock(&vm->mmu.lock);
		if (vm->mmu.nr_spare < HYV_MMU_SPARE)
			vm->mmu.spare[vm->mmu.nr_spare++] = page;
		else
			free_page((unsigned long)page);
		spin_unlock(&vm->mmu.lock);
	}
	return 0;
}

/*
 * The entry mapping @gpa at @level, making tables on the way down; or
 * ERR_PTR(-EEXIST) when a larger leaf already maps it.
 */
static u64 *hyv_npt_entry(struct hyv_vm *vm, u64 gpa, int level)
{
	u64 *table = vm->mmu.root;
	int l;

	for (l = HYV_NPT_LEVELS; l > level; l--) {
		u64 *entry = &table[hyv_npt_index(gpa, l)];

		if (hyv_ops->npt_present(*entry) && hyv_npt_is_leaf(*entry, l))
			return ERR_PTR(-EEXIST);
		if (!hyv_ops->npt_present(*entry)) {
			void *next;

			if (WARN_ON_ONCE(!vm->mmu.nr_spare))
				return ERR_PTR(-ENOMEM);
			next = vm->mmu.spare[--vm->mmu.nr_spare];
			*entry = hyv_ops->npt_table_entry(virt_to_phys(next));
		}
		table = hyv_npt_table_of(*entry);
	}
	return &table[hyv_npt_index(gpa, level)];
}

/*
 * Can @gpa be mapped with a 2 MiB leaf? Only if the 2 MiB-aligned guest
 * range around it lies inside the slot, guest and host addresses are
 * congruent modulo 2 MiB, and the host backs the range with one 2 MiB
 * page (@host_huge). Returns the level: 2 for 2 MiB, 1 for 4 KiB.
 */
int hyv_mmu_map_level(u64 gpa, u64 hva, u64 slot_gpa, u64 slot_size,
		      bool host_huge)
{
	u64 huge = hyv_npt_level_size(2), lo = gpa & ~(huge - 1);

	if (!host_huge || ((gpa ^ hva) & (huge - 1)))
		return 1;
	if (lo < slot_gpa || lo + huge > slot_gpa + slot_size)
		return 1;
	return 2;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_mmu_map_level);

/* Is @page, mapped at @hva, part of a 2 MiB host page laid out at it? */
static bool hyv_host_page_huge(struct page *page, unsigned long hva)
{
	struct page *head = compound_head(page);

	return PageCompound(page) && compound_order(head) >= 9 &&
	       page - head == ((hva >> PAGE_SHIFT) & (HYV_HUGE_PAGES - 1));
}

struct hyv_fault {
	unsigned long seq;	/* invalidations seen when the slot was read */
	u64 gpa;
	unsigned long hva;
	bool write;
	bool log_dirty;
	struct hyv_slot *slot;
};

/* Install the leaf; the caller holds mmu.lock. */
static int hyv_mmu_install(struct hyv_vm *vm, const struct hyv_fault *f,
			   struct page *page, int level)
{
	unsigned int perms = HYV_NPT_READ | HYV_NPT_EXEC;
	u64 mask = hyv_npt_level_size(level) - 1;
	phys_addr_t pa = page_to_phys(page) & ~mask;
	u64 *entry;

	if (f->write)
		perms |= HYV_NPT_WRITE;
	entry = hyv_npt_entry(vm, f->gpa & ~mask, level);
	if (IS_ERR(entry))	/* -EEXIST: a racing fault mapped it large */
		return PTR_ERR(entry) == -EEXIST ? 0 : PTR_ERR(entry);
	/* 4 KiB mappings already below: stay at 4 KiB. */
	if (level == 2 && hyv_ops->npt_present(*entry) &&
	    !hyv_ops->npt_huge(*entry))
		return -EAGAIN;
	if (hyv_ops->npt_present(*entry)) {
		if ((hyv_ops->npt_perms(*entry) & perms) == perms)
			return 0;	/* another vCPU got here first */
		if (level == 1)
			vm->mmu.nr_4k--;
		else
			vm->mmu.nr_2m--;
	}
	*entry = hyv_ops->npt_leaf_entry(pa, perms, level == 2);
	if (level == 1)
		vm->mmu.nr_4k++;
	else
		vm->mmu.nr_2m++;
	if (f->write && f->log_dirty)
		hyv_slot_mark_dirty(f->slot, f->gpa);
	return 0;
}

/*
 * Map the VMM page behind one guest page. The host page is looked up
 * without holding mmu.lock, so a concurrent invalidation is detected by
 * its sequence count and the fault simply retried (the guest re-faults).
 */
static int hyv_mmu_map(struct hyv_vm *vm, struct hyv_fault *f)
{
	struct page *page;
	int ret, level;

	ret = get_user_pages_unlocked(f->hva & PAGE_MASK, 1, &page,
				      f->write ? FOLL_WRITE : 0);
	if (ret != 1) {
		hyv_vm_warn(vm, "no VMM memory at %#lx for gpa %#llx: %d\n",
			    f->hva, f->gpa, ret);
		return ret < 0 ? ret : -EFAULT;
	}
	ret = hyv_mmu_topup(vm);
	if (ret)
		goto out;

	spin_lock(&vm->mmu.lock);
	if (vm->mmu.invalidate_in_progress ||
	    f->seq != vm->mmu.invalidate_seq) {
		ret = 0;	/* raced with an invalidation: fault again */
	} else {
		level = (f->log_dirty || !f->write) ? 1 :
			hyv_mmu_map_level(f->gpa, f->hva, f->slot->gpa,
					  f->slot->size,
					  hyv_host_page_huge(page, f->hva));
		ret = hyv_mmu_install(vm, f, page, level);
		if (ret == -EAGAIN)
			ret = hyv_mmu_install(vm, f, page, 1);
	}
	spin_unlock(&vm->mmu.lock);
out:
	put_page(page);
	return ret;
}

/*
 * A nested page fault: map the page if a slot covers it (writes to a
 * read-only slot are MMIO), otherwise tell the caller it is MMIO.
 */
int hyv_mmu_handle_fault(struct hyv_vcpu *vcpu, const struct hyv_exit *exit,
			 bool *is_mmio)
{
	struct hyv_vm *vm = vcpu->vm;
	struct hyv_fault f = { .gpa = exit->npf.gpa, .write = exit->npf.write };

	*is_mmio = false;
	spin_lock(&vm->mmu.lock);
	f.seq = vm->mmu.invalidate_seq;
	f.slot = hyv_slot_find(vm, f.gpa);
	if (f.slot) {
		f.hva = f.slot->hva + (f.gpa - f.slot->gpa);
		f.log_dirty = f.slot->dirty_bitmap;
		*is_mmio = f.write && (f.slot->flags & HYV_MEM_READONLY);
	} else {
		*is_mmio = true;
	}
	spin_unlock(&vm->mmu.lock);
	if (*is_mmio)
		return 0;
	return hyv_mmu_map(vm, &f);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The nested page table (NPT or EPT: the walk is the same, the vendor
 * encodes the entries): filled on fault from the VMM's page tables,
 * emptied when the host changes them (mmu_notifier.c), write-protected
 * for dirty logging. No page is pinned: a mapping lives only as long as
 * the host's own, which the MMU notifier guarantees.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
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

enum hyv_npt_op { HYV_NPT_ZAP, HYV_NPT_WRPROT };

/* Drop a present leaf from the counters. */
static void hyv_npt_uncount(struct hyv_vm *vm, int level)
{
	if (level == 1)
		vm->mmu.nr_4k--;
	else
		vm->mmu.nr_2m--;
}

/*
 * Apply @op to every leaf of @table (covering guest-physical @base at
 * @level) that overlaps [start, end). Tables left empty are unlinked and
 * put on @freed: the caller frees them once no vCPU can walk them any
 * more (hyv_mmu_flush_and_free()). Returns true if @table is left empty.
 */
static bool hyv_npt_walk_range(struct hyv_vm *vm, u64 *table, int level,
			       u64 base, u64 start, u64 end,
			       enum hyv_npt_op op, struct list_head *freed)
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
						end, op, freed)) {
				empty = false;
				continue;
			}
			WRITE_ONCE(table[i], 0);
			list_add(&virt_to_page(next)->lru, freed);
			continue;
		}
		if (op == HYV_NPT_WRPROT && level == 1) {
			u64 wp = hyv_ops->npt_leaf_entry(entry & HYV_NPT_ADDR_MASK,
							 hyv_ops->npt_perms(entry) &
							 ~HYV_NPT_WRITE, false);

			WRITE_ONCE(table[i], wp);
			empty = false;
			continue;
		}
		/* A zap, or a 2 MiB leaf to write-protect: re-fault as 4K. */
		hyv_npt_uncount(vm, level);
		WRITE_ONCE(table[i], 0);
	}
	return empty;
}

/*
 * Caller holds mmu.lock, then calls hyv_mmu_flush_and_free(@freed)
 * after dropping it: the guests' TLBs still hold what was zapped.
 */
void hyv_mmu_zap_range(struct hyv_vm *vm, u64 start, u64 end,
		       struct list_head *freed)
{
	hyv_npt_walk_range(vm, vm->mmu.root, HYV_NPT_LEVELS, 0, start, end,
			   HYV_NPT_ZAP, freed);
}

void hyv_mmu_wrprot_range(struct hyv_vm *vm, u64 start, u64 end,
			  struct list_head *freed)
{
	hyv_npt_walk_range(vm, vm->mmu.root, HYV_NPT_LEVELS, 0, start, end,
			   HYV_NPT_WRPROT, freed);
}

static void hyv_mmu_free_tables(struct list_head *freed)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, freed, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/*
 * After a zap or a write-protect: every vCPU leaves the guest and drops
 * its cached translations (paging-structure caches included), and only
 * then are the unlinked table pages freed. Until the flush a CPU in
 * guest mode may still walk them, and a freed page reused by the host
 * would become nested page-table entries mapping arbitrary memory.
 */
void hyv_mmu_flush_and_free(struct hyv_vm *vm, struct list_head *freed)
{
	hyv_vm_flush_tlbs(vm);
	hyv_mmu_free_tables(freed);
}

/* The VM is going away and no vCPU is left: no flush is needed. */
void hyv_mmu_destroy(struct hyv_vm *vm)
{
	LIST_HEAD(freed);

	if (!vm->mmu.root)
		return;
	hyv_mmu_zap_range(vm, 0, U64_MAX, &freed);
	hyv_mmu_free_tables(&freed);
	free_page((unsigned long)vm->mmu.root);
	vm->mmu.root = NULL;
}

/* Table pages are allocated before taking the spinlock that uses them. */
static int hyv_mmu_cache_topup(struct hyv_mmu_cache *cache)
{
	while (cache->nr < HYV_MMU_CACHE_PAGES) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		cache->pages[cache->nr++] = page;
	}
	return 0;
}

void hyv_mmu_cache_free(struct hyv_mmu_cache *cache)
{
	while (cache->nr)
		free_page((unsigned long)cache->pages[--cache->nr]);
}

/*
 * The entry mapping @gpa at @level, making tables on the way down from
 * @cache; or ERR_PTR(-EEXIST) when a larger leaf already maps it.
 */
static u64 *hyv_npt_entry(struct hyv_vm *vm, struct hyv_mmu_cache *cache,
			  u64 gpa, int level)
{
	u64 *table = vm->mmu.root;
	int l;

	for (l = HYV_NPT_LEVELS; l > level; l--) {
		u64 *entry = &table[hyv_npt_index(gpa, l)];

		if (hyv_ops->npt_present(*entry) && hyv_npt_is_leaf(*entry, l))
			return ERR_PTR(-EEXIST);
		if (!hyv_ops->npt_present(*entry)) {
			void *next;

			/* Topped up for a whole walk before the lock. */
			if (WARN_ON_ONCE(!cache->nr))
				return ERR_PTR(-ENOMEM);
			next = cache->pages[--cache->nr];
			WRITE_ONCE(*entry, hyv_ops->npt_table_entry(virt_to_phys(next)));
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

/*
 * Does the VMM's own page table map @hva with a 2 MiB (or larger) page?
 * Only then may the guest get a 2 MiB leaf: the host entry is one, so
 * its permissions and its backing hold for all 512 pages. A huge folio
 * alone says nothing (a PMD split by mprotect or munmap leaves the folio
 * whole while some of its pages become read-only or unmapped).
 *
 * Called under mmu.lock with no invalidation in progress, so the host
 * entries of this range are stable; interrupts are off for the walk as in
 * KVM's host_pfn_mapping_level(), so that a page-table page cannot be
 * freed under it by a concurrent collapse elsewhere.
 */
static bool hyv_host_mapped_huge(struct mm_struct *mm, unsigned long hva,
				 bool write)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || !pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud))
		goto out;
	if (pud_large(pud)) {
		huge = !write || pud_write(pud);
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	if (pmd_present(pmd) && pmd_large(pmd))
		huge = !write || pmd_write(pmd);
out:
	local_irq_restore(flags);
	return huge;
}

struct hyv_fault {
	unsigned long seq;	/* invalidations seen when the slot was read */
	u64 gpa;
	unsigned long hva;
	bool write;
	bool log_dirty;
	struct hyv_slot *slot;
};

/*
 * A write needs a 4 KiB leaf where a 2 MiB one without write permission
 * maps the range (the host no longer maps it huge and writable): drop
 * the large leaf so that the walk below it can be built, and flush this
 * vCPU's stale copy of it. Returns 0, or -EEXIST when the large leaf
 * already allows the access (a racing fault fixed it).
 */
static int hyv_mmu_demote(struct hyv_vcpu *vcpu, u64 gpa, unsigned int perms)
{
	struct hyv_vm *vm = vcpu->vm;
	u64 *pde = hyv_npt_entry(vm, &vcpu->mmu_cache, gpa, 2);

	if (IS_ERR(pde))
		return PTR_ERR(pde);
	if (!hyv_ops->npt_present(*pde) || !hyv_ops->npt_huge(*pde))
		return 0;
	if ((hyv_ops->npt_perms(*pde) & perms) == perms)
		return -EEXIST;
	hyv_npt_uncount(vm, 2);
	WRITE_ONCE(*pde, 0);
	set_bit(HYV_REQ_TLB_FLUSH, &vcpu->requests);
	return 0;
}

/* Install the leaf; the caller holds mmu.lock. */
static int hyv_mmu_install(struct hyv_vcpu *vcpu, const struct hyv_fault *f,
			   struct page *page, int level)
{
	unsigned int perms = HYV_NPT_READ | HYV_NPT_EXEC;
	u64 mask = hyv_npt_level_size(level) - 1;
	phys_addr_t pa = page_to_phys(page) & ~mask;
	struct hyv_vm *vm = vcpu->vm;
	u64 *entry;
	int ret;

	if (f->write)
		perms |= HYV_NPT_WRITE;
	entry = hyv_npt_entry(vm, &vcpu->mmu_cache, f->gpa & ~mask, level);
	if (PTR_ERR_OR_ZERO(entry) == -EEXIST && level == 1) {
		ret = hyv_mmu_demote(vcpu, f->gpa, perms);
		if (ret)
			return ret == -EEXIST ? 0 : ret;
		entry = hyv_npt_entry(vm, &vcpu->mmu_cache, f->gpa, 1);
	}
	if (IS_ERR(entry))	/* -EEXIST: a racing fault mapped it large */
		return PTR_ERR(entry) == -EEXIST ? 0 : PTR_ERR(entry);
	/* 4 KiB mappings already below: stay at 4 KiB. */
	if (level == 2 && hyv_ops->npt_present(*entry) &&
	    !hyv_ops->npt_huge(*entry))
		return -EAGAIN;
	if (hyv_ops->npt_present(*entry)) {
		if ((hyv_ops->npt_perms(*entry) & perms) == perms)
			return 0;	/* another vCPU got here first */
		hyv_npt_uncount(vm, level);
	}
	WRITE_ONCE(*entry, hyv_ops->npt_leaf_entry(pa, perms, level == 2));
	if (level == 1)
		vm->mmu.nr_4k++;
	else
		vm->mmu.nr_2m++;
	if (f->write && f->log_dirty)
		hyv_slot_mark_dirty(f->slot, f->gpa);
	return 0;
}

/* The level to map at; the caller holds mmu.lock, no invalidation runs. */
static int hyv_mmu_fault_level(struct hyv_vm *vm, const struct hyv_fault *f)
{
	if (f->log_dirty)
		return 1;	/* the log is kept per 4 KiB page */
	return hyv_mmu_map_level(f->gpa, f->hva, f->slot->gpa, f->slot->size,
				 hyv_host_mapped_huge(vm->mm, f->hva, f->write));
}

/*
 * Map the VMM page behind one guest page. The host page is looked up
 * without holding mmu.lock, so a concurrent invalidation is detected by
 * its sequence count and the fault simply retried (the guest re-faults).
 */
static int hyv_mmu_map(struct hyv_vcpu *vcpu, struct hyv_fault *f)
{
	struct hyv_vm *vm = vcpu->vm;
	struct page *page;
	int ret;

	ret = get_user_pages_unlocked(f->hva & PAGE_MASK, 1, &page,
				      f->write ? FOLL_WRITE : 0);
	if (ret != 1) {
		hyv_vm_warn(vm, "no VMM memory at %#lx for gpa %#llx: %d\n",
			    f->hva, f->gpa, ret);
		return ret < 0 ? ret : -EFAULT;
	}
	ret = hyv_mmu_cache_topup(&vcpu->mmu_cache);
	if (ret)
		goto out;

	spin_lock(&vm->mmu.lock);
	if (vm->mmu.invalidate_in_progress ||
	    f->seq != vm->mmu.invalidate_seq) {
		ret = 0;	/* raced with an invalidation: fault again */
	} else {
		ret = hyv_mmu_install(vcpu, f, page, hyv_mmu_fault_level(vm, f));
		if (ret == -EAGAIN)
			ret = hyv_mmu_install(vcpu, f, page, 1);
	}
	spin_unlock(&vm->mmu.lock);
out:
	put_page(page);
	return ret;
}

/*
 * The count of changes to the guest-physical map (slots set, host
 * invalidations): an emulation that failed on memory which changed since
 * the fault is retried rather than reported (exit.c).
 */
unsigned long hyv_mmu_seq(struct hyv_vm *vm)
{
	unsigned long seq;

	spin_lock(&vm->mmu.lock);
	seq = vm->mmu.invalidate_seq + vm->mmu.invalidate_in_progress;
	spin_unlock(&vm->mmu.lock);
	return seq;
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
	return hyv_mmu_map(vcpu, &f);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-physical memory: the memory slots that place VMM memory in the
 * guest, and the nested page table (NPT or EPT: the walk is the same, the
 * vendor encodes the entries) filled one page at a time on fault.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/io.h>

#include "hyv.h"

#define HYV_NPT_LEVELS		4
#define HYV_NPT_ENTRIES		512
#define HYV_GPA_LIMIT		(1ULL << HYV_GUEST_PHYS_BITS)

static unsigned int hyv_npt_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (HYV_NPT_ENTRIES - 1);
}

static u64 *hyv_npt_table_of(u64 entry)
{
	return phys_to_virt(entry & HYV_NPT_ADDR_MASK);
}

int hyv_mmu_init(struct hyv_vm *vm)
{
	mutex_init(&vm->mmu.lock);
	vm->mmu.root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return vm->mmu.root ? 0 : -ENOMEM;
}

static u64 hyv_npt_level_size(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

/*
 * Clear the entries of @table (covering guest-physical @base onwards at
 * @level) that fall in [start, end), unpinning the guest pages they map
 * and freeing tables left empty. Returns true if @table is now empty.
 */
static bool hyv_npt_zap(struct hyv_vm *vm, u64 *table, int level, u64 base,
			u64 start, u64 end)
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
		if (level > 1) {
			u64 *next = hyv_npt_table_of(entry);

			if (!hyv_npt_zap(vm, next, level - 1, lo, start, end)) {
				empty = false;
				continue;
			}
			free_page((unsigned long)next);
		} else {
			unpin_user_page(pfn_to_page((entry & HYV_NPT_ADDR_MASK) >>
						    PAGE_SHIFT));
			vm->mmu.nr_pinned--;
		}
		table[i] = 0;
	}
	return empty;
}

void hyv_mmu_destroy(struct hyv_vm *vm)
{
	if (!vm->mmu.root)
		return;
	hyv_npt_zap(vm, vm->mmu.root, HYV_NPT_LEVELS, 0, 0, U64_MAX);
	free_page((unsigned long)vm->mmu.root);
	vm->mmu.root = NULL;
}

/* The leaf entry for @gpa, allocating the tables on the way. */
static u64 *hyv_npt_leaf(struct hyv_vm *vm, u64 gpa)
{
	u64 *table = vm->mmu.root;
	int level;

	for (level = HYV_NPT_LEVELS; level > 1; level--) {
		u64 *entry = &table[hyv_npt_index(gpa, level)];

		if (!hyv_ops->npt_present(*entry)) {
			u64 *next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

			if (!next)
				return NULL;
			*entry = hyv_ops->npt_table_entry(virt_to_phys(next));
		}
		table = hyv_npt_table_of(*entry);
	}
	return &table[hyv_npt_index(gpa, 1)];
}

static struct hyv_slot *hyv_slot_find(struct hyv_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < HYV_MAX_MEMORY_SLOTS; i++) {
		struct hyv_slot *s = &vm->slots[i];

		if (s->size && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

static int hyv_slot_check(struct hyv_vm *vm, const struct hyv_memory_slot *r)
{
	int i;

	if (r->slot >= HYV_MAX_MEMORY_SLOTS)
		return -EINVAL;
	if (!r->size)
		return 0;
	if (!PAGE_ALIGNED(r->guest_phys_addr) || !PAGE_ALIGNED(r->size) ||
	    !PAGE_ALIGNED(r->userspace_addr))
		return -EINVAL;
	if (r->size > (HYV_MAX_SLOT_PAGES << PAGE_SHIFT) ||
	    r->guest_phys_addr >= HYV_GPA_LIMIT ||
	    r->size > HYV_GPA_LIMIT - r->guest_phys_addr)
		return -EINVAL;
	if (!access_ok((void __user *)(unsigned long)r->userspace_addr,
		       r->size))
		return -EINVAL;
	for (i = 0; i < HYV_MAX_MEMORY_SLOTS; i++) {
		const struct hyv_slot *s = &vm->slots[i];

		if (i == r->slot || !s->size)
			continue;
		if (r->guest_phys_addr < s->gpa + s->size &&
		    s->gpa < r->guest_phys_addr + r->size)
			return -EEXIST;
	}
	return 0;
}

/*
 * Create a slot, or delete one (size 0). Changing or deleting a slot
 * whose pages the guest may have mapped needs the vCPUs kicked out and
 * their TLBs flushed; until that exists, a used slot can only be deleted
 * while the VM has no vCPU, and is otherwise refused with -EBUSY.
 */
int hyv_mmu_set_slot(struct hyv_vm *vm, const struct hyv_memory_slot *req)
{
	struct hyv_slot *slot;
	int ret, i;

	mutex_lock(&vm->mmu.lock);
	ret = hyv_slot_check(vm, req);
	if (ret)
		goto out;
	slot = &vm->slots[req->slot];
	if (slot->size) {
		ret = -EBUSY;
		if (req->size)
			goto out;
		for (i = 0; i < HYV_MAX_VCPUS; i++)
			if (READ_ONCE(vm->vcpus[i]))
				goto out;
		ret = 0;
		hyv_npt_zap(vm, vm->mmu.root, HYV_NPT_LEVELS, 0, slot->gpa,
			    slot->gpa + slot->size);
		slot->size = 0;
		goto out;
	}
	slot->gpa = req->guest_phys_addr;
	slot->size = req->size;
	slot->hva = req->userspace_addr;
	slot->flags = req->flags;
out:
	mutex_unlock(&vm->mmu.lock);
	return ret;
}

/* Pin the VMM page behind @gpa and map it; the caller holds mmu.lock. */
static int hyv_mmu_map_page(struct hyv_vm *vm, struct hyv_slot *slot, u64 gpa)
{
	unsigned long hva = slot->hva + ((gpa & PAGE_MASK) - slot->gpa);
	struct page *page;
	u64 *leaf;
	int ret;

	leaf = hyv_npt_leaf(vm, gpa);
	if (!leaf)
		return -ENOMEM;
	if (hyv_ops->npt_present(*leaf))
		return 0;	/* another vCPU mapped it first */

	ret = pin_user_pages_fast(hva, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	if (ret != 1) {
		hyv_vm_warn(vm, "cannot pin VMM memory at %#lx for gpa %#llx: %d\n",
			    hva, gpa, ret);
		return ret < 0 ? ret : -EFAULT;
	}
	*leaf = hyv_ops->npt_leaf_entry(page_to_phys(page), HYV_NPT_READ |
					HYV_NPT_WRITE | HYV_NPT_EXEC);
	vm->mmu.nr_pinned++;
	return 0;
}

/*
 * A nested page fault: map the page if a slot covers it, otherwise tell
 * the caller it is MMIO.
 */
int hyv_mmu_handle_fault(struct hyv_vcpu *vcpu, const struct hyv_exit *exit,
			 bool *is_mmio)
{
	struct hyv_vm *vm = vcpu->vm;
	struct hyv_slot *slot;
	int ret = 0;

	*is_mmio = false;
	mutex_lock(&vm->mmu.lock);
	slot = hyv_slot_find(vm, exit->npf.gpa);
	if (!slot)
		*is_mmio = true;
	else if (exit->npf.present)
		ret = -EFAULT;	/* every mapping is RWX: this cannot happen */
	else
		ret = hyv_mmu_map_page(vm, slot, exit->npf.gpa);
	mutex_unlock(&vm->mmu.lock);
	return ret;
}

/* Copy guest-physical memory out through the slots (no NPT involved). */
int hyv_mmu_read_gpa(struct hyv_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	while (len) {
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		struct hyv_slot *slot;
		unsigned long hva;

		mutex_lock(&vm->mmu.lock);
		slot = hyv_slot_find(vm, gpa);
		hva = slot ? slot->hva + (gpa - slot->gpa) : 0;
		mutex_unlock(&vm->mmu.lock);
		if (!slot)
			return -ENOENT;
		if (copy_from_user(buf, (void __user *)hva, chunk))
			return -EFAULT;
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

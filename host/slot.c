// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: ranges of the VMM's memory placed in guest-physical space.
 * Creating, deleting, moving, resizing and re-flagging them while vCPUs
 * run; their dirty-page logs; and reading guest memory through them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "hyv.h"

#define HYV_GPA_LIMIT		BIT_ULL(HYV_GUEST_PHYS_BITS)

/* The bitmap userspace passes: one bit per page, whole 64-bit words. */
static u64 hyv_slot_bitmap_bytes(u64 size)
{
	return ALIGN(size >> PAGE_SHIFT, 64) / 8;
}

/* Caller holds mmu.lock or slots_lock. */
struct hyv_slot *hyv_slot_find(struct hyv_vm *vm, u64 gpa)
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

	if (r->slot >= HYV_MAX_MEMORY_SLOTS || (r->flags & ~HYV_MEM_VALID_FLAGS))
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
 * Create, change or (size 0) delete a slot. A change is a delete and a
 * create in one step: the old range's mappings go, every vCPU is kicked
 * out of the guest and flushes its TLB before this returns, and the new
 * range faults in afresh. Turning dirty logging on starts an empty log.
 */
int hyv_slot_set(struct hyv_vm *vm, const struct hyv_memory_slot *req)
{
	unsigned long *bitmap = NULL;
	struct hyv_slot *slot, old;
	LIST_HEAD(freed);
	int ret;

	mutex_lock(&vm->slots_lock);
	ret = hyv_slot_check(vm, req);
	if (ret)
		goto out;
	if (req->size && (req->flags & HYV_MEM_LOG_DIRTY)) {
		bitmap = vzalloc(hyv_slot_bitmap_bytes(req->size));
		if (!bitmap) {
			ret = -ENOMEM;
			goto out;
		}
	}

	slot = &vm->slots[req->slot];
	spin_lock(&vm->mmu.lock);
	old = *slot;
	if (old.size)
		hyv_mmu_zap_range(vm, old.gpa, old.gpa + old.size, &freed);
	slot->gpa = req->guest_phys_addr;
	slot->size = req->size;
	slot->hva = req->userspace_addr;
	slot->flags = req->flags;
	slot->dirty_bitmap = bitmap;
	/* Faults that looked at the old slot must not install anything. */
	vm->mmu.invalidate_seq++;
	spin_unlock(&vm->mmu.lock);

	if (old.size)
		hyv_mmu_flush_and_free(vm, &freed);
	vfree(old.dirty_bitmap);
out:
	mutex_unlock(&vm->slots_lock);
	return ret;
}

/* A guest write reached @gpa of a logged slot; caller holds mmu.lock. */
void hyv_slot_mark_dirty(struct hyv_slot *slot, u64 gpa)
{
	__set_bit((gpa - slot->gpa) >> PAGE_SHIFT, slot->dirty_bitmap);
}

/*
 * Hand userspace the pages written since the last call and start over:
 * the log is cleared and those pages write-protected again, so the next
 * write to each is seen.
 */
static int hyv_slot_take_dirty(struct hyv_vm *vm, struct hyv_slot *slot,
			       unsigned long *copy)
{
	u64 pages = slot->size >> PAGE_SHIFT, bytes;
	unsigned long bit;
	LIST_HEAD(freed);

	bytes = hyv_slot_bitmap_bytes(slot->size);
	spin_lock(&vm->mmu.lock);
	memcpy(copy, slot->dirty_bitmap, bytes);
	memset(slot->dirty_bitmap, 0, bytes);
	for_each_set_bit(bit, copy, pages) {
		u64 gpa = slot->gpa + ((u64)bit << PAGE_SHIFT);

		hyv_mmu_wrprot_range(vm, gpa, gpa + PAGE_SIZE, &freed);
	}
	spin_unlock(&vm->mmu.lock);
	hyv_mmu_flush_and_free(vm, &freed);
	return 0;
}

int hyv_slot_get_dirty_log(struct hyv_vm *vm, void __user *argp)
{
	struct hyv_dirty_log req;
	unsigned long *copy;
	struct hyv_slot *slot;
	u64 bytes;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved || req.slot >= HYV_MAX_MEMORY_SLOTS)
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	slot = &vm->slots[req.slot];
	ret = -ENOENT;
	if (!slot->size || !slot->dirty_bitmap)
		goto out;
	bytes = hyv_slot_bitmap_bytes(slot->size);
	ret = -ENOMEM;
	copy = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!copy)
		goto out;
	hyv_slot_take_dirty(vm, slot, copy);
	ret = copy_to_user(u64_to_user_ptr(req.bitmap), copy, bytes) ?
	      -EFAULT : 0;
	kvfree(copy);
out:
	mutex_unlock(&vm->slots_lock);
	return ret;
}

/* Drop the mappings of every slot page in the host range [start, end). */
bool hyv_slot_zap_hva(struct hyv_vm *vm, unsigned long start,
		      unsigned long end, struct list_head *freed)
{
	bool zapped = false;
	int i;

	for (i = 0; i < HYV_MAX_MEMORY_SLOTS; i++) {
		struct hyv_slot *s = &vm->slots[i];
		unsigned long lo, hi;

		if (!s->size || end <= s->hva || start >= s->hva + s->size)
			continue;
		lo = max(start, s->hva);
		hi = min_t(unsigned long, end, s->hva + s->size);
		hyv_mmu_zap_range(vm, s->gpa + (lo - s->hva),
				  s->gpa + (hi - s->hva), freed);
		zapped = true;
	}
	return zapped;
}

/* Copy guest-physical memory out through the slots (no NPT involved). */
int hyv_mmu_read_gpa(struct hyv_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	while (len) {
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		struct hyv_slot *slot;
		unsigned long hva;

		spin_lock(&vm->mmu.lock);
		slot = hyv_slot_find(vm, gpa);
		hva = slot ? slot->hva + (gpa - slot->gpa) : 0;
		spin_unlock(&vm->mmu.lock);
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

void hyv_slots_destroy(struct hyv_vm *vm)
{
	int i;

	for (i = 0; i < HYV_MAX_MEMORY_SLOTS; i++)
		vfree(vm->slots[i].dirty_bitmap);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * VMs: creation, the VM fd and its ioctls (vCPUs, memory slots), and the
 * reference count that keeps a VM alive while any of its fds is open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "hyv.h"

static DEFINE_IDA(hyv_vm_ids);

static void hyv_vm_release(struct kref *ref)
{
	struct hyv_vm *vm = container_of(ref, struct hyv_vm, ref);

	hyv_eventfd_vm_destroy(vm);
	hyv_stats_vm_destroy(vm);
	hyv_mmu_notifier_unregister(vm);
	hyv_mmu_destroy(vm);
	hyv_slots_destroy(vm);
	mmdrop(vm->mm);
	ida_free(&hyv_vm_ids, vm->id);
	kfree(vm);
}

void hyv_vm_put(struct hyv_vm *vm)
{
	kref_put(&vm->ref, hyv_vm_release);
}

static int hyv_vm_set_slot(struct hyv_vm *vm, void __user *argp)
{
	struct hyv_memory_slot req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	return hyv_slot_set(vm, &req);
}

static int hyv_vm_signal_msi(struct hyv_vm *vm, void __user *argp)
{
	struct hyv_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (msi.flags || msi.reserved)
		return -EINVAL;
	return hyv_lapic_deliver_msi(vm, msi.address, msi.data);
}

static long hyv_vm_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct hyv_vm *vm = file->private_data;

	/* Slots name addresses in the creator's mm: no one else may use it. */
	if (current->mm != vm->mm)
		return -EIO;

	switch (cmd) {
	case HYV_CREATE_VCPU:
		return hyv_vcpu_create(vm, arg);
	case HYV_SET_MEMORY_SLOT:
		return hyv_vm_set_slot(vm, (void __user *)arg);
	case HYV_GET_DIRTY_LOG:
		return hyv_slot_get_dirty_log(vm, (void __user *)arg);
	case HYV_GET_STATS:
		return hyv_stats_ioctl(vm, (void __user *)arg);
	case HYV_DOORBELL:
		return hyv_doorbell_ioctl(vm, (void __user *)arg);
	case HYV_IRQFD:
		return hyv_irqfd_ioctl(vm, (void __user *)arg);
	case HYV_SIGNAL_MSI:
		return hyv_vm_signal_msi(vm, (void __user *)arg);
	case HYV_GET_TSC_KHZ:
		return arg ? -EINVAL : tsc_khz;
	default:
		return -ENOTTY;
	}
}

static int hyv_vm_file_release(struct inode *inode, struct file *file)
{
	hyv_vm_put(file->private_data);
	return 0;
}

static const struct file_operations hyv_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= hyv_vm_file_release,
	.unlocked_ioctl	= hyv_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

int hyv_vm_create(unsigned long flags)
{
	struct hyv_vm *vm;
	int ret, fd;

	if (flags)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	hyv_eventfd_vm_init(vm);

	ret = ida_alloc(&hyv_vm_ids, GFP_KERNEL);
	if (ret < 0)
		goto err_free;
	vm->id = ret;

	ret = hyv_mmu_init(vm);
	if (ret)
		goto err_ida;
	ret = hyv_mmu_notifier_register(vm);
	if (ret)
		goto err_mmu;

	vm->mm = current->mm;
	mmgrab(vm->mm);
	/* Every vCPU's TSC starts at this VM's 0: one clock for all of them. */
	vm->tsc_offset = -rdtsc();
	hyv_stats_vm_init(vm);

	fd = anon_inode_getfd("hyv-vm", &hyv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		hyv_vm_put(vm);	/* drops the mm, the tables and the id */
	return fd;

err_mmu:
	hyv_mmu_destroy(vm);
err_ida:
	ida_free(&hyv_vm_ids, vm->id);
err_free:
	kfree(vm);
	return ret;
}

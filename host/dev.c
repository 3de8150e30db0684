// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hyv: the entry point of the host ABI. It answers the API version
 * and the run-page size, and creates VMs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <asm/tsc.h>

#include "hyv.h"

static long hyv_dev_check_cap(unsigned long cap)
{
	switch (cap) {
	case HYV_CAP_BACKEND:
		return hyv_ops->backend;
	case HYV_CAP_MAX_VCPUS:
		return HYV_MAX_VCPUS;
	case HYV_CAP_MAX_SLOTS:
		return HYV_MAX_MEMORY_SLOTS;
	case HYV_CAP_MMIO_DECODE:
	case HYV_CAP_READONLY_MEM:
	case HYV_CAP_DIRTY_LOG:
	case HYV_CAP_HUGE_PAGES:
	case HYV_CAP_LAPIC:
	case HYV_CAP_IRQFD:
	case HYV_CAP_DOORBELL:
	case HYV_CAP_CPUID:
	case HYV_CAP_MSRS:
	case HYV_CAP_XSAVE:
	case HYV_CAP_VCPU_EVENTS:
	case HYV_CAP_STRING_IO:
	case HYV_CAP_STRING_MMIO:
		return 1;
	case HYV_CAP_TSC_KHZ:
		return tsc_khz;
	default:
		return -EINVAL;
	}
}

static long hyv_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	switch (cmd) {
	case HYV_GET_API_VERSION:
		return arg ? -EINVAL : HYV_API_VERSION;
	case HYV_CREATE_VM:
		return hyv_vm_create(arg);
	case HYV_GET_VCPU_MMAP_SIZE:
		/* The run page, then the string-I/O data area. */
		return arg ? -EINVAL : (1 + HYV_PIO_PAGES) * PAGE_SIZE;
	case HYV_CHECK_CAP:
		return hyv_dev_check_cap(arg);
	case HYV_GET_SUPPORTED_CPUID:
		return hyv_cpuid_get_supported((void __user *)arg);
	case HYV_GET_MSR_INDEX_LIST:
		return hyv_msr_index_list_ioctl((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hyv_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= hyv_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice hyv_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "hyv",
	.fops	= &hyv_dev_fops,
	.mode	= 0600,
};

int hyv_dev_register(void)
{
	return misc_register(&hyv_miscdev);
}

void hyv_dev_unregister(void)
{
	misc_deregister(&hyv_miscdev);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM counters: exits by reason and nested mappings, read by the VMM
 * through HYV_GET_STATS and by a person in debugfs (hyv/vm<id>/stats).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "hyv.h"

static struct dentry *hyv_debugfs_root;

static const u8 hyv_stat_of_kind[HYV_X_NR] = {
	[HYV_X_HOST_EVENT]	= HYV_STAT_EXIT_HOST_EVENT,
	[HYV_X_HLT]		= HYV_STAT_EXIT_HLT,
	[HYV_X_IO]		= HYV_STAT_EXIT_IO,
	[HYV_X_CPUID]		= HYV_STAT_EXIT_CPUID,
	[HYV_X_HYPERCALL]	= HYV_STAT_EXIT_HYPERCALL,
	[HYV_X_MSR_READ]	= HYV_STAT_EXIT_MSR,
	[HYV_X_MSR_WRITE]	= HYV_STAT_EXIT_MSR,
	[HYV_X_NPF]		= HYV_STAT_EXIT_NPF,
	[HYV_X_CR_ACCESS]	= HYV_STAT_EXIT_CR,
	[HYV_X_DR_ACCESS]	= HYV_STAT_EXIT_CR,
	[HYV_X_IRQ_WINDOW]	= HYV_STAT_EXIT_WINDOW,
	[HYV_X_NMI_WINDOW]	= HYV_STAT_EXIT_WINDOW,
	[HYV_X_EXCEPTION]	= HYV_STAT_EXIT_EXCEPTION,
	[HYV_X_MCE]		= HYV_STAT_EXIT_EXCEPTION,
};

static const char *const hyv_stat_names[HYV_STAT_EXIT_NR] = {
	[HYV_STAT_EXIT_OTHER]		= "other",
	[HYV_STAT_EXIT_HOST_EVENT]	= "host_event",
	[HYV_STAT_EXIT_HLT]		= "hlt",
	[HYV_STAT_EXIT_IO]		= "io",
	[HYV_STAT_EXIT_CPUID]		= "cpuid",
	[HYV_STAT_EXIT_HYPERCALL]	= "hypercall",
	[HYV_STAT_EXIT_MSR]		= "msr",
	[HYV_STAT_EXIT_NPF]		= "npf",
	[HYV_STAT_EXIT_MMIO]		= "mmio",
	[HYV_STAT_EXIT_CR]		= "cr_dr",
	[HYV_STAT_EXIT_WINDOW]		= "window",
	[HYV_STAT_EXIT_EXCEPTION]	= "exception",
};

/* Called by the vCPU's own thread only: plain increments suffice. */
void hyv_stats_count_exit(struct hyv_vcpu *vcpu, const struct hyv_exit *exit,
			  int action)
{
	struct hyv_vcpu_stats *st = &vcpu->stats;

	st->exits++;
	st->exit_reason[exit->kind < HYV_X_NR ?
			hyv_stat_of_kind[exit->kind] : HYV_STAT_EXIT_OTHER]++;
	if (action != HYV_TO_USER)
		return;
	st->exits_to_user++;
	if (vcpu->run->exit_reason == HYV_EXIT_MMIO)
		st->exit_reason[HYV_STAT_EXIT_MMIO]++;
}

static void hyv_stats_add(struct hyv_vcpu_stats *sum,
			  const struct hyv_vcpu_stats *st)
{
	int i;

	sum->exits += READ_ONCE(st->exits);
	sum->exits_to_user += READ_ONCE(st->exits_to_user);
	for (i = 0; i < HYV_STAT_EXIT_NR; i++)
		sum->exit_reason[i] += READ_ONCE(st->exit_reason[i]);
}

/* A vCPU going away leaves its counts to the VM. */
void hyv_stats_retire_vcpu(struct hyv_vcpu *vcpu)
{
	hyv_stats_add(&vcpu->vm->retired_stats, &vcpu->stats);
}

static void hyv_stats_collect(struct hyv_vm *vm, struct hyv_vm_stats *out)
{
	struct hyv_vcpu_stats sum = {};
	int i;

	mutex_lock(&vm->lock);
	hyv_stats_add(&sum, &vm->retired_stats);
	for (i = 0; i < HYV_MAX_VCPUS; i++) {
		struct hyv_vcpu *vcpu = rcu_dereference_protected(vm->vcpus[i],
						lockdep_is_held(&vm->lock));

		if (vcpu)
			hyv_stats_add(&sum, &vcpu->stats);
	}
	mutex_unlock(&vm->lock);

	memset(out, 0, sizeof(*out));
	out->exits = sum.exits;
	out->exits_to_user = sum.exits_to_user;
	memcpy(out->exit_reason, sum.exit_reason, sizeof(out->exit_reason));
	spin_lock(&vm->mmu.lock);
	out->pages_4k = vm->mmu.nr_4k;
	out->pages_2m = vm->mmu.nr_2m;
	spin_unlock(&vm->mmu.lock);
}

int hyv_stats_ioctl(struct hyv_vm *vm, void __user *argp)
{
	struct hyv_vm_stats st;
	u64 flags;

	if (get_user(flags, (u64 __user *)argp))
		return -EFAULT;
	if (flags)
		return -EINVAL;
	hyv_stats_collect(vm, &st);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static int hyv_stats_show(struct seq_file *m, void *unused)
{
	struct hyv_vm *vm = m->private;
	struct hyv_vm_stats st;
	int i;

	hyv_stats_collect(vm, &st);
	seq_printf(m, "exits %llu\nexits_to_user %llu\n", st.exits,
		   st.exits_to_user);
	for (i = 0; i < HYV_STAT_EXIT_NR; i++)
		if (hyv_stat_names[i])
			seq_printf(m, "exit_%s %llu\n", hyv_stat_names[i],
				   st.exit_reason[i]);
	seq_printf(m, "pages_4k %llu\npages_2m %llu\n", st.pages_4k,
		   st.pages_2m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hyv_stats);

/*
 * The debugfs file holds no reference on the VM: it is removed (and
 * waits for readers to finish) before the VM is freed.
 */
void hyv_stats_vm_init(struct hyv_vm *vm)
{
	char name[16];

	snprintf(name, sizeof(name), "vm%u", vm->id);
	vm->debugfs = debugfs_create_dir(name, hyv_debugfs_root);
	debugfs_create_file("stats", 0400, vm->debugfs, vm, &hyv_stats_fops);
}

void hyv_stats_vm_destroy(struct hyv_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
}

void hyv_stats_init(void)
{
	hyv_debugfs_root = debugfs_create_dir("hyv", NULL);
}

void hyv_stats_exit(void)
{
	debugfs_remove_recursive(hyv_debugfs_root);
}

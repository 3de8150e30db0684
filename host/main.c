// SPDX-License-Identifier: GPL-2.0
/*
 * hyv module entry: picks the vendor backend, turns virtualization on for
 * every online CPU (and for CPUs that come online later), and off again on
 * unload, CPU offline and reboot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/cpuhotplug.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>

#include "hyv.h"

const struct hyv_arch_ops *hyv_ops;
static enum cpuhp_state hyv_cpuhp_state;
static DEFINE_PER_CPU(bool, hyv_cpu_enabled);

/* The host's XCR0, which every exit restores (run.c); 0 without XSAVE. */
u64 hyv_host_xcr0;

/*
 * A reboot is turning virtualization off under vCPUs that may still run:
 * no more entries, and a faulting VMX/SVM instruction is expected.
 */
bool hyv_rebooting;

bool hyv_dump_on_error;
module_param_named(dump_on_error, hyv_dump_on_error, bool, 0644);
MODULE_PARM_DESC(dump_on_error,
		 "print the VMCB/VMCS on a failed entry or an unknown exit");

static void hyv_cpu_off(void)
{
	if (!this_cpu_read(hyv_cpu_enabled))
		return;
	hyv_user_msrs_drop();
	hyv_ops->cpu_disable();
	this_cpu_write(hyv_cpu_enabled, false);
}

static int hyv_cpu_online(unsigned int cpu)
{
	int ret;

	preempt_disable();
	ret = hyv_ops->cpu_enable();
	if (!ret)
		this_cpu_write(hyv_cpu_enabled, true);
	preempt_enable();
	if (ret)
		pr_err("cannot enable %s on CPU %u: %d\n",
		       hyv_ops->name, cpu, ret);
	return ret;
}

static int hyv_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	hyv_cpu_off();
	preempt_enable();
	return 0;
}

static void hyv_cpu_off_ipi(void *unused)
{
	hyv_cpu_off();
}

/*
 * On reboot, turn the extension off everywhere so that the next kernel
 * (kexec) or the firmware finds the CPUs as they were. The emergency path
 * (panic, crash kexec) is covered by the kernel itself for SVM: it clears
 * EFER.SVME in cpu_emergency_disable_virtualization().
 */
static int hyv_reboot(struct notifier_block *nb, unsigned long code, void *p)
{
	WRITE_ONCE(hyv_rebooting, true);
	on_each_cpu(hyv_cpu_off_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block hyv_reboot_nb = {
	.notifier_call = hyv_reboot,
};

static int __init hyv_init(void)
{
	int ret;

	hyv_ops = hyv_svm_probe();
	if (PTR_ERR_OR_ZERO(hyv_ops) == -ENODEV)
		hyv_ops = hyv_vmx_probe();
	if (PTR_ERR_OR_ZERO(hyv_ops) == -ENODEV)
		pr_err("no usable AMD-V (SVM+NPT) or VT-x (VMX+EPT) on this CPU\n");
	if (IS_ERR(hyv_ops))
		return PTR_ERR(hyv_ops);
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		hyv_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

	ret = hyv_ops->hardware_setup();
	if (ret)
		return ret;

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hyv:online",
				hyv_cpu_online, hyv_cpu_offline);
	if (ret < 0)
		goto err_unsetup;
	hyv_cpuhp_state = ret;

	register_reboot_notifier(&hyv_reboot_nb);
	hyv_stats_init();

	ret = hyv_dev_register();
	if (ret)
		goto err_cpuhp;

	pr_info("%s backend ready, /dev/hyv API version %d\n",
		hyv_ops->name, HYV_API_VERSION);
	return 0;

err_cpuhp:
	hyv_stats_exit();
	unregister_reboot_notifier(&hyv_reboot_nb);
	cpuhp_remove_state(hyv_cpuhp_state);
err_unsetup:
	hyv_ops->hardware_unsetup();
	return ret;
}

/*
 * Is hyv itself a guest of QEMU's TCG (the testbed's SVM machine)? It
 * announces itself with this hypervisor signature. The quirks it needs
 * are named where they are worked around (grep for callers).
 */
bool hyv_on_qemu_tcg(void)
{
	u32 eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(0x40000000, &eax, &sig[0], &sig[1], &sig[2]);
	return !memcmp(sig, "TCGTCGTCGTCG", sizeof(sig));
}

/*
 * Every open fd holds a module reference (fops.owner), and every VM and
 * vCPU holds an fd's file, so unload cannot race with a live VM.
 */
static void __exit hyv_exit(void)
{
	hyv_dev_unregister();
	hyv_sched_hook_disable();
	hyv_stats_exit();
	unregister_reboot_notifier(&hyv_reboot_nb);
	cpuhp_remove_state(hyv_cpuhp_state);
	hyv_ops->hardware_unsetup();
	pr_info("unloaded\n");
}

module_init(hyv_init);
module_exit(hyv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hyv: hybrid virtualization host (SVM/NPT, VMX/EPT)");

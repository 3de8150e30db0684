// SPDX-License-Identifier: GPL-2.0
/*
 * A debugging aid for the testbed's L1, not part of hyv: reports every
 * interrupt taken in kernel mode while the interrupted context had
 * RFLAGS.IF clear, which no real CPU does, with its vector and whether the
 * local APIC has that vector in service. An APIC-delivered interrupt has;
 * one QEMU's TCG delivers again from a stale exception_index (see
 * svm_inject_virq() in host/svm/svm_irq.c) has not. Covers the local
 * timer, the call-function IPIs and device vectors (__common_interrupt).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>

static atomic_t ifprobe_seen, ifprobe_bad;

static void ifprobe_check(struct pt_regs *irq_regs, unsigned int vector,
			  const char *what)
{
	u32 isr;

	atomic_inc(&ifprobe_seen);
	if (user_mode(irq_regs) || (irq_regs->flags & X86_EFLAGS_IF))
		return;
	isr = apic_read(APIC_ISR + (vector / 32) * 0x10);
	atomic_inc(&ifprobe_bad);
	pr_err("%s vector %#x taken with IF=0 at %pS flags %#lx, in APIC ISR: %d\n",
	       what, vector, (void *)irq_regs->ip, irq_regs->flags,
	       !!(isr & BIT(vector % 32)));
}

/* Each probed function takes the interrupt's pt_regs first (RDI). */
static int ifprobe_timer(struct kprobe *p, struct pt_regs *regs)
{
	ifprobe_check((struct pt_regs *)regs->di, LOCAL_TIMER_VECTOR, "timer");
	return 0;
}

static int ifprobe_common(struct kprobe *p, struct pt_regs *regs)
{
	ifprobe_check((struct pt_regs *)regs->di, regs->si & 0xff, "device");
	return 0;
}

static int ifprobe_call(struct kprobe *p, struct pt_regs *regs)
{
	ifprobe_check((struct pt_regs *)regs->di, CALL_FUNCTION_VECTOR,
		      "call-function");
	return 0;
}

static int ifprobe_call1(struct kprobe *p, struct pt_regs *regs)
{
	ifprobe_check((struct pt_regs *)regs->di, CALL_FUNCTION_SINGLE_VECTOR,
		      "call-function-single");
	return 0;
}

static struct kprobe ifprobe_kps[] = {
	{ .symbol_name = "__sysvec_apic_timer_interrupt",
	  .pre_handler = ifprobe_timer },
	{ .symbol_name = "__common_interrupt", .pre_handler = ifprobe_common },
	{ .symbol_name = "__sysvec_call_function", .pre_handler = ifprobe_call },
	{ .symbol_name = "__sysvec_call_function_single",
	  .pre_handler = ifprobe_call1 },
};

static bool ifprobe_on[ARRAY_SIZE(ifprobe_kps)];

static int __init ifprobe_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(ifprobe_kps); i++) {
		ret = register_kprobe(&ifprobe_kps[i]);
		ifprobe_on[i] = !ret;
		if (ret)
			pr_warn("%s: not probed (%d)\n",
				ifprobe_kps[i].symbol_name, ret);
	}
	return 0;
}

static void __exit ifprobe_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ifprobe_kps); i++)
		if (ifprobe_on[i])
			unregister_kprobe(&ifprobe_kps[i]);
	pr_info("%d interrupts seen, %d of them with IF=0\n",
		atomic_read(&ifprobe_seen), atomic_read(&ifprobe_bad));
}

module_init(ifprobe_init);
module_exit(ifprobe_exit);
MODULE_DESCRIPTION("Reports interrupts taken with RFLAGS.IF clear (testbed debugging)");
MODULE_LICENSE("GPL");

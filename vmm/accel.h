/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interface hyv-run drives, as one table of operations (the
 * "accelerator", as QEMU and kvmtool call it): /dev/hyv (accel/hyv.c),
 * or /dev/kvm (accel/kvm.c) to run the same machine beside KVM. Every
 * operation returns 0 or -errno. The rest of hyv-run never issues an
 * ioctl itself.
 */
#ifndef HYV_RUN_ACCEL_H
#define HYV_RUN_ACCEL_H

#include "vcpu.h"

struct accel {
	const char *name;
	const char *device;	/* the node it opens */
	/* Open the device, create the VM; fill vmm->caps, vmm->tsc_khz. */
	int (*vm_create)(struct vmm *vmm);
	int (*set_slot)(struct vmm *vmm, u32 slot, u64 gpa, u64 size, void *host);
	void (*vm_destroy)(struct vmm *vmm);
	/* A vCPU fd and its run page, CPUID and MSRs set. */
	int (*vcpu_create)(struct vmm *vmm, struct vcpu *v);
	/* The BSP's entry state, or (APs) wait for the guest's INIT/SIPI. */
	int (*vcpu_boot_state)(struct vcpu *v, const struct hyv_regs *regs,
			       const struct hyv_sregs *sregs);
	/* Enter the guest until an exit; -EINTR when kicked. */
	int (*vcpu_run)(struct vcpu *v, struct vcpu_exit *exit);
	/* After VCPU_EXIT_HLT: sleep until NMI, INIT or SIPI. */
	int (*vcpu_halt)(struct vcpu *v);
	/* Make the next or current run return -EINTR (with a signal). */
	void (*vcpu_kick)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	u64 (*vcpu_rip)(struct vcpu *v);
	int (*signal_msi)(struct vmm *vmm, u64 address, u32 data);
	/*
	 * Optional (NULL: the kernel has none): an eventfd that delivers an
	 * MSI when signalled, and one that a guest doorbell hypercall on
	 * (device, queue) signals; deassign removes the same binding.
	 */
	int (*irqfd)(struct vmm *vmm, int fd, u64 address, u32 data,
		     bool deassign);
	int (*doorbell)(struct vmm *vmm, int fd, u32 device, u32 queue,
			bool deassign);
	/* Exit counters on stderr, if the kernel keeps them. */
	void (*print_stats)(struct vmm *vmm);
};

extern const struct accel accel_hyv;
extern const struct accel accel_kvm;

/* CPUID topology fields that name a vCPU (cpu.c, for both accelerators). */
void cpuid_set_apic_id(u32 function, u32 *eax, u32 *ebx, u32 *edx,
		       unsigned int id);
/* The host TSC's frequency in kHz, measured over 100 ms; 0 if unsure. */
u32 cpu_measure_tsc_khz(void);

#endif /* HYV_RUN_ACCEL_H */

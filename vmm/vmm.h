/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv-run: the VM as the whole program sees it. main.c builds one struct
 * vmm from the options, vm.c owns /dev/hyv, the VM fd and guest memory,
 * vcpu.c the vCPU threads; devices hang off the two buses.
 *
 * Threads: one per vCPU (vcpu.c) plus the main thread, which feeds
 * console input to the UART and waits for the VM to end. Devices are
 * reached from any of them and lock themselves.
 */
#ifndef HYV_RUN_VMM_H
#define HYV_RUN_VMM_H

#include <stdatomic.h>
#include <linux/hyv.h>

#include "bus.h"
#include "mem.h"
#include "options.h"

struct accel;
struct vcpu;
struct serial;
struct ioapic;
struct pci_bus;
struct pv_devices;

struct vmm {
	const struct hyv_options *opts;
	const struct accel *accel;	/* hyv.ko or KVM (accel.h) */
	int dev_fd, vm_fd;
	long caps[HYV_CAP_NR];		/* hyv: HYV_CHECK_CAP; <= 0: absent */
	long max_vcpus;			/* 0: unknown */
	struct guest_mem mem;
	struct bus pio, mmio;
	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	u32 tsc_khz;			/* 0: unknown */

	struct serial *com1;
	struct ioapic *ioapic;
	struct pci_bus *pci;
	struct pv_devices *pv;		/* --disk, --net (devices/pv.c) */

	/* How the VM ends: the first vmm_request_exit() wins. */
	atomic_int exit_status;		/* -1 while running */
	int stop_fd;			/* eventfd: wakes the main thread */
	u64 start_ns;
};

/* vm.c */
int vmm_open(struct vmm *vmm, const struct hyv_options *opts);
void vmm_close(struct vmm *vmm);

/* Ask for the VM to end with this exit status (any thread). */
void vmm_request_exit(struct vmm *vmm, int status);
static inline bool vmm_stopping(struct vmm *vmm)
{
	return atomic_load(&vmm->exit_status) >= 0;
}

/* Deliver an MSI (HYV_SIGNAL_MSI); a guest with no matching APIC is fine. */
void vmm_signal_msi(struct vmm *vmm, u64 address, u32 data);
/* An ISA/GSI interrupt line of a device changed level (to the IOAPIC). */
void vmm_set_irq(struct vmm *vmm, unsigned int gsi, bool level);
void vmm_print_stats(struct vmm *vmm);

/* vcpu.c */
void vcpus_create(struct vmm *vmm);
void vcpus_boot_state(struct vmm *vmm, const struct hyv_regs *regs,
		      const struct hyv_sregs *sregs);
void vcpus_start(struct vmm *vmm);
void vcpus_stop(struct vmm *vmm);
void vcpus_destroy(struct vmm *vmm);

#endif /* HYV_RUN_VMM_H */

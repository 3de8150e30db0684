// SPDX-License-Identifier: GPL-2.0
/*
 * The VM, whichever the accelerator: guest RAM in memory slots (at most
 * HYV_MAX_SLOT_PAGES each, so large guests take several), MSI delivery,
 * interrupt lines to the IOAPIC, and how the VM asks to end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <hyv/layout.h>
#include "accel.h"
#include "devices/ioapic.h"
#include "devices/pv.h"

/* RAM in slots of at most HYV_MAX_SLOT_PAGES pages (hyv.ko's limit). */
static int vm_set_slots(struct vmm *vmm, u64 gpa, u8 *host, u64 size,
			unsigned int *slot)
{
	const u64 max = HYV_MAX_SLOT_PAGES * SZ_4K;
	int err;

	while (size) {
		u64 n = MIN(size, max);

		err = vmm->accel->set_slot(vmm, (*slot)++, gpa, n, host);
		if (err)
			return err;
		gpa += n;
		host += n;
		size -= n;
	}
	return 0;
}

int vmm_open(struct vmm *vmm, const struct hyv_options *opts)
{
	const struct accel *a = opts->accel_kvm ? &accel_kvm : &accel_hyv;
	unsigned int slot = 0;
	int ret;

	vmm->opts = opts;
	vmm->accel = a;
	vmm->nr_vcpus = opts->cpus;
	atomic_init(&vmm->exit_status, -1);
	bus_init(&vmm->pio, "port");
	bus_init(&vmm->mmio, "MMIO");
	vmm->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (vmm->stop_fd < 0)
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "eventfd");

	ret = a->vm_create(vmm);
	if (ret) {
		errno = -ret;
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "%s: cannot create a VM%s", a->device,
			      ret == -ENOENT ? " (is the module loaded?)" : "");
	}
	if (vmm->max_vcpus && vmm->max_vcpus < (long)opts->cpus)
		hyv_die(HYV_RUN_EXIT_USAGE, "--cpus %u: %s runs at most %ld",
			opts->cpus, a->device, vmm->max_vcpus);

	ret = guest_mem_alloc(&vmm->mem, opts->mem_size);
	if (ret) {
		errno = -ret;
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "guest memory (%llu MiB)",
			      (unsigned long long)opts->mem_size >> 20);
	}
	ret = vm_set_slots(vmm, 0, vmm->mem.host, vmm->mem.low, &slot);
	if (!ret)
		ret = vm_set_slots(vmm, HYV_LAYOUT_4G, vmm->mem.host + vmm->mem.low,
				   vmm->mem.high, &slot);
	if (ret) {
		errno = -ret;
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "memory slot %u", slot - 1);
	}
	hyv_info("%s: %llu MiB of RAM: %llu MiB below 4 GiB, %llu MiB above, %u slot(s)",
		 a->name, (unsigned long long)vmm->mem.size >> 20,
		 (unsigned long long)vmm->mem.low >> 20,
		 (unsigned long long)vmm->mem.high >> 20, slot);
	return 0;
}

void vmm_close(struct vmm *vmm)
{
	vmm->accel->vm_destroy(vmm);
	guest_mem_free(&vmm->mem);
	bus_destroy(&vmm->pio);
	bus_destroy(&vmm->mmio);
}

void vmm_request_exit(struct vmm *vmm, int status)
{
	int running = -1;
	u64 one = 1;

	if (atomic_compare_exchange_strong(&vmm->exit_status, &running, status) &&
	    write(vmm->stop_fd, &one, sizeof(one)) != sizeof(one))
		hyv_warn("cannot wake the main thread: %s", strerror(errno));
}

void vmm_signal_msi(struct vmm *vmm, u64 address, u32 data)
{
	int err = vmm->accel->signal_msi(vmm, address, data);

	/* No vCPU matched: the guest's routing, not our error. */
	if (err && err != -ENOENT)
		hyv_warn("MSI %#llx/%#x: %s", (unsigned long long)address, data,
			 strerror(-err));
}

void vmm_set_irq(struct vmm *vmm, unsigned int gsi, bool level)
{
	if (vmm->ioapic)
		ioapic_set_irq(vmm->ioapic, gsi, level);
}

void vmm_print_stats(struct vmm *vmm)
{
	vmm->accel->print_stats(vmm);
	pv_print_stats(vmm);
	bus_report_ranges(&vmm->pio);
	bus_report_ranges(&vmm->mmio);
	bus_report_unknown(&vmm->pio);
	bus_report_unknown(&vmm->mmio);
	fprintf(stderr, "hyv-run: ran %llu ms\n",
		(unsigned long long)(hyv_now_ns() - vmm->start_ns) / 1000000);
}

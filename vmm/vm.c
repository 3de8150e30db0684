// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: /dev/hyv, the capabilities, guest RAM in memory slots (at most
 * HYV_MAX_SLOT_PAGES each, so large guests take several), the TSC
 * frequency, MSI delivery and how the VM asks to end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <hyv/layout.h>
#include "vmm.h"
#include "devices/ioapic.h"

static int vm_set_slots(struct vmm *vmm, u64 gpa, u8 *host, u64 size,
			unsigned int *slot)
{
	const u64 max = HYV_MAX_SLOT_PAGES * SZ_4K;

	while (size) {
		struct hyv_memory_slot s = {
			.slot = (*slot)++,
			.guest_phys_addr = gpa,
			.size = MIN(size, max),
			.userspace_addr = (u64)(uintptr_t)host,
		};

		if (s.slot >= HYV_MAX_MEMORY_SLOTS)
			return -ENOSPC;
		if (ioctl(vmm->vm_fd, HYV_SET_MEMORY_SLOT, &s))
			return -errno;
		gpa += s.size;
		host += s.size;
		size -= s.size;
	}
	return 0;
}

static void vm_read_caps(struct vmm *vmm)
{
	int cap;

	for (cap = 0; cap < HYV_CAP_NR; cap++) {
		vmm->caps[cap] = ioctl(vmm->dev_fd, HYV_CHECK_CAP, cap);
		if (vmm->caps[cap] < 0)
			vmm->caps[cap] = 0;
	}
}

int vmm_open(struct vmm *vmm, const struct hyv_options *opts)
{
	unsigned int slot = 0;
	int ret;

	vmm->opts = opts;
	vmm->nr_vcpus = opts->cpus;
	atomic_init(&vmm->exit_status, -1);
	bus_init(&vmm->pio, "port");
	bus_init(&vmm->mmio, "MMIO");
	vmm->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (vmm->stop_fd < 0)
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "eventfd");

	vmm->dev_fd = open("/dev/hyv", O_RDWR | O_CLOEXEC);
	if (vmm->dev_fd < 0)
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "open /dev/hyv (is hyv.ko loaded?)");
	ret = ioctl(vmm->dev_fd, HYV_GET_API_VERSION, 0);
	if (ret != HYV_API_VERSION)
		hyv_die(HYV_RUN_EXIT_ERROR, "/dev/hyv API version %d, want %d",
			ret, HYV_API_VERSION);
	vm_read_caps(vmm);
	if (vmm->caps[HYV_CAP_MAX_VCPUS] &&
	    vmm->caps[HYV_CAP_MAX_VCPUS] < (long)opts->cpus)
		hyv_die(HYV_RUN_EXIT_USAGE, "--cpus %u: this hyv.ko runs at most %ld",
			opts->cpus, vmm->caps[HYV_CAP_MAX_VCPUS]);
	vmm->vm_fd = ioctl(vmm->dev_fd, HYV_CREATE_VM, 0);
	if (vmm->vm_fd < 0)
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "HYV_CREATE_VM");

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
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "HYV_SET_MEMORY_SLOT");
	}
	hyv_info("%llu MiB of RAM: %llu MiB below 4 GiB, %llu MiB above, %u slot(s)",
		 (unsigned long long)vmm->mem.size >> 20,
		 (unsigned long long)vmm->mem.low >> 20,
		 (unsigned long long)vmm->mem.high >> 20, slot);

	if (vmm->caps[HYV_CAP_TSC_KHZ] > 0) {
		ret = ioctl(vmm->vm_fd, HYV_GET_TSC_KHZ, 0);
		vmm->tsc_khz = ret > 0 ? ret : 0;
	}
	return 0;
}

void vmm_close(struct vmm *vmm)
{
	if (vmm->vm_fd >= 0)
		close(vmm->vm_fd);
	if (vmm->dev_fd >= 0)
		close(vmm->dev_fd);
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
	struct hyv_msi msi = { .address = address, .data = data };

	if (ioctl(vmm->vm_fd, HYV_SIGNAL_MSI, &msi) && errno != ENOENT)
		hyv_warn("HYV_SIGNAL_MSI %#llx/%#x: %s",
			 (unsigned long long)address, data, strerror(errno));
}

void vmm_set_irq(struct vmm *vmm, unsigned int gsi, bool level)
{
	if (vmm->ioapic)
		ioapic_set_irq(vmm->ioapic, gsi, level);
}

static const char *const stat_names[] = {
	[HYV_STAT_EXIT_OTHER] = "other",
	[HYV_STAT_EXIT_HOST_EVENT] = "host_event",
	[HYV_STAT_EXIT_HLT] = "hlt",
	[HYV_STAT_EXIT_IO] = "io",
	[HYV_STAT_EXIT_CPUID] = "cpuid",
	[HYV_STAT_EXIT_HYPERCALL] = "hypercall",
	[HYV_STAT_EXIT_MSR] = "msr",
	[HYV_STAT_EXIT_NPF] = "npf",
	[HYV_STAT_EXIT_MMIO] = "mmio",
};

void vmm_print_stats(struct vmm *vmm)
{
	struct hyv_vm_stats st = { 0 };
	unsigned int i;

	if (ioctl(vmm->vm_fd, HYV_GET_STATS, &st)) {
		hyv_warn("HYV_GET_STATS: %s", strerror(errno));
		return;
	}
	fprintf(stderr, "hyv-run: stats: exits=%llu to_user=%llu",
		(unsigned long long)st.exits,
		(unsigned long long)st.exits_to_user);
	for (i = 0; i < ARRAY_SIZE(stat_names); i++)
		fprintf(stderr, " %s=%llu", stat_names[i],
			(unsigned long long)st.exit_reason[i]);
	fprintf(stderr, " pages_4k=%llu pages_2m=%llu ms=%llu\n",
		(unsigned long long)st.pages_4k,
		(unsigned long long)st.pages_2m,
		(unsigned long long)(hyv_now_ns() - vmm->start_ns) / 1000000);
	bus_report_unknown(&vmm->pio);
	bus_report_unknown(&vmm->mmio);
}

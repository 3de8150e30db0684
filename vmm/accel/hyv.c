// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-run on hyv.ko: /dev/hyv, the VM and vCPU ioctls of
 * uapi/linux/hyv.h, and its run page turned into struct vcpu_exit.
 * vCPU setup is done the way a KVM VMM does it: the CPUID table is what
 * hyv.ko supports (HYV_GET_SUPPORTED_CPUID) with each vCPU's APIC ID
 * written in, and the MSRs firmware leaves set (PAT, MISC_ENABLE, the
 * default MTRR type) get their reset values. Each step is skipped when
 * hyv.ko lacks the capability (HYV_CHECK_CAP <= 0): the vCPU then keeps
 * hyv.ko's defaults.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "../accel.h"

#define MSR_IA32_CR_PAT		0x277
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_MTRR_DEF_TYPE	0x2ff

#define PAT_RESET		0x0007040600070406ULL	/* SDM vol. 3A §11.12.4 */
#define MISC_ENABLE_FAST_STRING	BIT_ULL(0)
#define MTRR_DEF_ENABLE_WB	0x806ULL	/* E, default type WB */

static struct hyv_cpuid *supported;	/* read once, shared by all vCPUs */

static int hyv_vm_create(struct vmm *vmm)
{
	int cap, ret;

	vmm->dev_fd = open("/dev/hyv", O_RDWR | O_CLOEXEC);
	if (vmm->dev_fd < 0)
		return -errno;
	ret = ioctl(vmm->dev_fd, HYV_GET_API_VERSION, 0);
	if (ret != HYV_API_VERSION) {
		hyv_warn("/dev/hyv API version %d, want %d", ret, HYV_API_VERSION);
		return -EPROTO;
	}
	for (cap = 0; cap < HYV_CAP_NR; cap++) {
		vmm->caps[cap] = ioctl(vmm->dev_fd, HYV_CHECK_CAP, cap);
		if (vmm->caps[cap] < 0)
			vmm->caps[cap] = 0;
	}
	vmm->max_vcpus = vmm->caps[HYV_CAP_MAX_VCPUS];
	vmm->vm_fd = ioctl(vmm->dev_fd, HYV_CREATE_VM, 0);
	if (vmm->vm_fd < 0)
		return -errno;
	if (vmm->caps[HYV_CAP_TSC_KHZ] > 0) {
		ret = ioctl(vmm->vm_fd, HYV_GET_TSC_KHZ, 0);
		vmm->tsc_khz = ret > 0 ? ret : 0;
	}
	if (!vmm->tsc_khz) {
		/* hyv.ko does not scale the TSC: the guest's runs at the host's. */
		vmm->tsc_khz = cpu_measure_tsc_khz();
		hyv_info("no HYV_GET_TSC_KHZ: TSC measured at %u kHz", vmm->tsc_khz);
	}
	return 0;
}

static int hyv_set_slot(struct vmm *vmm, u32 slot, u64 gpa, u64 size, void *host)
{
	struct hyv_memory_slot s = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.size = size,
		.userspace_addr = (u64)(uintptr_t)host,
	};

	if (slot >= HYV_MAX_MEMORY_SLOTS || size > HYV_MAX_SLOT_PAGES * SZ_4K)
		return -ENOSPC;
	return ioctl(vmm->vm_fd, HYV_SET_MEMORY_SLOT, &s) ? -errno : 0;
}

static void hyv_vm_destroy(struct vmm *vmm)
{
	if (vmm->vm_fd >= 0)
		close(vmm->vm_fd);
	if (vmm->dev_fd >= 0)
		close(vmm->dev_fd);
	vmm->vm_fd = -1;
	vmm->dev_fd = -1;
	free(supported);
	supported = NULL;
}

static int hyv_read_supported(struct vmm *vmm)
{
	supported = calloc(1, sizeof(*supported) +
			   HYV_MAX_CPUID_ENTRIES * sizeof(supported->entries[0]));
	if (!supported)
		return -ENOMEM;
	supported->nent = HYV_MAX_CPUID_ENTRIES;
	if (ioctl(vmm->dev_fd, HYV_GET_SUPPORTED_CPUID, supported)) {
		free(supported);
		supported = NULL;
		return -errno;
	}
	return 0;
}

static int hyv_set_cpuid(struct vmm *vmm, struct vcpu *v)
{
	struct hyv_cpuid *c;
	size_t size;
	unsigned int i;
	int err = 0;

	if (vmm->caps[HYV_CAP_CPUID] <= 0)
		return 0;
	if (!supported) {
		err = hyv_read_supported(vmm);
		if (err)
			return err;
	}
	size = sizeof(*c) + supported->nent * sizeof(c->entries[0]);
	c = malloc(size);
	if (!c)
		return -ENOMEM;
	memcpy(c, supported, size);
	for (i = 0; i < c->nent; i++) {
		struct hyv_cpuid_entry *e = &c->entries[i];

		cpuid_set_apic_id(e->function, &e->eax, &e->ebx, &e->edx, v->id);
	}
	if (ioctl(v->fd, HYV_SET_CPUID, c))
		err = -errno;
	free(c);
	return err;
}

static int hyv_set_msrs(struct vmm *vmm, struct vcpu *v)
{
	static const struct { u32 index; u64 value; } want[] = {
		{ MSR_IA32_CR_PAT, PAT_RESET },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
		{ MSR_MTRR_DEF_TYPE, MTRR_DEF_ENABLE_WB },
	};
	struct {
		struct hyv_msrs h;
		struct hyv_msr_entry e[1];
	} m = { 0 };
	unsigned int i;
	int done;

	if (vmm->caps[HYV_CAP_MSRS] <= 0)
		return 0;
	/* One at a time: an MSR this hyv.ko lacks is skipped, not fatal. */
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		m.h.nmsrs = 1;
		m.e[0].index = want[i].index;
		m.e[0].data = want[i].value;
		done = ioctl(v->fd, HYV_SET_MSRS, &m);
		if (done < 0)
			return -errno;
		if (done != 1)
			hyv_info("MSR %#x: not settable in this hyv.ko", want[i].index);
	}
	return 0;
}

static int hyv_vcpu_create(struct vmm *vmm, struct vcpu *v)
{
	int size, err;

	v->fd = ioctl(vmm->vm_fd, HYV_CREATE_VCPU, v->id);
	if (v->fd < 0)
		return -errno;
	size = ioctl(vmm->dev_fd, HYV_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct hyv_run))
		return -EINVAL;
	v->run_size = size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	err = hyv_set_cpuid(vmm, v);
	if (err) {
		hyv_warn("vCPU %u: HYV_SET_CPUID: %s", v->id, strerror(-err));
		return err;
	}
	return hyv_set_msrs(vmm, v);
}

static int hyv_vcpu_boot_state(struct vcpu *v, const struct hyv_regs *regs,
			       const struct hyv_sregs *sregs)
{
	struct hyv_mp_state mp = { .state = HYV_MP_STATE_INIT_RECEIVED };
	struct hyv_sregs s;

	if (v->id)	/* an AP: waits for the guest's INIT-SIPI-SIPI */
		return ioctl(v->fd, HYV_SET_MP_STATE, &mp) ? -errno : 0;
	if (ioctl(v->fd, HYV_GET_SREGS, &s))
		return -errno;
	s.cs = sregs->cs;
	s.ds = sregs->ds;
	s.es = sregs->es;
	s.fs = sregs->fs;
	s.gs = sregs->gs;
	s.ss = sregs->ss;
	s.tr = sregs->tr;
	s.ldt = sregs->ldt;
	s.gdt = sregs->gdt;
	s.idt = sregs->idt;
	s.cr0 = sregs->cr0;
	s.cr3 = sregs->cr3;
	s.cr4 = sregs->cr4;
	s.efer = sregs->efer;
	if (ioctl(v->fd, HYV_SET_SREGS, &s) || ioctl(v->fd, HYV_SET_REGS, regs))
		return -errno;
	return 0;
}

static int hyv_vcpu_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct hyv_run *run = v->run;

	memset(e, 0, sizeof(*e));
	if (ioctl(v->fd, HYV_RUN, 0))
		return -errno;
	e->raw_reason = run->exit_reason;
	switch (run->exit_reason) {
	case HYV_EXIT_IO:
		e->kind = VCPU_EXIT_IO;
		e->out = run->io.direction == HYV_IO_OUT;
		e->port = run->io.port;
		e->size = run->io.size;
		if (!run->io.count) {
			e->count = 1;
			e->data = (u8 *)&run->io.data;
		} else if (run->io.size && run->io.data_offset <= v->run_size &&
			   run->io.count <= (v->run_size - run->io.data_offset) /
					    run->io.size) {
			e->count = run->io.count;
			e->data = (u8 *)run + run->io.data_offset;
		}
		break;
	case HYV_EXIT_MMIO:
		e->kind = VCPU_EXIT_MMIO;
		e->addr = run->mmio.phys_addr;
		e->len = run->mmio.len;
		e->is_write = run->mmio.is_write;
		if (!run->mmio.count) {
			e->count = 1;
			e->mmio_data = (u8 *)&run->mmio.data;
		} else if (run->mmio.len &&
			   run->mmio.data_offset <= v->run_size &&
			   run->mmio.count <= (v->run_size - run->mmio.data_offset) /
					      run->mmio.len) {
			/* MOVS/STOS (HYV_CAP_STRING_MMIO): count accesses. */
			e->count = run->mmio.count;
			e->mmio_data = (u8 *)run + run->mmio.data_offset;
		}
		break;
	case HYV_EXIT_HLT:
		e->kind = VCPU_EXIT_HLT;
		break;
	case HYV_EXIT_SHUTDOWN:
		e->kind = VCPU_EXIT_SHUTDOWN;
		break;
	case HYV_EXIT_INTR:
		e->kind = VCPU_EXIT_INTR;
		break;
	case HYV_EXIT_FAIL_ENTRY:
		e->kind = VCPU_EXIT_FAIL_ENTRY;
		e->info[0] = run->fail_entry.hardware_reason;
		break;
	case HYV_EXIT_INTERNAL_ERROR:
		e->kind = VCPU_EXIT_INTERNAL;
		e->info[0] = run->internal.suberror;
		memcpy(&e->info[1], run->internal.data, 3 * sizeof(u64));
		break;
	default:
		e->kind = VCPU_EXIT_UNKNOWN;
		break;
	}
	return 0;
}

/*
 * HLT with interrupts off (an AP stopped by the guest, or offlined):
 * hyv.ko sleeps on the vCPU until NMI, INIT or SIPI instead of this
 * thread spinning through the exit.
 */
static int hyv_vcpu_halt(struct vcpu *v)
{
	struct hyv_mp_state mp = { .state = HYV_MP_STATE_HALTED };

	return ioctl(v->fd, HYV_SET_MP_STATE, &mp) ? -errno : 0;
}

static void hyv_vcpu_kick(struct vcpu *v)
{
	struct hyv_run *run = v->run;

	/* Seen by a RUN about to start; the signal ends one in flight. */
	__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

static void hyv_vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

static u64 hyv_vcpu_rip(struct vcpu *v)
{
	struct hyv_regs regs;

	return ioctl(v->fd, HYV_GET_REGS, &regs) ? ~0ULL : regs.rip;
}

static int hyv_signal_msi(struct vmm *vmm, u64 address, u32 data)
{
	struct hyv_msi msi = { .address = address, .data = data };

	return ioctl(vmm->vm_fd, HYV_SIGNAL_MSI, &msi) ? -errno : 0;
}

static int hyv_irqfd(struct vmm *vmm, int fd, u64 address, u32 data,
		     bool deassign)
{
	struct hyv_irqfd req = {
		.fd = fd,
		.flags = deassign ? HYV_IRQFD_DEASSIGN : 0,
		.msi_address = address,
		.msi_data = data,
	};

	return ioctl(vmm->vm_fd, HYV_IRQFD, &req) ? -errno : 0;
}

static int hyv_doorbell(struct vmm *vmm, int fd, u32 device, u32 queue,
			bool deassign)
{
	struct hyv_doorbell req = {
		.fd = fd,
		.flags = deassign ? HYV_DOORBELL_DEASSIGN : 0,
		.device = device,
		.queue = queue,
	};

	return ioctl(vmm->vm_fd, HYV_DOORBELL, &req) ? -errno : 0;
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

static void hyv_print_stats(struct vmm *vmm)
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
	fprintf(stderr, " pages_4k=%llu pages_2m=%llu\n",
		(unsigned long long)st.pages_4k,
		(unsigned long long)st.pages_2m);
}

const struct accel accel_hyv = {
	.name = "hyv",
	.device = "/dev/hyv",
	.vm_create = hyv_vm_create,
	.set_slot = hyv_set_slot,
	.vm_destroy = hyv_vm_destroy,
	.vcpu_create = hyv_vcpu_create,
	.vcpu_boot_state = hyv_vcpu_boot_state,
	.vcpu_run = hyv_vcpu_run,
	.vcpu_halt = hyv_vcpu_halt,
	.vcpu_kick = hyv_vcpu_kick,
	.vcpu_destroy = hyv_vcpu_destroy,
	.vcpu_rip = hyv_vcpu_rip,
	.signal_msi = hyv_signal_msi,
	.irqfd = hyv_irqfd,
	.doorbell = hyv_doorbell,
	.print_stats = hyv_print_stats,
};

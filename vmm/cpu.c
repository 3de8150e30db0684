// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU CPU setup, done as a KVM VMM does it: the CPUID table is what
 * hyv.ko supports (HYV_GET_SUPPORTED_CPUID) with this vCPU's APIC ID
 * written in, and the MSRs firmware would leave set (PAT, MISC_ENABLE,
 * the default MTRR type) get their reset values. Each step is skipped
 * when hyv.ko lacks the capability (HYV_CHECK_CAP <= 0): the vCPU then
 * keeps hyv.ko's defaults.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define MSR_IA32_CR_PAT		0x277
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_MTRR_DEF_TYPE	0x2ff

#define PAT_RESET		0x0007040600070406ULL	/* SDM vol. 3A §11.12.4 */
#define MISC_ENABLE_FAST_STRING	(1ULL << 0)
#define MTRR_DEF_ENABLE_WB	0x806ULL	/* E, default type WB */

static struct hyv_cpuid *supported;	/* read once, shared by all vCPUs */

static int cpu_read_supported(struct vmm *vmm)
{
	size_t size = sizeof(*supported) +
		      HYV_MAX_CPUID_ENTRIES * sizeof(supported->entries[0]);

	supported = calloc(1, size);
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

/* Topology fields that name this vCPU (Intel SDM CPUID; AMD APM vol. 3). */
static void cpu_set_apic_id(struct hyv_cpuid_entry *e, unsigned int id)
{
	switch (e->function) {
	case 1:
		e->ebx = (e->ebx & 0x00ffffff) | id << 24;
		break;
	case 0xb:
	case 0x1f:
		e->edx = id;
		break;
	case 0x8000001e:
		e->eax = id;
		break;
	}
}

static int cpu_set_cpuid(struct vmm *vmm, int fd, unsigned int id)
{
	struct hyv_cpuid *c;
	size_t size;
	unsigned int i;
	int err = 0;

	if (vmm->caps[HYV_CAP_CPUID] <= 0)
		return 0;
	if (!supported) {
		err = cpu_read_supported(vmm);
		if (err)
			return err;
	}
	size = sizeof(*c) + supported->nent * sizeof(c->entries[0]);
	c = malloc(size);
	if (!c)
		return -ENOMEM;
	memcpy(c, supported, size);
	for (i = 0; i < c->nent; i++)
		cpu_set_apic_id(&c->entries[i], id);
	if (ioctl(fd, HYV_SET_CPUID, c))
		err = -errno;
	free(c);
	return err;
}

static int cpu_set_msrs(struct vmm *vmm, int fd)
{
	static const struct { u32 index; u64 value; } want[] = {
		{ MSR_IA32_CR_PAT, PAT_RESET },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
		{ MSR_MTRR_DEF_TYPE, MTRR_DEF_ENABLE_WB },
	};
	struct {
		struct hyv_msrs h;
		struct hyv_msr_entry e[ARRAY_SIZE(want)];
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
		done = ioctl(fd, HYV_SET_MSRS, &m);
		if (done < 0)
			return -errno;
		if (done != 1)
			hyv_info("MSR %#x: not settable in this hyv.ko", want[i].index);
	}
	return 0;
}

int cpu_setup(struct vmm *vmm, int vcpu_fd, unsigned int id)
{
	int err;

	err = cpu_set_cpuid(vmm, vcpu_fd, id);
	if (err) {
		hyv_warn("vCPU %u: HYV_SET_CPUID: %s", id, strerror(-err));
		return err;
	}
	return cpu_set_msrs(vmm, vcpu_fd);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * MSR policy: every guest RDMSR/WRMSR exits, and only the MSRs listed
 * here exist for the guest; any other access gets #GP, as on a CPU that
 * lacks the MSR.
 */
#include "hyv.h"

/* 0 on success; -EINVAL or -ENOENT: the caller injects #GP. */
int hyv_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val)
{
	return hyv_lapic_msr_read(vcpu, msr, val);
}

int hyv_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val)
{
	return hyv_lapic_msr_write(vcpu, msr, val);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls (VMCALL / VMMCALL): number in RAX, arguments in RBX, RCX,
 * RDX, RSI, result in RAX, as uapi/linux/hyv_pv.h defines them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/hyv_pv.h>

#include "hyv.h"

void hyv_hypercall(struct hyv_vcpu *vcpu)
{
	u64 *gpr = vcpu->gpr;
	u64 nr = gpr[HYV_RAX];
	s64 ret;

	/* Only the guest kernel may call: guest user code gets -EPERM. */
	if (hyv_ops->get_cpl(vcpu) != 0) {
		gpr[HYV_RAX] = (u64)-EPERM;
		return;
	}

	switch (nr) {
	case HYV_HC_VERSION:
		ret = HYV_PV_VERSION;
		break;
	case HYV_HC_ECHO:
		ret = gpr[HYV_RBX];
		break;
	case HYV_HC_DOORBELL:
		ret = hyv_doorbell_ring(vcpu->vm, gpr[HYV_RBX], gpr[HYV_RCX]) ?
		      -HYV_ENOENT : 0;
		break;
	default:
		ret = -HYV_ENOSYS;
		break;
	}
	gpr[HYV_RAX] = ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's x87/SSE/AVX state and XCR0 as the VMM reads and writes them
 * (HYV_GET/SET_XSAVE, HYV_GET/SET_FPU, HYV_GET/SET_XCRS), to save and
 * restore a vCPU. The state lives in the kernel's guest fpstate
 * (fpu_alloc_guest_fpstate()) whenever the vCPU is not in HYV_RUN, which
 * holds for every ioctl here (the vCPU lock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>

#include "hyv.h"

/* The standard-format XSAVE image, as XSAVE would write it. */
int hyv_fpu_get_xsave(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_xsave *xs;
	int ret = 0;

	xs = kzalloc(sizeof(*xs), GFP_KERNEL_ACCOUNT);
	if (!xs)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->fpu, xs->region,
				       sizeof(xs->region),
				       hyv_xcr0_supported() | XFEATURE_MASK_FPSSE,
				       vcpu->pkru);
	if (copy_to_user(argp, xs, sizeof(*xs)))
		ret = -EFAULT;
	kfree(xs);
	return ret;
}

/*
 * An image XRSTOR would load in the guest, checked here, at the boundary,
 * rather than left to the kernel's copy (which judges XSTATE_BV by the
 * guest's current XCR0 only as hyv passes it, and MXCSR only when x87,
 * SSE or AVX is named): XSTATE_BV within what the guest may ever enable
 * (x87 and SSE are live state whatever XCR0 says, as in KVM's
 * supported_xcr0), XCOMP_BV 0 (the standard format), the header's
 * reserved bytes 0 (SDM vol. 1 §13.4.2), and MXCSR within the CPU's
 * mask even when XSTATE_BV names no component: XRSTOR loads MXCSR
 * whenever SSE or AVX is enabled and takes #GP on a reserved bit
 * (SDM vol. 1 §13.8.1).
 */
static int hyv_fpu_check_xsave(const struct xregs_state *xs)
{
	const struct xstate_header *hdr = &xs->header;

	if (hdr->xfeatures & ~(hyv_xcr0_supported() | XFEATURE_MASK_FPSSE))
		return -EINVAL;
	if (hdr->xcomp_bv)
		return -EINVAL;
	if (memchr_inv(hdr->reserved, 0, sizeof(hdr->reserved)))
		return -EINVAL;
	if (xs->i387.mxcsr & ~mxcsr_feature_mask)
		return -EINVAL;
	return 0;
}

/*
 * Load an XSAVE image (checked above). PKRU, should hyv ever give a guest
 * protection keys, goes to the vCPU's own PKRU, which the run loop swaps
 * in: the kernel's copy leaves it alone when XSTATE_BV has no PKRU bit.
 */
int hyv_fpu_set_xsave(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_xsave *xs;
	int ret;

	BUILD_BUG_ON(sizeof(*xs) < sizeof(struct xregs_state));
	xs = memdup_user(argp, sizeof(*xs));
	if (IS_ERR(xs))
		return PTR_ERR(xs);
	ret = hyv_fpu_check_xsave((const struct xregs_state *)xs->region);
	if (!ret)
		ret = fpu_copy_uabi_to_guest_fpstate(&vcpu->fpu, xs->region,
						     hyv_xcr0_supported() |
						     XFEATURE_MASK_FPSSE,
						     &vcpu->pkru);
	kfree(xs);
	return ret;
}

static struct fxregs_state *hyv_fpu_fxsave(struct hyv_vcpu *vcpu)
{
	return &vcpu->fpu.fpstate->regs.fxsave;
}

int hyv_fpu_get(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct fxregs_state *fx = hyv_fpu_fxsave(vcpu);
	struct hyv_fpu fpu = {};
	int i;

	for (i = 0; i < 8; i++)
		memcpy(fpu.fpr[i], &fx->st_space[i * 4], 16);
	fpu.fcw = fx->cwd;
	fpu.fsw = fx->swd;
	fpu.ftwx = fx->twd;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->rip;
	fpu.last_dp = fx->rdp;
	memcpy(fpu.xmm, fx->xmm_space, sizeof(fpu.xmm));
	fpu.mxcsr = fx->mxcsr;
	return copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
}

/*
 * MXCSR bits beyond the CPU's MXCSR_MASK would make the host's XRSTOR of
 * the guest state fault. The mask is the CPU's (mxcsr_feature_mask), not
 * the MXCSR_MASK field of the vCPU's state: SET_XSAVE copies that field
 * from the VMM's image (XRSTOR ignores it), so it proves nothing.
 */
int hyv_fpu_set(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct fxregs_state *fx = hyv_fpu_fxsave(vcpu);
	struct hyv_fpu fpu;
	int i;

	if (copy_from_user(&fpu, argp, sizeof(fpu)))
		return -EFAULT;
	if (fpu.flags || fpu.padding1 || fpu.padding2 ||
	    (fpu.mxcsr & ~mxcsr_feature_mask))
		return -EINVAL;
	for (i = 0; i < 8; i++)
		memcpy(&fx->st_space[i * 4], fpu.fpr[i], 16);
	fx->cwd = fpu.fcw;
	fx->swd = fpu.fsw;
	fx->twd = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->rip = fpu.last_ip;
	fx->rdp = fpu.last_dp;
	memcpy(fx->xmm_space, fpu.xmm, sizeof(fpu.xmm));
	fx->mxcsr = fpu.mxcsr;
	/* The x87 and SSE components now hold data: mark them in use. */
	vcpu->fpu.fpstate->regs.xsave.header.xfeatures |=
		XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	return 0;
}

int hyv_fpu_get_xcrs(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_xcrs xcrs = {};

	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = vcpu->xcr0;
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

/* Only XCR0 exists; its value is checked as XSETBV checks it. */
int hyv_fpu_set_xcrs(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_xcrs xcrs;
	u32 i;
	int ret;

	if (copy_from_user(&xcrs, argp, sizeof(xcrs)))
		return -EFAULT;
	if (xcrs.flags || xcrs.nr_xcrs > ARRAY_SIZE(xcrs.xcrs))
		return -EINVAL;
	for (i = 0; i < xcrs.nr_xcrs; i++) {
		if (xcrs.xcrs[i].xcr || xcrs.xcrs[i].reserved)
			return -EINVAL;
		ret = hyv_set_xcr0(vcpu, xcrs.xcrs[i].value);
		if (ret)
			return ret;
	}
	return 0;
}

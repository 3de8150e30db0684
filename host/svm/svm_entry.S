/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv AMD SVM world switch: one VMRUN with the guest's general-purpose
 * registers loaded around it. RAX, RSP, RIP and RFLAGS travel in the VMCB;
 * everything VMRUN does not switch (FS/GS/TR/LDTR, KernelGSBase, the
 * SYSCALL/SYSENTER MSRs) is swapped with VMSAVE/VMLOAD (AMD APM vol. 2
 * §15.5.2).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "../entry_gprs.inc"

	.section .text, "ax"

/*
 * void hyv_svm_enter(phys_addr_t vmcb_pa @rdi, u64 *gprs @rsi,
 *		      phys_addr_t host_pa @rdx)
 * Called with GIF=0.
 */
SYM_FUNC_START(hyv_svm_enter)
	HYV_PUSH_CALLEE_SAVED
	push	%rdx			/* 16(%rsp): host save page */
	push	%rsi			/*  8(%rsp): gprs */
	push	%rdi			/*  0(%rsp): guest VMCB */

	mov	%rdx, %rax
	vmsave	%rax
	mov	%rdi, %rax
	vmload	%rax

	HYV_LOAD_GUEST_GPRS

	vmrun	%rax

	/* RAX and RSP are the host's again; everything else is the guest's. */
	mov	8(%rsp), %rax
	HYV_SAVE_GUEST_GPRS
	HYV_SCRUB_AFTER_EXIT

	pop	%rax			/* guest VMCB */
	vmsave	%rax
	pop	%rsi
	pop	%rax			/* host save page */
	vmload	%rax

	HYV_POP_CALLEE_SAVED
	RET
SYM_FUNC_END(hyv_svm_enter)

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv Intel VMX world switch: VMLAUNCH or VMRESUME with the guest's
 * general-purpose registers loaded; RSP, RIP and RFLAGS travel in the
 * VMCS. A VM exit lands at hyv_vmx_exit_rip (HOST_RIP) with RSP = HOST_RSP,
 * which this function writes just before entering (Intel SDM vol. 3C
 * §27.5.3).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

#include "../entry_gprs.inc"

#define VMCS_HOST_RSP	0x00006c14

	.section .text, "ax"

/* int hyv_vmx_enter(bool launched @dil, u64 *gprs @rsi) */
SYM_FUNC_START(hyv_vmx_enter)
	HYV_PUSH_CALLEE_SAVED
	push	%rsi			/* 0(%rsp): gprs, found again at exit */
	UNWIND_HINT_SAVE		/* the stack a VM exit comes back to */

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	/* Decide now: the MOVs below leave the flags alone. */
	test	%dil, %dil

	mov	HYV_GPR_RAX(%rsi), %rax
	HYV_LOAD_GUEST_GPRS

	jnz	.Lresume
	vmlaunch
	jmp	.Lfailed
.Lresume:
	vmresume
.Lfailed:
	/* VMfailInvalid or VMfailValid: the guest never ran. */
	mov	$1, %eax
	jmp	.Lout

SYM_INNER_LABEL(hyv_vmx_exit_rip, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ANNOTATE_NOENDBR
	push	%rax			/* guest RAX; 8(%rsp) is gprs */
	mov	8(%rsp), %rax
	HYV_SAVE_GUEST_GPRS
	pop	HYV_GPR_RAX(%rax)
	HYV_SCRUB_AFTER_EXIT
	xor	%eax, %eax

.Lout:
	add	$8, %rsp
	HYV_POP_CALLEE_SAVED
	RET
SYM_FUNC_END(hyv_vmx_enter)

/*
 * void hyv_vmx_do_nmi(void)
 * An NMI that arrived in the guest caused a VM exit and is gone from the
 * CPU: run the host's NMI handler on an interrupt frame built here, as if
 * the NMI had arrived now (the handler returns with IRET).
 */
SYM_FUNC_START(hyv_vmx_do_nmi)
	push	%rbp
	mov	%rsp, %rbp
	and	$-16, %rsp
	push	$__KERNEL_DS
	push	%rbp
	pushf
	push	$__KERNEL_CS
	call	asm_exc_nmi_noist
	leave
	RET
SYM_FUNC_END(hyv_vmx_do_nmi)

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

/*
 * int hyv_vmx_enter(bool launched @dil, u64 *gprs @rsi)
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed (VMfail), 2 if
 * a VMX instruction faulted (VMX turned off: only during a reboot).
 */
SYM_FUNC_START(hyv_vmx_enter)
	HYV_PUSH_CALLEE_SAVED
	push	%rsi			/* 0(%rsp): gprs, found again at exit */
	UNWIND_HINT_SAVE		/* the stack a VM exit comes back to */

	mov	$VMCS_HOST_RSP, %eax
1:	vmwrite	%rsp, %rax

	/* Decide now, in CF: the MOVs and VERW below leave it alone. */
	bt	$0, %edi

	mov	HYV_GPR_RAX(%rsi), %rax
	HYV_LOAD_GUEST_GPRS

	/* MDS and friends: no host data left in CPU buffers (clobbers ZF). */
	CLEAR_CPU_BUFFERS

	jc	.Lresume
2:	vmlaunch
	jmp	.Lfailed
.Lresume:
3:	vmresume
.Lfailed:
	/* VMfailInvalid or VMfailValid: the guest never ran. */
	mov	$1, %ebx
	jmp	.Lscrub
.Lfault:
	mov	$2, %ebx
	jmp	.Lscrub

SYM_INNER_LABEL(hyv_vmx_exit_rip, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ANNOTATE_NOENDBR
	push	%rax			/* guest RAX; 8(%rsp) is gprs */
	mov	8(%rsp), %rax
	HYV_SAVE_GUEST_GPRS
	pop	HYV_GPR_RAX(%rax)
	xor	%ebx, %ebx

.Lscrub:
	/*
	 * Before the first RET: refill the return stack buffer where the
	 * kernel asks for it on VM exit, and clear the branch history.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT
	HYV_SCRUB_AFTER_EXIT
	mov	%ebx, %eax
	add	$8, %rsp
	HYV_POP_CALLEE_SAVED
	RET

	_ASM_EXTABLE(1b, .Lfault)
	_ASM_EXTABLE(2b, .Lfault)
	_ASM_EXTABLE(3b, .Lfault)
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

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

/* Offsets into the core's gpr[] array (enum hyv_gpr order). */
#define GPR(n)	((n) * 8)
#define RAX	GPR(0)
#define RCX	GPR(1)
#define RDX	GPR(2)
#define RBX	GPR(3)
#define RBP	GPR(5)
#define RSI	GPR(6)
#define RDI	GPR(7)
#define R8	GPR(8)
#define R9	GPR(9)
#define R10	GPR(10)
#define R11	GPR(11)
#define R12	GPR(12)
#define R13	GPR(13)
#define R14	GPR(14)
#define R15	GPR(15)

#define VMCS_HOST_RSP	0x00006c14

	.section .text, "ax"

/* int hyv_vmx_enter(u64 *gprs @rdi, bool launched @sil) */
SYM_FUNC_START(hyv_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi			/* 0(%rsp): gprs, found again at exit */
	UNWIND_HINT_SAVE		/* the stack a VM exit comes back to */

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	/* Decide now: the MOVs below leave the flags alone. */
	test	%sil, %sil

	mov	RAX(%rdi), %rax
	mov	RCX(%rdi), %rcx
	mov	RDX(%rdi), %rdx
	mov	RBX(%rdi), %rbx
	mov	RBP(%rdi), %rbp
	mov	RSI(%rdi), %rsi
	mov	R8(%rdi), %r8
	mov	R9(%rdi), %r9
	mov	R10(%rdi), %r10
	mov	R11(%rdi), %r11
	mov	R12(%rdi), %r12
	mov	R13(%rdi), %r13
	mov	R14(%rdi), %r14
	mov	R15(%rdi), %r15
	mov	RDI(%rdi), %rdi

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
	mov	%rcx, RCX(%rax)
	mov	%rdx, RDX(%rax)
	mov	%rbx, RBX(%rax)
	mov	%rbp, RBP(%rax)
	mov	%rsi, RSI(%rax)
	mov	%rdi, RDI(%rax)
	mov	%r8, R8(%rax)
	mov	%r9, R9(%rax)
	mov	%r10, R10(%rax)
	mov	%r11, R11(%rax)
	mov	%r12, R12(%rax)
	mov	%r13, R13(%rax)
	mov	%r14, R14(%rax)
	mov	%r15, R15(%rax)
	pop	RAX(%rax)

	/* Guest-chosen RSB entries must not steer host returns. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE

	/* Leave no guest values in registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%eax, %eax

.Lout:
	add	$8, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
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

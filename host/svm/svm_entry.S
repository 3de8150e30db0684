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

/* Offsets into the core's gpr[] array (enum hyv_gpr order). */
#define GPR(n)	((n) * 8)
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

	.section .text, "ax"

/*
 * void hyv_svm_enter(phys_addr_t vmcb_pa @rdi, u64 *gprs @rsi,
 *		      phys_addr_t host_pa @rdx)
 * Called with GIF=0.
 */
SYM_FUNC_START(hyv_svm_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx			/* 16(%rsp): host save page */
	push	%rsi			/*  8(%rsp): gprs */
	push	%rdi			/*  0(%rsp): guest VMCB */

	mov	%rdx, %rax
	vmsave	%rax
	mov	%rdi, %rax
	vmload	%rax

	mov	RCX(%rsi), %rcx
	mov	RDX(%rsi), %rdx
	mov	RBX(%rsi), %rbx
	mov	RBP(%rsi), %rbp
	mov	RDI(%rsi), %rdi
	mov	R8(%rsi), %r8
	mov	R9(%rsi), %r9
	mov	R10(%rsi), %r10
	mov	R11(%rsi), %r11
	mov	R12(%rsi), %r12
	mov	R13(%rsi), %r13
	mov	R14(%rsi), %r14
	mov	R15(%rsi), %r15
	mov	RSI(%rsi), %rsi

	vmrun	%rax

	/* RAX and RSP are the host's again; everything else is the guest's. */
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

	pop	%rax			/* guest VMCB */
	vmsave	%rax
	pop	%rsi
	pop	%rax			/* host save page */
	vmload	%rax

	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(hyv_svm_enter)

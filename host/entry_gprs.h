/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembler macros both world-switch stubs use (svm/svm_entry.S,
 * vmx/vmx_entry.S) to move the guest's general-purpose registers between
 * the CPU and the core's gpr[] array (enum hyv_gpr order). RAX and RSP
 * are the vendors' business: SVM keeps them in the VMCB, VMX RSP in the
 * VMCS.
 */
#ifndef HYV_ENTRY_GPRS_H
#define HYV_ENTRY_GPRS_H

#define HYV_GPR(n)	((n) * 8)
#define HYV_GPR_RAX	HYV_GPR(0)
#define HYV_GPR_RCX	HYV_GPR(1)
#define HYV_GPR_RDX	HYV_GPR(2)
#define HYV_GPR_RBX	HYV_GPR(3)
#define HYV_GPR_RBP	HYV_GPR(5)
#define HYV_GPR_RSI	HYV_GPR(6)
#define HYV_GPR_RDI	HYV_GPR(7)
#define HYV_GPR_R8	HYV_GPR(8)
#define HYV_GPR_R9	HYV_GPR(9)
#define HYV_GPR_R10	HYV_GPR(10)
#define HYV_GPR_R11	HYV_GPR(11)
#define HYV_GPR_R12	HYV_GPR(12)
#define HYV_GPR_R13	HYV_GPR(13)
#define HYV_GPR_R14	HYV_GPR(14)
#define HYV_GPR_R15	HYV_GPR(15)

/* Load every GPR but RAX and RSP from the array at %rsi; RSI goes last. */
.macro HYV_LOAD_GUEST_GPRS
	mov	HYV_GPR_RCX(%rsi), %rcx
	mov	HYV_GPR_RDX(%rsi), %rdx
	mov	HYV_GPR_RBX(%rsi), %rbx
	mov	HYV_GPR_RBP(%rsi), %rbp
	mov	HYV_GPR_RDI(%rsi), %rdi
	mov	HYV_GPR_R8(%rsi), %r8
	mov	HYV_GPR_R9(%rsi), %r9
	mov	HYV_GPR_R10(%rsi), %r10
	mov	HYV_GPR_R11(%rsi), %r11
	mov	HYV_GPR_R12(%rsi), %r12
	mov	HYV_GPR_R13(%rsi), %r13
	mov	HYV_GPR_R14(%rsi), %r14
	mov	HYV_GPR_R15(%rsi), %r15
	mov	HYV_GPR_RSI(%rsi), %rsi
.endm

/* Store every GPR but RAX and RSP to the array at %rax. */
.macro HYV_SAVE_GUEST_GPRS
	mov	%rcx, HYV_GPR_RCX(%rax)
	mov	%rdx, HYV_GPR_RDX(%rax)
	mov	%rbx, HYV_GPR_RBX(%rax)
	mov	%rbp, HYV_GPR_RBP(%rax)
	mov	%rsi, HYV_GPR_RSI(%rax)
	mov	%rdi, HYV_GPR_RDI(%rax)
	mov	%r8, HYV_GPR_R8(%rax)
	mov	%r9, HYV_GPR_R9(%rax)
	mov	%r10, HYV_GPR_R10(%rax)
	mov	%r11, HYV_GPR_R11(%rax)
	mov	%r12, HYV_GPR_R12(%rax)
	mov	%r13, HYV_GPR_R13(%rax)
	mov	%r14, HYV_GPR_R14(%rax)
	mov	%r15, HYV_GPR_R15(%rax)
.endm

/*
 * After a world switch: keep guest-chosen RSB entries from steering host
 * returns, and leave no guest values in the caller-saved registers for
 * speculation to use (the callee-saved ones are restored from the stack).
 */
.macro HYV_SCRUB_AFTER_EXIT
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
.endm

#endif /* HYV_ENTRY_GPRS_H */

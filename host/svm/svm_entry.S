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
 * Called with GIF=0. SVM instructions fault only once EFER.SVME is off,
 * which only a reboot does: they are skipped then (hyv_rebooting), and
 * anything else is a bug.
 */
SYM_FUNC_START(hyv_svm_enter)
	HYV_PUSH_CALLEE_SAVED
	push	%rdx			/* 16(%rsp): host save page */
	push	%rsi			/*  8(%rsp): gprs */
	push	%rdi			/*  0(%rsp): guest VMCB */

	mov	%rdx, %rax
1:	vmsave	%rax
2:	mov	%rdi, %rax
3:	vmload	%rax
4:
	HYV_LOAD_GUEST_GPRS

	/* No host data left in CPU buffers for the guest (clobbers ZF). */
	VM_CLEAR_CPU_BUFFERS

5:	vmrun	%rax
6:
	/* RAX and RSP are the host's again; everything else is the guest's. */
	mov	8(%rsp), %rax
	HYV_SAVE_GUEST_GPRS

	pop	%rax			/* guest VMCB */
7:	vmsave	%rax
8:	pop	%rsi
	pop	%rax			/* host save page */
9:	vmload	%rax
10:
	/* Before the first RET: refill the RSB, untrain returns (retbleed). */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
	HYV_SCRUB_AFTER_EXIT

	HYV_POP_CALLEE_SAVED
	RET

.Lfault1: cmpb $0, hyv_rebooting(%rip)
	jne 2b
	ud2
.Lfault3: cmpb $0, hyv_rebooting(%rip)
	jne 4b
	ud2
.Lfault5: cmpb $0, hyv_rebooting(%rip)
	jne 6b
	ud2
.Lfault7: cmpb $0, hyv_rebooting(%rip)
	jne 8b
	ud2
.Lfault9: cmpb $0, hyv_rebooting(%rip)
	jne 10b
	ud2

	_ASM_EXTABLE(1b, .Lfault1)
	_ASM_EXTABLE(3b, .Lfault3)
	_ASM_EXTABLE(5b, .Lfault5)
	_ASM_EXTABLE(7b, .Lfault7)
	_ASM_EXTABLE(9b, .Lfault9)
SYM_FUNC_END(hyv_svm_enter)

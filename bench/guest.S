/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv benchmarks: the guest-code library. 64-bit, position independent,
 * no memory references but the ones a workload is about and the stack; the
 * front end copies [bench_guest_start, bench_guest_end) to BENCH_CODE_GPA.
 * Both hypervisors run these same bytes.
 *
 * Entry: RDI = iterations, RSI and RDX = workload arguments, CPL 0,
 * interrupts off. Each workload touches its stack and pages in its code
 * before BENCH_MARK_START, so the measured loop takes only the exits it
 * is about; see bench.h.
 */
#include "bench.h"

.macro MARK code
	movb	$\code, %al
	outb	%al, $BENCH_MARK_PORT
.endm

/* Page in the stack (a call and a push) before the first mark. */
.macro PROLOGUE
	pushq	%rax
	popq	%rax
.endm

	.section .text.bench_guest, "ax"
	.globl	bench_guest_start, bench_guest_end
	.p2align 12
bench_guest_start:

/* No exit at all: the guest's own speed. */
	.globl	bench_guest_loop
bench_guest_loop:
	PROLOGUE
	MARK	BENCH_MARK_START
	movq	%rdi, %rcx
1:	decq	%rcx
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt

/* CPUID leaf 0: handled in the hypervisor's kernel part. */
	.globl	bench_guest_cpuid
bench_guest_cpuid:
	PROLOGUE
	MARK	BENCH_MARK_START
	movq	%rdi, %r8
1:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decq	%r8
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt

/*
 * VMMCALL with RAX = RSI (hypercall number), RBX = the iteration; the
 * result must equal RBX when RDX is 1 (an echo) or RDX itself otherwise
 * (a fixed error code). A wrong result stops the guest with
 * BENCH_MARK_FAIL, RBX = expected, RCX = seen.
 */
	.globl	bench_guest_hypercall
bench_guest_hypercall:
	PROLOGUE
	MARK	BENCH_MARK_START
	movq	%rdi, %r8
1:	movq	%rsi, %rax
	movq	%r8, %rbx
	vmmcall
	movq	%rdx, %r9
	cmpq	$1, %rdx
	cmoveq	%r8, %r9
	cmpq	%r9, %rax
	jne	2f
	decq	%r8
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt
2:	movq	%rax, %rcx
	movq	%r9, %rbx
	MARK	BENCH_MARK_FAIL
	hlt

/* OUT to BENCH_PIO_PORT: every iteration goes out to the VMM. */
	.globl	bench_guest_pio
bench_guest_pio:
	PROLOGUE
	MARK	BENCH_MARK_START
	movq	%rdi, %r8
1:	outb	%al, $BENCH_PIO_PORT
	decq	%r8
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt

/*
 * A 32-bit store to RSI (BENCH_MMIO_GPA, no slot): every iteration goes
 * out to the VMM. One store before the start mark, so that the
 * hypervisor's first-time work for that page is outside the loop.
 */
	.globl	bench_guest_mmio, bench_guest_mmio_insn, bench_guest_mmio_insn_end
bench_guest_mmio:
	PROLOGUE
	movq	%rdi, %r8
	xorl	%eax, %eax
	call	3f
	MARK	BENCH_MARK_START
1:	call	3f
	decq	%r8
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt
3:
bench_guest_mmio_insn:
	movl	%eax, (%rsi)
bench_guest_mmio_insn_end:
	ret

/* RDMSR of IA32_MISC_ENABLE: an MSR both emulate in their kernel part. */
	.globl	bench_guest_rdmsr
bench_guest_rdmsr:
	PROLOGUE
	MARK	BENCH_MARK_START
	movq	%rdi, %r8
1:	movl	$BENCH_MSR_EMULATED, %ecx
	rdmsr
	decq	%r8
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt

/* WRMSR of KERNEL_GS_BASE: an MSR both pass through (no exit). */
	.globl	bench_guest_wrmsr
bench_guest_wrmsr:
	PROLOGUE
	MARK	BENCH_MARK_START
	movq	%rdi, %r8
	xorl	%edx, %edx
1:	movl	$BENCH_MSR_PASSTHROUGH, %ecx
	movl	%r8d, %eax
	wrmsr
	decq	%r8
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt

/*
 * REP OUTSB of RDX bytes at RSI to BENCH_PIO_PORT, RDI times: string
 * port I/O throughput. One pass before the start mark pages the buffer
 * in on the host.
 */
	.globl	bench_guest_outsb
bench_guest_outsb:
	PROLOGUE
	movq	%rsi, %r11
	movq	%rdx, %r10
	movl	$BENCH_PIO_PORT, %edx
	cld
	call	3f
	MARK	BENCH_MARK_START
	movq	%rdi, %r8
1:	call	3f
	decq	%r8
	jnz	1b
	MARK	BENCH_MARK_STOP
	hlt
3:	movq	%r11, %rsi
	movq	%r10, %rcx
	rep outsb
	ret

/*
 * Touch one byte every RDX bytes of RDI * RDX bytes at RSI, twice: the
 * first pass takes the hypervisor's fault-in of every page, the second
 * runs on what the first mapped. Each pass between its own marks.
 */
	.globl	bench_guest_touch
bench_guest_touch:
	PROLOGUE
	MARK	BENCH_MARK_START
	call	1f
	MARK	BENCH_MARK_STOP
	MARK	BENCH_MARK_START
	call	1f
	MARK	BENCH_MARK_STOP
	hlt
1:	movq	%rdi, %rcx
	movq	%rsi, %r9
2:	movb	$1, (%r9)
	addq	%rdx, %r9
	decq	%rcx
	jnz	2b
	ret

bench_guest_end:

	.section .note.GNU-stack, "", @progbits

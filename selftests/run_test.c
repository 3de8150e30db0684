// SPDX-License-Identifier: GPL-2.0
/*
 * Running guest code: a 64-bit guest computes, HLTs, and the host reads
 * its registers; RUN after HLT continues; register state set by the VMM
 * is what the guest sees, and GET returns what SET stored; a new vCPU is
 * in the reset state; SSE state is per side.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"

static u64 fib(u64 n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

/* fib(n) in RAX, then HLT: the result travels only through the registers. */
static void guest_fib_hlt(u64 n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	asm volatile("hlt" : : "a"(a) : "memory");
	GUEST_DONE();
}

TEST(guest_computes_fib_and_host_reads_it_from_rax_after_hlt)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_fib_hlt);
	struct hyv_regs regs;

	hyv_vcpu_set_args(vcpu, 90, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	ASSERT_EQ(fib(90), regs.rax);
	ASSERT_EQ(2880067194370816120ULL, regs.rax);

	/* After the HLT the guest carries on to GUEST_DONE. */
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Three HLTs in a row, with a different RAX before each. */
GUEST_ASM(guest_three_hlts,
	  "	movl $1, %eax\n"
	  "	hlt\n"
	  "guest_after_hlt1:\n"
	  "	movl $2, %eax\n"
	  "	hlt\n"
	  "guest_after_hlt2:\n"
	  "	movl $3, %eax\n"
	  "	hlt\n"
	  "guest_after_hlt3:\n"
	  "	jmp guest_three_hlts\n");
GUEST_LABEL(guest_after_hlt1);
GUEST_LABEL(guest_after_hlt2);
GUEST_LABEL(guest_after_hlt3);

TEST(run_after_hlt_resumes_at_the_next_instruction)
{
	const u8 *after[] = { guest_after_hlt1, guest_after_hlt2, guest_after_hlt3 };
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_three_hlts);
	struct hyv_regs regs;
	int i;

	for (i = 0; i < 3; i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
		hyv_vcpu_get_regs(vcpu, &regs);
		EXPECT_EQ(i + 1, regs.rax);
		EXPECT_EQ((u64)after[i], regs.rip);
	}
	hyv_vm_free_with_vcpu(vcpu);
}

/* RAX = the sum of every other GPR as the VMM set them; then HLT. */
GUEST_ASM(guest_sum_regs,
	  "	movq %rbx, %rax\n"
	  "	addq %rcx, %rax\n"
	  "	addq %rdx, %rax\n"
	  "	addq %rsi, %rax\n"
	  "	addq %rdi, %rax\n"
	  "	addq %rbp, %rax\n"
	  "	addq %r8, %rax\n"
	  "	addq %r9, %rax\n"
	  "	addq %r10, %rax\n"
	  "	addq %r11, %rax\n"
	  "	addq %r12, %rax\n"
	  "	addq %r13, %rax\n"
	  "	addq %r14, %rax\n"
	  "	addq %r15, %rax\n"
	  "	pushfq\n"
	  "	popq %rbx\n"
	  "	hlt\n");

TEST(registers_set_by_the_vmm_are_seen_by_the_guest)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sum_regs);
	struct hyv_regs regs;
	u64 *gpr[] = { &regs.rbx, &regs.rcx, &regs.rdx, &regs.rsi, &regs.rdi,
		       &regs.rbp, &regs.r8, &regs.r9, &regs.r10, &regs.r11,
		       &regs.r12, &regs.r13, &regs.r14, &regs.r15 };
	u64 sum = 0;
	unsigned int i;

	hyv_vcpu_get_regs(vcpu, &regs);
	for (i = 0; i < ARRAY_SIZE(gpr); i++) {
		*gpr[i] = 0x1000000000000001ULL << (i % 4) | (u64)i << 20;
		sum += *gpr[i];
	}
	regs.rflags = 0x2 | 0x400;	/* DF: the adds leave it alone */
	hyv_vcpu_set_regs(vcpu, &regs);

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(sum, regs.rax);
	/* RBX: RFLAGS as the guest read it; DF set, IF clear. */
	EXPECT_EQ(0x402, regs.rbx & 0x602);
	EXPECT_EQ(0x402, regs.rflags & 0x602);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(get_regs_returns_what_set_regs_stored)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sum_regs);
	struct hyv_regs set, got;
	u64 *p = (u64 *)&set;
	unsigned int i;

	/* rax .. r15: 16 distinct values; then rip and rflags. */
	for (i = 0; i < 16; i++)
		p[i] = 0x0123456789abcdefULL ^ ((u64)i << 56 | i);
	set.rip = (u64)guest_sum_regs;
	set.rflags = 0x2 | 0x1 | 0x4 | 0x80;	/* CF, PF, SF */
	set.flags = 0;
	set.reserved = 0;
	hyv_vcpu_set_regs(vcpu, &set);
	memset(&got, 0xaa, sizeof(got));
	hyv_vcpu_get_regs(vcpu, &got);
	ASSERT_EQ(0, memcmp(&set, &got, sizeof(set)));
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(get_sregs_returns_the_long_mode_state_set_by_the_library)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sum_regs);
	struct hyv_sregs s;

	hyv_vcpu_get_sregs(vcpu, &s);
	EXPECT_EQ(0x80010033ULL, s.cr0);	/* PG WP NE ET MP PE */
	EXPECT_EQ(HYV_PT_POOL_GPA, s.cr3);
	EXPECT_EQ(0x620ULL, s.cr4);		/* OSXMMEXCPT OSFXSR PAE */
	EXPECT_EQ(0x500ULL, s.efer);		/* LMA LME, no host bits */
	EXPECT_EQ(HYV_SEL_CODE64, s.cs.selector);
	EXPECT_EQ(1, s.cs.l);
	EXPECT_EQ(0, s.cs.db);
	EXPECT_EQ(1, s.cs.present);
	EXPECT_EQ(1, s.cs.s);
	EXPECT_EQ(0xb, s.cs.type);
	EXPECT_EQ(HYV_SEL_DATA, s.ss.selector);
	EXPECT_EQ(1, s.ss.present);
	EXPECT_EQ(HYV_SEL_TSS, s.tr.selector);
	EXPECT_EQ(HYV_TSS_GPA, s.tr.base);
	EXPECT_EQ(0xb, s.tr.type);
	EXPECT_EQ(HYV_GDT_GPA, s.gdt.base);
	EXPECT_EQ(HYV_GDT_ENTRIES * 8 - 1, s.gdt.limit);
	EXPECT_EQ(HYV_IDT_GPA, s.idt.base);
	EXPECT_EQ(32 * 16 - 1, s.idt.limit);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Recursion: the guest's stack and calls between guest functions work. */
static u64 guest_ackermann(u64 m, u64 n)
{
	if (!m)
		return n + 1;
	if (!n)
		return guest_ackermann(m - 1, 1);
	return guest_ackermann(m - 1, guest_ackermann(m, n - 1));
}

static u64 guest_recurse(u64 m, u64 n)
{
	return guest_ackermann(m, n);
}

TEST(guest_function_return_value_reaches_the_host)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_recurse);

	hyv_vcpu_set_args(vcpu, 2, 3);
	ASSERT_EQ(9, hyv_vcpu_run_done(vcpu));	/* A(2, 3) = 2 * 3 + 3 */
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * SSE state: the guest's XMM registers are its own across exits, and the
 * VMM's are its own across RUN (the host must swap FPU state).
 */
static const u64 sse_pattern[32] __aligned(16) = {
	/* bytes 0x00, 0x01, ... 0xff */
	0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
	0x1716151413121110ULL, 0x1f1e1d1c1b1a1918ULL,
	0x2726252423222120ULL, 0x2f2e2d2c2b2a2928ULL,
	0x3736353433323130ULL, 0x3f3e3d3c3b3a3938ULL,
	0x4746454443424140ULL, 0x4f4e4d4c4b4a4948ULL,
	0x5756555453525150ULL, 0x5f5e5d5c5b5a5958ULL,
	0x6766656463626160ULL, 0x6f6e6d6c6b6a6968ULL,
	0x7776757473727170ULL, 0x7f7e7d7c7b7a7978ULL,
	0x8786858483828180ULL, 0x8f8e8d8c8b8a8988ULL,
	0x9796959493929190ULL, 0x9f9e9d9c9b9a9998ULL,
	0xa7a6a5a4a3a2a1a0ULL, 0xafaeadacabaaa9a8ULL,
	0xb7b6b5b4b3b2b1b0ULL, 0xbfbebdbcbbbab9b8ULL,
	0xc7c6c5c4c3c2c1c0ULL, 0xcfcecdcccbcac9c8ULL,
	0xd7d6d5d4d3d2d1d0ULL, 0xdfdedddcdbdad9d8ULL,
	0xe7e6e5e4e3e2e1e0ULL, 0xefeeedecebeae9e8ULL,
	0xf7f6f5f4f3f2f1f0ULL, 0xfffefdfcfbfaf9f8ULL,
};

/* pct is "%" in plain asm, "%%" in asm with operands. */
#define XMM_ALL(insn, base, pct)					\
	insn " 0x00(" base "), " pct "xmm0\n"				\
	insn " 0x10(" base "), " pct "xmm1\n"				\
	insn " 0x20(" base "), " pct "xmm2\n"				\
	insn " 0x30(" base "), " pct "xmm3\n"				\
	insn " 0x40(" base "), " pct "xmm4\n"				\
	insn " 0x50(" base "), " pct "xmm5\n"				\
	insn " 0x60(" base "), " pct "xmm6\n"				\
	insn " 0x70(" base "), " pct "xmm7\n"				\
	insn " 0x80(" base "), " pct "xmm8\n"				\
	insn " 0x90(" base "), " pct "xmm9\n"				\
	insn " 0xa0(" base "), " pct "xmm10\n"				\
	insn " 0xb0(" base "), " pct "xmm11\n"				\
	insn " 0xc0(" base "), " pct "xmm12\n"				\
	insn " 0xd0(" base "), " pct "xmm13\n"				\
	insn " 0xe0(" base "), " pct "xmm14\n"				\
	insn " 0xf0(" base "), " pct "xmm15\n"
#define XMM_STORE_ALL(base, pct)					\
	"movdqu " pct "xmm0, 0x00(" base ")\n"				\
	"movdqu " pct "xmm1, 0x10(" base ")\n"				\
	"movdqu " pct "xmm2, 0x20(" base ")\n"				\
	"movdqu " pct "xmm3, 0x30(" base ")\n"				\
	"movdqu " pct "xmm4, 0x40(" base ")\n"				\
	"movdqu " pct "xmm5, 0x50(" base ")\n"				\
	"movdqu " pct "xmm6, 0x60(" base ")\n"				\
	"movdqu " pct "xmm7, 0x70(" base ")\n"				\
	"movdqu " pct "xmm8, 0x80(" base ")\n"				\
	"movdqu " pct "xmm9, 0x90(" base ")\n"				\
	"movdqu " pct "xmm10, 0xa0(" base ")\n"				\
	"movdqu " pct "xmm11, 0xb0(" base ")\n"				\
	"movdqu " pct "xmm12, 0xc0(" base ")\n"				\
	"movdqu " pct "xmm13, 0xd0(" base ")\n"				\
	"movdqu " pct "xmm14, 0xe0(" base ")\n"				\
	"movdqu " pct "xmm15, 0xf0(" base ")\n"
#define XMM_ONES(pct)							\
	"pcmpeqd " pct "xmm0, " pct "xmm0\n"				\
	"pcmpeqd " pct "xmm1, " pct "xmm1\n"				\
	"pcmpeqd " pct "xmm2, " pct "xmm2\n"				\
	"pcmpeqd " pct "xmm3, " pct "xmm3\n"				\
	"pcmpeqd " pct "xmm4, " pct "xmm4\n"				\
	"pcmpeqd " pct "xmm5, " pct "xmm5\n"				\
	"pcmpeqd " pct "xmm6, " pct "xmm6\n"				\
	"pcmpeqd " pct "xmm7, " pct "xmm7\n"				\
	"pcmpeqd " pct "xmm8, " pct "xmm8\n"				\
	"pcmpeqd " pct "xmm9, " pct "xmm9\n"				\
	"pcmpeqd " pct "xmm10, " pct "xmm10\n"				\
	"pcmpeqd " pct "xmm11, " pct "xmm11\n"				\
	"pcmpeqd " pct "xmm12, " pct "xmm12\n"				\
	"pcmpeqd " pct "xmm13, " pct "xmm13\n"				\
	"pcmpeqd " pct "xmm14, " pct "xmm14\n"				\
	"pcmpeqd " pct "xmm15, " pct "xmm15\n"
#define XMM_CLOBBERS							\
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",	\
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

#define SSE_ROUNDS	100

/*
 * Load the pattern; SSE_ROUNDS times exit to the VMM (OUT, HLT) and into
 * the kernel only (CPUID) and spin; then store the registers for the VMM
 * to check.
 */
GUEST_ASM(guest_sse,
	  "	leaq sse_pattern(%rip), %rsi\n"
	  XMM_ALL("movdqu", "%rsi", "%")
	  "	movl $" hyv_str(SSE_ROUNDS) ", %r12d\n"
	  "1:	outb %al, $0x90\n"
	  "	xorl %eax, %eax\n"
	  "	cpuid\n"
	  "	hlt\n"
	  "	movl $2000000, %ecx\n"	/* stay a while: host ticks land here */
	  "2:	loop 2b\n"
	  "	decl %r12d\n"
	  "	jnz 1b\n"
	  "	movl $0x100000, %edi\n"	/* HYV_DATA_GPA */
	  XMM_STORE_ALL("%rdi", "%")
	  "	hlt\n");

/* Set every XMM register of the calling thread to all ones. */
static void clobber_xmm(void)
{
	asm volatile(XMM_ONES("%%") : : : XMM_CLOBBERS);
}

/*
 * A thread on the same CPU as the test that keeps its XMM registers all
 * ones: it preempts the vCPU thread inside RUN, so a host that does not
 * reload the vCPU's FPU state after a context switch is caught.
 */
struct noise {
	pthread_t tid;
	bool stop;
};

static void *noise_thread(void *arg)
{
	struct noise *n = arg;

	while (!READ_ONCE(n->stop))
		clobber_xmm();
	return NULL;
}

static void noise_start(struct noise *n)
{
	cpu_set_t cpu;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	HYV_ASSERT(!sched_setaffinity(0, sizeof(cpu), &cpu), "sched_setaffinity");
	WRITE_ONCE(n->stop, false);
	HYV_ASSERT(!pthread_create(&n->tid, NULL, noise_thread, n), "pthread_create");
}

static void noise_stop(struct noise *n)
{
	WRITE_ONCE(n->stop, true);
	pthread_join(n->tid, NULL);
}

TEST(guest_sse_registers_survive_exits_and_host_context_switches)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sse);
	u8 *saved = hyv_vm_gpa_to_hva(vcpu->vm, HYV_DATA_GPA);
	struct noise noise;
	int i;

	noise_start(&noise);
	for (i = 0; i < SSE_ROUNDS; i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
		clobber_xmm();
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
		clobber_xmm();
	}
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	noise_stop(&noise);
	ASSERT_EQ(0, memcmp(saved, sse_pattern, sizeof(sse_pattern)));
	hyv_vm_free_with_vcpu(vcpu);
}

/* The VMM's XMM registers across one RUN, with no C code in between. */
static void vmm_run_keeping_xmm(int fd, u64 *out)
{
	register long rax asm("rax") = 16;	/* __NR_ioctl */
	register long rdi asm("rdi") = fd;
	register long rsi asm("rsi") = HYV_RUN;
	register long rdx asm("rdx") = 0;
	register const u64 *r12 asm("r12") = sse_pattern;
	register u64 *r13 asm("r13") = out;

	asm volatile(XMM_ALL("movdqu", "%%r12", "%%")
		     "syscall\n"
		     XMM_STORE_ALL("%%r13", "%%")
		     : "+r"(rax)
		     : "r"(rdi), "r"(rsi), "r"(rdx), "r"(r12), "r"(r13)
		     : "rcx", "r11", "memory", XMM_CLOBBERS);
	HYV_ASSERT(rax == 0, "HYV_RUN returned %ld", rax);
}

/* Clobber every XMM register, spin a little in the guest, HLT; again. */
GUEST_ASM(guest_clobber_xmm,
	  XMM_ONES("%")
	  "	movl $100000, %ecx\n"
	  "1:	loop 1b\n"
	  "	hlt\n"
	  "	jmp guest_clobber_xmm\n");

TEST(vmm_sse_registers_survive_run_of_a_guest_that_clobbers_them)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_clobber_xmm);
	u64 out[ARRAY_SIZE(sse_pattern)];
	struct noise noise;
	int i, bad = 0;

	noise_start(&noise);
	for (i = 0; i < SSE_ROUNDS; i++) {
		memset(out, 0, sizeof(out));
		vmm_run_keeping_xmm(vcpu->fd, out);
		ASSERT_EQ(HYV_EXIT_HLT, vcpu->run->exit_reason);
		bad += !!memcmp(out, sse_pattern, sizeof(out));
	}
	noise_stop(&noise);
	EXPECT_EQ(0, bad);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(new_vcpu_is_in_the_x86_reset_state)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu vcpu = { .vm = vm };
	struct hyv_sregs s;
	struct hyv_regs r;

	vcpu.fd = ioctl(vm->fd, HYV_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu.fd);
	hyv_vcpu_get_regs(&vcpu, &r);
	hyv_vcpu_get_sregs(&vcpu, &s);
	/* AMD APM vol. 2 §14.1.3, Intel SDM vol. 3A §9.1.1. */
	EXPECT_EQ(0xfff0, r.rip);
	EXPECT_EQ(0x2, r.rflags);
	EXPECT_EQ(0xf000, s.cs.selector);
	EXPECT_EQ(0xffff0000, s.cs.base);
	EXPECT_EQ(0xffff, s.cs.limit);
	EXPECT_EQ(0, s.ds.selector);
	EXPECT_EQ(0, s.ds.base);
	EXPECT_EQ(0xffff, s.ds.limit);
	EXPECT_EQ(0xffff, s.gdt.limit);
	EXPECT_EQ(0xffff, s.idt.limit);
	EXPECT_EQ(0x60000010, s.cr0);	/* CD NW ET */
	EXPECT_EQ(0, s.cr3);
	EXPECT_EQ(0, s.cr4);
	EXPECT_EQ(0, s.efer);
	close(vcpu.fd);
	hyv_vm_free(vm);
}

/*
 * 16-bit real-mode code, as firmware or an AP after SIPI runs it: SVM
 * runs it natively, VMX through unrestricted guest. It sums 16..1 onto
 * 0x1234 with LOOP, stores the result through DS and reports it with OUT.
 */
static const u8 real_mode_code[] = {
	0xb8, 0x34, 0x12,	/* mov $0x1234, %ax */
	0xb9, 0x10, 0x00,	/* mov $0x10, %cx */
	0x01, 0xc8,		/* 1: add %cx, %ax */
	0xe2, 0xfc,		/* loop 1b */
	0xa3, 0x00, 0x06,	/* mov %ax, 0x600 (DS) */
	0xe7, 0x80,		/* out %ax, $0x80 */
	0xf4,			/* hlt */
};

#define X86_CR0_ET_BIT	0x10ULL	/* CR0.ET: the only bit set in real mode here */
#define REAL_MODE_BASE	0xf0000ULL
#define REAL_MODE_SUM	(0x1234 + 16 * 17 / 2)

static struct hyv_segment real_mode_seg(u8 type)
{
	struct hyv_segment seg = {
		.base = REAL_MODE_BASE, .limit = 0xffff,
		.selector = REAL_MODE_BASE >> 4, .type = type,
		.present = 1, .s = 1,
	};

	return seg;
}

TEST(real_mode_code_runs_and_computes_with_loop_memory_and_port_io)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, 0, NULL);
	struct hyv_sregs sregs;
	struct hyv_regs regs = { .rflags = 2 };
	u16 stored;

	memcpy(vm->mem + REAL_MODE_BASE, real_mode_code, sizeof(real_mode_code));
	hyv_vcpu_get_sregs(vcpu, &sregs);
	sregs.cs = real_mode_seg(11);
	sregs.ds = real_mode_seg(3);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	sregs.cr0 = X86_CR0_ET_BIT;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	hyv_vcpu_set_sregs(vcpu, &sregs);
	hyv_vcpu_set_regs(vcpu, &regs);

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
	EXPECT_EQ(0x80, vcpu->run->io.port);
	EXPECT_EQ(2, vcpu->run->io.size);
	EXPECT_EQ(REAL_MODE_SUM, vcpu->run->io.data);
	memcpy(&stored, vm->mem + REAL_MODE_BASE + 0x600, sizeof(stored));
	EXPECT_EQ(REAL_MODE_SUM, stored);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(sizeof(real_mode_code), regs.rip);
	EXPECT_EQ(0, regs.rcx);
	hyv_vcpu_free(vcpu);
	hyv_vm_free(vm);
}

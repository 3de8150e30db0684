// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's register state that hyv.ko swaps with the host's (issue
 * #10 item 3): the sixteen YMM registers a guest loads stay the guest's
 * across exits to the VMM and across host context switches to a thread
 * that fills the same registers with its own values on the same CPU; and
 * the MSR writes the architecture forbids reach the guest as #GP.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "hyv_test.h"
#include "hyv_util.h"

#define X86_CR4_OSXSAVE		BIT_ULL(18)
#define CPUID1_ECX_XSAVE	BIT(26)
#define CPUID1_ECX_AVX		BIT(28)
#define XCR0_X87_SSE_AVX	0x7
#define AVX_ROUNDS		300
#define AVX_KERNEL_EXITS	20	/* CPUIDs per round, handled in hyv.ko */
#define VEC_GP			13

/* ---- YMM state across exits and context switches ----------------------- */

/* Lane values: register r, 64-bit lane l holds avx_pattern(seed, r, l). */
static inline u64 avx_pattern(u64 seed, int reg, int lane)
{
	return seed ^ ((u64)reg << 40) ^ ((u64)lane << 32) ^ 0x5a5a0000a5a5ULL;
}

/* The guest's YMM values (guest memory: the test binary's own .bss). */
static u64 guest_ymm_in[16][4] __aligned(32);
static u64 guest_ymm_out[16][4] __aligned(32);

static inline void ymm_load_all(u64 (*v)[4])
{
	asm volatile("vmovdqu 0(%0), %%ymm0\n\t"
		     "vmovdqu 32(%0), %%ymm1\n\t"
		     "vmovdqu 64(%0), %%ymm2\n\t"
		     "vmovdqu 96(%0), %%ymm3\n\t"
		     "vmovdqu 128(%0), %%ymm4\n\t"
		     "vmovdqu 160(%0), %%ymm5\n\t"
		     "vmovdqu 192(%0), %%ymm6\n\t"
		     "vmovdqu 224(%0), %%ymm7\n\t"
		     "vmovdqu 256(%0), %%ymm8\n\t"
		     "vmovdqu 288(%0), %%ymm9\n\t"
		     "vmovdqu 320(%0), %%ymm10\n\t"
		     "vmovdqu 352(%0), %%ymm11\n\t"
		     "vmovdqu 384(%0), %%ymm12\n\t"
		     "vmovdqu 416(%0), %%ymm13\n\t"
		     "vmovdqu 448(%0), %%ymm14\n\t"
		     "vmovdqu 480(%0), %%ymm15\n\t"
		     : : "r"(v) : "memory");
}

static inline void ymm_store_all(u64 (*v)[4])
{
	asm volatile("vmovdqu %%ymm0, 0(%0)\n\t"
		     "vmovdqu %%ymm1, 32(%0)\n\t"
		     "vmovdqu %%ymm2, 64(%0)\n\t"
		     "vmovdqu %%ymm3, 96(%0)\n\t"
		     "vmovdqu %%ymm4, 128(%0)\n\t"
		     "vmovdqu %%ymm5, 160(%0)\n\t"
		     "vmovdqu %%ymm6, 192(%0)\n\t"
		     "vmovdqu %%ymm7, 224(%0)\n\t"
		     "vmovdqu %%ymm8, 256(%0)\n\t"
		     "vmovdqu %%ymm9, 288(%0)\n\t"
		     "vmovdqu %%ymm10, 320(%0)\n\t"
		     "vmovdqu %%ymm11, 352(%0)\n\t"
		     "vmovdqu %%ymm12, 384(%0)\n\t"
		     "vmovdqu %%ymm13, 416(%0)\n\t"
		     "vmovdqu %%ymm14, 448(%0)\n\t"
		     "vmovdqu %%ymm15, 480(%0)\n\t"
		     : : "r"(v) : "memory");
}

static void avx_fill(u64 (*v)[4], u64 seed)
{
	int r, l;

	for (r = 0; r < 16; r++)
		for (l = 0; l < 4; l++)
			v[r][l] = avx_pattern(seed, r, l);
}

/*
 * AVX_ROUNDS times: load all sixteen YMM registers, exit to the VMM,
 * take AVX_KERNEL_EXITS exits that hyv.ko handles itself (where the
 * vCPU thread may be preempted by the rival inside HYV_RUN), store the
 * registers and count the lanes that changed. Reports
 * (0, ...) without XSAVE/AVX; else (1, rounds, bad lanes, first bad).
 */
static void guest_avx(void)
{
	u64 bad = 0, first_bad = ~0ULL, cr4;
	u32 a, b, c, d;
	int i, n, r, l;

	guest_cpuid(1, 0, &a, &b, &c, &d);
	if ((c & (CPUID1_ECX_XSAVE | CPUID1_ECX_AVX)) !=
	    (CPUID1_ECX_XSAVE | CPUID1_ECX_AVX)) {
		GUEST_SYNC4(0, 0, 0, 0);
		GUEST_DONE();
	}
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_OSXSAVE));
	asm volatile("xsetbv" : : "a"(XCR0_X87_SSE_AVX), "d"(0), "c"(0));

	avx_fill(guest_ymm_in, 0x1111222233334444ULL);
	for (i = 0; i < AVX_ROUNDS; i++) {
		/*
		 * Only exits lie between the load and the store: the
		 * compiled C around them may use XMM registers itself.
		 */
		ymm_load_all(guest_ymm_in);
		guest_ucall(UCALL_SYNC, 2, i, 0, 0);
		for (n = 0; n < AVX_KERNEL_EXITS; n++)
			asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
				     : "a"(0), "c"(0));
		ymm_store_all(guest_ymm_out);
		for (r = 0; r < 16; r++)
			for (l = 0; l < 4; l++)
				if (guest_ymm_out[r][l] != guest_ymm_in[r][l]) {
					bad++;
					if (first_bad == ~0ULL)
						first_bad = i << 8 | r << 2 | l;
				}
	}
	GUEST_SYNC4(1, i, bad, first_bad);
	GUEST_DONE();
}

/* A host thread on the vCPU's CPU that keeps its own values in YMM. */
struct avx_rival {
	pthread_t tid;
	int stop;			/* __atomic */
	u64 rounds;			/* __atomic */
	u64 bad;			/* its own lanes that changed */
};

static void pin_to_cpu0(pthread_t tid)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	HYV_ASSERT(!pthread_setaffinity_np(tid, sizeof(set), &set),
		   "pin to CPU 0");
}

static void *avx_rival_main(void *arg)
{
	static u64 in[16][4] __aligned(32), out[16][4] __aligned(32);
	struct avx_rival *rival = arg;
	int r, l;

	avx_fill(in, 0xdeadbeefcafef00dULL);
	while (!__atomic_load_n(&rival->stop, __ATOMIC_RELAXED)) {
		ymm_load_all(in);
		sched_yield();
		ymm_store_all(out);
		for (r = 0; r < 16; r++)
			for (l = 0; l < 4; l++)
				rival->bad += out[r][l] != in[r][l];
		__atomic_add_fetch(&rival->rounds, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static bool host_has_avx(void)
{
	u32 a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(1), "c"(0));
	return (c & (CPUID1_ECX_XSAVE | CPUID1_ECX_AVX)) ==
	       (CPUID1_ECX_XSAVE | CPUID1_ECX_AVX);
}

TEST(guest_ymm_registers_survive_exits_and_a_rival_thread_on_the_same_cpu)
{
	struct avx_rival rival = {};
	struct hyv_vcpu *vcpu;
	struct hyv_ucall uc;
	u64 rounds = 0;

	if (!host_has_avx())
		SKIP(return, "the host CPU has no AVX");
	vcpu = hyv_vm_create_with_vcpu(guest_avx);
	pin_to_cpu0(pthread_self());
	ASSERT_EQ(0, pthread_create(&rival.tid, NULL, avx_rival_main, &rival));
	pin_to_cpu0(rival.tid);

	for (;;) {
		ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
		if (uc.args[0] != 2)
			break;
		rounds++;
		/* The rival runs on this CPU while the vCPU is out. */
		sched_yield();
	}
	__atomic_store_n(&rival.stop, 1, __ATOMIC_RELAXED);
	pthread_join(rival.tid, NULL);

	ASSERT_EQ(1, uc.args[0]) TH_LOG("the guest saw no XSAVE/AVX in CPUID");
	EXPECT_EQ(AVX_ROUNDS, uc.args[1]);
	EXPECT_EQ(AVX_ROUNDS, rounds);
	EXPECT_EQ(0, uc.args[2])
		TH_LOG("%llu guest YMM lanes changed; first: round %llu ymm%llu lane %llu",
		       uc.args[2], uc.args[3] >> 8, (uc.args[3] >> 2) & 63,
		       uc.args[3] & 3);
	EXPECT_EQ(0, rival.bad) TH_LOG("the rival thread's YMM lanes changed");
	EXPECT_GT(__atomic_load_n(&rival.rounds, __ATOMIC_RELAXED), 0)
		TH_LOG("the rival never ran: nothing was switched");
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- MSR writes the architecture forbids --------------------------------- */

#define MSR_MTRRCAP		0xfe
#define MSR_IA32_CR_PAT		0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_MTRR_PHYSBASE0	0x200
#define MSR_EFER		0xc0000080
#define MSR_IA32_APICBASE	0x1b

static const struct {
	u32 msr;
	u64 value;
	const char *why;
} forbidden_writes[] = {
	{ MSR_IA32_CR_PAT, 0x0007010600070102ULL, "PAT entry 0 of type 2 (reserved)" },
	{ MSR_IA32_CR_PAT, 0x0007010600070108ULL, "PAT entry 0 of type 8 (bits 3-7 reserved)" },
	{ MSR_MTRR_DEF_TYPE, 0xc06 | BIT_ULL(12), "MTRRdefType bit 12 (reserved)" },
	{ MSR_MTRR_DEF_TYPE, 0xc02, "MTRRdefType of type 2 (reserved)" },
	{ MSR_MTRR_PHYSBASE0, 0x3, "MTRRphysBase0 of type 3 (reserved)" },
	{ MSR_MTRRCAP, 0, "MTRRcap (read-only)" },
	{ MSR_EFER, BIT_ULL(2), "EFER bit 2 (reserved)" },
};

static void guest_forbidden_msr_writes(void)
{
	unsigned int i;
	u64 val;

	for (i = 0; i < ARRAY_SIZE(forbidden_writes); i++)
		GUEST_SYNC4(i, guest_wrmsr_safe(forbidden_writes[i].msr,
						forbidden_writes[i].value),
			    guest_rdmsr_safe(forbidden_writes[i].msr, &val), 0);
	GUEST_DONE();
}

TEST(msr_writes_the_architecture_forbids_raise_gp_in_the_guest)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_forbidden_msr_writes);
	struct hyv_ucall uc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(forbidden_writes); i++) {
		ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
		ASSERT_EQ(i, uc.args[0]);
		EXPECT_EQ(VEC_GP, uc.args[1])
			TH_LOG("WRMSR %#x <- %#llx (%s) gave vector %llu",
			       forbidden_writes[i].msr, forbidden_writes[i].value,
			       forbidden_writes[i].why, uc.args[1]);
		EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[2])
			TH_LOG("RDMSR %#x faulted", forbidden_writes[i].msr);
	}
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

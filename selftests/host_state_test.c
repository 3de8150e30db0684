// SPDX-License-Identifier: GPL-2.0
/*
 * The host's state survives its guests (issue #9, part B): the VMM
 * thread's CR4.TSD, the host's SYSCALL entry points, its hardware
 * breakpoints and its protection keys are the host's before, during and
 * after a guest runs; the guest sees its own SYSCALL MSRs and debug
 * registers, never the host's.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_SYSCALL_MASK	0xc0000084
#define EFER_SCE		BIT_ULL(0)
#define X86_CR4_PKE		BIT_ULL(22)
#define VEC_UD			6
#define VEC_GP			13

/* ---- CR4.TSD of the VMM thread (VMX's HOST_CR4) ------------------------ */

static sigjmp_buf segv_jmp;

static void segv_handler(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

/* Does RDTSC fault in this thread (CR4.TSD set for it)? */
static bool rdtsc_faults(void)
{
	struct sigaction sa = { .sa_handler = segv_handler }, old;
	volatile bool faulted = false;
	u32 lo, hi;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(segv_jmp, 1))
		faulted = true;
	else
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

static void guest_sync_forever(void)
{
	for (;;)
		GUEST_SYNC(0);
}

/*
 * The VMM thread's CR4.TSD changes after its vCPU exists (prctl). After
 * each exit the thread must still be the one it made itself: RDTSC
 * faulting, then working again.
 */
TEST(vmm_thread_cr4_tsd_survives_exits_both_ways)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sync_forever);
	int i;

	hyv_vcpu_run_sync(vcpu);
	ASSERT_EQ(0, prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0));
	for (i = 0; i < 3; i++) {
		hyv_vcpu_run_sync(vcpu);
		EXPECT_TRUE(rdtsc_faults()) TH_LOG("RDTSC worked after exit %d", i);
	}
	ASSERT_EQ(0, prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0));
	for (i = 0; i < 3; i++) {
		hyv_vcpu_run_sync(vcpu);
		EXPECT_FALSE(rdtsc_faults()) TH_LOG("RDTSC faulted after exit %d", i);
	}
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- SYSCALL MSRs ------------------------------------------------------- */

static u64 guest_syscall_hits __used;

/* SYSCALL lands here (CPL 0 stays CPL 0): count, return through RCX. */
GUEST_ASM(guest_syscall_entry,
	  "incq guest_syscall_hits(%rip)\n"
	  "pushq %r11\n"
	  "popfq\n"
	  "jmp *%rcx\n");

static void guest_own_syscall_msrs(void)
{
	u64 lstar, star;
	u8 lvec, svec;

	lvec = guest_rdmsr_safe(MSR_LSTAR, &lstar);
	svec = guest_rdmsr_safe(MSR_STAR, &star);
	GUEST_SYNC4(lvec, lstar, svec, star);
	guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) | EFER_SCE);
	guest_wrmsr(MSR_STAR, (u64)HYV_SEL_CODE64 << 32);
	guest_wrmsr(MSR_LSTAR, (u64)guest_syscall_entry);
	guest_wrmsr(MSR_SYSCALL_MASK, 0);
	for (;;) {
		asm volatile("syscall" : : : "rcx", "r11", "memory");
		GUEST_SYNC4(guest_syscall_hits, guest_rdmsr(MSR_LSTAR), 0, 0);
	}
}

/*
 * A guest's LSTAR is its own: it reads the reset value (0), not the
 * host's entry point (a KASLR leak), and SYSCALL goes where it set it,
 * every time, while the host's own system calls keep working between.
 */
TEST(guest_syscall_msrs_are_its_own_and_the_host_keeps_its_syscalls)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_own_syscall_msrs);
	struct hyv_ucall uc;
	int i;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]) TH_LOG("the guest read LSTAR %#llx", uc.args[1]);
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[2]);
	EXPECT_EQ(0, uc.args[3]);
	for (i = 1; i <= 20; i++) {
		ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(i, uc.args[0]);
		EXPECT_EQ((u64)guest_syscall_entry, uc.args[1]);
		/* The host's SYSCALL path is the host's. */
		EXPECT_EQ(getpid(), syscall(SYS_getpid));
	}
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Debug registers ----------------------------------------------------- */

static u64 watched;

static int watch_writes(u64 *addr)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (u64)addr,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static u64 perf_count(int fd)
{
	u64 n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return ~0ULL;
	return n;
}

static void guest_read_debug_regs(void)
{
	u64 dr0, dr1, dr2, dr3, dr6, dr7;

	for (;;) {
		asm volatile("mov %%dr0, %0\n\tmov %%dr1, %1\n\t"
			     "mov %%dr2, %2\n\tmov %%dr3, %3"
			     : "=r"(dr0), "=r"(dr1), "=r"(dr2), "=r"(dr3));
		asm volatile("mov %%dr6, %0\n\tmov %%dr7, %1"
			     : "=r"(dr6), "=r"(dr7));
		GUEST_SYNC4(dr0 | dr1 | dr2 | dr3, dr6, dr7, 0);
	}
}

/*
 * The host has a watchpoint armed in the VMM thread (perf). The guest
 * sees its own debug registers (reset values), not the host's address;
 * after every exit the watchpoint still fires.
 */
TEST(host_watchpoint_stays_armed_and_hidden_from_the_guest)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_debug_regs);
	struct hyv_ucall uc;
	u64 before;
	int fd, i;

	fd = watch_writes(&watched);
	if (fd < 0)
		TH_LOG("no hardware breakpoints for perf here (%s): guest side only",
		       strerror(errno));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(0, uc.args[0]) TH_LOG("guest read DR0-3 = %#llx", uc.args[0]);
		EXPECT_EQ(0xffff0ff0, uc.args[1]);
		EXPECT_EQ(0x400, uc.args[2]);
		if (fd < 0)
			continue;
		before = perf_count(fd);
		WRITE_ONCE(watched, i);
		EXPECT_EQ(before + 1, perf_count(fd)) TH_LOG("after exit %d", i);
	}
	if (fd >= 0)
		close(fd);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Protection keys ------------------------------------------------------ */

static bool host_has_ospke(void)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(7), "c"(0));
	return c & BIT(4);
}

static u32 host_rdpkru(void)
{
	u32 pkru, edx;

	asm volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static void host_wrpkru(u32 pkru)
{
	asm volatile("wrpkru" : : "a"(pkru), "c"(0), "d"(0));
}

static void guest_try_pkeys(void)
{
	u64 cr4, vector;
	u32 a, b, c, d, pkru = 0, edx;

	guest_cpuid(7, 0, &a, &b, &c, &d);
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile(GUEST_ASM_SAFE("mov %[v], %%cr4") "mov %%r9, %[vec]"
		     : [vec] "=r"(vector) : [v] "r"(cr4 | X86_CR4_PKE)
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(c & (BIT(3) | BIT(4)), vector, 0, 0);
	asm volatile(GUEST_ASM_SAFE("rdpkru") "mov %%r9, %[vec]"
		     : "+a"(pkru), "=d"(edx), [vec] "=r"(vector) : "c"(0)
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(vector, pkru, 0, 0);
	asm volatile(GUEST_ASM_SAFE("wrpkru") "mov %%r9, %[vec]"
		     : [vec] "=r"(vector) : "a"(0), "c"(0), "d"(0)
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(vector, 0, 0, 0);
	GUEST_DONE();
}

/*
 * A guest gets no protection keys (no PKU, CR4.PKE refused, RDPKRU and
 * WRPKRU undefined) and cannot read or change the VMM thread's PKRU.
 */
TEST(guest_cannot_reach_the_vmm_threads_protection_keys)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_try_pkeys);
	bool pku = host_has_ospke();
	u32 host_pkru = 0;
	struct hyv_ucall uc;

	if (pku) {
		host_pkru = host_rdpkru() | (3U << 30);	/* key 15: no access */
		host_wrpkru(host_pkru);
	} else {
		TH_LOG("the host has no protection keys: guest side only");
	}
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[0]) TH_LOG("CPUID 7 ECX PKU/OSPKE %#llx", uc.args[0]);
	EXPECT_EQ(VEC_GP, uc.args[1]) TH_LOG("MOV CR4.PKE gave vector %llu", uc.args[1]);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_UD, uc.args[0]) TH_LOG("RDPKRU gave vector %llu, PKRU %#llx",
					     uc.args[0], uc.args[1]);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_UD, uc.args[0]);
	if (pku)
		EXPECT_EQ(host_pkru, host_rdpkru());
	ASSERT_EQ(UCALL_DONE, hyv_vcpu_run_ucall(vcpu, &uc));
	hyv_vm_free_with_vcpu(vcpu);
}

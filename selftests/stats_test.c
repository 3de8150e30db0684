// SPDX-License-Identifier: GPL-2.0
/*
 * HYV_GET_STATS: exits are counted by reason exactly as the guest caused
 * them (MSR accesses and the "other" kind included; host interrupts are
 * the host's, so only seen), a closed vCPU's counts stay with its VM,
 * nested mappings are counted exactly as the guest made them and as the
 * VMM zapped them (MADV_DONTNEED, slot delete), and the ioctl checks its
 * input like every other.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define NR_CPUID	5
#define NR_HYPERCALL	3
#define NR_OUT		4
#define NR_HLT		2

static void get_stats(struct hyv_vm *vm, struct hyv_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	HYV_ASSERT(!ioctl(vm->fd, HYV_GET_STATS, st), "HYV_GET_STATS");
}

/* A known number of each kind of exit. */
static void guest_mix(void)
{
	u32 a, b, c, d;
	int i;

	for (i = 0; i < NR_CPUID; i++)
		guest_cpuid(0, 0, &a, &b, &c, &d);
	for (i = 0; i < NR_HYPERCALL; i++)
		guest_hypercall(HYV_HC_VERSION, 0, 0, 0, 0);
	for (i = 0; i < NR_OUT; i++)
		asm volatile("outb %%al, $0x80" : : "a"(i));
	for (i = 0; i < NR_HLT; i++)
		guest_hlt();
	GUEST_DONE();
}

/* Run guest_mix to its end: NR_OUT + 1 I/O exits (the last is GUEST_DONE). */
static void run_mix(struct hyv_vcpu *vcpu)
{
	int i;

	for (i = 0; i < NR_OUT; i++)
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
	for (i = 0; i < NR_HLT; i++)
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_run_done(vcpu);
}

TEST(exits_are_counted_by_reason)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mix);
	struct hyv_vm_stats st;
	u64 sum = 0;
	int i;

	get_stats(vcpu->vm, &st);
	EXPECT_EQ(0, st.exits);

	run_mix(vcpu);
	get_stats(vcpu->vm, &st);
	EXPECT_EQ(NR_CPUID, st.exit_reason[HYV_STAT_EXIT_CPUID]);
	EXPECT_EQ(NR_HYPERCALL, st.exit_reason[HYV_STAT_EXIT_HYPERCALL]);
	EXPECT_EQ(NR_OUT + 1, st.exit_reason[HYV_STAT_EXIT_IO]);
	EXPECT_EQ(NR_HLT, st.exit_reason[HYV_STAT_EXIT_HLT]);
	EXPECT_EQ(0, st.exit_reason[HYV_STAT_EXIT_MMIO]);
	EXPECT_EQ(NR_OUT + 1 + NR_HLT, st.exits_to_user);
	for (i = 0; i < HYV_STAT_EXIT_NR; i++)
		if (i != HYV_STAT_EXIT_MMIO)	/* a subset of NPF */
			sum += st.exit_reason[i];
	EXPECT_EQ(st.exits, sum);
	EXPECT_EQ(0, st.flags);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(closed_vcpu_counts_stay_with_the_vm)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mix);
	struct hyv_vm *vm = vcpu->vm;
	struct hyv_vm_stats st;

	run_mix(vcpu);
	hyv_vcpu_free(vcpu);
	get_stats(vm, &st);
	EXPECT_EQ(NR_CPUID, st.exit_reason[HYV_STAT_EXIT_CPUID]);
	EXPECT_EQ(NR_OUT + 1 + NR_HLT, st.exits_to_user);

	/* A second vCPU adds to the same totals. */
	vcpu = hyv_vcpu_add(vm, 1, guest_mix);
	run_mix(vcpu);
	get_stats(vm, &st);
	EXPECT_EQ(2 * NR_CPUID, st.exit_reason[HYV_STAT_EXIT_CPUID]);
	EXPECT_EQ(2 * NR_HYPERCALL, st.exit_reason[HYV_STAT_EXIT_HYPERCALL]);
	hyv_vm_free_with_vcpu(vcpu);
}

static void guest_read(u32 *p)
{
	GUEST_SYNC(READ_ONCE(*p));
}

TEST(mmio_exits_are_counted_as_mmio_and_npf)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read);
	struct hyv_vm_stats st;

	hyv_vcpu_set_args(vcpu, 0xd0000000, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	get_stats(vcpu->vm, &st);
	EXPECT_EQ(1, st.exit_reason[HYV_STAT_EXIT_MMIO]);
	EXPECT_LE(1, st.exit_reason[HYV_STAT_EXIT_NPF]);
	EXPECT_EQ(1, st.exits_to_user);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Every exit is counted under exactly one reason (MMIO is also an NPF). */
static void expect_reasons_add_up(struct __test_metadata *_metadata,
				  const struct hyv_vm_stats *st)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < HYV_STAT_EXIT_NR; i++)
		if (i != HYV_STAT_EXIT_MMIO)
			sum += st->exit_reason[i];
	EXPECT_EQ(st->exits, sum);
}

#define MSR_APIC_BASE	0x1b
#define NR_RDMSR	6
#define NR_WRMSR	4

/* RDMSR and WRMSR of an MSR hyv emulates: each one exits. */
static void guest_msrs(void)
{
	u64 base = 0;
	int i;

	for (i = 0; i < NR_RDMSR; i++)
		GUEST_ASSERT_EQ(GUEST_NO_EXCEPTION,
				guest_rdmsr_safe(MSR_APIC_BASE, &base));
	for (i = 0; i < NR_WRMSR; i++)
		GUEST_ASSERT_EQ(GUEST_NO_EXCEPTION,
				guest_wrmsr_safe(MSR_APIC_BASE, base));
	GUEST_DONE();
}

TEST(msr_exits_are_counted_one_per_rdmsr_and_wrmsr)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_msrs);
	struct hyv_vm_stats st;

	hyv_vcpu_run_done(vcpu);
	get_stats(vcpu->vm, &st);
	EXPECT_EQ(NR_RDMSR + NR_WRMSR, st.exit_reason[HYV_STAT_EXIT_MSR]);
	EXPECT_EQ(1, st.exit_reason[HYV_STAT_EXIT_IO]);
	EXPECT_EQ(0, st.exit_reason[HYV_STAT_EXIT_OTHER]);
	EXPECT_EQ(1, st.exits_to_user);
	expect_reasons_add_up(_metadata, &st);
	hyv_vm_free_with_vcpu(vcpu);
}

#define NR_WBINVD	3
#define NR_RDPMC	2
#define X86_GP_VECTOR	13

/*
 * Instructions hyv refuses or skips: WBINVD (skipped: a guest must not
 * flush the host's caches) and RDPMC (#GP: no PMU for guests). Both exit
 * on both vendors and count as "other".
 */
static void guest_other(void)
{
	u64 vector;
	int i;

	for (i = 0; i < NR_WBINVD; i++)
		asm volatile("wbinvd" : : : "memory");
	for (i = 0; i < NR_RDPMC; i++) {
		asm volatile(GUEST_ASM_SAFE("rdpmc") "mov %%r9, %[vector]"
			     : [vector] "=r"(vector)
			     : "c"(0) : "rax", "rdx", "r9", "r10", "r11", "memory");
		GUEST_ASSERT_EQ(X86_GP_VECTOR, vector);
	}
	GUEST_DONE();
}

TEST(wbinvd_and_rdpmc_are_counted_as_other_exits)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_other);
	struct hyv_vm_stats st;

	hyv_vcpu_run_done(vcpu);
	get_stats(vcpu->vm, &st);
	EXPECT_EQ(NR_WBINVD + NR_RDPMC, st.exit_reason[HYV_STAT_EXIT_OTHER]);
	EXPECT_EQ(0, st.exit_reason[HYV_STAT_EXIT_MSR]);
	EXPECT_EQ(1, st.exit_reason[HYV_STAT_EXIT_IO]);
	EXPECT_EQ(1, st.exits_to_user);
	expect_reasons_add_up(_metadata, &st);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Spin for @ms by the TSC, making no exit itself. */
static void guest_spin(u64 tsc_khz, u64 ms)
{
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, ms));
	GUEST_DONE();
}

/*
 * The host's timer interrupts a guest that spins for a while: each such
 * exit is a host event (the test cannot know how many, only that there
 * are some), and nothing else is counted.
 */
TEST(host_interrupts_of_a_spinning_guest_are_counted_as_host_events)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_spin);
	struct hyv_vm_stats st;
	u64 t0, ms;

	hyv_vcpu_set_args(vcpu, host_tsc_khz(), 300);
	t0 = host_now_ns();
	hyv_vcpu_run_done(vcpu);
	ms = (host_now_ns() - t0) / 1000000;
	get_stats(vcpu->vm, &st);
	TH_LOG("%llu host events in %llu ms of spinning",
	       st.exit_reason[HYV_STAT_EXIT_HOST_EVENT], ms);
	EXPECT_LE(1, st.exit_reason[HYV_STAT_EXIT_HOST_EVENT]);
	EXPECT_EQ(1, st.exit_reason[HYV_STAT_EXIT_IO]);
	EXPECT_EQ(0, st.exit_reason[HYV_STAT_EXIT_OTHER]);
	EXPECT_EQ(0, st.exit_reason[HYV_STAT_EXIT_MSR]);
	EXPECT_EQ(1, st.exits_to_user);
	expect_reasons_add_up(_metadata, &st);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * Nested mappings, counted exactly: the guest writes pages
 * [touch_first, touch_first + touch_pages) of a second slot (4 KiB pages
 * on the host, so 4 KiB nested ones) each time it is run, then syncs.
 * The first round writes page 0 only, so that everything else the loop
 * needs (its code, its stack, the guest page table that maps the slot)
 * is mapped before the counting starts.
 */
#define ZAP_SLOT	1
#define ZAP_GPA		0x40000000ULL	/* 1 GiB */
#define ZAP_PAGES	64		/* counted: pages 1 .. 64 */
#define ZAP_SLOT_PAGES	(ZAP_PAGES + 1)
#define ZAP_DROPPED	24

u64 touch_first, touch_pages;

static void guest_touch_rounds(u64 start)
{
	u64 i, first, n;

	for (;;) {
		first = __atomic_load_n(&touch_first, __ATOMIC_ACQUIRE);
		n = __atomic_load_n(&touch_pages, __ATOMIC_ACQUIRE);
		for (i = first; i < first + n; i++)
			__atomic_store_n((u64 *)(start + i * SZ_4K), i + 1,
					 __ATOMIC_RELAXED);
		GUEST_SYNC(n);
	}
}

static void touch_round(struct hyv_vcpu *vcpu, u64 first, u64 pages,
			struct hyv_vm_stats *st)
{
	GUEST_VAR(vcpu->vm, touch_first) = first;
	__atomic_store_n(&GUEST_VAR(vcpu->vm, touch_pages), pages,
			 __ATOMIC_RELEASE);
	HYV_ASSERT(hyv_vcpu_run_sync(vcpu) == pages, "guest touched another count");
	get_stats(vcpu->vm, st);
}

TEST(nested_4k_mappings_are_counted_exactly_and_uncounted_by_zaps)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_touch_rounds);
	struct hyv_vm *vm = vcpu->vm;
	size_t size = ZAP_SLOT_PAGES * SZ_4K;
	struct hyv_vm_stats base, st;
	u8 *mem;

	/*
	 * No huge pages behind either slot: khugepaged collapsing one would
	 * zap mappings behind the test's back, and slot 1 must be 4 KiB.
	 */
	ASSERT_EQ(0, madvise(vm->mem, vm->mem_size, MADV_NOHUGEPAGE));
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, madvise(mem, size, MADV_NOHUGEPAGE));
	hyv_vm_set_slot(vm, ZAP_SLOT, ZAP_GPA, size, mem);
	hyv_vcpu_set_args(vcpu, ZAP_GPA, 0);

	touch_round(vcpu, 0, 1, &base);
	touch_round(vcpu, 0, 1, &st);
	EXPECT_EQ(base.pages_4k, st.pages_4k) TH_LOG("a round that maps nothing new");
	EXPECT_EQ(base.pages_2m, st.pages_2m);

	touch_round(vcpu, 1, ZAP_PAGES, &st);
	TH_LOG("pages_4k %llu before, %llu after the guest wrote %d more pages",
	       base.pages_4k, st.pages_4k, ZAP_PAGES);
	EXPECT_EQ(base.pages_4k + ZAP_PAGES, st.pages_4k);
	EXPECT_EQ(base.pages_2m, st.pages_2m);
	/* The guest's writes reached the VMM's pages (page i holds i + 1). */
	EXPECT_EQ(ZAP_PAGES + 1, *(u64 *)(mem + ZAP_PAGES * SZ_4K));

	/* The VMM drops some of them: so does the nested page table. */
	ASSERT_EQ(0, madvise(mem + SZ_4K, ZAP_DROPPED * SZ_4K, MADV_DONTNEED));
	get_stats(vm, &st);
	EXPECT_EQ(base.pages_4k + ZAP_PAGES - ZAP_DROPPED, st.pages_4k)
		TH_LOG("after MADV_DONTNEED of %d pages", ZAP_DROPPED);

	/* The guest writes them again: mapped again, once each. */
	touch_round(vcpu, 1, ZAP_PAGES, &st);
	EXPECT_EQ(base.pages_4k + ZAP_PAGES, st.pages_4k);

	/* Deleting the slot takes all of its mappings with it, page 0 too. */
	hyv_vm_set_slot(vm, ZAP_SLOT, ZAP_GPA, 0, mem);
	get_stats(vm, &st);
	EXPECT_EQ(base.pages_4k - 1, st.pages_4k) TH_LOG("after the slot's deletion");
	EXPECT_EQ(base.pages_2m, st.pages_2m);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, size);
}

TEST(get_stats_checks_flags_and_pointer)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mix);
	struct hyv_vm_stats st = { .flags = 1 };

	EXPECT_EQ(-1, ioctl(vcpu->vm->fd, HYV_GET_STATS, &st));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->vm->fd, HYV_GET_STATS, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_GET_STATS, &st));
	EXPECT_EQ(ENOTTY, errno);
	hyv_vm_free_with_vcpu(vcpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * HYV_GET_STATS: exits are counted by reason exactly as the guest caused
 * them, a closed vCPU's counts stay with its VM, nested mappings are
 * counted, and the ioctl checks its input like every other.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hyv_util.h"

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

static void guest_read(volatile u32 *p)
{
	GUEST_SYNC(*p);
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

#define TOUCH_PAGES	64

static void guest_touch(u64 start)
{
	int i;

	for (i = 0; i < TOUCH_PAGES; i++)
		*(volatile u64 *)(start + i * SZ_4K) = i;
	GUEST_DONE();
}

TEST(nested_mappings_are_counted)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_touch);
	struct hyv_vm_stats st;

	hyv_vcpu_set_args(vcpu, HYV_DATA_GPA, 0);
	hyv_vcpu_run_done(vcpu);
	get_stats(vcpu->vm, &st);
	TH_LOG("pages_4k %llu, pages_2m %llu", st.pages_4k, st.pages_2m);
	EXPECT_LE(TOUCH_PAGES, st.pages_4k + 512 * st.pages_2m);
	hyv_vm_free_with_vcpu(vcpu);
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

TEST_HARNESS_MAIN

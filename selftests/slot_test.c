// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slot features: read-only slots (reads see memory, writes exit as
 * MMIO), dirty logging of exactly the written pages, slots moved or
 * replaced while vCPUs exist or even run, and 2 MiB nested mappings for
 * transparent-huge-page backed memory.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "vcpu_thread.h"

#define SLOT_GPA	0x40000000ULL	/* 1 GiB */
#define OTHER_GPA	0x80000000ULL	/* 2 GiB */
#define SLOT_PAGES	(SZ_2M / SZ_4K)

static u64 *alloc_2m(void)
{
	void *p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	HYV_ASSERT(p != MAP_FAILED, "mmap");
	return p;
}

/* Read *p and report it, then write v there. */
static void guest_read_then_write(u32 *p, u32 v)
{
	GUEST_SYNC(READ_ONCE(*p));
	WRITE_ONCE(*p, v);
	GUEST_DONE();
}

TEST(read_only_slot_is_read_as_memory_and_writes_exit_as_mmio)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_then_write);
	struct hyv_run *run = vcpu->run;
	u64 *mem = alloc_2m();
	u32 *p = (u32 *)((u8 *)mem + 0x5004);

	*p = 0x600dd00d;
	ASSERT_EQ(0, __hyv_vm_set_slot(vcpu->vm, 1, HYV_MEM_READONLY, SLOT_GPA,
				       SZ_2M, mem));
	hyv_vcpu_set_args(vcpu, SLOT_GPA + 0x5004, 0xbad0bad0);
	EXPECT_EQ(0x600dd00d, hyv_vcpu_run_sync(vcpu));

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(SLOT_GPA + 0x5004, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	EXPECT_EQ(0xbad0bad0, run->mmio.data);
	hyv_vcpu_run_done(vcpu);
	EXPECT_EQ(0x600dd00d, *p);	/* the memory itself is untouched */
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

static const unsigned int written1[] = { 0, 1, 7, 64, 511 };
static const unsigned int written2[] = { 7, 100 };

/* Write some pages of the slot, read others; then write a second set. */
static void guest_dirty(u64 base)
{
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < ARRAY_SIZE(written1); i++)
		WRITE_ONCE(*(u64 *)(base + written1[i] * SZ_4K + 8), i);
	for (i = 200; i < 210; i++)
		sum += READ_ONCE(*(u64 *)(base + i * SZ_4K));
	GUEST_SYNC(sum);
	for (i = 0; i < ARRAY_SIZE(written2); i++)
		WRITE_ONCE(*(u64 *)(base + written2[i] * SZ_4K + 16), i);
	GUEST_DONE();
}

/* The dirty log as one bit per page, compared with the expected pages. */
static void check_dirty(struct __test_metadata *_metadata, struct hyv_vm *vm,
			const unsigned int *pages, unsigned int n)
{
	struct hyv_dirty_log log = { .slot = 1 };
	u64 got[SLOT_PAGES / 64], want[SLOT_PAGES / 64];
	unsigned int i;

	memset(got, 0xff, sizeof(got));
	memset(want, 0, sizeof(want));
	for (i = 0; i < n; i++)
		want[pages[i] / 64] |= 1ULL << (pages[i] % 64);
	log.bitmap = (u64)got;
	ASSERT_EQ(0, ioctl(vm->fd, HYV_GET_DIRTY_LOG, &log));
	for (i = 0; i < ARRAY_SIZE(got); i++)
		EXPECT_EQ(want[i], got[i]) TH_LOG("pages %u-%u", i * 64, i * 64 + 63);
}

TEST(dirty_log_has_exactly_the_pages_the_guest_wrote_and_is_cleared_by_reading)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_dirty);
	u64 *mem = alloc_2m();

	ASSERT_EQ(0, __hyv_vm_set_slot(vcpu->vm, 1, HYV_MEM_LOG_DIRTY, SLOT_GPA,
				       SZ_2M, mem));
	hyv_vcpu_set_args(vcpu, SLOT_GPA, 0);
	hyv_vcpu_run_sync(vcpu);
	check_dirty(_metadata, vcpu->vm, written1, ARRAY_SIZE(written1));
	check_dirty(_metadata, vcpu->vm, NULL, 0);	/* read and cleared */

	hyv_vcpu_run_done(vcpu);
	check_dirty(_metadata, vcpu->vm, written2, ARRAY_SIZE(written2));
	EXPECT_EQ(1, mem[100 * SZ_4K / 8 + 2]);	/* and the writes are real */
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

/* Report *a, then *b (after the VMM moved the slot from a to b). */
static void guest_read_a_b(u64 *a, u64 *b)
{
	GUEST_SYNC(READ_ONCE(*a));
	GUEST_SYNC(READ_ONCE(*b));
	GUEST_SYNC(READ_ONCE(*a));
	GUEST_DONE();
}

TEST(slot_moved_after_the_guest_used_it_is_found_at_its_new_address)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_a_b);
	struct hyv_run *run = vcpu->run;
	u64 *mem = alloc_2m();

	mem[0x808 / 8] = 0x7777;
	hyv_vm_set_slot(vcpu->vm, 1, SLOT_GPA, SZ_2M, mem);
	hyv_vcpu_set_args(vcpu, SLOT_GPA + 0x808, OTHER_GPA + 0x808);
	EXPECT_EQ(0x7777, hyv_vcpu_run_sync(vcpu));

	hyv_vm_set_slot(vcpu->vm, 1, OTHER_GPA, SZ_2M, mem);	/* move */
	EXPECT_EQ(0x7777, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);		/* old place */
	EXPECT_EQ(SLOT_GPA + 0x808, run->mmio.phys_addr);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

/* Spin until *p is no longer 1, then report what it became. */
static void guest_wait_change(u64 *p)
{
	u64 v;

	while ((v = READ_ONCE(*p)) == 1)
		;
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(slot_replaced_under_a_running_vcpu_is_in_effect_when_the_ioctl_returns)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_wait_change);
	u64 *old = alloc_2m(), *new = alloc_2m();
	struct vcpu_thread t;

	old[0] = 1;
	new[0] = 2;
	hyv_vm_set_slot(vcpu->vm, 1, SLOT_GPA, SZ_2M, old);
	hyv_vcpu_set_args(vcpu, SLOT_GPA, 0);
	vcpu_thread_start(&t, vcpu, VCPU_RUN_TO_UCALL);
	usleep(200 * 1000);		/* let the guest map old and spin on it */

	hyv_vm_set_slot(vcpu->vm, 1, SLOT_GPA, SZ_2M, new);
	/* From here the guest must never read old memory again. */
	old[0] = 3;
	if (!vcpu_thread_wait(&t, 60000)) {
		vcpu_thread_stop(&t);
		ASSERT_TRUE(0) TH_LOG("the guest still spins on the old slot");
	}
	ASSERT_EQ(UCALL_SYNC, t.uc.cmd);
	EXPECT_EQ(2, t.uc.args[0]);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(old, SZ_2M);
	munmap(new, SZ_2M);
}

/* AnonHugePages of the mapping holding addr, in kB; -1 if not found. */
static long anon_huge_kb(void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[256];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = a >= start && a < end;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void guest_sync_then_write_byte(u8 *p)
{
	GUEST_SYNC(0);
	WRITE_ONCE(*p, 1);
	GUEST_DONE();
}

TEST(huge_page_backed_slot_is_mapped_with_a_2m_nested_page)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_sync_then_write_byte);
	struct hyv_vm_stats before, after;
	u8 *raw, *mem;

	/* 2 MiB aligned, so that guest and host addresses are congruent. */
	raw = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (u8 *)(((u64)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(mem, SZ_2M, MADV_HUGEPAGE);
	memset(mem, 0, SZ_2M);
	if (anon_huge_kb(mem) < 2048)
		SKIP(goto out, "the VMM memory did not get a transparent huge page");

	hyv_vm_set_slot(vcpu->vm, 1, OTHER_GPA, SZ_2M, mem);
	hyv_vcpu_set_args(vcpu, OTHER_GPA + 0x1234, 0);
	hyv_vcpu_run_sync(vcpu);	/* slot 0 is mapped by now */
	memset(&before, 0, sizeof(before));
	ASSERT_EQ(0, ioctl(vcpu->vm->fd, HYV_GET_STATS, &before));
	hyv_vcpu_run_done(vcpu);	/* one write to slot 1 */
	memset(&after, 0, sizeof(after));
	ASSERT_EQ(0, ioctl(vcpu->vm->fd, HYV_GET_STATS, &after));
	TH_LOG("pages_4k %llu -> %llu, pages_2m %llu -> %llu", before.pages_4k,
	       after.pages_4k, before.pages_2m, after.pages_2m);
	EXPECT_EQ(1, mem[0x1234]);
	EXPECT_EQ(before.pages_2m + 1, after.pages_2m);
out:
	hyv_vm_free_with_vcpu(vcpu);
	munmap(raw, 2 * SZ_2M);
}

/* This process's resident set, in KiB. */
static long rss_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#define BIG_SLOT	SZ_1G
#define TOUCHED		(16ULL << 20)

/* Write one byte in each 4 KiB page of [p, p + len). */
static void guest_touch(u8 *p, u64 len)
{
	u64 off;

	for (off = 0; off < len; off += SZ_4K)
		WRITE_ONCE(p[off], 1);
	GUEST_DONE();
}

/*
 * Guest memory is faulted in on demand, not pinned up front: a 1 GiB slot
 * of which the guest touches 16 MiB costs the host about 16 MiB.
 */
TEST(guest_of_1g_touching_16m_costs_the_host_about_16m)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_touch);
	void *big = mmap(NULL, BIG_SLOT, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	long before, after;

	ASSERT_NE(MAP_FAILED, big);
	hyv_vm_set_slot(vcpu->vm, 1, SLOT_GPA, BIG_SLOT, big);
	before = rss_kb();
	hyv_vcpu_set_args(vcpu, SLOT_GPA, TOUCHED);
	hyv_vcpu_run_done(vcpu);
	after = rss_kb();
	TH_LOG("RSS grew by %ld KiB for a 1 GiB guest slot of which 16 MiB was touched",
	       after - before);
	EXPECT_GE(after - before, (long)(TOUCHED >> 10) * 3 / 4);
	EXPECT_LE(after - before, (long)(TOUCHED >> 10) * 2);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(big, BIG_SLOT);
}

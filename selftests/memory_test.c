// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory is the VMM's memory: writes on either side are seen on the
 * other, also after the VMM's pages change under the guest; slots can be
 * added at high addresses and deleted at run time; a slot whose VMM memory
 * is gone fails RUN instead of mapping anything else; pages the host
 * kernel moves while the guest runs (THP split, compaction, collapse)
 * keep the guest's data. (Accesses outside every slot: mmio_test.c.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "vcpu_thread.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25	/* Linux 6.1 */
#endif

#define MAGIC		0x5eed5eed00000000ULL
#define GONE_GPA	0xc0000000ULL
#define HIGH_GPA	0x1000000000ULL	/* 64 GiB */
#define DELETE_GPA	0x40000000ULL	/* 1 GiB */

static void *alloc_2m(void)
{
	void *p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	HYV_ASSERT(p != MAP_FAILED, "mmap");
	return p;
}

/* One u64 per page of [start, end): its own address XOR MAGIC. */
static void guest_write_pages(u64 start, u64 end)
{
	u64 a;

	for (a = start; a < end; a += SZ_4K)
		WRITE_ONCE(*(u64 *)a, a ^ MAGIC);
	GUEST_DONE();
}

TEST(guest_writes_to_every_page_are_seen_in_vmm_memory)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_write_pages);
	u64 a, bad = 0;

	hyv_vcpu_set_args(vcpu, HYV_DATA_GPA, HYV_DATA_END);
	hyv_vcpu_run_done(vcpu);
	for (a = HYV_DATA_GPA; a < HYV_DATA_END; a += SZ_4K)
		if (*(u64 *)hyv_vm_gpa_to_hva(vcpu->vm, a) != (a ^ MAGIC))
			bad++;
	EXPECT_EQ(0, bad);
	hyv_vm_free_with_vcpu(vcpu);
}

/* Report *p twice, and write what the second read saw plus one. */
static void guest_read_twice(u64 *p)
{
	u64 v;

	GUEST_SYNC(READ_ONCE(*p));
	v = READ_ONCE(*p);
	GUEST_SYNC(v);
	WRITE_ONCE(*p, v + 1);
	GUEST_DONE();
}

TEST(vmm_writes_are_seen_by_the_guest_while_it_runs)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_twice);
	u64 *p = hyv_vm_gpa_to_hva(vcpu->vm, HYV_DATA_GPA + 0x123 * 8);

	*p = 0x1111;
	hyv_vcpu_set_args(vcpu, HYV_DATA_GPA + 0x123 * 8, 0);
	EXPECT_EQ(0x1111, hyv_vcpu_run_sync(vcpu));
	*p = 0x2222;	/* the page is mapped in the guest by now */
	EXPECT_EQ(0x2222, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_done(vcpu);
	EXPECT_EQ(0x2223, *p);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(guest_follows_the_vmm_when_it_drops_a_page)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_twice);
	u64 gpa = HYV_DATA_GPA + 0x10000;
	u64 *p = hyv_vm_gpa_to_hva(vcpu->vm, gpa);

	*p = 0x3333;
	hyv_vcpu_set_args(vcpu, gpa, 0);
	EXPECT_EQ(0x3333, hyv_vcpu_run_sync(vcpu));
	/*
	 * A fresh zero page replaces the one the guest has mapped: the host
	 * must notice (MMU notifier) instead of leaving the old page mapped.
	 */
	ASSERT_EQ(0, madvise((void *)((u64)p & ~(SZ_4K - 1)), SZ_4K,
			     MADV_DONTNEED));
	ASSERT_EQ(0, *p);
	EXPECT_EQ(0, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_done(vcpu);
	EXPECT_EQ(1, *p);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(second_slot_at_a_high_gpa_is_shared_both_ways)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_twice);
	u8 *mem = alloc_2m();
	u64 off = SZ_2M - 8;		/* the slot's last u64 */
	u64 *p = (u64 *)(mem + off);

	hyv_vm_set_slot(vcpu->vm, 1, HIGH_GPA, SZ_2M, mem);
	hyv_vm_map(vcpu->vm, HIGH_GPA, HIGH_GPA, SZ_2M);
	*p = 0x4444;
	hyv_vcpu_set_args(vcpu, HIGH_GPA + off, 0);
	EXPECT_EQ(0x4444, hyv_vcpu_run_sync(vcpu));
	EXPECT_EQ(0x4444, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_done(vcpu);
	EXPECT_EQ(0x4445, *p);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

/* Read *p, then (after the VMM deleted its slot) read it again. */
static void guest_read_read(u64 *p)
{
	GUEST_SYNC(READ_ONCE(*p));
	GUEST_SYNC(READ_ONCE(*p));
	GUEST_DONE();
}

TEST(deleted_slot_is_unmapped_from_the_guest)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_read);
	struct hyv_run *run = vcpu->run;
	u8 *mem = alloc_2m();

	*(u64 *)(mem + 0x100) = 0x5555;
	hyv_vm_set_slot(vcpu->vm, 2, DELETE_GPA, SZ_2M, mem);
	hyv_vcpu_set_args(vcpu, DELETE_GPA + 0x100, 0);
	EXPECT_EQ(0x5555, hyv_vcpu_run_sync(vcpu));

	/* size 0 deletes; the guest's next read must not reach mem. */
	hyv_vm_set_slot(vcpu->vm, 2, DELETE_GPA, 0, mem);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(DELETE_GPA + 0x100, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

static void guest_read_u64(u64 *p)
{
	GUEST_SYNC(READ_ONCE(*p));
}

TEST(guest_access_to_unmapped_vmm_memory_fails_run_with_efault)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_u64);
	u8 *mem = alloc_2m();
	int ret;

	/* A slot whose VMM memory is gone by the time the guest touches it. */
	hyv_vm_set_slot(vcpu->vm, 1, GONE_GPA, SZ_2M, mem);
	munmap(mem, SZ_2M);
	hyv_vcpu_set_args(vcpu, GONE_GPA + 0x1238, 0);
	ret = __hyv_vcpu_run(vcpu);
	EXPECT_EQ(-1, ret) TH_LOG("exit %s", hyv_exit_name(vcpu->run->exit_reason));
	EXPECT_EQ(EFAULT, errno);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- The host moves guest memory while the guest uses it ---------------- */

#define MOVE_GPA	0x80000000ULL	/* 2 GiB */
#define MOVE_SIZE	(4 * SZ_2M)
#define MOVE_PAGES	(MOVE_SIZE / SZ_4K)
#define MOVE_ROUNDS	3

/* Page 0 of the region: the VMM's stop flag and the guest's progress. */
struct move_ctl {
	u64 stop;
	u64 passes;
	u64 bad;
};

/* What page @i of the region holds after pass @pass. */
static u64 move_pattern(u64 i, u64 pass)
{
	return (i << 32) ^ MAGIC ^ (pass * 0x10001);
}

/*
 * Pass after pass over pages 1.., until told to stop: check that each
 * page holds what the previous pass wrote, then write this pass's value.
 */
static void guest_rewrite_until_stopped(u64 base, u64 size)
{
	struct move_ctl *ctl = (struct move_ctl *)base;
	u64 pass, i, bad = 0;

	for (pass = 1; !READ_ONCE(ctl->stop); pass++) {
		for (i = 1; i < size / SZ_4K; i++) {
			u64 *p = (u64 *)(base + i * SZ_4K);

			if (READ_ONCE(*p) != move_pattern(i, pass - 1))
				bad++;
			WRITE_ONCE(*p, move_pattern(i, pass));
		}
		WRITE_ONCE(ctl->bad, bad);
		WRITE_ONCE(ctl->passes, pass);
	}
	GUEST_DONE();
}

/* The page frame behind each page of [mem, mem + MOVE_SIZE); 0 unknown. */
static void read_pfns(int pagemap, const u8 *mem, u64 *pfn)
{
	u64 i, e;

	for (i = 0; i < MOVE_PAGES; i++) {
		e = 0;
		if (pread(pagemap, &e, sizeof(e),
			  ((u64)mem / SZ_4K + i) * sizeof(e)) != sizeof(e))
			e = 0;
		/* bit 63 present, bits 0-54 the PFN (root only) */
		pfn[i] = (e >> 63) ? e & ((1ULL << 55) - 1) : 0;
	}
}

/* Wait until the guest completed two more passes: one fully after now. */
static bool wait_two_passes(struct move_ctl *ctl, struct vcpu_thread *t)
{
	u64 start = READ_ONCE(ctl->passes), t0 = host_now_ns();

	while (READ_ONCE(ctl->passes) < start + 2) {
		if (vcpu_thread_done(t) || host_now_ns() - t0 > 60 * 1000000000ULL)
			return false;
		usleep(1000);
	}
	return true;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * A running guest rewrites 8 MiB of THP-backed memory pass after pass
 * while the VMM's kernel splits its huge pages, compacts memory and
 * collapses the pages back into huge pages: each moves the data to new
 * page frames, and the mmu notifier must take the old ones out of the
 * nested page table (and the guest's TLB) before they are freed. A
 * stale mapping shows as a value the guest does not find where it wrote
 * it, or as the VMM not seeing the guest's last pass. The test also
 * checks that frames did move, or it would prove nothing.
 */
TEST(guest_data_survives_the_host_moving_its_pages)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_rewrite_until_stopped);
	u64 *pfn_now = calloc(MOVE_PAGES, sizeof(u64));
	u64 *pfn_was = calloc(MOVE_PAGES, sizeof(u64));
	u64 i, moved = 0, wrong = 0, passes;
	int pagemap, round, ret;
	struct vcpu_thread t;
	struct move_ctl *ctl;
	char split[128];
	u8 *raw, *mem;

	ASSERT_TRUE(pfn_now && pfn_was);
	raw = mmap(NULL, MOVE_SIZE + SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (u8 *)(((u64)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(mem, MOVE_SIZE, MADV_HUGEPAGE);
	for (i = 1; i < MOVE_PAGES; i++)
		*(u64 *)(mem + i * SZ_4K) = move_pattern(i, 0);
	ctl = (struct move_ctl *)mem;
	memset(ctl, 0, sizeof(*ctl));
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pagemap);
	read_pfns(pagemap, mem, pfn_was);

	hyv_vm_set_slot(vcpu->vm, 1, MOVE_GPA, MOVE_SIZE, mem);
	hyv_vm_map(vcpu->vm, MOVE_GPA, MOVE_GPA, MOVE_SIZE);
	hyv_vcpu_set_args(vcpu, MOVE_GPA, MOVE_SIZE);
	vcpu_thread_start(&t, vcpu, VCPU_RUN_TO_DONE);
	snprintf(split, sizeof(split), "%d,0x%llx,0x%llx", getpid(),
		 (unsigned long long)mem, (unsigned long long)(mem + MOVE_SIZE));

	for (round = 0; round < MOVE_ROUNDS; round++) {
		static const char * const step[] = { "split", "compact", "collapse" };
		int s;

		for (s = 0; s < 3; s++) {
			ASSERT_TRUE(wait_two_passes(ctl, &t))
				TH_LOG("round %d, before %s: the guest stopped at pass %llu",
				       round, step[s], READ_ONCE(ctl->passes));
			if (s == 0)
				ret = write_file("/sys/kernel/debug/split_huge_pages", split);
			else if (s == 1)
				ret = write_file("/proc/sys/vm/compact_memory", "1");
			else
				ret = madvise(mem, MOVE_SIZE, MADV_COLLAPSE) ? -errno : 0;
			if (ret)
				TH_LOG("round %d: %s: %s", round, step[s], strerror(-ret));
			read_pfns(pagemap, mem, pfn_now);
			for (i = 0; i < MOVE_PAGES; i++)
				if (pfn_now[i] && pfn_was[i] && pfn_now[i] != pfn_was[i])
					moved++;
			memcpy(pfn_was, pfn_now, MOVE_PAGES * sizeof(u64));
		}
	}
	ASSERT_TRUE(wait_two_passes(ctl, &t));
	WRITE_ONCE(ctl->stop, 1);
	ASSERT_TRUE(vcpu_thread_wait(&t, 60000)) TH_LOG("the guest did not stop");
	EXPECT_EQ(UCALL_DONE, t.uc.cmd)
		TH_LOG("the vCPU stopped at %s", hyv_exit_name(t.exit_reason));

	passes = READ_ONCE(ctl->passes);
	for (i = 1; i < MOVE_PAGES; i++)
		if (*(u64 *)(mem + i * SZ_4K) != move_pattern(i, passes))
			wrong++;
	host_print_vm_stats(vcpu->vm, "memory moved");
	TH_LOG("%llu passes over %llu pages, %llu page moves seen", passes,
	       MOVE_PAGES - 1, moved);
	EXPECT_EQ(0, READ_ONCE(ctl->bad)) TH_LOG("values the guest did not find");
	EXPECT_EQ(0, wrong) TH_LOG("pages without the guest's last pass");
	EXPECT_LT(0, moved) TH_LOG("no page frame moved: the test proved nothing");

	close(pagemap);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(raw, MOVE_SIZE + SZ_2M);
	free(pfn_now);
	free(pfn_was);
}

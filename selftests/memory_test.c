// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory is the VMM's memory: writes on either side are seen on the
 * other, also after the VMM's pages change under the guest; slots can be
 * added at high addresses and deleted at run time; a slot whose VMM memory
 * is gone fails RUN instead of mapping anything else. (Accesses outside
 * every slot: mmio_test.c.)
 */
#include <string.h>
#include <sys/mman.h>

#include "hyv_test.h"
#include "hyv_util.h"

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

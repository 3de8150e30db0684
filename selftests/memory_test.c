// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory is the VMM's memory: writes on either side are seen on the
 * other, also after the VMM's pages change under the guest; an access
 * outside every slot exits as MMIO with the exact address and direction;
 * slots can be added at high addresses and deleted at run time.
 */
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "hyv_util.h"

#define MAGIC		0x5eed5eed00000000ULL
#define MMIO_READ_GPA	0xc0001234ULL	/* no slot there; under 4 GiB, so mapped */
#define MMIO_WRITE_GPA	0xc0002238ULL
#define MMIO_BASE	0xc0000000ULL
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
		*(volatile u64 *)a = a ^ MAGIC;
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
static void guest_read_twice(volatile u64 *p)
{
	u64 v;

	GUEST_SYNC(*p);
	v = *p;
	GUEST_SYNC(v);
	*p = v + 1;
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

static void guest_read_u32(volatile u32 *p)
{
	GUEST_SYNC(*p);
	GUEST_DONE();
}

TEST(read_outside_any_slot_exits_mmio_with_exact_address)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_u32);
	struct hyv_run *run = vcpu->run;
	u8 *mem = alloc_2m();

	hyv_vcpu_set_args(vcpu, MMIO_READ_GPA, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_READ_GPA, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);

	*(u32 *)(mem + (MMIO_READ_GPA - MMIO_BASE)) = 0xcafef00d;
	if (run->mmio.len) {
		/* Decoded: the VMM completes the read. */
		EXPECT_EQ(4, run->mmio.len);
		run->mmio.data = 0xcafef00d;
	} else {
		/* Not decoded: back the address with memory, re-execute. */
		hyv_vm_set_slot(vcpu->vm, 1, MMIO_BASE, SZ_2M, mem);
	}
	EXPECT_EQ(0xcafef00d, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

static void guest_write_u32(volatile u32 *p, u32 v)
{
	*p = v;
	GUEST_DONE();
}

TEST(write_outside_any_slot_exits_mmio_with_exact_address)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_write_u32);
	struct hyv_run *run = vcpu->run;
	u8 *mem = alloc_2m();

	hyv_vcpu_set_args(vcpu, MMIO_WRITE_GPA, 0xfeedbeef);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_WRITE_GPA, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);

	if (run->mmio.len) {
		EXPECT_EQ(4, run->mmio.len);
		EXPECT_EQ(0xfeedbeef, run->mmio.data);
		hyv_vcpu_run_done(vcpu);
	} else {
		hyv_vm_set_slot(vcpu->vm, 1, MMIO_BASE, SZ_2M, mem);
		hyv_vcpu_run_done(vcpu);
		EXPECT_EQ(0xfeedbeef,
			  *(u32 *)(mem + (MMIO_WRITE_GPA - MMIO_BASE)));
	}
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

TEST(mmio_exit_repeats_until_the_vmm_backs_the_address)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_u32);
	struct hyv_run *run = vcpu->run;
	int i;

	hyv_vcpu_set_args(vcpu, MMIO_READ_GPA, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	if (run->mmio.len)
		SKIP(goto out, "MMIO is decoded: nothing re-executes");
	for (i = 0; i < 3; i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
		EXPECT_EQ(MMIO_READ_GPA, run->mmio.phys_addr);
		EXPECT_EQ(0, run->mmio.is_write);
	}
out:
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
static void guest_read_read(volatile u64 *p)
{
	GUEST_SYNC(*p);
	GUEST_SYNC(*p);
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

/*
 * Decoded MMIO (run->mmio.len != 0), with the accessors Linux's readb()
 * ... writeq() compile to. Skipped while the host reports MMIO undecoded.
 */
#define MMIO_DEC_GPA	0xc0003000ULL
#define RAX_BEFORE	0x1122334455667788ULL

static void guest_mmio_writes(u64 p)
{
	asm volatile("movb %%al, (%0)" : : "r"(p), "a"(0xa1) : "memory");
	asm volatile("movw %%ax, (%0)" : : "r"(p + 2), "a"(0xb2b2) : "memory");
	asm volatile("movl %%eax, (%0)" : : "r"(p + 4), "a"(0xc3c3c3c3) : "memory");
	asm volatile("movq %%rax, (%0)" : : "r"(p + 8),
		     "a"(0xd4d4d4d4d4d4d4d4ULL) : "memory");
	GUEST_DONE();
}

static const struct { u64 off; u32 len; u64 data; } mmio_writes[] = {
	{ 0, 1, 0xa1 },
	{ 2, 2, 0xb2b2 },
	{ 4, 4, 0xc3c3c3c3 },
	{ 8, 8, 0xd4d4d4d4d4d4d4d4ULL },
};

TEST(decoded_mmio_writes_report_length_and_data)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mmio_writes);
	struct hyv_run *run = vcpu->run;
	unsigned int i;

	hyv_vcpu_set_args(vcpu, MMIO_DEC_GPA, 0);
	for (i = 0; i < ARRAY_SIZE(mmio_writes); i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
		if (!run->mmio.len)
			SKIP(goto out, "MMIO is not decoded yet");
		EXPECT_EQ(MMIO_DEC_GPA + mmio_writes[i].off, run->mmio.phys_addr);
		EXPECT_EQ(1, run->mmio.is_write);
		EXPECT_EQ(mmio_writes[i].len, run->mmio.len);
		EXPECT_EQ(mmio_writes[i].data, run->mmio.data);
	}
	hyv_vcpu_run_done(vcpu);
out:
	hyv_vm_free_with_vcpu(vcpu);
}

/* Each read into RAX_BEFORE, reported: partial-register rules as for IN. */
static void guest_mmio_reads(u64 p)
{
	u64 v;

	v = RAX_BEFORE;
	asm volatile("movb (%1), %%al" : "+a"(v) : "r"(p) : "memory");
	GUEST_SYNC(v);
	v = RAX_BEFORE;
	asm volatile("movw (%1), %%ax" : "+a"(v) : "r"(p + 2) : "memory");
	GUEST_SYNC(v);
	v = RAX_BEFORE;
	asm volatile("movl (%1), %%eax" : "+a"(v) : "r"(p + 4) : "memory");
	GUEST_SYNC(v);
	v = RAX_BEFORE;
	asm volatile("movq (%1), %%rax" : "+a"(v) : "r"(p + 8) : "memory");
	GUEST_SYNC(v);
	GUEST_DONE();
}

static const struct { u64 off; u32 len; u64 supply, rax; } mmio_reads[] = {
	{ 0, 1, 0xa1,			0x11223344556677a1ULL },
	{ 2, 2, 0xb2b2,			0x112233445566b2b2ULL },
	{ 4, 4, 0xc3c3c3c3,		0x00000000c3c3c3c3ULL },
	{ 8, 8, 0xd4d4d4d4d4d4d4d4ULL,	0xd4d4d4d4d4d4d4d4ULL },
};

TEST(decoded_mmio_reads_return_the_vmm_data)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mmio_reads);
	struct hyv_run *run = vcpu->run;
	unsigned int i;

	hyv_vcpu_set_args(vcpu, MMIO_DEC_GPA, 0);
	for (i = 0; i < ARRAY_SIZE(mmio_reads); i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
		if (!run->mmio.len)
			SKIP(goto out, "MMIO is not decoded yet");
		EXPECT_EQ(MMIO_DEC_GPA + mmio_reads[i].off, run->mmio.phys_addr);
		EXPECT_EQ(0, run->mmio.is_write);
		EXPECT_EQ(mmio_reads[i].len, run->mmio.len);
		run->mmio.data = mmio_reads[i].supply;
		EXPECT_EQ(mmio_reads[i].rax, hyv_vcpu_run_sync(vcpu))
			TH_LOG("read of %u bytes", mmio_reads[i].len);
	}
	hyv_vcpu_run_done(vcpu);
out:
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(guest_access_to_unmapped_vmm_memory_fails_run_with_efault)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_u32);
	u8 *mem = alloc_2m();
	int ret;

	/* A slot whose VMM memory is gone by the time the guest touches it. */
	hyv_vm_set_slot(vcpu->vm, 1, MMIO_BASE, SZ_2M, mem);
	munmap(mem, SZ_2M);
	hyv_vcpu_set_args(vcpu, MMIO_READ_GPA, 0);
	ret = __hyv_vcpu_run(vcpu);
	EXPECT_EQ(-1, ret) TH_LOG("exit %s", hyv_exit_name(vcpu->run->exit_reason));
	EXPECT_EQ(EFAULT, errno);
	hyv_vm_free_with_vcpu(vcpu);
}

/* REX registers and SIB addressing, both ways. */
static void guest_mmio_rex_sib(u64 p)
{
	register u64 r9 asm("r9") = 0x0102030405060708ULL;
	register u64 r10 asm("r10") = RAX_BEFORE;

	asm volatile("movq %0, 0x10(%1,%2,8)"
		     : : "r"(r9), "r"(p), "c"(3ULL) : "memory");
	asm volatile("movl 0x8(%1,%2,4), %k0"
		     : "+r"(r10) : "r"(p), "d"(5ULL) : "memory");
	GUEST_SYNC(r10);
	GUEST_DONE();
}

TEST(decoded_mmio_handles_rex_registers_and_sib_addressing)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mmio_rex_sib);
	struct hyv_run *run = vcpu->run;

	hyv_vcpu_set_args(vcpu, MMIO_DEC_GPA, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	if (!run->mmio.len)
		SKIP(goto out, "MMIO is not decoded yet");
	EXPECT_EQ(MMIO_DEC_GPA + 0x10 + 3 * 8, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(8, run->mmio.len);
	EXPECT_EQ(0x0102030405060708ULL, run->mmio.data);

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_DEC_GPA + 0x8 + 5 * 4, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	run->mmio.data = 0x8badf00d;
	EXPECT_EQ(0x8badf00dULL, hyv_vcpu_run_sync(vcpu));	/* zero-extended */
	hyv_vcpu_run_done(vcpu);
out:
	hyv_vm_free_with_vcpu(vcpu);
}

TEST_HARNESS_MAIN

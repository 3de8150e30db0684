// SPDX-License-Identifier: GPL-2.0
/*
 * The nested page table never maps more than the host allows (issue #9,
 * A.3, A.4): many vCPUs faulting at once never run out of table pages
 * (each brings its own), and a 2 MiB nested mapping is made only where the
 * VMM's own page table maps 2 MiB, so a page the VMM made read-only inside
 * a transparent huge page stays read-only for the guest.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "vcpu_thread.h"

#define NR_TOUCHERS	8
#define TOUCH_ROUNDS	25
#define TOUCH_GPA	SZ_1G			/* slot 1, identity mapped */
#define TOUCH_STRIDE	(64ULL << 20)		/* each vCPU its own 64 MiB */
#define TOUCH_SIZE	(NR_TOUCHERS * TOUCH_STRIDE)

static void vm_stats(struct hyv_vm *vm, struct hyv_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	HYV_ASSERT(!ioctl(vm->fd, HYV_GET_STATS, st), "HYV_GET_STATS");
}

/* ---- Table pages for concurrent faults ------------------------------------------ */

/* Round r: write r to a fresh 2 MiB region of this vCPU's 64 MiB. */
static void guest_toucher(u64 id)
{
	u64 r;

	for (r = 1; ; r++) {
		u64 *p = (u64 *)(TOUCH_GPA + id * TOUCH_STRIDE +
				 (r % 32) * SZ_2M);

		*p = r;
		GUEST_SYNC(r);
	}
}

/*
 * Eight vCPUs first-touch distinct regions at the same moment, and all
 * their tables go again (MADV_DONTNEED) before the next round: every
 * fault needs new table pages, and none may fail for want of them.
 */
TEST(eight_vcpus_faulting_at_once_never_run_out_of_table_pages)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpus[NR_TOUCHERS];
	struct vcpu_thread t[NR_TOUCHERS];
	u8 *mem;
	int i, r;

	mem = mmap(NULL, TOUCH_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	hyv_vm_set_slot(vm, 1, TOUCH_GPA, TOUCH_SIZE, mem);
	for (i = 0; i < NR_TOUCHERS; i++) {
		vcpus[i] = hyv_vcpu_add(vm, i, guest_toucher);
		hyv_vcpu_set_args(vcpus[i], i, 0);
	}
	for (r = 1; r <= TOUCH_ROUNDS; r++) {
		/* A failed RUN fails the test on the runner thread. */
		for (i = 0; i < NR_TOUCHERS; i++)
			vcpu_thread_start(&t[i], vcpus[i], VCPU_RUN_TO_UCALL);
		for (i = 0; i < NR_TOUCHERS; i++) {
			ASSERT_TRUE(vcpu_thread_wait(&t[i], 60000))
				TH_LOG("vcpu%d, round %d", i, r);
			EXPECT_EQ(UCALL_SYNC, t[i].uc.cmd);
			EXPECT_EQ(r, t[i].uc.args[0]);
			EXPECT_EQ(r, *(u64 *)(mem + i * TOUCH_STRIDE +
					      (r % 32) * SZ_2M));
		}
		ASSERT_EQ(0, madvise(mem, TOUCH_SIZE, MADV_DONTNEED));
	}
	for (i = 0; i < NR_TOUCHERS; i++)
		hyv_vcpu_free(vcpus[i]);
	hyv_vm_free(vm);
	munmap(mem, TOUCH_SIZE);
}

/* ---- 2 MiB mappings follow the host's page table ------------------------------- */

#define THP_GPA		SZ_1G
#define THP_SIZE	(2 * SZ_2M)
#define RO_OFFSET	0x10000		/* the page the VMM makes read-only */
#define RW_OFFSET	0x20000		/* a writable neighbour in the same 2 MiB */

static void guest_thp_writes(void)
{
	WRITE_ONCE(*(u64 *)(THP_GPA + 0x1000), 1);	/* maps the 2 MiB */
	GUEST_SYNC(0);
	WRITE_ONCE(*(u64 *)(THP_GPA + RW_OFFSET), 2);	/* the neighbour */
	GUEST_SYNC(0);
	WRITE_ONCE(*(u64 *)(THP_GPA + RO_OFFSET), 3);	/* must not succeed */
	GUEST_SYNC(0);
}

/*
 * A THP-backed slot is mapped with a 2 MiB leaf; then the VMM makes one
 * 4 KiB page of it read-only (the host splits its PMD). A guest write to
 * a neighbouring page must not bring back a writable 2 MiB leaf: the
 * write to the read-only page then fails RUN with EFAULT, and the page
 * keeps its content.
 */
TEST(page_made_read_only_inside_a_huge_page_stays_read_only_for_the_guest)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_thp_writes);
	struct hyv_vm_stats st;
	u8 *raw, *mem;

	raw = mmap(NULL, THP_SIZE + SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (u8 *)(((unsigned long)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	ASSERT_EQ(0, madvise(mem, THP_SIZE, MADV_HUGEPAGE));
	memset(mem, 0x5a, THP_SIZE);
	hyv_vm_set_slot(vcpu->vm, 1, THP_GPA, THP_SIZE, mem);

	hyv_vcpu_run_sync(vcpu);
	vm_stats(vcpu->vm, &st);
	ASSERT_GE(st.pages_2m, 1) TH_LOG("L1 gave this VMM no huge page");

	ASSERT_EQ(0, mprotect(mem + RO_OFFSET, 0x1000, PROT_READ));
	hyv_vcpu_run_sync(vcpu);
	EXPECT_EQ(2, *(u64 *)(mem + RW_OFFSET));
	EXPECT_EQ(-1, __hyv_vcpu_run(vcpu));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, *(u64 *)(mem + RO_OFFSET));
	hyv_vm_free_with_vcpu(vcpu);
	munmap(raw, THP_SIZE + SZ_2M);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: when the nested page table may use a 2 MiB leaf (mmu.c), and the
 * 2 MiB and permission encodings of both vendors' entries.
 */
#include <kunit/test.h>
#include <asm/pgtable_types.h>

#include "../svm/svm.h"
#include "../vmx/vmx.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define SZ2M	0x200000ULL

struct map_level_case {
	const char *what;
	u64 gpa, hva, slot_gpa, slot_size;
	bool host_huge;
	int level;
};

static const struct map_level_case map_level_cases[] = {
	{ "aligned, huge host page", 0x400000, 0x7f0000400000, 0, 16 * SZ2M,
	  true, 2 },
	{ "inside the 2M page", 0x5ff000, 0x7f00005ff000, 0, 16 * SZ2M,
	  true, 2 },
	{ "host page is 4K", 0x400000, 0x7f0000400000, 0, 16 * SZ2M,
	  false, 1 },
	{ "gpa and hva not congruent", 0x400000, 0x7f0000401000, 0,
	  16 * SZ2M, true, 1 },
	{ "2M range starts before the slot", 0x401000, 0x7f0000401000,
	  0x401000, 16 * SZ2M, true, 1 },
	{ "2M range ends after the slot", 0x400000, 0x7f0000400000, 0,
	  SZ2M * 2 + 0x1000 * 3, true, 1 },
	{ "last whole 2M of the slot", 0x200000, 0x7f0000200000, 0,
	  SZ2M * 2 + 0x1000, true, 2 },
	{ "slot exactly 2M", 0x600000, 0x7f0000600000, 0x600000, SZ2M,
	  true, 2 },
};

static void map_level_table(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(map_level_cases); i++) {
		const struct map_level_case *c = &map_level_cases[i];

		int level = hyv_mmu_map_level(c->gpa, c->hva, c->slot_gpa,
					      c->slot_size, c->host_huge);

		KUNIT_EXPECT_EQ_MSG(test, level, c->level, "%s", c->what);
	}
}

static void npt_huge_and_perms_round_trip(struct kunit *test)
{
	unsigned int perms;

	for (perms = 1; perms < 8; perms++) {
		u64 small = svm_npt_leaf_entry(0x40000000ULL, perms, false);
		u64 huge = svm_npt_leaf_entry(0x40000000ULL, perms, true);

		KUNIT_EXPECT_FALSE(test, svm_npt_huge(small));
		KUNIT_EXPECT_TRUE(test, svm_npt_huge(huge));
		/* NPT cannot express write or execute without read. */
		KUNIT_EXPECT_EQ(test, svm_npt_perms(small), perms | HYV_NPT_READ);
		KUNIT_EXPECT_EQ(test, huge & HYV_NPT_ADDR_MASK, 0x40000000ULL);
	}
}

static void ept_encoding(struct kunit *test)
{
	unsigned int perms;

	for (perms = 1; perms < 8; perms++) {
		u64 e = vmx_ept_leaf_entry(0x80000000ULL, perms, perms & 1);
		unsigned int want = perms & HYV_NPT_WRITE ?
				    perms | HYV_NPT_READ : perms;

		KUNIT_EXPECT_TRUE(test, vmx_ept_present(e));
		KUNIT_EXPECT_EQ(test, vmx_ept_perms(e), want);
		KUNIT_EXPECT_EQ(test, vmx_ept_huge(e), (bool)(perms & 1));
		KUNIT_EXPECT_EQ(test, (e >> 3) & 7, 6ULL);	/* write-back */
		KUNIT_EXPECT_EQ(test, e & HYV_NPT_ADDR_MASK, 0x80000000ULL);
	}
	KUNIT_EXPECT_FALSE(test,
			   vmx_ept_present(vmx_ept_leaf_entry(0x1000, 0, false)));
	/* EPTP: WB memory type, 4-level walk (length - 1 = 3 in bits 5:3). */
	KUNIT_EXPECT_EQ(test, vmx_eptp(0x123000), 0x123000ULL | (3 << 3) | 6);
}

static struct kunit_case mmu_cases[] = {
	KUNIT_CASE(map_level_table),
	KUNIT_CASE(npt_huge_and_perms_round_trip),
	KUNIT_CASE(ept_encoding),
	{}
};

static struct kunit_suite mmu_suite = {
	.name = "hyv_mmu",
	.test_cases = mmu_cases,
};

kunit_test_suite(mmu_suite);

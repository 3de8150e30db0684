// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the AMD nested page-table entry encoding (AMD APM vol. 2
 * §15.25.5): every level grants U/S, permissions map to P/RW/NX, and the
 * address survives.
 */
#include <kunit/test.h>
#include <asm/pgtable_types.h>

#include "../svm/svm.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

struct npt_leaf_case {
	unsigned int perms;
	u64 set, clear;
};

static const struct npt_leaf_case npt_leaf_cases[] = {
	{ HYV_NPT_READ, _PAGE_PRESENT | _PAGE_USER | _PAGE_NX, _PAGE_RW },
	{ HYV_NPT_READ | HYV_NPT_WRITE,
	  _PAGE_PRESENT | _PAGE_USER | _PAGE_RW | _PAGE_NX, 0 },
	{ HYV_NPT_READ | HYV_NPT_EXEC, _PAGE_PRESENT | _PAGE_USER,
	  _PAGE_RW | _PAGE_NX },
	{ HYV_NPT_READ | HYV_NPT_WRITE | HYV_NPT_EXEC,
	  _PAGE_PRESENT | _PAGE_USER | _PAGE_RW, _PAGE_NX },
	{ 0, 0, _PAGE_PRESENT },
};

static void npt_leaf_permissions(struct kunit *test)
{
	const u64 pa = 0x123456789000ULL;
	int i;

	for (i = 0; i < ARRAY_SIZE(npt_leaf_cases); i++) {
		const struct npt_leaf_case *c = &npt_leaf_cases[i];
		u64 e = svm_npt_leaf_entry(pa, c->perms, false);

		KUNIT_EXPECT_EQ_MSG(test, e & c->set, c->set, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, e & c->clear, 0ULL, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, e & HYV_NPT_ADDR_MASK, pa, "case %d", i);
		KUNIT_EXPECT_EQ(test, svm_npt_present(e), !!c->perms);
	}
}

static void npt_table_entry_grants_all(struct kunit *test)
{
	const u64 pa = 0xfedcba000ULL;
	u64 e = svm_npt_table_entry(pa);

	KUNIT_EXPECT_TRUE(test, svm_npt_present(e));
	KUNIT_EXPECT_EQ(test, e & (_PAGE_RW | _PAGE_USER), _PAGE_RW | _PAGE_USER);
	KUNIT_EXPECT_EQ(test, e & _PAGE_NX, 0ULL);
	KUNIT_EXPECT_EQ(test, e & HYV_NPT_ADDR_MASK, pa);
}

static struct kunit_case npt_cases[] = {
	KUNIT_CASE(npt_leaf_permissions),
	KUNIT_CASE(npt_table_entry_grants_all),
	{}
};

static struct kunit_suite npt_suite = {
	.name = "hyv_svm_npt",
	.test_cases = npt_cases,
};

kunit_test_suite(npt_suite);

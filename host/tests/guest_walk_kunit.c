// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hyv_guest_walk: the guest page-table walker
 * (host/guest_walk.c) over small fake guest memories holding page
 * tables in each paging mode, checking translations and the #PF error
 * codes the CPU would report (Intel SDM vol. 3A 4.6, 4.7).
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "../guest_walk.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define P	BIT_ULL(0)
#define RW	BIT_ULL(1)
#define US	BIT_ULL(2)
#define PS	BIT_ULL(7)
#define XD	BIT_ULL(63)

#define EC_P	HYV_PF_PRESENT
#define EC_W	HYV_PF_WRITE
#define EC_U	HYV_PF_USER
#define EC_RSVD	HYV_PF_RSVD
#define EC_I	HYV_PF_FETCH

#define FAKE_PAGES	32
#define CR0_ON		(X86_CR0_PE | X86_CR0_PG | X86_CR0_WP)

/* Guest-physical memory: page 0 unused, tables allocated from page 1. */
struct fake_guest {
	u8 *mem;
	u64 next;
	int fail_with;		/* non-zero: every read fails with it */
	unsigned int reads;
	struct hyv_guest_paging pg;
};

static int fake_read_gpa(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct fake_guest *g = ctx;

	g->reads++;
	if (g->fail_with)
		return g->fail_with;
	if (gpa >= FAKE_PAGES * SZ_4K || len > FAKE_PAGES * SZ_4K - gpa)
		return -ENOENT;
	memcpy(buf, g->mem + gpa, len);
	return 0;
}

static struct fake_guest *fake_new(struct kunit *test)
{
	struct fake_guest *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->mem = kunit_kzalloc(test, FAKE_PAGES * SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->mem);
	g->next = SZ_4K;
	g->pg.read_gpa = fake_read_gpa;
	g->pg.ctx = g;
	return g;
}

static void fake_reset(struct fake_guest *g)
{
	memset(g->mem, 0, FAKE_PAGES * SZ_4K);
	g->next = SZ_4K;
	g->fail_with = 0;
	memset(&g->pg, 0, sizeof(g->pg));
	g->pg.read_gpa = fake_read_gpa;
	g->pg.ctx = g;
}

static u64 fake_alloc(struct kunit *test, struct fake_guest *g)
{
	u64 page = g->next;

	KUNIT_ASSERT_LT(test, page, (u64)FAKE_PAGES * SZ_4K);
	g->next += SZ_4K;
	return page;
}

static u64 fake_get(struct fake_guest *g, u64 gpa, unsigned int size)
{
	__le64 v64;
	__le32 v32;

	if (size == 4) {
		memcpy(&v32, g->mem + gpa, 4);
		return le32_to_cpu(v32);
	}
	memcpy(&v64, g->mem + gpa, 8);
	return le64_to_cpu(v64);
}

static void fake_set(struct fake_guest *g, u64 gpa, unsigned int size, u64 v)
{
	__le64 v64 = cpu_to_le64(v);
	__le32 v32 = cpu_to_le32((u32)v);

	if (size == 4)
		memcpy(g->mem + gpa, &v32, 4);
	else
		memcpy(g->mem + gpa, &v64, 8);
}

/*
 * The GPA of the entry mapping @gva at @level of a hierarchy whose
 * @top level is at @root: @bits index bits and @esize-byte entries per
 * level. Missing tables on the way are allocated and linked with @link.
 */
static u64 fake_entry(struct kunit *test, struct fake_guest *g, u64 root,
		      u64 gva, int top, int level, unsigned int bits,
		      unsigned int esize, u64 link)
{
	u64 table = root, e, v;
	int l;

	for (l = top; ; l--) {
		e = table + ((gva >> (12 + bits * (l - 1))) &
			     (BIT_ULL(bits) - 1)) * esize;
		if (l == level)
			return e;
		v = fake_get(g, e, esize);
		if (!(v & P)) {
			v = fake_alloc(test, g) | link;
			fake_set(g, e, esize, v);
		}
		table = v & GENMASK_ULL(51, 12);
	}
}

/* 4-level paging: entry for @gva at @level (4: PML4E ... 1: PTE). */
static void map64(struct kunit *test, struct fake_guest *g, u64 gva,
		  int level, u64 val, u64 link)
{
	u64 e = fake_entry(test, g, g->pg.cr3, gva, 4, level, 9, 8, link);

	fake_set(g, e, 8, val);
}

static void set_long_mode(struct kunit *test, struct fake_guest *g)
{
	g->pg.cr0 = CR0_ON;
	g->pg.cr4 = X86_CR4_PAE;
	g->pg.efer = EFER_LME | EFER_LMA | EFER_NX;
	g->pg.cr3 = fake_alloc(test, g);
}

/* Expect a translation of @gva for @access to @gpa in a @size page. */
static void expect_gpa(struct kunit *test, struct fake_guest *g, u64 gva,
		       u32 access, u64 gpa, u64 size)
{
	struct hyv_walk_result res;
	int ret = hyv_guest_walk(&g->pg, gva, access, &res);

	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "gva %llx", gva);
	KUNIT_EXPECT_EQ_MSG(test, res.gpa, gpa, "gva %llx", gva);
	KUNIT_EXPECT_EQ_MSG(test, res.page_size, size, "gva %llx", gva);
}

/* Expect a #PF for @gva and @access with error code @ec. */
static void expect_pf(struct kunit *test, struct fake_guest *g, u64 gva,
		      u32 access, u32 ec)
{
	struct hyv_walk_result res;
	int ret = hyv_guest_walk(&g->pg, gva, access, &res);

	KUNIT_EXPECT_EQ_MSG(test, ret, -EFAULT, "gva %llx", gva);
	KUNIT_EXPECT_EQ_MSG(test, res.vector, HYV_WALK_PF_VECTOR,
			    "gva %llx", gva);
	KUNIT_EXPECT_EQ_MSG(test, res.error_code, ec, "gva %llx", gva);
}

static void walk_test_paging_off(struct kunit *test)
{
	struct fake_guest *g = fake_new(test);

	g->pg.cr0 = X86_CR0_PE;
	expect_gpa(test, g, 0x12345678, HYV_WALK_WRITE, 0x12345678, SZ_4K);
	expect_gpa(test, g, 0xfffff000, HYV_WALK_FETCH, 0xfffff000, SZ_4K);
	g->pg.cr0 = 0;		/* real mode */
	expect_gpa(test, g, 0xb8000, 0, 0xb8000, SZ_4K);
	KUNIT_EXPECT_EQ(test, g->reads, 0U);
}

/* 32-bit paging: 4-byte entries, 10 index bits per level. */
static void map32(struct kunit *test, struct fake_guest *g, u64 gva,
		  int level, u64 val)
{
	u64 e = fake_entry(test, g, g->pg.cr3, gva, 2, level, 10, 4,
			   P | RW | US);

	fake_set(g, e, 4, val);
}

static void walk_test_32bit(struct kunit *test)
{
	struct fake_guest *g = fake_new(test);

	g->pg.cr0 = CR0_ON;
	g->pg.cr4 = X86_CR4_PSE;
	g->pg.cr3 = fake_alloc(test, g);
	map32(test, g, 0x00401000, 1, 0x00005000 | P | RW | US);
	map32(test, g, 0xc0100000, 1, 0x00100000 | P);
	map32(test, g, 0x00800000, 2, 0x00c00000 | P | RW | PS);

	expect_gpa(test, g, 0x00401234, HYV_WALK_USER | HYV_WALK_WRITE,
		   0x5234, SZ_4K);
	expect_gpa(test, g, 0xc0100abc, 0, 0x100abc, SZ_4K);
	expect_gpa(test, g, 0x00812345, HYV_WALK_WRITE, 0xc12345, SZ_4M);
	/* The upper half of a 64-bit GVA is not part of a 32-bit walk. */
	expect_gpa(test, g, 0x100401234ULL, 0, 0x5234, SZ_4K);

	/* Not present: a PDE, then a PTE next to a present one. */
	expect_pf(test, g, 0x40000000, 0, 0);
	expect_pf(test, g, 0x00402000, HYV_WALK_USER | HYV_WALK_WRITE,
		  EC_W | EC_U);
	/* Supervisor page, read-only page; no NX: fetch sets no I/D. */
	expect_pf(test, g, 0xc0100000, HYV_WALK_USER, EC_P | EC_U);
	expect_pf(test, g, 0xc0100000, HYV_WALK_WRITE, EC_P | EC_W);
	expect_gpa(test, g, 0xc0100000, HYV_WALK_FETCH, 0x100000, SZ_4K);
	expect_pf(test, g, 0x40000000, HYV_WALK_FETCH, 0);
	g->pg.cr0 &= ~X86_CR0_WP;
	expect_gpa(test, g, 0xc0100000, HYV_WALK_WRITE, 0x100000, SZ_4K);
	g->pg.cr0 |= X86_CR0_WP;

	/* PSE-36: PDE bits 20:13 are physical bits 39:32; bit 21 reserved. */
	map32(test, g, 0x01000000, 2, 0x00400000 | BIT(13) | BIT(20) | P | PS);
	expect_gpa(test, g, 0x01000010,
		   0, 0x8100400010ULL, SZ_4M);
	g->pg.maxphyaddr = 36;
	expect_pf(test, g, 0x01000010, 0, EC_P | EC_RSVD);
	g->pg.maxphyaddr = 0;
	map32(test, g, 0x01400000, 2, 0x00800000 | BIT(21) | P | PS);
	expect_pf(test, g, 0x01400000, HYV_WALK_WRITE,
		  EC_P | EC_RSVD | EC_W);

	/* Without CR4.PSE, PS is ignored: the PDE points to a table. */
	g->pg.cr4 = 0;
	map32(test, g, 0x00800000, 2, fake_alloc(test, g) | P | RW | PS);
	map32(test, g, 0x00800000, 1, 0x00006000 | P | RW);
	expect_gpa(test, g, 0x00800123, 0, 0x6123, SZ_4K);
}

static void map_pae(struct kunit *test, struct fake_guest *g, u64 gva,
		    int level, u64 val)
{
	u64 root = g->pg.cr3 & GENMASK_ULL(31, 5);
	u64 e = fake_entry(test, g, root, gva, 3, level, 9, 8, P | RW | US);

	fake_set(g, e, 8, val);
}

static void walk_test_pae(struct kunit *test)
{
	struct fake_guest *g = fake_new(test);
	u64 pdpt = fake_alloc(test, g) + 0x20;	/* 32-byte aligned only */

	g->pg.cr0 = CR0_ON;
	g->pg.cr4 = X86_CR4_PAE;
	g->pg.efer = EFER_NX;
	g->pg.cr3 = pdpt;
	/* PDPTEs have no R/W, U/S: link them by hand with P only. */
	fake_set(g, pdpt + 0 * 8, 8, fake_alloc(test, g) | P);
	fake_set(g, pdpt + 3 * 8, 8, fake_alloc(test, g) | P);
	map_pae(test, g, 0x00401000, 1, 0x7000 | P | RW | US);
	map_pae(test, g, 0xc0000000, 1, 0x8000 | P | RW | XD);
	map_pae(test, g, 0xc0200000, 2, 0x12200000 | P | RW | PS);

	expect_gpa(test, g, 0x00401fff, HYV_WALK_USER, 0x7fff, SZ_4K);
	expect_gpa(test, g, 0xc0000010, HYV_WALK_WRITE, 0x8010, SZ_4K);
	expect_gpa(test, g, 0xc0345678, HYV_WALK_FETCH, 0x12345678, SZ_2M);
	expect_pf(test, g, 0xc0000000, HYV_WALK_FETCH, EC_P | EC_I);
	/* PDPTE 1 not present; not-present fetch with NX in use has I/D. */
	expect_pf(test, g, 0x40000000, HYV_WALK_FETCH, EC_I);
	/* R/W in a PDPTE is a reserved bit. */
	fake_set(g, pdpt + 1 * 8, 8, fake_alloc(test, g) | P | RW);
	expect_pf(test, g, 0x40000000, 0, EC_P | EC_RSVD);
	/* So is PS: PAE has no 1 GiB pages. */
	fake_set(g, pdpt + 1 * 8, 8, 0x40000000 | P | PS);
	expect_pf(test, g, 0x40000000, 0, EC_P | EC_RSVD);
	/* Without EFER.NXE, XD is a reserved bit and I/D is not reported. */
	g->pg.efer = 0;
	expect_pf(test, g, 0xc0000000, HYV_WALK_FETCH, EC_P | EC_RSVD);
	expect_gpa(test, g, 0xc0345678, HYV_WALK_FETCH, 0x12345678, SZ_2M);
	/* Low bits of a 2 MiB page's address are reserved. */
	map_pae(test, g, 0xc0400000, 2, 0x12400000 | BIT(13) | P | PS);
	expect_pf(test, g, 0xc0400000, 0, EC_P | EC_RSVD);
}

static void walk_test_long_4k(struct kunit *test)
{
	struct fake_guest *g = fake_new(test);
	const u64 kva = 0xffffffff81234567ULL;

	set_long_mode(test, g);
	map64(test, g, kva, 1, 0x1234000 | P | RW, P | RW);
	map64(test, g, 0x7fffffffe000ULL, 1, 0x9000 | P | RW | US | XD,
	      P | RW | US);

	expect_gpa(test, g, kva, HYV_WALK_FETCH, 0x1234567, SZ_4K);
	expect_gpa(test, g, 0x7fffffffeff8ULL, HYV_WALK_USER | HYV_WALK_WRITE,
		   0x9ff8, SZ_4K);
	expect_pf(test, g, 0x7fffffffe000ULL,
		  HYV_WALK_USER | HYV_WALK_FETCH, EC_P | EC_U | EC_I);

	/* Not present at each level: PTE, PDE, PDPTE, PML4E. */
	expect_pf(test, g, kva + SZ_4K, HYV_WALK_WRITE, EC_W);
	expect_pf(test, g, kva + SZ_2M, 0, 0);
	expect_pf(test, g, kva - SZ_1G, HYV_WALK_USER, EC_U);
	expect_pf(test, g, 0x00007f0000000000ULL, 0, 0);
	KUNIT_EXPECT_GT(test, g->reads, 0U);
}

static void walk_test_long_large(struct kunit *test)
{
	struct fake_guest *g = fake_new(test);

	set_long_mode(test, g);
	map64(test, g, 0x40000000, 3, 0x80000000ULL | P | RW | PS, P | RW);
	map64(test, g, 0x00200000, 2, 0x00e00000 | P | RW | PS, P | RW);
	map64(test, g, 0x00400000, 2, 0x00800000 | P | PS | BIT(12), P | RW);

	expect_gpa(test, g, 0x7fedcba9, HYV_WALK_WRITE, 0xbfedcba9ULL, SZ_1G);
	expect_gpa(test, g, 0x002abcde, 0, 0x00eabcde, SZ_2M);
	/* Bit 12 of a large page is PAT, not address. */
	expect_gpa(test, g, 0x00412345, 0, 0x00812345, SZ_2M);
	expect_pf(test, g, 0x00412345, HYV_WALK_WRITE, EC_P | EC_W);

	/* Reserved: low address bits of large pages, PS in a PML4E. */
	map64(test, g, 0x80000000ULL, 3, 0x80000000ULL | BIT(20) | P | PS,
	      P | RW);
	expect_pf(test, g, 0x80000000ULL, 0, EC_P | EC_RSVD);
	map64(test, g, 0x00600000, 2, 0x00600000 | BIT(13) | P | PS, P | RW);
	expect_pf(test, g, 0x00600000, 0, EC_P | EC_RSVD);
	map64(test, g, 0x008000000000ULL, 4, 0x5000 | P | RW | PS, P | RW);
	expect_pf(test, g, 0x008000000000ULL, 0, EC_P | EC_RSVD);

	/* Address bits above MAXPHYADDR are reserved. */
	expect_gpa(test, g, 0x00200000, 0, 0x00e00000, SZ_2M);
	map64(test, g, 0x00800000, 2, BIT_ULL(45) | P | PS, P | RW);
	expect_gpa(test, g, 0x00800000, 0, BIT_ULL(45), SZ_2M);
	g->pg.maxphyaddr = 40;
	expect_pf(test, g, 0x00800000, 0, EC_P | EC_RSVD);
}

/* Rights over the levels of a 4-level walk, one row per case. */
struct perm_case {
	const char *name;
	u64 link;		/* flags of PML4E, PDPTE, PDE */
	u64 leaf;		/* flags of the PTE */
	u64 cr0_clear, cr4_set, efer_clear;
	u32 access;
	int ret;
	u32 ec;
};

#define SUP_R	0
#define SUP_W	HYV_WALK_WRITE
#define SUP_X	HYV_WALK_FETCH
#define USR_R	HYV_WALK_USER
#define USR_W	(HYV_WALK_USER | HYV_WALK_WRITE)
#define USR_X	(HYV_WALK_USER | HYV_WALK_FETCH)
#define ALL	(P | RW | US)

static const struct perm_case perm_cases[] = {
	{ "supervisor read of RO page", ALL, P, 0, 0, 0, SUP_R, 0 },
	{ "supervisor write to RO page, WP=1", ALL, P, 0, 0, 0, SUP_W,
	  -EFAULT, EC_P | EC_W },
	{ "supervisor write to RO page, WP=0", ALL, P, X86_CR0_WP, 0, 0,
	  SUP_W, 0 },
	{ "supervisor write under RO PDE, WP=1", P | US, P | RW, 0, 0, 0,
	  SUP_W, -EFAULT, EC_P | EC_W },
	{ "supervisor write under RO PDE, WP=0", P | US, P | RW, X86_CR0_WP,
	  0, 0, SUP_W, 0 },
	{ "user read of supervisor page", ALL, P | RW, 0, 0, 0, USR_R,
	  -EFAULT, EC_P | EC_U },
	{ "user read under supervisor PDE", P | RW, ALL, 0, 0, 0, USR_R,
	  -EFAULT, EC_P | EC_U },
	{ "user read of user page", ALL, ALL, 0, 0, 0, USR_R, 0 },
	{ "user write to RO user page", ALL, P | US, 0, 0, 0, USR_W,
	  -EFAULT, EC_P | EC_W | EC_U },
	{ "user write to RO user page, WP=0", ALL, P | US, X86_CR0_WP, 0, 0,
	  USR_W, -EFAULT, EC_P | EC_W | EC_U },
	{ "user write to RW user page", ALL, ALL, 0, 0, 0, USR_W, 0 },
	{ "supervisor fetch from XD page", ALL, P | XD, 0, 0, 0, SUP_X,
	  -EFAULT, EC_P | EC_I },
	{ "user fetch under XD PDE", ALL | XD, ALL, 0, 0, 0, USR_X,
	  -EFAULT, EC_P | EC_U | EC_I },
	{ "XD without EFER.NXE is reserved", ALL, P | XD, 0, 0, EFER_NX,
	  SUP_X, -EFAULT, EC_P | EC_RSVD },
	{ "supervisor fetch from user page, SMEP", ALL, ALL, 0, X86_CR4_SMEP,
	  0, SUP_X, -EFAULT, EC_P | EC_I },
	{ "supervisor fetch from user page", ALL, ALL, 0, 0, 0, SUP_X, 0 },
	{ "SMEP leaves supervisor reads alone", ALL, ALL, 0, X86_CR4_SMEP, 0,
	  SUP_R, 0 },
	{ "SMEP, no NX: I/D still reported", ALL, ALL, 0, X86_CR4_SMEP,
	  EFER_NX, SUP_X, -EFAULT, EC_P | EC_I },
	{ "a fetch is not a write", ALL, P, 0, 0, 0, SUP_X | SUP_W, 0 },
	{ "not present, user write", ALL, 0, 0, 0, 0, USR_W, -EFAULT,
	  EC_W | EC_U },
	{ "not present, fetch with NX", ALL, 0, 0, 0, 0, SUP_X, -EFAULT,
	  EC_I },
	{ "not present, fetch without NX", ALL, 0, 0, 0, EFER_NX, SUP_X,
	  -EFAULT, 0 },
};

static void walk_test_permissions(struct kunit *test)
{
	struct fake_guest *g = fake_new(test);
	const struct perm_case *c;
	struct hyv_walk_result res;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(perm_cases); i++) {
		c = &perm_cases[i];
		fake_reset(g);
		set_long_mode(test, g);
		g->pg.cr0 &= ~c->cr0_clear;
		g->pg.cr4 |= c->cr4_set;
		g->pg.efer &= ~c->efer_clear;
		map64(test, g, 0x400000, 1, 0xa000 | c->leaf, c->link);
		ret = hyv_guest_walk(&g->pg, 0x400123, c->access, &res);
		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "%s", c->name);
		if (ret == -EFAULT) {
			KUNIT_EXPECT_EQ_MSG(test, res.vector,
					    HYV_WALK_PF_VECTOR, "%s", c->name);
			KUNIT_EXPECT_EQ_MSG(test, res.error_code, c->ec,
					    "%s", c->name);
		} else if (!ret) {
			KUNIT_EXPECT_EQ_MSG(test, res.gpa, 0xa123ULL,
					    "%s", c->name);
		}
	}
}

static void walk_test_errors(struct kunit *test)
{
	struct fake_guest *g = fake_new(test);
	struct hyv_walk_result res;

	set_long_mode(test, g);
	map64(test, g, 0x400000, 1, 0xa000 | P, P);

	/* Non-canonical: #GP(0), no table read. */
	g->reads = 0;
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0x0000800000000000ULL,
					     0, &res), -EFAULT);
	KUNIT_EXPECT_EQ(test, res.vector, HYV_WALK_GP_VECTOR);
	KUNIT_EXPECT_EQ(test, res.error_code, 0U);
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0xffff7fffffffffffULL,
					     0, &res), -EFAULT);
	KUNIT_EXPECT_EQ(test, g->reads, 0U);

	/* 5-level paging is not supported. */
	g->pg.cr4 |= X86_CR4_LA57;
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0x400000, 0, &res),
			-EOPNOTSUPP);
	g->pg.cr4 &= ~X86_CR4_LA57;

	/* Host-side read errors pass through; -EFAULT becomes -EIO. */
	g->fail_with = -ENOMEM;
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0x400000, 0, &res),
			-ENOMEM);
	g->fail_with = -EFAULT;
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0x400000, 0, &res),
			-EIO);
	g->fail_with = 0;

	/* A table outside guest memory. */
	map64(test, g, 0x600000, 2, 0x40000000ULL | P, P);
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0x600000, 0, &res),
			-ENOENT);

	g->pg.maxphyaddr = 53;
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0x400000, 0, &res),
			-EINVAL);
	g->pg.maxphyaddr = 52;
	KUNIT_EXPECT_EQ(test, hyv_guest_walk(&g->pg, 0x400000, 0, &res), 0);
}

static struct kunit_case hyv_guest_walk_cases[] = {
	KUNIT_CASE(walk_test_paging_off),
	KUNIT_CASE(walk_test_32bit),
	KUNIT_CASE(walk_test_pae),
	KUNIT_CASE(walk_test_long_4k),
	KUNIT_CASE(walk_test_long_large),
	KUNIT_CASE(walk_test_permissions),
	KUNIT_CASE(walk_test_errors),
	{}
};

static struct kunit_suite hyv_guest_walk_suite = {
	.name = "hyv_guest_walk",
	.test_cases = hyv_guest_walk_cases,
};

kunit_test_suite(hyv_guest_walk_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of hyv_pvblk's request building (hyv_pvblk_req.c): block
 * operations to request headers, device registers to limits (what is
 * refused, what is clamped), device answers to blk_status_t.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "hyv_pvblk_req.h"

MODULE_IMPORT_NS(HYV_PVBLK_TEST);

static const struct hyv_pvblk_limits hyv_test_all = {
	.capacity = 1 << 20, .blk_size = 512, .flush = true, .fua = true,
	.discard = true, .write_zeroes = true,
};

static const struct hyv_pvblk_limits hyv_test_ro = {
	.capacity = 1 << 20, .blk_size = 512, .ro = true,
};

struct hyv_hdr_case {
	const char *name;
	const struct hyv_pvblk_limits *lim;
	enum req_op op;
	blk_opf_t opf;
	sector_t pos;
	blk_status_t status;
	u32 type, flags;
	u64 sector;
};

static const struct hyv_hdr_case hyv_hdr_cases[] = {
	{ "read", &hyv_test_all, REQ_OP_READ, 0, 8, BLK_STS_OK,
	  HYV_PVBLK_T_IN, 0, 8 },
	{ "write", &hyv_test_all, REQ_OP_WRITE, 0, 77, BLK_STS_OK,
	  HYV_PVBLK_T_OUT, 0, 77 },
	{ "write_fua", &hyv_test_all, REQ_OP_WRITE, REQ_FUA, 9, BLK_STS_OK,
	  HYV_PVBLK_T_OUT, HYV_PVBLK_REQ_FUA, 9 },
	{ "flush_sector_zero", &hyv_test_all, REQ_OP_FLUSH, 0, 5, BLK_STS_OK,
	  HYV_PVBLK_T_FLUSH, 0, 0 },
	{ "discard", &hyv_test_all, REQ_OP_DISCARD, 0, 5, BLK_STS_OK,
	  HYV_PVBLK_T_DISCARD, 0, 0 },
	{ "write_zeroes", &hyv_test_all, REQ_OP_WRITE_ZEROES, 0, 5, BLK_STS_OK,
	  HYV_PVBLK_T_WRITE_ZEROES, 0, 0 },
	{ "write_on_ro_is_ioerr", &hyv_test_ro, REQ_OP_WRITE, 0, 0,
	  BLK_STS_IOERR },
	{ "fua_without_feature", &hyv_test_ro, REQ_OP_WRITE, REQ_FUA, 0,
	  BLK_STS_IOERR },
	{ "flush_without_feature", &hyv_test_ro, REQ_OP_FLUSH, 0, 0,
	  BLK_STS_NOTSUPP },
	{ "discard_without_feature", &hyv_test_ro, REQ_OP_DISCARD, 0, 0,
	  BLK_STS_NOTSUPP },
	{ "unknown_op", &hyv_test_all, REQ_OP_ZONE_OPEN, 0, 0,
	  BLK_STS_NOTSUPP },
};

static void hyv_hdr_case_desc(const struct hyv_hdr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hyv_hdr, hyv_hdr_cases, hyv_hdr_case_desc);

static void hyv_pvblk_build_hdr_test(struct kunit *test)
{
	const struct hyv_hdr_case *c = test->param_value;
	struct hyv_pvblk_req_hdr hdr;

	memset(&hdr, 0xcc, sizeof(hdr));
	KUNIT_ASSERT_EQ(test, hyv_pvblk_build_hdr(&hdr, c->op, c->opf, c->pos,
						  c->lim), c->status);
	if (c->status)
		return;
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr.type), c->type);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr.flags), c->flags);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr.sector), c->sector);
}

static void hyv_pvblk_parse_config_test(struct kunit *test)
{
	struct hyv_pvblk_config cfg = {};
	struct hyv_pvblk_limits lim;
	u64 all = BIT_ULL(HYV_PVBLK_F_FLUSH) | BIT_ULL(HYV_PVBLK_F_FUA) |
		  BIT_ULL(HYV_PVBLK_F_DISCARD);

	/* Nonsense everywhere: clamped to something drivable. */
	cfg.capacity = cpu_to_le64(100);
	cfg.blk_size = cpu_to_le32(1000);
	cfg.physical_block_exp = cpu_to_le32(40);
	cfg.seg_max = cpu_to_le32(100000);
	cfg.max_sectors = cpu_to_le32(1);
	cfg.num_queues = cpu_to_le32(1000);
	cfg.max_discard_sectors = cpu_to_le32(64);
	cfg.max_discard_seg = cpu_to_le32(0);
	KUNIT_ASSERT_EQ(test, hyv_pvblk_parse_config(&cfg, all, 4, &lim), 0);
	KUNIT_EXPECT_EQ(test, lim.capacity, 100ULL);
	KUNIT_EXPECT_EQ(test, lim.blk_size, 512U);
	KUNIT_EXPECT_EQ(test, lim.physical_block_exp, 0U);
	KUNIT_EXPECT_EQ(test, lim.seg_max, (u32)HYV_PVBLK_MAX_SEGS);
	KUNIT_EXPECT_EQ(test, lim.max_sectors, 8U);
	KUNIT_EXPECT_EQ(test, lim.num_queues, 4U);
	KUNIT_EXPECT_EQ(test, lim.size_max, U32_MAX);
	KUNIT_EXPECT_TRUE(test, lim.flush && lim.fua && lim.discard);
	KUNIT_EXPECT_EQ(test, lim.max_discard_seg, 1U);
	KUNIT_EXPECT_FALSE(test, lim.write_zeroes);

	/* FUA means nothing without FLUSH; RO turns discard off. */
	all = BIT_ULL(HYV_PVBLK_F_FUA) | BIT_ULL(HYV_PVBLK_F_RO) |
	      BIT_ULL(HYV_PVBLK_F_DISCARD);
	KUNIT_ASSERT_EQ(test, hyv_pvblk_parse_config(&cfg, all, 1, &lim), 0);
	KUNIT_EXPECT_FALSE(test, lim.fua);
	KUNIT_EXPECT_TRUE(test, lim.ro);
	KUNIT_EXPECT_FALSE(test, lim.discard);
	KUNIT_EXPECT_EQ(test, lim.max_discard_sectors, 0U);

	/* A capacity past 2^63 bytes is refused. */
	cfg.capacity = cpu_to_le64(HYV_PVBLK_MAX_CAPACITY + 1);
	KUNIT_EXPECT_EQ(test, hyv_pvblk_parse_config(&cfg, 0, 1, &lim), -EINVAL);
}

static void hyv_pvblk_result_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hyv_pvblk_result(HYV_PVBLK_S_OK, 1, 1), BLK_STS_OK);
	KUNIT_EXPECT_EQ(test, hyv_pvblk_result(HYV_PVBLK_S_OK, 4097, 4097),
			BLK_STS_OK);
	/* The device did not write the status byte, or not all the data. */
	KUNIT_EXPECT_EQ(test, hyv_pvblk_result(HYV_PVBLK_S_OK, 0, 1),
			BLK_STS_IOERR);
	KUNIT_EXPECT_EQ(test, hyv_pvblk_result(HYV_PVBLK_S_OK, 1, 4097),
			BLK_STS_IOERR);
	KUNIT_EXPECT_EQ(test, hyv_pvblk_result(HYV_PVBLK_S_UNSUPP, 1, 1),
			BLK_STS_NOTSUPP);
	KUNIT_EXPECT_EQ(test, hyv_pvblk_result(HYV_PVBLK_S_IOERR, 1, 1),
			BLK_STS_IOERR);
	KUNIT_EXPECT_EQ(test, hyv_pvblk_result(0xee, 1, 1), BLK_STS_IOERR);
}

static void hyv_pvblk_set_range_test(struct kunit *test)
{
	struct hyv_pvblk_range r;

	hyv_pvblk_set_range(&r, 0x123456789ULL, 4096, true);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(r.sector), 0x123456789ULL);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r.num_sectors), 4096U);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r.flags), HYV_PVBLK_RANGE_UNMAP);
	hyv_pvblk_set_range(&r, 0, 1, false);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r.flags), 0U);
}

static struct kunit_case hyv_pvblk_req_cases[] = {
	KUNIT_CASE_PARAM(hyv_pvblk_build_hdr_test, hyv_hdr_gen_params),
	KUNIT_CASE(hyv_pvblk_parse_config_test),
	KUNIT_CASE(hyv_pvblk_result_test),
	KUNIT_CASE(hyv_pvblk_set_range_test),
	{}
};

static struct kunit_suite hyv_pvblk_req_suite = {
	.name = "hyv_pvblk_req",
	.test_cases = hyv_pvblk_req_cases,
};

kunit_test_suite(hyv_pvblk_req_suite);

MODULE_DESCRIPTION("KUnit tests of hyv_pvblk's request building");
MODULE_LICENSE("GPL");

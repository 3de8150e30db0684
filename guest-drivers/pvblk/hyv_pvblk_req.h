/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure logic of hyv_pvblk: the device registers turned into checked
 * queue limits, a block request turned into a hyv_pvblk request header,
 * and a device's answer turned into a blk_status_t. Kept apart from the
 * driver so that hyv_pvblk_kunit.ko tests it table by table.
 */
#ifndef HYV_PVBLK_REQ_H
#define HYV_PVBLK_REQ_H

#include <linux/blk_types.h>
#include <linux/hyv_pv.h>

/* Largest capacity taken from the device: 2^63 bytes. */
#define HYV_PVBLK_MAX_CAPACITY	(1ULL << (63 - HYV_PVBLK_SECTOR_SHIFT))
#define HYV_PVBLK_MAX_SEGS	254
#define HYV_PVBLK_MAX_RANGES	256

/* The device's registers after validation (docs/pv-abi.md ranges). */
struct hyv_pvblk_limits {
	u64 capacity;
	u32 blk_size;
	u32 physical_block_exp;
	u32 seg_max;
	u32 size_max;
	u32 max_sectors;
	u32 num_queues;
	u32 max_discard_sectors;
	u32 max_discard_seg;
	u32 discard_alignment;		/* bytes */
	u32 max_write_zeroes_sectors;
	bool ro;
	bool flush;
	bool fua;
	bool discard;
	bool write_zeroes;
};

int hyv_pvblk_parse_config(const struct hyv_pvblk_config *cfg, u64 features,
			   unsigned int max_queues,
			   struct hyv_pvblk_limits *lim);
blk_status_t hyv_pvblk_build_hdr(struct hyv_pvblk_req_hdr *hdr,
				 enum req_op op, blk_opf_t opf, sector_t pos,
				 const struct hyv_pvblk_limits *lim);
void hyv_pvblk_set_range(struct hyv_pvblk_range *range, sector_t sector,
			 u32 num_sectors, bool unmap);
blk_status_t hyv_pvblk_result(u8 status, unsigned int used_len,
			      unsigned int expected_len);

#endif /* HYV_PVBLK_REQ_H */

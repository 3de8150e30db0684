// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvblk's request building and checking, without any device: the
 * device registers to queue limits (nothing the device says is taken
 * unchecked), block operations to request headers, status bytes to
 * blk_status_t. Context: any.
 */
#include <linux/blk_types.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>

#include "hyv_pvblk_req.h"

static bool hyv_pvblk_has(u64 features, unsigned int bit)
{
	return features & BIT_ULL(bit);
}

/**
 * hyv_pvblk_parse_config - validate and clamp the device's registers
 * @cfg: the registers as read (little-endian)
 * @features: the negotiated features
 * @max_queues: the device's NUM_QUEUES
 * @lim: filled in
 *
 * Return: 0, or -EINVAL when the device cannot be driven (capacity out
 * of range); other out-of-range values are clamped as docs/pv-abi.md says.
 */
int hyv_pvblk_parse_config(const struct hyv_pvblk_config *cfg, u64 features,
			   unsigned int max_queues,
			   struct hyv_pvblk_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->capacity = le64_to_cpu(cfg->capacity);
	if (lim->capacity > HYV_PVBLK_MAX_CAPACITY)
		return -EINVAL;

	lim->blk_size = le32_to_cpu(cfg->blk_size);
	if (lim->blk_size < 512 || lim->blk_size > 4096 ||
	    !is_power_of_2(lim->blk_size))
		lim->blk_size = 512;
	lim->physical_block_exp = le32_to_cpu(cfg->physical_block_exp);
	if (lim->physical_block_exp > 3)
		lim->physical_block_exp = 0;
	lim->seg_max = clamp_t(u32, le32_to_cpu(cfg->seg_max), 1,
			       HYV_PVBLK_MAX_SEGS);
	lim->size_max = le32_to_cpu(cfg->size_max);
	if (!lim->size_max)
		lim->size_max = U32_MAX;
	lim->size_max = max_t(u32, lim->size_max, PAGE_SIZE);
	lim->max_sectors = max_t(u32, le32_to_cpu(cfg->max_sectors), 8);
	lim->num_queues = clamp_t(u32, le32_to_cpu(cfg->num_queues), 1,
				  max(max_queues, 1U));

	lim->ro = hyv_pvblk_has(features, HYV_PVBLK_F_RO);
	lim->flush = hyv_pvblk_has(features, HYV_PVBLK_F_FLUSH);
	lim->fua = lim->flush && hyv_pvblk_has(features, HYV_PVBLK_F_FUA);

	lim->max_discard_sectors = le32_to_cpu(cfg->max_discard_sectors);
	lim->discard = hyv_pvblk_has(features, HYV_PVBLK_F_DISCARD) &&
		       lim->max_discard_sectors && !lim->ro;
	if (lim->discard) {
		lim->max_discard_seg = clamp_t(u32,
					       le32_to_cpu(cfg->max_discard_seg),
					       1, HYV_PVBLK_MAX_RANGES);
		lim->discard_alignment =
			le32_to_cpu(cfg->discard_sector_alignment);
		if (lim->discard_alignment > U32_MAX >> HYV_PVBLK_SECTOR_SHIFT)
			lim->discard_alignment = 0;
		lim->discard_alignment <<= HYV_PVBLK_SECTOR_SHIFT;
		if (!lim->discard_alignment)
			lim->discard_alignment = lim->blk_size;
	} else {
		lim->max_discard_sectors = 0;
	}

	lim->max_write_zeroes_sectors =
		le32_to_cpu(cfg->max_write_zeroes_sectors);
	lim->write_zeroes = hyv_pvblk_has(features, HYV_PVBLK_F_WRITE_ZEROES) &&
			    lim->max_write_zeroes_sectors && !lim->ro;
	if (!lim->write_zeroes)
		lim->max_write_zeroes_sectors = 0;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvblk_parse_config, HYV_PVBLK_TEST);

/**
 * hyv_pvblk_build_hdr - the request header for a block operation
 * @hdr: filled in
 * @op: the block layer's operation
 * @opf: its flags (REQ_FUA)
 * @pos: first sector
 * @lim: what the device accepts
 *
 * Return: BLK_STS_OK, BLK_STS_NOTSUPP for what the device does not
 * offer, BLK_STS_IOERR for a write to a read-only device.
 */
blk_status_t hyv_pvblk_build_hdr(struct hyv_pvblk_req_hdr *hdr,
				 enum req_op op, blk_opf_t opf, sector_t pos,
				 const struct hyv_pvblk_limits *lim)
{
	u32 type, flags = 0;

	switch (op) {
	case REQ_OP_READ:
		type = HYV_PVBLK_T_IN;
		break;
	case REQ_OP_WRITE:
		if (lim->ro)
			return BLK_STS_IOERR;
		type = HYV_PVBLK_T_OUT;
		if (opf & REQ_FUA) {
			if (!lim->fua)
				return BLK_STS_NOTSUPP;
			flags |= HYV_PVBLK_REQ_FUA;
		}
		break;
	case REQ_OP_FLUSH:
		if (!lim->flush)
			return BLK_STS_NOTSUPP;
		type = HYV_PVBLK_T_FLUSH;
		pos = 0;
		break;
	case REQ_OP_DISCARD:
		if (!lim->discard)
			return BLK_STS_NOTSUPP;
		type = HYV_PVBLK_T_DISCARD;
		pos = 0;
		break;
	case REQ_OP_WRITE_ZEROES:
		if (!lim->write_zeroes)
			return BLK_STS_NOTSUPP;
		type = HYV_PVBLK_T_WRITE_ZEROES;
		pos = 0;
		break;
	default:
		return BLK_STS_NOTSUPP;
	}
	hdr->type = cpu_to_le32(type);
	hdr->flags = cpu_to_le32(flags);
	hdr->sector = cpu_to_le64(pos);
	return BLK_STS_OK;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvblk_build_hdr, HYV_PVBLK_TEST);

void hyv_pvblk_set_range(struct hyv_pvblk_range *range, sector_t sector,
			 u32 num_sectors, bool unmap)
{
	range->sector = cpu_to_le64(sector);
	range->num_sectors = cpu_to_le32(num_sectors);
	range->flags = cpu_to_le32(unmap ? HYV_PVBLK_RANGE_UNMAP : 0);
}
EXPORT_SYMBOL_NS_GPL(hyv_pvblk_set_range, HYV_PVBLK_TEST);

/**
 * hyv_pvblk_result - what the device's answer means for the request
 * @status: the status byte the device wrote
 * @used_len: the used length (0 when the ring found it invalid)
 * @expected_len: the bytes the device must have written: the data of a
 *		  read and the status byte
 *
 * A shorter used length means the device did not write all the data or
 * the status byte: the request fails, whatever the status byte says.
 */
blk_status_t hyv_pvblk_result(u8 status, unsigned int used_len,
			      unsigned int expected_len)
{
	if (!used_len || used_len < expected_len)
		return BLK_STS_IOERR;
	switch (status) {
	case HYV_PVBLK_S_OK:
		return BLK_STS_OK;
	case HYV_PVBLK_S_UNSUPP:
		return BLK_STS_NOTSUPP;
	default:
		return BLK_STS_IOERR;
	}
}
EXPORT_SYMBOL_NS_GPL(hyv_pvblk_result, HYV_PVBLK_TEST);

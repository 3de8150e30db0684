// SPDX-License-Identifier: GPL-2.0
/*
 * One hyv PV block request in the backend: its chain split into header,
 * data and status byte and checked against the ABI (docs/pv-abi.md,
 * "Requests"), then submitted to io_uring and answered when its I/O
 * completes. A bad request is answered with IOERR or UNSUPP; a chain
 * that has no room for an answer is returned with used length 0.
 * Context: the queue's worker thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "hyv_pv_blk_int.h"

/* Copy @len bytes from offset @off of @iov[0..n) into @dst. */
static void hyv_pv_iov_copy(const struct iovec *iov, unsigned int n,
			    size_t off, void *dst, size_t len)
{
	u8 *out = dst;
	unsigned int i;

	for (i = 0; i < n && len; i++) {
		size_t take;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > len)
			take = len;
		memcpy(out, (u8 *)iov[i].iov_base + off, take);
		out += take;
		len -= take;
		off = 0;
	}
}

/*
 * Copy @iov[0..n) into r->data, leaving out @skip_front bytes at the
 * start and @skip_back at the end. Returns false when too many remain.
 */
static bool hyv_pv_blk_set_data(struct hyv_pv_blk_req *r,
				const struct iovec *iov, unsigned int n,
				size_t skip_front, size_t skip_back)
{
	size_t total = 0, keep;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	keep = total - skip_front - skip_back;
	r->n_data = 0;
	for (i = 0; i < n && keep; i++) {
		size_t len = iov[i].iov_len;
		u8 *base = iov[i].iov_base;

		if (skip_front >= len) {
			skip_front -= len;
			continue;
		}
		base += skip_front;
		len -= skip_front;
		skip_front = 0;
		if (len > keep)
			len = keep;
		if (r->n_data >= HYV_PV_BLK_SEG_MAX)
			return false;
		r->data[r->n_data].iov_base = base;
		r->data[r->n_data++].iov_len = len;
		keep -= len;
	}
	return true;
}

/* An SQE for @r; the caller preps it, then hyv_pv_blk_tag()s it. */
static struct io_uring_sqe *hyv_pv_blk_sqe(struct hyv_pv_blk_queue *q,
					   struct hyv_pv_blk_req *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe) {
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
	}
	if (sqe)
		r->pending++;
	return sqe;
}

static void hyv_pv_blk_tag(struct io_uring_sqe *sqe, struct hyv_pv_blk_req *r)
{
	io_uring_sqe_set_data(sqe, r);
}

static bool hyv_pv_blk_in_range(struct hyv_pv_blk_queue *q, u64 sector,
				u64 sectors)
{
	u64 cap = __atomic_load_n(&q->blk->capacity, __ATOMIC_RELAXED);

	return sector <= cap && sectors <= cap - sector;
}

static u8 hyv_pv_blk_rw(struct hyv_pv_blk_queue *q,
			struct hyv_pv_blk_req *r, u32 type,
			u32 flags)
{
	u64 sector = le64toh(r->hdr.sector), bytes = 0;
	struct io_uring_sqe *sqe;
	unsigned int i;

	if (flags & ~HYV_PVBLK_REQ_FUA ||
	    (flags && type != HYV_PVBLK_T_OUT))
		return HYV_PVBLK_S_IOERR;
	for (i = 0; i < r->n_data; i++)
		bytes += r->data[i].iov_len;
	if (!bytes || bytes % 512 || bytes > HYV_PV_BLK_MAX_SECTORS * 512ULL ||
	    !hyv_pv_blk_in_range(q, sector, bytes / 512))
		return HYV_PVBLK_S_IOERR;
	if (type == HYV_PVBLK_T_OUT && q->blk->ro)
		return HYV_PVBLK_S_IOERR;
	sqe = hyv_pv_blk_sqe(q, r);
	if (!sqe)
		return HYV_PVBLK_S_IOERR;
	r->expect = bytes;
	if (type == HYV_PVBLK_T_IN)
		io_uring_prep_readv(sqe, q->blk->fd, r->data, r->n_data,
				    sector * 512);
	else
		io_uring_prep_writev2(sqe, q->blk->fd, r->data, r->n_data,
				      sector * 512,
				      (flags & HYV_PVBLK_REQ_FUA) ? RWF_DSYNC : 0);
	hyv_pv_blk_tag(sqe, r);
	return HYV_PVBLK_S_OK;
}

static u8 hyv_pv_blk_ranges(struct hyv_pv_blk_queue *q,
			    struct hyv_pv_blk_req *r, u32 type)
{
	size_t bytes = 0;
	unsigned int i, n;

	for (i = 0; i < r->n_data; i++)
		bytes += r->data[i].iov_len;
	n = bytes / sizeof(r->ranges[0]);
	if (q->blk->ro || !n || bytes % sizeof(r->ranges[0]) ||
	    n > (type == HYV_PVBLK_T_DISCARD ? HYV_PV_BLK_MAX_RANGES : 1))
		return HYV_PVBLK_S_IOERR;
	hyv_pv_iov_copy(r->data, r->n_data, 0, r->ranges, bytes);
	for (i = 0; i < n; i++) {
		u64 sector = le64toh(r->ranges[i].sector);
		u32 count = le32toh(r->ranges[i].num_sectors);
		u32 rflags = le32toh(r->ranges[i].flags);

		if (rflags & ~HYV_PVBLK_RANGE_UNMAP || !count ||
		    count > HYV_PV_BLK_MAX_SECTORS ||
		    !hyv_pv_blk_in_range(q, sector, count))
			return HYV_PVBLK_S_IOERR;
	}
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = hyv_pv_blk_sqe(q, r);
		u32 rflags = le32toh(r->ranges[i].flags);
		int mode = FALLOC_FL_KEEP_SIZE;

		if (!sqe)
			return HYV_PVBLK_S_IOERR;
		if (type == HYV_PVBLK_T_DISCARD || rflags & HYV_PVBLK_RANGE_UNMAP)
			mode |= FALLOC_FL_PUNCH_HOLE;
		else
			mode |= FALLOC_FL_ZERO_RANGE;
		io_uring_prep_fallocate(sqe, q->blk->fd, mode,
					le64toh(r->ranges[i].sector) * 512,
					le32toh(r->ranges[i].num_sectors) * 512ULL);
		hyv_pv_blk_tag(sqe, r);
	}
	return HYV_PVBLK_S_OK;
}

static u8 hyv_pv_blk_flush(struct hyv_pv_blk_queue *q,
			   struct hyv_pv_blk_req *r, u32 flags)
{
	struct io_uring_sqe *sqe;

	if (flags || r->n_data)
		return HYV_PVBLK_S_IOERR;
	sqe = hyv_pv_blk_sqe(q, r);
	if (!sqe)
		return HYV_PVBLK_S_IOERR;
	io_uring_prep_fsync(sqe, q->blk->fd, IORING_FSYNC_DATASYNC);
	hyv_pv_blk_tag(sqe, r);
	return HYV_PVBLK_S_OK;
}

/* Split the chain; returns false when it cannot even be answered. */
static bool hyv_pv_blk_parse(struct hyv_pv_blk_req *r)
{
	struct hyv_pv_chain *c = &r->chain;
	struct iovec *last;
	u32 type;

	if (c->truncated || c->out_bytes < sizeof(r->hdr) || !c->in_bytes)
		return false;
	last = &c->iov[c->n_out + c->n_in - 1];
	r->status_ptr = (u8 *)last->iov_base + last->iov_len - 1;
	hyv_pv_iov_copy(c->iov, c->n_out, 0, &r->hdr, sizeof(r->hdr));
	type = le32toh(r->hdr.type);
	r->n_data = 0;
	if (type == HYV_PVBLK_T_IN) {
		if (c->out_bytes != sizeof(r->hdr))
			r->status = HYV_PVBLK_S_IOERR;
		else if (!hyv_pv_blk_set_data(r, c->iov + c->n_out, c->n_in, 0, 1))
			r->status = HYV_PVBLK_S_IOERR;
	} else {
		if (c->in_bytes != 1)
			r->status = HYV_PVBLK_S_IOERR;
		else if (!hyv_pv_blk_set_data(r, c->iov, c->n_out,
					      sizeof(r->hdr), 0))
			r->status = HYV_PVBLK_S_IOERR;
	}
	return true;
}

/* Start request @r, just taken from the ring. */
void hyv_pv_blk_start(struct hyv_pv_blk_queue *q, struct hyv_pv_blk_req *r)
{
	u32 type, flags;

	r->status_ptr = NULL;
	r->status = HYV_PVBLK_S_OK;
	r->used_len = 0;
	r->pending = 0;
	r->expect = 0;
	if (!hyv_pv_blk_parse(r)) {
		hyv_pv_blk_finish(q, r);
		return;
	}
	r->used_len = 1;
	if (r->status != HYV_PVBLK_S_OK) {
		hyv_pv_blk_finish(q, r);
		return;
	}
	type = le32toh(r->hdr.type);
	flags = le32toh(r->hdr.flags);
	switch (type) {
	case HYV_PVBLK_T_IN:
	case HYV_PVBLK_T_OUT:
		r->status = hyv_pv_blk_rw(q, r, type, flags);
		break;
	case HYV_PVBLK_T_FLUSH:
		r->status = hyv_pv_blk_flush(q, r, flags);
		break;
	case HYV_PVBLK_T_DISCARD:
	case HYV_PVBLK_T_WRITE_ZEROES:
		r->status = flags ? HYV_PVBLK_S_IOERR :
				    hyv_pv_blk_ranges(q, r, type);
		break;
	default:
		r->status = HYV_PVBLK_S_UNSUPP;
		break;
	}
	/* A failure after some SQEs went out is answered when they end. */
	if (!r->pending)
		hyv_pv_blk_finish(q, r);
}

/*
 * WRITE_ZEROES where the file system cannot fallocate() the range (tmpfs
 * has no ZERO_RANGE, ramfs no fallocate at all): write the zeros, here
 * on the worker thread. The buffer is aligned for O_DIRECT.
 */
static int hyv_pv_blk_write_zeros(struct hyv_pv_blk_queue *q,
				  const struct hyv_pvblk_range *range)
{
	static alignas(4096) const u8 zeros[65536];
	u64 off = le64toh(range->sector) * 512;
	u64 left = le32toh(range->num_sectors) * 512ULL;
	ssize_t n;

	while (left) {
		n = pwrite(q->blk->fd, zeros,
			   left < sizeof(zeros) ? left : sizeof(zeros), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
		left -= n;
	}
	return 0;
}

/* One SQE of @r completed with @res. */
void hyv_pv_blk_io_done(struct hyv_pv_blk_queue *q, struct hyv_pv_blk_req *r,
			int res)
{
	u32 type = le32toh(r->hdr.type);

	/* One range per WRITE_ZEROES (max_write_zeroes_seg), one SQE. */
	if (type == HYV_PVBLK_T_WRITE_ZEROES && res == -EOPNOTSUPP)
		res = hyv_pv_blk_write_zeros(q, &r->ranges[0]);
	if (res < 0 && !(type == HYV_PVBLK_T_DISCARD && res == -EOPNOTSUPP))
		r->status = HYV_PVBLK_S_IOERR;
	else if (r->expect && (u32)res != r->expect)
		r->status = HYV_PVBLK_S_IOERR;	/* short read or write */
	if (--r->pending)
		return;
	if (type == HYV_PVBLK_T_IN && r->status == HYV_PVBLK_S_OK)
		r->used_len = r->expect + 1;
	hyv_pv_blk_finish(q, r);
}

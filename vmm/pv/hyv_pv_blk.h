/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hyv PV block device's backend (docs/pv-abi.md, "Block device"): a
 * raw file or block device served by one worker thread per queue, woken
 * by the queue's doorbell eventfd (no exit to userspace on the vCPU
 * thread), submitting the I/O with io_uring and completing it through
 * the queue's MSI-X vector eventfd.
 *
 * Use from the VMM (`--disk path[,ro][,cache=none|writeback]`):
 *   b = hyv_pv_blk_create(&opts, &mem, err, sizeof(err));
 *   t = hyv_pv_blk_transport(b);   BAR0/BAR1 accesses, fds to bind
 *   ...
 *   hyv_pv_blk_destroy(b);
 */
#ifndef HYV_PV_BLK_H
#define HYV_PV_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyv_pv_transport.h"
#include "hyv_pv_vring.h"

struct hyv_pv_blk;

struct hyv_pv_blk_opts {
	const char *path;
	bool ro;			/* ,ro */
	bool direct;			/* ,cache=none: O_DIRECT */
	u32 doorbell_device;		/* RBX of the guest's doorbells */
	unsigned int num_queues;	/* 0: 1 */
	unsigned int queue_size;	/* 0: 256 */
	struct hyv_pv_hostile hostile;	/* test-only: kind, at and name */
};

struct hyv_pv_blk_stats {
	u64 requests;		/* answered */
	u64 errors;		/* answered with IOERR or UNSUPP */
	u64 doorbells;		/* wake-ups by the doorbell */
	u64 interrupts;		/* vector signals */
	u64 interrupts_suppressed;
};

struct hyv_pv_blk *hyv_pv_blk_create(const struct hyv_pv_blk_opts *opts,
				     const struct hyv_pv_mem *mem, char *err,
				     size_t errlen);
struct hyv_pv_transport *hyv_pv_blk_transport(struct hyv_pv_blk *b);
/* The file's size changed: new capacity, config interrupt. */
int hyv_pv_blk_resize(struct hyv_pv_blk *b);
void hyv_pv_blk_get_stats(struct hyv_pv_blk *b, struct hyv_pv_blk_stats *s);
/* The reason of the last broken ring, or NULL. */
const char *hyv_pv_blk_error(struct hyv_pv_blk *b);
void hyv_pv_blk_destroy(struct hyv_pv_blk *b);

#endif /* HYV_PV_BLK_H */

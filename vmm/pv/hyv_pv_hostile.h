/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test-only hostile-device mode for the device half of hyv PV rings
 * (hyv-run's `--disk FILE,hostile=KIND@N`, docs/hyv-run.md): the N-th
 * used element a device gives back (1-based, counted over all of its
 * queues) is corrupted once, so that the guest drivers' checks of
 * what the device returns can be tested end to end:
 *   id   the element names chain num (out of the ring), not its own;
 *   len  the element's length is 2 GiB more than was written, more
 *        than any chain's writable bytes;
 *   idx  the used index is published num ahead of the real one.
 * One-shot: after the guest resets the device it behaves again.
 */
#ifndef HYV_PV_HOSTILE_H
#define HYV_PV_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyv/user_types.h>

enum hyv_pv_hostile_kind {
	HYV_PV_HOSTILE_NONE,
	HYV_PV_HOSTILE_ID,
	HYV_PV_HOSTILE_LEN,
	HYV_PV_HOSTILE_IDX,
};

#define HYV_PV_HOSTILE_MAX_AT	1000000000ULL

struct hyv_pv_hostile {
	enum hyv_pv_hostile_kind kind;
	u64 at;			/* the completion to corrupt, 1-based */
	u64 count;		/* completions so far; atomic */
	u64 fired;		/* how many were corrupted (0 or 1); atomic */
	char name[16];		/* the device, for the report */
};

/* "id@N", "len@N" or "idx@N"; 0, or -EINVAL with @err saying why. */
int hyv_pv_hostile_parse(const char *s, enum hyv_pv_hostile_kind *kind,
			 u64 *at, char *err, size_t errlen);
const char *hyv_pv_hostile_kind_name(enum hyv_pv_hostile_kind kind);

/*
 * From hyv_pv_vring_fill(): used element (@id, @len) of a ring of @num
 * entries is about to be written; maybe corrupt it. Returns the number
 * of entries the next flush publishes beyond the real index (idx).
 */
unsigned int hyv_pv_hostile_fill(struct hyv_pv_hostile *h, unsigned int num,
				 u32 *id, u32 *len);

#endif /* HYV_PV_HOSTILE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's half of a hyv PV split ring (docs/pv-abi.md, "Rings"):
 * taking chains the driver made available, giving them back as used,
 * and deciding when to interrupt and when to ask for doorbells.
 *
 * Guest memory is reached only through a bounds-checked gpa -> hva
 * callback; every index, length, chain and indirect table the guest
 * wrote is read once and checked. Anything malformed marks the ring
 * broken (with a reason in hyv_pv_vring.err) and nothing more is taken
 * from it. Not thread-safe: one thread drives one ring.
 */
#ifndef HYV_PV_VRING_H
#define HYV_PV_VRING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_ring.h>
#include <hyv/user_types.h>

#include "hyv_pv_hostile.h"

/* Host address of [gpa, gpa + len) if all of it is guest RAM, else NULL. */
typedef void *hyv_pv_gpa_to_hva_t(void *opaque, u64 gpa, u64 len);

struct hyv_pv_mem {
	hyv_pv_gpa_to_hva_t *map;
	void *opaque;
};

/* One chain taken from the ring: readable iovecs first, then writable. */
struct hyv_pv_chain {
	u16 head;
	bool truncated;		/* more buffers than iov_max: not all listed */
	unsigned int n_out, n_in;
	u64 out_bytes, in_bytes;
	unsigned int iov_max;	/* set by the caller: room in iov[] */
	struct iovec *iov;	/* set by the caller */
};

struct hyv_pv_vring_stats {
	u64 chains;			/* taken */
	u64 interrupts;			/* need_signal() said yes */
	u64 interrupts_suppressed;	/* ... said no */
};

struct hyv_pv_vring {
	const struct hyv_pv_mem *mem;
	unsigned int num;
	bool event_idx;
	bool indirect;
	bool broken;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 last_avail_idx;
	u16 used_idx;
	u16 signalled_used;		/* used index at the last check */
	struct hyv_pv_vring_stats stats;
	/* Test-only (hyv_pv_hostile.h): set after init, or NULL. */
	struct hyv_pv_hostile *hostile;
	u16 hostile_skip;		/* published used index is this ahead */
	char err[160];
};

int hyv_pv_vring_init(struct hyv_pv_vring *vr, const struct hyv_pv_mem *mem,
		      unsigned int num, u64 desc, u64 avail,
		      u64 used, bool event_idx, bool indirect);
int hyv_pv_vring_pop(struct hyv_pv_vring *vr, struct hyv_pv_chain *chain);
void hyv_pv_vring_push(struct hyv_pv_vring *vr, u16 head, u32 len);
void hyv_pv_vring_fill(struct hyv_pv_vring *vr, unsigned int n, u16 head,
		       u32 len);
void hyv_pv_vring_flush(struct hyv_pv_vring *vr, unsigned int count);
bool hyv_pv_vring_need_signal(struct hyv_pv_vring *vr);
void hyv_pv_vring_disable_notify(struct hyv_pv_vring *vr);
bool hyv_pv_vring_enable_notify(struct hyv_pv_vring *vr);

#endif /* HYV_PV_VRING_H */

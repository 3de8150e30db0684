/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver's half of a hyv PV queue: a split ring of
 * <linux/virtio_ring.h> (docs/pv-abi.md, "Rings"), with an API shaped like
 * the kernel's virtio_ring.c. hyv_pv_ring.c is also built in userspace by
 * guest-drivers/tests/ against the VMM's device half.
 *
 * Locking: the caller serialises every call on one queue (a driver holds
 * its per-queue lock), except hyv_vq_is_broken() which any context may
 * call. No function sleeps unless given a sleeping gfp.
 */
#ifndef HYV_PV_RING_H
#define HYV_PV_RING_H

#include <linux/types.h>

struct device;
struct scatterlist;
struct hyv_vq;

/* Rings the doorbell; returns false when the host refused it. */
typedef bool hyv_vq_notify_t(struct hyv_vq *vq);
/* Called from hyv_vq_interrupt() when buffers were used. */
typedef void hyv_vq_callback_t(struct hyv_vq *vq);

struct hyv_vq_info {
	struct device *dma_dev;		/* maps buffers and the ring */
	unsigned int index;		/* queue number on the device */
	unsigned int num;		/* ring size, a power of 2 */
	bool indirect;			/* HYV_PV_F_RING_INDIRECT_DESC */
	bool event_idx;			/* HYV_PV_F_RING_EVENT_IDX */
	hyv_vq_notify_t *notify;
	hyv_vq_callback_t *callback;
	void *priv;
	const char *name;
};

/* What a queue's owner may read; the rest of struct hyv_vq is private. */
struct hyv_vq_stats {
	u64 kicks;			/* doorbells rung */
	u64 kicks_suppressed;		/* kick_prepare said "no need" */
	u64 bad_len;			/* used lengths past the chain */
};

struct hyv_vq *hyv_vq_create(const struct hyv_vq_info *info, gfp_t gfp);
void hyv_vq_destroy(struct hyv_vq *vq);

int hyv_vq_add_sgs(struct hyv_vq *vq, struct scatterlist *sgs[],
		   unsigned int out_sgs, unsigned int in_sgs, void *token,
		   gfp_t gfp);
bool hyv_vq_kick_prepare(struct hyv_vq *vq);
bool hyv_vq_notify(struct hyv_vq *vq);
bool hyv_vq_kick(struct hyv_vq *vq);
void *hyv_vq_get_buf(struct hyv_vq *vq, unsigned int *len);
void hyv_vq_disable_cb(struct hyv_vq *vq);
bool hyv_vq_enable_cb(struct hyv_vq *vq);
bool hyv_vq_interrupt(struct hyv_vq *vq);
void *hyv_vq_detach_unused_buf(struct hyv_vq *vq);

bool hyv_vq_is_broken(const struct hyv_vq *vq);
void hyv_vq_mark_broken(struct hyv_vq *vq);
unsigned int hyv_vq_num_free(const struct hyv_vq *vq);
unsigned int hyv_vq_size(const struct hyv_vq *vq);
unsigned int hyv_vq_index(const struct hyv_vq *vq);
void *hyv_vq_priv(const struct hyv_vq *vq);
void hyv_vq_get_stats(const struct hyv_vq *vq, struct hyv_vq_stats *stats);
void hyv_vq_get_addrs(const struct hyv_vq *vq, u64 *desc, u64 *avail,
		      u64 *used);

#endif /* HYV_PV_RING_H */

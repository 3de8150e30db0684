/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside hyv_pvnet: the device, its receive and send queues (one pair
 * per vCPU, each queue with its own NAPI context and MSI-X vector) and
 * what the files of the driver share: hyv_pvnet_main.c (probe, remove,
 * netdev operations, link and broken-device work), hyv_pvnet_rx.c,
 * hyv_pvnet_tx.c and hyv_pvnet_ethtool.c.
 *
 * Serialisation: a receive ring is touched by its NAPI poll, or with
 * that NAPI disabled (open, refill work, reset); a send ring under its
 * netdev TX queue lock (start_xmit, the TX poll). The ring interrupt
 * only schedules NAPI. rtnl protects the queue-pair count and features.
 */
#ifndef HYV_PVNET_H
#define HYV_PVNET_H

#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "hyv_pv_pci.h"
#include "hyv_pvnet_logic.h"

struct hyv_pvnet_rq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;		/* no memory for the skb */
	u64_stats_t length_errors;	/* bad used length or num_buffers */
	u64_stats_t hdr_errors;		/* offloads not negotiated or not fitting */
	u64_stats_t refill_failed;	/* no memory for a buffer: retried */
	u64_stats_t kicks;
};

struct hyv_pvnet_sq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t dropped;		/* unmappable or offload refused */
	u64_stats_t kicks;
	u64_stats_t stops;		/* ring full: queue stopped */
	u64_stats_t wakes;
	u64_stats_t timeouts;
};

struct hyv_pvnet;

struct hyv_pvnet_rq {
	struct hyv_vq *vq;
	struct napi_struct napi;
	struct hyv_pvnet *vi;
	struct page_frag_cache frag;	/* the receive buffers */
	struct hyv_pvnet_rq_stats stats;
	char name[16];
} ____cacheline_aligned_in_smp;

struct hyv_pvnet_sq {
	struct hyv_vq *vq;
	struct napi_struct napi;
	struct hyv_pvnet *vi;
	struct scatterlist sg[MAX_SKB_FRAGS + 2];	/* header, data */
	struct hyv_pvnet_sq_stats stats;
	char name[16];
} ____cacheline_aligned_in_smp;

struct hyv_pvnet {
	struct hyv_pv_device hdev;
	struct net_device *dev;
	struct hyv_pvnet_limits lim;
	unsigned int num_alloc;		/* pairs with a struct and a NAPI */
	unsigned int max_pairs;		/* pairs with rings */
	unsigned int curr_pairs;	/* pairs in use (rtnl) */
	struct hyv_pvnet_rq *rq;
	struct hyv_pvnet_sq *sq;

	spinlock_t work_lock;		/* the two flags below; IRQ-safe */
	bool refill_enabled;		/* open: refill may be scheduled */
	bool config_enabled;		/* probed: config work may be */
	struct delayed_work refill;
	struct work_struct config_work;
	struct work_struct broken_work;
	bool broken;			/* rtnl; device reset, rings dead */
};

static inline struct hyv_pvnet *hyv_pvnet_from_vq(struct hyv_vq *vq)
{
	return container_of(hyv_vq_device(vq), struct hyv_pvnet, hdev);
}

static inline bool hyv_pvnet_has(const struct hyv_pvnet *vi, unsigned int bit)
{
	return hyv_pv_has_feature(&vi->hdev, bit);
}

/* hyv_pvnet_main.c */
void hyv_pvnet_schedule_broken(struct hyv_pvnet *vi);
int hyv_pvnet_set_pairs(struct hyv_pvnet *vi, unsigned int pairs);

/* hyv_pvnet_rx.c */
void hyv_pvnet_rx_done(struct hyv_vq *vq);
int hyv_pvnet_rx_poll(struct napi_struct *napi, int budget);
bool hyv_pvnet_rx_refill(struct hyv_pvnet_rq *rq, gfp_t gfp);
void hyv_pvnet_refill_work(struct work_struct *work);
void hyv_pvnet_rx_free_unused(struct hyv_pvnet_rq *rq);

/* hyv_pvnet_tx.c */
void hyv_pvnet_tx_done(struct hyv_vq *vq);
int hyv_pvnet_tx_poll(struct napi_struct *napi, int budget);
netdev_tx_t hyv_pvnet_start_xmit(struct sk_buff *skb, struct net_device *dev);
void hyv_pvnet_tx_timeout(struct net_device *dev, unsigned int txqueue);
void hyv_pvnet_tx_free_unused(struct hyv_pvnet_sq *sq);

/* hyv_pvnet_ethtool.c */
extern const struct ethtool_ops hyv_pvnet_ethtool_ops;

#endif /* HYV_PVNET_H */

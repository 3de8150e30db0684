// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvnet's receive side: mergeable buffers of HYV_PVNET_RX_BUF_LEN
 * bytes from a per-queue page-fragment cache, refilled from NAPI (atomic)
 * and, when memory is short, from a work item that retries until it
 * succeeds; frames taken buffer by buffer, built into an skb
 * (hyv_pvnet_skb.c) and handed to GRO.
 *
 * Nothing the device wrote is believed unchecked: the used lengths and
 * num_buffers go through hyv_pvnet_logic.c, the header's offloads
 * through hyv_pvnet_hdr.c; a frame that fails is dropped and counted.
 *
 * Context: NAPI (softirq), or process context with the queue's NAPI
 * disabled.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>

#include "hyv_pvnet.h"
#include "hyv_pvnet_hdr.h"
#include "hyv_pvnet_skb.h"

static void hyv_pvnet_rq_count(struct hyv_pvnet_rq *rq, u64_stats_t *counter)
{
	u64_stats_update_begin(&rq->stats.syncp);
	u64_stats_inc(counter);
	u64_stats_update_end(&rq->stats.syncp);
}

/* The ring's interrupt: the poll does the rest. Hard IRQ. */
void hyv_pvnet_rx_done(struct hyv_vq *vq)
{
	struct hyv_pvnet *vi = hyv_pvnet_from_vq(vq);
	unsigned int pair = hyv_vq_index(vq) / 2;

	if (pair < vi->num_alloc)
		napi_schedule(&vi->rq[pair].napi);
}

/**
 * hyv_pvnet_rx_refill - post receive buffers until the ring is full
 * @rq: the queue, its NAPI not running elsewhere
 * @gfp: GFP_ATOMIC from NAPI, GFP_KERNEL from the refill work
 *
 * Return: false when memory ran out (the caller retries later), true
 * when the ring is full or broken (nothing to retry).
 */
bool hyv_pvnet_rx_refill(struct hyv_pvnet_rq *rq, gfp_t gfp)
{
	struct scatterlist sg, *sgs[1] = { &sg };
	unsigned int added = 0;
	bool oom = false;
	void *buf;
	int err;

	while (hyv_vq_num_free(rq->vq)) {
		buf = page_frag_alloc(&rq->frag, HYV_PVNET_RX_BUF_LEN,
				      gfp | __GFP_NOWARN);
		if (!buf) {
			oom = true;
			break;
		}
		sg_init_one(&sg, buf, HYV_PVNET_RX_BUF_LEN);
		err = hyv_vq_add_sgs(rq->vq, sgs, 0, 1, buf, gfp);
		if (err) {
			skb_free_frag(buf);
			oom = err == -ENOMEM;
			break;
		}
		added++;
	}
	if (oom)
		hyv_pvnet_rq_count(rq, &rq->stats.refill_failed);
	if (added && hyv_vq_kick_prepare(rq->vq) && hyv_vq_notify(rq->vq))
		hyv_pvnet_rq_count(rq, &rq->stats.kicks);
	return !oom;
}

static void hyv_pvnet_schedule_refill(struct hyv_pvnet *vi, unsigned long delay)
{
	unsigned long flags;

	spin_lock_irqsave(&vi->work_lock, flags);
	if (vi->refill_enabled)
		schedule_delayed_work(&vi->refill, delay);
	spin_unlock_irqrestore(&vi->work_lock, flags);
}

/* Memory was short in NAPI: refill with GFP_KERNEL until it works. */
void hyv_pvnet_refill_work(struct work_struct *work)
{
	struct hyv_pvnet *vi = container_of(work, struct hyv_pvnet,
					    refill.work);
	bool again = false;
	unsigned int i;

	for (i = 0; i < vi->max_pairs; i++) {
		struct hyv_pvnet_rq *rq = &vi->rq[i];

		napi_disable(&rq->napi);
		if (!hyv_pvnet_rx_refill(rq, GFP_KERNEL))
			again = true;
		napi_enable(&rq->napi);
		/* Frames may have come while NAPI was off. */
		local_bh_disable();
		napi_schedule(&rq->napi);
		local_bh_enable();
	}
	if (again)
		hyv_pvnet_schedule_refill(vi, HZ / 2);
}

/* Take and free @n more buffers of a dropped frame. */
static void hyv_pvnet_rx_drop_rest(struct hyv_pvnet_rq *rq, unsigned int n)
{
	unsigned int len;
	void *buf;

	while (n--) {
		buf = hyv_vq_get_buf(rq->vq, &len);
		if (!buf)
			return;		/* the device broke its word: counted */
		skb_free_frag(buf);
	}
}

/* Drop a frame: count why, give back what it holds and what follows. */
static void hyv_pvnet_rx_drop(struct hyv_pvnet_rq *rq, struct sk_buff *skb,
			      const struct hyv_pvnet_rx_pkt *pkt,
			      u64_stats_t *why)
{
	hyv_pvnet_rq_count(rq, why);
	dev_kfree_skb_any(skb);
	hyv_pvnet_rx_drop_rest(rq, pkt->num_buffers - pkt->got);
}

/* The rest of a frame's buffers; false (frame dropped) on any fault. */
static bool hyv_pvnet_rx_gather(struct hyv_pvnet_rq *rq, struct sk_buff *skb,
				struct hyv_pvnet_rx_pkt *pkt)
{
	struct sk_buff *curr = skb;
	unsigned int len;
	void *buf;

	while (!hyv_pvnet_rx_whole(pkt)) {
		buf = hyv_vq_get_buf(rq->vq, &len);
		if (!buf) {
			/* Fewer buffers published than the header said. */
			pkt->got = pkt->num_buffers;
			hyv_pvnet_rx_drop(rq, skb, pkt, &rq->stats.length_errors);
			return false;
		}
		if (hyv_pvnet_rx_add(pkt, len)) {
			skb_free_frag(buf);
			hyv_pvnet_rx_drop(rq, skb, pkt, &rq->stats.length_errors);
			return false;
		}
		if (!hyv_pvnet_skb_add_frag(skb, &curr, buf, 0, len)) {
			skb_free_frag(buf);
			hyv_pvnet_rx_drop(rq, skb, pkt, &rq->stats.drops);
			return false;
		}
	}
	return true;
}

/* One frame, starting with buffer @buf of @len used bytes. */
static void hyv_pvnet_rx_frame(struct hyv_pvnet_rq *rq, void *buf,
			       unsigned int len)
{
	struct hyv_pvnet *vi = rq->vi;
	struct hyv_pvnet_rx_pkt pkt;
	struct hyv_pvnet_hdr hdr = {};
	struct sk_buff *skb;
	unsigned int bytes;

	/* One copy of the header: the device may still write the buffer. */
	if (len >= sizeof(hdr))
		memcpy(&hdr, buf, sizeof(hdr));
	if (hyv_pvnet_rx_start(&pkt, &hdr, len, HYV_PVNET_RX_BUF_LEN)) {
		skb_free_frag(buf);
		hyv_pvnet_rx_drop(rq, NULL, &pkt, &rq->stats.length_errors);
		return;
	}
	skb = hyv_pvnet_skb_first(&rq->napi, buf, len);
	if (!skb) {
		skb_free_frag(buf);
		hyv_pvnet_rx_drop(rq, NULL, &pkt, &rq->stats.drops);
		return;
	}
	if (!hyv_pvnet_rx_gather(rq, skb, &pkt))
		return;
	if (hyv_pvnet_rx_finish(&pkt, hdr.gso_type != HYV_PVNET_GSO_NONE,
				vi->dev->max_mtu + VLAN_ETH_HLEN)) {
		hyv_pvnet_rx_drop(rq, skb, &pkt, &rq->stats.length_errors);
		return;
	}
	if (hyv_pvnet_hdr_to_skb(skb, &hdr, vi->hdev.features)) {
		hyv_pvnet_rx_drop(rq, skb, &pkt, &rq->stats.hdr_errors);
		return;
	}
	bytes = skb->len;
	skb->protocol = eth_type_trans(skb, vi->dev);
	skb_record_rx_queue(skb, rq - vi->rq);
	u64_stats_update_begin(&rq->stats.syncp);
	u64_stats_inc(&rq->stats.packets);
	u64_stats_add(&rq->stats.bytes, bytes);
	u64_stats_update_end(&rq->stats.syncp);
	napi_gro_receive(&rq->napi, skb);
}

int hyv_pvnet_rx_poll(struct napi_struct *napi, int budget)
{
	struct hyv_pvnet_rq *rq = container_of(napi, struct hyv_pvnet_rq, napi);
	struct hyv_vq *vq = rq->vq;
	unsigned int len, last;
	int done = 0;
	void *buf;

	hyv_vq_disable_cb(vq);
	while (done < budget && (buf = hyv_vq_get_buf(vq, &len))) {
		hyv_pvnet_rx_frame(rq, buf, len);
		done++;
	}
	if (hyv_vq_num_free(vq) > hyv_vq_size(vq) / 2 &&
	    !hyv_pvnet_rx_refill(rq, GFP_ATOMIC))
		hyv_pvnet_schedule_refill(rq->vi, 0);
	if (unlikely(hyv_vq_is_broken(vq))) {
		hyv_pvnet_schedule_broken(rq->vi);
		napi_complete_done(napi, done);
		return done;
	}
	if (done < budget) {
		/* Ask before completing; after it, only look. */
		last = hyv_vq_enable_cb_prepare(vq);
		if (napi_complete_done(napi, done) && hyv_vq_poll(vq, last))
			napi_schedule(napi);
	}
	return done;
}

/* After a device reset: the buffers the device never used. */
void hyv_pvnet_rx_free_unused(struct hyv_pvnet_rq *rq)
{
	void *buf;

	while ((buf = hyv_vq_detach_unused_buf(rq->vq)))
		skb_free_frag(buf);
	if (rq->frag.va) {
		__page_frag_cache_drain(virt_to_head_page(rq->frag.va),
					rq->frag.pagecnt_bias);
		rq->frag.va = NULL;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvnet's send side: one chain per frame (the header, kept in the
 * skb's control block, then the skb's linear part and fragments), the
 * doorbell rung once per batch (xmit_more) and for BQL, the queue
 * stopped while the ring could not take a maximal frame and woken from
 * the TX NAPI poll that reclaims completed frames.
 *
 * Context: start_xmit and the TX poll, both under the netdev TX queue
 * lock; the interrupt only schedules the poll.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>

#include "hyv_pvnet.h"
#include "hyv_pvnet_hdr.h"

static_assert(sizeof(struct hyv_pvnet_hdr) <=
	      sizeof_field(struct sk_buff, cb));

static struct hyv_pvnet_hdr *hyv_pvnet_skb_hdr(struct sk_buff *skb)
{
	return (struct hyv_pvnet_hdr *)skb->cb;
}

static void hyv_pvnet_sq_count(struct hyv_pvnet_sq *sq, u64_stats_t *counter)
{
	u64_stats_update_begin(&sq->stats.syncp);
	u64_stats_inc(counter);
	u64_stats_update_end(&sq->stats.syncp);
}

/* The ring's interrupt: the poll does the rest. Hard IRQ. */
void hyv_pvnet_tx_done(struct hyv_vq *vq)
{
	struct hyv_pvnet *vi = hyv_pvnet_from_vq(vq);
	unsigned int pair = hyv_vq_index(vq) / 2;

	if (pair < vi->num_alloc)
		napi_schedule(&vi->sq[pair].napi);
}

static void hyv_pvnet_tx_kick(struct hyv_pvnet_sq *sq)
{
	if (hyv_vq_kick_prepare(sq->vq) && hyv_vq_notify(sq->vq))
		hyv_pvnet_sq_count(sq, &sq->stats.kicks);
}

/* Free what the device sent; BQL hears of it. */
static void hyv_pvnet_tx_reclaim(struct hyv_pvnet_sq *sq,
				 struct netdev_queue *txq, int budget)
{
	unsigned int len, packets = 0, bytes = 0;
	struct sk_buff *skb;

	while ((skb = hyv_vq_get_buf(sq->vq, &len))) {
		packets++;
		bytes += skb->len;
		napi_consume_skb(skb, budget);
	}
	if (!packets)
		return;
	netdev_tx_completed_queue(txq, packets, bytes);
	u64_stats_update_begin(&sq->stats.syncp);
	u64_stats_add(&sq->stats.packets, packets);
	u64_stats_add(&sq->stats.bytes, bytes);
	u64_stats_update_end(&sq->stats.syncp);
}

int hyv_pvnet_tx_poll(struct napi_struct *napi, int budget)
{
	struct hyv_pvnet_sq *sq = container_of(napi, struct hyv_pvnet_sq, napi);
	struct hyv_pvnet *vi = sq->vi;
	unsigned int index = sq - vi->sq, last;
	struct netdev_queue *txq = netdev_get_tx_queue(vi->dev, index);
	bool broken, complete;

	__netif_tx_lock(txq, raw_smp_processor_id());
	hyv_vq_disable_cb(sq->vq);
	hyv_pvnet_tx_reclaim(sq, txq, budget);
	broken = hyv_vq_is_broken(sq->vq);
	if (netif_tx_queue_stopped(txq) && !broken &&
	    hyv_pvnet_tx_has_room(hyv_vq_num_free(sq->vq), MAX_SKB_FRAGS)) {
		hyv_pvnet_sq_count(sq, &sq->stats.wakes);
		netif_tx_wake_queue(txq);
	}
	last = hyv_vq_enable_cb_prepare(sq->vq);
	complete = napi_complete_done(napi, 0);
	__netif_tx_unlock(txq);

	if (unlikely(broken))
		hyv_pvnet_schedule_broken(vi);
	else if (complete && hyv_vq_poll(sq->vq, last))
		napi_schedule(napi);
	return 0;
}

static int hyv_pvnet_tx_add(struct hyv_pvnet *vi, struct hyv_pvnet_sq *sq,
			    struct sk_buff *skb)
{
	struct hyv_pvnet_hdr *hdr = hyv_pvnet_skb_hdr(skb);
	struct scatterlist *sgs[1] = { sq->sg };
	int nents;

	if (hyv_pvnet_hdr_from_skb(skb, hdr, vi->hdev.features))
		return -EPROTO;
	/*
	 * The stack linearizes frag_list skbs for us (no NETIF_F_FRAGLIST);
	 * skb_to_sgvec() does not know the table's size, so make sure.
	 */
	if (unlikely(skb_has_frag_list(skb)) && skb_linearize(skb))
		return -ENOMEM;
	sg_init_table(sq->sg, ARRAY_SIZE(sq->sg));
	sg_set_buf(sq->sg, hdr, sizeof(*hdr));
	nents = skb_to_sgvec(skb, sq->sg + 1, 0, skb->len);
	if (nents < 0)
		return nents;
	return hyv_vq_add_sgs(sq->vq, sgs, 1, 0, skb, GFP_ATOMIC);
}

netdev_tx_t hyv_pvnet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct hyv_pvnet *vi = netdev_priv(dev);
	unsigned int qnum = skb_get_queue_mapping(skb);
	struct hyv_pvnet_sq *sq = &vi->sq[qnum];
	struct netdev_queue *txq = netdev_get_tx_queue(dev, qnum);
	unsigned int len = skb->len;
	bool kick;
	int err;

	skb_tx_timestamp(skb);
	err = hyv_pvnet_tx_add(vi, sq, skb);
	if (unlikely(err == -ENOSPC)) {
		/* The stop below should have come first: be safe. */
		netif_tx_stop_queue(txq);
		hyv_pvnet_sq_count(sq, &sq->stats.stops);
		hyv_pvnet_tx_kick(sq);
		return NETDEV_TX_BUSY;
	}
	if (unlikely(err)) {
		hyv_pvnet_sq_count(sq, &sq->stats.dropped);
		dev_kfree_skb_any(skb);
		/* What earlier frames of the batch added must go out. */
		if (!netdev_xmit_more())
			hyv_pvnet_tx_kick(sq);
		return NETDEV_TX_OK;
	}
	kick = __netdev_tx_sent_queue(txq, len, netdev_xmit_more());
	if (!hyv_pvnet_tx_has_room(hyv_vq_num_free(sq->vq), MAX_SKB_FRAGS)) {
		netif_tx_stop_queue(txq);
		hyv_pvnet_sq_count(sq, &sq->stats.stops);
		kick = true;
	}
	if (kick)
		hyv_pvnet_tx_kick(sq);
	return NETDEV_TX_OK;
}

void hyv_pvnet_tx_timeout(struct net_device *dev, unsigned int txqueue)
{
	struct hyv_pvnet *vi = netdev_priv(dev);
	struct hyv_pvnet_sq *sq = &vi->sq[txqueue];

	hyv_pvnet_sq_count(sq, &sq->stats.timeouts);
	netdev_warn(dev, "TX queue %u timed out: %u of %u descriptors free%s\n",
		    txqueue, hyv_vq_num_free(sq->vq), hyv_vq_size(sq->vq),
		    hyv_vq_is_broken(sq->vq) ? ", ring broken" : "");
}

/* After a device reset: the frames the device never sent. */
void hyv_pvnet_tx_free_unused(struct hyv_pvnet_sq *sq)
{
	struct sk_buff *skb;

	while ((skb = hyv_vq_detach_unused_buf(sq->vq)))
		dev_kfree_skb(skb);
}

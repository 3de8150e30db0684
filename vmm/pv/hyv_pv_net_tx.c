// SPDX-License-Identifier: GPL-2.0
/*
 * Frames from the guest to the TAP (the transmit queue of a pair): each
 * chain is one frame, the 12-byte header then the frame, written with
 * one writev() whose first iovec is our checked copy of the header and
 * whose others are the guest's buffers. Chains are given back (length
 * 0) once per batch. A full TAP (EAGAIN) keeps the chain in hand and
 * the worker waits for POLLOUT: the guest's ring fills and it stops its
 * queue, nothing is dropped.
 *
 * The guest is not trusted: a chain with a writable descriptor, too
 * many descriptors, a frame too short or too long, or a header the
 * negotiated features do not allow is dropped and counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hyv_pv_net_int.h"

static bool hyv_has(u64 features, unsigned int bit)
{
	return features & (1ULL << bit);
}

/**
 * hyv_pv_net_tx_check_hdr - may the guest send this header?
 * @hdr: the header (our copy)
 * @frame_len: bytes after the header
 * @features: the negotiated features
 * @mtu: the device's MTU register
 *
 * Return: 0, or -EINVAL for a frame the device drops (docs/pv-abi.md).
 */
int hyv_pv_net_tx_check_hdr(const struct hyv_pvnet_hdr *hdr,
			    u64 frame_len, u64 features,
			    unsigned int mtu)
{
	unsigned int gso = hdr->gso_type & ~HYV_PVNET_GSO_ECN;
	bool csum = hdr->flags & HYV_PVNET_HDR_F_NEEDS_CSUM;

	if (hdr->flags & ~(HYV_PVNET_HDR_F_NEEDS_CSUM |
			   HYV_PVNET_HDR_F_DATA_VALID))
		return -EINVAL;
	if (frame_len < HYV_PVNET_MIN_FRAME || frame_len > HYV_PVNET_MAX_FRAME)
		return -EINVAL;
	if (csum) {
		u32 end = (u32)le16toh(hdr->csum_start) +
			       le16toh(hdr->csum_offset) + 2;

		if (!hyv_has(features, HYV_PVNET_F_CSUM) || end > frame_len)
			return -EINVAL;
	}
	if (hdr->gso_type == HYV_PVNET_GSO_NONE)
		return frame_len <= (u64)mtu + HYV_PV_NET_ETH_OVERHEAD ?
		       0 : -EINVAL;
	if ((gso == HYV_PVNET_GSO_TCPV4 &&
	     !hyv_has(features, HYV_PVNET_F_HOST_TSO4)) ||
	    (gso == HYV_PVNET_GSO_TCPV6 &&
	     !hyv_has(features, HYV_PVNET_F_HOST_TSO6)) ||
	    (gso != HYV_PVNET_GSO_TCPV4 && gso != HYV_PVNET_GSO_TCPV6))
		return -EINVAL;
	if ((hdr->gso_type & HYV_PVNET_GSO_ECN) &&
	    !hyv_has(features, HYV_PVNET_F_HOST_ECN))
		return -EINVAL;
	if (!csum || !hdr->gso_size || le16toh(hdr->hdr_len) > frame_len)
		return -EINVAL;
	return 0;
}

/* Copy the header out of the chain and point tx_iov at the frame. */
static int hyv_pv_net_tx_prepare(struct hyv_pv_net_queue *q)
{
	struct hyv_pv_chain *c = &q->tx_chain;
	struct hyv_pv_net *n = q->net;
	size_t skip = HYV_PVNET_HDR_SIZE, got = 0;
	unsigned int i, out = 1;

	if (c->n_in || c->in_bytes || c->truncated ||
	    c->out_bytes < HYV_PVNET_HDR_SIZE)
		return -EINVAL;
	for (i = 0; i < c->n_out; i++) {
		const struct iovec *v = &c->iov[i];
		size_t take = v->iov_len < skip ? v->iov_len : skip;

		/* Read once: the checked copy is what the TAP gets. */
		memcpy((u8 *)&q->tx_hdr + got, v->iov_base, take);
		got += take;
		skip -= take;
		if (take == v->iov_len)
			continue;
		q->tx_iov[out].iov_base = (u8 *)v->iov_base + take;
		q->tx_iov[out].iov_len = v->iov_len - take;
		out++;
	}
	q->tx_iov[0].iov_base = &q->tx_hdr;
	q->tx_iov[0].iov_len = HYV_PVNET_HDR_SIZE;
	q->tx_hdr.num_buffers = 0;
	if (hyv_pv_net_tx_check_hdr(&q->tx_hdr,
				    c->out_bytes - HYV_PVNET_HDR_SIZE,
				    n->t.driver_features,
				    le16toh(n->config.mtu)))
		return -EINVAL;
	return out;
}

static void hyv_pv_net_tx_complete(struct hyv_pv_net_queue *q)
{
	hyv_pv_vring_fill(&q->tx, q->tx_filled++, q->tx_chain.head, 0);
	q->tx_pending = false;
}

/*
 * Send the chain in hand. Return false when the port is full (the
 * chain stays in hand for POLLOUT), true when it is done with.
 */
static bool hyv_pv_net_tx_send(struct hyv_pv_net_queue *q)
{
	struct hyv_pv_net *n = q->net;
	int niov = hyv_pv_net_tx_prepare(q);
	ssize_t ret;

	if (niov < 0) {
		hyv_pv_net_count(&q->stats.tx_bad, 1);
		hyv_pv_net_tx_complete(q);
		return true;
	}
	if (!__atomic_load_n(&n->link_up, __ATOMIC_ACQUIRE) || q->port_down) {
		hyv_pv_net_count(&q->stats.tx_dropped, 1);
		hyv_pv_net_tx_complete(q);
		return true;
	}
	do {
		ret = writev(q->port_fd, q->tx_iov, niov);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		q->tx_pending = true;
		return false;
	}
	if (ret < 0) {
		/* EINVAL: the TAP refused the header; EBADFD: detached. */
		hyv_pv_net_count(&q->stats.tx_dropped, 1);
	} else {
		hyv_pv_net_count(&q->stats.tx_packets, 1);
		hyv_pv_net_count(&q->stats.tx_bytes,
				 q->tx_chain.out_bytes - HYV_PVNET_HDR_SIZE);
		if (q->tx_hdr.gso_type != HYV_PVNET_GSO_NONE)
			hyv_pv_net_count(&q->stats.tx_gso, 1);
		if (q->tx_hdr.flags & HYV_PVNET_HDR_F_NEEDS_CSUM)
			hyv_pv_net_count(&q->stats.tx_csum, 1);
	}
	hyv_pv_net_tx_complete(q);
	return true;
}

static void hyv_pv_net_tx_flush(struct hyv_pv_net_queue *q)
{
	if (!q->tx_filled)
		return;
	hyv_pv_vring_flush(&q->tx, q->tx_filled);
	q->tx_filled = 0;
	q->tx_pushed = true;
	hyv_pv_net_signal(q, &q->tx, 2 * q->pair + 1, &q->tx_pushed);
}

/* Send up to a batch of frames; true when the budget ran out. */
bool hyv_pv_net_tx_process(struct hyv_pv_net_queue *q)
{
	unsigned int done = 0;
	bool more = false;
	int ret;

	if (!q->tx_enabled)
		return false;
	if (q->tx_pending && !hyv_pv_net_tx_send(q))
		return false;
	q->tx_chain.iov = q->tx_chain_iov;
	q->tx_chain.iov_max = HYV_PV_NET_CHAIN_IOV;
	for (;;) {
		hyv_pv_vring_disable_notify(&q->tx);
		while (done < HYV_PV_NET_BATCH) {
			ret = hyv_pv_vring_pop(&q->tx, &q->tx_chain);
			if (ret < 0)
				hyv_pv_net_ring_broken(q, &q->tx);
			if (ret <= 0)
				break;
			done++;
			if (!hyv_pv_net_tx_send(q))
				goto out;	/* full: wait for POLLOUT */
		}
		if (q->tx.broken)
			goto out;
		if (done == HYV_PV_NET_BATCH) {
			more = true;
			break;
		}
		/* Ask for a doorbell; frames that came meanwhile go now. */
		if (!hyv_pv_vring_enable_notify(&q->tx))
			break;
	}
out:
	hyv_pv_net_tx_flush(q);
	return more;
}

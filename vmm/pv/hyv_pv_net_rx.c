// SPDX-License-Identifier: GPL-2.0
/*
 * Frames from the TAP to the guest (the receive queue of a pair). The
 * worker keeps a stash of the guest's receive chains big enough for the
 * largest frame the TAP may hand over, reads one frame with one readv()
 * straight into them (the TAP writes the 12-byte header first), writes
 * num_buffers, and gives the chains the frame filled back together: one
 * used-index update per batch, so that a frame's buffers appear at once.
 *
 * The guest is not trusted: a receive chain with a readable descriptor,
 * too many descriptors or no room for the header is returned empty and
 * counted; a malformed ring breaks the device (hyv_pv_net.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hyv_pv_net_int.h"

/* Largest frame the port may hand over now, header included. */
static u64 hyv_pv_net_rx_need(struct hyv_pv_net_queue *q, bool gso)
{
	struct hyv_pv_net *n = q->net;
	u32 off = __atomic_load_n(&n->guest_offloads, __ATOMIC_ACQUIRE);
	unsigned int mtu = le16toh(n->config.mtu);

	if (n->port_mtu > mtu)
		mtu = n->port_mtu;
	if (gso && (off & ((1U << HYV_PVNET_F_GUEST_TSO4) |
			   (1U << HYV_PVNET_F_GUEST_TSO6))))
		return HYV_PVNET_HDR_SIZE + HYV_PVNET_MAX_FRAME;
	return HYV_PVNET_HDR_SIZE + mtu + HYV_PV_NET_ETH_OVERHEAD;
}

/* Give chain @head back as used (@len bytes written), published later. */
static void hyv_pv_net_rx_complete(struct hyv_pv_net_queue *q, u16 head,
				   u32 len)
{
	hyv_pv_vring_fill(&q->rx, q->rx_filled++, head, len);
}

static void hyv_pv_net_rx_flush(struct hyv_pv_net_queue *q)
{
	if (!q->rx_filled)
		return;
	hyv_pv_vring_flush(&q->rx, q->rx_filled);
	q->rx_filled = 0;
	q->rx_pushed = true;
	hyv_pv_net_signal(q, &q->rx, 2 * q->pair, &q->rx_pushed);
}

/* Move the stash to the front of its arrays when the tail is near. */
static void hyv_pv_net_rx_compact(struct hyv_pv_net_queue *q)
{
	unsigned int nbufs = q->rx_nbufs - q->rx_first;
	unsigned int niov = q->rx_niov - q->rx_iov_first;

	if (q->rx_niov + HYV_PV_NET_CHAIN_IOV <= HYV_PV_NET_RX_IOV &&
	    q->rx_nbufs < HYV_PV_NET_RX_IOV)
		return;
	memmove(q->rx_bufs, q->rx_bufs + q->rx_first, nbufs * sizeof(*q->rx_bufs));
	memmove(q->rx_iov, q->rx_iov + q->rx_iov_first, niov * sizeof(*q->rx_iov));
	q->rx_first = 0;
	q->rx_nbufs = nbufs;
	q->rx_iov_first = 0;
	q->rx_niov = niov;
}

/* Take one more chain into the stash: 1 taken, 0 none, -1 broken. */
static int hyv_pv_net_rx_take(struct hyv_pv_net_queue *q)
{
	struct hyv_pv_chain c = {
		.iov = q->rx_chain_iov, .iov_max = HYV_PV_NET_CHAIN_IOV,
	};
	struct hyv_pv_net_rxbuf *b;
	int ret;

	ret = hyv_pv_vring_pop(&q->rx, &c);
	if (ret < 0) {
		hyv_pv_net_ring_broken(q, &q->rx);
		return -1;
	}
	if (!ret)
		return 0;
	if (c.n_out || c.truncated || c.in_bytes < HYV_PVNET_HDR_SIZE ||
	    c.in_bytes > UINT32_MAX) {
		hyv_pv_net_count(&q->stats.rx_bad_chain, 1);
		hyv_pv_net_rx_complete(q, c.head, 0);
		return 1;
	}
	hyv_pv_net_rx_compact(q);
	b = &q->rx_bufs[q->rx_nbufs++];
	b->head = c.head;
	b->niov = c.n_in;
	b->bytes = c.in_bytes;
	memcpy(&q->rx_iov[q->rx_niov], c.iov, c.n_in * sizeof(*c.iov));
	q->rx_niov += c.n_in;
	q->rx_bytes += c.in_bytes;
	return 1;
}

/*
 * The stash is out of iovecs and still cannot hold a frame of the MTU:
 * the guest's buffers are too small to be of use. Give them back empty.
 */
static void hyv_pv_net_rx_return_all(struct hyv_pv_net_queue *q)
{
	unsigned int i;

	for (i = q->rx_first; i < q->rx_nbufs; i++)
		hyv_pv_net_rx_complete(q, q->rx_bufs[i].head, 0);
	hyv_pv_net_count(&q->stats.rx_bad_chain, q->rx_nbufs - q->rx_first);
	q->rx_first = 0;
	q->rx_nbufs = 0;
	q->rx_iov_first = 0;
	q->rx_niov = 0;
	q->rx_bytes = 0;
}

/*
 * Fill the stash up to the largest frame. Return false when the guest
 * has not made enough available (a doorbell is then asked for) or the
 * ring broke.
 */
static bool hyv_pv_net_rx_fill(struct hyv_pv_net_queue *q)
{
	u64 need = hyv_pv_net_rx_need(q, true);
	u64 need_mtu = hyv_pv_net_rx_need(q, false);
	int ret;

	while (q->rx_bytes < need) {
		if (q->rx_niov - q->rx_iov_first + HYV_PV_NET_CHAIN_IOV >
		    HYV_PV_NET_RX_IOV) {
			if (q->rx_bytes >= need_mtu)
				break;	/* read with what we have */
			hyv_pv_net_rx_return_all(q);
			continue;
		}
		ret = hyv_pv_net_rx_take(q);
		if (ret < 0)
			return false;
		if (ret)
			continue;
		/*
		 * The ring is dry. A frame of the MTU fits: go on (a GSO
		 * frame larger than the stash is dropped and counted).
		 */
		if (q->rx_bytes >= need_mtu)
			return true;
		if (hyv_pv_vring_enable_notify(&q->rx))
			continue;
		q->rx_wait_bufs = !q->rx.broken;
		return false;
	}
	/* Enough for now: no doorbells for receive buffers. */
	hyv_pv_vring_disable_notify(&q->rx);
	return true;
}

/* Write @len bytes at @off of the iovecs (the frame's num_buffers). */
static void hyv_pv_net_iov_write(const struct iovec *iov, unsigned int n,
				 size_t off, const void *data, size_t len)
{
	const u8 *p = data;
	unsigned int i;

	for (i = 0; i < n && len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len)
			chunk = len;
		memcpy((u8 *)iov[i].iov_base + off, p, chunk);
		p += chunk;
		len -= chunk;
		off = 0;
	}
}

/* Read @len bytes at the start of the iovecs (the frame's header). */
static void hyv_pv_net_iov_read(const struct iovec *iov, unsigned int n,
				void *data, size_t len)
{
	u8 *p = data;
	unsigned int i;

	for (i = 0; i < n && len; i++) {
		size_t chunk = iov[i].iov_len < len ? iov[i].iov_len : len;

		memcpy(p, iov[i].iov_base, chunk);
		p += chunk;
		len -= chunk;
	}
}

/* A frame of @got bytes (header included) is in the stash: hand it over. */
static void hyv_pv_net_rx_deliver(struct hyv_pv_net_queue *q, size_t got)
{
	struct hyv_pv_net_rxbuf *first = &q->rx_bufs[q->rx_first];
	size_t left = got;
	unsigned int k, niov = 0;
	u8 hdr[2] = { 0, 0 };		/* flags, gso_type */
	u16 nbuf;

	/* Chains in order, each filled before the next: readv's order. */
	for (k = 0; left; k++) {
		struct hyv_pv_net_rxbuf *b = &first[k];
		u32 len = left < b->bytes ? left : b->bytes;

		hyv_pv_net_rx_complete(q, b->head, len);
		left -= len;
		niov += b->niov;
		q->rx_bytes -= b->bytes;
	}
	/* What the TAP said of the frame: counted, for the tests. */
	hyv_pv_net_iov_read(&q->rx_iov[q->rx_iov_first], niov, hdr, sizeof(hdr));
	if (hdr[1] != HYV_PVNET_GSO_NONE)
		hyv_pv_net_count(&q->stats.rx_gso, 1);
	if (hdr[0] & HYV_PVNET_HDR_F_NEEDS_CSUM)
		hyv_pv_net_count(&q->stats.rx_csum, 1);
	nbuf = htole16(k);
	hyv_pv_net_iov_write(&q->rx_iov[q->rx_iov_first], niov,
			     __builtin_offsetof(struct hyv_pvnet_hdr,
						num_buffers),
			     &nbuf, sizeof(nbuf));
	q->rx_first += k;
	q->rx_iov_first += niov;
	hyv_pv_net_count(&q->stats.rx_packets, 1);
	hyv_pv_net_count(&q->stats.rx_bytes, got - HYV_PVNET_HDR_SIZE);
	hyv_pv_net_count(&q->stats.rx_buffers, k);
}

bool hyv_pv_net_rx_wants_port(struct hyv_pv_net_queue *q)
{
	struct hyv_pv_net *n = q->net;

	return q->rx_enabled && !q->rx_wait_bufs &&
	       __atomic_load_n(&n->link_up, __ATOMIC_ACQUIRE) &&
	       q->pair < __atomic_load_n(&n->active_pairs, __ATOMIC_ACQUIRE);
}

/* Read up to a batch of frames; true when the budget ran out. */
bool hyv_pv_net_rx_process(struct hyv_pv_net_queue *q)
{
	unsigned int done;
	ssize_t got;

	if (!hyv_pv_net_rx_wants_port(q) || q->port_down || q->rx_port_empty)
		return false;
	for (done = 0; done < HYV_PV_NET_BATCH; done++) {
		if (!hyv_pv_net_rx_fill(q))
			break;
		got = readv(q->port_fd, &q->rx_iov[q->rx_iov_first],
			    q->rx_niov - q->rx_iov_first);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				q->rx_port_empty = true;
			} else if (errno != EINTR) {
				hyv_pv_net_count(&q->stats.rx_dropped, 1);
				q->port_down = errno == EBADFD || errno == EBADF;
			}
			break;
		}
		/*
		 * The TAP reports the whole frame's length even when it
		 * cut it to the buffers; a runt has no Ethernet header.
		 */
		if ((u64)got > q->rx_bytes ||
		    got < HYV_PVNET_HDR_SIZE + HYV_PVNET_MIN_FRAME) {
			hyv_pv_net_count(&q->stats.rx_dropped, 1);
			continue;
		}
		hyv_pv_net_rx_deliver(q, got);
	}
	hyv_pv_net_rx_flush(q);
	return done == HYV_PV_NET_BATCH;
}

/* After the worker stopped: the chains of the stash belong to no one. */
void hyv_pv_net_rx_reset(struct hyv_pv_net_queue *q)
{
	q->rx_first = 0;
	q->rx_nbufs = 0;
	q->rx_iov_first = 0;
	q->rx_niov = 0;
	q->rx_bytes = 0;
	q->rx_filled = 0;
	q->rx_pushed = false;
	q->rx_wait_bufs = false;
	q->rx_port_empty = false;
}

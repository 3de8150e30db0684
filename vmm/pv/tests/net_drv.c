// SPDX-License-Identifier: GPL-2.0
/*
 * The tests' userspace hyv_pvnet (see net_drv.h): probe, receive with
 * the driver's checks, send, reclaim. Guest memory is the shim's arena.
 */
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "net_drv.h"
#include "tap.h"

u32 ndrv_rd(struct ndrv *d, unsigned int off)
{
	return hyv_pv_bar0_read(d->t, off, 4);
}

void ndrv_wr(struct ndrv *d, unsigned int off, u32 v)
{
	hyv_pv_bar0_write(d->t, off, 4, v);
}

u32 ndrv_cfg_write(struct ndrv *d, unsigned int off, u32 v)
{
	ndrv_wr(d, HYV_PV_DEVICE_CFG_OFFSET + off, v);
	return ndrv_rd(d, HYV_PV_DEVICE_CFG_OFFSET + off);
}

static bool ndrv_notify(struct hyv_vq *vq)
{
	struct ndrv *d = hyv_vq_priv(vq);
	u64 one = 1;

	return write(d->t->doorbell_fd[hyv_vq_index(vq)], &one, 8) == 8;
}

static void ndrv_read_config(struct ndrv *d, struct hyv_pvnet_config *cfg)
{
	u32 *w = (u32 *)cfg, gen;
	unsigned int i;

	do {
		gen = ndrv_rd(d, HYV_PV_COMMON_CONFIG_GENERATION);
		for (i = 0; i < sizeof(*cfg) / 4; i++)
			w[i] = ndrv_rd(d, HYV_PV_DEVICE_CFG_OFFSET + 4 * i);
	} while (gen != ndrv_rd(d, HYV_PV_COMMON_CONFIG_GENERATION));
}

static int ndrv_setup_queue(struct ndrv *d, unsigned int q, struct hyv_vq **out)
{
	struct hyv_vq_info info = {
		.index = q, .notify = ndrv_notify, .priv = d, .name = "net",
		.indirect = d->features & (1ULL << HYV_PV_F_RING_INDIRECT_DESC),
		.event_idx = d->features & (1ULL << HYV_PV_F_RING_EVENT_IDX),
	};
	u64 da, aa, ua;

	ndrv_wr(d, HYV_PV_COMMON_QUEUE_SELECT, q);
	info.num = ndrv_rd(d, HYV_PV_COMMON_QUEUE_SIZE_MAX);
	*out = hyv_vq_create(&info, GFP_KERNEL);
	CHECK(!IS_ERR(*out));
	hyv_vq_get_addrs(*out, &da, &aa, &ua);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_VECTOR, q + 1);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_DESC_LO, (u32)da);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_DESC_HI, da >> 32);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_AVAIL_LO, (u32)aa);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_AVAIL_HI, aa >> 32);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_USED_LO, (u32)ua);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_USED_HI, ua >> 32);
	ndrv_wr(d, HYV_PV_COMMON_QUEUE_ENABLE, 1);
	CHECK_EQ(ndrv_rd(d, HYV_PV_COMMON_QUEUE_ENABLE), 1);
	hyv_pv_msix_write(d->t, (q + 1) * 16 + 12, 4, 0);	/* unmask */
	return 0;
}

int ndrv_probe(struct ndrv *d, struct hyv_pv_transport *t, u64 drop,
	       unsigned int pairs)
{
	return ndrv_probe_flags(d, t, drop, pairs, 0);
}

int ndrv_probe_flags(struct ndrv *d, struct hyv_pv_transport *t, u64 drop,
		     unsigned int pairs, unsigned int flags)
{
	u32 st = HYV_PV_STATUS_ACKNOWLEDGE | HYV_PV_STATUS_DRIVER;
	struct hyv_pvnet_config cfg;
	u64 offered;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->t = t;
	ndrv_wr(d, HYV_PV_COMMON_STATUS, 0);
	CHECK_EQ(ndrv_rd(d, HYV_PV_COMMON_STATUS), 0);
	CHECK_EQ(ndrv_rd(d, HYV_PV_COMMON_DEVICE_TYPE), HYV_PV_TYPE_NET);
	ndrv_wr(d, HYV_PV_COMMON_STATUS, st);
	ndrv_wr(d, HYV_PV_COMMON_DEVICE_FEATURE_SELECT, 0);
	offered = ndrv_rd(d, HYV_PV_COMMON_DEVICE_FEATURE);
	ndrv_wr(d, HYV_PV_COMMON_DEVICE_FEATURE_SELECT, 1);
	offered |= (u64)ndrv_rd(d, HYV_PV_COMMON_DEVICE_FEATURE) << 32;
	d->features = hyv_pvnet_wanted_features(offered & ~drop) |
		      (1ULL << HYV_PV_F_VERSION_1);
	ndrv_wr(d, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 0);
	ndrv_wr(d, HYV_PV_COMMON_DRIVER_FEATURE, (u32)d->features);
	ndrv_wr(d, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 1);
	ndrv_wr(d, HYV_PV_COMMON_DRIVER_FEATURE, d->features >> 32);
	st |= HYV_PV_STATUS_FEATURES_OK;
	ndrv_wr(d, HYV_PV_COMMON_STATUS, st);
	CHECK(ndrv_rd(d, HYV_PV_COMMON_STATUS) & HYV_PV_STATUS_FEATURES_OK);
	ndrv_read_config(d, &cfg);
	CHECK_EQ(hyv_pvnet_parse_config(&cfg, d->features,
					ndrv_rd(d, HYV_PV_COMMON_NUM_QUEUES),
					&d->lim), 0);
	CHECK(pairs <= d->lim.max_pairs && pairs <= NDRV_MAX_PAIRS);
	for (i = 0; i < pairs; i++) {
		d->pairs = i + 1;
		CHECK_EQ(ndrv_setup_queue(d, 2 * i, &d->rx[i]), 0);
		CHECK_EQ(ndrv_setup_queue(d, 2 * i + 1, &d->tx[i]), 0);
		if (!(flags & NDRV_NO_POST))
			ndrv_rx_post(d->rx[i]);
	}
	hyv_pv_msix_write(d->t, 12, 4, 0);
	ndrv_wr(d, HYV_PV_COMMON_CONFIG_VECTOR, 0);
	if (pairs > 1)
		CHECK_EQ(ndrv_cfg_write(d, 0x0c, pairs), pairs);
	ndrv_wr(d, HYV_PV_COMMON_STATUS, st | HYV_PV_STATUS_DRIVER_OK);
	CHECK(ndrv_rd(d, HYV_PV_COMMON_STATUS) & HYV_PV_STATUS_DRIVER_OK);
	return 0;
}

void ndrv_remove_ring(struct hyv_vq *vq)
{
	void *buf;

	while ((buf = hyv_vq_detach_unused_buf(vq)))
		kshim_free(buf);
	hyv_vq_destroy(vq);
}

void ndrv_remove(struct ndrv *d)
{
	unsigned int i;

	ndrv_wr(d, HYV_PV_COMMON_STATUS, 0);
	for (i = 0; i < d->pairs; i++) {
		ndrv_remove_ring(d->rx[i]);
		ndrv_remove_ring(d->tx[i]);
	}
	d->pairs = 0;
}

bool ndrv_wait_vector(struct ndrv *d, unsigned int v, int ms)
{
	struct pollfd p = { .fd = d->t->irq_fd[v], .events = POLLIN };
	u64 n;

	if (poll(&p, 1, ms) != 1)
		return false;
	return read(p.fd, &n, 8) == 8;
}

unsigned int ndrv_rx_post(struct hyv_vq *vq)
{
	struct scatterlist sg, *sgs[1] = { &sg };
	unsigned int n = 0;
	void *buf;

	while (hyv_vq_num_free(vq)) {
		buf = kshim_alloc(HYV_PVNET_RX_BUF_LEN);
		if (!buf)
			break;
		sg_init_one(&sg, buf, HYV_PVNET_RX_BUF_LEN);
		if (hyv_vq_add_sgs(vq, sgs, 0, 1, buf, GFP_ATOMIC)) {
			kshim_free(buf);
			break;
		}
		n++;
	}
	if (n)
		hyv_vq_kick(vq);
	return n;
}

static void ndrv_rx_drop_rest(struct hyv_vq *vq, struct ndrv_rx_stats *st,
			      unsigned int n)
{
	unsigned int len;
	void *buf;

	while (n--) {
		buf = hyv_vq_get_buf(vq, &len);
		if (!buf) {
			st->missing++;
			return;
		}
		kshim_free(buf);
	}
}

/* As hyv_pvnet_rx_frame(): the same checks in the same order. */
int ndrv_rx_take(struct hyv_vq *vq, struct ndrv_rx_stats *st,
		 u32 max_frame, struct hyv_pvnet_hdr *hdr, u8 *out,
		 unsigned int *flen)
{
	struct hyv_pvnet_rx_pkt pkt;
	enum hyv_pvnet_rx_err err;
	unsigned int len;
	u8 *buf;

	buf = hyv_vq_get_buf(vq, &len);
	if (!buf)
		return 0;
	memset(hdr, 0, sizeof(*hdr));
	if (len >= sizeof(*hdr))
		memcpy(hdr, buf, sizeof(*hdr));
	err = hyv_pvnet_rx_start(&pkt, hdr, len, HYV_PVNET_RX_BUF_LEN);
	if (err) {
		kshim_free(buf);
		goto drop;
	}
	memcpy(out, buf + HYV_PVNET_HDR_SIZE, pkt.frame_len);
	kshim_free(buf);
	while (!hyv_pvnet_rx_whole(&pkt)) {
		unsigned int at = pkt.frame_len;

		buf = hyv_vq_get_buf(vq, &len);
		if (!buf) {
			st->missing++;
			return -1;
		}
		err = hyv_pvnet_rx_add(&pkt, len);
		if (!err && pkt.frame_len <= HYV_PVNET_MAX_FRAME)
			memcpy(out + at, buf, len);
		kshim_free(buf);
		if (err)
			goto drop;
	}
	err = hyv_pvnet_rx_finish(&pkt, hdr->gso_type != HYV_PVNET_GSO_NONE,
				  max_frame);
	if (err) {
		st->err[err]++;
		return -1;
	}
	*flen = pkt.frame_len;
	return 1;
drop:
	st->err[err]++;
	ndrv_rx_drop_rest(vq, st, pkt.num_buffers - pkt.got);
	return -1;
}

int ndrv_tx(struct hyv_vq *vq, const struct hyv_pvnet_hdr *hdr,
	    const u8 *frame, unsigned int len, unsigned int pieces,
	    bool kick)
{
	struct scatterlist sg[8], *sgs[1] = { sg };
	unsigned int total = HYV_PVNET_HDR_SIZE + len, i, at = 0, piece;
	u8 *buf = kshim_alloc(total);
	int ret;

	if (!buf)
		return -ENOMEM;
	if (!pieces || pieces > 8)
		pieces = 1;
	memcpy(buf, hdr, HYV_PVNET_HDR_SIZE);
	memcpy(buf + HYV_PVNET_HDR_SIZE, frame, len);
	/* Pieces of any size: the header may straddle two of them. */
	piece = (total + pieces - 1) / pieces;
	sg_init_table(sg, pieces);
	for (i = 0; i < pieces && at < total; i++) {
		sg_set_buf(&sg[i], buf + at, total - at < piece ? total - at : piece);
		at += sg[i].length;
	}
	sg[i - 1].end = true;
	ret = hyv_vq_add_sgs(vq, sgs, 1, 0, buf, GFP_ATOMIC);
	if (ret) {
		kshim_free(buf);
		return ret;
	}
	if (kick)
		hyv_vq_kick(vq);
	return 0;
}

unsigned int ndrv_tx_reclaim(struct hyv_vq *vq)
{
	unsigned int n = 0, len;
	void *buf;

	while ((buf = hyv_vq_get_buf(vq, &len))) {
		kshim_free(buf);
		n++;
	}
	return n;
}

static long ndrv_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned int ndrv_rx_wait(struct ndrv *d, unsigned int pair, unsigned int n,
			  int ms, void (*fn)(void *ctx,
					     const struct hyv_pvnet_hdr *hdr,
					     const u8 *frame,
					     unsigned int len),
			  void *ctx)
{
	static u8 frame[HYV_PVNET_MAX_FRAME];
	struct hyv_vq *vq = d->rx[pair];
	long end = ndrv_ms() + ms;
	struct hyv_pvnet_hdr hdr;
	unsigned int got = 0, len;
	int ret;

	while (got < n && !hyv_vq_is_broken(vq)) {
		hyv_vq_disable_cb(vq);
		while (got < n && (ret = ndrv_rx_take(vq, &d->st,
						      d->lim.max_mtu + 18, &hdr,
						      frame, &len))) {
			if (ret > 0) {
				got++;
				if (fn)
					fn(ctx, &hdr, frame, len);
			}
		}
		ndrv_rx_post(vq);
		if (got >= n || !hyv_vq_enable_cb(vq))
			continue;
		if (ndrv_ms() >= end ||
		    !ndrv_wait_vector(d, 2 * pair + 1, end - ndrv_ms()))
			break;
	}
	return got;
}

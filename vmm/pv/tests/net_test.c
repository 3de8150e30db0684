// SPDX-License-Identifier: GPL-2.0
/*
 * The PV network path end to end in userspace, a socket pair standing in
 * for each TAP queue: a small driver (net_drv.c: BAR0/MSI-X probe, the
 * guest ring, hyv_pvnet's receive checks) -> doorbell eventfd -> the
 * backend's worker -> writev/readv -> the test at the other end of the
 * socket, and back through the used ring and the vector eventfd.
 * Frames and headers are compared byte for byte; hostile rings and
 * frames from either side must end in counters, never in a crash.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "hyv_pv_net_int.h"
#include "hyv_pv_vring.h"
#include "net_drv.h"
#include "tap.h"

#define F(b)		(1ULL << HYV_PVNET_F_##b)
#define MS		5000

static void *test_map(void *opaque, u64 gpa, u64 len)
{
	return kshim_hva(gpa, len);
}

static const struct hyv_pv_mem test_mem = { .map = test_map };

struct env {
	struct hyv_pv_net *n;
	struct hyv_pv_transport *t;
	struct ndrv d;
	unsigned int pairs;
	int port[NDRV_MAX_PAIRS];	/* the backend's ends */
	int peer[NDRV_MAX_PAIRS];	/* the test's ends ("the host") */
};

struct env_cfg {
	unsigned int pairs;		/* 0: 1 */
	unsigned int mtu;
	unsigned int queue_size;
	u64 drop;			/* features the driver refuses */
	bool no_probe;
};

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state >> 32;
}

static void fill(u8 *p, unsigned int len, u32 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		p[i] = (u8)((i + seed) * 2654435761u >> 11);
}

static int env_open(struct env *e, const struct env_cfg *c)
{
	struct hyv_pv_net_opts o = {
		.queue_pairs = c->pairs ? c->pairs : 1, .mtu = c->mtu,
		.queue_size = c->queue_size, .doorbell_device = 3,
		.mac = { 0x02, 0x68, 0x79, 0x76, 0x00, 0x01 }, .mac_set = true,
	};
	unsigned int i;
	char err[256];
	int sv[2];

	memset(e, 0, sizeof(*e));
	e->pairs = o.queue_pairs;
	for (i = 0; i < e->pairs; i++) {
		CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sv), 0);
		e->port[i] = sv[0];
		e->peer[i] = sv[1];
	}
	o.port_fds = e->port;
	e->n = hyv_pv_net_create(&o, &test_mem, err, sizeof(err));
	if (!e->n) {
		printf("# %s\n", err);
		return 1;
	}
	e->t = hyv_pv_net_transport(e->n);
	if (c->no_probe)
		return 0;
	return ndrv_probe(&e->d, e->t, c->drop, e->pairs);
}

static void env_close(struct env *e)
{
	unsigned int i;

	if (e->d.pairs)
		ndrv_remove(&e->d);
	hyv_pv_net_destroy(e->n);
	for (i = 0; i < e->pairs; i++) {
		close(e->port[i]);
		close(e->peer[i]);
	}
}

/* "The host" sends a frame to the guest: header then frame. */
static int peer_send(struct env *e, unsigned int pair,
		     const struct hyv_pvnet_hdr *hdr, const u8 *frame,
		     unsigned int len)
{
	struct iovec iov[2] = {
		{ (void *)hdr, HYV_PVNET_HDR_SIZE }, { (void *)frame, len },
	};

	return writev(e->peer[pair], iov, 2) == HYV_PVNET_HDR_SIZE + len ?
	       0 : -1;
}

/* What the guest sent, as the host reads it; -1 when nothing came. */
static int peer_recv(struct env *e, unsigned int pair, u8 *buf,
		     unsigned int cap, int ms)
{
	struct pollfd p = { .fd = e->peer[pair], .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(e->peer[pair], buf, cap);
}

static struct hyv_pv_net_stats stats(struct env *e)
{
	struct hyv_pv_net_stats s;

	hyv_pv_net_get_stats(e->n, &s);
	return s;
}

/*
 * Wait until counter @field reaches @want: the worker counts a frame
 * after the host may already have read it.
 */
#define SETTLED(e, field, want) settle(e, offsetof(struct hyv_pv_net_stats, field), want)

static u64 settle(struct env *e, size_t off, u64 want)
{
	struct hyv_pv_net_stats s;
	u64 v = 0;
	int i;

	for (i = 0; i < 5000; i++) {
		s = stats(e);
		memcpy(&v, (u8 *)&s + off, sizeof(v));
		if (v == want)
			break;
		usleep(1000);
	}
	return v;
}

/* Send on @pair, retrying while the ring is full; reclaims as it goes. */
static int guest_send(struct env *e, unsigned int pair,
		      const struct hyv_pvnet_hdr *hdr, const u8 *frame,
		      unsigned int len, unsigned int pieces)
{
	int tries, ret = -ENOSPC;

	for (tries = 0; tries < 1000 && ret == -ENOSPC; tries++) {
		ndrv_tx_reclaim(e->d.tx[pair]);
		ret = ndrv_tx(e->d.tx[pair], hdr, frame, len, pieces, true);
		if (ret == -ENOSPC)
			ndrv_wait_vector(&e->d, 2 * pair + 2, 10);
	}
	return ret;
}

static int test_probe_reads_mac_mtu_pairs_link(void)
{
	struct env_cfg c = { .pairs = 2, .mtu = 9000 };
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	CHECK(e.d.features & F(MRG_RXBUF));
	CHECK(e.d.features & F(GUEST_TSO4) && e.d.features & F(HOST_TSO6));
	CHECK(e.d.lim.mac_valid);
	CHECK_EQ(e.d.lim.mac[0], 0x02);
	CHECK_EQ(e.d.lim.mac[5], 0x01);
	CHECK_EQ(e.d.lim.mtu, 9000);
	CHECK_EQ(e.d.lim.max_pairs, 2);
	CHECK(e.d.lim.link_up);
	CHECK_EQ(ndrv_rd(&e.d, HYV_PV_COMMON_NUM_QUEUES), 4);
	CHECK_EQ(hyv_pv_net_active_pairs(e.n), 2);
	/* The receive offloads in force start as all negotiated ones. */
	CHECK_EQ(ndrv_rd(&e.d, HYV_PV_DEVICE_CFG_OFFSET + 0x10),
		 e.d.features & HYV_PVNET_GUEST_OFFLOADS_MASK);
	env_close(&e);
	return 0;
}

static int test_features_without_mrg_rxbuf_or_deps_are_refused(void)
{
	static const u64 bad[] = {
		F(GUEST_CSUM),			/* no MRG_RXBUF */
		F(MRG_RXBUF) | F(GUEST_TSO4),	/* TSO without its checksum */
		F(MRG_RXBUF) | F(HOST_ECN) | F(CSUM),
	};
	struct env_cfg c = { .no_probe = true };
	struct env e;
	unsigned int i;
	struct ndrv d = {};

	CHECK_EQ(env_open(&e, &c), 0);
	d.t = e.t;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		u64 f = bad[i] | 1ULL << HYV_PV_F_VERSION_1;

		ndrv_wr(&d, HYV_PV_COMMON_STATUS, 0);
		ndrv_wr(&d, HYV_PV_COMMON_STATUS, 3);
		ndrv_wr(&d, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 0);
		ndrv_wr(&d, HYV_PV_COMMON_DRIVER_FEATURE, (u32)f);
		ndrv_wr(&d, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 1);
		ndrv_wr(&d, HYV_PV_COMMON_DRIVER_FEATURE, f >> 32);
		ndrv_wr(&d, HYV_PV_COMMON_STATUS, 3 | HYV_PV_STATUS_FEATURES_OK);
		CHECK(!(ndrv_rd(&d, HYV_PV_COMMON_STATUS) &
			HYV_PV_STATUS_FEATURES_OK));
	}
	env_close(&e);
	return 0;
}

struct rx_expect {
	unsigned int next, bad;
	u32 seed;
	bool check_hdr;
	struct hyv_pvnet_hdr hdr;
};

static void rx_expect_frame(void *ctx, const struct hyv_pvnet_hdr *hdr,
			    const u8 *frame, unsigned int len)
{
	static u8 want[HYV_PVNET_MAX_FRAME];
	struct rx_expect *x = ctx;
	unsigned int want_len;

	/* Frame k of the sequence: length and bytes from k. */
	x->next++;
	want_len = frame[0] | frame[1] << 8;
	fill(want, want_len, x->seed + want_len);
	want[0] = (u8)want_len;
	want[1] = (u8)(want_len >> 8);
	if (len != want_len || memcmp(frame, want, len))
		x->bad++;
	if (x->check_hdr &&
	    (hdr->flags != x->hdr.flags || hdr->gso_type != x->hdr.gso_type ||
	     hdr->gso_size != x->hdr.gso_size ||
	     hdr->csum_start != x->hdr.csum_start ||
	     hdr->csum_offset != x->hdr.csum_offset ||
	     hdr->hdr_len != x->hdr.hdr_len))
		x->bad++;
}

/* A frame whose first two bytes say its length (it is its own check). */
static void make_frame(u8 *f, unsigned int len, u32 seed)
{
	fill(f, len, seed + len);
	f[0] = (u8)len;
	f[1] = (u8)(len >> 8);
}

static int test_frames_byte_exact_both_ways(void)
{
	static u8 frame[2048], got[4096];
	struct hyv_pvnet_hdr hdr = {};
	struct rx_expect x = { .seed = 7 };
	struct env_cfg c = {};
	unsigned int i, len, sent = 0;
	struct env e;
	int n;

	CHECK_EQ(env_open(&e, &c), 0);
	/* Guest -> host: 500 frames, 1..4 descriptors each. */
	for (i = 0; i < 500; i++) {
		len = HYV_PVNET_MIN_FRAME + rnd() % (1514 - 13);
		make_frame(frame, len, 3);
		CHECK_EQ(guest_send(&e, 0, &hdr, frame, len, 1 + i % 4), 0);
		n = peer_recv(&e, 0, got, sizeof(got), MS);
		CHECK_EQ(n, HYV_PVNET_HDR_SIZE + len);
		CHECK(!memcmp(got, &hdr, HYV_PVNET_HDR_SIZE));
		CHECK(!memcmp(got + HYV_PVNET_HDR_SIZE, frame, len));
	}
	/* Host -> guest: 500 frames, received as the driver would. */
	for (i = 0; i < 500; i++) {
		len = HYV_PVNET_MIN_FRAME + rnd() % (1514 - 13);
		make_frame(frame, len, 7);
		CHECK_EQ(peer_send(&e, 0, &hdr, frame, len), 0);
		sent++;
		if (i % 50 == 49) {
			CHECK_EQ(ndrv_rx_wait(&e.d, 0, 50, MS, rx_expect_frame,
					      &x), 50);
		}
	}
	CHECK_EQ(x.next, sent);
	CHECK_EQ(x.bad, 0);
	CHECK_EQ(SETTLED(&e, tx_packets, 500), 500);
	CHECK_EQ(SETTLED(&e, rx_packets, 500), 500);
	CHECK_EQ(stats(&e).tx_bad + stats(&e).rx_dropped, 0);
	env_close(&e);
	return 0;
}

static int test_offload_headers_pass_through(void)
{
	static u8 frame[4000], got[8192];
	struct hyv_pvnet_hdr tx = {
		.flags = HYV_PVNET_HDR_F_NEEDS_CSUM,
		.gso_type = HYV_PVNET_GSO_TCPV4 | HYV_PVNET_GSO_ECN,
		.hdr_len = htole16(54), .gso_size = htole16(1448),
		.csum_start = htole16(34), .csum_offset = htole16(16),
	};
	struct rx_expect x = { .seed = 9, .check_hdr = true };
	struct env_cfg c = {};
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	make_frame(frame, sizeof(frame), 1);
	CHECK_EQ(guest_send(&e, 0, &tx, frame, sizeof(frame), 3), 0);
	CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), MS),
		 HYV_PVNET_HDR_SIZE + sizeof(frame));
	/* The TAP gets exactly the guest's header (num_buffers 0). */
	CHECK(!memcmp(got, &tx, HYV_PVNET_HDR_SIZE));
	CHECK(!memcmp(got + HYV_PVNET_HDR_SIZE, frame, sizeof(frame)));

	/* And the guest exactly the host's, with num_buffers filled in. */
	x.hdr = (struct hyv_pvnet_hdr){
		.flags = HYV_PVNET_HDR_F_NEEDS_CSUM,
		.gso_type = HYV_PVNET_GSO_TCPV6, .hdr_len = htole16(74),
		.gso_size = htole16(1428), .csum_start = htole16(54),
		.csum_offset = htole16(16),
	};
	make_frame(frame, sizeof(frame), 9);
	CHECK_EQ(peer_send(&e, 0, &x.hdr, frame, sizeof(frame)), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 1, MS, rx_expect_frame, &x), 1);
	x.hdr = (struct hyv_pvnet_hdr){ .flags = HYV_PVNET_HDR_F_DATA_VALID };
	make_frame(frame, 60, 9);
	CHECK_EQ(peer_send(&e, 0, &x.hdr, frame, 60), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 1, MS, rx_expect_frame, &x), 1);
	CHECK_EQ(x.bad, 0);
	env_close(&e);
	return 0;
}

struct nbuf_check {
	unsigned int frames, bad;
	unsigned int len;
	u32 seed;
	u16 want_nbuf;
};

static void nbuf_frame(void *ctx, const struct hyv_pvnet_hdr *hdr,
		       const u8 *frame, unsigned int len)
{
	static u8 want[HYV_PVNET_MAX_FRAME];
	struct nbuf_check *k = ctx;

	k->frames++;
	make_frame(want, k->len, k->seed);
	if (len != k->len || memcmp(frame, want, len) ||
	    le16toh(hdr->num_buffers) != k->want_nbuf)
		k->bad++;
}

static int test_mtu_9000_and_64k_frames_use_mergeable_buffers(void)
{
	static u8 frame[HYV_PVNET_MAX_FRAME], got[HYV_PVNET_MAX_FRAME + 64];
	struct hyv_pvnet_hdr gso = {
		.flags = HYV_PVNET_HDR_F_NEEDS_CSUM,
		.gso_type = HYV_PVNET_GSO_TCPV4, .gso_size = htole16(8960),
		.hdr_len = htole16(54), .csum_start = htole16(34),
		.csum_offset = htole16(16),
	};
	struct hyv_pvnet_hdr plain = {};
	struct env_cfg c = { .mtu = 9000 };
	struct nbuf_check k = { .len = 9014, .seed = 4 };
	const unsigned int b = HYV_PVNET_RX_BUF_LEN;
	unsigned int i;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	/* 9014-byte frames: 12 + 9014 bytes fill 5 buffers of 2048. */
	k.want_nbuf = (HYV_PVNET_HDR_SIZE + 9014 + b - 1) / b;
	CHECK_EQ(k.want_nbuf, 5);
	make_frame(frame, 9014, 4);
	for (i = 0; i < 20; i++)
		CHECK_EQ(peer_send(&e, 0, &plain, frame, 9014), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 20, MS, nbuf_frame, &k), 20);
	/* A 64 KiB GSO frame: 33 buffers, the largest a frame may take. */
	k.len = HYV_PVNET_MAX_FRAME;
	k.seed = 5;
	k.want_nbuf = hyv_pvnet_rx_max_buffers(b);
	make_frame(frame, k.len, 5);
	for (i = 0; i < 6; i++)
		CHECK_EQ(peer_send(&e, 0, &gso, frame, k.len), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 6, MS, nbuf_frame, &k), 6);
	CHECK_EQ(k.frames, 26);
	CHECK_EQ(k.bad, 0);
	CHECK_EQ(SETTLED(&e, rx_buffers, 20 * 5 + 6 * 33), 20 * 5 + 6 * 33);
	/* The offload counters: only the GSO frames had a type and NEEDS_CSUM. */
	CHECK_EQ(SETTLED(&e, rx_gso, 6), 6);
	CHECK_EQ(SETTLED(&e, rx_csum, 6), 6);

	/* And the other way: 9014-byte and 64 KiB frames, 8 pieces each. */
	make_frame(frame, 9014, 6);
	CHECK_EQ(guest_send(&e, 0, &plain, frame, 9014, 8), 0);
	CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), MS), 12 + 9014);
	CHECK(!memcmp(got + 12, frame, 9014));
	make_frame(frame, HYV_PVNET_MAX_FRAME, 7);
	CHECK_EQ(guest_send(&e, 0, &gso, frame, HYV_PVNET_MAX_FRAME, 8), 0);
	CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), MS),
		 12 + HYV_PVNET_MAX_FRAME);
	CHECK(!memcmp(got, &gso, 12));
	CHECK(!memcmp(got + 12, frame, HYV_PVNET_MAX_FRAME));
	CHECK_EQ(SETTLED(&e, tx_gso, 1), 1);
	CHECK_EQ(SETTLED(&e, tx_csum, 1), 1);
	CHECK_EQ(SETTLED(&e, tx_packets, 2), 2);
	env_close(&e);
	return 0;
}

/*
 * The host stops reading: the backend's socket fills (EAGAIN), it keeps
 * the frame in hand, the guest's ring fills and add says -ENOSPC (the
 * driver stops its queue). The host reads again: every frame arrives,
 * in order, none dropped, and the guest can add again (wake).
 */
static int test_full_ring_stops_then_wakes_without_loss(void)
{
	static u8 frame[1514], got[2048];
	struct hyv_pvnet_hdr hdr = {};
	struct env_cfg c = { .queue_size = 64 };
	unsigned int sent = 0, recv = 0, i;
	int sndbuf = 4096, n;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	CHECK_EQ(setsockopt(e.port[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
			    sizeof(sndbuf)), 0);
	for (;;) {
		make_frame(frame, 1514, sent);
		n = ndrv_tx(e.d.tx[0], &hdr, frame, 1514, 1, true);
		if (n == -ENOSPC)
			break;
		CHECK_EQ(n, 0);
		sent++;
		CHECK(sent <= 64 + 64);
	}
	CHECK_EQ(sent, 64);
	usleep(100 * 1000);
	/* Most are still in the ring: nothing was dropped to make room. */
	CHECK(ndrv_tx_reclaim(e.d.tx[0]) < 64);
	CHECK_EQ(stats(&e).tx_dropped, 0);
	for (i = 0; i < 200; i++) {
		n = peer_recv(&e, 0, got, sizeof(got), MS);
		CHECK_EQ(n, 12 + 1514);
		make_frame(frame, 1514, recv++);
		CHECK(!memcmp(got + 12, frame, 1514));
		if (sent < 200) {
			make_frame(frame, 1514, sent);
			CHECK_EQ(guest_send(&e, 0, &hdr, frame, 1514, 1), 0);
			sent++;
		}
	}
	CHECK_EQ(recv, 200);
	CHECK_EQ(SETTLED(&e, tx_packets, 200), 200);
	CHECK_EQ(stats(&e).tx_dropped + stats(&e).tx_bad, 0);
	env_close(&e);
	return 0;
}

/* Frames the guest must not send: counted, dropped, the rest flows. */
static int test_bad_frames_from_the_guest_are_dropped_and_counted(void)
{
	static u8 frame[9100], got[16384];
	const struct {
		struct hyv_pvnet_hdr hdr;
		unsigned int len;
	} bad[] = {
		{ { .flags = 0x10 }, 60 },			/* unknown flag */
		{ {}, 13 },					/* runt */
		{ {}, 1519 },					/* > MTU + 18, no GSO */
		{ { .flags = 1, .csum_start = htole16(50),
		    .csum_offset = htole16(16) }, 60 },		/* csum past frame */
		{ { .gso_type = HYV_PVNET_GSO_TCPV4,
		    .gso_size = htole16(1448) }, 3000 },	/* GSO, no csum */
		{ { .flags = 1, .gso_type = 3, .gso_size = htole16(1448),
		    .csum_start = htole16(34), .csum_offset = htole16(6) },
		  3000 },					/* UDP GSO */
		{ { .flags = 1, .gso_type = HYV_PVNET_GSO_TCPV4,
		    .csum_start = htole16(34), .csum_offset = htole16(16) },
		  3000 },					/* gso_size 0 */
	};
	struct hyv_pvnet_hdr ok = {};
	struct env_cfg c = {};
	unsigned int i;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	make_frame(frame, sizeof(frame), 1);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(guest_send(&e, 0, &bad[i].hdr, frame, bad[i].len, 2), 0);
		CHECK_EQ(guest_send(&e, 0, &ok, frame, 100, 1), 0);
		/* Only the good one arrives. */
		CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), MS), 112);
	}
	CHECK_EQ(SETTLED(&e, tx_bad, i), i);
	CHECK_EQ(SETTLED(&e, tx_packets, i), i);
	CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), 50), -1);
	CHECK(!hyv_pv_net_error(e.n));
	env_close(&e);

	/* Offloads the driver did not negotiate are refused too. */
	c.drop = F(CSUM);
	CHECK_EQ(env_open(&e, &c), 0);
	CHECK(!(e.d.features & F(HOST_TSO4)));
	CHECK_EQ(guest_send(&e, 0, &bad[3].hdr, frame, 100, 1), 0);
	CHECK_EQ(guest_send(&e, 0, &ok, frame, 100, 1), 0);
	CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), MS), 112);
	CHECK_EQ(SETTLED(&e, tx_bad, 1), 1);
	env_close(&e);
	return 0;
}

/* Receive chains the device cannot use: returned empty, counted. */
static int test_unusable_receive_chains_come_back_empty(void)
{
	struct scatterlist ro, rw, *sgs[2] = { &ro, &rw };
	u8 *mixed = kshim_alloc(64 + 2048), *small = kshim_alloc(8);
	static u8 frame[100];
	struct hyv_pvnet_hdr hdr = {};
	struct rx_expect x = { .seed = 2 };
	struct env_cfg c = { .no_probe = true };
	unsigned int i;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	CHECK_EQ(ndrv_probe_flags(&e.d, e.t, 0, 1, NDRV_NO_POST), 0);
	/* A chain with a readable part, a chain too small for a header. */
	sg_init_one(&ro, mixed, 64);
	sg_init_one(&rw, mixed + 64, 2048);
	CHECK_EQ(hyv_vq_add_sgs(e.d.rx[0], sgs, 1, 1, mixed, GFP_ATOMIC), 0);
	sg_init_one(&rw, small, 8);
	sgs[0] = &rw;
	CHECK_EQ(hyv_vq_add_sgs(e.d.rx[0], sgs, 0, 1, small, GFP_ATOMIC), 0);
	ndrv_rx_post(e.d.rx[0]);
	for (i = 0; i < 3; i++) {
		make_frame(frame, 60 + i, 2);
		CHECK_EQ(peer_send(&e, 0, &hdr, frame, 60 + i), 0);
	}
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 3, MS, rx_expect_frame, &x), 3);
	CHECK_EQ(x.bad, 0);
	CHECK_EQ(SETTLED(&e, rx_bad_chain, 2), 2);
	/* The driver saw them come back empty and dropped them. */
	CHECK_EQ(e.d.st.err[HYV_PVNET_RX_SHORT], 2);
	env_close(&e);
	return 0;
}

/* A device the test plays, on a ring of the driver's, without a backend. */
struct hostile {
	struct hyv_vq *vq;
	struct hyv_pv_vring dev;
	struct iovec iov[4];
	struct hyv_pv_chain chain;
	struct ndrv_rx_stats st;
	unsigned int filled;
};

static bool hostile_notify(struct hyv_vq *vq)
{
	return true;
}

static int hostile_init(struct hostile *h)
{
	struct hyv_vq_info info = {
		.num = 64, .event_idx = true, .notify = hostile_notify,
		.name = "hostile",
	};
	u64 da, aa, ua;

	memset(h, 0, sizeof(*h));
	h->vq = hyv_vq_create(&info, GFP_KERNEL);
	CHECK(!IS_ERR(h->vq));
	hyv_vq_get_addrs(h->vq, &da, &aa, &ua);
	CHECK_EQ(hyv_pv_vring_init(&h->dev, &test_mem, 64, da, aa, ua, true,
				   false), 0);
	h->chain.iov = h->iov;
	h->chain.iov_max = 4;
	CHECK_EQ(ndrv_rx_post(h->vq), 64);
	return 0;
}

/* Fill the next chain: a header saying @nbuf (first) or zeros, @len used. */
static int hostile_fill(struct hostile *h, bool first, u16 nbuf,
			u32 len)
{
	struct hyv_pvnet_hdr hdr = { .num_buffers = htole16(nbuf) };

	CHECK_EQ(hyv_pv_vring_pop(&h->dev, &h->chain), 1);
	memset(h->iov[0].iov_base, first ? 0x5a : 0, h->iov[0].iov_len);
	if (first)
		memcpy(h->iov[0].iov_base, &hdr, sizeof(hdr));
	hyv_pv_vring_fill(&h->dev, h->filled++, h->chain.head, len);
	return 0;
}

static void hostile_flush(struct hostile *h)
{
	hyv_pv_vring_flush(&h->dev, h->filled);
	h->filled = 0;
}

/* One well-formed frame of 60 bytes: the driver must still take it. */
static int hostile_good(struct hostile *h)
{
	static u8 out[HYV_PVNET_MAX_FRAME];
	struct hyv_pvnet_hdr hdr;
	unsigned int len = 0;

	CHECK_EQ(hostile_fill(h, true, 1, 12 + 60), 0);
	hostile_flush(h);
	CHECK_EQ(ndrv_rx_take(h->vq, &h->st, 1518, &hdr, out, &len), 1);
	CHECK_EQ(len, 60);
	CHECK_EQ(out[0], 0x5a);
	ndrv_rx_post(h->vq);
	return 0;
}

static int hostile_take(struct hostile *h)
{
	static u8 out[HYV_PVNET_MAX_FRAME];
	struct hyv_pvnet_hdr hdr;
	unsigned int len;
	int ret = ndrv_rx_take(h->vq, &h->st, 1518, &hdr, out, &len);

	ndrv_rx_post(h->vq);
	return ret;
}

/*
 * The device lies about lengths and buffer counts: each frame is
 * dropped and counted where the driver counts it, and the next good
 * frame still arrives. An impossible id or used index breaks the ring.
 */
static int test_hostile_device_lengths_and_ids_are_dropped_and_counted(void)
{
	const u32 b = HYV_PVNET_RX_BUF_LEN;
	struct hyv_vq_stats vs;
	struct vring_used *used;
	struct hostile h;
	u64 da, aa, ua;

	CHECK_EQ(hostile_init(&h), 0);
	CHECK_EQ(hostile_good(&h), 0);
	/* Used length past the buffer: the ring says 0, the driver drops. */
	CHECK_EQ(hostile_fill(&h, true, 1, b + 100), 0);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), -1);
	CHECK_EQ(h.st.err[HYV_PVNET_RX_SHORT], 1);
	CHECK_EQ(hostile_good(&h), 0);
	/* num_buffers 0, and more than the largest frame needs. */
	CHECK_EQ(hostile_fill(&h, true, 0, 100), 0);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), -1);
	CHECK_EQ(hostile_fill(&h, true, 40, b), 0);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), -1);
	CHECK_EQ(h.st.err[HYV_PVNET_RX_NUM_BUFFERS], 2);
	CHECK_EQ(hostile_good(&h), 0);
	/* Three buffers announced, two published: missing. */
	CHECK_EQ(hostile_fill(&h, true, 3, b), 0);
	CHECK_EQ(hostile_fill(&h, false, 0, b), 0);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), -1);
	CHECK_EQ(h.st.missing, 1);
	/* The late third looks like a frame with a zero header: dropped. */
	CHECK_EQ(hostile_fill(&h, false, 0, 100), 0);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), -1);
	CHECK_EQ(hostile_good(&h), 0);
	/* A first buffer not filled: both buffers of the frame go. */
	CHECK_EQ(hostile_fill(&h, true, 2, 1000), 0);
	CHECK_EQ(hostile_fill(&h, false, 0, 100), 0);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), -1);
	CHECK_EQ(h.st.err[HYV_PVNET_RX_UNFILLED], 1);
	CHECK_EQ(hostile_good(&h), 0);
	/* 9000 bytes without GSO on a 1500 MTU: too long. */
	CHECK_EQ(hostile_fill(&h, true, 5, b), 0);
	CHECK_EQ(hostile_fill(&h, false, 0, b), 0);
	CHECK_EQ(hostile_fill(&h, false, 0, b), 0);
	CHECK_EQ(hostile_fill(&h, false, 0, b), 0);
	CHECK_EQ(hostile_fill(&h, false, 0, 12 + 9000 - 4 * b), 0);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), -1);
	CHECK_EQ(h.st.err[HYV_PVNET_RX_LONG], 1);
	CHECK_EQ(hostile_good(&h), 0);
	hyv_vq_get_stats(h.vq, &vs);
	CHECK_EQ(vs.bad_len, 1);
	CHECK(!hyv_vq_is_broken(h.vq));

	/* An id that is no chain in flight: the ring is broken for good. */
	CHECK_EQ(hostile_fill(&h, true, 1, 100), 0);
	hyv_vq_get_addrs(h.vq, &da, &aa, &ua);
	used = kshim_hva(ua, 8);
	used->ring[h.dev.used_idx & 63].id = htole32(9999);
	hostile_flush(&h);
	CHECK_EQ(hostile_take(&h), 0);
	CHECK(hyv_vq_is_broken(h.vq));
	ndrv_remove_ring(h.vq);

	/* A used index far ahead of what is in flight: broken too. */
	CHECK_EQ(hostile_init(&h), 0);
	hyv_vq_get_addrs(h.vq, &da, &aa, &ua);
	used = kshim_hva(ua, 8);
	used->idx = htole16(1000);
	CHECK_EQ(hostile_take(&h), 0);
	CHECK(hyv_vq_is_broken(h.vq));
	ndrv_remove_ring(h.vq);
	return 0;
}

static bool wait_needs_reset(struct env *e)
{
	int ms;

	for (ms = 0; ms < MS; ms++) {
		if (ndrv_rd(&e->d, HYV_PV_COMMON_STATUS) &
		    HYV_PV_STATUS_DEVICE_NEEDS_RESET)
			return true;
		usleep(1000);
	}
	return false;
}

/* After a reset and a new probe, frames flow both ways again. */
static int traffic_flows(struct env *e)
{
	static u8 frame[200], got[512];
	struct hyv_pvnet_hdr hdr = {};
	struct rx_expect x = { .seed = 11 };

	make_frame(frame, 200, 11);
	CHECK_EQ(guest_send(e, 0, &hdr, frame, 200, 1), 0);
	CHECK_EQ(peer_recv(e, 0, got, sizeof(got), MS), 212);
	CHECK(!memcmp(got + 12, frame, 200));
	CHECK_EQ(peer_send(e, 0, &hdr, frame, 200), 0);
	CHECK_EQ(ndrv_rx_wait(&e->d, 0, 1, MS, rx_expect_frame, &x), 1);
	CHECK_EQ(x.bad, 0);
	return 0;
}

/*
 * The guest corrupts a ring (an avail index jump on transmit, a buffer
 * outside its memory on receive, a descriptor loop): the backend marks
 * the device broken, says why, signals the config vector, and the VMM
 * (this process) carries on; a reset and a new probe recover.
 */
static int test_hostile_guest_rings_break_the_device_not_the_vmm(void)
{
	struct env_cfg c = { .pairs = 2 };
	struct vring_avail *avail;
	struct vring_desc *desc;
	u64 da, aa, ua, one = 1;
	struct env e;
	int round;

	CHECK_EQ(env_open(&e, &c), 0);
	for (round = 0; round < 3; round++) {
		if (round == 0) {
			/* Transmit: avail index 1000 ahead. */
			hyv_vq_get_addrs(e.d.tx[1], &da, &aa, &ua);
			avail = kshim_hva(aa, 6);
			avail->idx = htole16(1000);
			CHECK_EQ(write(e.t->doorbell_fd[3], &one, 8), 8);
		} else {
			/*
			 * Receive, on a ring with nothing posted: the guest
			 * writes a chain by hand, a buffer outside its RAM or
			 * a descriptor that loops, and rings.
			 */
			hyv_vq_get_addrs(e.d.rx[0], &da, &aa, &ua);
			desc = kshim_hva(da, 16);
			avail = kshim_hva(aa, 6);
			desc->addr = htole64(round == 1 ? 0xdead00000000ULL :
					     kshim_gpa(desc));
			desc->len = htole32(2048);
			desc->flags = htole16(VRING_DESC_F_WRITE |
					      (round == 2 ? VRING_DESC_F_NEXT : 0));
			desc->next = 0;
			avail->ring[0] = 0;
			__atomic_store_n(&avail->idx, htole16(1),
					 __ATOMIC_RELEASE);
			CHECK_EQ(write(e.t->doorbell_fd[0], &one, 8), 8);
		}
		CHECK(wait_needs_reset(&e));
		CHECK(ndrv_wait_vector(&e.d, 0, MS));
		CHECK(hyv_pv_net_error(e.n));
		printf("# reported: %s\n", hyv_pv_net_error(e.n));
		ndrv_remove(&e.d);
		CHECK_EQ(ndrv_rd(&e.d, HYV_PV_COMMON_STATUS), 0);
		CHECK_EQ(ndrv_probe(&e.d, e.t, 0, 2), 0);
		CHECK_EQ(traffic_flows(&e), 0);
		if (round < 2) {
			ndrv_remove(&e.d);
			CHECK_EQ(ndrv_probe_flags(&e.d, e.t, 0, 2, NDRV_NO_POST),
				 0);
		}
	}
	env_close(&e);
	return 0;
}

static void count_frame(void *ctx, const struct hyv_pvnet_hdr *hdr,
			const u8 *frame, unsigned int len)
{
	(*(unsigned int *)ctx)++;
}

/*
 * Two pairs; the driver turns the second off and on with the
 * active_queue_pairs register. Off, the host's frames for it wait (the
 * TAP queue would be detached); bad values are ignored.
 */
static int test_active_queue_pairs_register_switches_pairs(void)
{
	static u8 frame[100], got[256];
	struct hyv_pvnet_hdr hdr = {};
	struct env_cfg c = { .pairs = 2 };
	unsigned int n = 0;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	CHECK_EQ(hyv_pv_net_active_pairs(e.n), 2);
	make_frame(frame, 100, 1);
	CHECK_EQ(peer_send(&e, 1, &hdr, frame, 100), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 1, 1, MS, count_frame, &n), 1);
	CHECK_EQ(guest_send(&e, 1, &hdr, frame, 100, 1), 0);
	CHECK_EQ(peer_recv(&e, 1, got, sizeof(got), MS), 112);

	CHECK_EQ(ndrv_cfg_write(&e.d, 0x0c, 1), 1);
	CHECK_EQ(hyv_pv_net_active_pairs(e.n), 1);
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x0c, 0), 1);	/* ignored */
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x0c, 3), 1);	/* ignored */
	CHECK_EQ(peer_send(&e, 1, &hdr, frame, 100), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 1, 1, 200, count_frame, &n), 0);
	/* Pair 0 is unaffected. */
	CHECK_EQ(peer_send(&e, 0, &hdr, frame, 100), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 1, MS, count_frame, &n), 1);

	CHECK_EQ(ndrv_cfg_write(&e.d, 0x0c, 2), 2);
	CHECK_EQ(ndrv_rx_wait(&e.d, 1, 1, MS, count_frame, &n), 1);
	CHECK_EQ(n, 3);
	env_close(&e);

	/* Without MQ negotiated the register does not move. */
	c.pairs = 2;
	c.no_probe = true;
	CHECK_EQ(env_open(&e, &c), 0);
	CHECK_EQ(ndrv_probe(&e.d, e.t, F(MQ), 1), 0);
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x0c, 2), 1);
	env_close(&e);
	return 0;
}

static int test_link_down_drops_tx_holds_rx_until_up(void)
{
	static u8 frame[100], got[256];
	struct hyv_pvnet_hdr hdr = {};
	struct env_cfg c = {};
	unsigned int n = 0;
	struct env e;
	u32 gen;

	CHECK_EQ(env_open(&e, &c), 0);
	gen = ndrv_rd(&e.d, HYV_PV_COMMON_CONFIG_GENERATION);
	hyv_pv_net_set_link(e.n, false);
	CHECK(ndrv_wait_vector(&e.d, 0, MS));
	CHECK(ndrv_rd(&e.d, HYV_PV_COMMON_CONFIG_GENERATION) != gen);
	/* status is the high half of the word at 0x04. */
	CHECK_EQ(ndrv_rd(&e.d, HYV_PV_DEVICE_CFG_OFFSET + 4) >> 16, 0);
	make_frame(frame, 100, 1);
	CHECK_EQ(guest_send(&e, 0, &hdr, frame, 100, 1), 0);
	CHECK_EQ(SETTLED(&e, tx_dropped, 1), 1);
	CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), 100), -1);
	CHECK_EQ(peer_send(&e, 0, &hdr, frame, 100), 0);
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 1, 200, count_frame, &n), 0);

	hyv_pv_net_set_link(e.n, true);
	CHECK(ndrv_wait_vector(&e.d, 0, MS));
	CHECK_EQ(ndrv_rd(&e.d, HYV_PV_DEVICE_CFG_OFFSET + 4) >> 16,
		 HYV_PVNET_S_LINK_UP);
	CHECK_EQ(ndrv_rx_wait(&e.d, 0, 1, MS, count_frame, &n), 1);
	CHECK_EQ(guest_send(&e, 0, &hdr, frame, 100, 1), 0);
	CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), MS), 112);
	env_close(&e);
	return 0;
}

static int test_guest_offloads_register_takes_consistent_subsets(void)
{
	const u32 csum = 1U << HYV_PVNET_F_GUEST_CSUM;
	const u32 tso4 = 1U << HYV_PVNET_F_GUEST_TSO4;
	const u32 ecn = 1U << HYV_PVNET_F_GUEST_ECN;
	struct env_cfg c = { .no_probe = true };
	u32 all;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	CHECK_EQ(ndrv_probe(&e.d, e.t, F(GUEST_ECN), 1), 0);
	all = e.d.features & HYV_PVNET_GUEST_OFFLOADS_MASK;
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, csum), csum);
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, tso4), csum);	/* TSO, no csum */
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, all | ecn), csum);	/* not negotiated */
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, all | 1), csum);	/* not an offload */
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, all), all);
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, 0), 0);
	CHECK_EQ(traffic_flows(&e), 0);
	env_close(&e);

	/* Without CTRL_GUEST_OFFLOADS it is read-only. */
	CHECK_EQ(env_open(&e, &c), 0);
	CHECK_EQ(ndrv_probe(&e.d, e.t, F(CTRL_GUEST_OFFLOADS), 1), 0);
	all = e.d.features & HYV_PVNET_GUEST_OFFLOADS_MASK;
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, csum), all);
	env_close(&e);
	return 0;
}

struct blaster {
	struct env *e;
	bool stop;
	unsigned long sent, read;
};

/* The host: frames to the guest as fast as the socket takes them. */
static void *blast(void *arg)
{
	struct blaster *b = arg;
	struct hyv_pvnet_hdr hdr = {};
	u8 frame[600], sink[2048];
	int fl = fcntl(b->e->peer[0], F_GETFL);

	fcntl(b->e->peer[0], F_SETFL, fl | O_NONBLOCK);
	make_frame(frame, sizeof(frame), 1);
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		if (!peer_send(b->e, 0, &hdr, frame, sizeof(frame)))
			b->sent++;
		while (read(b->e->peer[0], sink, sizeof(sink)) > 0)
			b->read++;
	}
	fcntl(b->e->peer[0], F_SETFL, fl);
	return NULL;
}

/* Reset and probe again and again while frames pour in both ways. */
static int test_reset_with_traffic_in_flight(void)
{
	static u8 frame[600];
	struct hyv_pvnet_hdr hdr = {};
	struct env_cfg c = {};
	struct blaster b = {};
	unsigned int round, n = 0, i;
	pthread_t th;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	b.e = &e;
	CHECK_EQ(pthread_create(&th, NULL, blast, &b), 0);
	make_frame(frame, sizeof(frame), 3);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 20; i++)
			ndrv_tx(e.d.tx[0], &hdr, frame, sizeof(frame), 2, true);
		ndrv_rx_wait(&e.d, 0, 10 + round, 100, count_frame, &n);
		ndrv_remove(&e.d);
		CHECK_EQ(ndrv_probe(&e.d, e.t, 0, 1), 0);
	}
	__atomic_store_n(&b.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	/* Frames the guest sent before the last reset, still unread. */
	while (recv(e.peer[0], frame, sizeof(frame), MSG_DONTWAIT) > 0)
		;
	printf("# 20 resets: host sent %lu, read %lu; guest took %u\n",
	       b.sent, b.read, n);
	CHECK(n > 0 && b.read > 0);
	CHECK(!hyv_pv_net_error(e.n));
	ndrv_rx_wait(&e.d, 0, 1000, 100, NULL, NULL);
	CHECK_EQ(traffic_flows(&e), 0);
	env_close(&e);
	return 0;
}

/* With event index, doorbells and interrupts come per batch, not per frame. */
static int test_event_index_batches_doorbells_and_interrupts(void)
{
	static u8 frame[1000], got[2048];
	struct hyv_pvnet_hdr hdr = {};
	struct hyv_pv_net_stats s0, s1, s2;
	struct env_cfg c = {};
	unsigned int i, j, n = 0;
	struct env e;

	CHECK_EQ(env_open(&e, &c), 0);
	make_frame(frame, sizeof(frame), 1);
	s0 = stats(&e);
	for (i = 0; i < 1000; i += 50) {
		for (j = 0; j < 50; j++)
			CHECK_EQ(ndrv_tx(e.d.tx[0], &hdr, frame, sizeof(frame),
					 1, false), 0);
		hyv_vq_kick(e.d.tx[0]);
		for (j = 0; j < 50; j++)
			CHECK_EQ(peer_recv(&e, 0, got, sizeof(got), MS),
				 12 + sizeof(frame));
		while (ndrv_tx_reclaim(e.d.tx[0]) ||
		       ndrv_wait_vector(&e.d, 2, 5))
			;
	}
	s1 = stats(&e);
	for (i = 0; i < 1000; i += 100) {
		for (j = 0; j < 100; j++)
			CHECK_EQ(peer_send(&e, 0, &hdr, frame, sizeof(frame)), 0);
		CHECK_EQ(ndrv_rx_wait(&e.d, 0, 100, MS, count_frame, &n), 100);
	}
	s2 = stats(&e);
	printf("# 1000 frames out: %llu doorbells, %llu interrupts (%llu suppressed)\n",
	       (unsigned long long)(s1.doorbells - s0.doorbells),
	       (unsigned long long)(s1.interrupts - s0.interrupts),
	       (unsigned long long)(s1.interrupts_suppressed -
				    s0.interrupts_suppressed));
	printf("# 1000 frames in: %llu doorbells, %llu interrupts (%llu suppressed)\n",
	       (unsigned long long)(s2.doorbells - s1.doorbells),
	       (unsigned long long)(s2.interrupts - s1.interrupts),
	       (unsigned long long)(s2.interrupts_suppressed -
				    s1.interrupts_suppressed));
	CHECK(s1.doorbells - s0.doorbells <= 40);
	CHECK(s1.interrupts - s0.interrupts <= 250);
	CHECK(s2.doorbells - s1.doorbells <= 250);
	CHECK(s2.interrupts - s1.interrupts <= 500);
	env_close(&e);
	return 0;
}

static int test_net_option_strings(void)
{
	static const char * const bad[] = {
		"", "mac=02:00:00:00:00:01", "tap=", "tap=a/b",
		"tap=x,mac=01:00:00:00:00:01", "tap=x,mac=00:00:00:00:00:00",
		"tap=x,mac=02:00:00:00:00", "tap=x,mac=02:00:00:00:00:0g",
		"tap=x,mtu=67", "tap=x,mtu=65536", "tap=x,mtu=1e3",
		"tap=x,queues=0", "tap=x,queues=33", "tap=x,speed=10",
		"tap=x,mtu", "tap=0123456789abcdef",
	};
	struct hyv_pv_net_opts o;
	char err[256];
	unsigned int i;

	CHECK_EQ(hyv_pv_net_parse("tap=tap0", &o, err, sizeof(err)), 0);
	CHECK(!strcmp(o.tap, "tap0") && !o.mac_set && !o.mtu && !o.queue_pairs);
	CHECK_EQ(hyv_pv_net_parse("tap=hyv1,mac=02:AB:cd:00:11:22,mtu=9000,queues=4",
				  &o, err, sizeof(err)), 0);
	CHECK(o.mac_set && o.mac[1] == 0xab && o.mac[2] == 0xcd && o.mac[5] == 0x22);
	CHECK_EQ(o.mtu, 9000);
	CHECK_EQ(o.queue_pairs, 4);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = 0;
		if (hyv_pv_net_parse(bad[i], &o, err, sizeof(err)) != -EINVAL) {
			printf("# accepted '%s'\n", bad[i]);
			return 1;
		}
		CHECK(err[0]);
	}
	/*
	 * A TAP name the kernel would refuse fails before /dev/net/tun is
	 * opened (this test runs in the build host's namespace).
	 */
	{
		struct hyv_pv_net_opts t = { .tap = "hyv-no/such" };

		CHECK(!hyv_pv_net_create(&t, &test_mem, err, sizeof(err)));
		printf("# %s\n", err);
	}
	return 0;
}

static const struct tap_test tests[] = {
	{ "probe_reads_mac_mtu_pairs_link", test_probe_reads_mac_mtu_pairs_link },
	{ "features_without_mrg_rxbuf_or_deps_are_refused",
	  test_features_without_mrg_rxbuf_or_deps_are_refused },
	{ "frames_byte_exact_both_ways", test_frames_byte_exact_both_ways },
	{ "offload_headers_pass_through", test_offload_headers_pass_through },
	{ "mtu_9000_and_64k_frames_use_mergeable_buffers",
	  test_mtu_9000_and_64k_frames_use_mergeable_buffers },
	{ "full_ring_stops_then_wakes_without_loss",
	  test_full_ring_stops_then_wakes_without_loss },
	{ "bad_frames_from_the_guest_are_dropped_and_counted",
	  test_bad_frames_from_the_guest_are_dropped_and_counted },
	{ "unusable_receive_chains_come_back_empty",
	  test_unusable_receive_chains_come_back_empty },
	{ "hostile_device_lengths_and_ids_are_dropped_and_counted",
	  test_hostile_device_lengths_and_ids_are_dropped_and_counted },
	{ "hostile_guest_rings_break_the_device_not_the_vmm",
	  test_hostile_guest_rings_break_the_device_not_the_vmm },
	{ "active_queue_pairs_register_switches_pairs",
	  test_active_queue_pairs_register_switches_pairs },
	{ "link_down_drops_tx_holds_rx_until_up",
	  test_link_down_drops_tx_holds_rx_until_up },
	{ "guest_offloads_register_takes_consistent_subsets",
	  test_guest_offloads_register_takes_consistent_subsets },
	{ "reset_with_traffic_in_flight", test_reset_with_traffic_in_flight },
	{ "event_index_batches_doorbells_and_interrupts",
	  test_event_index_batches_doorbells_and_interrupts },
	{ "net_option_strings", test_net_option_strings },
};

int main(void)
{
	return tap_run(tests, ARRAY_SIZE(tests));
}

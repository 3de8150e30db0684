// SPDX-License-Identifier: GPL-2.0
/*
 * The PV network backend on a real TAP device: the test moves into a
 * network namespace of its own (unshare(CLONE_NEWNET), so nothing of
 * the host's network is touched; every test is skipped when that is not
 * allowed), the backend creates the TAP there with IFF_VNET_HDR |
 * IFF_MULTI_QUEUE, and an AF_PACKET socket on the TAP plays the host's
 * network stack, with PACKET_VNET_HDR to see and give offloads.
 * The guest is the userspace driver of net_drv.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "net_drv.h"
#include "tap.h"

#define TAPNAME		"hyvt0"
#define ETH_TEST	0x88b5		/* IEEE local experimental */
#define MS		5000

static bool netns_ok;

static void *test_map(void *opaque, u64 gpa, u64 len)
{
	return kshim_hva(gpa, len);
}

static const struct hyv_pv_mem test_mem = { .map = test_map };

struct tenv {
	struct hyv_pv_net *n;
	struct hyv_pv_transport *t;
	struct ndrv d;
	int pkt;			/* AF_PACKET, with vnet headers */
	int ifindex;
	u8 guest_mac[6];
};

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (s < 0)
		return -1;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), TAPNAME);
	ret = ioctl(s, req, ifr);
	close(s);
	return ret;
}

static int tap_up(unsigned int mtu)
{
	struct ifreq ifr = {};

	if (mtu) {
		ifr.ifr_mtu = mtu;
		CHECK_EQ(ifreq_ioctl(SIOCSIFMTU, &ifr), 0);
	}
	CHECK_EQ(ifreq_ioctl(SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK_EQ(ifreq_ioctl(SIOCSIFFLAGS, &ifr), 0);
	return 0;
}

static int tenv_open(struct tenv *e, unsigned int mtu, unsigned int pairs)
{
	struct hyv_pv_net_opts o = {
		.tap = TAPNAME, .queue_pairs = 2, .mtu = mtu,
		.mac = { 0x02, 0x68, 0x79, 0x76, 0x00, 0x02 }, .mac_set = true,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1;
	char err[256];

	memset(e, 0, sizeof(*e));
	memcpy(e->guest_mac, o.mac, 6);
	e->n = hyv_pv_net_create(&o, &test_mem, err, sizeof(err));
	if (!e->n) {
		printf("# %s\n", err);
		return 1;
	}
	e->t = hyv_pv_net_transport(e->n);
	CHECK_EQ(tap_up(mtu), 0);
	e->ifindex = if_nametoindex(TAPNAME);
	CHECK(e->ifindex > 0);
	e->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	CHECK(e->pkt >= 0);
	CHECK_EQ(setsockopt(e->pkt, SOL_PACKET, PACKET_VNET_HDR, &one,
			    sizeof(one)), 0);
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = e->ifindex;
	CHECK_EQ(bind(e->pkt, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return ndrv_probe(&e->d, e->t, 0, pairs);
}

static void tenv_close(struct tenv *e)
{
	if (e->d.pairs)
		ndrv_remove(&e->d);
	hyv_pv_net_destroy(e->n);	/* the last fd: the TAP goes */
	close(e->pkt);
}

static void eth_header(u8 *f, const u8 *dst, const u8 *src,
		       u16 type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = type >> 8;
	f[13] = (u8)type;
}

static const u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const u8 host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };

/* A test frame: Ethernet header, then bytes that depend on @seq. */
static void test_frame(u8 *f, unsigned int len, const u8 *dst,
		       const u8 *src, u32 seq)
{
	unsigned int i;

	eth_header(f, dst, src, ETH_TEST);
	for (i = 14; i < len; i++)
		f[i] = (u8)((i + seq) * 2654435761u >> 9);
	memcpy(f + 14, &seq, sizeof(seq));
}

/* The host sends @len bytes with a vnet header (NULL: none offloaded). */
static int host_send(struct tenv *e, const struct virtio_net_hdr *vh,
		     const u8 *frame, unsigned int len, u16 proto)
{
	struct virtio_net_hdr none = {};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_ifindex = e->ifindex,
		.sll_protocol = htons(proto), .sll_halen = 6,
	};
	struct iovec iov[2] = {
		{ (void *)(vh ? vh : &none), sizeof(none) },
		{ (void *)frame, len },
	};
	struct msghdr m = {
		.msg_name = &sll, .msg_namelen = sizeof(sll),
		.msg_iov = iov, .msg_iovlen = 2,
	};

	return sendmsg(e->pkt, &m, 0) == (ssize_t)(sizeof(none) + len) ? 0 : -1;
}

/*
 * The next frame the guest sent of type @proto as the host saw it:
 * its length, -1 when none came in @ms.
 */
static int host_recv(struct tenv *e, struct virtio_net_hdr *vh, u8 *buf,
		     unsigned int cap, u16 proto, int ms)
{
	struct pollfd p = { .fd = e->pkt, .events = POLLIN };
	struct sockaddr_ll from;
	struct iovec iov[2] = { { vh, sizeof(*vh) }, { buf, cap } };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = iov, .msg_iovlen = 2,
	};
	ssize_t n;

	while (poll(&p, 1, ms) == 1) {
		m.msg_namelen = sizeof(from);
		n = recvmsg(e->pkt, &m, 0);
		if (n < (ssize_t)(sizeof(*vh) + 14))
			return -1;
		/* Our own sends show up as outgoing: not the guest's. */
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    (buf[12] << 8 | buf[13]) != proto)
			continue;
		return n - sizeof(*vh);
	}
	return -1;
}

struct grx {
	u16 proto;
	unsigned int n, per_pair[NDRV_MAX_PAIRS];
	struct hyv_pvnet_hdr hdr[8];
	unsigned int len[8];
	u8 *frames[8];
};

static void grx_frame(void *ctx, const struct hyv_pvnet_hdr *hdr,
		      const u8 *frame, unsigned int len)
{
	struct grx *g = ctx;

	if ((frame[12] << 8 | frame[13]) != g->proto)
		return;		/* the host's own chatter */
	if (g->n < 8) {
		g->hdr[g->n] = *hdr;
		g->len[g->n] = len;
		if (g->frames[g->n])
			memcpy(g->frames[g->n], frame, len);
	}
	g->n++;
}

/* Receive on every pair until @want frames of g->proto came. */
static unsigned int guest_recv(struct tenv *e, struct grx *g,
			       unsigned int want, int ms)
{
	unsigned int p, before;
	int waited;

	for (waited = 0; g->n < want && waited < ms; waited += 10) {
		for (p = 0; p < e->d.pairs; p++) {
			before = g->n;
			ndrv_rx_wait(&e->d, p, 64, 5, grx_frame, g);
			g->per_pair[p] += g->n - before;
		}
	}
	return g->n;
}

static int test_tap_frames_byte_exact_both_ways(void)
{
	static u8 frame[1514], got[2048], back[1514];
	struct hyv_pvnet_hdr hdr = {};
	struct virtio_net_hdr vh;
	unsigned int i, len;
	struct tenv e;

	if (!netns_ok)
		return 77;
	CHECK_EQ(tenv_open(&e, 0, 2), 0);
	for (i = 0; i < 200; i++) {
		len = 60 + (i * 37) % (1514 - 59);
		test_frame(frame, len, bcast, e.guest_mac, i);
		while (ndrv_tx_reclaim(e.d.tx[i % 2]))
			;
		CHECK_EQ(ndrv_tx(e.d.tx[i % 2], &hdr, frame, len, 1 + i % 3,
				 true), 0);
		CHECK_EQ(host_recv(&e, &vh, got, sizeof(got), ETH_TEST, MS),
			 (int)len);
		CHECK(!memcmp(got, frame, len));
		CHECK_EQ(vh.flags, 0);
		CHECK_EQ(vh.gso_type, 0);
	}
	for (i = 0; i < 200; i++) {
		struct grx g = { .proto = ETH_TEST, .frames = { back } };

		len = 60 + (i * 53) % (1514 - 59);
		test_frame(frame, len, e.guest_mac, host_mac, i);
		CHECK_EQ(host_send(&e, NULL, frame, len, ETH_TEST), 0);
		CHECK_EQ(guest_recv(&e, &g, 1, MS), 1);
		CHECK_EQ(g.len[0], len);
		CHECK(!memcmp(back, frame, len));
		CHECK_EQ(le16toh(g.hdr[0].num_buffers), 1);
	}
	tenv_close(&e);
	return 0;
}

/* An IPv4/TCP frame of @len bytes (headers valid, payload arbitrary). */
static void tcp4_frame(u8 *f, unsigned int len, const u8 *dst,
		       const u8 *src, u16 sport)
{
	unsigned int i;

	eth_header(f, dst, src, ETH_P_IP);
	memset(f + 14, 0, 40);
	f[14] = 0x45;				/* IPv4, 20 bytes */
	f[16] = (len - 14) >> 8;
	f[17] = (u8)(len - 14);
	f[22] = 64;				/* TTL */
	f[23] = 6;				/* TCP */
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[34] = sport >> 8;
	f[35] = (u8)sport;
	f[37] = 80;
	f[46] = 5 << 4;				/* data offset 5 */
	f[47] = 0x18;				/* PSH ACK */
	f[48] = 0xff;				/* window */
	for (i = 54; i < len; i++)
		f[i] = (u8)(i * 7);
}

/*
 * Offloads through a real TAP: a GSO frame from the guest reaches the
 * host's stack as one GSO skb with the same header; a GSO frame from the
 * host reaches the guest whole (TUNSETOFFLOAD follows the guest's
 * features), or segmented once the guest turns its GSO off.
 */
static int test_tap_offloads_pass_through(void)
{
	static u8 frame[4054], got[8192];
	const struct hyv_pvnet_hdr gso = {
		.flags = HYV_PVNET_HDR_F_NEEDS_CSUM,
		.gso_type = HYV_PVNET_GSO_TCPV4, .hdr_len = htole16(54),
		.gso_size = htole16(1448), .csum_start = htole16(34),
		.csum_offset = htole16(16),
	};
	struct virtio_net_hdr vh;
	const u32 csum_only = 1U << HYV_PVNET_F_GUEST_CSUM;
	struct grx g = { .proto = ETH_P_IP };
	unsigned int i;
	struct tenv e;

	if (!netns_ok)
		return 77;
	CHECK_EQ(tenv_open(&e, 0, 1), 0);
	tcp4_frame(frame, sizeof(frame), host_mac, e.guest_mac, 1000);
	CHECK_EQ(ndrv_tx(e.d.tx[0], &gso, frame, sizeof(frame), 2, true), 0);
	CHECK_EQ(host_recv(&e, &vh, got, sizeof(got), ETH_P_IP, MS),
		 (int)sizeof(frame));
	CHECK(!memcmp(got, frame, sizeof(frame)));
	CHECK_EQ(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(vh.gso_size, 1448);
	CHECK_EQ(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM,
		 VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(vh.csum_start, 34);
	CHECK_EQ(vh.csum_offset, 16);

	/* Host to guest, the guest taking GSO: one frame, two buffers. */
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1448;
	vh.hdr_len = 54;
	vh.csum_start = 34;
	vh.csum_offset = 16;
	tcp4_frame(frame, sizeof(frame), e.guest_mac, host_mac, 2000);
	CHECK_EQ(host_send(&e, &vh, frame, sizeof(frame), ETH_P_IP), 0);
	CHECK_EQ(guest_recv(&e, &g, 1, MS), 1);
	CHECK_EQ(g.len[0], sizeof(frame));
	CHECK_EQ(g.hdr[0].gso_type, HYV_PVNET_GSO_TCPV4);
	CHECK_EQ(le16toh(g.hdr[0].gso_size), 1448);
	CHECK_EQ(le16toh(g.hdr[0].num_buffers), 2);

	/* GRO_HW off in the guest: the host segments, checksums stay partial. */
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x10, csum_only), csum_only);
	memset(&g, 0, sizeof(g));
	g.proto = ETH_P_IP;
	CHECK_EQ(host_send(&e, &vh, frame, sizeof(frame), ETH_P_IP), 0);
	CHECK_EQ(guest_recv(&e, &g, 3, MS), 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(g.hdr[i].gso_type, HYV_PVNET_GSO_NONE);
		CHECK(g.len[i] <= 1514);
		CHECK(g.hdr[i].flags & HYV_PVNET_HDR_F_NEEDS_CSUM);
	}
	CHECK_EQ(g.len[0] + g.len[1] + g.len[2] - 2 * 54, sizeof(frame));
	tenv_close(&e);
	return 0;
}

/*
 * One TAP queue per pair, attached only while the pair is active: with
 * one pair every flow lands on it; with two, the TAP spreads 64 flows
 * over both.
 */
static int test_tap_queues_follow_active_pairs(void)
{
	static u8 frame[200];
	unsigned int i, round;
	struct grx g;
	struct tenv e;

	if (!netns_ok)
		return 77;
	CHECK_EQ(tenv_open(&e, 0, 2), 0);
	CHECK_EQ(ndrv_cfg_write(&e.d, 0x0c, 1), 1);
	for (round = 0; round < 2; round++) {
		memset(&g, 0, sizeof(g));
		g.proto = ETH_P_IP;
		for (i = 0; i < 64; i++) {
			tcp4_frame(frame, sizeof(frame), e.guest_mac, host_mac,
				   1024 + i * 977);
			CHECK_EQ(host_send(&e, NULL, frame, sizeof(frame),
					   ETH_P_IP), 0);
		}
		CHECK_EQ(guest_recv(&e, &g, 64, MS), 64);
		printf("# %u active pair(s): %u + %u frames\n", round + 1,
		       g.per_pair[0], g.per_pair[1]);
		if (round == 0) {
			CHECK_EQ(g.per_pair[1], 0);
			CHECK_EQ(ndrv_cfg_write(&e.d, 0x0c, 2), 2);
		} else {
			CHECK(g.per_pair[0] > 0 && g.per_pair[1] > 0);
		}
	}
	tenv_close(&e);
	return 0;
}

static int test_tap_mtu_9000_frames_both_ways(void)
{
	static u8 frame[9014], got[9100], back[9014];
	struct hyv_pvnet_hdr hdr = {};
	struct virtio_net_hdr vh;
	struct grx g = { .proto = ETH_TEST, .frames = { back } };
	struct tenv e;

	if (!netns_ok)
		return 77;
	CHECK_EQ(tenv_open(&e, 9000, 1), 0);
	CHECK_EQ(e.d.lim.mtu, 9000);
	test_frame(frame, sizeof(frame), bcast, e.guest_mac, 1);
	CHECK_EQ(ndrv_tx(e.d.tx[0], &hdr, frame, sizeof(frame), 5, true), 0);
	CHECK_EQ(host_recv(&e, &vh, got, sizeof(got), ETH_TEST, MS),
		 (int)sizeof(frame));
	CHECK(!memcmp(got, frame, sizeof(frame)));
	test_frame(frame, sizeof(frame), e.guest_mac, host_mac, 2);
	CHECK_EQ(host_send(&e, NULL, frame, sizeof(frame), ETH_TEST), 0);
	CHECK_EQ(guest_recv(&e, &g, 1, MS), 1);
	CHECK_EQ(g.len[0], sizeof(frame));
	CHECK(!memcmp(back, frame, sizeof(frame)));
	CHECK_EQ(le16toh(g.hdr[0].num_buffers), 5);
	tenv_close(&e);
	return 0;
}

static const struct tap_test tests[] = {
	{ "tap_frames_byte_exact_both_ways",
	  test_tap_frames_byte_exact_both_ways },
	{ "tap_offloads_pass_through", test_tap_offloads_pass_through },
	{ "tap_queues_follow_active_pairs",
	  test_tap_queues_follow_active_pairs },
	{ "tap_mtu_9000_frames_both_ways", test_tap_mtu_9000_frames_both_ways },
};

/* Quiet the namespace: no IPv6 chatter on the TAP when it comes up. */
static void netns_quiet(void)
{
	static const char * const knobs[] = {
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		fd = open(knobs[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) != 1)
			printf("# %s: not written\n", knobs[i]);
		close(fd);
	}
}

int main(void)
{
	/* Everything below happens in a network namespace of our own. */
	if (unshare(CLONE_NEWNET)) {
		printf("# no private network namespace (%s): skipping\n",
		       strerror(errno));
	} else if (access("/dev/net/tun", R_OK | W_OK)) {
		printf("# no /dev/net/tun: skipping\n");
	} else {
		netns_ok = true;
		netns_quiet();
	}
	return tap_run(tests, ARRAY_SIZE(tests));
}

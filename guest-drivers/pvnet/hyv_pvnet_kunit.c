// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of hyv_pvnet's pure logic: the per-packet header to and
 * from an skb's offloads (hyv_pvnet_hdr.c), the accounting of received
 * frames over mergeable buffers and bad lengths, the device registers
 * to limits and the features asked for (hyv_pvnet_logic.c), and real
 * frames built from page-fragment buffers into skbs (hyv_pvnet_skb.c).
 */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "hyv_pvnet_hdr.h"
#include "hyv_pvnet_logic.h"
#include "hyv_pvnet_skb.h"

MODULE_IMPORT_NS(HYV_PVNET_TEST);

#define F(b)		BIT_ULL(HYV_PVNET_F_##b)
#define ALL_RX		(F(GUEST_CSUM) | F(GUEST_TSO4) | F(GUEST_TSO6) | \
			 F(GUEST_ECN))
#define ALL_TX		(F(CSUM) | F(HOST_TSO4) | F(HOST_TSO6) | F(HOST_ECN))
#define HEADROOM	64
#define L4_V4		(ETH_HLEN + sizeof(struct iphdr))
#define L4_V6		(ETH_HLEN + sizeof(struct ipv6hdr))
#define TCP_CSUM	offsetof(struct tcphdr, check)

/* An Ethernet + IPv4/IPv6 + TCP frame with @payload bytes of data. */
static struct sk_buff *hyv_test_frame(struct kunit *test, bool v6,
				      unsigned int payload)
{
	unsigned int l4 = v6 ? L4_V6 : L4_V4;
	unsigned int len = l4 + sizeof(struct tcphdr) + payload;
	struct sk_buff *skb = alloc_skb(HEADROOM + len, GFP_KERNEL);
	struct ethhdr *eth;
	struct tcphdr *th;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, HEADROOM);
	memset(skb_put(skb, len), 0, len);
	eth = (struct ethhdr *)skb->data;
	eth->h_proto = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		ip6->version = 6;
		ip6->nexthdr = IPPROTO_TCP;
		ip6->payload_len = htons(sizeof(*th) + payload);
	} else {
		struct iphdr *ip = (void *)(eth + 1);

		ip->version = 4;
		ip->ihl = 5;
		ip->protocol = IPPROTO_TCP;
		ip->tot_len = htons(len - ETH_HLEN);
	}
	th = (void *)skb->data + l4;
	th->doff = sizeof(*th) / 4;
	return skb;
}

struct hyv_rx_hdr_case {
	const char *name;
	bool v6;
	unsigned int payload;
	u64 features;
	u8 flags, gso_type;
	u16 gso_size, csum_start, csum_offset;
	int ret;
	u8 ip_summed;
	u16 want_gso_size;
	unsigned int want_gso_type;
};

static const struct hyv_rx_hdr_case hyv_rx_hdr_cases[] = {
	{ "plain", false, 100, ALL_RX, 0, 0, 0, 0, 0, 0, CHECKSUM_NONE },
	{ "data_valid", false, 100, ALL_RX, HYV_PVNET_HDR_F_DATA_VALID, 0, 0,
	  0, 0, 0, CHECKSUM_UNNECESSARY },
	{ "data_valid_ignored_without_guest_csum", false, 100, 0,
	  HYV_PVNET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0, CHECKSUM_NONE },
	{ "needs_csum", false, 100, ALL_RX, HYV_PVNET_HDR_F_NEEDS_CSUM, 0, 0,
	  L4_V4, TCP_CSUM, 0, CHECKSUM_PARTIAL },
	{ "needs_csum_without_guest_csum", false, 100, 0,
	  HYV_PVNET_HDR_F_NEEDS_CSUM, 0, 0, L4_V4, TCP_CSUM, -EINVAL },
	{ "csum_field_ends_the_frame", false, 100, ALL_RX,
	  HYV_PVNET_HDR_F_NEEDS_CSUM, 0, 0, L4_V4 + 102, TCP_CSUM, 0,
	  CHECKSUM_PARTIAL },
	{ "csum_field_past_frame", false, 100, ALL_RX,
	  HYV_PVNET_HDR_F_NEEDS_CSUM, 0, 0, L4_V4 + 103, TCP_CSUM, -EINVAL },
	{ "csum_start_past_u16", false, 100, ALL_RX,
	  HYV_PVNET_HDR_F_NEEDS_CSUM, 0, 0, 0xfff0, 0x20, -EINVAL },
	{ "unknown_flag", false, 100, ALL_RX, 4, 0, 0, 0, 0, -EINVAL },
	{ "tso4", false, 3000, ALL_RX, HYV_PVNET_HDR_F_NEEDS_CSUM,
	  HYV_PVNET_GSO_TCPV4, 1448, L4_V4, TCP_CSUM, 0, CHECKSUM_PARTIAL,
	  1448, SKB_GSO_TCPV4 | SKB_GSO_DODGY },
	{ "tso6", true, 9000, ALL_RX, HYV_PVNET_HDR_F_NEEDS_CSUM,
	  HYV_PVNET_GSO_TCPV6, 1428, L4_V6, TCP_CSUM, 0, CHECKSUM_PARTIAL,
	  1428, SKB_GSO_TCPV6 | SKB_GSO_DODGY },
	{ "tso4_ecn", false, 3000, ALL_RX, HYV_PVNET_HDR_F_NEEDS_CSUM,
	  HYV_PVNET_GSO_TCPV4 | HYV_PVNET_GSO_ECN, 1448, L4_V4, TCP_CSUM, 0,
	  CHECKSUM_PARTIAL, 1448,
	  SKB_GSO_TCPV4 | SKB_GSO_TCP_ECN | SKB_GSO_DODGY },
	{ "tso4_without_feature", false, 3000, F(GUEST_CSUM) | F(GUEST_TSO6),
	  HYV_PVNET_HDR_F_NEEDS_CSUM, HYV_PVNET_GSO_TCPV4, 1448, L4_V4,
	  TCP_CSUM, -EINVAL },
	{ "ecn_without_feature", false, 3000, F(GUEST_CSUM) | F(GUEST_TSO4),
	  HYV_PVNET_HDR_F_NEEDS_CSUM, HYV_PVNET_GSO_TCPV4 | HYV_PVNET_GSO_ECN,
	  1448, L4_V4, TCP_CSUM, -EINVAL },
	{ "tso4_on_an_ipv6_frame", true, 3000, ALL_RX,
	  HYV_PVNET_HDR_F_NEEDS_CSUM, HYV_PVNET_GSO_TCPV4, 1448, L4_V6,
	  TCP_CSUM, -EINVAL },
	{ "gso_without_needs_csum", false, 3000, ALL_RX,
	  HYV_PVNET_HDR_F_DATA_VALID, HYV_PVNET_GSO_TCPV4, 1448, 0, 0,
	  -EINVAL },
	{ "gso_size_zero", false, 3000, ALL_RX, HYV_PVNET_HDR_F_NEEDS_CSUM,
	  HYV_PVNET_GSO_TCPV4, 0, L4_V4, TCP_CSUM, -EINVAL },
	{ "gso_size_tiny", false, 3000, ALL_RX, HYV_PVNET_HDR_F_NEEDS_CSUM,
	  HYV_PVNET_GSO_TCPV4, 1, L4_V4, TCP_CSUM, -EINVAL },
	{ "gso_udp_type", false, 3000, ALL_RX, HYV_PVNET_HDR_F_NEEDS_CSUM, 3,
	  1448, L4_V4, 6, -EINVAL },
	{ "gso_csum_not_at_tcp_check", false, 3000, ALL_RX,
	  HYV_PVNET_HDR_F_NEEDS_CSUM, HYV_PVNET_GSO_TCPV4, 1448, L4_V4, 6,
	  -EINVAL },
	{ "gso_of_one_segment_is_plain", false, 100, ALL_RX,
	  HYV_PVNET_HDR_F_NEEDS_CSUM, HYV_PVNET_GSO_TCPV4, 1448, L4_V4,
	  TCP_CSUM, 0, CHECKSUM_PARTIAL, 0, 0 },
};

static void hyv_rx_hdr_desc(const struct hyv_rx_hdr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hyv_rx_hdr, hyv_rx_hdr_cases, hyv_rx_hdr_desc);

static void hyv_pvnet_hdr_to_skb_test(struct kunit *test)
{
	const struct hyv_rx_hdr_case *c = test->param_value;
	struct sk_buff *skb = hyv_test_frame(test, c->v6, c->payload);
	struct hyv_pvnet_hdr hdr = {
		.flags = c->flags, .gso_type = c->gso_type,
		.gso_size = cpu_to_le16(c->gso_size),
		.csum_start = cpu_to_le16(c->csum_start),
		.csum_offset = cpu_to_le16(c->csum_offset),
		.num_buffers = cpu_to_le16(1),
	};
	int ret = hyv_pvnet_hdr_to_skb(skb, &hdr, c->features);

	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!ret) {
		KUNIT_EXPECT_EQ(test, (u8)skb->ip_summed, c->ip_summed);
		KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, c->want_gso_size);
		KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_type, c->want_gso_type);
		if (c->ip_summed == CHECKSUM_PARTIAL) {
			KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(skb),
					(int)c->csum_start);
			KUNIT_EXPECT_EQ(test, skb->csum_offset, c->csum_offset);
		}
	}
	kfree_skb(skb);
}

/* Offloads as the stack hands them to start_xmit, and what we write. */
static void hyv_pvnet_hdr_from_skb_test(struct kunit *test)
{
	struct sk_buff *skb = hyv_test_frame(test, false, 4000);
	struct hyv_pvnet_hdr hdr;

	memset(&hdr, 0xee, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, ALL_TX), 0);
	KUNIT_EXPECT_EQ(test, hdr.flags, 0);
	KUNIT_EXPECT_EQ(test, hdr.gso_type, HYV_PVNET_GSO_NONE);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(hdr.num_buffers), 0);

	KUNIT_ASSERT_TRUE(test, skb_partial_csum_set(skb, L4_V4, TCP_CSUM));
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, ALL_TX), 0);
	KUNIT_EXPECT_EQ(test, hdr.flags, HYV_PVNET_HDR_F_NEEDS_CSUM);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(hdr.csum_start), L4_V4);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(hdr.csum_offset), TCP_CSUM);
	/* A partial checksum the device was not offered. */
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, 0), -EINVAL);

	skb_shinfo(skb)->gso_size = 1448;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, ALL_TX), 0);
	KUNIT_EXPECT_EQ(test, hdr.gso_type, HYV_PVNET_GSO_TCPV4);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(hdr.gso_size), 1448);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(hdr.hdr_len), skb_headlen(skb));
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, F(CSUM)),
			-EINVAL);

	skb_shinfo(skb)->gso_type |= SKB_GSO_TCP_ECN;
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, ALL_TX), 0);
	KUNIT_EXPECT_EQ(test, hdr.gso_type,
			HYV_PVNET_GSO_TCPV4 | HYV_PVNET_GSO_ECN);
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr,
						     F(CSUM) | F(HOST_TSO4)),
			-EINVAL);

	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV6;
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr,
						     F(CSUM) | F(HOST_TSO4)),
			-EINVAL);
	skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, ALL_TX),
			-EINVAL);
	/* GSO needs a partial checksum. */
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_from_skb(skb, &hdr, ALL_TX),
			-EINVAL);
	skb_shinfo(skb)->gso_size = 0;
	skb_shinfo(skb)->gso_type = 0;
	kfree_skb(skb);
}

/* A frame of @n buffers of @lens used bytes, checked as the poll does. */
static enum hyv_pvnet_rx_err hyv_test_rx(const u32 *lens, unsigned int n,
					 u16 num_buffers, bool gso,
					 u32 max_frame, u32 *frame_len)
{
	struct hyv_pvnet_hdr hdr = { .num_buffers = cpu_to_le16(num_buffers) };
	struct hyv_pvnet_rx_pkt pkt;
	enum hyv_pvnet_rx_err err;
	unsigned int i;

	err = hyv_pvnet_rx_start(&pkt, &hdr, lens[0], HYV_PVNET_RX_BUF_LEN);
	for (i = 1; !err && i < n; i++)
		err = hyv_pvnet_rx_add(&pkt, lens[i]);
	if (!err && !hyv_pvnet_rx_whole(&pkt))
		return HYV_PVNET_RX_NUM_BUFFERS;
	if (!err)
		err = hyv_pvnet_rx_finish(&pkt, gso, max_frame);
	*frame_len = pkt.frame_len;
	return err;
}

static void hyv_pvnet_rx_accounting_test(struct kunit *test)
{
	const u32 B = HYV_PVNET_RX_BUF_LEN;
	const u32 mtu1500[] = { 12 + 1514 };
	const u32 mtu9000[] = { B, B, B, B, 12 + 9014 - 4 * B };
	const u32 gso64k[32] = { [0 ... 30] = B, [31] = 12 + 65000 - 31 * B };
	const u32 unfilled[] = { B - 1, 100 };
	const u32 middle_short[] = { B, 100, 100 };
	const u32 zero_len[] = { B, 0 };
	const u32 too_long[] = { B + 1 };
	const u32 no_header[] = { 11 };
	const u32 runt[] = { 12 + 13 };
	u32 len = 0;

	KUNIT_EXPECT_EQ(test, hyv_test_rx(mtu1500, 1, 1, false, 1518, &len),
			HYV_PVNET_RX_OK);
	KUNIT_EXPECT_EQ(test, len, 1514U);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(mtu9000, 5, 5, false, 9018, &len),
			HYV_PVNET_RX_OK);
	KUNIT_EXPECT_EQ(test, len, 9014U);
	/* The same frame is too long for an MTU of 1500, unless GSO. */
	KUNIT_EXPECT_EQ(test, hyv_test_rx(mtu9000, 5, 5, false, 1518, &len),
			HYV_PVNET_RX_LONG);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(mtu9000, 5, 5, true, 1518, &len),
			HYV_PVNET_RX_OK);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(gso64k, 32, 32, true, 1518, &len),
			HYV_PVNET_RX_OK);
	KUNIT_EXPECT_EQ(test, len, 65000U);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(mtu1500, 1, 0, false, 1518, &len),
			HYV_PVNET_RX_NUM_BUFFERS);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(mtu1500, 1, 34, false, 1518, &len),
			HYV_PVNET_RX_NUM_BUFFERS);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(unfilled, 2, 2, false, 9018, &len),
			HYV_PVNET_RX_UNFILLED);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(middle_short, 3, 3, false, 9018, &len),
			HYV_PVNET_RX_UNFILLED);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(zero_len, 2, 2, false, 9018, &len),
			HYV_PVNET_RX_SHORT);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(too_long, 1, 1, false, 9018, &len),
			HYV_PVNET_RX_LONG);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(no_header, 1, 1, false, 1518, &len),
			HYV_PVNET_RX_SHORT);
	KUNIT_EXPECT_EQ(test, hyv_test_rx(runt, 1, 1, false, 1518, &len),
			HYV_PVNET_RX_SHORT);
	/* One buffer more than the header said. */
	KUNIT_EXPECT_EQ(test, hyv_test_rx(mtu9000, 5, 4, false, 9018, &len),
			HYV_PVNET_RX_NUM_BUFFERS);
	KUNIT_EXPECT_EQ(test, hyv_pvnet_rx_max_buffers(2048), 33U);
	KUNIT_EXPECT_EQ(test, hyv_pvnet_rx_max_buffers(4096), 17U);
	KUNIT_EXPECT_EQ(test, hyv_pvnet_rx_max_buffers(0), 0U);
}

static void hyv_pvnet_rx_add_past_num_buffers_test(struct kunit *test)
{
	struct hyv_pvnet_hdr hdr = { .num_buffers = cpu_to_le16(1) };
	struct hyv_pvnet_rx_pkt pkt;

	KUNIT_ASSERT_EQ(test, hyv_pvnet_rx_start(&pkt, &hdr, 100,
						 HYV_PVNET_RX_BUF_LEN),
			HYV_PVNET_RX_OK);
	KUNIT_EXPECT_TRUE(test, hyv_pvnet_rx_whole(&pkt));
	KUNIT_EXPECT_EQ(test, hyv_pvnet_rx_add(&pkt, 100),
			HYV_PVNET_RX_NUM_BUFFERS);
}

static void hyv_pvnet_parse_config_test(struct kunit *test)
{
	const u64 all = F(MAC) | F(MTU) | F(MQ) | F(STATUS);
	struct hyv_pvnet_config cfg = {
		.mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 },
		.status = cpu_to_le16(HYV_PVNET_S_LINK_UP),
		.max_queue_pairs = cpu_to_le16(4),
		.mtu = cpu_to_le16(9000),
	};
	struct hyv_pvnet_limits lim;

	KUNIT_ASSERT_EQ(test, hyv_pvnet_parse_config(&cfg, all, 8, &lim), 0);
	KUNIT_EXPECT_TRUE(test, lim.mac_valid);
	KUNIT_EXPECT_EQ(test, lim.mac[5], 0x55);
	KUNIT_EXPECT_EQ(test, lim.mtu, 9000);
	KUNIT_EXPECT_EQ(test, lim.max_mtu, 9000);
	KUNIT_EXPECT_EQ(test, lim.max_pairs, 4);
	KUNIT_EXPECT_TRUE(test, lim.link_up);

	/* Clamped to the queues there are; link down. */
	cfg.max_queue_pairs = cpu_to_le16(100);
	cfg.status = 0;
	KUNIT_ASSERT_EQ(test, hyv_pvnet_parse_config(&cfg, all, 6, &lim), 0);
	KUNIT_EXPECT_EQ(test, lim.max_pairs, 3);
	KUNIT_EXPECT_FALSE(test, lim.link_up);
	cfg.max_queue_pairs = 0;
	KUNIT_ASSERT_EQ(test, hyv_pvnet_parse_config(&cfg, all, 6, &lim), 0);
	KUNIT_EXPECT_EQ(test, lim.max_pairs, 1);

	/* A multicast or zero MAC, an MTU below 68: as if not offered. */
	cfg.mac[0] = 0x01;
	cfg.mtu = cpu_to_le16(10);
	KUNIT_ASSERT_EQ(test, hyv_pvnet_parse_config(&cfg, all, 6, &lim), 0);
	KUNIT_EXPECT_FALSE(test, lim.mac_valid);
	KUNIT_EXPECT_EQ(test, lim.mtu, 1500);
	KUNIT_EXPECT_EQ(test, lim.max_mtu, HYV_PVNET_MAX_MTU);
	memset(cfg.mac, 0, sizeof(cfg.mac));
	KUNIT_ASSERT_EQ(test, hyv_pvnet_parse_config(&cfg, all, 6, &lim), 0);
	KUNIT_EXPECT_FALSE(test, lim.mac_valid);

	/* Without the features the registers mean nothing. */
	cfg.mac[0] = 0x02;
	cfg.mtu = cpu_to_le16(9000);
	cfg.max_queue_pairs = cpu_to_le16(3);
	KUNIT_ASSERT_EQ(test, hyv_pvnet_parse_config(&cfg, 0, 6, &lim), 0);
	KUNIT_EXPECT_FALSE(test, lim.mac_valid);
	KUNIT_EXPECT_EQ(test, lim.mtu, 1500);
	KUNIT_EXPECT_EQ(test, lim.max_pairs, 1);
	KUNIT_EXPECT_TRUE(test, lim.link_up);

	KUNIT_EXPECT_EQ(test, hyv_pvnet_parse_config(&cfg, all, 1, &lim),
			-EINVAL);
}

static void hyv_pvnet_wanted_features_test(struct kunit *test)
{
	const u64 ring = BIT_ULL(HYV_PV_F_RING_EVENT_IDX) |
			 BIT_ULL(HYV_PV_F_RING_INDIRECT_DESC);
	const u64 all = ALL_RX | ALL_TX | F(MRG_RXBUF) | F(MQ) | F(MAC) |
			F(MTU) | F(STATUS) | F(CTRL_GUEST_OFFLOADS) | ring;

	KUNIT_EXPECT_EQ(test, hyv_pvnet_wanted_features(all), all);
	/* Unknown bits are not acknowledged. */
	KUNIT_EXPECT_EQ(test, hyv_pvnet_wanted_features(all | BIT_ULL(20) |
							BIT_ULL(40)), all);
	/* Segmentation needs the checksum offload it builds on. */
	KUNIT_EXPECT_EQ(test, hyv_pvnet_wanted_features(all & ~F(GUEST_CSUM)),
			all & ~ALL_RX);
	KUNIT_EXPECT_EQ(test, hyv_pvnet_wanted_features(all & ~F(CSUM)),
			all & ~ALL_TX);
	KUNIT_EXPECT_EQ(test, hyv_pvnet_wanted_features(all & ~F(HOST_TSO4) &
							~F(HOST_TSO6)),
			all & ~F(HOST_TSO4) & ~F(HOST_TSO6) & ~F(HOST_ECN));
}

static void hyv_pvnet_tx_room_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, hyv_pvnet_tx_has_room(19, 17));
	KUNIT_EXPECT_FALSE(test, hyv_pvnet_tx_has_room(18, 17));
	KUNIT_EXPECT_FALSE(test, hyv_pvnet_tx_has_room(0, 17));
}

static const unsigned int hyv_skb_sizes[] = { 60, 300, 1514, 9014, 65554 };

static void hyv_skb_size_desc(const unsigned int *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "frame_of_%u_bytes", *size);
}

KUNIT_ARRAY_PARAM(hyv_skb, hyv_skb_sizes, hyv_skb_size_desc);

static int hyv_test_poll(struct napi_struct *napi, int budget)
{
	return 0;
}

/*
 * A TCP/IPv4 frame of @flen bytes written, after its header, across
 * mergeable buffers as the device fills them, then built into an skb:
 * the bytes read back equal, the headers are in the head, a 64 KiB
 * frame spills onto the frag_list, and freeing it returns every page
 * (a wrong reference count would show as a bad page state).
 */
static void hyv_pvnet_skb_build_test(struct kunit *test)
{
	const unsigned int flen = *(const unsigned int *)test->param_value;
	const unsigned int b = HYV_PVNET_RX_BUF_LEN;
	unsigned int total = HYV_PVNET_HDR_SIZE + flen, nbuf, i, at;
	struct hyv_pvnet_hdr hdr = {
		.flags = HYV_PVNET_HDR_F_NEEDS_CSUM,
		.csum_start = cpu_to_le16(L4_V4),
		.csum_offset = cpu_to_le16(TCP_CSUM),
	};
	struct sk_buff *frame, *skb, *curr;
	struct napi_struct *napi;
	struct net_device *dev;
	u8 *want, *got, *bufs[40];

	nbuf = DIV_ROUND_UP(total, b);
	KUNIT_ASSERT_LE(test, nbuf, (unsigned int)ARRAY_SIZE(bufs));
	dev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	napi = kunit_kzalloc(test, sizeof(*napi), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, napi);
	netif_napi_add(dev, napi, hyv_test_poll);
	frame = hyv_test_frame(test, false, flen - L4_V4 - sizeof(struct tcphdr));
	want = frame->data;
	for (i = L4_V4 + sizeof(struct tcphdr); i < flen; i++)
		want[i] = (u8)(i * 131 + 7);
	got = kunit_kzalloc(test, flen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);

	/* The device's writes: header, then the frame, buffer by buffer. */
	for (i = 0, at = 0; i < nbuf; i++) {
		unsigned int room = b, off = 0;

		bufs[i] = netdev_alloc_frag(b);
		KUNIT_ASSERT_NOT_NULL(test, bufs[i]);
		if (!i) {
			memcpy(bufs[i], &hdr, sizeof(hdr));
			off = HYV_PVNET_HDR_SIZE;
			room = b - HYV_PVNET_HDR_SIZE;
		}
		room = min(room, flen - at);
		memcpy(bufs[i] + off, want + at, room);
		at += room;
	}

	local_bh_disable();
	skb = hyv_pvnet_skb_first(napi, bufs[0], min(total, b));
	KUNIT_ASSERT_NOT_NULL(test, skb);
	curr = skb;
	for (i = 1; i < nbuf; i++) {
		bool added = hyv_pvnet_skb_add_frag(skb, &curr, bufs[i], 0,
						    min(b, total - i * b));

		KUNIT_EXPECT_TRUE(test, added);
	}
	local_bh_enable();

	KUNIT_EXPECT_EQ(test, skb->len, flen);
	KUNIT_EXPECT_PTR_EQ(test, skb->dev, dev);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, got, flen), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got, want, flen), 0);
	if (flen <= HYV_PVNET_RX_COPY) {
		KUNIT_EXPECT_EQ(test, skb_headlen(skb), flen);
	} else {
		/* Exactly the Ethernet, IPv4 and TCP headers. */
		KUNIT_EXPECT_EQ(test, skb_headlen(skb),
				L4_V4 + sizeof(struct tcphdr));
	}
	KUNIT_EXPECT_EQ(test, skb_has_frag_list(skb),
			nbuf > MAX_SKB_FRAGS + 1);
	/* A partial checksum whose field sits in the head: accepted. */
	KUNIT_EXPECT_EQ(test, hyv_pvnet_hdr_to_skb(skb, &hdr, ALL_RX), 0);
	KUNIT_EXPECT_EQ(test, (u8)skb->ip_summed, CHECKSUM_PARTIAL);
	kfree_skb(skb);
	kfree_skb(frame);
	netif_napi_del(napi);
	free_netdev(dev);
}

static struct kunit_case hyv_pvnet_cases[] = {
	KUNIT_CASE_PARAM(hyv_pvnet_hdr_to_skb_test, hyv_rx_hdr_gen_params),
	KUNIT_CASE(hyv_pvnet_hdr_from_skb_test),
	KUNIT_CASE(hyv_pvnet_rx_accounting_test),
	KUNIT_CASE(hyv_pvnet_rx_add_past_num_buffers_test),
	KUNIT_CASE(hyv_pvnet_parse_config_test),
	KUNIT_CASE(hyv_pvnet_wanted_features_test),
	KUNIT_CASE(hyv_pvnet_tx_room_test),
	KUNIT_CASE_PARAM(hyv_pvnet_skb_build_test, hyv_skb_gen_params),
	{}
};

static struct kunit_suite hyv_pvnet_suite = {
	.name = "hyv_pvnet",
	.test_cases = hyv_pvnet_cases,
};

kunit_test_suite(hyv_pvnet_suite);

MODULE_DESCRIPTION("KUnit tests of hyv_pvnet's header, buffer and register logic");
MODULE_LICENSE("GPL");

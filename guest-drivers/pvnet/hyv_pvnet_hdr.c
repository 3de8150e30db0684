// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvnet's header <-> skb offload translation. Receive: a partial
 * checksum becomes CHECKSUM_PARTIAL (checked to lie inside the frame),
 * DATA_VALID becomes CHECKSUM_UNNECESSARY, a TCP GSO type becomes a
 * DODGY GSO skb (the stack re-checks its headers before segmenting), all
 * only as far as the negotiated features allow. Transmit: the reverse,
 * for what the netdev features let the stack hand us. Context: any.
 */
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#include <uapi/linux/virtio_net.h>

#include "hyv_pvnet_hdr.h"

/* The header is virtio's, value for value: TAP passes it through. */
static_assert(sizeof(struct hyv_pvnet_hdr) == sizeof(struct virtio_net_hdr_v1));
static_assert(offsetof(struct hyv_pvnet_hdr, num_buffers) ==
	      offsetof(struct virtio_net_hdr_v1, num_buffers));
static_assert(HYV_PVNET_HDR_F_NEEDS_CSUM == VIRTIO_NET_HDR_F_NEEDS_CSUM);
static_assert(HYV_PVNET_HDR_F_DATA_VALID == VIRTIO_NET_HDR_F_DATA_VALID);
static_assert(HYV_PVNET_GSO_TCPV4 == VIRTIO_NET_HDR_GSO_TCPV4);
static_assert(HYV_PVNET_GSO_TCPV6 == VIRTIO_NET_HDR_GSO_TCPV6);
static_assert(HYV_PVNET_GSO_ECN == VIRTIO_NET_HDR_GSO_ECN);

static bool hyv_has(u64 features, unsigned int bit)
{
	return features & BIT_ULL(bit);
}

/* The frame's network protocol, past one VLAN tag; 0 if unreadable. */
static __be16 hyv_pvnet_frame_proto(struct sk_buff *skb)
{
	const struct vlan_ethhdr *veth;

	if (!pskb_may_pull(skb, ETH_HLEN))
		return 0;
	veth = (const struct vlan_ethhdr *)skb->data;
	if (!eth_type_vlan(veth->h_vlan_proto))
		return veth->h_vlan_proto;
	if (!pskb_may_pull(skb, VLAN_ETH_HLEN))
		return 0;
	return ((const struct vlan_ethhdr *)skb->data)->h_vlan_encapsulated_proto;
}

static int hyv_pvnet_gso_to_skb(struct sk_buff *skb,
				const struct hyv_pvnet_hdr *hdr, u64 features)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);
	u16 gso_size = le16_to_cpu(hdr->gso_size);
	unsigned int type, payload_off;
	__be16 proto;

	switch (hdr->gso_type & ~HYV_PVNET_GSO_ECN) {
	case HYV_PVNET_GSO_TCPV4:
		if (!hyv_has(features, HYV_PVNET_F_GUEST_TSO4))
			return -EINVAL;
		type = SKB_GSO_TCPV4;
		proto = htons(ETH_P_IP);
		break;
	case HYV_PVNET_GSO_TCPV6:
		if (!hyv_has(features, HYV_PVNET_F_GUEST_TSO6))
			return -EINVAL;
		type = SKB_GSO_TCPV6;
		proto = htons(ETH_P_IPV6);
		break;
	default:
		return -EINVAL;
	}
	if (hdr->gso_type & HYV_PVNET_GSO_ECN) {
		if (!hyv_has(features, HYV_PVNET_F_GUEST_ECN))
			return -EINVAL;
		type |= SKB_GSO_TCP_ECN;
	}
	/* Segments always carry a partial TCP checksum. */
	if (skb->ip_summed != CHECKSUM_PARTIAL ||
	    skb->csum_offset != offsetof(struct tcphdr, check) ||
	    gso_size < TCP_MIN_GSO_SIZE || gso_size == GSO_BY_FRAGS ||
	    hyv_pvnet_frame_proto(skb) != proto)
		return -EINVAL;
	payload_off = skb_checksum_start_offset(skb) + sizeof(struct tcphdr);
	if (!pskb_may_pull(skb, payload_off))
		return -EINVAL;
	/* One segment's worth or less is not GSO: leave it plain. */
	if (skb->len - payload_off <= gso_size)
		return 0;
	shinfo->gso_size = gso_size;
	shinfo->gso_type = type | SKB_GSO_DODGY;
	shinfo->gso_segs = 0;
	return 0;
}

/**
 * hyv_pvnet_hdr_to_skb - apply a received header to its frame
 * @skb: the frame, data at its Ethernet header (before eth_type_trans)
 * @hdr: the device's header (a copy)
 * @features: the negotiated features
 *
 * Return: 0, or -EINVAL when the header asks for what was not
 * negotiated or does not fit the frame (the caller drops the frame).
 */
int hyv_pvnet_hdr_to_skb(struct sk_buff *skb, const struct hyv_pvnet_hdr *hdr,
			 u64 features)
{
	bool gso = hdr->gso_type != HYV_PVNET_GSO_NONE;

	if (hdr->flags & ~(HYV_PVNET_HDR_F_NEEDS_CSUM |
			   HYV_PVNET_HDR_F_DATA_VALID))
		return -EINVAL;
	skb_reset_mac_header(skb);
	if (hdr->flags & HYV_PVNET_HDR_F_NEEDS_CSUM) {
		u32 start = le16_to_cpu(hdr->csum_start);
		u32 off = le16_to_cpu(hdr->csum_offset);
		u32 need = start + max_t(u32, off + sizeof(__sum16),
					 gso ? sizeof(struct tcphdr) : 0);

		if (!hyv_has(features, HYV_PVNET_F_GUEST_CSUM) ||
		    need > skb->len || !pskb_may_pull(skb, need) ||
		    !skb_partial_csum_set(skb, start, off))
			return -EINVAL;
	} else if ((hdr->flags & HYV_PVNET_HDR_F_DATA_VALID) &&
		   hyv_has(features, HYV_PVNET_F_GUEST_CSUM)) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	return gso ? hyv_pvnet_gso_to_skb(skb, hdr, features) : 0;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_hdr_to_skb, HYV_PVNET_TEST);

/**
 * hyv_pvnet_hdr_from_skb - the header for a frame to transmit
 * @skb: the frame
 * @hdr: filled in (all of it: no stale bytes reach the device)
 * @features: the negotiated features
 *
 * Return: 0, or -EINVAL for an offload the device did not offer (the
 * caller resolves the checksum itself or drops the frame).
 */
int hyv_pvnet_hdr_from_skb(const struct sk_buff *skb,
			   struct hyv_pvnet_hdr *hdr, u64 features)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	const unsigned int known = SKB_GSO_TCPV4 | SKB_GSO_TCPV6 |
				   SKB_GSO_TCP_ECN | SKB_GSO_DODGY;

	memset(hdr, 0, sizeof(*hdr));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		if (!hyv_has(features, HYV_PVNET_F_CSUM))
			return -EINVAL;
		hdr->flags = HYV_PVNET_HDR_F_NEEDS_CSUM;
		hdr->csum_start = cpu_to_le16(skb_checksum_start_offset(skb));
		hdr->csum_offset = cpu_to_le16(skb->csum_offset);
	}
	if (!skb_is_gso(skb))
		return 0;
	if (!hdr->flags || (shinfo->gso_type & ~known))
		return -EINVAL;
	if ((shinfo->gso_type & SKB_GSO_TCPV4) &&
	    hyv_has(features, HYV_PVNET_F_HOST_TSO4))
		hdr->gso_type = HYV_PVNET_GSO_TCPV4;
	else if ((shinfo->gso_type & SKB_GSO_TCPV6) &&
		 hyv_has(features, HYV_PVNET_F_HOST_TSO6))
		hdr->gso_type = HYV_PVNET_GSO_TCPV6;
	else
		return -EINVAL;
	if (shinfo->gso_type & SKB_GSO_TCP_ECN) {
		if (!hyv_has(features, HYV_PVNET_F_HOST_ECN))
			return -EINVAL;
		hdr->gso_type |= HYV_PVNET_GSO_ECN;
	}
	hdr->gso_size = cpu_to_le16(shinfo->gso_size);
	hdr->hdr_len = cpu_to_le16(skb_headlen(skb));
	return 0;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_hdr_from_skb, HYV_PVNET_TEST);

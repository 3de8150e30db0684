/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-packet header of hyv_pvnet (struct hyv_pvnet_hdr, the layout of
 * virtio_net_hdr_v1) to and from an skb's offload state: checksum
 * offload both ways, TCP segmentation (TSO out, GSO/LRO in). The device
 * is not trusted: what it says is checked against the negotiated
 * features and the frame before the skb believes it.
 */
#ifndef HYV_PVNET_HDR_H
#define HYV_PVNET_HDR_H

#include <linux/skbuff.h>
#include <linux/hyv_pv.h>

int hyv_pvnet_hdr_to_skb(struct sk_buff *skb, const struct hyv_pvnet_hdr *hdr,
			 u64 features);
int hyv_pvnet_hdr_from_skb(const struct sk_buff *skb,
			   struct hyv_pvnet_hdr *hdr, u64 features);

#endif /* HYV_PVNET_HDR_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building the skb of a received frame from hyv_pvnet's mergeable
 * buffers: the first buffer's headers copied into the skb head, every
 * other byte attached as a page fragment, and past MAX_SKB_FRAGS
 * fragments further skbs on the frag_list. Apart from the driver so
 * that hyv_pvnet_kunit.ko builds real frames with it.
 */
#ifndef HYV_PVNET_SKB_H
#define HYV_PVNET_SKB_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>

/* Bytes of a received frame copied into the skb's head at most. */
#define HYV_PVNET_RX_COPY	256

struct sk_buff *hyv_pvnet_skb_first(struct napi_struct *napi, void *buf,
				    unsigned int len);
bool hyv_pvnet_skb_add_frag(struct sk_buff *head, struct sk_buff **curr,
			    void *buf, unsigned int off, unsigned int len);

#endif /* HYV_PVNET_SKB_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvnet's receive skbs: a frame of one or more HYV_PVNET_RX_BUF_LEN
 * buffers (page fragments, the 12-byte header at the start of the first)
 * becomes one skb. Small frames are copied whole and their buffer freed;
 * larger ones keep their payload in the buffers, which the skb then owns
 * (one page reference each). Context: NAPI (softirq), or BH disabled.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/hyv_pv.h>

#include "hyv_pvnet_logic.h"
#include "hyv_pvnet_skb.h"

/**
 * hyv_pvnet_skb_add_frag - attach bytes of a buffer to a frame
 * @head: the frame's skb
 * @curr: the skb taking fragments now (@head, or the last on frag_list)
 * @buf: the buffer (its page reference passes to the skb on success)
 * @off: where the bytes start in @buf
 * @len: how many
 *
 * Return: false when no skb could be had for the frag_list (the caller
 * still owns @buf and drops the frame).
 */
bool hyv_pvnet_skb_add_frag(struct sk_buff *head, struct sk_buff **curr,
			    void *buf, unsigned int off, unsigned int len)
{
	struct page *page = virt_to_head_page(buf);
	unsigned int offset = buf + off - page_address(page);
	struct sk_buff *nskb;

	/* Out of fragments (a 64 KiB frame): chain an skb on frag_list. */
	if (skb_shinfo(*curr)->nr_frags == MAX_SKB_FRAGS) {
		nskb = alloc_skb(0, GFP_ATOMIC);
		if (!nskb)
			return false;
		if (*curr == head)
			skb_shinfo(head)->frag_list = nskb;
		else
			(*curr)->next = nskb;
		*curr = nskb;
		head->truesize += nskb->truesize;
	}
	skb_add_rx_frag(*curr, skb_shinfo(*curr)->nr_frags, page, offset, len,
			HYV_PVNET_RX_BUF_LEN);
	if (*curr != head) {
		head->data_len += len;
		head->len += len;
		head->truesize += HYV_PVNET_RX_BUF_LEN;
	}
	return true;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_skb_add_frag, HYV_PVNET_TEST);

/**
 * hyv_pvnet_skb_first - the skb of a frame's first buffer
 * @napi: the receive queue's NAPI (its device names the skb's)
 * @buf: the buffer, header first
 * @len: its used length, at least HYV_PVNET_HDR_SIZE
 *
 * Headers (as far as the flow dissector finds them, at least an
 * Ethernet header) go to the skb head, the rest stays in @buf as a
 * fragment. Return: the skb, which owns @buf; or NULL (no memory, the
 * caller still owns @buf).
 */
struct sk_buff *hyv_pvnet_skb_first(struct napi_struct *napi, void *buf,
				    unsigned int len)
{
	unsigned int flen = len - HYV_PVNET_HDR_SIZE, copy = flen;
	u8 *data = buf + HYV_PVNET_HDR_SIZE;
	struct sk_buff *skb, *curr;

	skb = napi_alloc_skb(napi, HYV_PVNET_RX_COPY);
	if (!skb)
		return NULL;
	if (flen > HYV_PVNET_RX_COPY)
		copy = max_t(unsigned int, ETH_HLEN,
			     eth_get_headlen(napi->dev, data,
					     HYV_PVNET_RX_COPY));
	skb_put_data(skb, data, copy);
	curr = skb;
	if (copy < flen)
		hyv_pvnet_skb_add_frag(skb, &curr, buf,
				       HYV_PVNET_HDR_SIZE + copy, flen - copy);
	else
		skb_free_frag(buf);
	return skb;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_skb_first, HYV_PVNET_TEST);

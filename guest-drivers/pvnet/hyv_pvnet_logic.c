// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvnet's checks without a device: which features to ask for, the
 * device registers to limits (nothing taken unchecked), and whether the
 * used lengths and num_buffers of a received frame are possible. The
 * rule the device follows (docs/pv-abi.md): a frame fills its buffers in
 * order, every one but the last completely, and num_buffers says how
 * many. Context: any; no allocation.
 */
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/types.h>

#include "hyv_pvnet_logic.h"

#define HYV_BIT(b)	(1ULL << (b))

/* What the driver can use of what the device offers, dependencies met. */
u64 hyv_pvnet_wanted_features(u64 offered)
{
	const u64 guest_tso = HYV_BIT(HYV_PVNET_F_GUEST_TSO4) |
			      HYV_BIT(HYV_PVNET_F_GUEST_TSO6);
	const u64 host_tso = HYV_BIT(HYV_PVNET_F_HOST_TSO4) |
			     HYV_BIT(HYV_PVNET_F_HOST_TSO6);
	u64 f = offered & (HYV_BIT(HYV_PVNET_F_CSUM) |
			   HYV_BIT(HYV_PVNET_F_GUEST_CSUM) |
			   HYV_BIT(HYV_PVNET_F_CTRL_GUEST_OFFLOADS) |
			   HYV_BIT(HYV_PVNET_F_MTU) | HYV_BIT(HYV_PVNET_F_MAC) |
			   guest_tso | HYV_BIT(HYV_PVNET_F_GUEST_ECN) |
			   host_tso | HYV_BIT(HYV_PVNET_F_HOST_ECN) |
			   HYV_BIT(HYV_PVNET_F_MRG_RXBUF) |
			   HYV_BIT(HYV_PVNET_F_STATUS) |
			   HYV_BIT(HYV_PVNET_F_MQ) |
			   HYV_BIT(HYV_PV_F_RING_INDIRECT_DESC) |
			   HYV_BIT(HYV_PV_F_RING_EVENT_IDX));

	if (!(f & HYV_BIT(HYV_PVNET_F_GUEST_CSUM)))
		f &= ~guest_tso;
	if (!(f & guest_tso))
		f &= ~HYV_BIT(HYV_PVNET_F_GUEST_ECN);
	if (!(f & HYV_BIT(HYV_PVNET_F_CSUM)))
		f &= ~host_tso;
	if (!(f & host_tso))
		f &= ~HYV_BIT(HYV_PVNET_F_HOST_ECN);
	return f;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_wanted_features, HYV_PVNET_TEST);

/**
 * hyv_pvnet_parse_config - validate the device's registers
 * @cfg: the registers as read (little-endian)
 * @features: the negotiated features
 * @num_queues: the device's NUM_QUEUES
 * @lim: filled in
 *
 * Return: 0, or -EINVAL when the device has not even one queue pair.
 * A MAC that is multicast or zero, or an MTU out of range, is ignored
 * (as if the feature were absent); max_queue_pairs is clamped to what
 * the queues allow.
 */
int hyv_pvnet_parse_config(const struct hyv_pvnet_config *cfg, u64 features,
			   unsigned int num_queues,
			   struct hyv_pvnet_limits *lim)
{
	unsigned int pairs = num_queues / 2, mtu, i;
	bool zero = true;

	memset(lim, 0, sizeof(*lim));
	if (!pairs)
		return -EINVAL;
	if (pairs > HYV_PVNET_MAX_QUEUE_PAIRS)
		pairs = HYV_PVNET_MAX_QUEUE_PAIRS;

	for (i = 0; i < sizeof(lim->mac); i++) {
		lim->mac[i] = cfg->mac[i];
		zero &= !cfg->mac[i];
	}
	lim->mac_valid = (features & HYV_BIT(HYV_PVNET_F_MAC)) && !zero &&
			 !(cfg->mac[0] & 1);

	lim->mtu = 1500;
	lim->max_mtu = HYV_PVNET_MAX_MTU;
	mtu = le16_to_cpu(cfg->mtu);
	/* The device's MTU is where the interface starts, and its limit. */
	if ((features & HYV_BIT(HYV_PVNET_F_MTU)) &&
	    mtu >= HYV_PVNET_MIN_MTU) {
		lim->max_mtu = mtu;
		lim->mtu = mtu;
	}

	lim->max_pairs = 1;
	if (features & HYV_BIT(HYV_PVNET_F_MQ)) {
		unsigned int max = le16_to_cpu(cfg->max_queue_pairs);

		lim->max_pairs = max < 1 ? 1 : max > pairs ? pairs : max;
	}
	lim->link_up = !(features & HYV_BIT(HYV_PVNET_F_STATUS)) ||
		       (le16_to_cpu(cfg->status) & HYV_PVNET_S_LINK_UP);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_parse_config, HYV_PVNET_TEST);

/* Buffers the largest frame (and its header) fills. */
unsigned int hyv_pvnet_rx_max_buffers(u32 buf_len)
{
	if (!buf_len)
		return 0;
	return (HYV_PVNET_HDR_SIZE + HYV_PVNET_MAX_FRAME + buf_len - 1) /
	       buf_len;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_rx_max_buffers, HYV_PVNET_TEST);

/**
 * hyv_pvnet_rx_start - check a frame's first buffer
 * @pkt: filled in
 * @hdr: the header the device wrote at the start of the buffer
 * @len: the used length the ring returned (0 when the ring found it
 *	 longer than the buffer)
 * @buf_len: the buffer's size
 */
enum hyv_pvnet_rx_err hyv_pvnet_rx_start(struct hyv_pvnet_rx_pkt *pkt,
					 const struct hyv_pvnet_hdr *hdr,
					 u32 len, u32 buf_len)
{
	unsigned int nb;

	pkt->buf_len = buf_len;
	pkt->num_buffers = 1;
	pkt->got = 1;
	pkt->frame_len = 0;
	if (len < HYV_PVNET_HDR_SIZE)
		return HYV_PVNET_RX_SHORT;
	if (len > buf_len)
		return HYV_PVNET_RX_LONG;
	nb = le16_to_cpu(hdr->num_buffers);
	if (!nb || nb > hyv_pvnet_rx_max_buffers(buf_len))
		return HYV_PVNET_RX_NUM_BUFFERS;
	pkt->num_buffers = nb;
	if (nb > 1 && len != buf_len)
		return HYV_PVNET_RX_UNFILLED;
	pkt->frame_len = len - HYV_PVNET_HDR_SIZE;
	return HYV_PVNET_RX_OK;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_rx_start, HYV_PVNET_TEST);

/* Check the next buffer of the frame (@len bytes used). */
enum hyv_pvnet_rx_err hyv_pvnet_rx_add(struct hyv_pvnet_rx_pkt *pkt, u32 len)
{
	if (pkt->got >= pkt->num_buffers)
		return HYV_PVNET_RX_NUM_BUFFERS;
	pkt->got++;
	if (!len)
		return HYV_PVNET_RX_SHORT;
	if (len > pkt->buf_len)
		return HYV_PVNET_RX_LONG;
	if (pkt->got < pkt->num_buffers && len != pkt->buf_len)
		return HYV_PVNET_RX_UNFILLED;
	pkt->frame_len += len;
	return HYV_PVNET_RX_OK;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_rx_add, HYV_PVNET_TEST);

/*
 * The whole frame is in: at least an Ethernet header, at most
 * @max_frame bytes (the largest MTU plus 18) or, for GSO, 64 KiB + 18.
 */
enum hyv_pvnet_rx_err hyv_pvnet_rx_finish(const struct hyv_pvnet_rx_pkt *pkt,
					  bool gso, u32 max_frame)
{
	if (pkt->frame_len < HYV_PVNET_MIN_FRAME)
		return HYV_PVNET_RX_SHORT;
	if (pkt->frame_len > (gso ? HYV_PVNET_MAX_FRAME : max_frame))
		return HYV_PVNET_RX_LONG;
	return HYV_PVNET_RX_OK;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_rx_finish, HYV_PVNET_TEST);

/*
 * May the transmit queue take another frame? Without an indirect table
 * (a failed allocation) a frame takes its fragments, the linear part
 * and the header in the ring.
 */
bool hyv_pvnet_tx_has_room(unsigned int num_free, unsigned int max_frags)
{
	return num_free >= max_frags + 2;
}
EXPORT_SYMBOL_NS_GPL(hyv_pvnet_tx_has_room, HYV_PVNET_TEST);

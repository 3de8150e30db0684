/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure logic of hyv_pvnet, with no device and no skb: the device
 * registers turned into checked limits, the features the driver asks
 * for, and the accounting of a received frame across mergeable buffers
 * (which used lengths and buffer counts are acceptable). Kept apart so
 * that hyv_pvnet_kunit.ko tests it and vmm/pv/tests/ builds it
 * unchanged in userspace against the device half.
 */
#ifndef HYV_PVNET_LOGIC_H
#define HYV_PVNET_LOGIC_H

#include <linux/types.h>
#include <linux/hyv_pv.h>

/* Every receive buffer: one descriptor of this many bytes. */
#define HYV_PVNET_RX_BUF_LEN	2048

/* The device registers after validation (docs/pv-abi.md ranges). */
struct hyv_pvnet_limits {
	u8 mac[6];
	bool mac_valid;			/* else the driver picks a random one */
	u16 mtu;			/* the MTU to start with */
	u16 max_mtu;			/* the largest the driver allows */
	u16 max_pairs;			/* queue pairs the device has */
	bool link_up;
};

/* Why a received frame is dropped. */
enum hyv_pvnet_rx_err {
	HYV_PVNET_RX_OK,
	HYV_PVNET_RX_SHORT,		/* shorter than a header or a frame */
	HYV_PVNET_RX_LONG,		/* a buffer or the frame too long */
	HYV_PVNET_RX_UNFILLED,		/* a buffer not the last, not full */
	HYV_PVNET_RX_NUM_BUFFERS,	/* 0, or more than the largest frame needs */
};

/* A frame being taken buffer by buffer. */
struct hyv_pvnet_rx_pkt {
	u32 buf_len;
	u16 num_buffers;		/* what the header says */
	u16 got;			/* buffers taken */
	u32 frame_len;			/* bytes after the header so far */
};

u64 hyv_pvnet_wanted_features(u64 offered);
int hyv_pvnet_parse_config(const struct hyv_pvnet_config *cfg, u64 features,
			   unsigned int num_queues,
			   struct hyv_pvnet_limits *lim);
unsigned int hyv_pvnet_rx_max_buffers(u32 buf_len);
enum hyv_pvnet_rx_err hyv_pvnet_rx_start(struct hyv_pvnet_rx_pkt *pkt,
					 const struct hyv_pvnet_hdr *hdr,
					 u32 len, u32 buf_len);
enum hyv_pvnet_rx_err hyv_pvnet_rx_add(struct hyv_pvnet_rx_pkt *pkt, u32 len);
enum hyv_pvnet_rx_err hyv_pvnet_rx_finish(const struct hyv_pvnet_rx_pkt *pkt,
					  bool gso, u32 max_frame);
bool hyv_pvnet_tx_has_room(unsigned int num_free, unsigned int max_frags);

static inline bool hyv_pvnet_rx_whole(const struct hyv_pvnet_rx_pkt *pkt)
{
	return pkt->got >= pkt->num_buffers;
}

#endif /* HYV_PVNET_LOGIC_H */

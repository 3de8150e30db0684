/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small userspace hyv_pvnet for the network tests: it probes through
 * BAR0/BAR1 as the driver does, uses the guest ring of
 * guest-drivers/common/ and the driver's own receive checks
 * (guest-drivers/pvnet/hyv_pvnet_logic.c) over tests/shim/, with
 * receive buffers of HYV_PVNET_RX_BUF_LEN bytes as the driver posts.
 */
#ifndef HYV_NET_DRV_H
#define HYV_NET_DRV_H

#include "hyv_pv_net.h"
#include "hyv_pv_ring.h"
#include "hyv_pvnet_logic.h"

#define NDRV_MAX_PAIRS	4

/* Why received frames were dropped, as the driver counts them. */
struct ndrv_rx_stats {
	unsigned long err[HYV_PVNET_RX_NUM_BUFFERS + 1];
	unsigned long missing;		/* fewer buffers than num_buffers */
};

struct ndrv {
	struct hyv_pv_transport *t;
	unsigned int pairs;		/* rings set up */
	u64 features;			/* negotiated */
	struct hyv_pvnet_limits lim;
	struct hyv_vq *rx[NDRV_MAX_PAIRS], *tx[NDRV_MAX_PAIRS];
	struct ndrv_rx_stats st;
};

/*
 * Probe with the features hyv_pvnet wants, minus @drop: 0, or 1 when a
 * step failed (its CHECK printed which).
 */
int ndrv_probe(struct ndrv *d, struct hyv_pv_transport *t, u64 drop,
	       unsigned int pairs);
#define NDRV_NO_POST	1	/* post no receive buffers */
int ndrv_probe_flags(struct ndrv *d, struct hyv_pv_transport *t, u64 drop,
		     unsigned int pairs, unsigned int flags);
void ndrv_remove(struct ndrv *d);
/* Free a ring's buffers and the ring (no device behind it, or reset). */
void ndrv_remove_ring(struct hyv_vq *vq);
u32 ndrv_rd(struct ndrv *d, unsigned int off);
void ndrv_wr(struct ndrv *d, unsigned int off, u32 v);
/* Write a device register (offset in the device registers), read back. */
u32 ndrv_cfg_write(struct ndrv *d, unsigned int off, u32 v);
bool ndrv_wait_vector(struct ndrv *d, unsigned int vector, int ms);

/* Any ring: post receive buffers until full; kick if the device wants. */
unsigned int ndrv_rx_post(struct hyv_vq *vq);
/*
 * Take one frame: 1 with @hdr, @out (the frame) and @len; 0 when none is
 * used; -1 when one was dropped (counted in @st).
 */
int ndrv_rx_take(struct hyv_vq *vq, struct ndrv_rx_stats *st,
		 u32 max_frame, struct hyv_pvnet_hdr *hdr, u8 *out,
		 unsigned int *len);
/*
 * Send @hdr + @frame as @pieces descriptors, ringing the doorbell if
 * @kick and the device wants it; 0, -ENOSPC or -errno.
 */
int ndrv_tx(struct hyv_vq *vq, const struct hyv_pvnet_hdr *hdr,
	    const u8 *frame, unsigned int len, unsigned int pieces,
	    bool kick);
/* Free the frames the device sent; returns how many. */
unsigned int ndrv_tx_reclaim(struct hyv_vq *vq);

/* Receive on @pair until @n frames came or @ms passed; returns frames. */
unsigned int ndrv_rx_wait(struct ndrv *d, unsigned int pair, unsigned int n,
			  int ms, void (*fn)(void *ctx,
					     const struct hyv_pvnet_hdr *hdr,
					     const u8 *frame,
					     unsigned int len),
			  void *ctx);

#endif /* HYV_NET_DRV_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hyv PV network device's backend (docs/pv-abi.md, "Network
 * device"; docs/pvnet.md): frames between the guest's rings and a TAP
 * device opened with IFF_VNET_HDR | IFF_MULTI_QUEUE, one TAP queue and
 * one worker thread per queue pair. A worker sleeps on its pair's two
 * doorbell eventfds and its TAP queue, moves frames with readv/writev
 * straight between guest memory and the TAP (the 12-byte header passes
 * through, so the offloads do too), and interrupts through the queues'
 * MSI-X vector eventfds, all in batches with event-index suppression.
 *
 * Use from the VMM (`--net tap=NAME[,mac=..][,mtu=..][,queues=N]`):
 *   hyv_pv_net_parse(arg, &opts, err, sizeof(err));
 *   n = hyv_pv_net_create(&opts, &mem, err, sizeof(err));
 *   t = hyv_pv_net_transport(n);   BAR0/BAR1 accesses, fds to bind
 *   hyv_pv_net_set_link(n, false); ...
 *   hyv_pv_net_destroy(n);
 */
#ifndef HYV_PV_NET_H
#define HYV_PV_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyv_pv_transport.h"
#include "hyv_pv_vring.h"

struct hyv_pv_net;

struct hyv_pv_net_opts {
	/*
	 * The TAP to open (created if absent and the VMM may, else an
	 * existing multi_queue vnet_hdr TAP); or, when empty, port_fds.
	 */
	char tap[16];
	/*
	 * Instead of a TAP: one packet-preserving socket (SOCK_SEQPACKET
	 * or SOCK_DGRAM) per queue pair, each read and written with the
	 * 12-byte header in front of every frame, as a TAP queue is.
	 * The backend does not own them. For tests.
	 */
	const int *port_fds;
	unsigned int queue_pairs;	/* 0: 1; at most 32 (or port fds) */
	u8 mac[6];
	bool mac_set;			/* else a random local MAC */
	unsigned int mtu;		/* 0: the TAP's (1500 for sockets) */
	u32 doorbell_device;		/* RBX of the guest's doorbells */
	unsigned int queue_size;	/* 0: 256 */
	struct hyv_pv_hostile hostile;	/* test-only: hostile=KIND@N */
};

/* Counters, summed over the queue pairs (all monotonic). */
struct hyv_pv_net_stats {
	u64 tx_packets, tx_bytes;	/* guest -> TAP, frame bytes */
	u64 rx_packets, rx_bytes;	/* TAP -> guest */
	u64 tx_bad;			/* bad header, length or chain: dropped */
	u64 tx_dropped;			/* TAP refused or link down: dropped */
	u64 rx_bad_chain;		/* unusable receive chain: returned empty */
	u64 rx_dropped;			/* too big for the buffers or TAP error */
	u64 rx_buffers;			/* receive chains used */
	u64 doorbells;			/* wake-ups by a doorbell */
	u64 interrupts;			/* vector signals */
	u64 interrupts_suppressed;
	u64 tx_gso, tx_csum;		/* sent with a GSO type, NEEDS_CSUM */
	u64 rx_gso, rx_csum;		/* received with a GSO type, NEEDS_CSUM */
};

int hyv_pv_net_parse(const char *arg, struct hyv_pv_net_opts *opts,
		     char *err, size_t errlen);
struct hyv_pv_net *hyv_pv_net_create(const struct hyv_pv_net_opts *opts,
				     const struct hyv_pv_mem *mem, char *err,
				     size_t errlen);
struct hyv_pv_transport *hyv_pv_net_transport(struct hyv_pv_net *n);
/* Link up or down: the status register, CONFIG_GENERATION, config vector. */
void hyv_pv_net_set_link(struct hyv_pv_net *n, bool up);
bool hyv_pv_net_link_up(struct hyv_pv_net *n);
/* Queue pairs the driver has active (TAP queues attached). */
unsigned int hyv_pv_net_active_pairs(struct hyv_pv_net *n);
void hyv_pv_net_get_stats(struct hyv_pv_net *n, struct hyv_pv_net_stats *s);
/* Queue pairs the device offers; the counters of pair @pair alone. */
unsigned int hyv_pv_net_max_pairs(struct hyv_pv_net *n);
void hyv_pv_net_get_queue_stats(struct hyv_pv_net *n, unsigned int pair,
				struct hyv_pv_net_stats *s);
/* The reason of the last broken ring, or NULL. */
const char *hyv_pv_net_error(struct hyv_pv_net *n);
void hyv_pv_net_destroy(struct hyv_pv_net *n);

#endif /* HYV_PV_NET_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the hyv PV network backend: the device and its queue pairs,
 * shared by hyv_pv_net.c (registers, lifecycle), hyv_pv_net_worker.c
 * (the thread of a pair), hyv_pv_net_rx.c / hyv_pv_net_tx.c (the two
 * directions) and hyv_pv_net_tap.c (the TAP device).
 *
 * Threads: register accesses (and so reset, DRIVER_OK and the writable
 * device registers) come from the VMM's vCPU threads under the caller's
 * per-function lock; each queue pair has one worker that alone touches
 * its two rings and its port. What both read (link, active pairs,
 * receive offloads, broken) is accessed with atomics.
 */
#ifndef HYV_PV_NET_INT_H
#define HYV_PV_NET_INT_H

#include <pthread.h>
#include <sys/uio.h>

#include "hyv_pv_net.h"

#define HYV_PV_NET_BATCH	64	/* frames per direction per pass */
#define HYV_PV_NET_CHAIN_IOV	16	/* descriptors of a chain we take */
#define HYV_PV_NET_RX_IOV	1024	/* iovecs of one readv (UIO_MAXIOV) */
#define HYV_PV_NET_ETH_OVERHEAD	18	/* Ethernet header and a VLAN tag */

/* A receive chain held for the next frames (the stash). */
struct hyv_pv_net_rxbuf {
	u16 head;
	u16 niov;
	u32 bytes;
};

struct hyv_pv_net_queue {
	struct hyv_pv_net *net;
	unsigned int pair;
	int port_fd;			/* TAP queue or socket */
	int ctl_fd;			/* eventfd: stop, or state changed */
	bool stop;			/* atomic */
	bool running;
	pthread_t thread;

	/* Worker only. */
	bool rx_enabled, tx_enabled;
	struct hyv_pv_vring rx, tx;
	bool port_down;			/* POLLERR/POLLHUP: wait for a change */
	bool rx_wait_bufs;		/* doorbell asked, frames wait */
	bool rx_port_empty;		/* the port said EAGAIN: poll it */
	unsigned int rx_filled, tx_filled;	/* used entries not flushed */
	bool rx_pushed, tx_pushed;

	/* The stash: chains [rx_first, rx_nbufs), iovecs from rx_iov_first. */
	struct hyv_pv_net_rxbuf rx_bufs[HYV_PV_NET_RX_IOV];
	unsigned int rx_first, rx_nbufs;
	unsigned int rx_iov_first, rx_niov;
	u64 rx_bytes;			/* writable bytes in the stash */
	struct iovec rx_iov[HYV_PV_NET_RX_IOV];
	struct iovec rx_chain_iov[HYV_PV_NET_CHAIN_IOV];

	/* The transmit chain in hand (pending: the port said EAGAIN). */
	bool tx_pending;
	struct hyv_pv_chain tx_chain;
	struct iovec tx_chain_iov[HYV_PV_NET_CHAIN_IOV];
	struct iovec tx_iov[HYV_PV_NET_CHAIN_IOV + 1];
	struct hyv_pvnet_hdr tx_hdr;

	struct hyv_pv_net_stats stats;	/* atomic adds */
};

struct hyv_pv_net {
	struct hyv_pv_transport t;
	const struct hyv_pv_mem *mem;
	char name[32];			/* for messages */
	bool is_tap;
	unsigned int max_pairs;
	unsigned int port_mtu;		/* the TAP's MTU at open */
	int port_fds[HYV_PVNET_MAX_QUEUE_PAIRS];
	bool port_attached[HYV_PVNET_MAX_QUEUE_PAIRS];
	bool own_fds;
	struct hyv_pvnet_config config;	/* the registers */

	/* Shared with the workers (atomics). */
	unsigned int active_pairs;
	u32 guest_offloads;		/* HYV_PVNET_GUEST_OFFLOADS_MASK bits */
	bool link_up;
	int broken;

	pthread_mutex_t err_lock;
	char err[200];
	struct hyv_pv_hostile hostile;	/* test-only, shared by the queues */
	struct hyv_pv_net_queue q[HYV_PVNET_MAX_QUEUE_PAIRS];
};

static inline void hyv_pv_net_count(u64 *counter, u64 n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static inline bool hyv_pv_net_feature(const struct hyv_pv_net *n,
				      unsigned int bit)
{
	return hyv_pv_transport_has(&n->t, bit);
}

/* hyv_pv_net.c */
void hyv_pv_net_ring_broken(struct hyv_pv_net_queue *q,
			    struct hyv_pv_vring *vr);
bool hyv_pv_net_is_broken(struct hyv_pv_net *n);
void hyv_pv_net_signal(struct hyv_pv_net_queue *q, struct hyv_pv_vring *vr,
		       unsigned int index, bool *pushed);

/* hyv_pv_net_worker.c */
void *hyv_pv_net_worker(void *arg);
void hyv_pv_net_wake(struct hyv_pv_net_queue *q);

/* hyv_pv_net_rx.c */
bool hyv_pv_net_rx_process(struct hyv_pv_net_queue *q);
bool hyv_pv_net_rx_wants_port(struct hyv_pv_net_queue *q);
void hyv_pv_net_rx_reset(struct hyv_pv_net_queue *q);

/* hyv_pv_net_tx.c */
bool hyv_pv_net_tx_process(struct hyv_pv_net_queue *q);
int hyv_pv_net_tx_check_hdr(const struct hyv_pvnet_hdr *hdr,
			    u64 frame_len, u64 features,
			    unsigned int mtu);

/* hyv_pv_net_tap.c */
int hyv_pv_net_tap_open(const char *name, unsigned int nqueues, int *fds,
			unsigned int *mtu, char *err, size_t errlen);
int hyv_pv_net_tap_set_queue(int fd, bool attach);
int hyv_pv_net_tap_set_offload(int fd, u32 guest_offloads);

#endif /* HYV_PV_NET_INT_H */

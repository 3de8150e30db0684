// SPDX-License-Identifier: GPL-2.0
/*
 * The worker thread of one hyv PV network queue pair: it sleeps in
 * poll() on its control eventfd, the pair's two doorbell eventfds and
 * (when the receive side can take frames, or a transmit waits for room)
 * its TAP queue, then moves a batch each way and interrupts once per
 * batch. A batch that used its whole budget loops without sleeping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "hyv_pv_net_int.h"

/* The worker's poll() set. */
enum {
	HYV_PFD_CTL,
	HYV_PFD_TX_BELL,
	HYV_PFD_RX_BELL,
	HYV_PFD_PORT,
	HYV_PFD_NUM,
};

static void hyv_pv_net_clear_eventfd(int fd)
{
	u64 count;

	/* Non-blocking: EAGAIN when another read took it already. */
	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
}

/* Sleep until something for this pair happens; clear what woke us. */
static void hyv_pv_net_wait(struct hyv_pv_net_queue *q)
{
	struct hyv_pv_net *n = q->net;
	struct pollfd p[HYV_PFD_NUM] = {
		[HYV_PFD_CTL] = { .fd = q->ctl_fd, .events = POLLIN },
		[HYV_PFD_TX_BELL] = { .fd = n->t.doorbell_fd[2 * q->pair + 1],
				      .events = POLLIN },
		[HYV_PFD_RX_BELL] = { .fd = n->t.doorbell_fd[2 * q->pair],
				      .events = POLLIN },
		[HYV_PFD_PORT] = { .fd = -1 },
	};

	if (!q->port_down && !hyv_pv_net_is_broken(n)) {
		if (hyv_pv_net_rx_wants_port(q))
			p[HYV_PFD_PORT].events |= POLLIN;
		if (q->tx_pending)
			p[HYV_PFD_PORT].events |= POLLOUT;
		if (p[HYV_PFD_PORT].events)
			p[HYV_PFD_PORT].fd = q->port_fd;
	}
	if (poll(p, HYV_PFD_NUM, -1) <= 0)
		return;		/* EINTR: the caller looks again */
	if (p[HYV_PFD_CTL].revents)
		hyv_pv_net_clear_eventfd(q->ctl_fd);
	if (p[HYV_PFD_TX_BELL].revents) {
		hyv_pv_net_clear_eventfd(p[HYV_PFD_TX_BELL].fd);
		hyv_pv_net_count(&q->stats.doorbells, 1);
	}
	if (p[HYV_PFD_RX_BELL].revents) {
		hyv_pv_net_clear_eventfd(p[HYV_PFD_RX_BELL].fd);
		hyv_pv_net_count(&q->stats.doorbells, 1);
		q->rx_wait_bufs = false;
	}
	if (p[HYV_PFD_PORT].revents & POLLIN)
		q->rx_port_empty = false;
	/* A detached TAP queue or a closed socket: until a change. */
	if (p[HYV_PFD_PORT].revents & (POLLERR | POLLHUP | POLLNVAL))
		q->port_down = true;
	if (p[HYV_PFD_CTL].revents)
		q->port_down = false;
}

void *hyv_pv_net_worker(void *arg)
{
	struct hyv_pv_net_queue *q = arg;
	bool more = true;	/* look once: the driver may have kicked early */

	for (;;) {
		if (!more)
			hyv_pv_net_wait(q);
		if (__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE))
			break;
		if (hyv_pv_net_is_broken(q->net)) {
			more = false;
			continue;
		}
		more = hyv_pv_net_tx_process(q);
		more |= hyv_pv_net_rx_process(q);
	}
	return NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The hyv PV network backend: the device registers (MAC, MTU, link,
 * queue pairs, receive offloads), feature checks, the transport's
 * operations (queue enable, DRIVER_OK, reset) and the lifecycle of the
 * per-pair workers. The frames themselves move in hyv_pv_net_rx.c and
 * hyv_pv_net_tx.c. Threads: see hyv_pv_net_int.h.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/random.h>

#include "hyv_pv_net_int.h"

#define HYV_PV_NET_CFG_ACTIVE	0x0c
#define HYV_PV_NET_CFG_OFFLOADS	0x10

static_assert(sizeof(struct hyv_pvnet_config) == 32, "net registers");
static_assert(sizeof(struct hyv_pvnet_hdr) == HYV_PVNET_HDR_SIZE,
	      "net header");
static_assert(__builtin_offsetof(struct hyv_pvnet_config,
				 active_queue_pairs) == HYV_PV_NET_CFG_ACTIVE,
	      "active_queue_pairs");
static_assert(__builtin_offsetof(struct hyv_pvnet_config,
				 guest_offloads) == HYV_PV_NET_CFG_OFFLOADS,
	      "guest_offloads");

static u64 hyv_bit(unsigned int b)
{
	return 1ULL << b;
}

bool hyv_pv_net_is_broken(struct hyv_pv_net *n)
{
	return __atomic_load_n(&n->broken, __ATOMIC_ACQUIRE);
}

/* A ring of @q broke: every queue stops until the driver resets. */
void hyv_pv_net_ring_broken(struct hyv_pv_net_queue *q,
			    struct hyv_pv_vring *vr)
{
	struct hyv_pv_net *n = q->net;
	unsigned int i;

	fprintf(stderr, "hyv-pv-net %s: pair %u %s queue broken: %s\n",
		n->name, q->pair, vr == &q->rx ? "receive" : "transmit",
		vr->err);
	pthread_mutex_lock(&n->err_lock);
	snprintf(n->err, sizeof(n->err), "pair %u %s: %s", q->pair,
		 vr == &q->rx ? "rx" : "tx", vr->err);
	pthread_mutex_unlock(&n->err_lock);
	__atomic_store_n(&n->broken, 1, __ATOMIC_RELEASE);
	hyv_pv_transport_set_needs_reset(&n->t);
	for (i = 0; i < n->max_pairs; i++)
		if (&n->q[i] != q && n->q[i].running)
			hyv_pv_net_wake(&n->q[i]);
}

/* After a batch: publish what was filled, interrupt if the driver wants. */
void hyv_pv_net_signal(struct hyv_pv_net_queue *q, struct hyv_pv_vring *vr,
		       unsigned int index, bool *pushed)
{
	struct hyv_pv_net *n = q->net;

	if (!*pushed)
		return;
	*pushed = false;
	if (hyv_pv_vring_need_signal(vr)) {
		hyv_pv_net_count(&q->stats.interrupts, 1);
		hyv_pv_transport_signal_queue(&n->t, index);
	} else {
		hyv_pv_net_count(&q->stats.interrupts_suppressed, 1);
	}
}

void hyv_pv_net_wake(struct hyv_pv_net_queue *q)
{
	u64 one = 1;

	if (write(q->ctl_fd, &one, sizeof(one)) != sizeof(one) &&
	    errno != EAGAIN)
		fprintf(stderr, "hyv-pv-net: cannot wake pair %u\n", q->pair);
}

/* Attach the TAP queues of the active pairs, detach the others. */
static void hyv_pv_net_apply_pairs(struct hyv_pv_net *n, unsigned int active)
{
	unsigned int i;

	__atomic_store_n(&n->active_pairs, active, __ATOMIC_RELEASE);
	for (i = 0; n->is_tap && i < n->max_pairs; i++) {
		bool want = i < active;

		if (n->port_attached[i] == want)
			continue;
		if (hyv_pv_net_tap_set_queue(n->port_fds[i], want))
			fprintf(stderr, "hyv-pv-net %s: cannot %s TAP queue %u: %s\n",
				n->name, want ? "attach" : "detach", i,
				strerror(errno));
		else
			n->port_attached[i] = want;
	}
	for (i = 0; i < n->max_pairs; i++)
		if (n->q[i].running)
			hyv_pv_net_wake(&n->q[i]);
	n->config.active_queue_pairs = htole32(active);
}

static void hyv_pv_net_apply_offloads(struct hyv_pv_net *n, u32 offloads)
{
	unsigned int i;

	__atomic_store_n(&n->guest_offloads, offloads, __ATOMIC_RELEASE);
	n->config.guest_offloads = htole32(offloads);
	if (n->is_tap &&
	    hyv_pv_net_tap_set_offload(n->port_fds[0], offloads))
		fprintf(stderr, "hyv-pv-net %s: TUNSETOFFLOAD: %s\n", n->name,
			strerror(errno));
	for (i = 0; i < n->max_pairs; i++)
		if (n->q[i].running)
			hyv_pv_net_wake(&n->q[i]);
}

/* Are the receive offloads @off (feature bits) consistent? */
static bool hyv_pv_net_offloads_valid(u32 off)
{
	u32 tso = hyv_bit(HYV_PVNET_F_GUEST_TSO4) |
		       hyv_bit(HYV_PVNET_F_GUEST_TSO6);

	if (off & ~HYV_PVNET_GUEST_OFFLOADS_MASK)
		return false;
	if ((off & tso) && !(off & hyv_bit(HYV_PVNET_F_GUEST_CSUM)))
		return false;
	return !(off & hyv_bit(HYV_PVNET_F_GUEST_ECN)) || (off & tso);
}

static bool hyv_pv_net_features_ok(void *opaque, u64 f)
{
	struct hyv_pv_net *n = opaque;
	u64 host_tso = hyv_bit(HYV_PVNET_F_HOST_TSO4) |
			    hyv_bit(HYV_PVNET_F_HOST_TSO6);

	if (!(f & hyv_bit(HYV_PVNET_F_MRG_RXBUF)))
		return false;
	if (!hyv_pv_net_offloads_valid(f & HYV_PVNET_GUEST_OFFLOADS_MASK))
		return false;
	if ((f & host_tso) && !(f & hyv_bit(HYV_PVNET_F_CSUM)))
		return false;
	if ((f & hyv_bit(HYV_PVNET_F_HOST_ECN)) && !(f & host_tso))
		return false;
	/* Final now: the receive offloads start as all negotiated ones. */
	n->config.guest_offloads = htole32(f & HYV_PVNET_GUEST_OFFLOADS_MASK);
	__atomic_store_n(&n->guest_offloads,
			 (u32)(f & HYV_PVNET_GUEST_OFFLOADS_MASK),
			 __ATOMIC_RELEASE);
	return true;
}

static void hyv_pv_net_config_write(void *opaque, u32 offset,
				    u32 value)
{
	struct hyv_pv_net *n = opaque;

	if (!(n->t.status & HYV_PV_STATUS_FEATURES_OK))
		return;
	switch (offset) {
	case HYV_PV_NET_CFG_ACTIVE:
		if (hyv_pv_net_feature(n, HYV_PVNET_F_MQ) && value >= 1 &&
		    value <= n->max_pairs)
			hyv_pv_net_apply_pairs(n, value);
		break;
	case HYV_PV_NET_CFG_OFFLOADS:
		if (hyv_pv_net_feature(n, HYV_PVNET_F_CTRL_GUEST_OFFLOADS) &&
		    !(value & ~n->t.driver_features) &&
		    hyv_pv_net_offloads_valid(value))
			hyv_pv_net_apply_offloads(n, value);
		break;
	}
}

static int hyv_pv_net_queue_enable(void *opaque, unsigned int i,
				   const struct hyv_pv_queue_regs *regs)
{
	struct hyv_pv_net *n = opaque;
	struct hyv_pv_net_queue *q = &n->q[i / 2];
	struct hyv_pv_vring *vr = i % 2 ? &q->tx : &q->rx;
	int ret;

	ret = hyv_pv_vring_init(vr, n->mem, regs->size, regs->desc,
				regs->avail, regs->used,
				hyv_pv_net_feature(n, HYV_PV_F_RING_EVENT_IDX),
				hyv_pv_net_feature(n, HYV_PV_F_RING_INDIRECT_DESC));
	if (ret) {
		fprintf(stderr, "hyv-pv-net %s: queue %u refused: %s\n",
			n->name, i, vr->err);
		return ret;
	}
	if (n->hostile.kind != HYV_PV_HOSTILE_NONE)
		vr->hostile = &n->hostile;
	if (i % 2)
		q->tx_enabled = true;
	else
		q->rx_enabled = true;
	return 0;
}

static void hyv_pv_net_stop_all(struct hyv_pv_net *n)
{
	unsigned int i;

	for (i = 0; i < n->max_pairs; i++) {
		struct hyv_pv_net_queue *q = &n->q[i];

		if (q->running) {
			__atomic_store_n(&q->stop, true, __ATOMIC_RELEASE);
			hyv_pv_net_wake(q);
			pthread_join(q->thread, NULL);
			q->running = false;
		}
		q->rx_enabled = false;
		q->tx_enabled = false;
		q->tx_pending = false;
		q->port_down = false;
		hyv_pv_net_rx_reset(q);
	}
}

static void hyv_pv_net_driver_ok(void *opaque)
{
	struct hyv_pv_net *n = opaque;
	unsigned int i;

	if (n->is_tap)
		hyv_pv_net_apply_offloads(n, __atomic_load_n(&n->guest_offloads,
							     __ATOMIC_ACQUIRE));
	for (i = 0; i < n->max_pairs; i++) {
		struct hyv_pv_net_queue *q = &n->q[i];

		if (!q->rx_enabled && !q->tx_enabled)
			continue;
		__atomic_store_n(&q->stop, false, __ATOMIC_RELEASE);
		if (pthread_create(&q->thread, NULL, hyv_pv_net_worker, q)) {
			fprintf(stderr, "hyv-pv-net %s: pair %u: no worker\n",
				n->name, i);
			hyv_pv_transport_set_needs_reset(&n->t);
			continue;
		}
		q->running = true;
	}
}

/* Stop, drain and forget the driver: one pair, TAP offloads off. */
static void hyv_pv_net_reset(void *opaque)
{
	struct hyv_pv_net *n = opaque;

	hyv_pv_net_stop_all(n);
	__atomic_store_n(&n->broken, 0, __ATOMIC_RELEASE);
	hyv_pv_net_apply_pairs(n, 1);
	n->config.guest_offloads = 0;
	__atomic_store_n(&n->guest_offloads, 0, __ATOMIC_RELEASE);
	if (n->is_tap)
		hyv_pv_net_tap_set_offload(n->port_fds[0], 0);
}

static const struct hyv_pv_transport_ops hyv_pv_net_ops = {
	.queue_enable = hyv_pv_net_queue_enable,
	.driver_ok = hyv_pv_net_driver_ok,
	.reset = hyv_pv_net_reset,
	.features_ok = hyv_pv_net_features_ok,
	.config_write = hyv_pv_net_config_write,
};

static void hyv_pv_net_fill_config(struct hyv_pv_net *n,
				   const struct hyv_pv_net_opts *o)
{
	struct hyv_pvnet_config *c = &n->config;

	memset(c, 0, sizeof(*c));
	memcpy(c->mac, o->mac, sizeof(c->mac));
	if (!o->mac_set) {
		/* Locally administered, unicast: 02:xx:xx:xx:xx:xx. */
		if (getrandom(c->mac, sizeof(c->mac), 0) != sizeof(c->mac))
			memset(c->mac, 0x5a, sizeof(c->mac));
		c->mac[0] = (c->mac[0] & 0xfc) | 0x02;
	}
	n->link_up = true;
	c->status = htole16(HYV_PVNET_S_LINK_UP);
	c->max_queue_pairs = htole16(n->max_pairs);
	c->mtu = htole16(o->mtu ? o->mtu : n->port_mtu);
	c->active_queue_pairs = htole32(1);
	n->active_pairs = 1;
}

static u64 hyv_pv_net_offer(void)
{
	static const unsigned char bits[] = {
		HYV_PVNET_F_CSUM, HYV_PVNET_F_GUEST_CSUM,
		HYV_PVNET_F_CTRL_GUEST_OFFLOADS, HYV_PVNET_F_MTU,
		HYV_PVNET_F_MAC, HYV_PVNET_F_GUEST_TSO4,
		HYV_PVNET_F_GUEST_TSO6, HYV_PVNET_F_GUEST_ECN,
		HYV_PVNET_F_HOST_TSO4, HYV_PVNET_F_HOST_TSO6,
		HYV_PVNET_F_HOST_ECN, HYV_PVNET_F_MRG_RXBUF,
		HYV_PVNET_F_STATUS, HYV_PVNET_F_MQ,
		HYV_PV_F_RING_INDIRECT_DESC, HYV_PV_F_RING_EVENT_IDX,
	};
	u64 f = 0;
	unsigned int i;

	for (i = 0; i < sizeof(bits); i++)
		f |= hyv_bit(bits[i]);
	return f;
}

static int hyv_pv_net_open_ports(struct hyv_pv_net *n,
				 const struct hyv_pv_net_opts *o, char *err,
				 size_t errlen)
{
	unsigned int i;
	int ret;

	if (o->tap[0]) {
		n->is_tap = true;
		n->own_fds = true;
		snprintf(n->name, sizeof(n->name), "%s", o->tap);
		ret = hyv_pv_net_tap_open(o->tap, n->max_pairs, n->port_fds,
					  &n->port_mtu, err, errlen);
		if (ret)
			return ret;
		/* Queue 0 only until the driver asks for more. */
		for (i = 0; i < n->max_pairs; i++)
			n->port_attached[i] = true;
		return 0;
	}
	if (!o->port_fds) {
		snprintf(err, errlen, "no tap= given");
		return -EINVAL;
	}
	snprintf(n->name, sizeof(n->name), "sockets");
	for (i = 0; i < n->max_pairs; i++) {
		int fl = fcntl(o->port_fds[i], F_GETFL);

		/* The worker must never block on its port. */
		if (fl < 0 || fcntl(o->port_fds[i], F_SETFL, fl | O_NONBLOCK)) {
			snprintf(err, errlen, "port %u: %s", i, strerror(errno));
			return -EBADF;
		}
		n->port_fds[i] = o->port_fds[i];
		n->port_attached[i] = true;
	}
	n->port_mtu = 1500;
	return 0;
}

static void hyv_pv_net_init_queues(struct hyv_pv_net *n)
{
	unsigned int i;

	for (i = 0; i < HYV_PVNET_MAX_QUEUE_PAIRS; i++) {
		n->q[i].net = n;
		n->q[i].pair = i;
		n->q[i].ctl_fd = -1;
		n->q[i].port_fd = -1;
		n->port_fds[i] = -1;
	}
}

static void hyv_pv_net_close_fds(struct hyv_pv_net *n)
{
	unsigned int i;

	for (i = 0; i < HYV_PVNET_MAX_QUEUE_PAIRS; i++) {
		if (n->q[i].ctl_fd >= 0)
			close(n->q[i].ctl_fd);
		n->q[i].ctl_fd = -1;
		if (n->own_fds && n->port_fds[i] >= 0)
			close(n->port_fds[i]);
		n->port_fds[i] = -1;
	}
}

static int hyv_pv_net_setup(struct hyv_pv_net *n,
			    const struct hyv_pv_net_opts *o, char *err,
			    size_t errlen)
{
	unsigned int i;
	int ret;

	ret = hyv_pv_net_open_ports(n, o, err, errlen);
	if (ret)
		return ret;
	for (i = 0; i < n->max_pairs; i++) {
		n->q[i].port_fd = n->port_fds[i];
		n->q[i].ctl_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (n->q[i].ctl_fd < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			return -errno;
		}
	}
	hyv_pv_net_fill_config(n, o);
	n->t.type = HYV_PV_TYPE_NET;
	n->t.doorbell_device = o->doorbell_device;
	n->t.num_queues = 2 * n->max_pairs;
	n->t.queue_size_max = o->queue_size ? o->queue_size : 256;
	n->t.device_features = hyv_pv_net_offer();
	n->t.config = &n->config;
	n->t.config_len = sizeof(n->config);
	n->t.ops = &hyv_pv_net_ops;
	n->t.opaque = n;
	ret = hyv_pv_transport_init(&n->t);
	if (ret) {
		snprintf(err, errlen, "bad device description (%s)",
			 strerror(-ret));
		return ret;
	}
	/* TAP queues past the first wait for the driver's active pairs. */
	hyv_pv_net_apply_pairs(n, 1);
	return 0;
}

static int hyv_pv_net_check_opts(const struct hyv_pv_net_opts *o, char *err,
				 size_t errlen)
{
	if (o->queue_pairs > HYV_PVNET_MAX_QUEUE_PAIRS) {
		snprintf(err, errlen, "queues=%u: at most %u", o->queue_pairs,
			 HYV_PVNET_MAX_QUEUE_PAIRS);
		return -EINVAL;
	}
	if (o->mtu && (o->mtu < HYV_PVNET_MIN_MTU ||
		       o->mtu > HYV_PVNET_MAX_MTU)) {
		snprintf(err, errlen, "mtu=%u: not in %u..%u", o->mtu,
			 HYV_PVNET_MIN_MTU, HYV_PVNET_MAX_MTU);
		return -EINVAL;
	}
	if (o->mac_set && ((o->mac[0] & 1) ||
			   !(o->mac[0] | o->mac[1] | o->mac[2] | o->mac[3] |
			     o->mac[4] | o->mac[5]))) {
		snprintf(err, errlen, "mac: not a unicast address");
		return -EINVAL;
	}
	return 0;
}

struct hyv_pv_net *hyv_pv_net_create(const struct hyv_pv_net_opts *opts,
				     const struct hyv_pv_mem *mem, char *err,
				     size_t errlen)
{
	struct hyv_pv_net *n;
	int ret;

	ret = hyv_pv_net_check_opts(opts, err, errlen);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	n->mem = mem;
	n->hostile = opts->hostile;
	n->max_pairs = opts->queue_pairs ? opts->queue_pairs : 1;
	pthread_mutex_init(&n->err_lock, NULL);
	hyv_pv_net_init_queues(n);
	ret = hyv_pv_net_setup(n, opts, err, errlen);
	if (ret) {
		hyv_pv_net_close_fds(n);
		pthread_mutex_destroy(&n->err_lock);
		free(n);
		errno = -ret;
		return NULL;
	}
	if (n->is_tap && opts->mtu && opts->mtu > n->port_mtu)
		fprintf(stderr,
			"hyv-pv-net %s: mtu=%u but the TAP's is %u (ip link set %s mtu %u)\n",
			n->name, opts->mtu, n->port_mtu, n->name, opts->mtu);
	return n;
}

struct hyv_pv_transport *hyv_pv_net_transport(struct hyv_pv_net *n)
{
	return &n->t;
}

void hyv_pv_net_set_link(struct hyv_pv_net *n, bool up)
{
	unsigned int i;

	if (__atomic_exchange_n(&n->link_up, up, __ATOMIC_ACQ_REL) == up)
		return;
	__atomic_store_n(&n->config.status,
			 htole16(up ? HYV_PVNET_S_LINK_UP : 0),
			 __ATOMIC_RELEASE);
	hyv_pv_transport_config_changed(&n->t);
	for (i = 0; i < n->max_pairs; i++)
		if (n->q[i].running)
			hyv_pv_net_wake(&n->q[i]);
}

bool hyv_pv_net_link_up(struct hyv_pv_net *n)
{
	return __atomic_load_n(&n->link_up, __ATOMIC_ACQUIRE);
}

unsigned int hyv_pv_net_active_pairs(struct hyv_pv_net *n)
{
	return __atomic_load_n(&n->active_pairs, __ATOMIC_ACQUIRE);
}

void hyv_pv_net_get_stats(struct hyv_pv_net *n, struct hyv_pv_net_stats *s)
{
	const unsigned int words = sizeof(*s) / sizeof(u64);
	u64 *out = (u64 *)s;
	unsigned int i, w;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n->max_pairs; i++) {
		const u64 *in = (const u64 *)&n->q[i].stats;

		for (w = 0; w < words; w++)
			out[w] += __atomic_load_n(&in[w], __ATOMIC_RELAXED);
	}
}

unsigned int hyv_pv_net_max_pairs(struct hyv_pv_net *n)
{
	return n->max_pairs;
}

void hyv_pv_net_get_queue_stats(struct hyv_pv_net *n, unsigned int pair,
				struct hyv_pv_net_stats *s)
{
	const unsigned int words = sizeof(*s) / sizeof(u64);
	u64 *out = (u64 *)s;
	const u64 *in;
	unsigned int w;

	memset(s, 0, sizeof(*s));
	if (pair >= n->max_pairs)
		return;
	in = (const u64 *)&n->q[pair].stats;
	for (w = 0; w < words; w++)
		out[w] = __atomic_load_n(&in[w], __ATOMIC_RELAXED);
}

const char *hyv_pv_net_error(struct hyv_pv_net *n)
{
	return n->err[0] ? n->err : NULL;
}

void hyv_pv_net_destroy(struct hyv_pv_net *n)
{
	if (!n)
		return;
	hyv_pv_net_stop_all(n);
	hyv_pv_transport_destroy(&n->t);
	hyv_pv_net_close_fds(n);
	pthread_mutex_destroy(&n->err_lock);
	free(n);
}

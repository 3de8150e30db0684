// SPDX-License-Identifier: GPL-2.0
/*
 * The hyv PV block backend: the device registers, the per-queue worker
 * threads (doorbell eventfd -> ring -> io_uring -> used ring -> vector
 * eventfd) and the reset that stops them. Requests are parsed and
 * checked in hyv_pv_blk_req.c.
 *
 * Threads: BAR accesses (and so reset and DRIVER_OK) come from the
 * VMM's vCPU threads under the caller's per-function lock; each queue
 * has one worker thread that alone touches its ring and its io_uring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "hyv_pv_blk_int.h"

#define HYV_PV_BLK_TAG_DOORBELL	1
#define HYV_PV_BLK_TAG_STOP	2

static void hyv_pv_blk_count(u64 *counter, u64 n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static int hyv_pv_blk_arm(struct hyv_pv_blk_queue *q, int fd, u64 *buf,
			  uintptr_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, fd, buf, sizeof(*buf), 0);
	io_uring_sqe_set_data(sqe, (void *)tag);
	return 0;
}

/* Answer a request: status, used ring, maybe an interrupt. */
void hyv_pv_blk_finish(struct hyv_pv_blk_queue *q, struct hyv_pv_blk_req *r)
{
	struct hyv_pv_blk *b = q->blk;

	if (r->status_ptr)
		*r->status_ptr = r->status;
	if (r->status != HYV_PVBLK_S_OK)
		hyv_pv_blk_count(&b->stats.errors, 1);
	hyv_pv_blk_count(&b->stats.requests, 1);
	hyv_pv_vring_push(&q->vring, r->chain.head, r->used_len);
	q->pushed = true;
	q->free[q->nfree++] = r;
	q->in_flight--;
}

static void hyv_pv_blk_signal(struct hyv_pv_blk_queue *q)
{
	struct hyv_pv_blk *b = q->blk;

	if (!q->pushed)
		return;
	q->pushed = false;
	if (hyv_pv_vring_need_signal(&q->vring)) {
		hyv_pv_blk_count(&b->stats.interrupts, 1);
		hyv_pv_transport_signal_queue(&b->t, q->index);
	} else {
		hyv_pv_blk_count(&b->stats.interrupts_suppressed, 1);
	}
}

static void hyv_pv_blk_broken(struct hyv_pv_blk_queue *q)
{
	struct hyv_pv_blk *b = q->blk;

	fprintf(stderr, "hyv-pv-blk %s: queue %u broken: %s\n", b->path,
		q->index, q->vring.err);
	pthread_mutex_lock(&b->err_lock);
	snprintf(b->err, sizeof(b->err), "queue %u: %s", q->index,
		 q->vring.err);
	pthread_mutex_unlock(&b->err_lock);
	hyv_pv_transport_set_needs_reset(&b->t);
}

/* Take every available chain; doorbells off meanwhile. */
static void hyv_pv_blk_drain_ring(struct hyv_pv_blk_queue *q)
{
	struct hyv_pv_blk_req *r;
	int ret;

	if (q->vring.broken)
		return;		/* reported once, when it broke */
	do {
		hyv_pv_vring_disable_notify(&q->vring);
		while (q->nfree) {
			r = q->free[q->nfree - 1];
			ret = hyv_pv_vring_pop(&q->vring, &r->chain);
			if (ret <= 0) {
				if (ret < 0)
					hyv_pv_blk_broken(q);
				break;
			}
			q->nfree--;
			q->in_flight++;
			hyv_pv_blk_start(q, r);
		}
		if (q->vring.broken || !q->nfree)
			return;	/* full: completions come back here */
	} while (hyv_pv_vring_enable_notify(&q->vring));
}

static void hyv_pv_blk_cqe(struct hyv_pv_blk_queue *q,
			   struct io_uring_cqe *cqe, bool *rearm)
{
	uintptr_t tag = (uintptr_t)io_uring_cqe_get_data(cqe);

	if (tag == HYV_PV_BLK_TAG_DOORBELL) {
		hyv_pv_blk_count(&q->blk->stats.doorbells, 1);
		*rearm = true;
	} else if (tag == HYV_PV_BLK_TAG_STOP) {
		q->stopping = true;
	} else {
		hyv_pv_blk_io_done(q, (struct hyv_pv_blk_req *)tag, cqe->res);
	}
}

static void *hyv_pv_blk_worker(void *arg)
{
	struct hyv_pv_blk_queue *q = arg;
	struct io_uring_cqe *cqe;
	unsigned int head, n;
	bool rearm;

	hyv_pv_blk_drain_ring(q);
	while (!q->stopping || q->in_flight) {
		io_uring_submit(&q->ring);
		if (io_uring_wait_cqe(&q->ring, &cqe) < 0)
			continue;
		rearm = false;
		n = 0;
		io_uring_for_each_cqe(&q->ring, head, cqe) {
			hyv_pv_blk_cqe(q, cqe, &rearm);
			n++;
		}
		io_uring_cq_advance(&q->ring, n);
		if (q->stopping)
			continue;	/* drain only: nothing new, no pushes */
		if (rearm)
			hyv_pv_blk_arm(q, q->blk->t.doorbell_fd[q->index],
				       &q->doorbell_buf,
				       HYV_PV_BLK_TAG_DOORBELL);
		hyv_pv_blk_drain_ring(q);
		hyv_pv_blk_signal(q);
	}
	return NULL;
}

static void hyv_pv_blk_queue_free(struct hyv_pv_blk_queue *q)
{
	unsigned int i;

	if (q->ring_ready)
		io_uring_queue_exit(&q->ring);
	q->ring_ready = false;
	for (i = 0; q->reqs && i < q->size; i++)
		free(q->reqs[i].chain.iov);
	free(q->reqs);
	free(q->free);
	q->reqs = NULL;
	q->free = NULL;
	if (q->stop_fd >= 0)
		close(q->stop_fd);
	q->stop_fd = -1;
}

static int hyv_pv_blk_queue_start(struct hyv_pv_blk *b, unsigned int i)
{
	struct hyv_pv_blk_queue *q = &b->queues[i];
	unsigned int n;
	int ret;

	q->size = q->vring.num;
	q->reqs = calloc(q->size, sizeof(*q->reqs));
	q->free = calloc(q->size, sizeof(*q->free));
	q->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (!q->reqs || !q->free || q->stop_fd < 0)
		goto nomem;
	for (n = 0; n < q->size; n++) {
		q->reqs[n].chain.iov_max = HYV_PV_BLK_IOV_MAX;
		q->reqs[n].chain.iov = calloc(HYV_PV_BLK_IOV_MAX,
					      sizeof(struct iovec));
		if (!q->reqs[n].chain.iov)
			goto nomem;
		q->free[n] = &q->reqs[n];
	}
	q->nfree = q->size;
	/* Room for every request's ranges and the two wake-up reads. */
	ret = io_uring_queue_init(q->size * 2 + 2, &q->ring, 0);
	if (ret)
		goto fail;
	q->ring_ready = true;
	q->stopping = false;
	q->in_flight = 0;
	hyv_pv_blk_arm(q, b->t.doorbell_fd[i], &q->doorbell_buf,
		       HYV_PV_BLK_TAG_DOORBELL);
	hyv_pv_blk_arm(q, q->stop_fd, &q->stop_buf, HYV_PV_BLK_TAG_STOP);
	ret = -pthread_create(&q->thread, NULL, hyv_pv_blk_worker, q);
	if (ret)
		goto fail;
	q->running = true;
	return 0;
nomem:
	ret = -ENOMEM;
fail:
	hyv_pv_blk_queue_free(q);
	return ret;
}

static void hyv_pv_blk_stop_all(struct hyv_pv_blk *b)
{
	u64 one = 1;
	unsigned int i;

	for (i = 0; i < b->t.num_queues; i++) {
		struct hyv_pv_blk_queue *q = &b->queues[i];

		if (q->running) {
			if (write(q->stop_fd, &one, sizeof(one)) != sizeof(one))
				fprintf(stderr, "hyv-pv-blk: cannot stop queue %u\n", i);
			pthread_join(q->thread, NULL);
			q->running = false;
		}
		hyv_pv_blk_queue_free(q);
		q->enabled = false;
	}
}

static int hyv_pv_blk_queue_enable(void *opaque, unsigned int i,
				   const struct hyv_pv_queue_regs *regs)
{
	struct hyv_pv_blk *b = opaque;
	struct hyv_pv_blk_queue *q = &b->queues[i];
	int ret;

	ret = hyv_pv_vring_init(&q->vring, b->mem, regs->size, regs->desc,
				regs->avail, regs->used,
				hyv_pv_transport_has(&b->t, HYV_PV_F_RING_EVENT_IDX),
				hyv_pv_transport_has(&b->t, HYV_PV_F_RING_INDIRECT_DESC));
	if (ret) {
		fprintf(stderr, "hyv-pv-blk %s: queue %u refused: %s\n",
			b->path, i, q->vring.err);
		return ret;
	}
	if (b->hostile.kind != HYV_PV_HOSTILE_NONE)
		q->vring.hostile = &b->hostile;
	q->enabled = true;
	return 0;
}

static void hyv_pv_blk_driver_ok(void *opaque)
{
	struct hyv_pv_blk *b = opaque;
	unsigned int i;

	for (i = 0; i < b->t.num_queues; i++) {
		if (!b->queues[i].enabled)
			continue;
		if (hyv_pv_blk_queue_start(b, i)) {
			fprintf(stderr, "hyv-pv-blk %s: queue %u: no worker\n",
				b->path, i);
			hyv_pv_transport_set_needs_reset(&b->t);
		}
	}
}

static void hyv_pv_blk_reset(void *opaque)
{
	hyv_pv_blk_stop_all(opaque);
}

static const struct hyv_pv_transport_ops hyv_pv_blk_ops = {
	.queue_enable = hyv_pv_blk_queue_enable,
	.driver_ok = hyv_pv_blk_driver_ok,
	.reset = hyv_pv_blk_reset,
};

static int hyv_pv_blk_size(int fd, u64 *bytes, u32 *blk_size)
{
	struct stat st;
	int ssz;

	if (fstat(fd, &st))
		return -errno;
	*blk_size = 512;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, bytes))
			return -errno;
		if (!ioctl(fd, BLKSSZGET, &ssz) && ssz >= 512 && ssz <= 4096)
			*blk_size = ssz;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*bytes = st.st_size;
	return 0;
}

static void hyv_pv_blk_fill_config(struct hyv_pv_blk *b)
{
	struct hyv_pvblk_config *c = &b->config;

	memset(c, 0, sizeof(*c));
	c->capacity = htole64(b->capacity);
	c->blk_size = htole32(b->blk_size);
	c->seg_max = htole32(HYV_PV_BLK_SEG_MAX);
	c->size_max = htole32(0);
	c->max_sectors = htole32(HYV_PV_BLK_MAX_SECTORS);
	c->num_queues = htole32(b->t.num_queues);
	c->max_discard_sectors = htole32(HYV_PV_BLK_MAX_SECTORS);
	c->max_discard_seg = htole32(HYV_PV_BLK_MAX_RANGES);
	c->discard_sector_alignment = htole32(b->blk_size >> 9);
	c->max_write_zeroes_sectors = htole32(HYV_PV_BLK_MAX_SECTORS);
	c->max_write_zeroes_seg = htole32(1);
}

struct hyv_pv_blk *hyv_pv_blk_create(const struct hyv_pv_blk_opts *opts,
				     const struct hyv_pv_mem *mem, char *err,
				     size_t errlen)
{
	struct hyv_pv_blk *b;
	u64 bytes;
	unsigned int i;
	int flags, ret;

	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->mem = mem;
	b->path = strdup(opts->path);
	b->ro = opts->ro;
	b->hostile = opts->hostile;
	b->hostile.count = 0;
	b->hostile.fired = 0;
	pthread_mutex_init(&b->err_lock, NULL);
	for (i = 0; i < HYV_PV_MAX_QUEUES; i++) {
		b->queues[i].blk = b;
		b->queues[i].index = i;
		b->queues[i].stop_fd = -1;
	}
	flags = (opts->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		(opts->direct ? O_DIRECT : 0);
	b->fd = open(opts->path, flags);
	if (b->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", opts->path, strerror(-ret));
		goto fail;
	}
	ret = hyv_pv_blk_size(b->fd, &bytes, &b->blk_size);
	if (ret) {
		snprintf(err, errlen, "%s: not a file or block device (%s)",
			 opts->path, strerror(-ret));
		goto fail;
	}
	b->capacity = bytes >> 9;
	b->t.type = HYV_PV_TYPE_BLOCK;
	b->t.doorbell_device = opts->doorbell_device;
	b->t.num_queues = opts->num_queues ? opts->num_queues : 1;
	/* After num_queues: the registers carry it. */
	hyv_pv_blk_fill_config(b);
	b->t.queue_size_max = opts->queue_size ? opts->queue_size : 256;
	b->t.device_features = 1ULL << HYV_PV_F_RING_INDIRECT_DESC |
			       1ULL << HYV_PV_F_RING_EVENT_IDX |
			       1ULL << HYV_PVBLK_F_FLUSH |
			       1ULL << HYV_PVBLK_F_FUA;
	if (opts->ro)
		b->t.device_features |= 1ULL << HYV_PVBLK_F_RO;
	else
		b->t.device_features |= 1ULL << HYV_PVBLK_F_DISCARD |
					1ULL << HYV_PVBLK_F_WRITE_ZEROES;
	b->t.config = &b->config;
	b->t.config_len = sizeof(b->config);
	b->t.ops = &hyv_pv_blk_ops;
	b->t.opaque = b;
	ret = hyv_pv_transport_init(&b->t);
	if (ret) {
		snprintf(err, errlen, "%s: bad device description (%s)",
			 opts->path, strerror(-ret));
		goto fail;
	}
	return b;
fail:
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	free(b);
	errno = -ret;
	return NULL;
}

struct hyv_pv_transport *hyv_pv_blk_transport(struct hyv_pv_blk *b)
{
	return &b->t;
}

int hyv_pv_blk_resize(struct hyv_pv_blk *b)
{
	u64 bytes;
	u32 blk_size;
	int ret;

	ret = hyv_pv_blk_size(b->fd, &bytes, &blk_size);
	if (ret)
		return ret;
	__atomic_store_n(&b->capacity, bytes >> 9, __ATOMIC_SEQ_CST);
	b->config.capacity = htole64(bytes >> 9);
	hyv_pv_transport_config_changed(&b->t);
	return 0;
}

void hyv_pv_blk_get_stats(struct hyv_pv_blk *b, struct hyv_pv_blk_stats *s)
{
	s->requests = __atomic_load_n(&b->stats.requests, __ATOMIC_RELAXED);
	s->errors = __atomic_load_n(&b->stats.errors, __ATOMIC_RELAXED);
	s->doorbells = __atomic_load_n(&b->stats.doorbells, __ATOMIC_RELAXED);
	s->interrupts = __atomic_load_n(&b->stats.interrupts, __ATOMIC_RELAXED);
	s->interrupts_suppressed =
		__atomic_load_n(&b->stats.interrupts_suppressed,
				__ATOMIC_RELAXED);
}

const char *hyv_pv_blk_error(struct hyv_pv_blk *b)
{
	return b->err[0] ? b->err : NULL;
}

void hyv_pv_blk_destroy(struct hyv_pv_blk *b)
{
	if (!b)
		return;
	hyv_pv_blk_stop_all(b);
	hyv_pv_transport_destroy(&b->t);
	close(b->fd);
	pthread_mutex_destroy(&b->err_lock);
	free(b->path);
	free(b);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the hyv PV block backend: the device, its queues and their
 * request slots, shared by hyv_pv_blk.c (device, workers) and
 * hyv_pv_blk_req.c (parsing and I/O of one request).
 */
#ifndef HYV_PV_BLK_INT_H
#define HYV_PV_BLK_INT_H

#include <pthread.h>
#include <liburing.h>

#include "hyv_pv_blk.h"

#define HYV_PV_BLK_SEG_MAX	126	/* data descriptors per request */
#define HYV_PV_BLK_IOV_MAX	(HYV_PV_BLK_SEG_MAX + 2)
#define HYV_PV_BLK_MAX_SECTORS	BIT(16)		/* 32 MiB per request */
#define HYV_PV_BLK_MAX_RANGES	16

struct hyv_pv_blk_queue;

struct hyv_pv_blk_req {
	struct hyv_pv_chain chain;
	struct iovec data[HYV_PV_BLK_IOV_MAX];	/* the chain's data part */
	unsigned int n_data;
	u8 *status_ptr;			/* in guest memory */
	u8 status;
	u32 used_len;
	u32 expect;			/* bytes the I/O must move */
	unsigned int pending;		/* SQEs not completed */
	struct hyv_pvblk_req_hdr hdr;
	struct hyv_pvblk_range ranges[HYV_PV_BLK_MAX_RANGES];
};

struct hyv_pv_blk_queue {
	struct hyv_pv_blk *blk;
	unsigned int index;
	bool enabled, running, stopping, pushed, ring_ready;
	struct hyv_pv_vring vring;
	struct io_uring ring;
	pthread_t thread;
	int stop_fd;
	u64 doorbell_buf, stop_buf;
	unsigned int size, nfree, in_flight;
	struct hyv_pv_blk_req *reqs;
	struct hyv_pv_blk_req **free;
};

struct hyv_pv_blk {
	struct hyv_pv_transport t;
	const struct hyv_pv_mem *mem;
	char *path;
	int fd;
	bool ro;
	u64 capacity;			/* sectors; atomic */
	u32 blk_size;
	struct hyv_pvblk_config config;
	struct hyv_pv_blk_stats stats;	/* atomic */
	struct hyv_pv_hostile hostile;	/* test-only, shared by the queues */
	pthread_mutex_t err_lock;
	char err[200];
	struct hyv_pv_blk_queue queues[HYV_PV_MAX_QUEUES];
};

void hyv_pv_blk_start(struct hyv_pv_blk_queue *q, struct hyv_pv_blk_req *r);
void hyv_pv_blk_io_done(struct hyv_pv_blk_queue *q, struct hyv_pv_blk_req *r,
			int res);
void hyv_pv_blk_finish(struct hyv_pv_blk_queue *q, struct hyv_pv_blk_req *r);

#endif /* HYV_PV_BLK_INT_H */

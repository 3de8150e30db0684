// SPDX-License-Identifier: GPL-2.0
/*
 * The guest driver's ring (guest-drivers/common/hyv_pv_ring.c, built
 * unchanged over tests/shim/) against the VMM's device half
 * (vmm/pv/hyv_pv_vring.c) in one thread: tens of thousands of chains
 * through small rings so that every index wraps, direct and indirect
 * chains, event-index notification counts both ways, and hostile rings
 * both ways, each of which must end in "broken", never in a crash; and
 * the backend's hostile mode (hyv_pv_hostile.c) as the driver sees it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hyv_pv_ring.h"
#include "hyv_pv_vring.h"
#include "tap.h"

static void *test_map(void *opaque, u64 gpa, u64 len)
{
	return kshim_hva(gpa, len);
}

static const struct hyv_pv_mem test_mem = { .map = test_map };

/* A driver's queue and the device's view of the same ring. */
struct pair {
	struct hyv_vq *vq;
	struct hyv_pv_vring dev;
	unsigned long kicks;
	bool refuse_doorbell;
	struct iovec iov[64];
	struct hyv_pv_chain chain;
};

static bool pair_notify(struct hyv_vq *vq)
{
	struct pair *p = hyv_vq_priv(vq);

	p->kicks++;
	return !p->refuse_doorbell;
}

static int pair_init(struct pair *p, unsigned int num, bool indirect,
		     bool event_idx)
{
	struct hyv_vq_info info = {
		.num = num, .indirect = indirect, .event_idx = event_idx,
		.notify = pair_notify, .priv = p, .name = "test",
	};
	u64 d, a, u;

	memset(p, 0, sizeof(*p));
	kshim_dma_mapped = 0;	/* a failed test before may have left some */
	p->vq = hyv_vq_create(&info, GFP_KERNEL);
	if (IS_ERR(p->vq))
		return -1;
	hyv_vq_get_addrs(p->vq, &d, &a, &u);
	p->chain.iov = p->iov;
	p->chain.iov_max = 64;
	return hyv_pv_vring_init(&p->dev, &test_mem, num, d, a, u, event_idx,
				 indirect);
}

static void pair_destroy(struct pair *p)
{
	hyv_vq_destroy(p->vq);
}

/* A request: a sequence number to read, then 1..3 buffers to write. */
struct req {
	u64 seq;
	u8 extra[32];			/* a second readable buffer */
	u8 out[3][64];
	unsigned int nin, inlen[3];
	struct scatterlist sg_out[2], sg_in[3];
};

static int req_add(struct pair *p, struct req *r, u64 seq)
{
	struct scatterlist *sgs[2] = { r->sg_out, r->sg_in };
	unsigned int i, nout = 1 + seq % 2;

	r->seq = seq;
	r->nin = 1 + seq % 3;
	sg_init_table(r->sg_out, nout);
	sg_set_buf(&r->sg_out[0], &r->seq, sizeof(r->seq));
	if (nout == 2)
		sg_set_buf(&r->sg_out[1], r->extra, 1 + seq % 32);
	sg_init_table(r->sg_in, r->nin);
	for (i = 0; i < r->nin; i++) {
		r->inlen[i] = 1 + (seq * 7 + i) % 64;
		memset(r->out[i], 0, sizeof(r->out[i]));
		sg_set_buf(&r->sg_in[i], r->out[i], r->inlen[i]);
	}
	return hyv_vq_add_sgs(p->vq, sgs, 1, 1, r, GFP_ATOMIC);
}

/* The device: every writable byte gets the low byte of the sequence. */
static int device_serve(struct pair *p, unsigned int *served)
{
	unsigned int i;
	u64 seq;
	int ret;

	*served = 0;
	while ((ret = hyv_pv_vring_pop(&p->dev, &p->chain)) == 1) {
		if (p->chain.n_out < 1 || p->iov[0].iov_len != sizeof(seq))
			return -1;
		memcpy(&seq, p->iov[0].iov_base, sizeof(seq));
		for (i = 0; i < p->chain.n_in; i++)
			memset(p->iov[p->chain.n_out + i].iov_base, (u8)seq,
			       p->iov[p->chain.n_out + i].iov_len);
		hyv_pv_vring_push(&p->dev, p->chain.head, p->chain.in_bytes);
		(*served)++;
	}
	return ret;
}

static int req_check(const struct req *r, unsigned int len)
{
	unsigned int i, j, total = 0;

	for (i = 0; i < r->nin; i++) {
		total += r->inlen[i];
		for (j = 0; j < r->inlen[i]; j++)
			CHECK_EQ(r->out[i][j], (u8)r->seq);
	}
	CHECK_EQ(len, total);
	return 0;
}

/* 70000 chains through a 16-entry ring: avail/used indices wrap too. */
static int run_many(bool indirect, bool event_idx)
{
	const unsigned int num = 16, total = 70000;
	u64 next_seq = 0, next_done = 0;
	struct req *reqs;
	struct pair p;
	unsigned int served, len, i;
	struct req *r;

	CHECK_EQ(pair_init(&p, num, indirect, event_idx), 0);
	reqs = kshim_alloc(sizeof(*reqs) * num);
	CHECK(reqs);
	while (next_done < total) {
		/* Fill the ring (slot = seq % num is free: FIFO). */
		while (next_seq < total && next_seq - next_done < num) {
			r = &reqs[next_seq % num];
			if (req_add(&p, r, next_seq))
				break;
			next_seq++;
		}
		CHECK(hyv_vq_kick(p.vq));
		CHECK_EQ(device_serve(&p, &served), 0);
		CHECK(served > 0);
		hyv_pv_vring_need_signal(&p.dev);
		CHECK(hyv_pv_vring_enable_notify(&p.dev) == false);
		for (i = 0; i < served; i++) {
			r = hyv_vq_get_buf(p.vq, &len);
			CHECK(r == &reqs[next_done % num]);
			CHECK_EQ(req_check(r, len), 0);
			next_done++;
		}
		CHECK(!hyv_vq_get_buf(p.vq, &len));
	}
	CHECK(!hyv_vq_is_broken(p.vq));
	CHECK(!p.dev.broken);
	CHECK_EQ(hyv_vq_num_free(p.vq), num);
	CHECK_EQ(kshim_dma_mapped, 0);
	CHECK_EQ(p.dev.stats.chains, total);
	/* Direct chains of 2..5 descriptors cannot all fit 16 at once. */
	if (!indirect)
		CHECK(next_seq == total);
	pair_destroy(&p);
	kshim_free(reqs);
	return 0;
}

static int test_many_direct(void) { return run_many(false, false); }
static int test_many_indirect(void) { return run_many(true, false); }
static int test_many_indirect_event_idx(void) { return run_many(true, true); }

/* Indirect chains take one ring descriptor each, direct ones all. */
static int test_indirect_uses_one_descriptor(void)
{
	struct pair p;
	struct req *r = kshim_alloc(sizeof(*r));

	CHECK_EQ(pair_init(&p, 8, true, false), 0);
	CHECK_EQ(req_add(&p, r, 5), 0);	/* 2 out + 3 in */
	CHECK_EQ(hyv_vq_num_free(p.vq), 7);
	pair_destroy(&p);
	CHECK_EQ(pair_init(&p, 8, false, false), 0);
	CHECK_EQ(req_add(&p, r, 5), 0);
	CHECK_EQ(hyv_vq_num_free(p.vq), 3);
	/* No memory for a table: a direct chain instead. */
	pair_destroy(&p);
	CHECK_EQ(pair_init(&p, 8, true, false), 0);
	kshim_fail_kmalloc = 1;
	CHECK_EQ(req_add(&p, r, 5), 0);
	CHECK_EQ(hyv_vq_num_free(p.vq), 3);
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

/*
 * Rounds of B requests, each added and kicked on its own, served by the
 * device in one go: with event index one doorbell and one interrupt per
 * round; without, one doorbell per request.
 */
static int run_counts(bool event_idx, unsigned long *kicks,
		      unsigned long *irqs)
{
	const unsigned int rounds = 100, batch = 8;
	struct req *reqs = kshim_alloc(sizeof(*reqs) * batch);
	unsigned int n, b, served, len;
	struct pair p;

	CHECK_EQ(pair_init(&p, 64, true, event_idx), 0);
	for (n = 0; n < rounds; n++) {
		for (b = 0; b < batch; b++) {
			CHECK_EQ(req_add(&p, &reqs[b], n * batch + b), 0);
			CHECK(hyv_vq_kick(p.vq));
		}
		hyv_pv_vring_disable_notify(&p.dev);
		CHECK_EQ(device_serve(&p, &served), 0);
		CHECK_EQ(served, batch);
		hyv_pv_vring_need_signal(&p.dev);
		CHECK(!hyv_pv_vring_enable_notify(&p.dev));
		for (b = 0; b < batch; b++)
			CHECK(hyv_vq_get_buf(p.vq, &len) == &reqs[b]);
	}
	*kicks = p.kicks;
	*irqs = p.dev.stats.interrupts;
	pair_destroy(&p);
	kshim_free(reqs);
	return 0;
}

static int test_event_idx_one_kick_per_batch(void)
{
	unsigned long kicks, irqs;

	CHECK_EQ(run_counts(true, &kicks, &irqs), 0);
	printf("# event index: %lu doorbells, %lu interrupts for 800 requests\n",
	       kicks, irqs);
	CHECK_EQ(kicks, 100);
	CHECK_EQ(irqs, 100);
	CHECK_EQ(run_counts(false, &kicks, &irqs), 0);
	printf("# flags only: %lu doorbells, %lu interrupts for 800 requests\n",
	       kicks, irqs);
	CHECK_EQ(kicks, 800);
	CHECK_EQ(irqs, 100);
	return 0;
}

/* disable_cb suppresses the device's interrupts; enable_cb sees races. */
static int run_cb_suppression(bool event_idx)
{
	struct req *r = kshim_alloc(sizeof(*r) * 2);
	unsigned int served, len;
	struct pair p;

	CHECK_EQ(pair_init(&p, 8, true, event_idx), 0);
	hyv_vq_disable_cb(p.vq);
	CHECK_EQ(req_add(&p, &r[0], 1), 0);
	CHECK_EQ(device_serve(&p, &served), 0);
	CHECK(!hyv_pv_vring_need_signal(&p.dev));
	/* A completion came while interrupts were off: enable says so. */
	CHECK(!hyv_vq_enable_cb(p.vq));
	CHECK(hyv_vq_get_buf(p.vq, &len) == &r[0]);
	CHECK(hyv_vq_enable_cb(p.vq));
	CHECK_EQ(req_add(&p, &r[1], 2), 0);
	CHECK_EQ(device_serve(&p, &served), 0);
	CHECK(hyv_pv_vring_need_signal(&p.dev));
	CHECK(hyv_vq_get_buf(p.vq, &len) == &r[1]);
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

static int test_disable_cb_suppresses_interrupts(void)
{
	CHECK_EQ(run_cb_suppression(true), 0);
	return run_cb_suppression(false);
}

/* ---- hostile driver: raw rings the device half must refuse --------- */

struct raw {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	unsigned int num;
	u16 avail_idx;
	struct hyv_pv_vring dev;
	struct iovec iov[8];
	struct hyv_pv_chain chain;
	u8 *buf;
};

static int raw_init(struct raw *r, unsigned int num, bool indirect)
{
	memset(r, 0, sizeof(*r));
	r->num = num;
	r->desc = kshim_alloc(16 * num);
	r->avail = kshim_alloc(6 + 2 * num);
	r->used = kshim_alloc(6 + 8 * num);
	r->buf = kshim_alloc(4096);
	memset(r->desc, 0, 16 * num);
	memset(r->avail, 0, 6 + 2 * num);
	memset(r->used, 0, 6 + 8 * num);
	r->chain.iov = r->iov;
	r->chain.iov_max = 8;
	return hyv_pv_vring_init(&r->dev, &test_mem, num,
				 kshim_gpa(r->desc), kshim_gpa(r->avail),
				 kshim_gpa(r->used), true, indirect);
}

static void raw_free(struct raw *r)
{
	kshim_free(r->desc);
	kshim_free(r->avail);
	kshim_free(r->used);
	kshim_free(r->buf);
}

static void raw_set(struct vring_desc *d, u64 addr, u32 len,
		    u16 flags, u16 next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

static void raw_publish(struct raw *r, u16 head)
{
	r->avail->ring[r->avail_idx % r->num] = htole16(head);
	r->avail_idx++;
	r->avail->idx = htole16(r->avail_idx);
}

/* The ring must now be broken, stay broken, and say why. */
static int raw_expect_broken(struct raw *r, const char *what)
{
	CHECK_EQ(hyv_pv_vring_pop(&r->dev, &r->chain), -EIO);
	CHECK(r->dev.broken);
	CHECK(r->dev.err[0]);
	CHECK_EQ(hyv_pv_vring_pop(&r->dev, &r->chain), -EIO);
	CHECK(!hyv_pv_vring_need_signal(&r->dev));
	printf("# %s: \"%s\"\n", what, r->dev.err);
	raw_free(r);
	return 0;
}

static int test_device_refuses_avail_index_jump(void)
{
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	r.avail->idx = htole16(9);
	return raw_expect_broken(&r, "avail jump");
}

static int test_device_refuses_head_past_ring(void)
{
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_publish(&r, 8);
	return raw_expect_broken(&r, "head");
}

static int test_device_refuses_next_past_ring(void)
{
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&r.desc[0], kshim_gpa(r.buf), 16, VRING_DESC_F_NEXT, 200);
	raw_publish(&r, 0);
	return raw_expect_broken(&r, "next");
}

static int test_device_refuses_descriptor_loop(void)
{
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&r.desc[0], kshim_gpa(r.buf), 16, VRING_DESC_F_NEXT, 1);
	raw_set(&r.desc[1], kshim_gpa(r.buf), 16, VRING_DESC_F_NEXT, 0);
	raw_publish(&r, 0);
	return raw_expect_broken(&r, "loop");
}

static int test_device_refuses_loop_inside_indirect_table(void)
{
	struct vring_desc *table;
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	table = kshim_alloc(16 * 4);
	raw_set(&table[0], kshim_gpa(r.buf), 8, VRING_DESC_F_NEXT, 1);
	raw_set(&table[1], kshim_gpa(r.buf), 8, VRING_DESC_F_NEXT, 0);
	raw_set(&r.desc[3], kshim_gpa(table), 32, VRING_DESC_F_INDIRECT, 0);
	raw_publish(&r, 3);
	CHECK_EQ(raw_expect_broken(&r, "indirect loop"), 0);
	kshim_free(table);
	return 0;
}

static int test_device_refuses_indirect_table_longer_than_ring(void)
{
	struct vring_desc *table;
	unsigned int i;
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	table = kshim_alloc(16 * 9);
	for (i = 0; i < 9; i++)
		raw_set(&table[i], kshim_gpa(r.buf), 8,
			i < 8 ? VRING_DESC_F_NEXT : 0, i + 1);
	raw_set(&r.desc[0], kshim_gpa(table), 16 * 9, VRING_DESC_F_INDIRECT, 0);
	raw_publish(&r, 0);
	CHECK_EQ(raw_expect_broken(&r, "long indirect"), 0);
	kshim_free(table);
	return 0;
}

static int test_device_refuses_bad_indirect_descriptors(void)
{
	struct vring_desc *table = kshim_alloc(64);
	struct raw r;

	/* Odd length. */
	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&r.desc[0], kshim_gpa(table), 20, VRING_DESC_F_INDIRECT, 0);
	raw_publish(&r, 0);
	CHECK_EQ(raw_expect_broken(&r, "indirect length"), 0);
	/* INDIRECT with NEXT. */
	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&table[0], kshim_gpa(r.buf), 8, 0, 0);
	raw_set(&r.desc[0], kshim_gpa(table), 16,
		VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	raw_publish(&r, 0);
	CHECK_EQ(raw_expect_broken(&r, "indirect+next"), 0);
	/* Nested indirect. */
	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&table[0], kshim_gpa(table), 16, VRING_DESC_F_INDIRECT, 0);
	raw_set(&r.desc[0], kshim_gpa(table), 16, VRING_DESC_F_INDIRECT, 0);
	raw_publish(&r, 0);
	CHECK_EQ(raw_expect_broken(&r, "nested indirect"), 0);
	/* Indirect without the feature. */
	CHECK_EQ(raw_init(&r, 8, false), 0);
	raw_set(&table[0], kshim_gpa(r.buf), 8, 0, 0);
	raw_set(&r.desc[0], kshim_gpa(table), 16, VRING_DESC_F_INDIRECT, 0);
	raw_publish(&r, 0);
	CHECK_EQ(raw_expect_broken(&r, "indirect not negotiated"), 0);
	kshim_free(table);
	return 0;
}

static int test_device_refuses_buffers_outside_guest_memory(void)
{
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&r.desc[0], kshim_gpa(r.buf) + (64ULL << 20), 16, 0, 0);
	raw_publish(&r, 0);
	CHECK_EQ(raw_expect_broken(&r, "past RAM"), 0);
	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&r.desc[0], UINT64_MAX - 8, 64, 0, 0);	/* wraps */
	raw_publish(&r, 0);
	CHECK_EQ(raw_expect_broken(&r, "wrapping address"), 0);
	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&r.desc[0], 0x1000, 16, 0, 0);		/* below RAM */
	raw_publish(&r, 0);
	return raw_expect_broken(&r, "below RAM");
}

static int test_device_refuses_readable_after_writable(void)
{
	struct raw r;

	CHECK_EQ(raw_init(&r, 8, true), 0);
	raw_set(&r.desc[0], kshim_gpa(r.buf), 16,
		VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	raw_set(&r.desc[1], kshim_gpa(r.buf), 16, 0, 0);
	raw_publish(&r, 0);
	return raw_expect_broken(&r, "order");
}

static int test_device_refuses_rings_outside_memory(void)
{
	struct hyv_pv_vring dev;

	CHECK_EQ(hyv_pv_vring_init(&dev, &test_mem, 8, 0x100000ULL + (64ULL << 20),
				   0x100000, 0x100000, true, true), -EINVAL);
	CHECK_EQ(hyv_pv_vring_init(&dev, &test_mem, 12, 0x100000, 0x100000,
				   0x100000, true, true), -EINVAL);
	CHECK_EQ(hyv_pv_vring_init(&dev, &test_mem, 8, 0x100008, 0x100000,
				   0x100000, true, true), -EINVAL);
	return 0;
}

/* A chain with more buffers than the caller's iovecs is flagged. */
static int test_device_flags_truncated_chains(void)
{
	struct raw r;
	unsigned int i;

	CHECK_EQ(raw_init(&r, 16, true), 0);
	for (i = 0; i < 10; i++)
		raw_set(&r.desc[i], kshim_gpa(r.buf), 8,
			i < 9 ? VRING_DESC_F_NEXT : 0, i + 1);
	raw_publish(&r, 0);
	CHECK_EQ(hyv_pv_vring_pop(&r.dev, &r.chain), 1);
	CHECK(r.chain.truncated);
	CHECK_EQ(r.chain.n_out, 8);
	CHECK_EQ(r.chain.out_bytes, 80);
	CHECK(!r.dev.broken);
	raw_free(&r);
	return 0;
}

/* ---- hostile device: used rings the driver half must refuse -------- */

static int pair_with_two(struct pair *p, struct req *r)
{
	CHECK_EQ(pair_init(p, 8, false, true), 0);
	CHECK_EQ(req_add(p, &r[0], 0), 0);	/* head 0, 2 descriptors */
	CHECK_EQ(req_add(p, &r[1], 1), 0);	/* head 2 */
	return 0;
}

static struct vring_used *pair_used(struct pair *p)
{
	u64 d, a, u;

	hyv_vq_get_addrs(p->vq, &d, &a, &u);
	return kshim_hva(u, 6 + 8 * 8);
}

static int driver_expect_broken(struct pair *p, struct req *r)
{
	unsigned int len;

	CHECK(!hyv_vq_get_buf(p->vq, &len));
	CHECK(hyv_vq_is_broken(p->vq));
	CHECK_EQ(req_add(p, &r[0], 3), -EIO);
	CHECK(!hyv_vq_notify(p->vq));
	/* After a reset the driver takes its buffers back. */
	CHECK(hyv_vq_detach_unused_buf(p->vq));
	CHECK(hyv_vq_detach_unused_buf(p->vq));
	CHECK(!hyv_vq_detach_unused_buf(p->vq));
	CHECK_EQ(kshim_dma_mapped, 0);
	pair_destroy(p);
	return 0;
}

static int test_driver_refuses_used_index_jump(void)
{
	struct req *r = kshim_alloc(sizeof(*r) * 3);
	struct pair p;

	CHECK_EQ(pair_with_two(&p, r), 0);
	pair_used(&p)->idx = htole16(3);	/* 2 in flight */
	CHECK_EQ(driver_expect_broken(&p, r), 0);
	kshim_free(r);
	return 0;
}

static int test_driver_refuses_used_id_past_ring(void)
{
	struct req *r = kshim_alloc(sizeof(*r) * 3);
	struct vring_used *used;
	struct pair p;

	CHECK_EQ(pair_with_two(&p, r), 0);
	used = pair_used(&p);
	used->ring[0].id = htole32(8);
	used->idx = htole16(1);
	CHECK_EQ(driver_expect_broken(&p, r), 0);
	kshim_free(r);
	return 0;
}

static int test_driver_refuses_used_id_not_in_flight(void)
{
	struct req *r = kshim_alloc(sizeof(*r) * 3);
	struct vring_used *used;
	unsigned int len;
	struct pair p;

	/* Not a head (descriptor 1 is the tail of chain 0). */
	CHECK_EQ(pair_with_two(&p, r), 0);
	used = pair_used(&p);
	used->ring[0].id = htole32(1);
	used->idx = htole16(1);
	CHECK_EQ(driver_expect_broken(&p, r), 0);
	/* The same head used twice. */
	CHECK_EQ(pair_with_two(&p, r), 0);
	used = pair_used(&p);
	used->ring[0].id = htole32(0);
	used->ring[0].len = htole32(1);
	used->ring[1].id = htole32(0);
	used->idx = htole16(2);
	CHECK(hyv_vq_get_buf(p.vq, &len) == &r[0]);
	CHECK(!hyv_vq_get_buf(p.vq, &len));
	CHECK(hyv_vq_is_broken(p.vq));
	CHECK(hyv_vq_detach_unused_buf(p.vq) == &r[1]);
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

static int test_driver_fails_only_the_request_with_a_bad_length(void)
{
	struct req *r = kshim_alloc(sizeof(*r) * 3);
	struct hyv_vq_stats st;
	struct vring_used *used;
	unsigned int len = 99;
	struct pair p;

	CHECK_EQ(pair_with_two(&p, r), 0);
	used = pair_used(&p);
	used->ring[0].id = htole32(0);
	used->ring[0].len = htole32(r[0].inlen[0] + 1);	/* past it */
	used->idx = htole16(1);
	CHECK(hyv_vq_get_buf(p.vq, &len) == &r[0]);
	CHECK_EQ(len, 0);
	CHECK(!hyv_vq_is_broken(p.vq));
	hyv_vq_get_stats(p.vq, &st);
	CHECK_EQ(st.bad_len, 1);
	CHECK(hyv_vq_detach_unused_buf(p.vq) == &r[1]);
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

static int test_driver_breaks_on_refused_doorbell(void)
{
	struct req *r = kshim_alloc(sizeof(*r));
	struct pair p;

	CHECK_EQ(pair_init(&p, 8, true, true), 0);
	p.refuse_doorbell = true;
	CHECK_EQ(req_add(&p, r, 0), 0);
	CHECK(!hyv_vq_kick(p.vq));
	CHECK(hyv_vq_is_broken(p.vq));
	CHECK(hyv_vq_detach_unused_buf(p.vq) == r);
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

static int test_driver_rejects_chains_longer_than_ring(void)
{
	struct scatterlist sg[9], *sgs[1] = { sg };
	u8 *buf = kshim_alloc(64);
	struct pair p;
	unsigned int i;

	CHECK_EQ(pair_init(&p, 8, true, true), 0);
	sg_init_table(sg, 9);
	for (i = 0; i < 9; i++)
		sg_set_buf(&sg[i], buf, 4);
	CHECK_EQ(hyv_vq_add_sgs(p.vq, sgs, 1, 0, buf, GFP_ATOMIC), -EINVAL);
	CHECK_EQ(hyv_vq_add_sgs(p.vq, sgs, 1, 0, NULL, GFP_ATOMIC), -EINVAL);
	CHECK_EQ(hyv_vq_num_free(p.vq), 8);
	pair_destroy(&p);
	kshim_free(buf);
	return 0;
}

/* ---- the backend's hostile mode (hyv_pv_hostile.c) against the driver */

/* Two requests served by a device in hostile mode KIND@AT. */
static int hostile_pair(struct pair *p, struct req *r,
			struct hyv_pv_hostile *h, const char *mode)
{
	unsigned int served;

	memset(h, 0, sizeof(*h));
	strcpy(h->name, "test");
	CHECK_EQ(hyv_pv_hostile_parse(mode, &h->kind, &h->at, NULL, 0), 0);
	CHECK_EQ(pair_with_two(p, r), 0);
	p->dev.hostile = h;
	CHECK_EQ(device_serve(p, &served), 0);
	CHECK_EQ(served, 2);
	CHECK_EQ(h->count, 2);
	CHECK_EQ(h->fired, 1);
	return 0;
}

static int test_hostile_id_breaks_the_driver(void)
{
	struct req *r = kshim_alloc(sizeof(*r) * 3);
	struct hyv_pv_hostile h;
	unsigned int len;
	struct pair p;

	CHECK_EQ(hostile_pair(&p, r, &h, "id@2"), 0);
	CHECK(hyv_vq_get_buf(p.vq, &len) == &r[0]);
	CHECK_EQ(req_check(&r[0], len), 0);
	CHECK(!hyv_vq_get_buf(p.vq, &len));
	CHECK(hyv_vq_is_broken(p.vq));
	CHECK(hyv_vq_detach_unused_buf(p.vq) == &r[1]);
	CHECK(!hyv_vq_detach_unused_buf(p.vq));
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

static int test_hostile_len_fails_one_request(void)
{
	struct req *r = kshim_alloc(sizeof(*r) * 3);
	struct hyv_pv_hostile h;
	struct hyv_vq_stats st;
	unsigned int len = 99;
	struct pair p;

	CHECK_EQ(hostile_pair(&p, r, &h, "len@1"), 0);
	CHECK(hyv_vq_get_buf(p.vq, &len) == &r[0]);
	CHECK_EQ(len, 0);
	/* One-shot: the next completion is right again. */
	CHECK(hyv_vq_get_buf(p.vq, &len) == &r[1]);
	CHECK_EQ(req_check(&r[1], len), 0);
	CHECK(!hyv_vq_is_broken(p.vq));
	hyv_vq_get_stats(p.vq, &st);
	CHECK_EQ(st.bad_len, 1);
	CHECK_EQ(kshim_dma_mapped, 0);
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

static int test_hostile_idx_breaks_the_driver(void)
{
	struct req *r = kshim_alloc(sizeof(*r) * 3);
	struct hyv_pv_hostile h;
	unsigned int len;
	struct pair p;

	CHECK_EQ(hostile_pair(&p, r, &h, "idx@1"), 0);
	CHECK(!hyv_vq_get_buf(p.vq, &len));
	CHECK(hyv_vq_is_broken(p.vq));
	CHECK(hyv_vq_detach_unused_buf(p.vq));
	CHECK(hyv_vq_detach_unused_buf(p.vq));
	CHECK(!hyv_vq_detach_unused_buf(p.vq));
	CHECK_EQ(kshim_dma_mapped, 0);
	pair_destroy(&p);
	kshim_free(r);
	return 0;
}

static int test_hostile_parse_is_strict(void)
{
	static const char *const bad[] = {
		"", "id", "id@", "id@0", "@1", "ids@1", "i@1", "len@-1",
		"len@+1", "idx@1x", "idx@ 1", "idx@1000000001",
		"id@99999999999999999999",
	};
	enum hyv_pv_hostile_kind kind;
	char err[128];
	unsigned int i;
	u64 at;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = 0;
		CHECK_EQ(hyv_pv_hostile_parse(bad[i], &kind, &at, err,
					      sizeof(err)), -EINVAL);
		CHECK(err[0]);
	}
	CHECK_EQ(hyv_pv_hostile_parse("id@1", &kind, &at, err, sizeof(err)), 0);
	CHECK(kind == HYV_PV_HOSTILE_ID && at == 1);
	CHECK_EQ(hyv_pv_hostile_parse("len@1000000000", &kind, &at, err,
				      sizeof(err)), 0);
	CHECK(kind == HYV_PV_HOSTILE_LEN && at == 1000000000);
	CHECK_EQ(hyv_pv_hostile_parse("idx@7", &kind, &at, err, sizeof(err)), 0);
	CHECK(kind == HYV_PV_HOSTILE_IDX && at == 7);
	return 0;
}

static const struct tap_test tests[] = {
	{ "many_requests_direct_wrap", test_many_direct },
	{ "many_requests_indirect_wrap", test_many_indirect },
	{ "many_requests_indirect_event_idx_wrap", test_many_indirect_event_idx },
	{ "indirect_uses_one_descriptor", test_indirect_uses_one_descriptor },
	{ "event_idx_one_kick_per_batch", test_event_idx_one_kick_per_batch },
	{ "disable_cb_suppresses_interrupts", test_disable_cb_suppresses_interrupts },
	{ "device_refuses_avail_index_jump", test_device_refuses_avail_index_jump },
	{ "device_refuses_head_past_ring", test_device_refuses_head_past_ring },
	{ "device_refuses_next_past_ring", test_device_refuses_next_past_ring },
	{ "device_refuses_descriptor_loop", test_device_refuses_descriptor_loop },
	{ "device_refuses_loop_inside_indirect_table",
	  test_device_refuses_loop_inside_indirect_table },
	{ "device_refuses_indirect_table_longer_than_ring",
	  test_device_refuses_indirect_table_longer_than_ring },
	{ "device_refuses_bad_indirect_descriptors",
	  test_device_refuses_bad_indirect_descriptors },
	{ "device_refuses_buffers_outside_guest_memory",
	  test_device_refuses_buffers_outside_guest_memory },
	{ "device_refuses_readable_after_writable",
	  test_device_refuses_readable_after_writable },
	{ "device_refuses_rings_outside_memory", test_device_refuses_rings_outside_memory },
	{ "device_flags_truncated_chains", test_device_flags_truncated_chains },
	{ "driver_refuses_used_index_jump", test_driver_refuses_used_index_jump },
	{ "driver_refuses_used_id_past_ring", test_driver_refuses_used_id_past_ring },
	{ "driver_refuses_used_id_not_in_flight",
	  test_driver_refuses_used_id_not_in_flight },
	{ "driver_fails_only_the_request_with_a_bad_length",
	  test_driver_fails_only_the_request_with_a_bad_length },
	{ "driver_breaks_on_refused_doorbell", test_driver_breaks_on_refused_doorbell },
	{ "driver_rejects_chains_longer_than_ring",
	  test_driver_rejects_chains_longer_than_ring },
	{ "hostile_id_breaks_the_driver", test_hostile_id_breaks_the_driver },
	{ "hostile_len_fails_one_request", test_hostile_len_fails_one_request },
	{ "hostile_idx_breaks_the_driver", test_hostile_idx_breaks_the_driver },
	{ "hostile_parse_is_strict", test_hostile_parse_is_strict },
};

int main(void)
{
	return tap_run(tests, ARRAY_SIZE(tests));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The PV block path end to end in userspace: a small driver (probe
 * through BAR0/BAR1 as hyv_pvblk does, the guest ring of
 * guest-drivers/common/) -> doorbell eventfd -> the backend's worker ->
 * io_uring -> a temporary file, and back through the used ring and the
 * vector eventfd. Data is checked byte for byte, in the file too.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hyv_pv_blk.h"
#include "hyv_pv_ring.h"
#include "tap.h"

#define DISK_BYTES	(4u << 20)
#define CHUNK		(64u << 10)	/* bytes per request */
#define PIECES		16		/* scatter-gather entries per request */

static char disk_path[256];

static void *test_map(void *opaque, u64 gpa, u64 len)
{
	return kshim_hva(gpa, len);
}

static const struct hyv_pv_mem test_mem = { .map = test_map };

struct drv {
	struct hyv_pv_blk *b;
	struct hyv_pv_transport *t;
	struct hyv_vq *vq[2];
	unsigned int nq;
	u64 features;
};

struct breq {
	struct hyv_pvblk_req_hdr hdr;
	u8 status;
	unsigned int len;
	bool done;
	struct scatterlist sg_hdr, sg_data[PIECES], sg_status;
};

static u32 rd(struct drv *d, unsigned int off)
{
	return hyv_pv_bar0_read(d->t, off, 4);
}

static void wr(struct drv *d, unsigned int off, u32 v)
{
	hyv_pv_bar0_write(d->t, off, 4, v);
}

static bool drv_notify(struct hyv_vq *vq)
{
	struct drv *d = hyv_vq_priv(vq);
	u64 one = 1;

	return write(d->t->doorbell_fd[hyv_vq_index(vq)], &one, 8) == 8;
}

static void drv_remove(struct drv *d)
{
	unsigned int q;

	wr(d, HYV_PV_COMMON_STATUS, 0);
	for (q = 0; q < d->nq; q++)
		hyv_vq_destroy(d->vq[q]);
	d->nq = 0;
}

/* Probe as hyv_pvblk does; returns 0 or the step that failed. */
static int drv_probe(struct drv *d, unsigned int nq)
{
	u32 st = HYV_PV_STATUS_ACKNOWLEDGE | HYV_PV_STATUS_DRIVER;
	u64 offered;
	unsigned int q;

	wr(d, HYV_PV_COMMON_STATUS, 0);
	CHECK_EQ(rd(d, HYV_PV_COMMON_STATUS), 0);
	CHECK_EQ(rd(d, HYV_PV_COMMON_MAGIC), HYV_PV_MAGIC);
	CHECK_EQ(rd(d, HYV_PV_COMMON_DEVICE_TYPE), HYV_PV_TYPE_BLOCK);
	wr(d, HYV_PV_COMMON_STATUS, st);
	wr(d, HYV_PV_COMMON_DEVICE_FEATURE_SELECT, 0);
	offered = rd(d, HYV_PV_COMMON_DEVICE_FEATURE);
	wr(d, HYV_PV_COMMON_DEVICE_FEATURE_SELECT, 1);
	offered |= (u64)rd(d, HYV_PV_COMMON_DEVICE_FEATURE) << 32;
	d->features = offered;
	wr(d, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 0);
	wr(d, HYV_PV_COMMON_DRIVER_FEATURE, (u32)offered);
	wr(d, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 1);
	wr(d, HYV_PV_COMMON_DRIVER_FEATURE, offered >> 32);
	st |= HYV_PV_STATUS_FEATURES_OK;
	wr(d, HYV_PV_COMMON_STATUS, st);
	CHECK(rd(d, HYV_PV_COMMON_STATUS) & HYV_PV_STATUS_FEATURES_OK);
	for (q = 0; q < nq; q++) {
		struct hyv_vq_info info = {
			.index = q, .indirect = true, .event_idx = true,
			.notify = drv_notify, .priv = d, .name = "blk",
		};
		u64 da, aa, ua;

		wr(d, HYV_PV_COMMON_QUEUE_SELECT, q);
		info.num = rd(d, HYV_PV_COMMON_QUEUE_SIZE_MAX);
		d->vq[q] = hyv_vq_create(&info, GFP_KERNEL);
		CHECK(!IS_ERR(d->vq[q]));
		d->nq = q + 1;
		hyv_vq_get_addrs(d->vq[q], &da, &aa, &ua);
		wr(d, HYV_PV_COMMON_QUEUE_VECTOR, q + 1);
		wr(d, HYV_PV_COMMON_QUEUE_DESC_LO, (u32)da);
		wr(d, HYV_PV_COMMON_QUEUE_DESC_HI, da >> 32);
		wr(d, HYV_PV_COMMON_QUEUE_AVAIL_LO, (u32)aa);
		wr(d, HYV_PV_COMMON_QUEUE_AVAIL_HI, aa >> 32);
		wr(d, HYV_PV_COMMON_QUEUE_USED_LO, (u32)ua);
		wr(d, HYV_PV_COMMON_QUEUE_USED_HI, ua >> 32);
		wr(d, HYV_PV_COMMON_QUEUE_ENABLE, 1);
		CHECK_EQ(rd(d, HYV_PV_COMMON_QUEUE_ENABLE), 1);
		hyv_pv_msix_write(d->t, (q + 1) * 16 + 12, 4, 0);	/* unmask */
	}
	hyv_pv_msix_write(d->t, 12, 4, 0);
	wr(d, HYV_PV_COMMON_CONFIG_VECTOR, 0);
	wr(d, HYV_PV_COMMON_STATUS, st | HYV_PV_STATUS_DRIVER_OK);
	CHECK(rd(d, HYV_PV_COMMON_STATUS) & HYV_PV_STATUS_DRIVER_OK);
	return 0;
}

static int drv_open(struct drv *d, bool ro, bool direct, unsigned int nq)
{
	struct hyv_pv_blk_opts o = {
		.path = disk_path, .ro = ro, .direct = direct,
		.num_queues = nq, .queue_size = 128, .doorbell_device = 7,
	};
	char err[256];

	memset(d, 0, sizeof(*d));
	d->b = hyv_pv_blk_create(&o, &test_mem, err, sizeof(err));
	if (!d->b) {
		printf("# %s\n", err);
		return direct ? 77 : 1;
	}
	d->t = hyv_pv_blk_transport(d->b);
	return drv_probe(d, nq);
}

static void drv_close(struct drv *d)
{
	drv_remove(d);
	hyv_pv_blk_destroy(d->b);
}

/* Wait for vector @v (up to 5 s). */
static bool wait_vector(struct drv *d, unsigned int v)
{
	struct pollfd p = { .fd = d->t->irq_fd[v], .events = POLLIN };
	u64 n;

	if (poll(&p, 1, 5000) != 1)
		return false;
	return read(p.fd, &n, 8) == 8;
}

/* Take used requests; returns how many. */
static unsigned int reap(struct drv *d, unsigned int q)
{
	unsigned int n = 0, len;
	struct breq *r;

	do {
		hyv_vq_disable_cb(d->vq[q]);
		while ((r = hyv_vq_get_buf(d->vq[q], &len))) {
			r->len = len;
			r->done = true;
			n++;
		}
	} while (!hyv_vq_enable_cb(d->vq[q]) && !hyv_vq_is_broken(d->vq[q]));
	return n;
}

/* Fill request @r; @data of @bytes split into up to PIECES entries. */
static void breq_init(struct breq *r, u32 type, u32 flags,
		      u64 sector, u8 *data, unsigned int bytes)
{
	unsigned int i, n = 0, piece;

	memset(r, 0, sizeof(*r));
	r->hdr.type = htole32(type);
	r->hdr.flags = htole32(flags);
	r->hdr.sector = htole64(sector);
	r->status = 0xee;
	sg_init_one(&r->sg_hdr, &r->hdr, sizeof(r->hdr));
	sg_init_one(&r->sg_status, &r->status, 1);
	if (!bytes)
		return;
	piece = (bytes + PIECES - 1) / PIECES;
	sg_init_table(r->sg_data, PIECES);
	for (i = 0; i < bytes; i += piece, n++)
		sg_set_buf(&r->sg_data[n], data + i,
			   bytes - i < piece ? bytes - i : piece);
	r->sg_data[n - 1].end = true;
}

/* Submit @n requests on queue @q, all at once where they fit. */
static int run(struct drv *d, unsigned int q, struct breq *r, unsigned int n)
{
	unsigned int sent = 0, done = 0;

	while (done < n) {
		while (sent < n) {
			struct scatterlist *sgs[3] = { &r[sent].sg_hdr };
			bool in = le32toh(r[sent].hdr.type) == HYV_PVBLK_T_IN;
			unsigned int out = 1, nin = 0;

			if (r[sent].sg_data[0].buf) {
				if (in)
					sgs[out + nin++] = r[sent].sg_data;
				else
					sgs[out++] = r[sent].sg_data;
			}
			sgs[out + nin++] = &r[sent].sg_status;
			if (hyv_vq_add_sgs(d->vq[q], sgs, out, nin, &r[sent],
					   GFP_ATOMIC))
				break;
			sent++;
		}
		CHECK(hyv_vq_kick(d->vq[q]));
		done += reap(d, q);
		if (done < n)
			CHECK(wait_vector(d, q + 1));
		done += reap(d, q);
	}
	return 0;
}

static int run_one(struct drv *d, struct breq *r)
{
	return run(d, 0, r, 1);
}

/* Arena memory aligned for O_DIRECT. */
static u8 *buf_alloc(size_t bytes, void **raw)
{
	*raw = kshim_alloc(bytes + 4096);
	return (u8 *)(((uintptr_t)*raw + 4095) & ~(uintptr_t)4095);
}

static int make_disk(void)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
	int fd;

	snprintf(disk_path, sizeof(disk_path), "%s/hyv-blk-test-XXXXXX", dir);
	fd = mkstemp(disk_path);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, DISK_BYTES), 0);
	close(fd);
	return 0;
}

static int file_equals(const u8 *want, u64 off, size_t len)
{
	u8 *got = malloc(len);
	int fd = open(disk_path, O_RDONLY), same;

	CHECK(got && fd >= 0);
	CHECK_EQ(pread(fd, got, len, off), (ssize_t)len);
	same = !memcmp(got, want, len);
	close(fd);
	free(got);
	CHECK(same);
	return 0;
}

static int write_then_read(bool direct)
{
	const unsigned int n = DISK_BYTES / CHUNK;
	struct breq *r = kshim_alloc(sizeof(*r) * 2 * n);
	u8 *data, *back;
	void *raw1, *raw2;
	struct drv d;
	unsigned int i;
	int ret;

	ret = drv_open(&d, false, direct, 1);
	if (ret)
		return ret;
	data = buf_alloc(DISK_BYTES, &raw1);
	back = buf_alloc(DISK_BYTES, &raw2);
	for (i = 0; i < DISK_BYTES; i++)
		data[i] = (u8)(i * 2654435761u >> 13) ^ direct;
	for (i = 0; i < n; i++)
		breq_init(&r[i], HYV_PVBLK_T_OUT, 0, i * (CHUNK / 512),
			  data + i * CHUNK, CHUNK);
	CHECK_EQ(run(&d, 0, r, n), 0);
	for (i = 0; i < n; i++) {
		CHECK_EQ(r[i].status, HYV_PVBLK_S_OK);
		CHECK_EQ(r[i].len, 1);
	}
	CHECK_EQ(file_equals(data, 0, DISK_BYTES), 0);
	/* Read back in other sizes: 48 KiB requests, the last one short. */
	memset(back, 0, DISK_BYTES);
	for (i = 0; i * 49152 < DISK_BYTES; i++) {
		unsigned int len = DISK_BYTES - i * 49152 < 49152 ?
				   DISK_BYTES - i * 49152 : 49152;

		breq_init(&r[i], HYV_PVBLK_T_IN, 0, i * 96, back + i * 49152,
			  len);
	}
	CHECK_EQ(run(&d, 0, r, i), 0);
	while (i--) {
		CHECK_EQ(r[i].status, HYV_PVBLK_S_OK);
		CHECK(r[i].len > 1);
	}
	CHECK(!memcmp(back, data, DISK_BYTES));
	drv_close(&d);
	kshim_free(raw1);
	kshim_free(raw2);
	kshim_free(r);
	return 0;
}

static int test_write_read_back_byte_exact(void)
{
	return write_then_read(false);
}

static int test_write_read_back_cache_none(void)
{
	return write_then_read(true);
}

static int test_flush_and_fua(void)
{
	struct breq *r = kshim_alloc(sizeof(*r));
	u8 *data = kshim_alloc(4096);
	struct drv d;

	CHECK_EQ(drv_open(&d, false, false, 1), 0);
	CHECK(d.features & (1ULL << HYV_PVBLK_F_FLUSH));
	CHECK(d.features & (1ULL << HYV_PVBLK_F_FUA));
	memset(data, 0x5a, 4096);
	breq_init(r, HYV_PVBLK_T_OUT, HYV_PVBLK_REQ_FUA, 16, data, 4096);
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	CHECK_EQ(file_equals(data, 16 * 512, 4096), 0);
	breq_init(r, HYV_PVBLK_T_FLUSH, 0, 0, NULL, 0);
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	CHECK_EQ(r->len, 1);
	drv_close(&d);
	kshim_free(r);
	kshim_free(data);
	return 0;
}

static int test_discard_and_write_zeroes(void)
{
	struct breq *r = kshim_alloc(sizeof(*r));
	struct hyv_pvblk_range *range = kshim_alloc(sizeof(*range) * 2);
	u8 *data = kshim_alloc(65536), *zero = calloc(1, 65536);
	struct drv d;

	CHECK_EQ(drv_open(&d, false, false, 1), 0);
	memset(data, 0xa5, 65536);
	breq_init(r, HYV_PVBLK_T_OUT, 0, 1024, data, 65536);
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	/* Discard 8 KiB at sector 1024 and 8 KiB at sector 1040. */
	range[0].sector = htole64(1024);
	range[0].num_sectors = htole32(16);
	range[0].flags = 0;
	range[1].sector = htole64(1040);
	range[1].num_sectors = htole32(16);
	range[1].flags = 0;
	breq_init(r, HYV_PVBLK_T_DISCARD, 0, 0, (u8 *)range,
		  sizeof(*range) * 2);
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	CHECK_EQ(file_equals(zero, 1024 * 512, 16384), 0);
	/* Zero (without unmapping) the next 16 KiB. */
	range[0].sector = htole64(1056);
	range[0].num_sectors = htole32(32);
	breq_init(r, HYV_PVBLK_T_WRITE_ZEROES, 0, 0, (u8 *)range,
		  sizeof(*range));
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	CHECK_EQ(file_equals(zero, 1056 * 512, 16384), 0);
	CHECK_EQ(file_equals(data, 1088 * 512, 32768), 0);
	drv_close(&d);
	free(zero);
	kshim_free(data);
	kshim_free(range);
	kshim_free(r);
	return 0;
}

static int test_bad_requests_fail_alone(void)
{
	struct breq *r = kshim_alloc(sizeof(*r) * 5);
	u8 *data = kshim_alloc(4096);
	struct hyv_pv_blk_stats st;
	struct drv d;

	CHECK_EQ(drv_open(&d, false, false, 1), 0);
	breq_init(&r[0], HYV_PVBLK_T_IN, 0, DISK_BYTES / 512 - 4, data, 4096);
	breq_init(&r[1], 99, 0, 0, NULL, 0);
	breq_init(&r[2], HYV_PVBLK_T_IN, 0, 0, data, 1000);
	breq_init(&r[3], HYV_PVBLK_T_FLUSH, 1, 0, NULL, 0);
	breq_init(&r[4], HYV_PVBLK_T_IN, 0, 8, data, 4096);
	CHECK_EQ(run(&d, 0, r, 5), 0);
	CHECK_EQ(r[0].status, HYV_PVBLK_S_IOERR);	/* past the end */
	CHECK_EQ(r[1].status, HYV_PVBLK_S_UNSUPP);
	CHECK_EQ(r[2].status, HYV_PVBLK_S_IOERR);	/* not 512 * n */
	CHECK_EQ(r[3].status, HYV_PVBLK_S_IOERR);	/* unknown flag */
	CHECK_EQ(r[4].status, HYV_PVBLK_S_OK);
	CHECK_EQ(r[4].len, 4097);
	hyv_pv_blk_get_stats(d.b, &st);
	CHECK_EQ(st.requests, 5);
	CHECK_EQ(st.errors, 4);
	CHECK(!hyv_pv_blk_error(d.b));
	drv_close(&d);
	kshim_free(data);
	kshim_free(r);
	return 0;
}

static int test_read_only_refuses_writes(void)
{
	struct breq *r = kshim_alloc(sizeof(*r) * 2);
	u8 *data = kshim_alloc(4096), *before = malloc(4096);
	int fd = open(disk_path, O_RDONLY);
	struct drv d;

	CHECK(fd >= 0 && before);
	CHECK_EQ(pread(fd, before, 4096, 0), 4096);
	close(fd);
	CHECK_EQ(drv_open(&d, true, false, 1), 0);
	CHECK(d.features & (1ULL << HYV_PVBLK_F_RO));
	CHECK(!(d.features & (1ULL << HYV_PVBLK_F_DISCARD)));
	memset(data, 0x11, 4096);
	breq_init(&r[0], HYV_PVBLK_T_OUT, 0, 0, data, 4096);
	breq_init(&r[1], HYV_PVBLK_T_IN, 0, 0, data, 4096);
	CHECK_EQ(run(&d, 0, r, 2), 0);
	CHECK_EQ(r[0].status, HYV_PVBLK_S_IOERR);
	CHECK_EQ(r[1].status, HYV_PVBLK_S_OK);
	CHECK(!memcmp(data, before, 4096));
	CHECK_EQ(file_equals(before, 0, 4096), 0);
	drv_close(&d);
	free(before);
	kshim_free(data);
	kshim_free(r);
	return 0;
}

static int test_two_queues_in_parallel(void)
{
	struct breq *r = kshim_alloc(sizeof(*r) * 64);
	u8 *data = kshim_alloc(64 * 4096);
	struct drv d;
	unsigned int i;

	CHECK_EQ(drv_open(&d, false, false, 2), 0);
	/* The driver sizes its queues by the device registers' count. */
	CHECK_EQ(rd(&d, HYV_PV_DEVICE_CFG_OFFSET +
		    offsetof(struct hyv_pvblk_config, num_queues)), 2);
	for (i = 0; i < 64; i++) {
		memset(data + i * 4096, i, 4096);
		breq_init(&r[i], HYV_PVBLK_T_OUT, 0, 2048 + i * 8,
			  data + i * 4096, 4096);
	}
	CHECK_EQ(run(&d, 0, r, 32), 0);
	CHECK_EQ(run(&d, 1, r + 32, 32), 0);
	for (i = 0; i < 64; i++)
		CHECK_EQ(r[i].status, HYV_PVBLK_S_OK);
	CHECK_EQ(file_equals(data, 2048 * 512, 64 * 4096), 0);
	drv_close(&d);
	kshim_free(data);
	kshim_free(r);
	return 0;
}

/* A hostile avail index: the device breaks, says so, and resets. */
static int test_malformed_ring_needs_reset_then_recovers(void)
{
	struct breq *r = kshim_alloc(sizeof(*r));
	u8 *data = kshim_alloc(4096);
	struct vring_avail *avail;
	u64 da, aa, ua, one = 1;
	unsigned int ms;
	struct drv d;

	CHECK_EQ(drv_open(&d, false, false, 1), 0);
	hyv_vq_get_addrs(d.vq[0], &da, &aa, &ua);
	avail = kshim_hva(aa, 6);
	avail->idx = htole16(1000);
	CHECK_EQ(write(d.t->doorbell_fd[0], &one, 8), 8);
	for (ms = 0; ms < 5000; ms++) {
		if (rd(&d, HYV_PV_COMMON_STATUS) &
		    HYV_PV_STATUS_DEVICE_NEEDS_RESET)
			break;
		usleep(1000);
	}
	CHECK(rd(&d, HYV_PV_COMMON_STATUS) & HYV_PV_STATUS_DEVICE_NEEDS_RESET);
	CHECK(wait_vector(&d, 0));	/* the config vector */
	CHECK(hyv_pv_blk_error(d.b));
	printf("# reported: %s\n", hyv_pv_blk_error(d.b));
	drv_remove(&d);
	CHECK_EQ(rd(&d, HYV_PV_COMMON_STATUS), 0);
	CHECK_EQ(drv_probe(&d, 1), 0);
	breq_init(r, HYV_PVBLK_T_IN, 0, 0, data, 4096);
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	drv_close(&d);
	kshim_free(data);
	kshim_free(r);
	return 0;
}

static int test_resize_raises_generation_and_config_vector(void)
{
	struct drv d;
	u32 gen;

	CHECK_EQ(drv_open(&d, false, false, 1), 0);
	gen = rd(&d, HYV_PV_COMMON_CONFIG_GENERATION);
	CHECK_EQ(truncate(disk_path, DISK_BYTES * 2), 0);
	CHECK_EQ(hyv_pv_blk_resize(d.b), 0);
	CHECK(rd(&d, HYV_PV_COMMON_CONFIG_GENERATION) != gen);
	CHECK(wait_vector(&d, 0));
	CHECK_EQ(rd(&d, HYV_PV_DEVICE_CFG_OFFSET), DISK_BYTES * 2 / 512);
	CHECK_EQ(truncate(disk_path, DISK_BYTES), 0);
	drv_close(&d);
	return 0;
}

/*
 * tmpfs has no FALLOC_FL_ZERO_RANGE: WRITE_ZEROES falls back to writing
 * zeros and still answers OK with the range zeroed.
 */
static int test_write_zeroes_on_tmpfs(void)
{
	struct breq *r = kshim_alloc(sizeof(*r));
	struct hyv_pvblk_range *range = kshim_alloc(sizeof(*range));
	u8 *data = kshim_alloc(65536), *zero = calloc(1, 65536);
	char saved[sizeof(disk_path)];
	struct drv d;
	int fd;

	memcpy(saved, disk_path, sizeof(saved));
	snprintf(disk_path, sizeof(disk_path), "/dev/shm/hyv-blk-test-XXXXXX");
	fd = mkstemp(disk_path);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, DISK_BYTES), 0);
	close(fd);
	CHECK_EQ(drv_open(&d, false, false, 1), 0);
	memset(data, 0x5a, 65536);
	breq_init(r, HYV_PVBLK_T_OUT, 0, 64, data, 65536);
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	range->sector = htole64(72);
	range->num_sectors = htole32(64);
	range->flags = 0;
	breq_init(r, HYV_PVBLK_T_WRITE_ZEROES, 0, 0, (u8 *)range,
		  sizeof(*range));
	CHECK_EQ(run_one(&d, r), 0);
	CHECK_EQ(r->status, HYV_PVBLK_S_OK);
	CHECK_EQ(file_equals(data, 64 * 512, 4096), 0);
	CHECK_EQ(file_equals(zero, 72 * 512, 32768), 0);
	CHECK_EQ(file_equals(data, 136 * 512, 65536 - 72 * 512), 0);
	drv_close(&d);
	unlink(disk_path);
	memcpy(disk_path, saved, sizeof(saved));
	free(zero);
	kshim_free(data);
	kshim_free(range);
	kshim_free(r);
	return 0;
}

static const struct tap_test tests[] = {
	{ "write_read_back_byte_exact", test_write_read_back_byte_exact },
	{ "write_read_back_cache_none", test_write_read_back_cache_none },
	{ "flush_and_fua", test_flush_and_fua },
	{ "discard_and_write_zeroes", test_discard_and_write_zeroes },
	{ "write_zeroes_on_tmpfs", test_write_zeroes_on_tmpfs },
	{ "bad_requests_fail_alone", test_bad_requests_fail_alone },
	{ "read_only_refuses_writes", test_read_only_refuses_writes },
	{ "two_queues_in_parallel", test_two_queues_in_parallel },
	{ "malformed_ring_needs_reset_then_recovers",
	  test_malformed_ring_needs_reset_then_recovers },
	{ "resize_raises_generation_and_config_vector",
	  test_resize_raises_generation_and_config_vector },
};

int main(void)
{
	int ret;

	if (make_disk())
		return 1;
	ret = tap_run(tests, ARRAY_SIZE(tests));
	unlink(disk_path);
	return ret;
}

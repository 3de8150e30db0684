// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: direct I/O on a block device, the same program natively in
 * L1 and inside the L2 guest. Eight workloads in a fixed order: writes
 * before reads (so that reads find written blocks), sequential 1 MiB and
 * random 4 KiB, queue depth 1 and 32. Queue depth 1 is one synchronous
 * O_DIRECT pread/pwrite after the other; queue depth N > 1 is one thread
 * keeping N O_DIRECT reads/writes in flight through io_uring (liburing,
 * linked statically): it submits N, then for each completion submits the
 * next operation. Every completion must have moved the whole request.
 * The offsets are a function of the operation's index, so every run and
 * every side does the same requests. One line per workload:
 *
 *   row io-{seq,rand}-{read,write}-{1m,4k}-qd{1,32} SIDE NS_PER_OP OPS
 *
 * NS_PER_OP is wall time over operations (at QD32 that is the inverse of
 * the throughput, not a latency).
 *
 *   blkbench [-S] [-s PERCENT] DEVICE SIDE
 *
 * -S: before and after each workload print "HYVB-SYNC" and wait for a
 * line on stdin, so that whoever reads the console (l2-run in L1) can
 * read the hypervisor's exit counters around exactly that workload.
 * First, one empty window (two HYVB-SYNC, then the line "harness"): the
 * exits the markers themselves cost (console bytes out and in, their
 * interrupt), which l2-run takes off each workload's counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <hyv/user_types.h>

#define MAX_QD		32

struct io_workload {
	const char *name;
	bool write, random;
	size_t bs;
	int qd;
	u64 ops;
};

static const struct io_workload io_workloads[] = {
	{ "io-seq-write-1m-qd1",   true,  false, 1 << 20, 1,  64 },
	{ "io-seq-write-1m-qd32",  true,  false, 1 << 20, 32, 64 },
	{ "io-seq-read-1m-qd1",    false, false, 1 << 20, 1,  64 },
	{ "io-seq-read-1m-qd32",   false, false, 1 << 20, 32, 64 },
	{ "io-rand-write-4k-qd1",  true,  true,  4096,    1,  1024 },
	{ "io-rand-write-4k-qd32", true,  true,  4096,    32, 1024 },
	{ "io-rand-read-4k-qd1",   false, true,  4096,    1,  1024 },
	{ "io-rand-read-4k-qd32",  false, true,  4096,    32, 1024 },
};

struct job {
	const struct io_workload *w;
	int fd;
	u64 ops, blocks;
	bool lost;			/* requests in flight, state unknown */
	void *buf[MAX_QD];		/* one buffer per request in flight */
	struct io_uring ring;		/* queue depth > 1 only */
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* splitmix64: the random block of operation i. */
static u64 mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The byte offset of operation i. */
static off_t op_offset(const struct job *j, u64 i)
{
	const struct io_workload *w = j->w;
	u64 blk = w->random ? mix(i) % j->blocks : i % j->blocks;

	return blk * w->bs;
}

/* Queue depth 1: synchronous pread/pwrite. Returns 0 or an errno. */
static int run_sync(struct job *j)
{
	const struct io_workload *w = j->w;
	u64 i;

	for (i = 0; i < j->ops; i++) {
		off_t off = op_offset(j, i);
		ssize_t n = w->write ? pwrite(j->fd, j->buf[0], w->bs, off) :
				       pread(j->fd, j->buf[0], w->bs, off);

		if (n != (ssize_t)w->bs)
			return n < 0 ? errno : EIO;
	}
	return 0;
}

/* Queue operation i into slot (buffer) s; the ring has room by construction. */
static void queue_op(struct job *j, u64 i, unsigned int s)
{
	const struct io_workload *w = j->w;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&j->ring);

	if (w->write)
		io_uring_prep_write(sqe, j->fd, j->buf[s], w->bs, op_offset(j, i));
	else
		io_uring_prep_read(sqe, j->fd, j->buf[s], w->bs, op_offset(j, i));
	io_uring_sqe_set_data64(sqe, s);
}

/*
 * Queue depth > 1: keep up to w->qd requests in flight from this one
 * thread. Each completion frees its slot for the next operation. After the
 * first failed completion nothing new is queued; the requests in flight
 * are reaped before returning. Returns 0 or an errno.
 */
static int run_uring(struct job *j)
{
	const struct io_workload *w = j->w;
	unsigned int inflight = 0, s;
	u64 next = 0;
	int err = 0, ret;

	for (s = 0; s < (unsigned int)w->qd && next < j->ops; s++) {
		queue_op(j, next++, s);
		inflight++;
	}
	while (inflight) {
		struct io_uring_cqe *cqe;

		ret = io_uring_submit_and_wait(&j->ring, 1);
		if (ret < 0 && ret != -EINTR) {
			/* requests in flight may still use the buffers */
			j->lost = true;
			return -ret;
		}
		while (io_uring_peek_cqe(&j->ring, &cqe) == 0) {
			s = io_uring_cqe_get_data64(cqe);
			if (cqe->res != (int)w->bs && !err)
				err = cqe->res < 0 ? -cqe->res : EIO;
			io_uring_cqe_seen(&j->ring, cqe);
			inflight--;
			if (!err && next < j->ops && s < MAX_QD) {
				queue_op(j, next++, s);
				inflight++;
			}
		}
	}
	return err;
}

static void sync_point(bool sync)
{
	char line[64];

	if (!sync)
		return;
	printf("HYVB-SYNC\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(1);
}

static int run_one(const struct io_workload *w, int fd, u64 dev_size,
		   unsigned int pct, bool sync, const char *side)
{
	struct job j = { .w = w, .fd = fd, .blocks = dev_size / w->bs };
	u64 t0, t1;
	int i, ret, err;

	j.ops = w->ops * pct / 100 ?: 1;
	if (!j.blocks) {
		fprintf(stderr, "blkbench: device smaller than %zu bytes\n", w->bs);
		return -1;
	}
	if (w->qd < 1 || w->qd > MAX_QD) {
		fprintf(stderr, "blkbench: %s: bad queue depth %d\n", w->name, w->qd);
		return -1;
	}
	for (i = 0; i < w->qd; i++) {
		if (posix_memalign(&j.buf[i], 4096, w->bs)) {
			fprintf(stderr, "blkbench: out of memory\n");
			exit(1);
		}
		memset(j.buf[i], 0x5a, w->bs);
	}
	if (w->qd > 1) {
		ret = io_uring_queue_init(w->qd, &j.ring, 0);
		if (ret < 0) {
			fprintf(stderr, "blkbench: %s: io_uring_queue_init: %s\n",
				w->name, strerror(-ret));
			exit(1);
		}
	}
	sync_point(sync);
	t0 = now_ns();
	err = w->qd > 1 ? run_uring(&j) : run_sync(&j);
	t1 = now_ns();
	sync_point(sync);
	if (err) {
		fprintf(stderr, "blkbench: %s: %s\n", w->name, strerror(err));
		printf("fail %s %s\n", w->name, side);
		fflush(stdout);
		if (j.lost)
			exit(1);
	}
	if (w->qd > 1)
		io_uring_queue_exit(&j.ring);
	for (i = 0; i < w->qd; i++)
		free(j.buf[i]);
	if (err)
		return -1;
	printf("row %s %s %.1f %llu\n", w->name, side, (double)(t1 - t0) / j.ops,
	       (unsigned long long)j.ops);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int pct = 100;
	bool sync = false;
	u64 dev_size;
	int opt, fd, failed = 0;
	size_t i;

	while ((opt = getopt(argc, argv, "Ss:")) != -1) {
		switch (opt) {
		case 'S':
			sync = true;
			break;
		case 's':
			pct = strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || !pct)
		goto usage;
	fd = open(argv[optind], O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "blkbench: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	dev_size = lseek(fd, 0, SEEK_END);
	if (sync) {
		sync_point(sync);
		sync_point(sync);
		printf("harness\n");
		fflush(stdout);
	}
	for (i = 0; i < sizeof(io_workloads) / sizeof((io_workloads)[0]); i++)
		failed |= run_one(&io_workloads[i], fd, dev_size, pct, sync,
				  argv[optind + 1]);
	close(fd);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: %s [-S] [-s PERCENT] DEVICE SIDE\n", argv[0]);
	return 2;
}

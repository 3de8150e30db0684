// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: direct I/O on a block device, the same program natively in
 * L1 and inside the L2 guest. Eight workloads in a fixed order: writes
 * before reads (so that reads find written blocks), sequential 1 MiB and
 * random 4 KiB, queue depth 1 and 32. Queue depth N is N threads each
 * with one synchronous O_DIRECT pread/pwrite in flight, taking the next
 * operation from a shared counter; the random offsets are a function of
 * the operation's index, so every run and every side does the same
 * requests. One line per workload:
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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_QD		32

struct io_workload {
	const char *name;
	bool write, random;
	size_t bs;
	int qd;
	uint64_t ops;
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
	uint64_t ops, blocks;
	uint64_t next;			/* next operation index (atomic) */
	int error;			/* first errno seen (atomic) */
	pthread_barrier_t start;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* splitmix64: the random block of operation i. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	const struct io_workload *w = j->w;
	void *buf;
	uint64_t i;

	if (posix_memalign(&buf, 4096, w->bs)) {
		__atomic_store_n(&j->error, ENOMEM, __ATOMIC_RELAXED);
		pthread_barrier_wait(&j->start);
		return NULL;
	}
	memset(buf, 0x5a, w->bs);
	pthread_barrier_wait(&j->start);
	while ((i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) < j->ops) {
		uint64_t blk = w->random ? mix(i) % j->blocks : i % j->blocks;
		off_t off = blk * w->bs;
		ssize_t n = w->write ? pwrite(j->fd, buf, w->bs, off) :
				       pread(j->fd, buf, w->bs, off);

		if (n != (ssize_t)w->bs) {
			__atomic_store_n(&j->error, n < 0 ? errno : EIO, __ATOMIC_RELAXED);
			break;
		}
	}
	free(buf);
	return NULL;
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

static int run_one(const struct io_workload *w, int fd, uint64_t dev_size,
		   unsigned int pct, bool sync, const char *side)
{
	pthread_t tids[MAX_QD];
	struct job j = { .w = w, .fd = fd, .blocks = dev_size / w->bs };
	uint64_t t0, t1;
	int i;

	j.ops = w->ops * pct / 100 ?: 1;
	if (!j.blocks) {
		fprintf(stderr, "blkbench: device smaller than %zu bytes\n", w->bs);
		return -1;
	}
	pthread_barrier_init(&j.start, NULL, w->qd + 1);
	for (i = 0; i < w->qd; i++)
		if (pthread_create(&tids[i], NULL, worker, &j)) {
			fprintf(stderr, "blkbench: cannot start thread %d\n", i);
			exit(1);
		}
	sync_point(sync);
	pthread_barrier_wait(&j.start);
	t0 = now_ns();
	for (i = 0; i < w->qd; i++)
		pthread_join(tids[i], NULL);
	t1 = now_ns();
	sync_point(sync);
	pthread_barrier_destroy(&j.start);
	if (j.error) {
		fprintf(stderr, "blkbench: %s: %s\n", w->name, strerror(j.error));
		printf("fail %s %s\n", w->name, side);
		return -1;
	}
	printf("row %s %s %.1f %llu\n", w->name, side, (double)(t1 - t0) / j.ops,
	       (unsigned long long)j.ops);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int pct = 100;
	bool sync = false;
	uint64_t dev_size;
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
	for (i = 0; i < sizeof(io_workloads) / sizeof((io_workloads)[0]); i++)
		failed |= run_one(&io_workloads[i], fd, dev_size, pct, sync,
				  argv[optind + 1]);
	close(fd);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: %s [-S] [-s PERCENT] DEVICE SIDE\n", argv[0]);
	return 2;
}

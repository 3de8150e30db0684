// SPDX-License-Identifier: GPL-2.0
/*
 * blkverify: random read/write verification of a block device, for the
 * L2 PV suite (testbed/l2/init). THREADS threads each own a disjoint
 * region of the first MIB mebibytes of DEVICE and do O_DIRECT pwrite()s
 * and pread()s of random sizes (512 B .. 128 KiB) at random sector
 * offsets in it; so up to THREADS requests are in flight at once. Every
 * 512-byte sector written carries a stamp (thread, sector, generation,
 * seed) and bytes derived from it, and each thread remembers the
 * generation it last wrote to each of its sectors: every read checks
 * exactly what was last written. The regions are filled first and read
 * back whole at the end.
 *
 *   blkverify DEVICE THREADS REQUESTS SEED MIB
 *
 * REQUESTS is the number of random requests per thread. Prints the seed
 * and the counts (the last: mismatched sectors + I/O errors), and what
 * the first mismatches held (magic, thread, sector, generation); exits 1
 * on any mismatch or I/O error, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyv/user_types.h>

#define SECTOR		512u
#define MAX_SECTORS	256u		/* 128 KiB */
#define MAX_THREADS	64u
#define STAMP_MAGIC	0x6879766b76726679ull	/* "hyvkvrfy" */

struct stamp {
	u64 magic;
	u64 seed;
	u64 sector;
	u32 thread;
	u32 gen;
};

struct worker {
	pthread_t tid;
	unsigned int id;
	u64 first;			/* first sector of the region */
	u64 sectors;			/* its length */
	u32 *gen;			/* last generation written, per sector */
	u32 next_gen;
	u64 rng;
	unsigned char *buf;
	/* results */
	u64 writes, reads, bytes, mismatches, errors;
};

static int fd;
static u64 seed;
static unsigned long requests;

static u64 xorshift(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* The 512 bytes that sector holds after generation gen of thread id. */
static void fill_sector(unsigned char *p, unsigned int id, u64 sector, u32 gen)
{
	struct stamp st = {
		.magic = STAMP_MAGIC, .seed = seed, .sector = sector,
		.thread = id, .gen = gen,
	};
	u64 s = seed ^ (sector * 0x9e3779b97f4a7c15ull) ^
		     ((u64)gen << 32) ^ id ^ 1;
	unsigned int i;

	memcpy(p, &st, sizeof(st));
	for (i = sizeof(st); i + 8 <= SECTOR; i += 8) {
		u64 v = xorshift(&s);

		memcpy(p + i, &v, 8);
	}
}

static int do_write(struct worker *w, u64 off, unsigned int n)
{
	unsigned int i;
	ssize_t r;

	for (i = 0; i < n; i++) {
		u32 g = ++w->next_gen;

		w->gen[off + i] = g;
		fill_sector(w->buf + i * SECTOR, w->id, w->first + off + i, g);
	}
	r = pwrite(fd, w->buf, n * SECTOR, (off_t)(w->first + off) * SECTOR);
	w->writes++;
	if (r != (ssize_t)(n * SECTOR)) {
		fprintf(stderr, "blkverify: thread %u: write of %u sectors at %llu: %zd (%s)\n",
			w->id, n, (unsigned long long)(w->first + off), r,
			r < 0 ? strerror(errno) : "short");
		w->errors++;
		return -1;
	}
	w->bytes += r;
	return 0;
}

static int do_read(struct worker *w, u64 off, unsigned int n)
{
	unsigned char want[SECTOR];
	unsigned int i;
	ssize_t r;

	r = pread(fd, w->buf, n * SECTOR, (off_t)(w->first + off) * SECTOR);
	w->reads++;
	if (r != (ssize_t)(n * SECTOR)) {
		fprintf(stderr, "blkverify: thread %u: read of %u sectors at %llu: %zd (%s)\n",
			w->id, n, (unsigned long long)(w->first + off), r,
			r < 0 ? strerror(errno) : "short");
		w->errors++;
		return -1;
	}
	w->bytes += r;
	for (i = 0; i < n; i++) {
		u64 sector = w->first + off + i;
		struct stamp got;

		if (!w->gen[off + i])
			continue;
		fill_sector(want, w->id, sector, w->gen[off + i]);
		if (!memcmp(want, w->buf + i * SECTOR, SECTOR))
			continue;
		if (w->mismatches++ < 10) {
			memcpy(&got, w->buf + i * SECTOR, sizeof(got));
			fprintf(stderr, "blkverify: %u: sector %llu: gen %u, got %llx %u %llu %u\n",
				w->id, (unsigned long long)sector, w->gen[off + i],
				(unsigned long long)got.magic, got.thread,
				(unsigned long long)got.sector, got.gen);
		}
	}
	return 0;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	u64 off;
	unsigned long k;
	unsigned int n;

	/* Fill the region, then random requests, then read it all back. */
	for (off = 0; off < w->sectors && !w->errors; off += MAX_SECTORS)
		do_write(w, off, MAX_SECTORS);
	for (k = 0; k < requests && !w->errors; k++) {
		n = 1 + xorshift(&w->rng) % MAX_SECTORS;
		off = xorshift(&w->rng) % (w->sectors - n + 1);
		if (xorshift(&w->rng) & 1)
			do_write(w, off, n);
		else
			do_read(w, off, n);
	}
	for (off = 0; off < w->sectors && !w->errors; off += MAX_SECTORS)
		do_read(w, off, MAX_SECTORS);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker ws[MAX_THREADS];
	u64 size, per, w = 0, r = 0, b = 0, m = 0, e = 0;
	unsigned long threads, mib;
	unsigned int i;
	char *end;

	if (argc != 6)
		goto usage;
	threads = strtoul(argv[2], &end, 0);
	if (*end || !threads || threads > MAX_THREADS)
		goto usage;
	requests = strtoul(argv[3], &end, 0);
	if (*end)
		goto usage;
	seed = strtoull(argv[4], &end, 0);
	if (*end || !seed)
		goto usage;
	mib = strtoul(argv[5], &end, 0);
	if (*end || !mib || mib > 1 << 20)
		goto usage;
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blkverify: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	size = (u64)lseek(fd, 0, SEEK_END);
	if (size < (u64)mib << 20) {
		fprintf(stderr, "blkverify: %s: %llu bytes, less than %lu MiB\n",
			argv[1], (unsigned long long)size, mib);
		return 1;
	}
	/* Whole 128 KiB chunks per thread: the fill and final passes. */
	per = ((u64)mib << 20) / SECTOR / threads / MAX_SECTORS * MAX_SECTORS;
	if (!per) {
		fprintf(stderr, "blkverify: %lu MiB is too little for %lu threads\n",
			mib, threads);
		return 2;
	}
	printf("blkverify: %s: seed %llu, %lu threads of %llu sectors, %lu random requests each\n",
	       argv[1],
	       (unsigned long long)seed, threads, (unsigned long long)per, requests);
	fflush(stdout);
	for (i = 0; i < threads; i++) {
		ws[i].id = i;
		ws[i].first = i * per;
		ws[i].sectors = per;
		ws[i].rng = seed * (2 * i + 1) + 0x2545f4914f6cdd1dull;
		ws[i].gen = calloc(per, sizeof(*ws[i].gen));
		if (!ws[i].gen ||
		    posix_memalign((void **)&ws[i].buf, 4096, MAX_SECTORS * SECTOR)) {
			fprintf(stderr, "blkverify: out of memory\n");
			return 1;
		}
		if (pthread_create(&ws[i].tid, NULL, run, &ws[i])) {
			fprintf(stderr, "blkverify: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(ws[i].tid, NULL);
		w += ws[i].writes;
		r += ws[i].reads;
		b += ws[i].bytes;
		m += ws[i].mismatches;
		e += ws[i].errors;
	}
	printf("blkverify: seed %llu: %llu requests (%llu writes, %llu reads, %llu KiB) %llu bad\n",
	       (unsigned long long)seed, (unsigned long long)(w + r),
	       (unsigned long long)w, (unsigned long long)r,
	       (unsigned long long)(b >> 10), (unsigned long long)(m + e));
	return m || e ? 1 : 0;
usage:
	fprintf(stderr, "usage: blkverify DEVICE THREADS REQUESTS SEED MIB\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The tests' guest memory: one mapping at a fixed guest-physical base,
 * a size-class allocator over it for kmalloc and the DMA API of
 * kshim.h, and the bounds-checked gpa -> hva of the device half.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kshim.h"

#define ARENA_GPA	0x100000ULL	/* gpa 0 stays invalid */
#define ARENA_SIZE	(64ULL << 20)
#define ARENA_CLASSES	24		/* 16 B .. 128 MiB */
#define ARENA_HDR	16

unsigned long kshim_log_lines;
unsigned long kshim_fail_kmalloc;
long kshim_dma_mapped;
static bool kshim_verbose;

static u8 *arena;
static size_t arena_used;
static void *free_lists[ARENA_CLASSES];

void kshim_log(const char *fmt, ...)
{
	va_list ap;

	kshim_log_lines++;
	if (!kshim_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "# ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void arena_init(void)
{
	if (arena)
		return;
	kshim_verbose = !!getenv("HYV_TEST_VERBOSE");
	arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED) {
		perror("arena");
		exit(2);
	}
}

static unsigned int arena_class(size_t size)
{
	unsigned int c = 0;

	while (((size_t)16 << c) < size + ARENA_HDR)
		c++;
	return c;
}

void *kshim_alloc(size_t size)
{
	unsigned int c;
	u8 *p;

	arena_init();
	c = arena_class(size);
	if (c >= ARENA_CLASSES)
		return NULL;
	if (free_lists[c]) {
		p = free_lists[c];
		memcpy(&free_lists[c], p, sizeof(void *));
	} else {
		if (arena_used + ((size_t)16 << c) > ARENA_SIZE)
			return NULL;
		p = arena + arena_used;
		arena_used += (size_t)16 << c;
	}
	memcpy(p, &c, sizeof(c));
	return p + ARENA_HDR;
}

void kshim_free(const void *ptr)
{
	u8 *p;
	unsigned int c;

	if (!ptr)
		return;
	p = (u8 *)ptr - ARENA_HDR;
	memcpy(&c, p, sizeof(c));
	memcpy(p, &free_lists[c], sizeof(void *));
	free_lists[c] = p;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	if (kshim_fail_kmalloc) {
		kshim_fail_kmalloc--;
		return NULL;
	}
	return kshim_alloc(size);
}

u64 kshim_gpa(const void *p)
{
	const u8 *b = p;

	arena_init();
	if (b < arena || b >= arena + ARENA_SIZE)
		return 0;
	return ARENA_GPA + (u64)(b - arena);
}

void *kshim_hva(u64 gpa, u64 len)
{
	arena_init();
	if (gpa < ARENA_GPA || gpa - ARENA_GPA > ARENA_SIZE ||
	    len > ARENA_SIZE - (gpa - ARENA_GPA))
		return NULL;
	return arena + (gpa - ARENA_GPA);
}

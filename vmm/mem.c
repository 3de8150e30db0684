// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: where each piece lands in guest-physical space, and the
 * translation from guest-physical to host addresses (bounds-checked: the
 * loader and the devices use it with guest-provided addresses).
 */
#include <errno.h>
#include <sys/mman.h>

#include <hyv/layout.h>
#include "mem.h"

void guest_mem_layout(struct guest_mem *m, u64 size)
{
	m->size = size;
	m->low = MIN(size, HYV_LAYOUT_LOW_RAM_MAX);
	m->high = size - m->low;
}

int guest_mem_alloc(struct guest_mem *m, u64 size)
{
	u8 *p;

	guest_mem_layout(m, size);
	/*
	 * Reserve 2 MiB more and align: guest and host addresses congruent
	 * modulo 2 MiB let hyv.ko map transparent huge pages 2 MiB at once.
	 */
	p = mmap(NULL, size + SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->host = (u8 *)ALIGN_UP((uintptr_t)p, SZ_2M);
	if (m->host != p)
		munmap(p, m->host - p);
	munmap(m->host + size, p + SZ_2M - m->host);
	madvise(m->host, size, MADV_HUGEPAGE);
	return 0;
}

void guest_mem_free(struct guest_mem *m)
{
	if (m->host)
		munmap(m->host, m->size);
	m->host = NULL;
}

void *guest_mem_ptr(const struct guest_mem *m, u64 gpa, u64 len)
{
	if (len > m->size)
		return NULL;
	if (gpa < m->low) {
		if (len > m->low - gpa)
			return NULL;
		return m->host + gpa;
	}
	if (gpa >= HYV_LAYOUT_4G && gpa - HYV_LAYOUT_4G < m->high &&
	    len <= m->high - (gpa - HYV_LAYOUT_4G))
		return m->host + m->low + (gpa - HYV_LAYOUT_4G);
	return NULL;
}

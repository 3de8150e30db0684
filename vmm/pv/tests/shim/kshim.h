/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel APIs guest-drivers/common/hyv_pv_ring.c uses, for
 * building it unchanged in userspace against the VMM's device half.
 * "Guest memory" is an arena (arena.c): kmalloc and the DMA API hand out
 * arena memory and guest-physical addresses of it, so that whatever the
 * driver gives the device (rings, indirect tables, buffers) is reachable
 * through the device's gpa -> hva callback and nothing else is.
 */
#ifndef HYV_KSHIM_H
#define HYV_KSHIM_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

/* u8..u64 as the kernel has them, READ_ONCE(), WRITE_ONCE(), __printf() */
#include <hyv/user_types.h>

typedef u64 dma_addr_t;
typedef unsigned int __bitwise gfp_t;

#define GFP_KERNEL	0u
#define GFP_ATOMIC	1u
#define __force
#define KBUILD_MODNAME	"hyv_pv"
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define likely(x)	__builtin_expect(!!(x), 1)
#define U16_MAX		0xffffu
#define U32_MAX		0xffffffffu
#define ALIGN(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))

#define virt_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)	/* full fence */
#define virt_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)	/* orders loads */
#define virt_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)	/* orders stores */

#define cpu_to_le16(v)	htole16(v)
#define cpu_to_le32(v)	htole32(v)
#define cpu_to_le64(v)	htole64(v)
#define le16_to_cpu(v)	le16toh(v)
#define le32_to_cpu(v)	le32toh(v)

static inline void *ERR_PTR(long err) { return (void *)err; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-4095;
}

/* Log lines of the ring: counted, printed only when asked. */
extern unsigned long kshim_log_lines;
void kshim_log(const char *fmt, ...) __printf(1, 2);
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_err_ratelimited(fmt, ...) kshim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...) kshim_log(pr_fmt(fmt), ##__VA_ARGS__)

/* The arena: guest memory of the tests. */
void *kshim_alloc(size_t size);
void kshim_free(const void *p);
u64 kshim_gpa(const void *p);
void *kshim_hva(u64 gpa, u64 len);
extern unsigned long kshim_fail_kmalloc;	/* fail the next N */
extern long kshim_dma_mapped;			/* maps - unmaps */

void *kmalloc(size_t size, gfp_t gfp);
static inline void *kzalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	if (p)
		memset(p, 0, size);
	return p;
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return n && size > SIZE_MAX / n ? NULL : kmalloc(n * size, gfp);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return n && size > SIZE_MAX / n ? NULL : kzalloc(n * size, gfp);
}

static inline void kfree(const void *p) { kshim_free(p); }

struct device;
struct page;
enum dma_data_direction { DMA_TO_DEVICE, DMA_FROM_DEVICE };
#define KSHIM_DMA_ERROR ((dma_addr_t)0)

static inline dma_addr_t kshim_dma_map(const void *p)
{
	dma_addr_t a = kshim_gpa(p);

	if (a != KSHIM_DMA_ERROR)
		kshim_dma_mapped++;
	return a;
}

static inline dma_addr_t dma_map_page(struct device *dev, struct page *page,
				      size_t offset, size_t size,
				      enum dma_data_direction dir)
{
	return kshim_dma_map((char *)page + offset);
}

static inline dma_addr_t dma_map_single(struct device *dev, void *p,
					size_t size,
					enum dma_data_direction dir)
{
	return kshim_dma_map(p);
}

static inline void dma_unmap_page(struct device *dev, dma_addr_t a,
				  size_t size, enum dma_data_direction dir)
{
	kshim_dma_mapped--;
}

#define dma_unmap_single dma_unmap_page

static inline int dma_mapping_error(struct device *dev, dma_addr_t a)
{
	return a == KSHIM_DMA_ERROR;
}

static inline void *dma_alloc_coherent(struct device *dev, size_t size,
				       dma_addr_t *dma, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	*dma = p ? kshim_gpa(p) : 0;
	return p;
}

static inline void dma_free_coherent(struct device *dev, size_t size,
				     void *p, dma_addr_t dma)
{
	kfree(p);
}

/* A scatterlist entry: a virtual buffer; lists end at the marked entry. */
struct scatterlist {
	void *buf;
	unsigned int offset;
	unsigned int length;
	bool end;
};

static inline struct page *sg_page(struct scatterlist *sg)
{
	return (struct page *)sg->buf;
}

static inline struct scatterlist *sg_next(struct scatterlist *sg)
{
	return sg->end ? NULL : sg + 1;
}

static inline void sg_set_buf(struct scatterlist *sg, void *buf,
			      unsigned int len)
{
	sg->buf = buf;
	sg->offset = 0;
	sg->length = len;
}

static inline void sg_init_table(struct scatterlist *sg, unsigned int n)
{
	memset(sg, 0, sizeof(*sg) * n);
	sg[n - 1].end = true;
}

static inline void sg_init_one(struct scatterlist *sg, void *buf,
			       unsigned int len)
{
	sg_init_table(sg, 1);
	sg_set_buf(sg, buf, len);
}

#endif /* HYV_KSHIM_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's half of a hyv PV split ring: adding buffer chains (direct
 * or through an indirect table), deciding when to ring the doorbell and
 * when to take interrupts (event index), and taking used buffers back.
 *
 * The device is not trusted: everything this file reads from the shared
 * ring (used index, used id and length) is read once and bounded before
 * use; a malformed value marks the queue broken instead of being
 * followed. What the driver needs to undo its own work (DMA addresses,
 * lengths, chain links, the free list) is kept in private arrays and
 * never read back from descriptors the device can write.
 *
 * Context: any, under the caller's per-queue lock; see hyv_pv_ring.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/virtio_ring.h>

#include "hyv_pv_ring.h"

/* The used ring starts on its own cache line: the device writes it. */
#define HYV_VQ_USED_ALIGN	64
#define HYV_VQ_NO_DESC		0xffff

/* What the driver remembers of one descriptor it filled. */
struct hyv_vq_desc_extra {
	dma_addr_t addr;
	u32 len;
	u16 flags;
	u16 next;
};

/* What the driver remembers of one chain in flight, by head index. */
struct hyv_vq_chain {
	void *token;				/* NULL: no chain here */
	struct vring_desc *indir;		/* indirect table or NULL */
	struct hyv_vq_desc_extra *indir_extra;	/* its private copy */
	u32 in_bytes;				/* device-writable bytes */
	u16 ndescs;				/* ring descriptors used */
	u16 indir_num;
};

struct hyv_vq {
	struct vring vring;
	struct device *dma_dev;
	void *ring_va;
	dma_addr_t ring_dma;
	size_t ring_bytes;
	size_t avail_off, used_off;

	unsigned int index;
	bool indirect;
	bool event_idx;
	bool broken;

	u16 free_head;
	u16 num_free;
	u16 num_added;		/* added since the last kick_prepare */
	u16 in_flight;		/* chains the device holds */
	u16 avail_idx_shadow;
	u16 avail_flags_shadow;
	u16 last_used_idx;

	struct hyv_vq_desc_extra *extra;
	struct hyv_vq_chain *chains;

	hyv_vq_notify_t *notify;
	hyv_vq_callback_t *callback;
	void *priv;
	const char *name;
	struct hyv_vq_stats stats;
};

static inline __virtio16 hyv_vq_to16(u16 v)
{
	return (__force __virtio16)cpu_to_le16(v);
}

static inline u16 hyv_vq_from16(__virtio16 v)
{
	return le16_to_cpu((__force __le16)v);
}

static inline __virtio32 hyv_vq_to32(u32 v)
{
	return (__force __virtio32)cpu_to_le32(v);
}

static inline u32 hyv_vq_from32(__virtio32 v)
{
	return le32_to_cpu((__force __le32)v);
}

static inline __virtio64 hyv_vq_to64(u64 v)
{
	return (__force __virtio64)cpu_to_le64(v);
}

static void hyv_vq_set_broken(struct hyv_vq *vq, const char *why,
			      unsigned int a, unsigned int b)
{
	if (!vq->broken)
		pr_err_ratelimited("%s: queue %u broken: %s (%u, %u)\n",
				   vq->name, vq->index, why, a, b);
	WRITE_ONCE(vq->broken, true);
}

static bool hyv_vq_layout(unsigned int num, size_t *avail_off,
			  size_t *used_off, size_t *bytes)
{
	if (!num || num > 32768 || (num & (num - 1)))
		return false;
	*avail_off = sizeof(struct vring_desc) * num;
	/* flags, idx, ring[num], used_event */
	*used_off = ALIGN(*avail_off + sizeof(__virtio16) * (3 + num),
			  HYV_VQ_USED_ALIGN);
	/* flags, idx, ring[num], avail_event */
	*bytes = *used_off + sizeof(__virtio16) * 3 +
		 sizeof(struct vring_used_elem) * num;
	return true;
}

struct hyv_vq *hyv_vq_create(const struct hyv_vq_info *info, gfp_t gfp)
{
	struct hyv_vq *vq;
	unsigned int i;

	vq = kzalloc(sizeof(*vq), gfp);
	if (!vq)
		return ERR_PTR(-ENOMEM);
	if (!hyv_vq_layout(info->num, &vq->avail_off, &vq->used_off,
			   &vq->ring_bytes) || !info->notify) {
		kfree(vq);
		return ERR_PTR(-EINVAL);
	}
	vq->extra = kmalloc_array(info->num, sizeof(*vq->extra), gfp);
	vq->chains = kcalloc(info->num, sizeof(*vq->chains), gfp);
	vq->ring_va = dma_alloc_coherent(info->dma_dev, vq->ring_bytes,
					 &vq->ring_dma, gfp);
	if (!vq->extra || !vq->chains || !vq->ring_va)
		goto nomem;
	memset(vq->ring_va, 0, vq->ring_bytes);

	vq->vring.num = info->num;
	vq->vring.desc = vq->ring_va;
	vq->vring.avail = vq->ring_va + vq->avail_off;
	vq->vring.used = vq->ring_va + vq->used_off;
	vq->dma_dev = info->dma_dev;
	vq->index = info->index;
	vq->indirect = info->indirect;
	vq->event_idx = info->event_idx;
	vq->notify = info->notify;
	vq->callback = info->callback;
	vq->priv = info->priv;
	vq->name = info->name;

	/* The free list runs through the private copy only. */
	for (i = 0; i < info->num; i++)
		vq->extra[i].next = i + 1;
	vq->free_head = 0;
	vq->num_free = info->num;
	return vq;

nomem:
	if (vq->ring_va)
		dma_free_coherent(vq->dma_dev, vq->ring_bytes, vq->ring_va,
				  vq->ring_dma);
	kfree(vq->chains);
	kfree(vq->extra);
	kfree(vq);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(hyv_vq_create);

/* The device must be reset (no longer using the ring) before this. */
void hyv_vq_destroy(struct hyv_vq *vq)
{
	if (!vq)
		return;
	dma_free_coherent(vq->dma_dev, vq->ring_bytes, vq->ring_va,
			  vq->ring_dma);
	kfree(vq->chains);
	kfree(vq->extra);
	kfree(vq);
}
EXPORT_SYMBOL_GPL(hyv_vq_destroy);

static void hyv_vq_unmap(struct hyv_vq *vq,
			 const struct hyv_vq_desc_extra *extra)
{
	dma_unmap_page(vq->dma_dev, extra->addr, extra->len,
		       (extra->flags & VRING_DESC_F_WRITE) ?
		       DMA_FROM_DEVICE : DMA_TO_DEVICE);
}

/* Write descriptor @i of @table and its private copy @extra. */
static void hyv_vq_fill_desc(struct vring_desc *table,
			     struct hyv_vq_desc_extra *extra, unsigned int i,
			     dma_addr_t addr, u32 len, u16 flags, u16 next)
{
	extra[i].addr = addr;
	extra[i].len = len;
	extra[i].flags = flags;
	extra[i].next = next;
	table[i].addr = hyv_vq_to64(addr);
	table[i].len = hyv_vq_to32(len);
	table[i].flags = hyv_vq_to16(flags);
	table[i].next = hyv_vq_to16(next);
}

static unsigned int hyv_vq_count_sgs(struct scatterlist *sgs[],
				     unsigned int nsgs, u64 *bytes)
{
	struct scatterlist *sg;
	unsigned int n, count = 0;

	*bytes = 0;
	for (n = 0; n < nsgs; n++) {
		for (sg = sgs[n]; sg; sg = sg_next(sg)) {
			count++;
			*bytes += sg->length;
		}
	}
	return count;
}

/*
 * Map every buffer of the chain into @table/@extra at the positions
 * @first, extra[first].next, ... (the free list for a direct chain,
 * 0, 1, ... for an indirect table). Returns the number mapped, which is
 * less than @total when a mapping failed (the caller unwinds).
 */
static unsigned int hyv_vq_map_chain(struct hyv_vq *vq,
				     struct vring_desc *table,
				     struct hyv_vq_desc_extra *extra,
				     u16 first, bool chain_by_index,
				     struct scatterlist *sgs[],
				     unsigned int out_sgs, unsigned int in_sgs,
				     unsigned int total)
{
	struct scatterlist *sg;
	unsigned int n, done = 0;
	u16 i = first, next;

	for (n = 0; n < out_sgs + in_sgs; n++) {
		bool write = n >= out_sgs;

		for (sg = sgs[n]; sg; sg = sg_next(sg)) {
			dma_addr_t addr;
			u16 flags = write ? VRING_DESC_F_WRITE : 0;

			addr = dma_map_page(vq->dma_dev, sg_page(sg),
					    sg->offset, sg->length,
					    write ? DMA_FROM_DEVICE :
					    DMA_TO_DEVICE);
			if (dma_mapping_error(vq->dma_dev, addr))
				return done;
			next = chain_by_index ? i + 1 : extra[i].next;
			if (done + 1 < total)
				flags |= VRING_DESC_F_NEXT;
			hyv_vq_fill_desc(table, extra, i, addr, sg->length,
					 flags, flags & VRING_DESC_F_NEXT ?
					 next : 0);
			/* Keep the free list's link in the private copy. */
			if (!chain_by_index && !(flags & VRING_DESC_F_NEXT))
				extra[i].next = next;
			done++;
			i = next;
		}
	}
	return done;
}

/* Unmap the first @count descriptors of a chain starting at @i. */
static void hyv_vq_unmap_chain(struct hyv_vq *vq,
			       struct hyv_vq_desc_extra *extra, u16 i,
			       bool chain_by_index, unsigned int count)
{
	while (count--) {
		hyv_vq_unmap(vq, &extra[i]);
		i = chain_by_index ? i + 1 : extra[i].next;
	}
}

static int hyv_vq_add_indirect(struct hyv_vq *vq, struct scatterlist *sgs[],
			       unsigned int out_sgs, unsigned int in_sgs,
			       unsigned int total, gfp_t gfp, u16 *head)
{
	struct hyv_vq_chain *chain;
	struct hyv_vq_desc_extra *iextra;
	struct vring_desc *table;
	dma_addr_t addr;
	unsigned int mapped;
	size_t bytes = total * sizeof(*table);

	table = kmalloc(bytes + total * sizeof(*iextra), gfp);
	if (!table)
		return -ENOMEM;
	iextra = (void *)table + bytes;
	mapped = hyv_vq_map_chain(vq, table, iextra, 0, true, sgs, out_sgs,
				  in_sgs, total);
	if (mapped < total)
		goto unmap;
	addr = dma_map_single(vq->dma_dev, table, bytes, DMA_TO_DEVICE);
	if (dma_mapping_error(vq->dma_dev, addr))
		goto unmap;

	*head = vq->free_head;
	chain = &vq->chains[*head];
	chain->indir = table;
	chain->indir_extra = iextra;
	chain->indir_num = total;
	chain->ndescs = 1;
	vq->free_head = vq->extra[*head].next;
	hyv_vq_fill_desc(vq->vring.desc, vq->extra, *head, addr, bytes,
			 VRING_DESC_F_INDIRECT, 0);
	vq->extra[*head].next = vq->free_head;
	vq->num_free--;
	return 0;

unmap:
	hyv_vq_unmap_chain(vq, iextra, 0, true, mapped);
	kfree(table);
	return -ENOMEM;
}

static int hyv_vq_add_direct(struct hyv_vq *vq, struct scatterlist *sgs[],
			     unsigned int out_sgs, unsigned int in_sgs,
			     unsigned int total, u16 *head)
{
	struct hyv_vq_chain *chain;
	unsigned int mapped, n;
	u16 i;

	if (vq->num_free < total)
		return -ENOSPC;
	*head = vq->free_head;
	mapped = hyv_vq_map_chain(vq, vq->vring.desc, vq->extra, *head,
				  false, sgs, out_sgs, in_sgs, total);
	if (mapped < total) {
		hyv_vq_unmap_chain(vq, vq->extra, *head, false, mapped);
		return -ENOMEM;
	}
	/* The free list continues after the chain's last descriptor. */
	for (i = *head, n = 1; n < total; n++)
		i = vq->extra[i].next;
	vq->free_head = vq->extra[i].next;
	vq->num_free -= total;
	chain = &vq->chains[*head];
	chain->indir = NULL;
	chain->indir_extra = NULL;
	chain->indir_num = 0;
	chain->ndescs = total;
	return 0;
}

/**
 * hyv_vq_add_sgs - expose a chain of buffers to the device
 * @vq: the queue
 * @sgs: @out_sgs device-readable then @in_sgs device-writable lists
 * @out_sgs: readable lists
 * @in_sgs: writable lists
 * @token: returned by hyv_vq_get_buf() for this chain; not NULL
 * @gfp: for the indirect table
 *
 * Return: 0; -ENOSPC when the ring is full (retry after completions);
 * -EIO when the queue is broken; -EINVAL for an empty chain or one
 * longer than the ring; -ENOMEM when a buffer could not be mapped.
 */
int hyv_vq_add_sgs(struct hyv_vq *vq, struct scatterlist *sgs[],
		   unsigned int out_sgs, unsigned int in_sgs, void *token,
		   gfp_t gfp)
{
	unsigned int total, in_total;
	u64 out_bytes, in_bytes;
	u16 head;
	int ret = -ENOSPC;

	if (unlikely(vq->broken))
		return -EIO;
	total = hyv_vq_count_sgs(sgs, out_sgs, &out_bytes);
	in_total = hyv_vq_count_sgs(sgs + out_sgs, in_sgs, &in_bytes);
	total += in_total;
	if (!token || !total || total > vq->vring.num || in_bytes > U32_MAX)
		return -EINVAL;
	if (!vq->num_free)
		return -ENOSPC;

	if (vq->indirect && total > 1)
		ret = hyv_vq_add_indirect(vq, sgs, out_sgs, in_sgs, total,
					  gfp, &head);
	/* No memory for a table: a direct chain may still fit. */
	if (ret)
		ret = hyv_vq_add_direct(vq, sgs, out_sgs, in_sgs, total,
					&head);
	if (ret)
		return ret;

	vq->chains[head].token = token;
	vq->chains[head].in_bytes = in_bytes;
	vq->in_flight++;

	vq->vring.avail->ring[vq->avail_idx_shadow & (vq->vring.num - 1)] =
		hyv_vq_to16(head);
	/* The descriptors and ring entry before the index that shows them. */
	virt_wmb();
	vq->avail_idx_shadow++;
	WRITE_ONCE(vq->vring.avail->idx, hyv_vq_to16(vq->avail_idx_shadow));
	vq->num_added++;

	/* Keep old..new of kick_prepare() within the 16-bit window. */
	if (unlikely(vq->num_added == U16_MAX))
		hyv_vq_kick(vq);
	return 0;
}
EXPORT_SYMBOL_GPL(hyv_vq_add_sgs);

/**
 * hyv_vq_kick_prepare - does the device want a doorbell for what was added?
 * @vq: the queue
 *
 * Under the queue's lock; ring it with hyv_vq_notify() after dropping it.
 */
bool hyv_vq_kick_prepare(struct hyv_vq *vq)
{
	u16 new, old;
	bool needed;

	/* The new avail index before reading the device's wish. */
	virt_mb();
	old = vq->avail_idx_shadow - vq->num_added;
	new = vq->avail_idx_shadow;
	vq->num_added = 0;

	if (vq->event_idx)
		needed = vring_need_event(hyv_vq_from16(READ_ONCE(vring_avail_event(&vq->vring))),
					  new, old);
	else
		needed = !(hyv_vq_from16(READ_ONCE(vq->vring.used->flags)) &
			   VRING_USED_F_NO_NOTIFY);
	if (!needed)
		vq->stats.kicks_suppressed++;
	return needed;
}
EXPORT_SYMBOL_GPL(hyv_vq_kick_prepare);

/* Ring the doorbell; false (and the queue broken) if the host refused. */
bool hyv_vq_notify(struct hyv_vq *vq)
{
	if (unlikely(READ_ONCE(vq->broken)))
		return false;
	vq->stats.kicks++;
	if (!vq->notify(vq)) {
		hyv_vq_set_broken(vq, "doorbell refused", vq->index, 0);
		return false;
	}
	return true;
}
EXPORT_SYMBOL_GPL(hyv_vq_notify);

bool hyv_vq_kick(struct hyv_vq *vq)
{
	if (hyv_vq_kick_prepare(vq))
		return hyv_vq_notify(vq);
	return true;
}
EXPORT_SYMBOL_GPL(hyv_vq_kick);

/* Are there used chains to take? Breaks the queue on an impossible index. */
static bool hyv_vq_more_used(struct hyv_vq *vq)
{
	u16 used = hyv_vq_from16(READ_ONCE(vq->vring.used->idx));
	u16 pending = used - vq->last_used_idx;

	if (unlikely(pending > vq->in_flight)) {
		hyv_vq_set_broken(vq, "used index ahead of what is in flight",
				  used, vq->last_used_idx);
		return false;
	}
	return pending;
}

static void hyv_vq_detach(struct hyv_vq *vq, u16 head)
{
	struct hyv_vq_chain *chain = &vq->chains[head];
	unsigned int n;
	u16 i = head;

	if (chain->indir) {
		hyv_vq_unmap_chain(vq, chain->indir_extra, 0, true,
				   chain->indir_num);
		dma_unmap_single(vq->dma_dev, vq->extra[head].addr,
				 vq->extra[head].len, DMA_TO_DEVICE);
		kfree(chain->indir);
		chain->indir = NULL;
		chain->indir_extra = NULL;
	} else {
		hyv_vq_unmap_chain(vq, vq->extra, head, false, chain->ndescs);
	}
	/* Put the chain back on the free list (private links only). */
	for (n = 1; n < chain->ndescs; n++)
		i = vq->extra[i].next;
	vq->extra[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free += chain->ndescs;
	vq->in_flight--;
	chain->token = NULL;
}

/**
 * hyv_vq_get_buf - take back the next chain the device used
 * @vq: the queue
 * @len: the bytes the device says it wrote; 0 when it claimed more than
 *	 the chain's writable bytes (the caller fails that request)
 *
 * Return: the chain's token, or NULL when none is used or the queue broke.
 */
void *hyv_vq_get_buf(struct hyv_vq *vq, unsigned int *len)
{
	struct vring_used_elem *elem;
	struct hyv_vq_chain *chain;
	u32 id, used_len;
	void *token;

	if (unlikely(vq->broken) || !hyv_vq_more_used(vq))
		return NULL;
	/* The used entry only after the index that published it. */
	virt_rmb();
	elem = &vq->vring.used->ring[vq->last_used_idx & (vq->vring.num - 1)];
	id = hyv_vq_from32(READ_ONCE(elem->id));
	used_len = hyv_vq_from32(READ_ONCE(elem->len));
	if (unlikely(id >= vq->vring.num || !vq->chains[id].token)) {
		hyv_vq_set_broken(vq, "used id is not a chain in flight", id,
				  vq->last_used_idx);
		return NULL;
	}
	chain = &vq->chains[id];
	if (unlikely(used_len > chain->in_bytes)) {
		pr_warn_ratelimited("%s: queue %u: used length %u > %u writable\n",
				    vq->name, vq->index, used_len,
				    chain->in_bytes);
		vq->stats.bad_len++;
		used_len = 0;
	}
	*len = used_len;
	token = chain->token;
	hyv_vq_detach(vq, id);
	vq->last_used_idx++;
	/* Interrupts on: ask for one at the next used chain. */
	if (vq->event_idx &&
	    !(vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)) {
		WRITE_ONCE(vring_used_event(&vq->vring),
			   hyv_vq_to16(vq->last_used_idx));
		/* The wish visible before we look at the used index again. */
		virt_mb();
	}
	return token;
}
EXPORT_SYMBOL_GPL(hyv_vq_get_buf);

/* A hint to the device: no interrupts for this queue for now. */
void hyv_vq_disable_cb(struct hyv_vq *vq)
{
	if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)
		return;
	vq->avail_flags_shadow |= VRING_AVAIL_F_NO_INTERRUPT;
	if (vq->event_idx)
		/* An event half the index space away: not soon. */
		WRITE_ONCE(vring_used_event(&vq->vring),
			   hyv_vq_to16(vq->last_used_idx + 0x8000));
	else
		WRITE_ONCE(vq->vring.avail->flags,
			   hyv_vq_to16(vq->avail_flags_shadow));
}
EXPORT_SYMBOL_GPL(hyv_vq_disable_cb);

/**
 * hyv_vq_enable_cb - take interrupts again
 * @vq: the queue
 *
 * Return: false when chains were used meanwhile (the caller takes them,
 * as no interrupt may come for them), true otherwise.
 */
bool hyv_vq_enable_cb(struct hyv_vq *vq)
{
	if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT) {
		vq->avail_flags_shadow &= ~VRING_AVAIL_F_NO_INTERRUPT;
		if (!vq->event_idx)
			WRITE_ONCE(vq->vring.avail->flags,
				   hyv_vq_to16(vq->avail_flags_shadow));
	}
	WRITE_ONCE(vring_used_event(&vq->vring),
		   hyv_vq_to16(vq->last_used_idx));
	/* The wish before the check, or a completion in between is lost. */
	virt_mb();
	return !hyv_vq_more_used(vq) && !vq->broken;
}
EXPORT_SYMBOL_GPL(hyv_vq_enable_cb);

/* From the queue's interrupt: true when it was this queue's. */
bool hyv_vq_interrupt(struct hyv_vq *vq)
{
	if (!hyv_vq_more_used(vq) && !vq->broken)
		return false;
	if (vq->callback)
		vq->callback(vq);
	return true;
}
EXPORT_SYMBOL_GPL(hyv_vq_interrupt);

/* After a device reset: take back one chain the device never used. */
void *hyv_vq_detach_unused_buf(struct hyv_vq *vq)
{
	unsigned int i;
	void *token;

	for (i = 0; i < vq->vring.num; i++) {
		token = vq->chains[i].token;
		if (!token)
			continue;
		hyv_vq_detach(vq, i);
		vq->avail_idx_shadow--;
		WRITE_ONCE(vq->vring.avail->idx,
			   hyv_vq_to16(vq->avail_idx_shadow));
		return token;
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(hyv_vq_detach_unused_buf);

bool hyv_vq_is_broken(const struct hyv_vq *vq)
{
	return READ_ONCE(vq->broken);
}
EXPORT_SYMBOL_GPL(hyv_vq_is_broken);

void hyv_vq_mark_broken(struct hyv_vq *vq)
{
	WRITE_ONCE(vq->broken, true);
}
EXPORT_SYMBOL_GPL(hyv_vq_mark_broken);

unsigned int hyv_vq_num_free(const struct hyv_vq *vq)
{
	return vq->num_free;
}
EXPORT_SYMBOL_GPL(hyv_vq_num_free);

unsigned int hyv_vq_size(const struct hyv_vq *vq)
{
	return vq->vring.num;
}
EXPORT_SYMBOL_GPL(hyv_vq_size);

unsigned int hyv_vq_index(const struct hyv_vq *vq)
{
	return vq->index;
}
EXPORT_SYMBOL_GPL(hyv_vq_index);

void *hyv_vq_priv(const struct hyv_vq *vq)
{
	return vq->priv;
}
EXPORT_SYMBOL_GPL(hyv_vq_priv);

void hyv_vq_get_stats(const struct hyv_vq *vq, struct hyv_vq_stats *stats)
{
	*stats = vq->stats;
}
EXPORT_SYMBOL_GPL(hyv_vq_get_stats);

void hyv_vq_get_addrs(const struct hyv_vq *vq, u64 *desc, u64 *avail,
		      u64 *used)
{
	*desc = vq->ring_dma;
	*avail = vq->ring_dma + vq->avail_off;
	*used = vq->ring_dma + vq->used_off;
}
EXPORT_SYMBOL_GPL(hyv_vq_get_addrs);

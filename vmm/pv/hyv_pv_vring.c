// SPDX-License-Identifier: GPL-2.0
/*
 * The device's half of a hyv PV split ring. The driver is not trusted:
 * each value of the shared ring is read once into a local and checked
 * (avail index distance, head and next indices, chain length, buffer
 * ranges, indirect tables, readable-after-writable); a bad one breaks
 * the ring. See hyv_pv_vring.h.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hyv_pv_vring.h"

/* Shared memory the other side writes: one load or store, no tearing. */
static u16 hyv_load16(const void *p)
{
	return le16toh(__atomic_load_n((const u16 *)p, __ATOMIC_RELAXED));
}

static void hyv_store16(void *p, u16 v)
{
	__atomic_store_n((u16 *)p, htole16(v), __ATOMIC_RELAXED);
}

static void hyv_store32(void *p, u32 v)
{
	__atomic_store_n((u32 *)p, htole32(v), __ATOMIC_RELAXED);
}

static int __printf(2, 3)
hyv_pv_vring_break(struct hyv_pv_vring *vr, const char *fmt, ...)
{
	va_list ap;

	if (!vr->broken) {
		va_start(ap, fmt);
		vsnprintf(vr->err, sizeof(vr->err), fmt, ap);
		va_end(ap);
	}
	vr->broken = true;
	return -EIO;
}

/**
 * hyv_pv_vring_init - check and map a ring the driver set up
 *
 * Return: 0, or -EINVAL (vr->err says why) when the size is not a power
 * of 2 up to 32768 or an area is misaligned or not inside guest RAM.
 */
int hyv_pv_vring_init(struct hyv_pv_vring *vr, const struct hyv_pv_mem *mem,
		      unsigned int num, u64 desc, u64 avail,
		      u64 used, bool event_idx, bool indirect)
{
	memset(vr, 0, sizeof(*vr));
	vr->mem = mem;
	vr->num = num;
	vr->event_idx = event_idx;
	vr->indirect = indirect;
	if (!num || num > 32768 || (num & (num - 1))) {
		hyv_pv_vring_break(vr, "queue size %u", num);
		return -EINVAL;
	}
	if (desc % 16 || avail % 2 || used % 4) {
		hyv_pv_vring_break(vr, "misaligned ring %#llx %#llx %#llx",
				   (unsigned long long)desc,
				   (unsigned long long)avail,
				   (unsigned long long)used);
		return -EINVAL;
	}
	vr->desc = mem->map(mem->opaque, desc, 16ULL * num);
	vr->avail = mem->map(mem->opaque, avail, 6 + 2ULL * num);
	vr->used = mem->map(mem->opaque, used, 6 + 8ULL * num);
	if (!vr->desc || !vr->avail || !vr->used) {
		hyv_pv_vring_break(vr, "ring outside guest RAM");
		return -EINVAL;
	}
	return 0;
}

/* Copy descriptor @i of @table (guest memory) once. */
static void hyv_pv_read_desc(const struct vring_desc *table, unsigned int i,
			     struct vring_desc *d)
{
	memcpy(d, &table[i], sizeof(*d));
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

static int hyv_pv_add_buf(struct hyv_pv_vring *vr, struct hyv_pv_chain *c,
			  const struct vring_desc *d, bool *seen_write)
{
	bool write = d->flags & VRING_DESC_F_WRITE;
	void *hva;

	if (!write && *seen_write)
		return hyv_pv_vring_break(vr, "readable buffer after a writable one (head %u)",
					  c->head);
	*seen_write |= write;
	if (!d->len)
		return 0;
	hva = vr->mem->map(vr->mem->opaque, d->addr, d->len);
	if (!hva)
		return hyv_pv_vring_break(vr, "buffer %#llx+%u outside guest RAM (head %u)",
					  (unsigned long long)d->addr, d->len,
					  c->head);
	if (write)
		c->in_bytes += d->len;
	else
		c->out_bytes += d->len;
	if (c->n_out + c->n_in >= c->iov_max) {
		c->truncated = true;
		return 0;
	}
	c->iov[c->n_out + c->n_in].iov_base = hva;
	c->iov[c->n_out + c->n_in].iov_len = d->len;
	if (write)
		c->n_in++;
	else
		c->n_out++;
	return 0;
}

/* Switch the walk to the indirect table @d points at. */
static int hyv_pv_enter_indirect(struct hyv_pv_vring *vr,
				 const struct vring_desc *d, bool in_table,
				 const struct vring_desc **table,
				 unsigned int *table_len, u16 head)
{
	if (!vr->indirect || in_table || (d->flags & VRING_DESC_F_NEXT))
		return hyv_pv_vring_break(vr,
					  "indirect descriptor not allowed here (head %u, flags %#x)",
					  head, d->flags);
	if (!d->len || d->len % sizeof(struct vring_desc) ||
	    d->len / sizeof(struct vring_desc) > vr->num)
		return hyv_pv_vring_break(vr, "indirect table of %u bytes (head %u)",
					  d->len, head);
	*table = vr->mem->map(vr->mem->opaque, d->addr, d->len);
	if (!*table)
		return hyv_pv_vring_break(vr, "indirect table %#llx+%u outside guest RAM",
					  (unsigned long long)d->addr, d->len);
	*table_len = d->len / sizeof(struct vring_desc);
	return 0;
}

static int hyv_pv_walk_chain(struct hyv_pv_vring *vr, struct hyv_pv_chain *c)
{
	const struct vring_desc *table = vr->desc;
	unsigned int table_len = vr->num, count = 0, i = c->head;
	bool in_table = false, seen_write = false;
	struct vring_desc d;

	for (;;) {
		/* Bounds loops too: a chain never holds more than num. */
		if (++count > vr->num)
			return hyv_pv_vring_break(vr, "chain longer than the ring (head %u)",
						  c->head);
		hyv_pv_read_desc(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (hyv_pv_enter_indirect(vr, &d, in_table, &table,
						  &table_len, c->head))
				return -EIO;
			in_table = true;
			i = 0;
			continue;
		}
		if (hyv_pv_add_buf(vr, c, &d, &seen_write))
			return -EIO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= table_len)
			return hyv_pv_vring_break(vr, "next index %u past %u (head %u)",
						  i, table_len, c->head);
	}
}

/**
 * hyv_pv_vring_pop - take the next available chain
 *
 * Return: 1 with @chain filled, 0 when none is available, -EIO when the
 * ring is (now) broken.
 */
int hyv_pv_vring_pop(struct hyv_pv_vring *vr, struct hyv_pv_chain *chain)
{
	u16 avail_idx, pending, head;

	if (vr->broken)
		return -EIO;
	avail_idx = hyv_load16(&vr->avail->idx);
	pending = avail_idx - vr->last_avail_idx;
	if (!pending)
		return 0;
	if (pending > vr->num)
		return hyv_pv_vring_break(vr, "avail index %u is %u ahead of %u",
					  avail_idx, pending,
					  vr->last_avail_idx);
	/* The ring entry and descriptors after the index that shows them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = hyv_load16(&vr->avail->ring[vr->last_avail_idx & (vr->num - 1)]);
	if (head >= vr->num)
		return hyv_pv_vring_break(vr, "head %u past the ring", head);

	chain->head = head;
	chain->truncated = false;
	chain->n_out = 0;
	chain->n_in = 0;
	chain->out_bytes = 0;
	chain->in_bytes = 0;
	if (hyv_pv_walk_chain(vr, chain))
		return -EIO;
	vr->last_avail_idx++;
	vr->stats.chains++;
	return 1;
}

/*
 * Write used entry @n (0: the next) for chain @head without publishing
 * it: the driver sees entries 0..count-1 at once on hyv_pv_vring_flush()
 * (a network packet's buffers must appear together).
 */
void hyv_pv_vring_fill(struct hyv_pv_vring *vr, unsigned int n, u16 head,
		       u32 len)
{
	struct vring_used_elem *elem;
	u32 id = head;

	if (vr->broken || n >= vr->num)
		return;
	if (vr->hostile)
		vr->hostile_skip += hyv_pv_hostile_fill(vr->hostile, vr->num,
							&id, &len);
	elem = &vr->used->ring[(u16)(vr->used_idx + n) & (vr->num - 1)];
	hyv_store32(&elem->id, id);
	hyv_store32(&elem->len, len);
}

/* Publish the @count entries filled since the last flush. */
void hyv_pv_vring_flush(struct hyv_pv_vring *vr, unsigned int count)
{
	if (vr->broken || !count || count > vr->num)
		return;
	/* The entries before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vr->used_idx += count;
	hyv_store16(&vr->used->idx, vr->used_idx + vr->hostile_skip);
}

/* Give chain @head back with @len bytes written into it. */
void hyv_pv_vring_push(struct hyv_pv_vring *vr, u16 head, u32 len)
{
	hyv_pv_vring_fill(vr, 0, head, len);
	hyv_pv_vring_flush(vr, 1);
}

/* After pushes: does the driver want an interrupt for them? */
bool hyv_pv_vring_need_signal(struct hyv_pv_vring *vr)
{
	u16 old, event;
	bool need;

	if (vr->broken)
		return false;
	/* Our used index before the driver's wish, as its side orders them. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vr->event_idx) {
		old = vr->signalled_used;
		vr->signalled_used = vr->used_idx;
		event = hyv_load16(&vr->avail->ring[vr->num]);
		need = vring_need_event(event, vr->used_idx, old);
	} else {
		need = !(hyv_load16(&vr->avail->flags) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (need)
		vr->stats.interrupts++;
	else
		vr->stats.interrupts_suppressed++;
	return need;
}

/* While working through the ring: doorbells are not needed. */
void hyv_pv_vring_disable_notify(struct hyv_pv_vring *vr)
{
	if (!vr->event_idx && !vr->broken)
		hyv_store16(&vr->used->flags, VRING_USED_F_NO_NOTIFY);
}

/*
 * Before sleeping: ask for a doorbell at the next chain. Returns true
 * when chains arrived meanwhile (take them: no doorbell will come).
 */
bool hyv_pv_vring_enable_notify(struct hyv_pv_vring *vr)
{
	if (vr->broken)
		return false;
	if (vr->event_idx)
		hyv_store16(&vr->used->ring[vr->num], vr->last_avail_idx);
	else
		hyv_store16(&vr->used->flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return hyv_load16(&vr->avail->idx) != vr->last_avail_idx;
}

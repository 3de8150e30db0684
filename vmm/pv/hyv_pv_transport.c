// SPDX-License-Identifier: GPL-2.0
/*
 * BAR0 and BAR1 of a hyv PV PCI function: the register semantics of
 * docs/pv-abi.md (status and reset, feature windows, queue setup, device
 * registers under a generation count, MSI-X entries with masking and
 * pending bits). Every access the guest makes is bounded here: a bad
 * width, offset or value reads 0 or is ignored.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "hyv_pv_transport.h"

#define HYV_PV_STATUS_DRIVER_BITS (HYV_PV_STATUS_ACKNOWLEDGE | \
				   HYV_PV_STATUS_DRIVER | \
				   HYV_PV_STATUS_DRIVER_OK | \
				   HYV_PV_STATUS_FEATURES_OK | \
				   HYV_PV_STATUS_FAILED)

static void hyv_pv_close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static void hyv_pv_reset_regs(struct hyv_pv_transport *t)
{
	unsigned int q;

	t->driver_features = 0;
	t->device_feature_select = 0;
	t->driver_feature_select = 0;
	t->status = 0;
	t->config_vector = HYV_PV_NO_VECTOR;
	t->queue_select = 0;
	__atomic_store_n(&t->needs_reset, 0, __ATOMIC_SEQ_CST);
	for (q = 0; q < HYV_PV_MAX_QUEUES; q++) {
		memset(&t->queue[q], 0, sizeof(t->queue[q]));
		t->queue[q].size = t->queue_size_max;
		t->queue[q].vector = HYV_PV_NO_VECTOR;
	}
}

/* Return: 0, -EINVAL for a bad description, or -errno of eventfd(). */
int hyv_pv_transport_init(struct hyv_pv_transport *t)
{
	unsigned int i;

	if (!t->num_queues || t->num_queues > HYV_PV_MAX_QUEUES ||
	    !t->queue_size_max || t->queue_size_max > HYV_PV_MAX_QUEUE_SIZE ||
	    (t->queue_size_max & (t->queue_size_max - 1)) ||
	    t->config_len % 4 ||
	    t->config_len > HYV_PV_BAR0_SIZE - HYV_PV_DEVICE_CFG_OFFSET ||
	    !t->ops)
		return -EINVAL;
	t->device_features |= 1ULL << HYV_PV_F_VERSION_1;
	t->num_vectors = t->num_queues + 1;
	t->generation = 0;
	memset(t->msix, 0, sizeof(t->msix));
	for (i = 0; i < HYV_PV_MAX_VECTORS; i++)
		t->msix[i].ctrl = 1;	/* masked at reset, as PCI says */
	t->pba[0] = 0;
	t->pba[1] = 0;
	hyv_pv_reset_regs(t);
	for (i = 0; i < HYV_PV_MAX_QUEUES; i++)
		t->doorbell_fd[i] = -1;
	for (i = 0; i < HYV_PV_MAX_VECTORS; i++)
		t->irq_fd[i] = -1;
	for (i = 0; i < t->num_queues; i++) {
		t->doorbell_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->doorbell_fd[i] < 0)
			goto fail;
	}
	for (i = 0; i < t->num_vectors; i++) {
		t->irq_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->irq_fd[i] < 0)
			goto fail;
	}
	return 0;
fail:
	hyv_pv_transport_destroy(t);
	return -errno;
}

void hyv_pv_transport_destroy(struct hyv_pv_transport *t)
{
	hyv_pv_close_fds(t->doorbell_fd, HYV_PV_MAX_QUEUES);
	hyv_pv_close_fds(t->irq_fd, HYV_PV_MAX_VECTORS);
}

void hyv_pv_transport_set_needs_reset(struct hyv_pv_transport *t)
{
	__atomic_store_n(&t->needs_reset, 1, __ATOMIC_SEQ_CST);
	hyv_pv_transport_signal(t, t->config_vector);
}

void hyv_pv_transport_config_changed(struct hyv_pv_transport *t)
{
	__atomic_add_fetch(&t->generation, 1, __ATOMIC_SEQ_CST);
	hyv_pv_transport_signal(t, t->config_vector);
}

static void hyv_pv_kick_fd(int fd)
{
	u64 one = 1;

	/* EAGAIN: the count is at its maximum, the reader will wake. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

/* Raise @vector: delivered now, or pending while it is masked. */
void hyv_pv_transport_signal(struct hyv_pv_transport *t, unsigned int vector)
{
	u64 bit = 1ULL << (vector % 64);

	if (vector >= t->num_vectors)
		return;
	if (!(__atomic_load_n(&t->msix[vector].ctrl, __ATOMIC_SEQ_CST) & 1)) {
		hyv_pv_kick_fd(t->irq_fd[vector]);
		return;
	}
	__atomic_or_fetch(&t->pba[vector / 64], bit, __ATOMIC_SEQ_CST);
	/* Unmasked meanwhile: whoever clears the bit delivers it. */
	if (!(__atomic_load_n(&t->msix[vector].ctrl, __ATOMIC_SEQ_CST) & 1) &&
	    (__atomic_fetch_and(&t->pba[vector / 64], ~bit,
				__ATOMIC_SEQ_CST) & bit))
		hyv_pv_kick_fd(t->irq_fd[vector]);
}

void hyv_pv_transport_signal_queue(struct hyv_pv_transport *t, unsigned int q)
{
	if (q < t->num_queues)
		hyv_pv_transport_signal(t, t->queue[q].vector);
}

static u32 hyv_pv_read_features(u64 features, u32 select)
{
	if (select > 1)
		return 0;
	return (u32)(features >> (32 * select));
}

static struct hyv_pv_queue_regs *hyv_pv_selected(struct hyv_pv_transport *t)
{
	return t->queue_select < t->num_queues ? &t->queue[t->queue_select] :
						 NULL;
}

static u32 hyv_pv_queue_read(struct hyv_pv_transport *t, u64 off)
{
	struct hyv_pv_queue_regs *q = hyv_pv_selected(t);

	if (!q)
		return 0;
	switch (off) {
	case HYV_PV_COMMON_QUEUE_SIZE_MAX:	return t->queue_size_max;
	case HYV_PV_COMMON_QUEUE_SIZE:		return q->size;
	case HYV_PV_COMMON_QUEUE_VECTOR:	return q->vector;
	case HYV_PV_COMMON_QUEUE_ENABLE:	return q->enabled;
	case HYV_PV_COMMON_QUEUE_DESC_LO:	return (u32)q->desc;
	case HYV_PV_COMMON_QUEUE_DESC_HI:	return q->desc >> 32;
	case HYV_PV_COMMON_QUEUE_AVAIL_LO:	return (u32)q->avail;
	case HYV_PV_COMMON_QUEUE_AVAIL_HI:	return q->avail >> 32;
	case HYV_PV_COMMON_QUEUE_USED_LO:	return (u32)q->used;
	case HYV_PV_COMMON_QUEUE_USED_HI:	return q->used >> 32;
	default:				return 0;
	}
}

u32 hyv_pv_bar0_read(struct hyv_pv_transport *t, u64 offset,
		     unsigned int size)
{
	u32 v;

	if (size != 4 || offset % 4 || offset >= HYV_PV_BAR0_SIZE)
		return 0;
	if (offset >= HYV_PV_DEVICE_CFG_OFFSET) {
		offset -= HYV_PV_DEVICE_CFG_OFFSET;
		if (offset >= t->config_len)
			return 0;
		memcpy(&v, (const u8 *)t->config + offset, 4);
		return v;	/* the registers are little-endian already */
	}
	switch (offset) {
	case HYV_PV_COMMON_MAGIC:		return HYV_PV_MAGIC;
	case HYV_PV_COMMON_VERSION:		return HYV_PV_PCI_REVISION;
	case HYV_PV_COMMON_DEVICE_TYPE:		return t->type;
	case HYV_PV_COMMON_DOORBELL_DEVICE:	return t->doorbell_device;
	case HYV_PV_COMMON_DEVICE_FEATURE_SELECT:
		return t->device_feature_select;
	case HYV_PV_COMMON_DEVICE_FEATURE:
		return hyv_pv_read_features(t->device_features,
					    t->device_feature_select);
	case HYV_PV_COMMON_DRIVER_FEATURE_SELECT:
		return t->driver_feature_select;
	case HYV_PV_COMMON_DRIVER_FEATURE:
		return hyv_pv_read_features(t->driver_features,
					    t->driver_feature_select);
	case HYV_PV_COMMON_STATUS:
		return t->status | (__atomic_load_n(&t->needs_reset,
						    __ATOMIC_SEQ_CST) ?
				    HYV_PV_STATUS_DEVICE_NEEDS_RESET : 0);
	case HYV_PV_COMMON_CONFIG_GENERATION:
		return __atomic_load_n(&t->generation, __ATOMIC_SEQ_CST);
	case HYV_PV_COMMON_NUM_QUEUES:		return t->num_queues;
	case HYV_PV_COMMON_CONFIG_VECTOR:	return t->config_vector;
	case HYV_PV_COMMON_QUEUE_SELECT:	return t->queue_select;
	default:
		return hyv_pv_queue_read(t, offset);
	}
}

static void hyv_pv_write_driver_features(struct hyv_pv_transport *t,
					 u32 value)
{
	unsigned int shift = 32 * t->driver_feature_select;

	if (t->driver_feature_select > 1 ||
	    (t->status & HYV_PV_STATUS_FEATURES_OK))
		return;
	t->driver_features &= ~(0xffffffffULL << shift);
	t->driver_features |= (u64)value << shift;
}

static void hyv_pv_write_status(struct hyv_pv_transport *t, u32 value)
{
	u32 added;

	if (!value) {
		t->ops->reset(t->opaque);
		hyv_pv_reset_regs(t);
		return;
	}
	value &= HYV_PV_STATUS_DRIVER_BITS;
	/* Bits are only added; clearing one takes a reset. */
	added = value & ~t->status;
	if (added & HYV_PV_STATUS_FEATURES_OK) {
		u64 need = 1ULL << HYV_PV_F_VERSION_1;

		if ((t->driver_features & ~t->device_features) ||
		    (t->driver_features & need) != need ||
		    (t->ops->features_ok &&
		     !t->ops->features_ok(t->opaque, t->driver_features)))
			added &= ~HYV_PV_STATUS_FEATURES_OK;
	}
	if ((added & HYV_PV_STATUS_DRIVER_OK) &&
	    !((t->status | added) & HYV_PV_STATUS_FEATURES_OK))
		added &= ~HYV_PV_STATUS_DRIVER_OK;
	t->status |= added;
	if (added & HYV_PV_STATUS_DRIVER_OK)
		t->ops->driver_ok(t->opaque);
}

static u32 hyv_pv_checked_vector(const struct hyv_pv_transport *t,
				 u32 vector)
{
	return vector < t->num_vectors ? vector : HYV_PV_NO_VECTOR;
}

static void hyv_pv_set_half(u64 *reg, bool high, u32 value)
{
	if (high)
		*reg = (*reg & 0xffffffffULL) | (u64)value << 32;
	else
		*reg = (*reg & ~0xffffffffULL) | value;
}

static void hyv_pv_queue_enable(struct hyv_pv_transport *t,
				struct hyv_pv_queue_regs *q)
{
	unsigned int index = q - t->queue;

	if (q->enabled || !(t->status & HYV_PV_STATUS_FEATURES_OK))
		return;
	if (!q->size || q->size > t->queue_size_max ||
	    (q->size & (q->size - 1)) ||
	    t->ops->queue_enable(t->opaque, index, q)) {
		hyv_pv_transport_set_needs_reset(t);
		return;
	}
	q->enabled = true;
}

static void hyv_pv_queue_write(struct hyv_pv_transport *t, u64 off,
			       u32 value)
{
	struct hyv_pv_queue_regs *q = hyv_pv_selected(t);

	if (!q || q->enabled)
		return;
	switch (off) {
	case HYV_PV_COMMON_QUEUE_SIZE:
		q->size = value;
		break;
	case HYV_PV_COMMON_QUEUE_VECTOR:
		q->vector = hyv_pv_checked_vector(t, value);
		break;
	case HYV_PV_COMMON_QUEUE_ENABLE:
		if (value == 1)
			hyv_pv_queue_enable(t, q);
		break;
	case HYV_PV_COMMON_QUEUE_DESC_LO:
	case HYV_PV_COMMON_QUEUE_DESC_HI:
		hyv_pv_set_half(&q->desc, off & 4, value);
		break;
	case HYV_PV_COMMON_QUEUE_AVAIL_LO:
	case HYV_PV_COMMON_QUEUE_AVAIL_HI:
		hyv_pv_set_half(&q->avail, off & 4, value);
		break;
	case HYV_PV_COMMON_QUEUE_USED_LO:
	case HYV_PV_COMMON_QUEUE_USED_HI:
		hyv_pv_set_half(&q->used, off & 4, value);
		break;
	}
}

void hyv_pv_bar0_write(struct hyv_pv_transport *t, u64 offset,
		       unsigned int size, u32 value)
{
	if (size != 4 || offset % 4 || offset >= HYV_PV_BAR0_SIZE)
		return;
	if (offset >= HYV_PV_DEVICE_CFG_OFFSET) {
		offset -= HYV_PV_DEVICE_CFG_OFFSET;
		if (offset < t->config_len && t->ops->config_write)
			t->ops->config_write(t->opaque, offset, value);
		return;
	}
	switch (offset) {
	case HYV_PV_COMMON_DEVICE_FEATURE_SELECT:
		t->device_feature_select = value;
		break;
	case HYV_PV_COMMON_DRIVER_FEATURE_SELECT:
		t->driver_feature_select = value;
		break;
	case HYV_PV_COMMON_DRIVER_FEATURE:
		hyv_pv_write_driver_features(t, value);
		break;
	case HYV_PV_COMMON_STATUS:
		hyv_pv_write_status(t, value);
		break;
	case HYV_PV_COMMON_CONFIG_VECTOR:
		t->config_vector = hyv_pv_checked_vector(t, value);
		break;
	case HYV_PV_COMMON_QUEUE_SELECT:
		t->queue_select = value;
		break;
	default:
		hyv_pv_queue_write(t, offset, value);
	}
}

u32 hyv_pv_msix_read(struct hyv_pv_transport *t, u64 offset,
		     unsigned int size)
{
	unsigned int v;

	if (size != 4 || offset % 4 || offset >= HYV_PV_BAR1_SIZE)
		return 0;
	if (offset >= HYV_PV_MSIX_PBA_OFFSET) {
		offset -= HYV_PV_MSIX_PBA_OFFSET;
		if (offset >= sizeof(t->pba))
			return 0;
		return __atomic_load_n(&t->pba[offset / 8], __ATOMIC_SEQ_CST) >>
		       (32 * (offset % 8 / 4));
	}
	v = offset / 16;
	if (v >= t->num_vectors)
		return 0;
	switch (offset % 16) {
	case 0:		return t->msix[v].addr_lo;
	case 4:		return t->msix[v].addr_hi;
	case 8:		return t->msix[v].data;
	default:	return __atomic_load_n(&t->msix[v].ctrl, __ATOMIC_SEQ_CST);
	}
}

void hyv_pv_msix_write(struct hyv_pv_transport *t, u64 offset,
		       unsigned int size, u32 value)
{
	struct hyv_pv_msix_entry *e;
	u64 bit;
	unsigned int v;

	if (size != 4 || offset % 4 || offset >= HYV_PV_MSIX_PBA_OFFSET)
		return;		/* the PBA is read-only */
	v = offset / 16;
	if (v >= t->num_vectors)
		return;
	e = &t->msix[v];
	switch (offset % 16) {
	case 0:
		e->addr_lo = value;
		break;
	case 4:
		e->addr_hi = value;
		break;
	case 8:
		e->data = value;
		break;
	default:
		__atomic_store_n(&e->ctrl, value & 1, __ATOMIC_SEQ_CST);
		break;
	}
	if (t->ops->msix_changed)
		t->ops->msix_changed(t->opaque, v, e);
	/* Unmasked with an interrupt pending: deliver it now. */
	bit = 1ULL << (v % 64);
	if (!(e->ctrl & 1) &&
	    (__atomic_fetch_and(&t->pba[v / 64], ~bit, __ATOMIC_SEQ_CST) & bit))
		hyv_pv_kick_fd(t->irq_fd[v]);
}

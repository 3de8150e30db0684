/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The register side of a hyv PV PCI function (docs/pv-abi.md): BAR0
 * (common and device registers) and BAR1 (MSI-X table and PBA) as
 * functions over a state struct, for the VMM's PCI bus to call on guest
 * accesses, plus the eventfds of the function's doorbells and vectors.
 *
 * The VMM's side:
 *   - PCI config space (IDs, class, BARs, the MSI-X capability with
 *     table size hyv_pv_transport.num_vectors in BAR1) is the bus's;
 *   - BAR0/BAR1 accesses go to hyv_pv_bar0_{read,write} and
 *     hyv_pv_msix_{read,write}, serialised by the caller (one lock per
 *     function);
 *   - hyv_pv_transport.doorbell_fd[q] is bound with HYV_DOORBELL to
 *     (doorbell_device, q); on ops->msix_changed the VMM binds
 *     irq_fd[v] with HYV_IRQFD to the vector's address/data (deassigning
 *     the previous binding); a masked vector may stay bound: the
 *     transport does not signal it, it sets its PBA bit instead.
 */
#ifndef HYV_PV_TRANSPORT_H
#define HYV_PV_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/hyv_pv.h>
#include <hyv/user_types.h>

struct hyv_pv_msix_entry {
	u32 addr_lo, addr_hi, data, ctrl;	/* ctrl bit 0: masked */
};

struct hyv_pv_queue_regs {
	u32 size, vector;
	bool enabled;
	u64 desc, avail, used;
};

/* What the device behind the registers does on the driver's writes. */
struct hyv_pv_transport_ops {
	/* Queue @q's registers are final: check and start; -errno refuses. */
	int (*queue_enable)(void *opaque, unsigned int q,
			    const struct hyv_pv_queue_regs *regs);
	/* DRIVER_OK was set: features and queues are final. */
	void (*driver_ok)(void *opaque);
	/* The driver reset the device: stop, drain; return when done. */
	void (*reset)(void *opaque);
	/* An MSI-X entry's address, data or mask changed. */
	void (*msix_changed)(void *opaque, unsigned int vector,
			     const struct hyv_pv_msix_entry *entry);
	/*
	 * Optional. May the driver have @features (a subset of the offer,
	 * with VERSION_1)? false leaves FEATURES_OK clear. On true the
	 * features are final (driver_features holds them).
	 */
	bool (*features_ok)(void *opaque, u64 features);
	/*
	 * Optional. An aligned 32-bit write at @offset of the device
	 * registers (from HYV_PV_DEVICE_CFG_OFFSET); the device checks it
	 * and updates its registers, or ignores it.
	 */
	void (*config_write)(void *opaque, u32 offset, u32 value);
};

struct hyv_pv_transport {
	/* Set before hyv_pv_transport_init(). */
	u32 type;			/* HYV_PV_TYPE_* */
	u32 doorbell_device;
	u32 num_queues;			/* 1..HYV_PV_MAX_QUEUES */
	u32 queue_size_max;		/* power of 2 */
	u64 device_features;		/* HYV_PV_F_VERSION_1 is added */
	const void *config;		/* device registers, little-endian */
	u32 config_len;			/* multiple of 4 */
	const struct hyv_pv_transport_ops *ops;
	void *opaque;

	/* Register state. */
	u64 driver_features;
	u32 device_feature_select, driver_feature_select;
	u32 status;
	u32 generation;
	u32 config_vector;
	u32 queue_select;
	int needs_reset;		/* atomic: set by device threads */
	unsigned int num_vectors;	/* num_queues + 1 */
	struct hyv_pv_queue_regs queue[HYV_PV_MAX_QUEUES];
	struct hyv_pv_msix_entry msix[HYV_PV_MAX_VECTORS];
	u64 pba[2];			/* atomic */

	int doorbell_fd[HYV_PV_MAX_QUEUES];	/* eventfds, the device's */
	int irq_fd[HYV_PV_MAX_VECTORS];		/* eventfds, for irqfds */
};

int hyv_pv_transport_init(struct hyv_pv_transport *t);
void hyv_pv_transport_destroy(struct hyv_pv_transport *t);
u32 hyv_pv_bar0_read(struct hyv_pv_transport *t, u64 offset,
		     unsigned int size);
void hyv_pv_bar0_write(struct hyv_pv_transport *t, u64 offset,
		       unsigned int size, u32 value);
u32 hyv_pv_msix_read(struct hyv_pv_transport *t, u64 offset,
		     unsigned int size);
void hyv_pv_msix_write(struct hyv_pv_transport *t, u64 offset,
		       unsigned int size, u32 value);

/* From device threads. */
void hyv_pv_transport_signal(struct hyv_pv_transport *t, unsigned int vector);
void hyv_pv_transport_signal_queue(struct hyv_pv_transport *t,
				   unsigned int q);
void hyv_pv_transport_set_needs_reset(struct hyv_pv_transport *t);
/* After the device registers changed (under the caller's lock). */
void hyv_pv_transport_config_changed(struct hyv_pv_transport *t);

static inline bool hyv_pv_transport_has(const struct hyv_pv_transport *t,
					unsigned int bit)
{
	return bit < 64 && (t->driver_features & (1ULL << bit));
}

#endif /* HYV_PV_TRANSPORT_H */

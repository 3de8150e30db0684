/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PCI transport of hyv PV devices (docs/pv-abi.md): what a device
 * driver (hyv_pvblk, hyv_pvnet) calls to find, negotiate with, set up
 * queues and interrupts on, and reset one hyv PV PCI function.
 *
 * Probe order: hyv_pv_pci_init(), hyv_pv_pci_negotiate(), reading the
 * device registers, hyv_pv_pci_setup_vqs(), the driver's own setup, then
 * hyv_pv_pci_ready(). Remove in reverse: hyv_pv_pci_reset(),
 * hyv_pv_pci_del_vqs(), hyv_pv_pci_exit().
 */
#ifndef HYV_PV_PCI_H
#define HYV_PV_PCI_H

#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/hyv_pv.h>

#include "hyv_pv_ring.h"

struct hyv_pv_device {
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0 */
	u32 type;			/* HYV_PV_TYPE_* */
	u32 doorbell_dev;		/* RBX of HYV_HC_DOORBELL */
	u64 features;			/* negotiated */
	unsigned int max_queues;	/* NUM_QUEUES of the device */
	bool reset_failed;		/* the device may still use the rings */

	/* Set by the driver before hyv_pv_pci_setup_vqs(). */
	void (*config_changed)(struct hyv_pv_device *hdev); /* hard IRQ */
	void *priv;

	/* Set by hyv_pv_pci_setup_vqs(). */
	struct hyv_vq **vqs;
	unsigned int nvqs;
	bool config_irq;
	char (*irq_names)[32];
};

struct hyv_pv_vq_setup {
	hyv_vq_callback_t *callback;
	const char *name;
};

bool hyv_pv_detect(void);
int hyv_pv_pci_init(struct hyv_pv_device *hdev, struct pci_dev *pdev,
		    u32 type);
void hyv_pv_pci_exit(struct hyv_pv_device *hdev);
int hyv_pv_pci_negotiate(struct hyv_pv_device *hdev, u64 driver_features);
void hyv_pv_pci_config_read(struct hyv_pv_device *hdev, unsigned int offset,
			    void *buf, unsigned int len);
int hyv_pv_pci_setup_vqs(struct hyv_pv_device *hdev, unsigned int nvqs,
			 const struct hyv_pv_vq_setup *setup,
			 struct irq_affinity *affd);
void hyv_pv_pci_del_vqs(struct hyv_pv_device *hdev);
void hyv_pv_pci_ready(struct hyv_pv_device *hdev);
void hyv_pv_pci_reset(struct hyv_pv_device *hdev);
void hyv_pv_pci_set_failed(struct hyv_pv_device *hdev);
bool hyv_pv_pci_needs_reset(struct hyv_pv_device *hdev);
const struct cpumask *hyv_pv_pci_vq_affinity(struct hyv_pv_device *hdev,
					     unsigned int index);

static inline bool hyv_pv_has_feature(const struct hyv_pv_device *hdev,
				      unsigned int bit)
{
	return bit < 64 && (hdev->features & BIT_ULL(bit));
}

static inline struct hyv_pv_device *hyv_vq_device(struct hyv_vq *vq)
{
	return hyv_vq_priv(vq);
}

#endif /* HYV_PV_PCI_H */

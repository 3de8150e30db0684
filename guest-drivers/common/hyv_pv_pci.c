// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI transport of hyv PV devices: BAR0's registers (status, feature
 * negotiation, queue setup, device registers), MSI-X vectors for the
 * queues and for configuration changes, and the doorbell hypercall.
 * The register layout is in docs/pv-abi.md.
 *
 * Context: process context (probe, remove, config work), except the
 * doorbell and the interrupt handlers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <asm/alternative.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "hyv_pv_pci.h"

#define HYV_PV_RESET_TIMEOUT_MS	5000

/* As kvm_para.h: VMCALL, patched to VMMCALL on AMD at boot. */
static long hyv_pv_hypercall2(unsigned long nr, unsigned long a1,
			      unsigned long a2)
{
	long ret;

	asm volatile(ALTERNATIVE("vmcall", "vmmcall", X86_FEATURE_VMMCALL)
		     : "=a"(ret)
		     : "a"(nr), "b"(a1), "c"(a2)
		     : "memory");
	return ret;
}

/* Is this a hyv guest whose host takes doorbell hypercalls? */
bool hyv_pv_detect(void)
{
	u32 base;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	base = hypervisor_cpuid_base(HYV_SIGNATURE, 1);
	return base && (cpuid_eax(base + 1) & HYV_FEATURE_DOORBELL);
}
EXPORT_SYMBOL_GPL(hyv_pv_detect);

static u32 hyv_pv_read(struct hyv_pv_device *hdev, unsigned int reg)
{
	return ioread32(hdev->regs + reg);
}

static void hyv_pv_write(struct hyv_pv_device *hdev, unsigned int reg,
			 u32 val)
{
	iowrite32(val, hdev->regs + reg);
}

static void hyv_pv_add_status(struct hyv_pv_device *hdev, u32 bits)
{
	hyv_pv_write(hdev, HYV_PV_COMMON_STATUS,
		     hyv_pv_read(hdev, HYV_PV_COMMON_STATUS) | bits);
}

/**
 * hyv_pv_pci_reset - stop the device; it no longer touches guest memory
 * @hdev: the device
 *
 * A device that never acknowledges keeps its rings: hyv_pv_pci_del_vqs()
 * then leaks them rather than free memory the device may still write.
 */
void hyv_pv_pci_reset(struct hyv_pv_device *hdev)
{
	unsigned int ms;

	hyv_pv_write(hdev, HYV_PV_COMMON_STATUS, 0);
	for (ms = 0; hyv_pv_read(hdev, HYV_PV_COMMON_STATUS); ms++) {
		if (ms >= HYV_PV_RESET_TIMEOUT_MS) {
			dev_err(&hdev->pdev->dev, "device ignores reset\n");
			hdev->reset_failed = true;
			return;
		}
		usleep_range(1000, 2000);
	}
	hdev->reset_failed = false;
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_reset);

void hyv_pv_pci_set_failed(struct hyv_pv_device *hdev)
{
	hyv_pv_add_status(hdev, HYV_PV_STATUS_FAILED);
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_set_failed);

bool hyv_pv_pci_needs_reset(struct hyv_pv_device *hdev)
{
	return hyv_pv_read(hdev, HYV_PV_COMMON_STATUS) &
	       HYV_PV_STATUS_DEVICE_NEEDS_RESET;
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_needs_reset);

/**
 * hyv_pv_pci_init - enable the function, map BAR0, check it is ours, reset
 * @hdev: zeroed by the caller
 * @pdev: the PCI function
 * @type: HYV_PV_TYPE_* the caller drives
 *
 * Return: 0, -ENODEV when this is not a hyv PV device of @type (or not a
 * hyv guest), or another -errno. PCI resources are device-managed.
 */
int hyv_pv_pci_init(struct hyv_pv_device *hdev, struct pci_dev *pdev,
		    u32 type)
{
	int ret;

	if (!hyv_pv_detect()) {
		dev_info(&pdev->dev, "not a hyv guest with doorbells\n");
		return -ENODEV;
	}
	hdev->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(HYV_PV_BAR_COMMON),
				 dev_driver_string(&pdev->dev));
	if (ret)
		return ret;
	if (pci_resource_len(pdev, HYV_PV_BAR_COMMON) < HYV_PV_BAR0_SIZE)
		return -ENODEV;
	hdev->regs = pcim_iomap_table(pdev)[HYV_PV_BAR_COMMON];
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	if (hyv_pv_read(hdev, HYV_PV_COMMON_MAGIC) != HYV_PV_MAGIC ||
	    hyv_pv_read(hdev, HYV_PV_COMMON_VERSION) != HYV_PV_PCI_REVISION ||
	    hyv_pv_read(hdev, HYV_PV_COMMON_DEVICE_TYPE) != type) {
		dev_err(&pdev->dev, "not a hyv PV device of type %u\n", type);
		return -ENODEV;
	}
	hdev->type = type;
	hdev->doorbell_dev = hyv_pv_read(hdev, HYV_PV_COMMON_DOORBELL_DEVICE);
	hdev->max_queues = hyv_pv_read(hdev, HYV_PV_COMMON_NUM_QUEUES);
	if (!hdev->max_queues || hdev->max_queues > HYV_PV_MAX_QUEUES) {
		dev_err(&pdev->dev, "bad queue count %u\n", hdev->max_queues);
		return -ENODEV;
	}
	pci_set_master(pdev);

	hyv_pv_pci_reset(hdev);
	if (hdev->reset_failed)
		return -EIO;
	hyv_pv_add_status(hdev, HYV_PV_STATUS_ACKNOWLEDGE);
	hyv_pv_add_status(hdev, HYV_PV_STATUS_DRIVER);
	return 0;
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_init);

void hyv_pv_pci_exit(struct hyv_pv_device *hdev)
{
	pci_clear_master(hdev->pdev);
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_exit);

/**
 * hyv_pv_pci_negotiate - agree on features
 * @hdev: the device, after hyv_pv_pci_init()
 * @driver_features: every bit the driver can use (HYV_PV_F_VERSION_1 is
 *		     added)
 *
 * Return: 0 with hdev->features set, or -ENODEV when the device refuses.
 */
int hyv_pv_pci_negotiate(struct hyv_pv_device *hdev, u64 driver_features)
{
	u64 offered;

	hyv_pv_write(hdev, HYV_PV_COMMON_DEVICE_FEATURE_SELECT, 0);
	offered = hyv_pv_read(hdev, HYV_PV_COMMON_DEVICE_FEATURE);
	hyv_pv_write(hdev, HYV_PV_COMMON_DEVICE_FEATURE_SELECT, 1);
	offered |= (u64)hyv_pv_read(hdev, HYV_PV_COMMON_DEVICE_FEATURE) << 32;
	if (!(offered & BIT_ULL(HYV_PV_F_VERSION_1))) {
		dev_err(&hdev->pdev->dev, "device lacks VERSION_1\n");
		goto failed;
	}
	hdev->features = offered &
			 (driver_features | BIT_ULL(HYV_PV_F_VERSION_1));
	hyv_pv_write(hdev, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 0);
	hyv_pv_write(hdev, HYV_PV_COMMON_DRIVER_FEATURE, lower_32_bits(hdev->features));
	hyv_pv_write(hdev, HYV_PV_COMMON_DRIVER_FEATURE_SELECT, 1);
	hyv_pv_write(hdev, HYV_PV_COMMON_DRIVER_FEATURE, upper_32_bits(hdev->features));
	hyv_pv_add_status(hdev, HYV_PV_STATUS_FEATURES_OK);
	if (hyv_pv_read(hdev, HYV_PV_COMMON_STATUS) & HYV_PV_STATUS_FEATURES_OK)
		return 0;
	dev_err(&hdev->pdev->dev, "device refused features %#llx\n",
		hdev->features);
failed:
	hyv_pv_pci_set_failed(hdev);
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_negotiate);

/*
 * Copy @len bytes of the device registers from @offset (a multiple of 4)
 * into @buf, again until CONFIG_GENERATION says no change came between.
 */
void hyv_pv_pci_config_read(struct hyv_pv_device *hdev, unsigned int offset,
			    void *buf, unsigned int len)
{
	unsigned int i, limit = HYV_PV_BAR0_SIZE - HYV_PV_DEVICE_CFG_OFFSET;
	u32 gen, word;
	u8 *out = buf;

	if (WARN_ON_ONCE(offset % 4 || offset > limit || len > limit - offset))
		return;
	do {
		gen = hyv_pv_read(hdev, HYV_PV_COMMON_CONFIG_GENERATION);
		for (i = 0; i < len; i += 4) {
			__le32 le;

			word = hyv_pv_read(hdev, HYV_PV_DEVICE_CFG_OFFSET +
					   offset + i);
			le = cpu_to_le32(word);
			memcpy(out + i, &le, min(4U, len - i));
		}
	} while (gen != hyv_pv_read(hdev, HYV_PV_COMMON_CONFIG_GENERATION));
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_config_read);

static bool hyv_pv_vq_notify(struct hyv_vq *vq)
{
	struct hyv_pv_device *hdev = hyv_vq_device(vq);

	return hyv_pv_hypercall2(HYV_HC_DOORBELL, hdev->doorbell_dev,
				 hyv_vq_index(vq)) == 0;
}

static irqreturn_t hyv_pv_vq_irq(int irq, void *data)
{
	return hyv_vq_interrupt(data) ? IRQ_HANDLED : IRQ_NONE;
}

static irqreturn_t hyv_pv_config_irq(int irq, void *data)
{
	struct hyv_pv_device *hdev = data;

	if (hdev->config_changed)
		hdev->config_changed(hdev);
	return IRQ_HANDLED;
}

/* Program queue @index and create its ring; vector = index + 1. */
static struct hyv_vq *hyv_pv_setup_vq(struct hyv_pv_device *hdev,
				      unsigned int index,
				      const struct hyv_pv_vq_setup *setup)
{
	struct hyv_vq_info info = {
		.dma_dev = &hdev->pdev->dev,
		.index = index,
		.indirect = hyv_pv_has_feature(hdev, HYV_PV_F_RING_INDIRECT_DESC),
		.event_idx = hyv_pv_has_feature(hdev, HYV_PV_F_RING_EVENT_IDX),
		.notify = hyv_pv_vq_notify,
		.callback = setup->callback,
		.priv = hdev,
		.name = setup->name,
	};
	u64 desc, avail, used;
	struct hyv_vq *vq;
	u32 num;

	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_SELECT, index);
	num = hyv_pv_read(hdev, HYV_PV_COMMON_QUEUE_SIZE_MAX);
	if (!num || num > HYV_PV_MAX_QUEUE_SIZE || (num & (num - 1)) ||
	    hyv_pv_read(hdev, HYV_PV_COMMON_QUEUE_ENABLE))
		return ERR_PTR(-ENODEV);
	info.num = num;
	vq = hyv_vq_create(&info, GFP_KERNEL);
	if (IS_ERR(vq))
		return vq;
	hyv_vq_get_addrs(vq, &desc, &avail, &used);
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_SIZE, num);
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_VECTOR, index + 1);
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_DESC_LO, lower_32_bits(desc));
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_DESC_HI, upper_32_bits(desc));
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_AVAIL_LO, lower_32_bits(avail));
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_AVAIL_HI, upper_32_bits(avail));
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_USED_LO, lower_32_bits(used));
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_USED_HI, upper_32_bits(used));
	if (hyv_pv_read(hdev, HYV_PV_COMMON_QUEUE_VECTOR) != index + 1)
		goto refused;
	hyv_pv_write(hdev, HYV_PV_COMMON_QUEUE_ENABLE, 1);
	if (hyv_pv_read(hdev, HYV_PV_COMMON_QUEUE_ENABLE) != 1)
		goto refused;
	return vq;

refused:
	dev_err(&hdev->pdev->dev, "device refused queue %u\n", index);
	/* Not enabled: the device never saw the ring. */
	hyv_vq_destroy(vq);
	return ERR_PTR(-EIO);
}

static void hyv_pv_free_irqs(struct hyv_pv_device *hdev)
{
	unsigned int i;

	for (i = 0; i < hdev->nvqs; i++)
		if (hdev->vqs[i])
			free_irq(pci_irq_vector(hdev->pdev, i + 1), hdev->vqs[i]);
	if (hdev->config_irq)
		free_irq(pci_irq_vector(hdev->pdev, 0), hdev);
	hdev->config_irq = false;
}

/**
 * hyv_pv_pci_setup_vqs - create up to @nvqs queues, each with its vector
 * @hdev: the device, features negotiated
 * @nvqs: queues wanted (at most the device's)
 * @setup: callback and name of each queue
 * @affd: how to spread the queue vectors (vector 0 is the config one)
 *
 * Return: the number of queues set up (fewer when fewer MSI-X vectors
 * were granted), or -errno.
 */
int hyv_pv_pci_setup_vqs(struct hyv_pv_device *hdev, unsigned int nvqs,
			 const struct hyv_pv_vq_setup *setup,
			 struct irq_affinity *affd)
{
	struct pci_dev *pdev = hdev->pdev;
	unsigned int i;
	int nvec, ret;

	nvqs = min(nvqs, hdev->max_queues);
	if (!nvqs)
		return -EINVAL;
	affd->pre_vectors = 1;
	nvec = pci_alloc_irq_vectors_affinity(pdev, 2, nvqs + 1,
					      PCI_IRQ_MSIX | PCI_IRQ_AFFINITY,
					      affd);
	if (nvec < 0)
		return nvec;
	nvqs = min_t(unsigned int, nvqs, nvec - 1);
	hdev->vqs = kcalloc(nvqs, sizeof(*hdev->vqs), GFP_KERNEL);
	hdev->irq_names = kcalloc(nvqs + 1, sizeof(*hdev->irq_names),
				  GFP_KERNEL);
	if (!hdev->vqs || !hdev->irq_names) {
		ret = -ENOMEM;
		goto err;
	}
	snprintf(hdev->irq_names[0], sizeof(hdev->irq_names[0]), "%s-config",
		 pci_name(pdev));
	ret = request_irq(pci_irq_vector(pdev, 0), hyv_pv_config_irq, 0,
			  hdev->irq_names[0], hdev);
	if (ret)
		goto err;
	hdev->config_irq = true;
	hyv_pv_write(hdev, HYV_PV_COMMON_CONFIG_VECTOR, 0);

	hdev->nvqs = nvqs;
	for (i = 0; i < nvqs; i++) {
		struct hyv_vq *vq = hyv_pv_setup_vq(hdev, i, &setup[i]);

		if (IS_ERR(vq)) {
			ret = PTR_ERR(vq);
			goto err;
		}
		snprintf(hdev->irq_names[i + 1], sizeof(hdev->irq_names[0]),
			 "%s-%s", pci_name(pdev), setup[i].name);
		ret = request_irq(pci_irq_vector(pdev, i + 1), hyv_pv_vq_irq,
				  0, hdev->irq_names[i + 1], vq);
		if (ret) {
			/* Enabled: only a reset takes it from the device. */
			hyv_pv_pci_reset(hdev);
			if (!hdev->reset_failed)
				hyv_vq_destroy(vq);
			goto err;
		}
		hdev->vqs[i] = vq;
	}
	return nvqs;

err:
	hyv_pv_pci_reset(hdev);
	hyv_pv_pci_del_vqs(hdev);
	return ret;
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_setup_vqs);

/* After hyv_pv_pci_reset(): free the queues, their IRQs and vectors. */
void hyv_pv_pci_del_vqs(struct hyv_pv_device *hdev)
{
	unsigned int i;

	hyv_pv_free_irqs(hdev);
	for (i = 0; hdev->vqs && i < hdev->nvqs; i++) {
		if (hdev->reset_failed)
			dev_warn(&hdev->pdev->dev, "leaking queue %u's ring\n", i);
		else
			hyv_vq_destroy(hdev->vqs[i]);
	}
	kfree(hdev->vqs);
	kfree(hdev->irq_names);
	hdev->vqs = NULL;
	hdev->irq_names = NULL;
	hdev->nvqs = 0;
	pci_free_irq_vectors(hdev->pdev);
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_del_vqs);

void hyv_pv_pci_ready(struct hyv_pv_device *hdev)
{
	hyv_pv_add_status(hdev, HYV_PV_STATUS_DRIVER_OK);
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_ready);

const struct cpumask *hyv_pv_pci_vq_affinity(struct hyv_pv_device *hdev,
					     unsigned int index)
{
	if (index >= hdev->nvqs)
		return NULL;
	return pci_irq_get_affinity(hdev->pdev, index + 1);
}
EXPORT_SYMBOL_GPL(hyv_pv_pci_vq_affinity);

MODULE_DESCRIPTION("hyv PV device transport and split ring");
MODULE_LICENSE("GPL");

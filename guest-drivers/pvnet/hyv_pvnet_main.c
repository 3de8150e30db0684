// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvnet: the network driver of hyv's PV network device
 * (docs/pv-abi.md, docs/pvnet.md). A PCI driver on the hyv_pv transport:
 * one receive/send queue pair per vCPU (capped by the device; ethtool -L
 * changes it), NAPI and an MSI-X vector per queue, MAC, MTU and link from
 * the device, checksum and segmentation offloads through the per-packet
 * header, mergeable receive buffers, BQL.
 *
 * This file: probe and remove, open/stop, the netdev operations, the
 * link (config interrupt -> work) and the broken device: a ring the
 * device corrupted, or DEVICE_NEEDS_RESET, resets the device and takes
 * the link down; the interface stays registered, drops what it is given
 * and waits for the driver to be unbound.
 *
 * Locks: work_lock (IRQ-safe: the config interrupt takes it) guards the
 * two "may schedule" flags; rtnl guards curr_pairs, features and the
 * broken flag. Remove order: stop
 * config work, unregister (closes: NAPI and refill stop), cancel the
 * works, reset, free what the rings held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>

#include "hyv_pvnet.h"

#define HYV_PVNET_CFG_ACTIVE	offsetof(struct hyv_pvnet_config, \
					 active_queue_pairs)
#define HYV_PVNET_CFG_OFFLOADS	offsetof(struct hyv_pvnet_config, \
					 guest_offloads)

static void hyv_pvnet_read_config(struct hyv_pvnet *vi,
				  struct hyv_pvnet_config *cfg)
{
	hyv_pv_pci_config_read(&vi->hdev, 0, cfg, sizeof(*cfg));
}

/* Write a writable device register; false if it did not take the value. */
static bool hyv_pvnet_write_config(struct hyv_pvnet *vi, unsigned int offset,
				   u32 value)
{
	__le32 back;

	hyv_pv_pci_config_write(&vi->hdev, offset, value);
	hyv_pv_pci_config_read(&vi->hdev, offset, &back, sizeof(back));
	return le32_to_cpu(back) == value;
}

static void hyv_pvnet_update_link(struct hyv_pvnet *vi)
{
	struct hyv_pvnet_config cfg;
	struct hyv_pvnet_limits lim;

	hyv_pvnet_read_config(vi, &cfg);
	if (hyv_pvnet_parse_config(&cfg, vi->hdev.features,
				   vi->hdev.max_queues, &lim))
		return;
	if (lim.link_up && !vi->broken)
		netif_carrier_on(vi->dev);
	else
		netif_carrier_off(vi->dev);
}

static void hyv_pvnet_config_work(struct work_struct *work)
{
	struct hyv_pvnet *vi = container_of(work, struct hyv_pvnet,
					    config_work);

	if (hyv_pv_pci_needs_reset(&vi->hdev)) {
		hyv_pvnet_schedule_broken(vi);
		return;
	}
	rtnl_lock();
	hyv_pvnet_update_link(vi);
	rtnl_unlock();
}

/* The config vector: link change or a device in trouble. Hard IRQ. */
static void hyv_pvnet_config_changed(struct hyv_pv_device *hdev)
{
	struct hyv_pvnet *vi = container_of(hdev, struct hyv_pvnet, hdev);
	unsigned long flags;

	spin_lock_irqsave(&vi->work_lock, flags);
	if (vi->config_enabled)
		schedule_work(&vi->config_work);
	spin_unlock_irqrestore(&vi->work_lock, flags);
}

void hyv_pvnet_schedule_broken(struct hyv_pvnet *vi)
{
	schedule_work(&vi->broken_work);
}

/*
 * NAPI on, and one poll each: chains used while it was off had their
 * interrupt swallowed, and with event index none comes for them again.
 */
static void hyv_pvnet_napi_enable_all(struct hyv_pvnet *vi)
{
	unsigned int i;

	for (i = 0; i < vi->max_pairs; i++) {
		napi_enable(&vi->rq[i].napi);
		napi_enable(&vi->sq[i].napi);
		local_bh_disable();
		napi_schedule(&vi->rq[i].napi);
		napi_schedule(&vi->sq[i].napi);
		local_bh_enable();
	}
}

static void hyv_pvnet_napi_disable_all(struct hyv_pvnet *vi)
{
	unsigned int i;

	for (i = 0; i < vi->max_pairs; i++) {
		napi_disable(&vi->rq[i].napi);
		napi_disable(&vi->sq[i].napi);
	}
}

/* After a reset: give back every buffer and frame the rings held. */
static void hyv_pvnet_free_unused(struct hyv_pvnet *vi)
{
	unsigned int i;

	if (vi->hdev.reset_failed)
		return;		/* the device may still write them: leak */
	for (i = 0; i < vi->max_pairs; i++) {
		hyv_pvnet_rx_free_unused(&vi->rq[i]);
		hyv_pvnet_tx_free_unused(&vi->sq[i]);
		netdev_tx_reset_queue(netdev_get_tx_queue(vi->dev, i));
	}
}

/*
 * The device broke a ring or asked for a reset: stop it so that it no
 * longer touches our memory, free what it held, keep the link down.
 */
static void hyv_pvnet_broken_work(struct work_struct *work)
{
	struct hyv_pvnet *vi = container_of(work, struct hyv_pvnet,
					    broken_work);
	bool running;
	unsigned int i;

	rtnl_lock();
	if (vi->broken)
		goto out;
	netdev_err(vi->dev, "device broken: reset, link down until unbound\n");
	vi->broken = true;
	netif_carrier_off(vi->dev);
	running = netif_running(vi->dev);
	if (running) {
		netif_tx_disable(vi->dev);
		hyv_pvnet_napi_disable_all(vi);
	}
	hyv_pv_pci_reset(&vi->hdev);
	for (i = 0; i < vi->max_pairs; i++) {
		hyv_vq_mark_broken(vi->rq[i].vq);
		hyv_vq_mark_broken(vi->sq[i].vq);
	}
	hyv_pvnet_free_unused(vi);
	hyv_pv_pci_set_failed(&vi->hdev);
	if (running)
		hyv_pvnet_napi_enable_all(vi);
out:
	rtnl_unlock();
}

/* Vectors and XPS: pair i serves every curr_pairs-th online CPU from i. */
static void hyv_pvnet_set_affinity(struct hyv_pvnet *vi)
{
	unsigned int i, k, cpu;
	cpumask_var_t mask;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return;
	for (i = 0; i < vi->curr_pairs; i++) {
		cpumask_clear(mask);
		k = 0;
		for_each_online_cpu(cpu)
			if (k++ % vi->curr_pairs == i)
				cpumask_set_cpu(cpu, mask);
		hyv_pv_pci_set_vq_affinity(&vi->hdev, 2 * i, mask);
		hyv_pv_pci_set_vq_affinity(&vi->hdev, 2 * i + 1, mask);
		netif_set_xps_queue(vi->dev, mask, i);
	}
	free_cpumask_var(mask);
}

/**
 * hyv_pvnet_set_pairs - use @pairs queue pairs (ethtool -L)
 * @vi: the device, under rtnl
 * @pairs: 1..max_pairs
 *
 * The stack stops using a send queue before the device stops its
 * receive side, and the device starts before the stack uses a new one.
 *
 * Return: 0, -EINVAL, or -EIO when the device refused or is broken.
 */
int hyv_pvnet_set_pairs(struct hyv_pvnet *vi, unsigned int pairs)
{
	struct net_device *dev = vi->dev;
	unsigned int old = vi->curr_pairs;
	int err;

	ASSERT_RTNL();
	if (!pairs || pairs > vi->max_pairs)
		return -EINVAL;
	if (vi->broken)
		return -EIO;
	if (pairs == old)
		return 0;
	if (pairs < old) {
		err = netif_set_real_num_tx_queues(dev, pairs);
		if (err)
			return err;
	}
	if (!hyv_pvnet_has(vi, HYV_PVNET_F_MQ) ||
	    !hyv_pvnet_write_config(vi, HYV_PVNET_CFG_ACTIVE, pairs)) {
		netif_set_real_num_tx_queues(dev, old);
		return -EIO;
	}
	err = netif_set_real_num_tx_queues(dev, pairs);
	if (!err)
		err = netif_set_real_num_rx_queues(dev, pairs);
	if (err)
		return err;
	vi->curr_pairs = pairs;
	hyv_pvnet_set_affinity(vi);
	return 0;
}

static int hyv_pvnet_open(struct net_device *dev)
{
	struct hyv_pvnet *vi = netdev_priv(dev);
	bool oom = false;
	unsigned int i;

	for (i = 0; i < vi->max_pairs; i++)
		if (!hyv_pvnet_rx_refill(&vi->rq[i], GFP_KERNEL))
			oom = true;
	spin_lock_irq(&vi->work_lock);
	vi->refill_enabled = true;
	if (oom)
		schedule_delayed_work(&vi->refill, 0);
	spin_unlock_irq(&vi->work_lock);
	hyv_pvnet_napi_enable_all(vi);
	netif_tx_start_all_queues(dev);
	return 0;
}

static int hyv_pvnet_stop(struct net_device *dev)
{
	struct hyv_pvnet *vi = netdev_priv(dev);

	spin_lock_irq(&vi->work_lock);
	vi->refill_enabled = false;
	spin_unlock_irq(&vi->work_lock);
	cancel_delayed_work_sync(&vi->refill);
	hyv_pvnet_napi_disable_all(vi);
	return 0;
}

static void hyv_pvnet_get_stats64(struct net_device *dev,
				  struct rtnl_link_stats64 *tot)
{
	struct hyv_pvnet *vi = netdev_priv(dev);
	unsigned int i, start;

	for (i = 0; i < vi->max_pairs; i++) {
		struct hyv_pvnet_rq_stats *r = &vi->rq[i].stats;
		struct hyv_pvnet_sq_stats *s = &vi->sq[i].stats;
		u64 rp, rb, rd, rl, rh, tp, tb, td;

		do {
			start = u64_stats_fetch_begin(&r->syncp);
			rp = u64_stats_read(&r->packets);
			rb = u64_stats_read(&r->bytes);
			rd = u64_stats_read(&r->drops);
			rl = u64_stats_read(&r->length_errors);
			rh = u64_stats_read(&r->hdr_errors);
		} while (u64_stats_fetch_retry(&r->syncp, start));
		do {
			start = u64_stats_fetch_begin(&s->syncp);
			tp = u64_stats_read(&s->packets);
			tb = u64_stats_read(&s->bytes);
			td = u64_stats_read(&s->dropped);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		tot->rx_packets += rp;
		tot->rx_bytes += rb;
		tot->rx_dropped += rd;
		tot->rx_length_errors += rl;
		tot->rx_frame_errors += rh;
		tot->rx_errors += rl + rh;
		tot->tx_packets += tp;
		tot->tx_bytes += tb;
		tot->tx_dropped += td;
	}
}

/* Only GRO_HW changes: it switches the device's GSO to us on or off. */
static int hyv_pvnet_set_features(struct net_device *dev,
				  netdev_features_t features)
{
	struct hyv_pvnet *vi = netdev_priv(dev);
	u32 offloads;

	if (!((dev->features ^ features) & NETIF_F_GRO_HW))
		return 0;
	if (vi->broken)
		return -EIO;
	offloads = vi->hdev.features & HYV_PVNET_GUEST_OFFLOADS_MASK;
	if (!(features & NETIF_F_GRO_HW))
		offloads &= ~(BIT(HYV_PVNET_F_GUEST_TSO4) |
			      BIT(HYV_PVNET_F_GUEST_TSO6) |
			      BIT(HYV_PVNET_F_GUEST_ECN));
	if (!hyv_pvnet_write_config(vi, HYV_PVNET_CFG_OFFLOADS, offloads))
		return -EIO;
	return 0;
}

static const struct net_device_ops hyv_pvnet_netdev_ops = {
	.ndo_open		= hyv_pvnet_open,
	.ndo_stop		= hyv_pvnet_stop,
	.ndo_start_xmit		= hyv_pvnet_start_xmit,
	.ndo_get_stats64	= hyv_pvnet_get_stats64,
	.ndo_set_features	= hyv_pvnet_set_features,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_tx_timeout		= hyv_pvnet_tx_timeout,
};

static void hyv_pvnet_free_queues(struct hyv_pvnet *vi)
{
	unsigned int i;

	for (i = 0; i < vi->num_alloc; i++) {
		netif_napi_del(&vi->rq[i].napi);
		netif_napi_del(&vi->sq[i].napi);
	}
	kfree(vi->rq);
	kfree(vi->sq);
	vi->rq = NULL;
	vi->sq = NULL;
	vi->num_alloc = 0;
}

/* NAPI contexts and rings of @pairs pairs; fewer if vectors are short. */
static int hyv_pvnet_init_vqs(struct hyv_pvnet *vi, unsigned int pairs)
{
	struct hyv_pv_vq_setup *setup;
	unsigned int i;
	int ret;

	vi->rq = kcalloc(pairs, sizeof(*vi->rq), GFP_KERNEL);
	vi->sq = kcalloc(pairs, sizeof(*vi->sq), GFP_KERNEL);
	setup = kcalloc(2 * pairs, sizeof(*setup), GFP_KERNEL);
	if (!vi->rq || !vi->sq || !setup) {
		hyv_pvnet_free_queues(vi);
		ret = -ENOMEM;
		goto out;
	}
	vi->num_alloc = pairs;
	for (i = 0; i < pairs; i++) {
		struct hyv_pvnet_rq *rq = &vi->rq[i];
		struct hyv_pvnet_sq *sq = &vi->sq[i];

		rq->vi = vi;
		sq->vi = vi;
		u64_stats_init(&rq->stats.syncp);
		u64_stats_init(&sq->stats.syncp);
		snprintf(rq->name, sizeof(rq->name), "rx.%u", i);
		snprintf(sq->name, sizeof(sq->name), "tx.%u", i);
		netif_napi_add(vi->dev, &rq->napi, hyv_pvnet_rx_poll);
		netif_napi_add_tx(vi->dev, &sq->napi, hyv_pvnet_tx_poll);
		setup[2 * i] = (struct hyv_pv_vq_setup){ hyv_pvnet_rx_done,
							 rq->name };
		setup[2 * i + 1] = (struct hyv_pv_vq_setup){ hyv_pvnet_tx_done,
							     sq->name };
	}
	vi->hdev.config_changed = hyv_pvnet_config_changed;
	ret = hyv_pv_pci_setup_vqs(&vi->hdev, 2 * pairs, setup, NULL);
	if (ret >= 0 && ret < 2) {
		hyv_pv_pci_reset(&vi->hdev);
		hyv_pv_pci_del_vqs(&vi->hdev);
		ret = -ENOSPC;
	}
	if (ret < 0) {
		hyv_pvnet_free_queues(vi);
		goto out;
	}
	vi->max_pairs = ret / 2;
	for (i = 0; i < vi->max_pairs; i++) {
		vi->rq[i].vq = vi->hdev.vqs[2 * i];
		vi->sq[i].vq = vi->hdev.vqs[2 * i + 1];
	}
	ret = 0;
out:
	kfree(setup);
	return ret;
}

static void hyv_pvnet_setup_netdev(struct hyv_pvnet *vi)
{
	struct net_device *dev = vi->dev;

	dev->netdev_ops = &hyv_pvnet_netdev_ops;
	dev->ethtool_ops = &hyv_pvnet_ethtool_ops;
	dev->watchdog_timeo = 5 * HZ;
	/* The device filters nothing: any address, changed any time. */
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	if (hyv_pvnet_has(vi, HYV_PVNET_F_CSUM)) {
		dev->hw_features |= NETIF_F_HW_CSUM | NETIF_F_SG;
		if (hyv_pvnet_has(vi, HYV_PVNET_F_HOST_TSO4))
			dev->hw_features |= NETIF_F_TSO;
		if (hyv_pvnet_has(vi, HYV_PVNET_F_HOST_TSO6))
			dev->hw_features |= NETIF_F_TSO6;
		if (hyv_pvnet_has(vi, HYV_PVNET_F_HOST_ECN))
			dev->hw_features |= NETIF_F_TSO_ECN;
		dev->features |= dev->hw_features;
	}
	if (hyv_pvnet_has(vi, HYV_PVNET_F_GUEST_CSUM))
		dev->features |= NETIF_F_RXCSUM;
	if (hyv_pvnet_has(vi, HYV_PVNET_F_GUEST_TSO4) ||
	    hyv_pvnet_has(vi, HYV_PVNET_F_GUEST_TSO6)) {
		dev->features |= NETIF_F_GRO_HW;
		if (hyv_pvnet_has(vi, HYV_PVNET_F_CTRL_GUEST_OFFLOADS))
			dev->hw_features |= NETIF_F_GRO_HW;
	}
	dev->vlan_features = dev->features & ~NETIF_F_GRO_HW;
	dev->min_mtu = HYV_PVNET_MIN_MTU;
	dev->max_mtu = vi->lim.max_mtu;
	dev->mtu = vi->lim.mtu;
	if (vi->lim.mac_valid)
		eth_hw_addr_set(dev, vi->lim.mac);
	else
		eth_hw_addr_random(dev);
}

/* Features, registers, rings: everything before the netdev exists. */
static int hyv_pvnet_init_device(struct hyv_pvnet *vi)
{
	struct hyv_pvnet_config cfg;
	u64 offered;
	int ret;

	offered = hyv_pv_pci_device_features(&vi->hdev);
	if (!(offered & BIT_ULL(HYV_PVNET_F_MRG_RXBUF))) {
		dev_err(&vi->hdev.pdev->dev, "device lacks mergeable receive buffers\n");
		hyv_pv_pci_set_failed(&vi->hdev);
		return -ENODEV;
	}
	ret = hyv_pv_pci_negotiate(&vi->hdev, hyv_pvnet_wanted_features(offered));
	if (ret)
		return ret;
	hyv_pvnet_read_config(vi, &cfg);
	ret = hyv_pvnet_parse_config(&cfg, vi->hdev.features,
				     vi->hdev.max_queues, &vi->lim);
	if (ret) {
		dev_err(&vi->hdev.pdev->dev, "device has no queue pair\n");
		hyv_pv_pci_set_failed(&vi->hdev);
		return ret;
	}
	return hyv_pvnet_init_vqs(vi, min_t(unsigned int, vi->lim.max_pairs,
					    nr_cpu_ids));
}

/* Start with one pair per online CPU, as far as the device allows. */
static int hyv_pvnet_start_pairs(struct hyv_pvnet *vi)
{
	unsigned int pairs = min(vi->max_pairs, num_online_cpus());
	int err;

	if (pairs > 1 && (!hyv_pvnet_has(vi, HYV_PVNET_F_MQ) ||
			  !hyv_pvnet_write_config(vi, HYV_PVNET_CFG_ACTIVE,
						  pairs)))
		pairs = 1;
	vi->curr_pairs = pairs;
	err = netif_set_real_num_tx_queues(vi->dev, pairs);
	return err ? err : netif_set_real_num_rx_queues(vi->dev, pairs);
}

static int hyv_pvnet_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *dev;
	struct hyv_pvnet *vi;
	int ret;

	dev = alloc_etherdev_mq(sizeof(*vi), HYV_PVNET_MAX_QUEUE_PAIRS);
	if (!dev)
		return -ENOMEM;
	SET_NETDEV_DEV(dev, &pdev->dev);
	vi = netdev_priv(dev);
	vi->dev = dev;
	spin_lock_init(&vi->work_lock);
	INIT_DELAYED_WORK(&vi->refill, hyv_pvnet_refill_work);
	INIT_WORK(&vi->config_work, hyv_pvnet_config_work);
	INIT_WORK(&vi->broken_work, hyv_pvnet_broken_work);

	ret = hyv_pv_pci_init(&vi->hdev, pdev, HYV_PV_TYPE_NET);
	if (ret)
		goto out_free;
	ret = hyv_pvnet_init_device(vi);
	if (ret)
		goto out_pci;
	hyv_pvnet_setup_netdev(vi);
	ret = hyv_pvnet_start_pairs(vi);
	if (ret)
		goto out_vqs;
	pci_set_drvdata(pdev, vi);
	hyv_pv_pci_ready(&vi->hdev);
	netif_carrier_off(dev);
	ret = register_netdev(dev);
	if (ret)
		goto out_vqs;
	spin_lock_irq(&vi->work_lock);
	vi->config_enabled = true;
	spin_unlock_irq(&vi->work_lock);
	rtnl_lock();
	hyv_pvnet_set_affinity(vi);
	hyv_pvnet_update_link(vi);
	rtnl_unlock();
	netdev_info(dev, "%pM, MTU %u (max %u), %u of %u queue pairs, link %s\n",
		    dev->dev_addr, dev->mtu, dev->max_mtu, vi->curr_pairs,
		    vi->max_pairs, netif_carrier_ok(dev) ? "up" : "down");
	return 0;

out_vqs:
	hyv_pv_pci_reset(&vi->hdev);
	hyv_pvnet_free_unused(vi);
	hyv_pv_pci_del_vqs(&vi->hdev);
	hyv_pvnet_free_queues(vi);
out_pci:
	hyv_pv_pci_exit(&vi->hdev);
out_free:
	free_netdev(dev);
	return ret;
}

static void hyv_pvnet_remove(struct pci_dev *pdev)
{
	struct hyv_pvnet *vi = pci_get_drvdata(pdev);

	spin_lock_irq(&vi->work_lock);
	vi->config_enabled = false;
	spin_unlock_irq(&vi->work_lock);
	/* Closes the interface: NAPI and refill stop, TX stops. */
	unregister_netdev(vi->dev);
	cancel_work_sync(&vi->config_work);
	cancel_work_sync(&vi->broken_work);
	hyv_pv_pci_reset(&vi->hdev);
	hyv_pvnet_free_unused(vi);
	hyv_pv_pci_del_vqs(&vi->hdev);
	hyv_pvnet_free_queues(vi);
	hyv_pv_pci_exit(&vi->hdev);
	free_netdev(vi->dev);
}

static const struct pci_device_id hyv_pvnet_ids[] = {
	{ PCI_DEVICE_SUB(HYV_PV_PCI_VENDOR_ID, HYV_PV_PCI_DEVICE_ID_NET,
			 HYV_PV_PCI_SUBSYS_VENDOR_ID, HYV_PV_PCI_SUBSYS_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hyv_pvnet_ids);

static struct pci_driver hyv_pvnet_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= hyv_pvnet_ids,
	.probe		= hyv_pvnet_probe,
	.remove		= hyv_pvnet_remove,
};
module_pci_driver(hyv_pvnet_driver);

MODULE_DESCRIPTION("hyv PV network driver");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvnet's ethtool operations: -i (driver, bus), -l/-L (queue pairs),
 * -g (ring sizes), -S (per-queue counters of the driver and of the
 * rings), -k/-K through the netdev features (hyv_pvnet_main.c), link.
 * Context: process, under rtnl.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/pci.h>

#include "hyv_pvnet.h"

struct hyv_pvnet_stat_desc {
	const char *name;
	size_t offset;
};

#define HYV_RQ_STAT(f) { #f, offsetof(struct hyv_pvnet_rq_stats, f) }
#define HYV_SQ_STAT(f) { #f, offsetof(struct hyv_pvnet_sq_stats, f) }

static const struct hyv_pvnet_stat_desc hyv_pvnet_rq_stats_desc[] = {
	HYV_RQ_STAT(packets),
	HYV_RQ_STAT(bytes),
	HYV_RQ_STAT(drops),
	HYV_RQ_STAT(length_errors),
	HYV_RQ_STAT(hdr_errors),
	HYV_RQ_STAT(refill_failed),
	HYV_RQ_STAT(kicks),
};

static const struct hyv_pvnet_stat_desc hyv_pvnet_sq_stats_desc[] = {
	HYV_SQ_STAT(packets),
	HYV_SQ_STAT(bytes),
	HYV_SQ_STAT(dropped),
	HYV_SQ_STAT(kicks),
	HYV_SQ_STAT(stops),
	HYV_SQ_STAT(wakes),
	HYV_SQ_STAT(timeouts),
};

/* What the ring itself counts, for each queue. */
static const char * const hyv_pvnet_ring_stats_desc[] = {
	"kicks_suppressed", "bad_len",
};

#define HYV_RQ_NSTATS	ARRAY_SIZE(hyv_pvnet_rq_stats_desc)
#define HYV_SQ_NSTATS	ARRAY_SIZE(hyv_pvnet_sq_stats_desc)
#define HYV_RING_NSTATS	ARRAY_SIZE(hyv_pvnet_ring_stats_desc)
#define HYV_PAIR_NSTATS	(HYV_RQ_NSTATS + HYV_SQ_NSTATS + 2 * HYV_RING_NSTATS)

static void hyv_pvnet_get_drvinfo(struct net_device *dev,
				  struct ethtool_drvinfo *info)
{
	struct hyv_pvnet *vi = netdev_priv(dev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(vi->hdev.pdev), sizeof(info->bus_info));
	snprintf(info->fw_version, sizeof(info->fw_version), "abi %u",
		 HYV_PV_PCI_REVISION);
}

static void hyv_pvnet_get_channels(struct net_device *dev,
				   struct ethtool_channels *ch)
{
	struct hyv_pvnet *vi = netdev_priv(dev);

	ch->max_combined = vi->max_pairs;
	ch->combined_count = vi->curr_pairs;
}

static int hyv_pvnet_set_channels(struct net_device *dev,
				  struct ethtool_channels *ch)
{
	struct hyv_pvnet *vi = netdev_priv(dev);

	/* Only pairs: a receive and a send queue always go together. */
	if (ch->rx_count || ch->tx_count || ch->other_count)
		return -EINVAL;
	return hyv_pvnet_set_pairs(vi, ch->combined_count);
}

static void hyv_pvnet_get_ringparam(struct net_device *dev,
				    struct ethtool_ringparam *ring,
				    struct kernel_ethtool_ringparam *kring,
				    struct netlink_ext_ack *extack)
{
	struct hyv_pvnet *vi = netdev_priv(dev);

	ring->rx_max_pending = hyv_vq_size(vi->rq[0].vq);
	ring->tx_max_pending = hyv_vq_size(vi->sq[0].vq);
	ring->rx_pending = ring->rx_max_pending;
	ring->tx_pending = ring->tx_max_pending;
}

static int hyv_pvnet_get_sset_count(struct net_device *dev, int sset)
{
	struct hyv_pvnet *vi = netdev_priv(dev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return vi->max_pairs * HYV_PAIR_NSTATS;
}

static void hyv_pvnet_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	struct hyv_pvnet *vi = netdev_priv(dev);
	unsigned int i, j;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < vi->max_pairs; i++) {
		for (j = 0; j < HYV_RQ_NSTATS; j++)
			ethtool_sprintf(&data, "rx_queue_%u_%s", i,
					hyv_pvnet_rq_stats_desc[j].name);
		for (j = 0; j < HYV_RING_NSTATS; j++)
			ethtool_sprintf(&data, "rx_queue_%u_%s", i,
					hyv_pvnet_ring_stats_desc[j]);
		for (j = 0; j < HYV_SQ_NSTATS; j++)
			ethtool_sprintf(&data, "tx_queue_%u_%s", i,
					hyv_pvnet_sq_stats_desc[j].name);
		for (j = 0; j < HYV_RING_NSTATS; j++)
			ethtool_sprintf(&data, "tx_queue_%u_%s", i,
					hyv_pvnet_ring_stats_desc[j]);
	}
}

/* Copy @n counters of @desc out of the stats struct at @base. */
static u64 *hyv_pvnet_copy_stats(u64 *data, const void *base,
				 struct u64_stats_sync *syncp,
				 const struct hyv_pvnet_stat_desc *desc,
				 unsigned int n)
{
	unsigned int start, j;

	do {
		start = u64_stats_fetch_begin(syncp);
		for (j = 0; j < n; j++)
			data[j] = u64_stats_read(base + desc[j].offset);
	} while (u64_stats_fetch_retry(syncp, start));
	return data + n;
}

/* The ring's own counters: a snapshot, good enough for ethtool -S. */
static u64 *hyv_pvnet_copy_ring_stats(u64 *data, struct hyv_vq *vq)
{
	struct hyv_vq_stats st;

	hyv_vq_get_stats(vq, &st);
	*data++ = st.kicks_suppressed;
	*data++ = st.bad_len;
	return data;
}

static void hyv_pvnet_get_ethtool_stats(struct net_device *dev,
					struct ethtool_stats *stats, u64 *data)
{
	struct hyv_pvnet *vi = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < vi->max_pairs; i++) {
		struct hyv_pvnet_rq *rq = &vi->rq[i];
		struct hyv_pvnet_sq *sq = &vi->sq[i];

		data = hyv_pvnet_copy_stats(data, &rq->stats, &rq->stats.syncp,
					    hyv_pvnet_rq_stats_desc,
					    HYV_RQ_NSTATS);
		data = hyv_pvnet_copy_ring_stats(data, rq->vq);
		data = hyv_pvnet_copy_stats(data, &sq->stats, &sq->stats.syncp,
					    hyv_pvnet_sq_stats_desc,
					    HYV_SQ_NSTATS);
		data = hyv_pvnet_copy_ring_stats(data, sq->vq);
	}
}

static int hyv_pvnet_get_link_ksettings(struct net_device *dev,
					struct ethtool_link_ksettings *cmd)
{
	/* A PV link has no speed of its own. */
	cmd->base.speed = SPEED_UNKNOWN;
	cmd->base.duplex = DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	return 0;
}

const struct ethtool_ops hyv_pvnet_ethtool_ops = {
	.get_drvinfo		= hyv_pvnet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_channels		= hyv_pvnet_get_channels,
	.set_channels		= hyv_pvnet_set_channels,
	.get_ringparam		= hyv_pvnet_get_ringparam,
	.get_sset_count		= hyv_pvnet_get_sset_count,
	.get_strings		= hyv_pvnet_get_strings,
	.get_ethtool_stats	= hyv_pvnet_get_ethtool_stats,
	.get_link_ksettings	= hyv_pvnet_get_link_ksettings,
	.get_ts_info		= ethtool_op_get_ts_info,
};

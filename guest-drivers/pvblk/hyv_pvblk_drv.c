// SPDX-License-Identifier: GPL-2.0
/*
 * hyv_pvblk: the blk-mq driver of hyv's PV block device (docs/pv-abi.md).
 * One hardware queue per ring, as many rings as vCPUs up to what the
 * device offers; each ring has its own lock and MSI-X vector, and the
 * doorbell is rung outside the lock.
 *
 * Nothing from the device is trusted: its registers are validated in
 * hyv_pvblk_req.c, the ring checks every used entry (hyv_pv_ring.c),
 * and a request whose answer is malformed fails alone. A broken ring
 * resets the device and fails what was in flight; the guest goes on.
 *
 * Locks: hyv_pvblk_vq.lock (IRQ-safe) protects one ring; it is taken
 * in queue_rq, commit_rqs, the ring's interrupt and the broken work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blk-mq-pci.h>
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>

#include "hyv_pv_pci.h"
#include "hyv_pvblk_req.h"

#define HYV_PVBLK_PART_BITS	4
#define HYV_PVBLK_INLINE_SG	2

static int hyv_pvblk_major;
static DEFINE_IDA(hyv_pvblk_index_ida);

static unsigned int num_request_queues;
module_param(num_request_queues, uint, 0644);
MODULE_PARM_DESC(num_request_queues,
		 "Request queues at most (0: one per CPU, capped by the device)");

struct hyv_pvblk_vq {
	struct hyv_vq *vq;
	spinlock_t lock;		/* the ring */
	char name[16];
} ____cacheline_aligned_in_smp;

struct hyv_pvblk {
	struct hyv_pv_device hdev;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	struct hyv_pvblk_limits lim;
	struct work_struct config_work;
	struct work_struct broken_work;
	int index;
	unsigned int num_vqs;
	struct hyv_pvblk_vq *vqs;
};

/* Per request, after struct request (tag_set.cmd_size). */
struct hyv_pvblk_req {
	struct hyv_pvblk_req_hdr hdr;
	u8 status;
	unsigned int used_len;
	unsigned int expected_len;
	struct sg_table sg_table;
	struct scatterlist sg[HYV_PVBLK_INLINE_SG];
};

static struct hyv_pvblk *hyv_pvblk_from_vq(struct hyv_vq *vq)
{
	return container_of(hyv_vq_device(vq), struct hyv_pvblk, hdev);
}

static int hyv_pvblk_add_req(struct hyv_vq *vq, struct hyv_pvblk_req *vbr,
			     bool data_in)
{
	struct scatterlist hdr, status, *sgs[3];
	unsigned int out = 0, in = 0;

	sg_init_one(&hdr, &vbr->hdr, sizeof(vbr->hdr));
	sgs[out++] = &hdr;
	if (vbr->sg_table.nents) {
		if (data_in)
			sgs[out + in++] = vbr->sg_table.sgl;
		else
			sgs[out++] = vbr->sg_table.sgl;
	}
	sg_init_one(&status, &vbr->status, sizeof(vbr->status));
	sgs[out + in++] = &status;
	return hyv_vq_add_sgs(vq, sgs, out, in, vbr, GFP_ATOMIC);
}

/* DISCARD and WRITE_ZEROES carry their ranges as a special payload. */
static blk_status_t hyv_pvblk_setup_ranges(struct request *req, bool unmap)
{
	unsigned short segments = blk_rq_nr_discard_segments(req);
	struct hyv_pvblk_range *range;
	unsigned int n = 0;
	struct bio *bio;

	range = kmalloc_array(segments, sizeof(*range), GFP_ATOMIC);
	if (!range)
		return BLK_STS_RESOURCE;
	if (req_op(req) == REQ_OP_WRITE_ZEROES) {
		hyv_pvblk_set_range(range, blk_rq_pos(req),
				    blk_rq_sectors(req), unmap);
		n = 1;
	} else {
		__rq_for_each_bio(bio, req) {
			if (WARN_ON_ONCE(n >= segments))
				break;
			hyv_pvblk_set_range(&range[n++], bio->bi_iter.bi_sector,
					    bio->bi_iter.bi_size >>
					    SECTOR_SHIFT, false);
		}
	}
	req->special_vec.bv_page = virt_to_page(range);
	req->special_vec.bv_offset = offset_in_page(range);
	req->special_vec.bv_len = sizeof(*range) * n;
	req->rq_flags |= RQF_SPECIAL_PAYLOAD;
	return BLK_STS_OK;
}

static void hyv_pvblk_cleanup_req(struct request *req,
				  struct hyv_pvblk_req *vbr)
{
	if (vbr->sg_table.nents)
		sg_free_table_chained(&vbr->sg_table, HYV_PVBLK_INLINE_SG);
	vbr->sg_table.nents = 0;
	if (req->rq_flags & RQF_SPECIAL_PAYLOAD) {
		kfree(bvec_virt(&req->special_vec));
		req->rq_flags &= ~RQF_SPECIAL_PAYLOAD;
	}
}

static blk_status_t hyv_pvblk_prep_req(struct hyv_pvblk *vblk,
				       struct blk_mq_hw_ctx *hctx,
				       struct request *req,
				       struct hyv_pvblk_req *vbr)
{
	enum req_op op = req_op(req);
	blk_status_t status;
	int nents;

	vbr->sg_table.nents = 0;
	vbr->status = HYV_PVBLK_S_IOERR;
	vbr->used_len = 0;
	vbr->expected_len = sizeof(vbr->status);
	status = hyv_pvblk_build_hdr(&vbr->hdr, op, req->cmd_flags,
				     blk_rq_pos(req), &vblk->lim);
	if (status)
		return status;
	if (op == REQ_OP_DISCARD || op == REQ_OP_WRITE_ZEROES) {
		status = hyv_pvblk_setup_ranges(req,
						!(req->cmd_flags & REQ_NOUNMAP));
		if (status)
			return status;
	}
	if (!blk_rq_nr_phys_segments(req))
		return BLK_STS_OK;

	vbr->sg_table.sgl = vbr->sg;
	if (sg_alloc_table_chained(&vbr->sg_table,
				   blk_rq_nr_phys_segments(req),
				   vbr->sg_table.sgl, HYV_PVBLK_INLINE_SG)) {
		hyv_pvblk_cleanup_req(req, vbr);
		return BLK_STS_RESOURCE;
	}
	nents = blk_rq_map_sg(hctx->queue, req, vbr->sg_table.sgl);
	vbr->sg_table.nents = nents;
	if (op == REQ_OP_READ)
		vbr->expected_len += blk_rq_bytes(req);
	return BLK_STS_OK;
}

static blk_status_t hyv_pvblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				       const struct blk_mq_queue_data *bd)
{
	struct hyv_pvblk *vblk = hctx->queue->queuedata;
	struct hyv_pvblk_vq *bvq = &vblk->vqs[hctx->queue_num];
	struct request *req = bd->rq;
	struct hyv_pvblk_req *vbr = blk_mq_rq_to_pdu(req);
	blk_status_t status;
	unsigned long flags;
	bool notify = false;
	int err;

	status = hyv_pvblk_prep_req(vblk, hctx, req, vbr);
	if (unlikely(status))
		return status;
	blk_mq_start_request(req);

	spin_lock_irqsave(&bvq->lock, flags);
	err = hyv_pvblk_add_req(bvq->vq, vbr, req_op(req) == REQ_OP_READ);
	if (unlikely(err)) {
		/* Push out what earlier requests of the batch added. */
		hyv_vq_kick(bvq->vq);
		/* Full: completions restart the queue. */
		if (err == -ENOSPC)
			blk_mq_stop_hw_queue(hctx);
		spin_unlock_irqrestore(&bvq->lock, flags);
		hyv_pvblk_cleanup_req(req, vbr);
		switch (err) {
		case -ENOSPC:
			return BLK_STS_DEV_RESOURCE;
		case -ENOMEM:
			return BLK_STS_RESOURCE;
		default:
			return BLK_STS_IOERR;
		}
	}
	if (bd->last && hyv_vq_kick_prepare(bvq->vq))
		notify = true;
	spin_unlock_irqrestore(&bvq->lock, flags);

	if (notify)
		hyv_vq_notify(bvq->vq);
	return BLK_STS_OK;
}

static void hyv_pvblk_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct hyv_pvblk *vblk = hctx->queue->queuedata;
	struct hyv_pvblk_vq *bvq = &vblk->vqs[hctx->queue_num];
	unsigned long flags;
	bool notify;

	spin_lock_irqsave(&bvq->lock, flags);
	notify = hyv_vq_kick_prepare(bvq->vq);
	spin_unlock_irqrestore(&bvq->lock, flags);
	if (notify)
		hyv_vq_notify(bvq->vq);
}

static void hyv_pvblk_complete(struct request *req)
{
	struct hyv_pvblk_req *vbr = blk_mq_rq_to_pdu(req);

	hyv_pvblk_cleanup_req(req, vbr);
	blk_mq_end_request(req, hyv_pvblk_result(READ_ONCE(vbr->status),
						 vbr->used_len,
						 vbr->expected_len));
}

/* The ring's interrupt: complete what the device used. */
static void hyv_pvblk_done(struct hyv_vq *vq)
{
	struct hyv_pvblk *vblk = hyv_pvblk_from_vq(vq);
	struct hyv_pvblk_vq *bvq = &vblk->vqs[hyv_vq_index(vq)];
	struct hyv_pvblk_req *vbr;
	bool done = false;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&bvq->lock, flags);
	do {
		hyv_vq_disable_cb(vq);
		while ((vbr = hyv_vq_get_buf(vq, &len))) {
			vbr->used_len = len;
			blk_mq_complete_request(blk_mq_rq_from_pdu(vbr));
			done = true;
		}
		if (unlikely(hyv_vq_is_broken(vq)))
			break;
	} while (!hyv_vq_enable_cb(vq));
	spin_unlock_irqrestore(&bvq->lock, flags);

	if (unlikely(hyv_vq_is_broken(vq)))
		schedule_work(&vblk->broken_work);
	if (done)
		blk_mq_start_stopped_hw_queues(vblk->disk->queue, true);
}

/*
 * A ring broke (or the device asked for a reset): stop the device so it
 * no longer touches the requests' memory, then fail every request it
 * held. The disk stays, every later request fails at once.
 */
static void hyv_pvblk_broken_work(struct work_struct *work)
{
	struct hyv_pvblk *vblk = container_of(work, struct hyv_pvblk,
					      broken_work);
	struct hyv_pvblk_req *vbr;
	unsigned long flags;
	unsigned int i;

	dev_err(&vblk->hdev.pdev->dev, "device broken: failing its requests\n");
	hyv_pv_pci_reset(&vblk->hdev);
	for (i = 0; i < vblk->num_vqs; i++) {
		struct hyv_pvblk_vq *bvq = &vblk->vqs[i];

		spin_lock_irqsave(&bvq->lock, flags);
		hyv_vq_mark_broken(bvq->vq);
		while (!vblk->hdev.reset_failed &&
		       (vbr = hyv_vq_detach_unused_buf(bvq->vq))) {
			vbr->used_len = 0;
			blk_mq_complete_request(blk_mq_rq_from_pdu(vbr));
		}
		spin_unlock_irqrestore(&bvq->lock, flags);
	}
	hyv_pv_pci_set_failed(&vblk->hdev);
	blk_mq_start_stopped_hw_queues(vblk->disk->queue, true);
}

static void hyv_pvblk_map_queues(struct blk_mq_tag_set *set)
{
	struct hyv_pvblk *vblk = set->driver_data;

	/* Vector 0 is the config vector: queue i has vector i + 1. */
	blk_mq_pci_map_queues(&set->map[HCTX_TYPE_DEFAULT], vblk->hdev.pdev, 1);
}

static const struct blk_mq_ops hyv_pvblk_mq_ops = {
	.queue_rq	= hyv_pvblk_queue_rq,
	.commit_rqs	= hyv_pvblk_commit_rqs,
	.complete	= hyv_pvblk_complete,
	.map_queues	= hyv_pvblk_map_queues,
};

static void hyv_pvblk_read_limits(struct hyv_pvblk *vblk,
				  struct hyv_pvblk_limits *lim)
{
	struct hyv_pvblk_config cfg;

	hyv_pv_pci_config_read(&vblk->hdev, 0, &cfg, sizeof(cfg));
	if (hyv_pvblk_parse_config(&cfg, vblk->hdev.features,
				   vblk->hdev.max_queues, lim))
		lim->capacity = 0;
}

static void hyv_pvblk_config_work(struct work_struct *work)
{
	struct hyv_pvblk *vblk = container_of(work, struct hyv_pvblk,
					      config_work);
	struct hyv_pvblk_limits lim;

	if (hyv_pv_pci_needs_reset(&vblk->hdev)) {
		schedule_work(&vblk->broken_work);
		return;
	}
	hyv_pvblk_read_limits(vblk, &lim);
	if (lim.capacity != get_capacity(vblk->disk)) {
		dev_info(&vblk->hdev.pdev->dev, "capacity %llu -> %llu sectors\n",
			 (unsigned long long)get_capacity(vblk->disk),
			 lim.capacity);
		set_capacity_and_notify(vblk->disk, lim.capacity);
	}
}

static void hyv_pvblk_config_changed(struct hyv_pv_device *hdev)
{
	struct hyv_pvblk *vblk = container_of(hdev, struct hyv_pvblk, hdev);

	schedule_work(&vblk->config_work);
}

static int hyv_pvblk_init_vqs(struct hyv_pvblk *vblk)
{
	struct irq_affinity affd = {};
	struct hyv_pv_vq_setup *setup;
	unsigned int i, nvqs;
	int ret;

	nvqs = min(vblk->lim.num_queues, nr_cpu_ids);
	if (num_request_queues)
		nvqs = min(nvqs, num_request_queues);
	setup = kcalloc(nvqs, sizeof(*setup), GFP_KERNEL);
	vblk->vqs = kcalloc(nvqs, sizeof(*vblk->vqs), GFP_KERNEL);
	if (!setup || !vblk->vqs) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nvqs; i++) {
		snprintf(vblk->vqs[i].name, sizeof(vblk->vqs[i].name),
			 "req.%u", i);
		setup[i].callback = hyv_pvblk_done;
		setup[i].name = vblk->vqs[i].name;
	}
	vblk->hdev.config_changed = hyv_pvblk_config_changed;
	ret = hyv_pv_pci_setup_vqs(&vblk->hdev, nvqs, setup, &affd);
	if (ret < 0)
		goto out;
	vblk->num_vqs = ret;
	for (i = 0; i < vblk->num_vqs; i++) {
		spin_lock_init(&vblk->vqs[i].lock);
		vblk->vqs[i].vq = vblk->hdev.vqs[i];
	}
	ret = 0;
out:
	kfree(setup);
	return ret;
}

/* Disk names as sd's: hvda..hvdz, hvdaa... */
static void hyv_pvblk_name(char *buf, size_t len, int index)
{
	char suffix[8];
	int i = sizeof(suffix) - 1;

	suffix[i] = '\0';
	do {
		suffix[--i] = 'a' + index % 26;
		index = index / 26 - 1;
	} while (index >= 0 && i > 0);
	snprintf(buf, len, "hvd%s", &suffix[i]);
}

static void hyv_pvblk_set_limits(struct hyv_pvblk *vblk,
				 struct request_queue *q)
{
	const struct hyv_pvblk_limits *lim = &vblk->lim;
	unsigned int i, segs = lim->seg_max;

	/* Header and status too: a chain fits in the smallest ring. */
	for (i = 0; i < vblk->num_vqs; i++)
		segs = min(segs, hyv_vq_size(vblk->vqs[i].vq) - 2);
	blk_queue_max_segments(q, segs);
	blk_queue_max_segment_size(q, lim->size_max);
	blk_queue_max_hw_sectors(q, lim->max_sectors);
	blk_queue_logical_block_size(q, lim->blk_size);
	blk_queue_physical_block_size(q, lim->blk_size <<
				      lim->physical_block_exp);
	blk_queue_write_cache(q, lim->flush, lim->fua);
	if (lim->discard) {
		blk_queue_max_discard_sectors(q, lim->max_discard_sectors);
		blk_queue_max_discard_segments(q, min(lim->max_discard_seg,
						      segs));
		q->limits.discard_granularity = lim->discard_alignment;
	}
	if (lim->write_zeroes)
		blk_queue_max_write_zeroes_sectors(q,
						   lim->max_write_zeroes_sectors);
	set_disk_ro(vblk->disk, lim->ro);
	set_capacity(vblk->disk, lim->capacity);
}

static const struct block_device_operations hyv_pvblk_fops = {
	.owner = THIS_MODULE,
};

static int hyv_pvblk_init_disk(struct hyv_pvblk *vblk)
{
	struct blk_mq_tag_set *set = &vblk->tag_set;
	unsigned int depth = hyv_vq_size(vblk->vqs[0].vq);
	int ret;

	set->ops = &hyv_pvblk_mq_ops;
	set->nr_hw_queues = vblk->num_vqs;
	/* Without indirect tables a request takes several descriptors. */
	if (!hyv_pv_has_feature(&vblk->hdev, HYV_PV_F_RING_INDIRECT_DESC))
		depth = max(depth / 2, 1U);
	set->queue_depth = min(depth, BLK_MQ_MAX_DEPTH);
	set->numa_node = NUMA_NO_NODE;
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	set->cmd_size = sizeof(struct hyv_pvblk_req) +
			sizeof(struct scatterlist) * HYV_PVBLK_INLINE_SG;
	set->driver_data = vblk;
	ret = blk_mq_alloc_tag_set(set);
	if (ret)
		return ret;
	vblk->disk = blk_mq_alloc_disk(set, vblk);
	if (IS_ERR(vblk->disk)) {
		ret = PTR_ERR(vblk->disk);
		blk_mq_free_tag_set(set);
		return ret;
	}
	vblk->disk->major = hyv_pvblk_major;
	vblk->disk->first_minor = vblk->index << HYV_PVBLK_PART_BITS;
	vblk->disk->minors = 1 << HYV_PVBLK_PART_BITS;
	vblk->disk->fops = &hyv_pvblk_fops;
	vblk->disk->private_data = vblk;
	hyv_pvblk_name(vblk->disk->disk_name, sizeof(vblk->disk->disk_name),
		       vblk->index);
	hyv_pvblk_set_limits(vblk, vblk->disk->queue);
	return 0;
}

static int hyv_pvblk_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct hyv_pvblk *vblk;
	int ret;

	vblk = kzalloc(sizeof(*vblk), GFP_KERNEL);
	if (!vblk)
		return -ENOMEM;
	INIT_WORK(&vblk->config_work, hyv_pvblk_config_work);
	INIT_WORK(&vblk->broken_work, hyv_pvblk_broken_work);
	vblk->index = ida_alloc_max(&hyv_pvblk_index_ida,
				    (1 << (MINORBITS - HYV_PVBLK_PART_BITS)) - 1,
				    GFP_KERNEL);
	if (vblk->index < 0) {
		ret = vblk->index;
		goto out_free;
	}
	ret = hyv_pv_pci_init(&vblk->hdev, pdev, HYV_PV_TYPE_BLOCK);
	if (ret)
		goto out_ida;
	ret = hyv_pv_pci_negotiate(&vblk->hdev,
				   BIT_ULL(HYV_PV_F_RING_INDIRECT_DESC) |
				   BIT_ULL(HYV_PV_F_RING_EVENT_IDX) |
				   BIT_ULL(HYV_PVBLK_F_RO) |
				   BIT_ULL(HYV_PVBLK_F_FLUSH) |
				   BIT_ULL(HYV_PVBLK_F_FUA) |
				   BIT_ULL(HYV_PVBLK_F_DISCARD) |
				   BIT_ULL(HYV_PVBLK_F_WRITE_ZEROES));
	if (ret)
		goto out_pci;
	hyv_pvblk_read_limits(vblk, &vblk->lim);
	ret = hyv_pvblk_init_vqs(vblk);
	if (ret)
		goto out_pci;
	ret = hyv_pvblk_init_disk(vblk);
	if (ret)
		goto out_vqs;
	pci_set_drvdata(pdev, vblk);
	hyv_pv_pci_ready(&vblk->hdev);
	ret = device_add_disk(&pdev->dev, vblk->disk, NULL);
	if (ret)
		goto out_disk;
	dev_info(&pdev->dev, "%s: %llu sectors, %u queues%s\n",
		 vblk->disk->disk_name, vblk->lim.capacity, vblk->num_vqs,
		 vblk->lim.ro ? ", read-only" : "");
	return 0;

out_disk:
	put_disk(vblk->disk);
	blk_mq_free_tag_set(&vblk->tag_set);
out_vqs:
	hyv_pv_pci_reset(&vblk->hdev);
	hyv_pv_pci_del_vqs(&vblk->hdev);
out_pci:
	hyv_pv_pci_exit(&vblk->hdev);
out_ida:
	ida_free(&hyv_pvblk_index_ida, vblk->index);
out_free:
	kfree(vblk->vqs);
	kfree(vblk);
	return ret;
}

static void hyv_pvblk_remove(struct pci_dev *pdev)
{
	struct hyv_pvblk *vblk = pci_get_drvdata(pdev);

	flush_work(&vblk->config_work);
	/* Waits for the requests in flight (failed by broken_work if need be). */
	del_gendisk(vblk->disk);
	cancel_work_sync(&vblk->broken_work);
	blk_mq_free_tag_set(&vblk->tag_set);
	hyv_pv_pci_reset(&vblk->hdev);
	hyv_pv_pci_del_vqs(&vblk->hdev);
	cancel_work_sync(&vblk->config_work);
	hyv_pv_pci_exit(&vblk->hdev);
	put_disk(vblk->disk);
	ida_free(&hyv_pvblk_index_ida, vblk->index);
	kfree(vblk->vqs);
	kfree(vblk);
}

static const struct pci_device_id hyv_pvblk_ids[] = {
	{ PCI_DEVICE_SUB(HYV_PV_PCI_VENDOR_ID, HYV_PV_PCI_DEVICE_ID_BLK,
			 HYV_PV_PCI_SUBSYS_VENDOR_ID, HYV_PV_PCI_SUBSYS_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hyv_pvblk_ids);

static struct pci_driver hyv_pvblk_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= hyv_pvblk_ids,
	.probe		= hyv_pvblk_probe,
	.remove		= hyv_pvblk_remove,
};

static int __init hyv_pvblk_init(void)
{
	int ret;

	hyv_pvblk_major = register_blkdev(0, KBUILD_MODNAME);
	if (hyv_pvblk_major < 0)
		return hyv_pvblk_major;
	ret = pci_register_driver(&hyv_pvblk_driver);
	if (ret)
		unregister_blkdev(hyv_pvblk_major, KBUILD_MODNAME);
	return ret;
}

static void __exit hyv_pvblk_exit(void)
{
	pci_unregister_driver(&hyv_pvblk_driver);
	unregister_blkdev(hyv_pvblk_major, KBUILD_MODNAME);
	ida_destroy(&hyv_pvblk_index_ida);
}

module_init(hyv_pvblk_init);
module_exit(hyv_pvblk_exit);

MODULE_DESCRIPTION("hyv PV block driver");
MODULE_LICENSE("GPL");

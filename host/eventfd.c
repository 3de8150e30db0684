// SPDX-License-Identifier: GPL-2.0
/*
 * eventfds of a VM: doorbells (a guest HYV_HC_DOORBELL hypercall signals
 * an eventfd, ioeventfd-like) and irqfds (signalling an eventfd delivers
 * an MSI, irqfd-like). Neither leaves the kernel on its fast path.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "hyv.h"

/*
 * Doorbells
 * ---------
 * A small hash of (device, queue) → eventfd, read under RCU by the vCPU
 * threads ringing it and changed under eventfds.lock. A removed binding
 * is freed after a grace period, so a ring that found it just before it
 * was removed still signals a live eventfd.
 */
struct hyv_doorbell_binding {
	struct hlist_node node;		/* in eventfds.doorbells[], RCU */
	u32 device;
	u32 queue;
	struct eventfd_ctx *ctx;
};

static struct hlist_head *hyv_doorbell_bucket(struct hyv_vm *vm, u32 device,
					      u32 queue)
{
	u64 key = (u64)device << 32 | queue;

	return &vm->eventfds.doorbells[hash_64(key, HYV_DOORBELL_HASH_BITS)];
}

/* Under eventfds.lock or rcu_read_lock(). */
static struct hyv_doorbell_binding *hyv_doorbell_find(struct hyv_vm *vm,
						      u32 device, u32 queue)
{
	struct hyv_doorbell_binding *db;

	hlist_for_each_entry_rcu(db, hyv_doorbell_bucket(vm, device, queue),
				 node, lockdep_is_held(&vm->eventfds.lock))
		if (db->device == device && db->queue == queue)
			return db;
	return NULL;
}

/*
 * The guest rang (device, queue): signal its eventfd. Called by the vCPU
 * thread in the hypercall handler; no exit to userspace, nothing logged.
 * Returns 0, or -ENOENT when nothing is bound there.
 */
int hyv_doorbell_ring(struct hyv_vm *vm, u64 device, u64 queue)
{
	struct hyv_doorbell_binding *db;
	int ret = -ENOENT;

	/* The guest passes 64-bit registers; bindings are 32-bit keys. */
	if (device > U32_MAX || queue > U32_MAX)
		return -ENOENT;

	rcu_read_lock();
	db = hyv_doorbell_find(vm, device, queue);
	if (db) {
		eventfd_signal(db->ctx, 1);
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

static int hyv_doorbell_assign(struct hyv_vm *vm, struct eventfd_ctx *ctx,
			       const struct hyv_doorbell *req)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	struct hyv_doorbell_binding *db;
	int ret;

	db = kzalloc(sizeof(*db), GFP_KERNEL_ACCOUNT);
	if (!db)
		return -ENOMEM;
	db->device = req->device;
	db->queue = req->queue;
	db->ctx = ctx;

	mutex_lock(&ev->lock);
	if (hyv_doorbell_find(vm, req->device, req->queue)) {
		ret = -EEXIST;
	} else if (ev->nr_doorbells >= HYV_MAX_DOORBELLS) {
		ret = -ENOSPC;
	} else {
		hlist_add_head_rcu(&db->node,
				   hyv_doorbell_bucket(vm, req->device,
						       req->queue));
		ev->nr_doorbells++;
		ret = 0;
	}
	mutex_unlock(&ev->lock);
	if (ret)
		kfree(db);
	return ret;
}

static int hyv_doorbell_deassign(struct hyv_vm *vm, struct eventfd_ctx *ctx,
				 const struct hyv_doorbell *req)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	struct hyv_doorbell_binding *db;

	mutex_lock(&ev->lock);
	db = hyv_doorbell_find(vm, req->device, req->queue);
	if (!db || db->ctx != ctx) {
		mutex_unlock(&ev->lock);
		return -ENOENT;
	}
	hlist_del_rcu(&db->node);
	ev->nr_doorbells--;
	mutex_unlock(&ev->lock);

	/*
	 * vCPUs may be ringing it right now: wait until none can, so that
	 * nothing reaches the eventfd once the ioctl returned. Expedited, as
	 * KVM's I/O bus does it: removal is rare and the VMM is waiting.
	 */
	synchronize_rcu_expedited();
	eventfd_ctx_put(db->ctx);
	kfree(db);
	return 0;
}

int hyv_doorbell_ioctl(struct hyv_vm *vm, void __user *argp)
{
	struct hyv_doorbell req;
	struct eventfd_ctx *ctx;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~HYV_DOORBELL_DEASSIGN) || req.reserved)
		return -EINVAL;

	ctx = eventfd_ctx_fdget(req.fd);	/* -EBADF, or -EINVAL: no eventfd */
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	if (req.flags & HYV_DOORBELL_DEASSIGN) {
		ret = hyv_doorbell_deassign(vm, ctx, &req);
		eventfd_ctx_put(ctx);
	} else {
		ret = hyv_doorbell_assign(vm, ctx, &req);
		if (ret)	/* else the binding owns the reference */
			eventfd_ctx_put(ctx);
	}
	return ret;
}

/*
 * Nobody can ring any more: every vCPU holds a reference on the VM, so
 * none is left when it is torn down, and no grace period is needed.
 */
static void hyv_doorbells_destroy(struct hyv_vm *vm)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	struct hyv_doorbell_binding *db;
	struct hlist_node *tmp;
	int i;

	for (i = 0; i < ARRAY_SIZE(ev->doorbells); i++) {
		hlist_for_each_entry_safe(db, tmp, &ev->doorbells[i], node) {
			hlist_del(&db->node);
			eventfd_ctx_put(db->ctx);
			kfree(db);
		}
	}
	ev->nr_doorbells = 0;
}

void hyv_eventfd_vm_init(struct hyv_vm *vm)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	int i;

	mutex_init(&ev->lock);
	for (i = 0; i < ARRAY_SIZE(ev->doorbells); i++)
		INIT_HLIST_HEAD(&ev->doorbells[i]);
}

/* The VM is going away: drop every binding it still has. */
void hyv_eventfd_vm_destroy(struct hyv_vm *vm)
{
	hyv_doorbells_destroy(vm);
}

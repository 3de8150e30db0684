// SPDX-License-Identifier: GPL-2.0
/*
 * eventfds of a VM: doorbells (a guest HYV_HC_DOORBELL hypercall signals
 * an eventfd, ioeventfd-like) and irqfds (signalling an eventfd delivers
 * an MSI, irqfd-like). Neither leaves the kernel on its fast path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

/*
 * irqfds
 * ------
 * An irqfd is an entry on the eventfd's wait queue. The eventfd calls
 * hyv_irqfd_wakeup() with its wait-queue lock held and interrupts off,
 * from whoever signalled it (a write(), another driver's interrupt
 * handler, a doorbell): the count is consumed and the MSI delivered
 * right there, which hyv_lapic_deliver_msi() allows from any context.
 *
 * Lifetime. The binding is on the VM's list (eventfds.irqfds, under
 * irqfds_lock) while it is live, and on the eventfd's wait queue until
 * it is freed. Whoever takes it off the VM's list frees it:
 *  - deassign and VM teardown, in process context: they unhook it with
 *    eventfd_ctx_remove_wait_queue(), which takes the wait-queue lock
 *    and so waits for a running wakeup, then drop the eventfd;
 *  - the EPOLLHUP wakeup, when the eventfd's file is released: it holds
 *    the wait-queue lock already, unhooks itself and frees itself. The
 *    wake-up loop does not touch an entry after its callback returns,
 *    and our eventfd reference cannot be the last one here (the file
 *    being released still holds its own until after the wake-up).
 * KVM defers that last case to a workqueue because its shutdown sleeps
 * (SRCU, resamplers, deferred injection); nothing here does.
 *
 * The VM outlives every wakeup: its teardown unhooks each binding from
 * its wait queue before the VM is freed, and a HUP wakeup that took a
 * binding off the list does not touch the VM again after dropping
 * irqfds_lock.
 */
struct hyv_irqfd_binding {
	struct hyv_vm *vm;
	struct eventfd_ctx *ctx;
	u64 msi_address;
	u32 msi_data;
	struct list_head link;		/* in eventfds.irqfds; empty: dying */
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;		/* the eventfd's wait queue */
	poll_table pt;
};

/* A bound eventfd was signalled (EPOLLIN) or is being closed (EPOLLHUP). */
static int hyv_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct hyv_irqfd_binding *irqfd =
		container_of(wait, struct hyv_irqfd_binding, wait);
	struct hyv_eventfds *ev = &irqfd->vm->eventfds;
	__poll_t flags = key_to_poll(key);
	unsigned long iflags;
	bool mine = false;
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		/* -ENOENT (no vCPU matched) is the guest's business. */
		hyv_lapic_deliver_msi(irqfd->vm, irqfd->msi_address,
				      irqfd->msi_data);
	}

	if (flags & EPOLLHUP) {
		spin_lock_irqsave(&ev->irqfds_lock, iflags);
		if (!list_empty(&irqfd->link)) {
			list_del_init(&irqfd->link);
			ev->nr_irqfds--;
			mine = true;
		}
		spin_unlock_irqrestore(&ev->irqfds_lock, iflags);
		/* Else deassign or teardown owns it and waits for us. */
		if (mine) {
			__remove_wait_queue(irqfd->wqh, &irqfd->wait);
			eventfd_ctx_put(irqfd->ctx);
			kfree(irqfd);
		}
	}
	return 0;
}

/* vfs_poll() hands us the eventfd's wait queue here. */
static void hyv_irqfd_queue(struct file *file, wait_queue_head_t *wqh,
			    poll_table *pt)
{
	struct hyv_irqfd_binding *irqfd =
		container_of(pt, struct hyv_irqfd_binding, pt);

	irqfd->wqh = wqh;
	add_wait_queue(wqh, &irqfd->wait);
}

/* Off the VM's list already: unhook (waiting for a wakeup) and free. */
static void hyv_irqfd_free(struct hyv_irqfd_binding *irqfd)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
}

/* Under irqfds_lock. */
static struct hyv_irqfd_binding *hyv_irqfd_find(struct hyv_vm *vm,
						struct eventfd_ctx *ctx)
{
	struct hyv_irqfd_binding *irqfd;

	list_for_each_entry(irqfd, &vm->eventfds.irqfds, link)
		if (irqfd->ctx == ctx)
			return irqfd;
	return NULL;
}

/* Put a new binding on the VM's list: -EEXIST, -ENOSPC or 0. */
static int hyv_irqfd_link(struct hyv_vm *vm, struct hyv_irqfd_binding *irqfd)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	int ret = 0;

	spin_lock_irq(&ev->irqfds_lock);
	if (hyv_irqfd_find(vm, irqfd->ctx)) {
		ret = -EEXIST;
	} else if (ev->nr_irqfds >= HYV_MAX_IRQFDS) {
		ret = -ENOSPC;
	} else {
		list_add_tail(&irqfd->link, &ev->irqfds);
		ev->nr_irqfds++;
	}
	spin_unlock_irq(&ev->irqfds_lock);
	return ret;
}

static int hyv_irqfd_assign(struct hyv_vm *vm, const struct hyv_irqfd *req)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	struct hyv_irqfd_binding *irqfd;
	unsigned long iflags;
	__poll_t events;
	struct fd f;
	u64 cnt = 0;
	int ret;

	/* The file, not just the context: vfs_poll() needs it. */
	f = fdget(req->fd);
	if (!f.file)
		return -EBADF;
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd) {
		ret = -ENOMEM;
		goto out;
	}
	irqfd->ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(irqfd->ctx)) {
		ret = PTR_ERR(irqfd->ctx);	/* -EINVAL: not an eventfd */
		kfree(irqfd);
		goto out;
	}
	irqfd->vm = vm;
	irqfd->msi_address = req->msi_address;
	irqfd->msi_data = req->msi_data;
	INIT_LIST_HEAD(&irqfd->link);
	init_waitqueue_func_entry(&irqfd->wait, hyv_irqfd_wakeup);
	INIT_LIST_HEAD(&irqfd->wait.entry);	/* removable even if never queued */
	init_poll_funcptr(&irqfd->pt, hyv_irqfd_queue);

	/*
	 * Linked, then hooked, both under the mutex: a deassign never finds
	 * it half done. Its file cannot be released meanwhile (we hold it),
	 * so no EPOLLHUP can come for it either.
	 */
	mutex_lock(&ev->lock);
	ret = hyv_irqfd_link(vm, irqfd);
	if (ret) {
		mutex_unlock(&ev->lock);
		eventfd_ctx_put(irqfd->ctx);
		kfree(irqfd);
		goto out;
	}
	events = vfs_poll(f.file, &irqfd->pt);

	/* Signalled before it was bound: deliver that now, once. */
	if ((events & EPOLLIN) && irqfd->wqh) {
		spin_lock_irqsave(&irqfd->wqh->lock, iflags);
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		spin_unlock_irqrestore(&irqfd->wqh->lock, iflags);
		if (cnt)
			hyv_lapic_deliver_msi(vm, irqfd->msi_address,
					      irqfd->msi_data);
	}
	mutex_unlock(&ev->lock);
out:
	fdput(f);
	return ret;
}

static int hyv_irqfd_deassign(struct hyv_vm *vm, const struct hyv_irqfd *req)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	struct hyv_irqfd_binding *irqfd;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(req->fd);	/* -EBADF, or -EINVAL: no eventfd */
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&ev->lock);
	spin_lock_irq(&ev->irqfds_lock);
	irqfd = hyv_irqfd_find(vm, ctx);
	if (irqfd && irqfd->msi_address == req->msi_address &&
	    irqfd->msi_data == req->msi_data) {
		list_del_init(&irqfd->link);
		ev->nr_irqfds--;
	} else {
		irqfd = NULL;
	}
	spin_unlock_irq(&ev->irqfds_lock);
	mutex_unlock(&ev->lock);

	eventfd_ctx_put(ctx);
	if (!irqfd)
		return -ENOENT;
	hyv_irqfd_free(irqfd);
	return 0;
}

/* An MSI address targets the local APICs: 0xFEExxxxx (SDM vol. 3A §11.11.1). */
static bool hyv_msi_address_valid(u64 address)
{
	return (address >> 20) == 0xfee;
}

int hyv_irqfd_ioctl(struct hyv_vm *vm, void __user *argp)
{
	struct hyv_irqfd req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~HYV_IRQFD_DEASSIGN) || req.padding || req.reserved ||
	    !hyv_msi_address_valid(req.msi_address))
		return -EINVAL;

	if (req.flags & HYV_IRQFD_DEASSIGN)
		return hyv_irqfd_deassign(vm, &req);
	return hyv_irqfd_assign(vm, &req);
}

/* One at a time: a HUP wakeup may be taking others off the list. */
static void hyv_irqfds_destroy(struct hyv_vm *vm)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	struct hyv_irqfd_binding *irqfd;

	for (;;) {
		spin_lock_irq(&ev->irqfds_lock);
		irqfd = list_first_entry_or_null(&ev->irqfds,
						 struct hyv_irqfd_binding, link);
		if (irqfd) {
			list_del_init(&irqfd->link);
			ev->nr_irqfds--;
		}
		spin_unlock_irq(&ev->irqfds_lock);
		if (!irqfd)
			break;
		hyv_irqfd_free(irqfd);
	}
}

void hyv_eventfd_vm_init(struct hyv_vm *vm)
{
	struct hyv_eventfds *ev = &vm->eventfds;
	int i;

	mutex_init(&ev->lock);
	for (i = 0; i < ARRAY_SIZE(ev->doorbells); i++)
		INIT_HLIST_HEAD(&ev->doorbells[i]);
	spin_lock_init(&ev->irqfds_lock);
	INIT_LIST_HEAD(&ev->irqfds);
}

/* The VM is going away: drop every binding it still has. */
void hyv_eventfd_vm_destroy(struct hyv_vm *vm)
{
	hyv_irqfds_destroy(vm);
	hyv_doorbells_destroy(vm);
}

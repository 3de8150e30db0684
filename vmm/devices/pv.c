// SPDX-License-Identifier: GPL-2.0
/*
 * The glue between hyv-run and vmm/pv (libhyvpv.a): one PCI function per
 * --disk and --net, laid out as docs/pv-abi.md says (BAR0 the registers,
 * BAR1 the MSI-X table and PBA), with
 *   - BAR0 accesses handed to hyv_pv_bar0_{read,write} under the
 *     function's lock (the one lock the transport asks its caller for);
 *   - each queue's doorbell eventfd bound with HYV_DOORBELL to (device,
 *     queue), so that the guest's HYV_HC_DOORBELL wakes the backend's
 *     thread without an exit to hyv-run;
 *   - the MSI-X table kept by pci.c (it knows the function's enable and
 *     mask-all bits too); whenever the guest changes it, each vector's
 *     irqfd is rebound to the vector's message (the old binding removed)
 *     and the transport is told whether the vector is live, so that what
 *     the backend raises while a vector is masked stays pending in the
 *     transport and is delivered on unmask.
 * Runs on the main thread (create, destroy, stats) and on vCPU threads
 * (BAR accesses, MSI-X changes); the backends' threads only signal
 * eventfds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../accel.h"
#include "../pv/hyv_pv_blk.h"
#include "../pv/hyv_pv_net.h"
#include "pci.h"
#include "pv.h"

#define PV_MAX_DEVICES		(HYV_RUN_MAX_DISKS + HYV_RUN_MAX_NETS)
/* Disk i rings doorbell device 1 + i, network device j 0x100 + j. */
#define PV_DOORBELL_DISK	1
#define PV_DOORBELL_NET		0x100
/* Per vCPU, as the driver uses them, but no more than this. */
#define PV_BLK_MAX_QUEUES	8U

#define PCI_CLASS_STORAGE_OTHER	0x018000
#define PCI_CLASS_NET_ETHERNET	0x020000

struct pv_route {
	bool bound;
	u64 address;
	u32 data;
};

struct pv_dev {
	struct vmm *vmm;
	char name[16];			/* disk0, net0 */
	const char *what;		/* the file or the --net argument */
	struct hyv_pv_blk *blk;
	struct hyv_pv_net *net;
	struct hyv_pv_transport *t;
	struct pci_function *fn;
	pthread_mutex_t lock;		/* the transport's registers */
	struct pv_route route[HYV_PV_MAX_VECTORS];
};

struct pv_devices {
	struct hyv_pv_mem mem;
	unsigned int n;
	struct pv_dev dev[PV_MAX_DEVICES];
};

static void *pv_gpa_to_hva(void *opaque, u64 gpa, u64 len)
{
	struct vmm *vmm = opaque;

	return guest_mem_ptr(&vmm->mem, gpa, len);
}

static void pv_bar0_io(void *opaque, u64 offset, u8 *data, u32 len,
		       bool is_write)
{
	struct pv_dev *d = opaque;

	pthread_mutex_lock(&d->lock);
	if (is_write)
		hyv_pv_bar0_write(d->t, offset, len, bus_get(data, len));
	else
		bus_put(data, len, hyv_pv_bar0_read(d->t, offset, len));
	pthread_mutex_unlock(&d->lock);
}

/* BAR1 outside the table and the PBA (pci.c serves those): reserved. */
static void pv_bar1_io(void *opaque, u64 offset, u8 *data, u32 len,
		       bool is_write)
{
	struct pv_dev *d = opaque;

	pthread_mutex_lock(&d->lock);
	if (is_write)
		hyv_pv_msix_write(d->t, offset, len, bus_get(data, len));
	else
		bus_put(data, len, hyv_pv_msix_read(d->t, offset, len));
	pthread_mutex_unlock(&d->lock);
}

static void pv_msix_set(struct pv_dev *d, unsigned int v, unsigned int reg,
			u32 value)
{
	hyv_pv_msix_write(d->t, HYV_PV_MSIX_TABLE_OFFSET + 16 * v + reg, 4,
			  value);
}

/* Make vector v's irqfd follow its MSI-X entry. Device lock held. */
static void pv_route_vector(struct pv_dev *d, unsigned int v)
{
	const struct accel *a = d->vmm->accel;
	struct pv_route *r = &d->route[v];
	u64 address = 0;
	u32 data = 0;
	bool live;
	int err;

	live = pci_msix_route(d->fn, v, &address, &data);
	if (live ? r->bound && r->address == address && r->data == data :
		   !r->bound)
		return;
	/* Masked first: what the backend raises meanwhile stays pending. */
	pv_msix_set(d, v, 12, 1);
	if (r->bound) {
		err = a->irqfd(d->vmm, d->t->irq_fd[v], r->address, r->data,
			       true);
		if (err)
			hyv_warn("%s: vector %u: HYV_IRQFD deassign: %s",
				 d->name, v, strerror(-err));
		r->bound = false;
	}
	if (!live)
		return;
	err = a->irqfd(d->vmm, d->t->irq_fd[v], address, data, false);
	if (err) {
		hyv_warn("%s: vector %u -> %#llx/%#x: HYV_IRQFD: %s", d->name,
			 v, (unsigned long long)address, data, strerror(-err));
		return;		/* stays masked: its interrupts stay pending */
	}
	*r = (struct pv_route){ true, address, data };
	pv_msix_set(d, v, 0, (u32)address);
	pv_msix_set(d, v, 4, address >> 32);
	pv_msix_set(d, v, 8, data);
	pv_msix_set(d, v, 12, 0);	/* delivers a pending interrupt */
}

static void pv_msix_changed(struct pci_function *fn, void *opaque)
{
	struct pv_dev *d = opaque;
	unsigned int v;

	(void)fn;
	pthread_mutex_lock(&d->lock);
	for (v = 0; v < d->t->num_vectors; v++)
		pv_route_vector(d, v);
	pthread_mutex_unlock(&d->lock);
}

/* The PCI function of docs/pv-abi.md, its doorbells bound. */
static void pv_plug(struct vmm *vmm, struct pv_dev *d, u16 device_id,
		    u32 class_code)
{
	struct hyv_pv_transport *t = d->t;
	unsigned int q;
	int err;

	if (t->num_vectors > PCI_MSIX_MAX_VECTORS)
		hyv_die(HYV_RUN_EXIT_USAGE, "%s (%s): %u MSI-X vectors, at most %u",
			d->name, d->what, t->num_vectors, PCI_MSIX_MAX_VECTORS);
	pthread_mutex_init(&d->lock, NULL);
	d->fn = pci_function_new(d->name, HYV_PV_PCI_VENDOR_ID, device_id,
				 class_code);
	if (!d->fn)
		hyv_die(HYV_RUN_EXIT_ERROR, "%s: out of memory", d->name);
	d->fn->cfg[0x08] = HYV_PV_PCI_REVISION;
	d->fn->cfg[0x2c] = HYV_PV_PCI_SUBSYS_VENDOR_ID & 0xff;
	d->fn->cfg[0x2d] = HYV_PV_PCI_SUBSYS_VENDOR_ID >> 8;
	d->fn->cfg[0x2e] = HYV_PV_PCI_SUBSYS_ID & 0xff;
	d->fn->cfg[0x2f] = HYV_PV_PCI_SUBSYS_ID >> 8;
	d->fn->msix_changed = pv_msix_changed;
	d->fn->msix_opaque = d;
	err = pci_function_add_bar(d->fn, HYV_PV_BAR_COMMON, HYV_PV_BAR0_SIZE,
				   PCI_BAR_MEM32, pv_bar0_io, d);
	if (!err)
		err = pci_function_add_bar(d->fn, HYV_PV_BAR_MSIX,
					   HYV_PV_BAR1_SIZE, PCI_BAR_MEM32,
					   pv_bar1_io, d);
	if (!err)
		err = pci_function_add_msix(d->fn, t->num_vectors,
					    HYV_PV_BAR_MSIX,
					    HYV_PV_MSIX_TABLE_OFFSET,
					    HYV_PV_MSIX_PBA_OFFSET);
	if (!err)
		err = pci_register(vmm->pci, d->fn);
	if (err)
		hyv_die(HYV_RUN_EXIT_USAGE, "%s (%s): no room on the PCI bus: %s",
			d->name, d->what, strerror(-err));
	for (q = 0; q < t->num_queues; q++) {
		err = vmm->accel->doorbell(vmm, t->doorbell_fd[q],
					   t->doorbell_device, q, false);
		if (err)
			hyv_die(HYV_RUN_EXIT_ERROR, "%s: queue %u: HYV_DOORBELL: %s",
				d->name, q, strerror(-err));
	}
}

static void pv_create_disk(struct vmm *vmm, struct pv_devices *pv,
			   unsigned int i)
{
	const struct hyv_disk_option *o = &vmm->opts->disks[i];
	struct pv_dev *d = &pv->dev[pv->n];
	struct hyv_pv_blk_opts bo = {
		.path = o->path,
		.ro = o->ro,
		.direct = o->direct,
		.doorbell_device = PV_DOORBELL_DISK + i,
		.num_queues = MIN(vmm->opts->cpus, PV_BLK_MAX_QUEUES),
		.hostile = { .kind = o->hostile, .at = o->hostile_at },
	};
	char err[256];

	d->vmm = vmm;
	d->what = o->path;
	snprintf(d->name, sizeof(d->name), "disk%u", i);
	snprintf(bo.hostile.name, sizeof(bo.hostile.name), "%s", d->name);
	d->blk = hyv_pv_blk_create(&bo, &pv->mem, err, sizeof(err));
	if (!d->blk)
		hyv_die(HYV_RUN_EXIT_USAGE, "--disk %s: %s", o->path, err);
	d->t = hyv_pv_blk_transport(d->blk);
	pv->n++;
	pv_plug(vmm, d, HYV_PV_PCI_DEVICE_ID_BLK, PCI_CLASS_STORAGE_OTHER);
	hyv_info("%s: %s%s%s, %u queue(s), doorbell device %u", d->name,
		 o->path, o->ro ? ", read-only" : "",
		 o->direct ? ", O_DIRECT" : "", d->t->num_queues,
		 d->t->doorbell_device);
	if (o->hostile)
		hyv_warn("%s: testing: hostile=%s@%llu, completion %llu is corrupted",
			 d->name, hyv_pv_hostile_kind_name(o->hostile),
			 o->hostile_at, o->hostile_at);
}

static void pv_create_net(struct vmm *vmm, struct pv_devices *pv,
			  unsigned int i)
{
	const char *arg = vmm->opts->nets[i].arg;
	struct pv_dev *d = &pv->dev[pv->n];
	struct hyv_pv_net_opts no;
	char err[256];

	d->vmm = vmm;
	d->what = arg;
	snprintf(d->name, sizeof(d->name), "net%u", i);
	if (hyv_pv_net_parse(arg, &no, err, sizeof(err)))
		hyv_die(HYV_RUN_EXIT_USAGE, "--net %s: %s", arg, err);
	no.doorbell_device = PV_DOORBELL_NET + i;
	snprintf(no.hostile.name, sizeof(no.hostile.name), "%s", d->name);
	d->net = hyv_pv_net_create(&no, &pv->mem, err, sizeof(err));
	if (!d->net)
		hyv_die(HYV_RUN_EXIT_USAGE, "--net %s: %s", arg, err);
	d->t = hyv_pv_net_transport(d->net);
	pv->n++;
	pv_plug(vmm, d, HYV_PV_PCI_DEVICE_ID_NET, PCI_CLASS_NET_ETHERNET);
	hyv_info("%s: TAP %s, %u queue pair(s), doorbell device %u", d->name,
		 no.tap, d->t->num_queues / 2, d->t->doorbell_device);
	if (no.hostile.kind)
		hyv_warn("%s: testing: hostile=%s@%llu, completion %llu is corrupted",
			 d->name, hyv_pv_hostile_kind_name(no.hostile.kind),
			 (unsigned long long)no.hostile.at,
			 (unsigned long long)no.hostile.at);
}

void pv_create_all(struct vmm *vmm)
{
	const struct hyv_options *o = vmm->opts;
	struct pv_devices *pv;
	unsigned int i;

	if (!o->nr_disks && !o->nr_nets)
		return;
	/* options.c refuses them with --accel kvm already. */
	if (!vmm->accel->irqfd || !vmm->accel->doorbell)
		hyv_die(HYV_RUN_EXIT_USAGE, "PV devices need --accel hyv");
	if (vmm->caps[HYV_CAP_IRQFD] <= 0 || vmm->caps[HYV_CAP_DOORBELL] <= 0)
		hyv_die(HYV_RUN_EXIT_ERROR, "PV devices: %s lacks irqfds or doorbells",
			vmm->accel->device);
	pv = calloc(1, sizeof(*pv));
	if (!pv)
		hyv_die(HYV_RUN_EXIT_ERROR, "PV devices: out of memory");
	pv->mem.map = pv_gpa_to_hva;
	pv->mem.opaque = vmm;
	vmm->pv = pv;
	for (i = 0; i < o->nr_disks; i++)
		pv_create_disk(vmm, pv, i);
	for (i = 0; i < o->nr_nets; i++)
		pv_create_net(vmm, pv, i);
}

static void pv_print_one(struct pv_dev *d)
{
	struct hyv_pv_blk_stats b;
	struct hyv_pv_net_stats n;
	const char *err;
	unsigned int i;

	if (d->blk) {
		hyv_pv_blk_get_stats(d->blk, &b);
		fprintf(stderr,
			"hyv-run: pv: %s requests=%llu errors=%llu doorbells=%llu interrupts=%llu suppressed=%llu\n",
			d->name, (unsigned long long)b.requests,
			(unsigned long long)b.errors,
			(unsigned long long)b.doorbells,
			(unsigned long long)b.interrupts,
			(unsigned long long)b.interrupts_suppressed);
		err = hyv_pv_blk_error(d->blk);
	} else {
		/* Each pair's share first: the device's line ends a snapshot. */
		for (i = 0; i < hyv_pv_net_max_pairs(d->net); i++) {
			hyv_pv_net_get_queue_stats(d->net, i, &n);
			fprintf(stderr,
				"hyv-run: pv: %s.q%u tx_packets=%llu rx_packets=%llu doorbells=%llu interrupts=%llu\n",
				d->name, i, (unsigned long long)n.tx_packets,
				(unsigned long long)n.rx_packets,
				(unsigned long long)n.doorbells,
				(unsigned long long)n.interrupts);
		}
		hyv_pv_net_get_stats(d->net, &n);
		fprintf(stderr,
			"hyv-run: pv: %s tx_packets=%llu tx_bytes=%llu rx_packets=%llu rx_bytes=%llu tx_bad=%llu tx_dropped=%llu rx_dropped=%llu rx_bad_chain=%llu doorbells=%llu interrupts=%llu suppressed=%llu tx_gso=%llu tx_csum=%llu rx_gso=%llu rx_csum=%llu\n",
			d->name, (unsigned long long)n.tx_packets,
			(unsigned long long)n.tx_bytes,
			(unsigned long long)n.rx_packets,
			(unsigned long long)n.rx_bytes,
			(unsigned long long)n.tx_bad,
			(unsigned long long)n.tx_dropped,
			(unsigned long long)n.rx_dropped,
			(unsigned long long)n.rx_bad_chain,
			(unsigned long long)n.doorbells,
			(unsigned long long)n.interrupts,
			(unsigned long long)n.interrupts_suppressed,
			(unsigned long long)n.tx_gso,
			(unsigned long long)n.tx_csum,
			(unsigned long long)n.rx_gso,
			(unsigned long long)n.rx_csum);
		err = hyv_pv_net_error(d->net);
	}
	if (err)
		fprintf(stderr, "hyv-run: pv: %s broken ring: %s\n", d->name, err);
}

void pv_print_stats(struct vmm *vmm)
{
	unsigned int i;

	for (i = 0; vmm->pv && i < vmm->pv->n; i++)
		pv_print_one(&vmm->pv->dev[i]);
}

void pv_toggle_links(struct vmm *vmm)
{
	struct pv_dev *d;
	unsigned int i;
	bool up;

	for (i = 0; vmm->pv && i < vmm->pv->n; i++) {
		d = &vmm->pv->dev[i];
		if (!d->net)
			continue;
		up = !hyv_pv_net_link_up(d->net);
		hyv_pv_net_set_link(d->net, up);
		fprintf(stderr, "hyv-run: link %s %s\n", d->name,
			up ? "up" : "down");
	}
}

void pv_destroy_all(struct vmm *vmm)
{
	struct pv_devices *pv = vmm->pv;
	unsigned int i;

	if (!pv)
		return;
	for (i = 0; i < pv->n; i++) {
		hyv_pv_blk_destroy(pv->dev[i].blk);
		if (pv->dev[i].net)
			hyv_pv_net_destroy(pv->dev[i].net);
	}
	free(pv);
	vmm->pv = NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv-run's PCI: one host bridge (bus 0) reached through the 0xCF8/0xCFC
 * mechanism and through ECAM, and the API a PCI function (the PV devices
 * of vmm/pv/) uses to plug in:
 *
 *	struct pci_function *fn = pci_function_new("hyv-blk", vendor, device,
 *						   class);
 *	pci_function_add_bar(fn, 0, 0x4000, PCI_BAR_MEM64, regs_io, dev);
 *	pci_function_add_msix(fn, nvec, 0, 0x2000, 0x3000);
 *	pci_register(vmm->pci, fn);		(slot and BAR addresses)
 *	...
 *	pci_msix_notify(fn, vector);		(an interrupt, any thread)
 *
 * BARs get addresses at pci_register() time from the windows of
 * layout.h, with decoding on, as firmware would leave them; the guest may
 * move them. A BAR's handler sees offsets from the BAR's start. The MSI-X
 * table and PBA inside a BAR are emulated here and never reach the
 * handler. pci_msix_route() gives a vector's current message, for an
 * irqfd; msix_changed is called (config lock not held) whenever the
 * guest changes the table, the mask or the enable bits, so that a device
 * can rebind its irqfds.
 */
#ifndef HYV_RUN_PCI_H
#define HYV_RUN_PCI_H

#include "../vmm.h"

#define PCI_CFG_SIZE		256
#define PCI_NR_BARS		6
#define PCI_MAX_DEVICES		32	/* bus 0 only */
#define PCI_MSIX_MAX_VECTORS	64

enum pci_bar_type {
	PCI_BAR_NONE,
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,		/* takes the next BAR index too */
};

struct pci_bar {
	enum pci_bar_type type;
	u64 size;		/* power of two */
	u64 addr;		/* as the guest last programmed it */
	bus_handler_t handler;
	void *opaque;
};

struct pci_msix {
	unsigned int nvec;
	unsigned int bar;
	u64 table_offset, pba_offset;
	u8 cap;			/* config offset of the capability */
	u32 table[PCI_MSIX_MAX_VECTORS][4];	/* addr lo, hi, data, ctrl */
	u64 pending;		/* PBA bits */
};

struct pci_function {
	const char *name;
	struct pci_bus *bus;
	u8 devfn;
	u8 cfg[PCI_CFG_SIZE];
	u8 wmask[PCI_CFG_SIZE];	/* the bits the guest may write */
	u8 next_cap;		/* where the next capability goes */
	struct pci_bar bar[PCI_NR_BARS];
	struct pci_msix *msix;
	void (*msix_changed)(struct pci_function *fn, void *opaque);
	void *msix_opaque;
};

struct pci_bus *pci_create(struct vmm *vmm);

struct pci_function *pci_function_new(const char *name, u16 vendor,
				      u16 device, u32 class_code);
int pci_function_add_bar(struct pci_function *fn, unsigned int idx, u64 size,
			 enum pci_bar_type type, bus_handler_t handler,
			 void *opaque);
int pci_function_add_msix(struct pci_function *fn, unsigned int nvec,
			  unsigned int bar, u64 table_offset, u64 pba_offset);
/* Give it a slot on bus 0 and addresses for its BARs; -ENOSPC when full. */
int pci_register(struct pci_bus *bus, struct pci_function *fn);

/* Raise MSI-X vector vec: delivered now, or left pending if masked. */
void pci_msix_notify(struct pci_function *fn, unsigned int vec);
/* The message vector vec sends now; false when disabled or masked. */
bool pci_msix_route(struct pci_function *fn, unsigned int vec, u64 *address,
		    u32 *data);

/* Config space access as both mechanisms do it (pure: unit-tested). */
void pci_config_read(struct pci_function *fn, u32 offset, u8 *data, u32 len);
void pci_config_write(struct pci_function *fn, u32 offset, const u8 *data,
		      u32 len);

#endif /* HYV_RUN_PCI_H */

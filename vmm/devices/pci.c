// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI host bridge: configuration mechanism #1 (0xCF8/0xCFC, PCI Local
 * Bus spec 3.0 §3.2.2.3.2), ECAM (PCI Express base spec §7.2.2) for bus
 * 0, the BAR windows, and MSI-X (PCI spec 3.0 §6.8.2). Config space
 * writes go through a per-byte write mask, which gives BAR sizing its
 * semantics for free: the guest writes all-ones, reads back ~(size - 1).
 * Port 0xCF9, inside CONFIG_ADDRESS's four bytes, is the PC's reset
 * control register: a byte write with bit 2 (RST_CPU) set resets.
 *
 * Locking: the bus lock covers config space, BAR addresses and MSI-X
 * state of every function; a BAR's own handler runs without it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <hyv/layout.h>
#include "pci.h"

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_CLASS_REVISION	0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_CAP_START		0x40

#define PCI_COMMAND_IO		0x1
#define PCI_COMMAND_MEMORY	0x2
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_BAR_IO_SPACE	0x1
#define PCI_BAR_MEM_TYPE_64	0x4
#define PCI_CAP_ID_MSIX		0x11
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000
#define MSIX_ENTRY_MASKED	0x1

#define CF8_ENABLE		0x80000000U
#define CF9_RST_CPU		0x04

/* The host bridge's ID: QEMU's generic one, to which Linux binds nothing. */
#define HOST_BRIDGE_VENDOR	0x1b36
#define HOST_BRIDGE_DEVICE	0x0008
#define CLASS_HOST_BRIDGE	0x060000

struct pci_bus {
	struct vmm *vmm;
	pthread_mutex_t lock;
	u32 config_address;
	struct pci_function *dev[PCI_MAX_DEVICES];
	u64 next_mmio32, next_mmio64;
	u32 next_io;
};

static void cfg_put(struct pci_function *fn, u32 off, u32 len, u64 v)
{
	bus_put(fn->cfg + off, len, v);
}

struct pci_function *pci_function_new(const char *name, u16 vendor,
				      u16 device, u32 class_code)
{
	struct pci_function *fn = calloc(1, sizeof(*fn));

	if (!fn)
		return NULL;
	fn->name = name;
	cfg_put(fn, PCI_VENDOR_ID, 2, vendor);
	cfg_put(fn, PCI_DEVICE_ID, 2, device);
	cfg_put(fn, PCI_CLASS_REVISION, 4, class_code << 8);
	cfg_put(fn, PCI_SUBSYSTEM_VENDOR_ID, 2, vendor);
	cfg_put(fn, PCI_SUBSYSTEM_VENDOR_ID + 2, 2, device);
	fn->wmask[PCI_COMMAND] = 0x07;		/* I/O, memory, bus master */
	fn->wmask[PCI_COMMAND + 1] = 0x04;	/* INTx disable */
	fn->wmask[PCI_INTERRUPT_LINE] = 0xff;
	fn->next_cap = PCI_CAP_START;
	return fn;
}

int pci_function_add_bar(struct pci_function *fn, unsigned int idx, u64 size,
			 enum pci_bar_type type, bus_handler_t handler,
			 void *opaque)
{
	unsigned int off = PCI_BAR0 + 4 * idx;
	u64 mask = ~(size - 1);

	if (idx >= PCI_NR_BARS || !handler || size < 16 || (size & (size - 1)) ||
	    fn->bar[idx].type != PCI_BAR_NONE)
		return -EINVAL;
	if (type == PCI_BAR_MEM64 &&
	    (idx + 1 >= PCI_NR_BARS || fn->bar[idx + 1].type != PCI_BAR_NONE))
		return -EINVAL;
	if ((type == PCI_BAR_IO && size > 256) ||
	    (type == PCI_BAR_MEM32 && size > HYV_LAYOUT_PCI_MMIO32_SIZE / 4) ||
	    (type == PCI_BAR_MEM64 && size < SZ_4K))
		return -EINVAL;
	fn->bar[idx] = (struct pci_bar){ type, size, 0, handler, opaque };
	cfg_put(fn, off, 4, type == PCI_BAR_IO ? PCI_BAR_IO_SPACE :
			    type == PCI_BAR_MEM64 ? PCI_BAR_MEM_TYPE_64 : 0);
	bus_put(fn->wmask + off, 4, mask & (type == PCI_BAR_IO ? ~3ULL : ~15ULL));
	if (type == PCI_BAR_MEM64) {
		fn->bar[idx + 1].type = PCI_BAR_MEM64;	/* the upper half */
		bus_put(fn->wmask + off + 4, 4, mask >> 32);
	}
	return 0;
}

/* Append a capability of len bytes; its config offset, or 0 when full. */
static u8 pci_add_cap(struct pci_function *fn, u8 id, u8 len)
{
	u8 off = fn->next_cap, *p;

	if (off + len > PCI_CFG_SIZE)
		return 0;
	/* Link it at the end of the list. */
	p = &fn->cfg[PCI_CAPABILITY_LIST];
	while (*p)
		p = &fn->cfg[*p + 1];
	*p = off;
	fn->cfg[off] = id;
	fn->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	fn->next_cap = ALIGN_UP(off + len, 4);
	return off;
}

int pci_function_add_msix(struct pci_function *fn, unsigned int nvec,
			  unsigned int bar, u64 table_offset, u64 pba_offset)
{
	struct pci_msix *m;
	unsigned int i;
	u8 cap;

	if (!nvec || nvec > PCI_MSIX_MAX_VECTORS || bar >= PCI_NR_BARS ||
	    fn->msix || (fn->bar[bar].type != PCI_BAR_MEM32 &&
			 fn->bar[bar].type != PCI_BAR_MEM64) ||
	    (table_offset | pba_offset) & 7 ||
	    table_offset + nvec * 16 > fn->bar[bar].size ||
	    pba_offset + 8 > fn->bar[bar].size)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	cap = pci_add_cap(fn, PCI_CAP_ID_MSIX, 12);
	if (!cap) {
		free(m);
		return -ENOSPC;
	}
	m->nvec = nvec;
	m->bar = bar;
	m->table_offset = table_offset;
	m->pba_offset = pba_offset;
	m->cap = cap;
	for (i = 0; i < nvec; i++)
		m->table[i][3] = MSIX_ENTRY_MASKED;
	cfg_put(fn, cap + 2, 2, nvec - 1);
	cfg_put(fn, cap + 4, 4, table_offset | bar);
	cfg_put(fn, cap + 8, 4, pba_offset | bar);
	fn->wmask[cap + 3] = (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) >> 8;
	fn->msix = m;
	return 0;
}

/* ---- MSI-X ---------------------------------------------------------- */

static bool msix_live(const struct pci_function *fn, unsigned int vec)
{
	const struct pci_msix *m = fn->msix;
	u16 ctrl = bus_get(fn->cfg + m->cap + 2, 2);

	return (ctrl & MSIX_CTRL_ENABLE) && !(ctrl & MSIX_CTRL_MASKALL) &&
	       !(m->table[vec][3] & MSIX_ENTRY_MASKED);
}

static void msix_message(const struct pci_msix *m, unsigned int vec,
			 u64 *address, u32 *data)
{
	*address = (u64)m->table[vec][1] << 32 | m->table[vec][0];
	*data = m->table[vec][2];
}

bool pci_msix_route(struct pci_function *fn, unsigned int vec, u64 *address,
		    u32 *data)
{
	bool live;

	if (!fn->msix || vec >= fn->msix->nvec)
		return false;
	pthread_mutex_lock(&fn->bus->lock);
	live = msix_live(fn, vec);
	if (live)
		msix_message(fn->msix, vec, address, data);
	pthread_mutex_unlock(&fn->bus->lock);
	return live;
}

void pci_msix_notify(struct pci_function *fn, unsigned int vec)
{
	u64 address;
	u32 data;
	bool live;

	if (!fn->msix || vec >= fn->msix->nvec)
		return;
	pthread_mutex_lock(&fn->bus->lock);
	live = msix_live(fn, vec);
	if (live)
		msix_message(fn->msix, vec, &address, &data);
	else
		fn->msix->pending |= 1ULL << vec;
	pthread_mutex_unlock(&fn->bus->lock);
	if (live)
		vmm_signal_msi(fn->bus->vmm, address, data);
}

/* Deliver the pending vectors that are live now. Bus lock held. */
static unsigned int msix_collect(struct pci_function *fn, u64 *addr, u32 *data,
				 unsigned int max)
{
	struct pci_msix *m = fn->msix;
	unsigned int vec, n = 0;

	for (vec = 0; vec < m->nvec && n < max; vec++) {
		if (!(m->pending & 1ULL << vec) || !msix_live(fn, vec))
			continue;
		m->pending &= ~(1ULL << vec);
		msix_message(m, vec, &addr[n], &data[n]);
		n++;
	}
	return n;
}

/* After the guest changed MSI-X state: flush pending, tell the device. */
static void msix_changed(struct pci_function *fn)
{
	u64 addr[PCI_MSIX_MAX_VECTORS];
	u32 data[PCI_MSIX_MAX_VECTORS];
	unsigned int i, n;

	pthread_mutex_lock(&fn->bus->lock);
	n = msix_collect(fn, addr, data, PCI_MSIX_MAX_VECTORS);
	pthread_mutex_unlock(&fn->bus->lock);
	for (i = 0; i < n; i++)
		vmm_signal_msi(fn->bus->vmm, addr[i], data[i]);
	if (fn->msix_changed)
		fn->msix_changed(fn, fn->msix_opaque);
}

/* The table and PBA; false when offset is outside both. Bus lock held. */
static bool msix_access(struct pci_function *fn, u64 offset, u8 *data,
			u32 len, bool is_write, bool *changed)
{
	struct pci_msix *m = fn->msix;
	u64 t = offset - m->table_offset;
	u32 *entry;

	if (offset >= m->table_offset && t < m->nvec * 16ULL) {
		entry = m->table[t / 16];
		if ((len != 4 && len != 8) || t % len) {
			if (!is_write)
				bus_put(data, len, ~0ULL);
			return true;
		}
		if (is_write) {
			entry[t % 16 / 4] = bus_get(data, 4);
			if (len == 8 && t % 16 < 12)
				entry[t % 16 / 4 + 1] = bus_get(data + 4, 4);
			*changed = true;
		} else {
			bus_put(data, 4, entry[t % 16 / 4]);
			if (len == 8)
				bus_put(data + 4, 4, entry[t % 16 / 4 + 1]);
		}
		return true;
	}
	if (offset >= m->pba_offset && offset - m->pba_offset < 8) {
		if (!is_write)
			bus_put(data, len, m->pending >> (8 * (offset - m->pba_offset)));
		return true;
	}
	return false;
}

/* ---- config space ---------------------------------------------------- */

void pci_config_read(struct pci_function *fn, u32 offset, u8 *data, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		data[i] = offset + i < PCI_CFG_SIZE ? fn->cfg[offset + i] : 0xff;
}

/* The BARs' addresses as the guest has programmed them. */
static void pci_update_bars(struct pci_function *fn)
{
	unsigned int i;

	for (i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &fn->bar[i];
		u64 v = bus_get(fn->cfg + PCI_BAR0 + 4 * i, 4);

		if (b->type == PCI_BAR_NONE || !b->handler)
			continue;
		if (b->type == PCI_BAR_MEM64)
			v |= bus_get(fn->cfg + PCI_BAR0 + 4 * i + 4, 4) << 32;
		b->addr = v & (b->type == PCI_BAR_IO ? ~3ULL : ~15ULL);
	}
}

void pci_config_write(struct pci_function *fn, u32 offset, const u8 *data,
		      u32 len)
{
	u32 i, o;

	for (i = 0; i < len && offset + i < PCI_CFG_SIZE; i++) {
		o = offset + i;
		fn->cfg[o] = (fn->cfg[o] & ~fn->wmask[o]) |
			     (data[i] & fn->wmask[o]);
	}
	if (offset < PCI_BAR0 + 4 * PCI_NR_BARS && offset + len > PCI_BAR0)
		pci_update_bars(fn);
}

static bool touches_msix_ctrl(const struct pci_function *fn, u32 off, u32 len)
{
	return fn->msix && off <= fn->msix->cap + 3U && off + len > fn->msix->cap + 2U;
}

/* One config access from either mechanism, for bus 0 device dev. */
static void pci_config_access(struct pci_bus *bus, unsigned int dev,
			      unsigned int func, u32 off, u8 *data, u32 len,
			      bool is_write)
{
	struct pci_function *fn = dev < PCI_MAX_DEVICES ? bus->dev[dev] : NULL;
	bool changed = false;

	if (!fn || func) {
		if (!is_write)
			bus_put(data, len, ~0ULL);
		return;
	}
	pthread_mutex_lock(&bus->lock);
	if (is_write) {
		pci_config_write(fn, off, data, len);
		changed = touches_msix_ctrl(fn, off, len);
	} else {
		pci_config_read(fn, off, data, len);
	}
	pthread_mutex_unlock(&bus->lock);
	if (changed)
		msix_changed(fn);
}

static void pci_cf8_io(void *opaque, u64 offset, u8 *data, u32 len,
		       bool is_write)
{
	struct pci_bus *bus = opaque;
	u32 addr;

	if (offset < 4) {
		if (offset == 1 && len == 1 && is_write) {
			if (data[0] & CF9_RST_CPU)
				vmm_request_exit(bus->vmm, HYV_RUN_EXIT_RESET);
			return;
		}
		if (offset != 0 || len != 4) {
			if (!is_write)
				bus_put(data, len, ~0ULL);
			return;
		}
		pthread_mutex_lock(&bus->lock);
		if (is_write)
			bus->config_address = bus_get(data, 4) & 0x80fffffc;
		else
			bus_put(data, 4, bus->config_address);
		pthread_mutex_unlock(&bus->lock);
		return;
	}
	pthread_mutex_lock(&bus->lock);
	addr = bus->config_address;
	pthread_mutex_unlock(&bus->lock);
	if (!(addr & CF8_ENABLE) || (addr >> 16 & 0xff) || offset - 4 + len > 4) {
		if (!is_write)
			bus_put(data, len, ~0ULL);
		return;
	}
	pci_config_access(bus, addr >> 11 & 0x1f, addr >> 8 & 7,
			  (addr & 0xfc) + offset - 4, data, len, is_write);
}

static void pci_ecam_io(void *opaque, u64 offset, u8 *data, u32 len,
			bool is_write)
{
	struct pci_bus *bus = opaque;
	u32 reg = offset & 0xfff;

	if ((offset >> 20) || reg + len > PCI_CFG_SIZE || (reg & (len - 1))) {
		if (!is_write)
			bus_put(data, len, ~0ULL);
		return;
	}
	pci_config_access(bus, offset >> 15 & 0x1f, offset >> 12 & 7, reg, data,
			  len, is_write);
}

/* ---- BAR windows ----------------------------------------------------- */

static void pci_window_access(struct pci_bus *bus, bool io, u64 addr, u8 *data,
			      u32 len, bool is_write)
{
	u16 decode = io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	struct pci_function *fn;
	struct pci_bar *b;
	unsigned int d, i;
	bool changed = false, bar_io;

	pthread_mutex_lock(&bus->lock);
	for (d = 0; d < PCI_MAX_DEVICES; d++) {
		fn = bus->dev[d];
		if (!fn || !(fn->cfg[PCI_COMMAND] & decode))
			continue;
		for (i = 0; i < PCI_NR_BARS; i++) {
			b = &fn->bar[i];
			bar_io = b->type == PCI_BAR_IO;
			if (!b->handler || bar_io != io ||
			    addr < b->addr || addr - b->addr >= b->size ||
			    len > b->size - (addr - b->addr))
				continue;
			if (fn->msix && fn->msix->bar == i &&
			    msix_access(fn, addr - b->addr, data, len, is_write,
					&changed)) {
				pthread_mutex_unlock(&bus->lock);
				if (changed)
					msix_changed(fn);
				return;
			}
			pthread_mutex_unlock(&bus->lock);
			b->handler(b->opaque, addr - b->addr, data, len, is_write);
			return;
		}
	}
	pthread_mutex_unlock(&bus->lock);
	if (!is_write)
		bus_put(data, len, ~0ULL);
}

static void pci_mmio32_io(void *opaque, u64 offset, u8 *data, u32 len, bool w)
{
	pci_window_access(opaque, false, HYV_LAYOUT_PCI_MMIO32 + offset, data, len, w);
}

static void pci_mmio64_io(void *opaque, u64 offset, u8 *data, u32 len, bool w)
{
	pci_window_access(opaque, false, HYV_LAYOUT_PCI_MMIO64 + offset, data, len, w);
}

static void pci_port_io(void *opaque, u64 offset, u8 *data, u32 len, bool w)
{
	pci_window_access(opaque, true, HYV_PORT_PCI_IO + offset, data, len, w);
}

/* ---- the bus --------------------------------------------------------- */

static int pci_place_bars(struct pci_bus *bus, struct pci_function *fn)
{
	unsigned int i;
	u64 *next, end;

	for (i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &fn->bar[i];
		u32 off = PCI_BAR0 + 4 * i;
		u64 a;

		if (!b->handler)
			continue;
		if (b->type == PCI_BAR_IO) {
			a = ALIGN_UP(bus->next_io, b->size);
			if (a + b->size > HYV_PORT_PCI_IO + HYV_PORT_PCI_IO_SIZE)
				return -ENOSPC;
			bus->next_io = a + b->size;
		} else {
			next = b->type == PCI_BAR_MEM64 ? &bus->next_mmio64 :
							  &bus->next_mmio32;
			end = b->type == PCI_BAR_MEM64 ?
			      HYV_LAYOUT_PCI_MMIO64 + HYV_LAYOUT_PCI_MMIO64_SIZE :
			      HYV_LAYOUT_PCI_MMIO32 + HYV_LAYOUT_PCI_MMIO32_SIZE;
			a = ALIGN_UP(*next, b->size);
			if (a + b->size > end)
				return -ENOSPC;
			*next = a + b->size;
		}
		cfg_put(fn, off, 4, (fn->cfg[off] & 0xf) | (a & 0xfffffff0));
		if (b->type == PCI_BAR_MEM64)
			cfg_put(fn, off + 4, 4, a >> 32);
		b->addr = a;
		fn->cfg[PCI_COMMAND] |= b->type == PCI_BAR_IO ? PCI_COMMAND_IO :
								PCI_COMMAND_MEMORY;
	}
	return 0;
}

int pci_register(struct pci_bus *bus, struct pci_function *fn)
{
	unsigned int d;
	int err;

	pthread_mutex_lock(&bus->lock);
	for (d = 0; d < PCI_MAX_DEVICES && bus->dev[d]; d++)
		;
	err = d < PCI_MAX_DEVICES ? pci_place_bars(bus, fn) : -ENOSPC;
	if (!err) {
		fn->bus = bus;
		fn->devfn = d << 3;
		bus->dev[d] = fn;
	}
	pthread_mutex_unlock(&bus->lock);
	if (!err)
		hyv_info("PCI 00:%02x.0: %s", d, fn->name);
	return err;
}

struct pci_bus *pci_create(struct vmm *vmm)
{
	struct pci_bus *bus = calloc(1, sizeof(*bus));
	struct pci_function *host;

	if (!bus)
		return NULL;
	bus->vmm = vmm;
	pthread_mutex_init(&bus->lock, NULL);
	bus->next_mmio32 = HYV_LAYOUT_PCI_MMIO32;
	bus->next_mmio64 = HYV_LAYOUT_PCI_MMIO64;
	bus->next_io = HYV_PORT_PCI_IO;
	host = pci_function_new("host bridge", HOST_BRIDGE_VENDOR,
				HOST_BRIDGE_DEVICE, CLASS_HOST_BRIDGE);
	if (!host || pci_register(bus, host))
		goto fail;
	if (bus_register(&vmm->pio, HYV_PORT_PCI_ADDR, 8, pci_cf8_io, bus, "pci-cf8") ||
	    bus_register(&vmm->mmio, HYV_LAYOUT_ECAM, HYV_LAYOUT_ECAM_SIZE,
			 pci_ecam_io, bus, "pci-ecam") ||
	    bus_register(&vmm->mmio, HYV_LAYOUT_PCI_MMIO32,
			 HYV_LAYOUT_PCI_MMIO32_SIZE, pci_mmio32_io, bus, "pci-mmio32") ||
	    bus_register(&vmm->mmio, HYV_LAYOUT_PCI_MMIO64,
			 HYV_LAYOUT_PCI_MMIO64_SIZE, pci_mmio64_io, bus, "pci-mmio64") ||
	    bus_register(&vmm->pio, HYV_PORT_PCI_IO, HYV_PORT_PCI_IO_SIZE,
			 pci_port_io, bus, "pci-io"))
		goto fail;
	return bus;
fail:
	free(host);
	free(bus);
	return NULL;
}

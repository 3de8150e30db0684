// SPDX-License-Identifier: GPL-2.0
/*
 * An 82093AA-style IOAPIC at HYV_LAYOUT_IOAPIC, 24 pins, emulated in
 * hyv-run rather than in hyv.ko. Its only users are the legacy ISA
 * devices (the 8250 on IRQ 4), which are edge-triggered and slow; PV
 * devices use MSI-X. So a pin's rising edge becomes an MSI built from its
 * redirection entry and goes to hyv.ko's local APICs with
 * HYV_SIGNAL_MSI: no kernel code, and nothing in hyv.ko has to know about
 * pins. The cost of that choice: level-triggered pins would need the
 * local APIC's EOI to reach us (remote IRR), which hyv.ko does not
 * report, so every pin is treated as edge-triggered; an edge on a masked
 * pin is remembered and delivered when the guest unmasks it.
 * Registers: IOREGSEL at 0x00, IOWIN at 0x10 (82093AA datasheet §3.1).
 */
#include <pthread.h>
#include <stdlib.h>

#include <hyv/layout.h>
#include "ioapic.h"

#define IOREGSEL		0x00
#define IOWIN			0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_RTE		0x10	/* two registers per pin */
#define IOAPIC_VERSION		0x20	/* with EOI register; max entry in 23:16 */

#define RTE_MASKED		BIT_ULL(16)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_RO_BITS		(RTE_REMOTE_IRR | RTE_DELIVERY_STATUS)

struct ioapic {
	struct vmm *vmm;
	pthread_mutex_t lock;
	u32 id;
	u32 regsel;
	u64 rte[HYV_IOAPIC_PINS];
	u32 level;		/* current line levels, bit per pin */
	u32 pending;		/* edges seen while masked */
};

/* Deliver pin's interrupt as the MSI its redirection entry describes. */
static void ioapic_deliver(struct ioapic *io, unsigned int pin)
{
	u64 rte = io->rte[pin];
	u32 vector = rte & 0xff, mode = (rte >> 8) & 7;
	u64 address = HYV_LAYOUT_LAPIC | (rte >> 56) << 12 |
		      ((rte & RTE_DEST_LOGICAL) ? 1 << 2 : 0);

	if (mode == 0 && vector < 16)
		return;		/* an illegal vector: the guest's mistake */
	vmm_signal_msi(io->vmm, address, vector | mode << 8);
}

void ioapic_set_irq(struct ioapic *io, unsigned int pin, bool level)
{
	bool deliver = false;

	if (pin >= HYV_IOAPIC_PINS)
		return;
	pthread_mutex_lock(&io->lock);
	if (level && !(io->level & 1U << pin)) {
		if (io->rte[pin] & RTE_MASKED)
			io->pending |= 1U << pin;
		else
			deliver = true;
	}
	if (level)
		io->level |= 1U << pin;
	else
		io->level &= ~(1U << pin);
	if (deliver)
		ioapic_deliver(io, pin);
	pthread_mutex_unlock(&io->lock);
}

static u32 ioapic_read_reg(struct ioapic *io)
{
	u32 reg = io->regsel;

	switch (reg) {
	case IOAPIC_REG_ID:
		return io->id << 24;
	case IOAPIC_REG_VERSION:
		return (HYV_IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	case IOAPIC_REG_ARB:
		return io->id << 24;
	}
	if (reg >= IOAPIC_REG_RTE && reg < IOAPIC_REG_RTE + 2 * HYV_IOAPIC_PINS) {
		u64 rte = io->rte[(reg - IOAPIC_REG_RTE) / 2];

		return reg & 1 ? rte >> 32 : (u32)rte;
	}
	return 0xffffffff;
}

static void ioapic_write_reg(struct ioapic *io, u32 val)
{
	u32 reg = io->regsel;
	unsigned int pin;
	u64 rte;

	if (reg == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < IOAPIC_REG_RTE || reg >= IOAPIC_REG_RTE + 2 * HYV_IOAPIC_PINS)
		return;
	pin = (reg - IOAPIC_REG_RTE) / 2;
	rte = io->rte[pin];
	if (reg & 1)
		rte = (rte & 0xffffffffULL) | (u64)val << 32;
	else
		rte = (rte & (0xffffffff00000000ULL | RTE_RO_BITS)) |
		      (val & ~(u32)RTE_RO_BITS);
	io->rte[pin] = rte;
	if (!(rte & RTE_MASKED) && (io->pending & 1U << pin)) {
		io->pending &= ~(1U << pin);
		ioapic_deliver(io, pin);
	}
}

static void ioapic_mmio(void *opaque, u64 offset, u8 *data, u32 len,
			bool is_write)
{
	struct ioapic *io = opaque;

	/* 32-bit registers; other sizes read all-ones and write nothing. */
	if (len != 4 || (offset != IOREGSEL && offset != IOWIN)) {
		if (!is_write)
			bus_put(data, len, ~0ULL);
		return;
	}
	pthread_mutex_lock(&io->lock);
	if (offset == IOREGSEL) {
		if (is_write)
			io->regsel = bus_get(data, 4) & 0xff;
		else
			bus_put(data, 4, io->regsel);
	} else if (is_write) {
		ioapic_write_reg(io, bus_get(data, 4));
	} else {
		bus_put(data, 4, ioapic_read_reg(io));
	}
	pthread_mutex_unlock(&io->lock);
}

struct ioapic *ioapic_create(struct vmm *vmm)
{
	struct ioapic *io = calloc(1, sizeof(*io));
	unsigned int i;

	if (!io)
		return NULL;
	io->vmm = vmm;
	pthread_mutex_init(&io->lock, NULL);
	for (i = 0; i < HYV_IOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;
	if (bus_register(&vmm->mmio, HYV_LAYOUT_IOAPIC, HYV_LAYOUT_IOAPIC_SIZE,
			 ioapic_mmio, io, "ioapic")) {
		free(io);
		return NULL;
	}
	return io;
}

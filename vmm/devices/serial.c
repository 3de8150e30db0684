// SPDX-License-Identifier: GPL-2.0
/*
 * An 8250/16550A UART (the PC's COM1 at 0x3f8, IRQ 4): what Linux's 8250
 * driver needs for an interrupt-driven ttyS0 with working input. Output
 * is written at once, so the transmitter is always empty (LSR.THRE and
 * TEMT stay set); the receive FIFO holds what the main thread feeds in
 * from the user. The interrupt line follows IIR (pending and MCR.OUT2,
 * which gates it on a PC) and each rising edge goes to the IOAPIC.
 * Register semantics: National PC16550D datasheet, "Registers".
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "serial.h"

#define UART_RX		0	/* DLAB 0, read */
#define UART_TX		0	/* DLAB 0, write */
#define UART_DLL	0	/* DLAB 1 */
#define UART_IER	1	/* DLAB 0 */
#define UART_DLM	1	/* DLAB 1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		0x01	/* receive data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */
#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO_ON	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define RX_FIFO_SIZE	256	/* bigger than a 16550's 16: pasted text fits */

struct serial {
	struct vmm *vmm;
	pthread_mutex_t lock;
	unsigned int irq;
	int out_fd;
	bool line;		/* interrupt line level as last signalled */
	bool thri_pending;	/* THR-empty interrupt not yet acknowledged */
	u8 ier, fcr, lcr, mcr, msr, scr, dll, dlm;
	u8 rx[RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
};

static u8 serial_iir(const struct serial *s)
{
	u8 fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0;

	if ((s->ier & IER_RDI) && s->rx_count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thri_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* Recompute the interrupt line; signal a rising edge. Lock held. */
static void serial_update_irq(struct serial *s)
{
	bool line = !(serial_iir(s) & IIR_NO_INT) && (s->mcr & MCR_OUT2);

	if (line != s->line) {
		s->line = line;
		vmm_set_irq(s->vmm, s->irq, line);
	}
}

static void serial_rx_push(struct serial *s, u8 c)
{
	if (s->rx_count == RX_FIFO_SIZE)
		return;
	s->rx[(s->rx_head + s->rx_count) % RX_FIFO_SIZE] = c;
	s->rx_count++;
}

static u8 serial_rx_pop(struct serial *s)
{
	u8 c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % RX_FIFO_SIZE;
	s->rx_count--;
	return c;
}

static void serial_tx(struct serial *s, u8 c)
{
	if (s->mcr & MCR_LOOP) {
		serial_rx_push(s, c);
	} else if (s->out_fd >= 0) {
		ssize_t n;

		do {
			n = write(s->out_fd, &c, 1);
		} while (n < 0 && errno == EINTR);
	}
	/* Sent at once: the holding register is empty again. */
	s->thri_pending = true;
}

static u8 serial_msr(const struct serial *s)
{
	u8 m = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	/* Loopback: the modem outputs come back as inputs. */
	if (s->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (s->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (s->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (s->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return m;
}

static u8 serial_read(struct serial *s, u64 reg)
{
	u8 v;

	switch (reg) {
	case UART_RX:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		return serial_rx_pop(s);
	case UART_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case UART_IIR:
		v = serial_iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt it reports. */
		if ((v & 0x0f) == IIR_THRI)
			s->thri_pending = false;
		return v;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case UART_MSR:
		return serial_msr(s);
	default:
		return s->scr;
	}
}

static void serial_write(struct serial *s, u64 reg, u8 v)
{
	switch (reg) {
	case UART_TX:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			serial_tx(s, v);
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with the transmitter empty raises it (16550). */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thri_pending = true;
		s->ier = v & 0x0f;
		break;
	case UART_FCR:
		s->fcr = v & 0xc9;
		if (v & FCR_CLEAR_RX)
			s->rx_count = 0;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:
		break;	/* LSR and MSR are read-only */
	}
}

static void serial_io(void *opaque, u64 offset, u8 *data, u32 len,
		      bool is_write)
{
	struct serial *s = opaque;
	u32 i;

	pthread_mutex_lock(&s->lock);
	/* A wider access is that many byte accesses to successive registers. */
	for (i = 0; i < len && offset + i < 8; i++) {
		if (is_write)
			serial_write(s, offset + i, data[i]);
		else
			data[i] = serial_read(s, offset + i);
	}
	for (; i < len; i++)
		if (!is_write)
			data[i] = 0xff;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

size_t serial_input_room(struct serial *s)
{
	size_t room;

	pthread_mutex_lock(&s->lock);
	room = RX_FIFO_SIZE - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return room;
}

size_t serial_input(struct serial *s, const u8 *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len && s->rx_count < RX_FIFO_SIZE; i++)
		serial_rx_push(s, buf[i]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return i;
}

struct serial *serial_create(struct vmm *vmm, u16 base, unsigned int irq,
			     int out_fd)
{
	struct serial *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->vmm = vmm;
	s->irq = irq;
	s->out_fd = out_fd;
	s->lcr = 0x03;		/* 8N1 */
	s->dll = 0x0c;		/* 9600 baud */
	pthread_mutex_init(&s->lock, NULL);
	if (bus_register(&vmm->pio, base, 8, serial_io, s, "serial")) {
		free(s);
		return NULL;
	}
	return s;
}

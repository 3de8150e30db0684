/* SPDX-License-Identifier: GPL-2.0 */
/* The 8250/16550A UART of hyv-run (devices/serial.c). */
#ifndef HYV_RUN_SERIAL_H
#define HYV_RUN_SERIAL_H

#include "../vmm.h"

/* A UART at port base on interrupt line irq; output to out_fd (-1: dropped). */
struct serial *serial_create(struct vmm *vmm, u16 base, unsigned int irq,
			     int out_fd);
/* Queue bytes the user typed; returns how many fitted (the rest: later). */
size_t serial_input(struct serial *s, const u8 *buf, size_t len);
/* Room for input now. */
size_t serial_input_room(struct serial *s);

#endif /* HYV_RUN_SERIAL_H */

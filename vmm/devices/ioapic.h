/* SPDX-License-Identifier: GPL-2.0 */
/* The IOAPIC of hyv-run, in userspace (devices/ioapic.c). */
#ifndef HYV_RUN_IOAPIC_H
#define HYV_RUN_IOAPIC_H

#include "../vmm.h"

struct ioapic *ioapic_create(struct vmm *vmm);
/* A device's interrupt line on pin gsi is now at level. */
void ioapic_set_irq(struct ioapic *io, unsigned int gsi, bool level);

#endif /* HYV_RUN_IOAPIC_H */

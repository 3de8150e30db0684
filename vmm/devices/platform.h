/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The small fixed devices of hyv-run's PC: the CMOS real-time clock
 * (rtc.c), the i8042's reset line (i8042.c), the HW-reduced ACPI
 * sleep and reset registers (pm.c) and a PIT that does not count
 * (pit.c). Each registers its ports; 0 or -errno.
 */
#ifndef HYV_RUN_PLATFORM_H
#define HYV_RUN_PLATFORM_H

#include "../vmm.h"

int rtc_create(struct vmm *vmm);
int i8042_create(struct vmm *vmm);
int pm_create(struct vmm *vmm);
int pit_create(struct vmm *vmm);

/* The \_S5 sleep type (DSDT) that pm.c takes for "power off". */
#define HYV_ACPI_SLP_TYP_S5	5
/* FADT RESET_VALUE for the reset register. */
#define HYV_ACPI_RESET_VALUE	0x01

#endif /* HYV_RUN_PLATFORM_H */

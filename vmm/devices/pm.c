// SPDX-License-Identifier: GPL-2.0
/*
 * The power management of a HW-reduced ACPI platform (ACPI 6.4 §4.8.3.7,
 * "Sleep Control and Status Registers"): the FADT points the guest at a
 * sleep control register, where writing SLP_EN with the \_S5 sleep type
 * powers off, a sleep status register, and a reset register. hyv-run
 * ends with HYV_RUN_EXIT_POWEROFF or HYV_RUN_EXIT_RESET.
 */
#include <hyv/layout.h>
#include "platform.h"

#define SLP_EN			BIT(5)
#define SLP_TYP(v)		(((v) >> 2) & 7)

static void pm_io(void *opaque, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct vmm *vmm = opaque;
	u64 port = HYV_PORT_ACPI_PM + offset;

	if (!is_write) {
		bus_put(data, len, 0);	/* status: never woken */
		return;
	}
	if (len != 1)
		return;
	if (port == HYV_PORT_ACPI_SLEEP_CTL && (data[0] & SLP_EN)) {
		if (SLP_TYP(data[0]) == HYV_ACPI_SLP_TYP_S5) {
			hyv_info("guest powered off (ACPI S5)");
			vmm_request_exit(vmm, HYV_RUN_EXIT_POWEROFF);
		} else {
			hyv_info("sleep type %u ignored", SLP_TYP(data[0]));
		}
	} else if (port == HYV_PORT_ACPI_RESET &&
		   data[0] == HYV_ACPI_RESET_VALUE) {
		hyv_info("guest reset (ACPI reset register)");
		vmm_request_exit(vmm, HYV_RUN_EXIT_RESET);
	}
}

int pm_create(struct vmm *vmm)
{
	return bus_register(&vmm->pio, HYV_PORT_ACPI_PM, HYV_PORT_ACPI_PM_SIZE,
			    pm_io, vmm, "acpi-pm");
}

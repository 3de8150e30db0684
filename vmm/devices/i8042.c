// SPDX-License-Identifier: GPL-2.0
/*
 * What is left of the PC keyboard controller: its status port reads
 * "input buffer empty" and the command 0xfe pulses the CPU reset line,
 * which Linux's "reboot=k" (and its fallback after ACPI) uses. There is
 * no keyboard; the FADT says so, and Linux does not probe for one.
 */
#include <hyv/layout.h>
#include "platform.h"

#define I8042_CMD_RESET		0xfe

static void i8042_io(void *opaque, u64 offset, u8 *data, u32 len,
		     bool is_write)
{
	struct vmm *vmm = opaque;

	if (!is_write) {
		bus_put(data, len, 0);	/* no data, input buffer empty */
		return;
	}
	if (offset == HYV_PORT_I8042_CMD - HYV_PORT_I8042_DATA &&
	    data[0] == I8042_CMD_RESET) {
		hyv_info("guest reset through the i8042");
		vmm_request_exit(vmm, HYV_RUN_EXIT_RESET);
	}
}

int i8042_create(struct vmm *vmm)
{
	return bus_register(&vmm->pio, HYV_PORT_I8042_DATA,
			    HYV_PORT_I8042_CMD - HYV_PORT_I8042_DATA + 1,
			    i8042_io, vmm, "i8042");
}

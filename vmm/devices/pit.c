// SPDX-License-Identifier: GPL-2.0
/*
 * A PIT (i8254) that is present but never counts: its ports take writes
 * and its counters read 0. hyv-run's guests keep time with the TSC and
 * the local APIC's TSC-deadline timer (docs/hyv-run.md, "Time"); this
 * stub exists for one early loop of Linux: quick_pit_calibrate() runs
 * before Linux has found that there is no PIC, and reads the channel 2
 * counter until its high byte leaves 0xff, up to 100,000 reads. Reading
 * all-ones (an unclaimed port) that was 100,000 exits per boot; reading
 * 0 ends the loop at the first read ("Fast TSC calibration failed", and
 * the TSC frequency comes from tsc_early_khz=).
 */
#include <hyv/layout.h>
#include "platform.h"

static void pit_io(void *opaque, u64 offset, u8 *data, u32 len, bool is_write)
{
	(void)opaque;
	(void)offset;
	if (!is_write)
		bus_put(data, len, 0);
}

int pit_create(struct vmm *vmm)
{
	return bus_register(&vmm->pio, HYV_PORT_PIT, HYV_PORT_PIT_SIZE, pit_io,
			    NULL, "pit");
}

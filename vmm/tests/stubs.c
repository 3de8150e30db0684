// SPDX-License-Identifier: GPL-2.0
/*
 * What the unit tests link instead of vm.c: MSIs and exit requests are
 * recorded for the tests to look at, not sent to /dev/hyv.
 */
#include "../vmm.h"
#include "stubs.h"

struct stub_msi stub_msis[STUB_MAX_MSIS];
unsigned int stub_nr_msis;
int stub_exit_status = -1;

void vmm_signal_msi(struct vmm *vmm, u64 address, u32 data)
{
	(void)vmm;
	if (stub_nr_msis < STUB_MAX_MSIS)
		stub_msis[stub_nr_msis] = (struct stub_msi){ address, data };
	stub_nr_msis++;
}

void vmm_request_exit(struct vmm *vmm, int status)
{
	(void)vmm;
	if (stub_exit_status < 0)
		stub_exit_status = status;
}

void vmm_set_irq(struct vmm *vmm, unsigned int gsi, bool level)
{
	(void)vmm;
	(void)gsi;
	(void)level;
}

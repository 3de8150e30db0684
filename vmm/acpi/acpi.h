/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv-run's ACPI tables (acpi.c): a HW-reduced ACPI platform as
 * Firecracker and cloud-hypervisor give, at HYV_LAYOUT_ACPI.
 */
#ifndef HYV_RUN_ACPI_H
#define HYV_RUN_ACPI_H

#include "../mem.h"

/* Where each table went, for the tests and the log. */
struct acpi_tables {
	u64 rsdp, xsdt, fadt, madt, mcfg, dsdt;
	u64 end;			/* first byte after the last table */
};

/*
 * Build RSDP, XSDT, FADT, MADT (one local APIC per vCPU, the IOAPIC, the
 * ISA overrides), MCFG and DSDT (\_S5, the PCI root bridge) in guest
 * memory. 0, or -ENOSPC if they do not fit.
 */
int acpi_build(struct guest_mem *mem, unsigned int nr_cpus,
	       struct acpi_tables *out);

/* The 8-bit sum of len bytes: 0 for a valid table. */
u8 acpi_checksum(const void *p, size_t len);

#endif /* HYV_RUN_ACPI_H */

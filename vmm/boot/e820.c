// SPDX-License-Identifier: GPL-2.0
/*
 * The e820 memory map handed to Linux in boot_params: RAM below 640 KiB,
 * the legacy hole with the ACPI tables (reserved), RAM from 1 MiB to the
 * 32-bit hole, the PCI ECAM (reserved: Linux only trusts an MMCONFIG
 * area that the map reserves), and the RAM above 4 GiB.
 */
#include <hyv/layout.h>
#include "boot.h"

static void add(struct boot_e820_entry *t, unsigned int *n, unsigned int max,
		u64 addr, u64 size, u32 type)
{
	if (!size || *n >= max)
		return;
	t[*n].addr = addr;
	t[*n].size = size;
	t[*n].type = type;
	(*n)++;
}

unsigned int e820_build(const struct guest_mem *mem,
			struct boot_e820_entry *t, unsigned int max)
{
	unsigned int n = 0;

	add(t, &n, max, 0, HYV_LAYOUT_LOW_RAM_END, HYV_E820_RAM);
	add(t, &n, max, HYV_LAYOUT_LOW_RAM_END,
	    HYV_LAYOUT_HIGH_RAM - HYV_LAYOUT_LOW_RAM_END, HYV_E820_RESERVED);
	add(t, &n, max, HYV_LAYOUT_HIGH_RAM, mem->low - HYV_LAYOUT_HIGH_RAM,
	    HYV_E820_RAM);
	add(t, &n, max, HYV_LAYOUT_ECAM, HYV_LAYOUT_ECAM_SIZE,
	    HYV_E820_RESERVED);
	add(t, &n, max, HYV_LAYOUT_4G, mem->high, HYV_E820_RAM);
	return n;
}

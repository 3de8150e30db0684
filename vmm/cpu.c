// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID fields that name the vCPU, written into the table a VMM hands the
 * kernel for each vCPU (Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 E.4):
 * the initial APIC ID of leaf 1, the x2APIC ID of leaves 0xB and 0x1F,
 * AMD's extended APIC ID of leaf 0x8000001E.
 */
#include "accel.h"

void cpuid_set_apic_id(u32 function, u32 *eax, u32 *ebx, u32 *edx,
		       unsigned int id)
{
	switch (function) {
	case 1:
		*ebx = (*ebx & 0x00ffffff) | id << 24;
		break;
	case 0xb:
	case 0x1f:
		*edx = id;
		break;
	case 0x8000001e:
		*eax = id;
		break;
	}
}

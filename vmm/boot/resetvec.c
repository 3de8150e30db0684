// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's reset vector, F000:FFF0, in the e820-reserved legacy area:
 * nine bytes of real-mode code that reset the VM through port 0xCF9.
 * hyv-run has no BIOS, but Linux may still jump to one: on a HW-reduced
 * ACPI platform its default reboot order is EFI, then BIOS
 * (reboot_init(): efi_reboot_required() is true when the FADT says
 * HW_REDUCED_ACPI), and machine_real_restart() ends in a far jump to
 * F000:FFF0. Without this stub that ran into zeroed memory forever.
 */
#include <string.h>

#include <hyv/layout.h>
#include "boot.h"

void resetvec_build(struct guest_mem *mem)
{
	static const u8 code[] = {
		0xba, 0xf9, 0x0c,	/* mov $0xcf9, %dx */
		0xb0, 0x06,		/* mov $0x06, %al: RST_CPU | SYS_RST */
		0xee,			/* out %al, (%dx) */
		0xf4,			/* 1: hlt */
		0xeb, 0xfd,		/* jmp 1b */
	};
	u8 *p = guest_mem_ptr(mem, HYV_LAYOUT_RESET_VECTOR, sizeof(code));

	if (p)
		memcpy(p, code, sizeof(code));
}

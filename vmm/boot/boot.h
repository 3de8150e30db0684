/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Booting Linux: the bzImage loader (bzimage.c), the e820 map (e820.c)
 * and the long-mode entry state (longmode.c). All pure logic over guest
 * memory, so the unit tests run them without /dev/hyv.
 */
#ifndef HYV_RUN_BOOT_H
#define HYV_RUN_BOOT_H

#include <asm/bootparam.h>
#include <linux/hyv.h>

#include "../mem.h"

/* e820 entry types (ACPI spec, "Address Range Types"). */
#define HYV_E820_RAM		1
#define HYV_E820_RESERVED	2

/* What bzimage_parse() learned from a kernel file. */
struct bzimage {
	const u8 *file;
	size_t file_size;
	struct setup_header hdr;	/* as in the file */
	size_t setup_size;		/* real-mode part: (setup_sects + 1) * 512 */
	size_t header_end;		/* file offset where the header ends */
	const u8 *payload;		/* the protected-mode kernel */
	size_t payload_size;
	u64 load_addr;			/* where it goes: pref_address */
	u64 init_size;			/* bytes it needs there to decompress */
};

/* Where bzimage_load() put things, for the vCPU's entry state. */
struct boot_info {
	u64 entry;			/* 64-bit entry: load_addr + 0x200 */
	u64 zero_page;			/* RSI */
	u64 initrd_addr, initrd_size;
	u64 kernel_end;			/* load_addr + init_size */
};

/*
 * Check a bzImage: boot sector signature, "HdrS", protocol 2.12 or later
 * with a 64-bit entry point, sizes inside the file. 0, or -EINVAL with a
 * one-line reason in *why.
 */
int bzimage_parse(struct bzimage *bz, const u8 *file, size_t size,
		  const char **why);

/* The least RAM (bytes) that holds this kernel and an initrd of that size. */
u64 bzimage_min_mem(const struct bzimage *bz, size_t initrd_size);

/*
 * Load a parsed kernel, the initrd (may be NULL) and the command line
 * into guest memory, and fill the zero page (boot_params with the e820
 * map and the RSDP address). 0, or -ENOSPC / -EINVAL with *why.
 */
int bzimage_load(const struct bzimage *bz, struct guest_mem *mem,
		 const u8 *initrd, size_t initrd_size, const char *cmdline,
		 u64 rsdp, struct boot_info *info, const char **why);

/* The e820 map of a guest of this much memory; returns the entry count. */
unsigned int e820_build(const struct guest_mem *mem,
			struct boot_e820_entry *table, unsigned int max);

/*
 * Identity page tables for the first 4 GiB and the boot GDT in guest
 * memory; then the BSP's registers for the Linux 64-bit entry.
 */
void longmode_build_tables(struct guest_mem *mem);
/* F000:FFF0: real-mode code that resets the VM (port 0xCF9). */
void resetvec_build(struct guest_mem *mem);
void longmode_boot_sregs(struct hyv_sregs *sregs);
void longmode_boot_regs(struct hyv_regs *regs, const struct boot_info *info);

#endif /* HYV_RUN_BOOT_H */

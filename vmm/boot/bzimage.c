// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 Linux boot protocol (Documentation/x86/boot.rst), 64-bit entry:
 * check a bzImage's setup header, copy its protected-mode part to its
 * preferred address, place the initrd at the top of RAM below 4 GiB and
 * the command line at HYV_LAYOUT_CMDLINE, and fill the zero page. Every
 * size and offset comes from an untrusted file and is checked before use.
 */
#include <errno.h>
#include <string.h>

#include <hyv/layout.h>
#include "boot.h"

#define BOOT_FLAG		0xaa55
#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define MIN_PROTOCOL		0x020c		/* 2.12: xloadflags */
#define SETUP_HEADER_OFFSET	0x1f1
#define ENTRY_64_OFFSET		0x200		/* startup_64 from load address */
#define LOADER_TYPE_UNDEFINED	0xff		/* boot.rst: no assigned id */

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

int bzimage_parse(struct bzimage *bz, const u8 *file, size_t size,
		  const char **why)
{
	const struct setup_header *h;
	size_t sects;

	memset(bz, 0, sizeof(*bz));
	if (size < SETUP_HEADER_OFFSET + sizeof(*h))
		return fail(why, "too small to be a bzImage");
	h = (const void *)(file + SETUP_HEADER_OFFSET);
	memcpy(&bz->hdr, h, sizeof(bz->hdr));
	h = &bz->hdr;
	if (h->boot_flag != BOOT_FLAG)
		return fail(why, "no boot sector signature (0xaa55): not a bzImage");
	if (h->header != HDRS_MAGIC)
		return fail(why, "no \"HdrS\" setup header: not a bzImage");
	if (h->version < MIN_PROTOCOL)
		return fail(why, "boot protocol older than 2.12");
	if (!(h->xloadflags & XLF_KERNEL_64))
		return fail(why, "no 64-bit entry point (XLF_KERNEL_64)");
	if (!(h->loadflags & LOADED_HIGH))
		return fail(why, "not a bzImage (zImage loaded low)");

	/* The header's own length: the jump at 0x200 skips over it. */
	bz->header_end = 0x202 + (h->jump >> 8);
	if (bz->header_end > SETUP_HEADER_OFFSET + sizeof(*h))
		bz->header_end = SETUP_HEADER_OFFSET + sizeof(*h);

	sects = h->setup_sects ? h->setup_sects : 4;
	bz->setup_size = (sects + 1) * 512;
	if (bz->setup_size >= size)
		return fail(why, "setup sectors reach past the end of the file");
	bz->payload = file + bz->setup_size;
	bz->payload_size = size - bz->setup_size;
	/* syssize counts 16-byte paragraphs of the protected-mode part. */
	if ((u64)h->syssize * 16 > bz->payload_size)
		return fail(why, "truncated: shorter than its header says");

	bz->load_addr = h->pref_address;
	if (!h->relocatable_kernel || bz->load_addr < HYV_LAYOUT_HIGH_RAM)
		bz->load_addr = MAX(bz->load_addr, (u64)HYV_LAYOUT_HIGH_RAM);
	if (h->kernel_alignment && (h->kernel_alignment & (h->kernel_alignment - 1)))
		return fail(why, "kernel_alignment is not a power of two");
	if (h->kernel_alignment)
		bz->load_addr = ALIGN_UP(bz->load_addr, h->kernel_alignment);
	bz->init_size = MAX((u64)h->init_size, (u64)bz->payload_size);
	if (bz->load_addr >= HYV_LAYOUT_HOLE)
		return fail(why, "preferred load address above 3 GiB");
	bz->file = file;
	bz->file_size = size;
	return 0;
}

u64 bzimage_min_mem(const struct bzimage *bz, size_t initrd_size)
{
	/* The kernel decompresses in place; the initrd goes above it. */
	return ALIGN_UP(bz->load_addr + bz->init_size + ALIGN_UP(initrd_size, SZ_4K),
			SZ_2M);
}

/* The initrd's place: page aligned, at the top of RAM below 4 GiB. */
static int place_initrd(const struct bzimage *bz, const struct guest_mem *mem,
			size_t initrd_size, u64 kernel_end, u64 *addr)
{
	u64 top = guest_mem_low_end(mem);
	u64 max = bz->hdr.initrd_addr_max;

	if (max && top > max + 1ULL)
		top = max + 1ULL;
	if (initrd_size > top)
		return -ENOSPC;
	*addr = ALIGN_DOWN(top - initrd_size, SZ_4K);
	return *addr >= kernel_end ? 0 : -ENOSPC;
}

static void fill_zero_page(struct boot_params *bp, const struct bzimage *bz,
			   const struct guest_mem *mem, u64 rsdp,
			   const struct boot_info *info)
{
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, bz->file + SETUP_HEADER_OFFSET,
	       bz->header_end - SETUP_HEADER_OFFSET);
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	bp->hdr.loadflags &= ~QUIET_FLAG;
	bp->hdr.code32_start = bz->load_addr;
	bp->hdr.cmd_line_ptr = HYV_LAYOUT_CMDLINE;
	bp->ext_cmd_line_ptr = HYV_LAYOUT_CMDLINE >> 32;
	bp->hdr.ramdisk_image = info->initrd_addr;
	bp->hdr.ramdisk_size = info->initrd_size;
	bp->ext_ramdisk_image = info->initrd_addr >> 32;
	bp->ext_ramdisk_size = info->initrd_size >> 32;
	bp->hdr.hardware_subarch = X86_SUBARCH_PC;
	bp->acpi_rsdp_addr = rsdp;
	bp->e820_entries = e820_build(mem, bp->e820_table,
				      E820_MAX_ENTRIES_ZEROPAGE);
}

int bzimage_load(const struct bzimage *bz, struct guest_mem *mem,
		 const u8 *initrd, size_t initrd_size, const char *cmdline,
		 u64 rsdp, struct boot_info *info, const char **why)
{
	size_t cmdlen = strlen(cmdline) + 1;
	u64 cmdmax = bz->hdr.cmdline_size ? bz->hdr.cmdline_size + 1ULL : 256;
	struct boot_params *bp;
	void *dst;

	memset(info, 0, sizeof(*info));
	if (cmdlen > MIN(cmdmax, HYV_LAYOUT_CMDLINE_MAX)) {
		*why = "command line longer than the kernel accepts";
		return -EINVAL;
	}
	info->entry = bz->load_addr + ENTRY_64_OFFSET;
	info->kernel_end = bz->load_addr + bz->init_size;
	dst = guest_mem_ptr(mem, bz->load_addr, bz->init_size);
	if (!dst) {
		*why = "not enough memory below 3 GiB for the kernel";
		return -ENOSPC;
	}
	memcpy(dst, bz->payload, bz->payload_size);

	if (initrd) {
		if (place_initrd(bz, mem, initrd_size, info->kernel_end,
				 &info->initrd_addr)) {
			*why = "not enough memory for the kernel and the initrd";
			return -ENOSPC;
		}
		info->initrd_size = initrd_size;
		memcpy(guest_mem_ptr(mem, info->initrd_addr, initrd_size),
		       initrd, initrd_size);
	}

	memcpy(guest_mem_ptr(mem, HYV_LAYOUT_CMDLINE, cmdlen), cmdline, cmdlen);
	bp = guest_mem_ptr(mem, HYV_LAYOUT_ZERO_PAGE, sizeof(*bp));
	fill_zero_page(bp, bz, mem, rsdp, info);
	info->zero_page = HYV_LAYOUT_ZERO_PAGE;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Booting Linux without a CPU: the bzImage checks on the real stock
 * kernel (the newest /boot/vmlinuz-*, or $HYV_TEST_KERNEL) and on
 * corrupt copies of it, what bzimage_load() leaves in guest memory, and
 * the e820 map around the 32-bit hole.
 */
#include <errno.h>
#include <glob.h>

#include "lib.h"
#include <hyv/layout.h>
#include "../boot/boot.h"

static u8 *kernel;
static size_t kernel_size;
static const char *kernel_path;	/* NULL: no kernel to test on */

static void load_kernel(void)
{
	static char path[4096];
	glob_t g;

	kernel_path = getenv("HYV_TEST_KERNEL");
	if (!kernel_path && !glob("/boot/vmlinuz-*", 0, NULL, &g) && g.gl_pathc) {
		snprintf(path, sizeof(path), "%s", g.gl_pathv[g.gl_pathc - 1]);
		kernel_path = path;
		globfree(&g);
	}
	if (!kernel_path || hyv_read_file(kernel_path, 256 << 20, &kernel, &kernel_size))
		kernel = NULL;
}

/* Parse a copy of the kernel changed by fn; the reason it gives, or NULL. */
static const char *parse_changed(void (*fn)(u8 *, size_t *), size_t *size)
{
	struct bzimage bz;
	const char *why = NULL;
	u8 *copy = malloc(kernel_size);

	*size = kernel_size;
	memcpy(copy, kernel, kernel_size);
	fn(copy, size);
	if (!bzimage_parse(&bz, copy, *size, &why))
		why = NULL;
	free(copy);
	return why;
}

/* The corruptions: each changes the copy k (of *n bytes) in one way. */
static void no_boot_flag(u8 *k, size_t *n)
{
	k[0x1fe] = 0;
}

static void no_hdrs(u8 *k, size_t *n)
{
	k[0x202] = 'X';
}

static void old_protocol(u8 *k, size_t *n)
{
	k[0x206] = 0x0b;
	k[0x207] = 0x02;
}

static void no_64bit_entry(u8 *k, size_t *n)
{
	k[0x236] &= ~1;
}

static void truncated(u8 *k, size_t *n)
{
	*n /= 2;
}

static void tiny(u8 *k, size_t *n)
{
	*n = 0x100;
}

static void huge_setup(u8 *k, size_t *n)
{
	k[0x1f1] = 0xff;
	*n = 0x10000;
}

static void bad_alignment(u8 *k, size_t *n)
{
	k[0x230] = 3;
}

TEST(stock_kernel_parses)
{
	struct bzimage bz;
	const char *why = "";

	CHECK(kernel, "no kernel: install linux-image-amd64 or set HYV_TEST_KERNEL");
	if (!kernel)
		return;
	CHECK(!bzimage_parse(&bz, kernel, kernel_size, &why), "%s: %s", kernel_path, why);
	CHECK(bz.hdr.version >= 0x020c, "protocol %#x", bz.hdr.version);
	CHECK(bz.load_addr >= HYV_LAYOUT_HIGH_RAM && bz.load_addr % SZ_2M == 0,
	      "load address %#llx", (unsigned long long)bz.load_addr);
	CHECK(bz.init_size >= bz.payload_size, "init_size %llu", (unsigned long long)bz.init_size);
	CHECK(bz.setup_size + bz.payload_size == kernel_size, "sizes");
}

TEST(corrupt_kernels_are_refused)
{
	static const struct { const char *name; void (*fn)(u8 *, size_t *); } cases[] = {
		{ "boot flag", no_boot_flag }, { "HdrS", no_hdrs },
		{ "protocol 2.11", old_protocol }, { "no 64-bit entry", no_64bit_entry },
		{ "truncated", truncated }, { "tiny", tiny },
		{ "setup sectors past the end", huge_setup },
		{ "kernel_alignment 3", bad_alignment },
	};
	unsigned int i;
	size_t size;

	if (!kernel)
		return;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = parse_changed(cases[i].fn, &size);

		CHECK(why && *why, "%s: accepted", cases[i].name);
	}
}

static bool e820_sane(const struct boot_e820_entry *t, unsigned int n, u64 ram,
		      char *msg, size_t len)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (i && t[i].addr < t[i - 1].addr + t[i - 1].size) {
			snprintf(msg, len, "entry %u overlaps or is out of order", i);
			return false;
		}
		if (t[i].type == HYV_E820_RAM) {
			total += t[i].size;
			if (t[i].addr < HYV_LAYOUT_4G &&
			    t[i].addr + t[i].size > HYV_LAYOUT_HOLE) {
				snprintf(msg, len, "RAM entry %u in the hole", i);
				return false;
			}
		}
	}
	/* The 1 KiB under 640 KiB and the legacy hole are not RAM. */
	if (total != ram - (HYV_LAYOUT_HIGH_RAM - HYV_LAYOUT_LOW_RAM_END)) {
		snprintf(msg, len, "RAM total %llu of %llu", (unsigned long long)total,
			 (unsigned long long)ram);
		return false;
	}
	return true;
}

TEST(e820_512m)
{
	struct boot_e820_entry t[16];
	struct guest_mem m;
	char msg[128] = "";
	unsigned int n;

	guest_mem_layout(&m, 512ULL << 20);
	n = e820_build(&m, t, 16);
	CHECK(e820_sane(t, n, m.size, msg, sizeof(msg)), "%s", msg);
	CHECK(m.high == 0, "high %llu", (unsigned long long)m.high);
	CHECK(t[n - 1].type == HYV_E820_RESERVED && t[n - 1].addr == HYV_LAYOUT_ECAM,
	      "last entry is not the ECAM");
}

TEST(e820_6g_splits_around_the_hole)
{
	struct boot_e820_entry t[16];
	struct guest_mem m;
	char msg[128] = "";
	unsigned int n;

	guest_mem_layout(&m, 6ULL << 30);
	n = e820_build(&m, t, 16);
	CHECK(e820_sane(t, n, m.size, msg, sizeof(msg)), "%s", msg);
	CHECK(m.low == HYV_LAYOUT_HOLE && m.high == (6ULL << 30) - HYV_LAYOUT_HOLE,
	      "low %llu high %llu", (unsigned long long)m.low, (unsigned long long)m.high);
	CHECK(t[n - 1].addr == HYV_LAYOUT_4G && t[n - 1].size == m.high &&
	      t[n - 1].type == HYV_E820_RAM, "no RAM at 4 GiB");
}

TEST(guest_mem_bounds)
{
	struct guest_mem m = { .host = (u8 *)0x10000000 };

	guest_mem_layout(&m, 4ULL << 30);
	CHECK(guest_mem_ptr(&m, 0, 4096) == m.host, "start");
	CHECK(guest_mem_ptr(&m, HYV_LAYOUT_HOLE - 4096, 4096), "end of low");
	CHECK(!guest_mem_ptr(&m, HYV_LAYOUT_HOLE - 4096, 4097), "across the hole");
	CHECK(!guest_mem_ptr(&m, HYV_LAYOUT_HOLE, 1), "in the hole");
	CHECK(guest_mem_ptr(&m, HYV_LAYOUT_4G, 1) == m.host + m.low, "high start");
	CHECK(!guest_mem_ptr(&m, HYV_LAYOUT_4G + m.high, 1), "past the end");
	CHECK(!guest_mem_ptr(&m, ~0ULL - 10, 100), "wrapping");
}

TEST(load_places_everything)
{
	static const u8 initrd[8192] = { 0x42 };
	const char *cmdline = "console=ttyS0 hyv=1", *why = "";
	struct guest_mem m;
	struct boot_info info;
	struct boot_params *bp;
	struct bzimage bz;
	char msg[128] = "";

	if (!kernel || bzimage_parse(&bz, kernel, kernel_size, &why))
		return;
	CHECK(!guest_mem_alloc(&m, 256ULL << 20), "no memory");
	CHECK(!bzimage_load(&bz, &m, initrd, sizeof(initrd), cmdline, 0xe0000, &info, &why),
	      "%s", why);
	bp = guest_mem_ptr(&m, HYV_LAYOUT_ZERO_PAGE, sizeof(*bp));
	CHECK(info.entry == bz.load_addr + 0x200, "entry");
	CHECK(!memcmp(guest_mem_ptr(&m, bz.load_addr, bz.payload_size), bz.payload,
		      bz.payload_size), "kernel bytes");
	CHECK(bp->hdr.cmd_line_ptr == HYV_LAYOUT_CMDLINE &&
	      !strcmp(guest_mem_ptr(&m, HYV_LAYOUT_CMDLINE, 1), cmdline), "cmdline");
	CHECK(bp->hdr.ramdisk_image == info.initrd_addr && info.initrd_addr % 4096 == 0 &&
	      info.initrd_addr >= info.kernel_end &&
	      info.initrd_addr + sizeof(initrd) <= m.low &&
	      *(u8 *)guest_mem_ptr(&m, info.initrd_addr, 1) == 0x42, "initrd at %#llx",
	      (unsigned long long)info.initrd_addr);
	CHECK(bp->hdr.ramdisk_size == sizeof(initrd), "initrd size");
	CHECK(bp->acpi_rsdp_addr == 0xe0000, "rsdp");
	CHECK(bp->hdr.type_of_loader == 0xff, "loader type");
	CHECK(e820_sane(bp->e820_table, bp->e820_entries, m.size, msg, sizeof(msg)), "%s", msg);
	CHECK(bzimage_min_mem(&bz, sizeof(initrd)) <= m.size, "min mem");
	guest_mem_free(&m);
}

TEST(load_refuses_too_little_memory)
{
	const char *why = "";
	struct boot_info info;
	struct guest_mem m;
	struct bzimage bz;
	u64 need;

	if (!kernel || bzimage_parse(&bz, kernel, kernel_size, &why))
		return;
	u8 *initrd = calloc(1, 64 << 20);

	need = bzimage_min_mem(&bz, 64 << 20);
	CHECK(initrd && !guest_mem_alloc(&m, need - SZ_2M), "no memory");
	CHECK(bzimage_load(&bz, &m, initrd, 64 << 20, "", 0, &info, &why) == -ENOSPC,
	      "loaded %llu MiB into %llu MiB", (unsigned long long)need >> 20,
	      (unsigned long long)(need - SZ_2M) >> 20);
	guest_mem_free(&m);
	free(initrd);
}

TEST(long_cmdline_refused)
{
	static char cmdline[HYV_LAYOUT_CMDLINE_MAX + 16];
	const char *why = "";
	struct boot_info info;
	struct guest_mem m;
	struct bzimage bz;

	if (!kernel || bzimage_parse(&bz, kernel, kernel_size, &why))
		return;
	memset(cmdline, 'a', sizeof(cmdline) - 1);
	CHECK(!guest_mem_alloc(&m, 128ULL << 20), "no memory");
	CHECK(bzimage_load(&bz, &m, NULL, 0, cmdline, 0, &info, &why) == -EINVAL,
	      "accepted %zu bytes", strlen(cmdline));
	guest_mem_free(&m);
}

/* A jump to the BIOS (Linux's reboot fallback) must reach port 0xCF9. */
TEST(reset_vector_resets)
{
	struct guest_mem m;
	const u8 *p;

	CHECK(!guest_mem_alloc(&m, 64ULL << 20), "no memory");
	resetvec_build(&m);
	p = guest_mem_ptr(&m, HYV_LAYOUT_RESET_VECTOR, 16);
	CHECK(p[0] == 0xba && p[1] == 0xf9 && p[2] == 0x0c, "mov $0xcf9, %%dx");
	CHECK(p[3] == 0xb0 && (p[4] & 0x04), "RST_CPU not written");
	CHECK(p[5] == 0xee, "no out");
	guest_mem_free(&m);
}

int main(void)
{
	test_suite = "vmm-boot";
	load_kernel();
	RUN(stock_kernel_parses);
	RUN(corrupt_kernels_are_refused);
	RUN(e820_512m);
	RUN(e820_6g_splits_around_the_hole);
	RUN(guest_mem_bounds);
	RUN(load_places_everything);
	RUN(load_refuses_too_little_memory);
	RUN(long_cmdline_refused);
	RUN(reset_vector_resets);
	return test_summary();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O bus and the PCI host bridge without a VM: ranges and unclaimed
 * accesses, then config space through 0xCF8/0xCFC and ECAM, BAR sizing
 * and moves, and MSI-X masking (MSIs are recorded by tests/stubs.c).
 */
#include <errno.h>

#include "lib.h"
#include "stubs.h"
#include <hyv/layout.h>
#include "../vmm.h"
#include "../devices/pci.h"

static u64 last_offset;
static u32 last_len, hits;

static void count_handler(void *opaque, u64 offset, u8 *data, u32 len, bool w)
{
	(void)opaque;
	last_offset = offset;
	last_len = len;
	hits++;
	if (!w)
		bus_put(data, len, 0x1234);
}

TEST(bus_ranges)
{
	struct bus b;
	u8 data[8];

	bus_init(&b, "test");
	CHECK(!bus_register(&b, 0x100, 0x10, count_handler, NULL, "a"), "a");
	CHECK(!bus_register(&b, 0x200, 0x10, count_handler, NULL, "b"), "b");
	CHECK(bus_register(&b, 0x10f, 2, count_handler, NULL, "c") == -EEXIST, "overlap end");
	CHECK(bus_register(&b, 0xf0, 0x20, count_handler, NULL, "d") == -EEXIST, "overlap start");
	CHECK(bus_register(&b, 0x300, 0, count_handler, NULL, "e") == -EINVAL, "empty");
	hits = 0;
	CHECK(bus_access(&b, 0x204, data, 2, false) && last_offset == 4 && last_len == 2 &&
	      bus_get(data, 2) == 0x1234, "dispatch");
	CHECK(!bus_access(&b, 0x10e, data, 4, false), "straddling the end is claimed");
	CHECK(!bus_access(&b, 0x150, data, 4, false) && bus_get(data, 4) == 0xffffffff,
	      "unclaimed read is not all-ones");
	CHECK(!bus_access(&b, 0x150, data, 1, true), "unclaimed write");
	CHECK(b.unknown_total == 3 && b.unknown[1].addr == 0x150 && b.unknown[1].count == 2,
	      "unclaimed accesses not counted: %llu", (unsigned long long)b.unknown_total);
	CHECK(hits == 1, "hits %u", hits);
	CHECK(!bus_unregister(&b, 0x100) && !bus_access(&b, 0x100, data, 1, false), "unregister");
	bus_destroy(&b);
}

static struct vmm vmm;
static struct pci_bus *pci;

static u32 cf8_read(unsigned int dev, u32 reg, u32 len)
{
	u8 d[4];

	bus_put(d, 4, 0x80000000 | dev << 11 | (reg & 0xfc));
	bus_access(&vmm.pio, HYV_PORT_PCI_ADDR, d, 4, true);
	bus_access(&vmm.pio, HYV_PORT_PCI_DATA + (reg & 3), d, len, false);
	return bus_get(d, len);
}

static void cf8_write(unsigned int dev, u32 reg, u32 len, u32 v)
{
	u8 d[4];

	bus_put(d, 4, 0x80000000 | dev << 11 | (reg & 0xfc));
	bus_access(&vmm.pio, HYV_PORT_PCI_ADDR, d, 4, true);
	bus_put(d, len, v);
	bus_access(&vmm.pio, HYV_PORT_PCI_DATA + (reg & 3), d, len, true);
}

static u32 ecam_read(unsigned int dev, u32 reg, u32 len)
{
	u8 d[4];

	bus_access(&vmm.mmio, HYV_LAYOUT_ECAM + (dev << 15) + reg, d, len, false);
	return bus_get(d, len);
}

TEST(host_bridge_config)
{
	CHECK(cf8_read(0, 0, 4) == 0x00081b36, "CF8 ID %#x", cf8_read(0, 0, 4));
	CHECK(ecam_read(0, 0, 4) == 0x00081b36, "ECAM ID %#x", ecam_read(0, 0, 4));
	CHECK(cf8_read(0, 0x0a, 2) == 0x0600, "class %#x", cf8_read(0, 0x0a, 2));
	CHECK(cf8_read(5, 0, 4) == 0xffffffff, "empty slot");
	CHECK(ecam_read(0, 0x1000 * 1, 4) == 0xffffffff, "function 1");
	cf8_write(0, 0, 4, 0);
	CHECK(cf8_read(0, 0, 4) == 0x00081b36, "vendor ID writable");
}

TEST(bar_sizing_and_msix)
{
	struct pci_function *fn = pci_function_new("test", 0x1234, 0x5678, 0xff0000);
	unsigned int dev;
	u64 addr;
	u32 data, cap;
	u8 d[4];

	CHECK(fn && !pci_function_add_bar(fn, 0, 0x4000, PCI_BAR_MEM64, count_handler, NULL),
	      "add BAR");
	CHECK(pci_function_add_bar(fn, 1, 0x1000, PCI_BAR_MEM32, count_handler, NULL) == -EINVAL,
	      "BAR 1 is BAR 0's upper half");
	CHECK(!pci_function_add_msix(fn, 4, 0, 0x2000, 0x3000), "MSI-X");
	CHECK(!pci_register(pci, fn), "register");
	dev = fn->devfn >> 3;
	CHECK(dev == 1, "slot %u", dev);

	/* Sizing: all-ones in, ~(size - 1) and the type bits out. */
	cf8_write(dev, 0x10, 4, 0xffffffff);
	CHECK(cf8_read(dev, 0x10, 4) == (0xffffc000 | 0x4), "BAR0 %#x", cf8_read(dev, 0x10, 4));
	cf8_write(dev, 0x10, 4, 0xc0100000);
	cf8_write(dev, 0x14, 4, 0);
	CHECK(fn->bar[0].addr == 0xc0100000, "moved to %#llx", (unsigned long long)fn->bar[0].addr);
	cf8_write(dev, 0x04, 2, 0x6);	/* memory decode, bus master */
	hits = 0;
	bus_access(&vmm.mmio, 0xc0100010, d, 4, false);
	CHECK(hits == 1 && last_offset == 0x10, "BAR access %u at %#llx", hits,
	      (unsigned long long)last_offset);

	cap = cf8_read(dev, 0x34, 1);
	CHECK(cf8_read(dev, cap, 1) == 0x11 && (cf8_read(dev, cap + 2, 2) & 0x7ff) == 3,
	      "MSI-X capability at %#x", cap);
	/* Program vector 1 through the table, masked: the notify stays pending. */
	bus_put(d, 4, 0xfee01000);
	bus_access(&vmm.mmio, 0xc0102010, d, 4, true);
	bus_put(d, 4, 0x41);
	bus_access(&vmm.mmio, 0xc0102018, d, 4, true);
	stub_nr_msis = 0;
	CHECK(!pci_msix_route(fn, 1, &addr, &data), "routed while disabled");
	pci_msix_notify(fn, 1);
	CHECK(stub_nr_msis == 0, "delivered while disabled");
	cf8_write(dev, cap + 2, 2, 0x8000);		/* enable */
	CHECK(stub_nr_msis == 0, "delivered while the entry is masked");
	bus_access(&vmm.mmio, 0xc0103000, d, 4, false);
	CHECK(bus_get(d, 4) == 2, "PBA %#x", (u32)bus_get(d, 4));
	bus_put(d, 4, 0);
	bus_access(&vmm.mmio, 0xc010201c, d, 4, true);	/* unmask */
	CHECK(stub_nr_msis == 1 && stub_msis[0].address == 0xfee01000 &&
	      stub_msis[0].data == 0x41, "pending vector not delivered on unmask");
	CHECK(pci_msix_route(fn, 1, &addr, &data) && addr == 0xfee01000 && data == 0x41,
	      "route");
	pci_msix_notify(fn, 1);
	CHECK(stub_nr_msis == 2, "not delivered when live");
	hits = 0;
	bus_access(&vmm.mmio, 0xc0102000, d, 4, false);
	CHECK(hits == 0, "the MSI-X table reached the device");
}

TEST(cf9_resets)
{
	u8 d = 0x06;

	stub_exit_status = -1;
	bus_access(&vmm.pio, HYV_PORT_PCI_RESET, &d, 1, true);
	CHECK(stub_exit_status == HYV_RUN_EXIT_RESET, "status %d", stub_exit_status);
}

int main(void)
{
	test_suite = "vmm-devices";
	bus_init(&vmm.pio, "port");
	bus_init(&vmm.mmio, "MMIO");
	pci = pci_create(&vmm);
	RUN(bus_ranges);
	if (!pci) {
		printf("not ok host:vmm-devices:pci_create\n");
		return 1;
	}
	RUN(host_bridge_config);
	RUN(bar_sizing_and_msix);
	RUN(cf9_resets);
	return test_summary();
}

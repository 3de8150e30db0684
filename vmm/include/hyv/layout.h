/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every fixed guest-physical address and I/O port of hyv's guests, in one
 * place: hyv-run's platform (the memory map Linux sees through e820, ACPI
 * and the PCI windows), and the long-mode boot structures that hyv-run,
 * hyv-demo, bench/ and the selftests all build at the same addresses.
 *
 * Guest-physical memory map of hyv-run (RAM is in two pieces around the
 * 32-bit hole when the guest has more than HYV_LAYOUT_LOW_RAM_MAX):
 *
 *   0x0000_0000  RAM, with the boot structures below HYV_LAYOUT_FREE
 *   0x0009_fc00  end of low RAM (the EBDA's usual place: reserved)
 *   0x000e_0000  ACPI tables (RSDP where the legacy scan looks)
 *   0x000f_fff0  the reset vector: a jump to the BIOS resets the VM
 *   0x0010_0000  RAM: kernel, initrd (top of RAM below 4 GiB), ...
 *   0xc000_0000  32-bit hole: PCI MMIO window (BARs)
 *   0xe000_0000  PCI ECAM (MMCONFIG), 256 buses
 *   0xfec0_0000  IOAPIC
 *   0xfee0_0000  local APIC (hyv.ko, per vCPU)
 *   0x1_0000_0000 RAM above 4 GiB, the rest of --mem
 *   0x80_0000_0000 PCI 64-bit MMIO window, up to the end of the 1 TiB
 *               guest-physical space (HYV_GUEST_PHYS_BITS)
 */
#ifndef HYV_LAYOUT_H
#define HYV_LAYOUT_H

/* Addresses usable from C and from assembler (.S) alike. */
#ifdef __ASSEMBLER__
#define HYV_ADDR(x)		x
#else
#define HYV_ADDR(x)		x##ULL
#endif

/* ---- long-mode boot structures (all hyv VMMs and test guests) ---- */
#define HYV_LAYOUT_GDT		HYV_ADDR(0x1000)
#define HYV_LAYOUT_IDT		HYV_ADDR(0x2000)
#define HYV_LAYOUT_TSS		HYV_ADDR(0x3000)
#define HYV_LAYOUT_PML4		HYV_ADDR(0x4000)
#define HYV_LAYOUT_PDPT		HYV_ADDR(0x5000)
#define HYV_LAYOUT_PD		HYV_ADDR(0x6000)	/* HYV_LAYOUT_PD_PAGES pages */
#define HYV_LAYOUT_PD_PAGES	4		/* 4 GiB in 2 MiB pages */
#define HYV_LAYOUT_ZERO_PAGE	HYV_ADDR(0xa000)	/* Linux: struct boot_params */
#define HYV_LAYOUT_CMDLINE	HYV_ADDR(0xb000)	/* Linux: the command line */
#define HYV_LAYOUT_CMDLINE_MAX	HYV_ADDR(0x1000)	/* bytes, with the NUL */
#define HYV_LAYOUT_BOOT_STACK	HYV_ADDR(0x10000)	/* top of the boot stack */
#define HYV_LAYOUT_FREE		HYV_ADDR(0x10000)	/* nothing above is fixed */

/* ---- hyv-run's platform ---- */
#define HYV_LAYOUT_LOW_RAM_END	HYV_ADDR(0x9fc00)	/* RAM below 1 MiB ends here */
#define HYV_LAYOUT_ACPI		HYV_ADDR(0xe0000)	/* ACPI tables ... */
#define HYV_LAYOUT_ACPI_SIZE	HYV_ADDR(0x10000)	/* ... up to 0xf0000 */
#define HYV_LAYOUT_RESET_VECTOR	HYV_ADDR(0xffff0)	/* F000:FFF0, boot/resetvec.c */
#define HYV_LAYOUT_HIGH_RAM	HYV_ADDR(0x100000)	/* 1 MiB */
#define HYV_LAYOUT_HOLE		HYV_ADDR(0xc0000000)	/* start of the 32-bit hole */
#define HYV_LAYOUT_LOW_RAM_MAX	HYV_LAYOUT_HOLE	/* RAM beyond goes above 4 GiB */
#define HYV_LAYOUT_PCI_MMIO32	HYV_ADDR(0xc0000000)
#define HYV_LAYOUT_PCI_MMIO32_SIZE HYV_ADDR(0x20000000)
#define HYV_LAYOUT_ECAM		HYV_ADDR(0xe0000000)
#define HYV_LAYOUT_ECAM_SIZE	HYV_ADDR(0x10000000)	/* 256 buses x 1 MiB */
#define HYV_LAYOUT_IOAPIC	HYV_ADDR(0xfec00000)
#define HYV_LAYOUT_IOAPIC_SIZE	HYV_ADDR(0x1000)
#define HYV_LAYOUT_LAPIC	HYV_ADDR(0xfee00000)
#define HYV_LAYOUT_4G		HYV_ADDR(0x100000000)
#define HYV_LAYOUT_PCI_MMIO64	HYV_ADDR(0x8000000000)	/* 512 GiB */
#define HYV_LAYOUT_PCI_MMIO64_SIZE HYV_ADDR(0x8000000000)
#define HYV_LAYOUT_RAM_MAX	(HYV_LAYOUT_PCI_MMIO64 - HYV_LAYOUT_4G + \
				 HYV_LAYOUT_LOW_RAM_MAX)

/* ---- hyv-run's I/O ports ---- */
#define HYV_PORT_PIT		0x40	/* i8254: present, never counts */
#define HYV_PORT_PIT_SIZE	4
#define HYV_PORT_I8042_DATA	0x60
#define HYV_PORT_I8042_CMD	0x64	/* write 0xfe: reset */
#define HYV_PORT_RTC		0x70	/* index, then data at 0x71 */
#define HYV_PORT_RTC_SIZE	2
#define HYV_PORT_COM1		0x3f8	/* 8250/16550A, IRQ 4 */
#define HYV_PORT_COM1_SIZE	8
#define HYV_PORT_ACPI_PM	0x600	/* HW-reduced sleep/reset registers */
#define HYV_PORT_ACPI_SLEEP_CTL	0x600	/* FADT SLEEP_CONTROL_REG, 1 byte */
#define HYV_PORT_ACPI_SLEEP_STS	0x601	/* FADT SLEEP_STATUS_REG, 1 byte */
#define HYV_PORT_ACPI_RESET	0x602	/* FADT RESET_REG, 1 byte */
#define HYV_PORT_ACPI_PM_SIZE	3
#define HYV_PORT_PCI_ADDR	0xcf8	/* CONFIG_ADDRESS, 4 bytes */
#define HYV_PORT_PCI_RESET	0xcf9	/* reset control: 0x06 resets */
#define HYV_PORT_PCI_DATA	0xcfc	/* CONFIG_DATA, 4 bytes */
#define HYV_PORT_PCI_IO		0x1000	/* PCI I/O BARs from here ... */
#define HYV_PORT_PCI_IO_SIZE	0xf000	/* ... to 0xffff */

/* ---- interrupts ---- */
#define HYV_IRQ_COM1		4	/* ISA IRQ = IOAPIC pin (no override) */
#define HYV_IRQ_RTC		8
#define HYV_IOAPIC_PINS		24

#endif /* HYV_LAYOUT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables of a HW-reduced platform (ACPI 6.4 §4.1): no PM timer,
 * no GPEs, no SCI, no PIC, no FACS. The guest finds
 *   - the vCPUs and the IOAPIC in the MADT (§5.2.12),
 *   - how to power off and reset in the FADT's sleep control/status and
 *     reset registers (devices/pm.c) and \_S5 in the DSDT,
 *   - the PCI root bridge (PNP0A08) and its windows in the DSDT, and its
 *     ECAM in the MCFG (PCI Firmware spec 3.2 §4.1.2),
 *   - COM1 (PNP0501) and the CMOS clock (PNP0B00) in the DSDT.
 * Tables are packed in that order from HYV_LAYOUT_ACPI, 16-byte aligned;
 * the RSDP comes first, in the range the legacy scan searches.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <hyv/layout.h>
#include "acpi.h"
#include "aml.h"
#include "../devices/platform.h"

#define OEM_ID			"HYV   "
#define OEM_TABLE_ID		"HYVRUN  "
#define CREATOR_ID		"HYVR"

struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	char creator_id[4];
	u32 creator_revision;
} __packed;

struct acpi_rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt_address;
	u32 length;
	u64 xsdt_address;
	u8 extended_checksum;
	u8 reserved[3];
} __packed;

/* Generic Address Structure (§5.2.3.2). */
struct acpi_gas {
	u8 space_id;		/* 0 memory, 1 I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;		/* 1: byte */
	u64 address;
} __packed;

struct acpi_fadt {
	struct acpi_header h;
	u32 firmware_ctrl;
	u32 dsdt;
	u8 reserved0;
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	u32 pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	u8 gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk, x_pm2_cnt_blk, x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control, sleep_status;
	u64 hypervisor_id;
} __packed;

static_assert(sizeof(struct acpi_fadt) == 276, "FADT of ACPI 6.x is 276 bytes");

#define FADT_WBINVD		BIT(0)
#define FADT_PWR_BUTTON		BIT(4)	/* no fixed power button */
#define FADT_SLP_BUTTON		BIT(5)	/* no fixed sleep button */
#define FADT_RESET_REG_SUP	BIT(10)
#define FADT_HW_REDUCED		BIT(20)
#define BOOT_ARCH_NO_VGA	BIT(2)
#define BOOT_ARCH_NO_ASPM	BIT(4)
#define PM_PROFILE_SERVER	4
#define RTC_CENTURY_REG		0x32

struct madt_lapic {
	u8 type, length, uid, apic_id;
	u32 flags;
} __packed;

struct madt_ioapic {
	u8 type, length, id, reserved;
	u32 address, gsi_base;
} __packed;

struct madt_override {
	u8 type, length, bus, source;
	u32 gsi;
	u16 flags;
} __packed;

struct madt_lapic_nmi {
	u8 type, length, uid;
	u16 flags;
	u8 lint;
} __packed;

/* hyv-run has a single PCI bus (build_mcfg() says why this matters). */
#define HYV_PCI_LAST_BUS	0

struct mcfg_entry {
	u64 base;
	u16 segment;
	u8 start_bus, end_bus;
	u32 reserved;
} __packed;

u8 acpi_checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static void acpi_header(struct acpi_header *h, const char *sig, u32 len, u8 rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = -acpi_checksum(h, len);
}

/* Bump allocation inside [HYV_LAYOUT_ACPI, + HYV_LAYOUT_ACPI_SIZE). */
struct acpi_area {
	struct guest_mem *mem;
	u64 next;
	bool full;
};

static void *acpi_alloc(struct acpi_area *ar, size_t len, u64 *gpa)
{
	void *p;

	ar->next = ALIGN_UP(ar->next, 16);
	p = guest_mem_ptr(ar->mem, ar->next, len);
	if (ar->next + len > HYV_LAYOUT_ACPI + HYV_LAYOUT_ACPI_SIZE || !p) {
		ar->full = true;
		return NULL;
	}
	memset(p, 0, len);
	*gpa = ar->next;
	ar->next += len;
	return p;
}

static void gas_io8(struct acpi_gas *g, u16 port)
{
	g->space_id = 1;
	g->bit_width = 8;
	g->access_size = 1;
	g->address = port;
}

/*
 * A legacy ISA device with its ports and interrupt. Linux's PNP layer
 * binds its driver (8250_pnp, rtc_cmos) and maps the ISA interrupt to
 * the IOAPIC pin through ACPI: without a PIC, Linux keeps no fixed
 * numbers for the ISA interrupts, and the 8250's built-in "irq 4" would
 * reach nothing.
 */
static void dsdt_isa_device(struct aml *a, const char *path, const char *hid,
			    u16 port, u8 len, unsigned int irq)
{
	size_t dev, crs;

	dev = aml_device_open(a, path);
	aml_name_decl(a, "_HID");
	aml_eisaid(a, hid);
	aml_name_decl(a, "_UID");
	aml_integer(a, 1);
	aml_name_decl(a, "_CRS");
	crs = aml_buffer_open(a);
	aml_io_port(a, port, len);
	aml_irq_noflags(a, irq);
	aml_end_tag(a);
	aml_buffer_close(a, crs);
	aml_close(a, dev);
}

static int build_dsdt(struct acpi_area *ar, u64 *gpa)
{
	u8 body[1024];
	struct acpi_header *h;
	struct aml a;
	size_t dev, crs, pkg;

	aml_init(&a, body, sizeof(body));
	/* Name (\_S5, Package () { 5, 5, 0, 0 }) */
	aml_name_decl(&a, "\\_S5_");
	pkg = aml_package_open(&a, 4);
	aml_integer(&a, HYV_ACPI_SLP_TYP_S5);
	aml_integer(&a, HYV_ACPI_SLP_TYP_S5);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_close(&a, pkg);

	/* Device (\_SB.PCI0): the root bridge, segment 0, bus 0 */
	dev = aml_device_open(&a, "\\_SB_PCI0");
	aml_name_decl(&a, "_HID");
	aml_eisaid(&a, "PNP0A08");
	aml_name_decl(&a, "_CID");
	aml_eisaid(&a, "PNP0A03");
	aml_name_decl(&a, "_ADR");
	aml_integer(&a, 0);
	aml_name_decl(&a, "_SEG");
	aml_integer(&a, 0);
	aml_name_decl(&a, "_UID");
	aml_integer(&a, 0);
	aml_name_decl(&a, "_BBN");
	aml_integer(&a, 0);
	aml_name_decl(&a, "_CRS");
	crs = aml_buffer_open(&a);
	aml_word_bus_range(&a, 0, HYV_PCI_LAST_BUS);
	aml_io_port(&a, HYV_PORT_PCI_ADDR, 8);
	aml_word_io_range(&a, 0, HYV_PORT_PCI_ADDR - 1);
	aml_word_io_range(&a, HYV_PORT_PCI_DATA + 4, 0xffff);
	aml_dword_memory(&a, HYV_LAYOUT_PCI_MMIO32,
			 HYV_LAYOUT_PCI_MMIO32 + HYV_LAYOUT_PCI_MMIO32_SIZE - 1);
	aml_qword_memory(&a, HYV_LAYOUT_PCI_MMIO64,
			 HYV_LAYOUT_PCI_MMIO64 + HYV_LAYOUT_PCI_MMIO64_SIZE - 1);
	aml_end_tag(&a);
	aml_buffer_close(&a, crs);
	aml_close(&a, dev);

	dsdt_isa_device(&a, "\\_SB_COM1", "PNP0501", HYV_PORT_COM1,
			HYV_PORT_COM1_SIZE, HYV_IRQ_COM1);
	dsdt_isa_device(&a, "\\_SB_RTC_", "PNP0B00", HYV_PORT_RTC,
			HYV_PORT_RTC_SIZE, HYV_IRQ_RTC);
	if (!aml_ok(&a))
		return -ENOSPC;

	h = acpi_alloc(ar, sizeof(*h) + a.len, gpa);
	if (!h)
		return -ENOSPC;
	memcpy(h + 1, body, a.len);
	acpi_header(h, "DSDT", sizeof(*h) + a.len, 2);
	return 0;
}

static int build_fadt(struct acpi_area *ar, u64 dsdt, u64 *gpa)
{
	struct acpi_fadt *f = acpi_alloc(ar, sizeof(*f), gpa);

	if (!f)
		return -ENOSPC;
	f->dsdt = dsdt;
	f->x_dsdt = dsdt;
	f->preferred_pm_profile = PM_PROFILE_SERVER;
	f->century = RTC_CENTURY_REG;
	f->iapc_boot_arch = BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_ASPM;
	f->flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		   FADT_RESET_REG_SUP | FADT_HW_REDUCED;
	gas_io8(&f->reset_reg, HYV_PORT_ACPI_RESET);
	f->reset_value = HYV_ACPI_RESET_VALUE;
	f->minor_version = 4;			/* ACPI 6.4 */
	gas_io8(&f->sleep_control, HYV_PORT_ACPI_SLEEP_CTL);
	gas_io8(&f->sleep_status, HYV_PORT_ACPI_SLEEP_STS);
	memcpy(&f->hypervisor_id, "hyv\0\0\0\0\0", 8);
	acpi_header(&f->h, "FACP", sizeof(*f), 6);
	return 0;
}

static int build_madt(struct acpi_area *ar, unsigned int nr_cpus, u64 *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 +
		     nr_cpus * sizeof(struct madt_lapic) +
		     sizeof(struct madt_ioapic) + sizeof(struct madt_override) +
		     sizeof(struct madt_lapic_nmi);
	struct acpi_header *h = acpi_alloc(ar, len, gpa);
	u8 *p = (u8 *)(h + 1);
	struct madt_ioapic *io;
	struct madt_override *ov;
	struct madt_lapic_nmi *nmi;
	unsigned int i;

	if (!h)
		return -ENOSPC;
	memcpy(p, &(u32){ HYV_LAYOUT_LAPIC }, 4);
	/* flags 0: no PC-AT 8259 pair */
	p += 8;
	for (i = 0; i < nr_cpus; i++, p += sizeof(struct madt_lapic)) {
		struct madt_lapic *l = (void *)p;

		l->type = 0;
		l->length = sizeof(*l);
		l->uid = i;
		l->apic_id = i;
		l->flags = 1;		/* enabled */
	}
	io = (void *)p;
	io->type = 1;
	io->length = sizeof(*io);
	io->id = 0;
	io->address = HYV_LAYOUT_IOAPIC;
	io->gsi_base = 0;
	p += sizeof(*io);
	/* The PC's ISA IRQ 0 is wired to pin 2; the others are 1:1, edge, high. */
	ov = (void *)p;
	ov->type = 2;
	ov->length = sizeof(*ov);
	ov->source = 0;
	ov->gsi = 2;
	p += sizeof(*ov);
	/* LINT1 of every processor is the NMI input. */
	nmi = (void *)p;
	nmi->type = 4;
	nmi->length = sizeof(*nmi);
	nmi->uid = 0xff;
	nmi->lint = 1;
	acpi_header(h, "APIC", len, 5);
	return 0;
}

static int build_mcfg(struct acpi_area *ar, u64 *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 + sizeof(struct mcfg_entry);
	struct acpi_header *h = acpi_alloc(ar, len, gpa);
	struct mcfg_entry *e;

	if (!h)
		return -ENOSPC;
	e = (void *)((u8 *)(h + 1) + 8);
	e->base = HYV_LAYOUT_ECAM;
	e->segment = 0;
	e->start_bus = 0;
	/*
	 * One bus: every device is on bus 0. The ECAM window stays 256 MiB,
	 * but Linux takes the MCFG's last bus as pcibios_last_bus and, if
	 * it is above 0, probes 32 slots on each bus up to it for peer
	 * bridges: 8,160 config reads, 16,320 port exits per boot.
	 */
	e->end_bus = HYV_PCI_LAST_BUS;
	acpi_header(h, "MCFG", len, 1);
	return 0;
}

int acpi_build(struct guest_mem *mem, unsigned int nr_cpus,
	       struct acpi_tables *t)
{
	struct acpi_area ar = { mem, HYV_LAYOUT_ACPI, false };
	struct acpi_header *xsdt;
	struct acpi_rsdp *rsdp;
	u64 *entries;
	size_t xlen = sizeof(*xsdt) + 3 * 8;

	memset(t, 0, sizeof(*t));
	rsdp = acpi_alloc(&ar, sizeof(*rsdp), &t->rsdp);
	xsdt = acpi_alloc(&ar, xlen, &t->xsdt);
	if (!rsdp || !xsdt || build_dsdt(&ar, &t->dsdt) ||
	    build_fadt(&ar, t->dsdt, &t->fadt) ||
	    build_madt(&ar, nr_cpus, &t->madt) || build_mcfg(&ar, &t->mcfg))
		return -ENOSPC;

	entries = (u64 *)(xsdt + 1);
	entries[0] = t->fadt;
	entries[1] = t->madt;
	entries[2] = t->mcfg;
	acpi_header(xsdt, "XSDT", xlen, 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = t->xsdt;
	rsdp->checksum = -acpi_checksum(rsdp, 20);
	rsdp->extended_checksum = -acpi_checksum(rsdp, sizeof(*rsdp));
	t->end = ar.next;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-run's ACPI tables, built in a scratch guest memory: every checksum
 * adds up, the RSDP/XSDT chain reaches each table, the MADT lists every
 * vCPU, the FADT is HW-reduced with sleep and reset registers; then
 * iasl -d (acpica-tools) decodes each table and must find what we meant
 * (skipped with a note when iasl is missing).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"
#include <hyv/layout.h>
#include "../acpi/acpi.h"

struct hdr {
	char sig[4];
	u32 len;
} __packed;

static struct guest_mem mem;
static struct acpi_tables t;

static const struct hdr *table(u64 gpa)
{
	const struct hdr *h = guest_mem_ptr(&mem, gpa, sizeof(*h));

	return h && guest_mem_ptr(&mem, gpa, h->len) ? h : NULL;
}

static bool build(unsigned int cpus)
{
	guest_mem_free(&mem);
	return !guest_mem_alloc(&mem, 64ULL << 20) && !acpi_build(&mem, cpus, &t);
}

TEST(checksums)
{
	const u64 gpas[] = { t.xsdt, t.fadt, t.madt, t.mcfg, t.dsdt };
	const u8 *rsdp = guest_mem_ptr(&mem, t.rsdp, 36);
	unsigned int i;

	CHECK(!memcmp(rsdp, "RSD PTR ", 8), "RSDP signature");
	CHECK(acpi_checksum(rsdp, 20) == 0, "RSDP checksum");
	CHECK(acpi_checksum(rsdp, 36) == 0, "RSDP extended checksum");
	CHECK(t.rsdp >= 0xe0000 && t.rsdp < 0x100000 && t.rsdp % 16 == 0,
	      "RSDP at %#llx: outside the legacy scan", (unsigned long long)t.rsdp);
	for (i = 0; i < ARRAY_SIZE(gpas); i++) {
		const struct hdr *h = table(gpas[i]);

		CHECK(h && acpi_checksum(h, h->len) == 0, "table %u at %#llx", i,
		      (unsigned long long)gpas[i]);
	}
	CHECK(t.end <= HYV_LAYOUT_ACPI + HYV_LAYOUT_ACPI_SIZE, "past the area");
}

TEST(xsdt_reaches_every_table)
{
	const struct hdr *x = table(t.xsdt);
	const u64 *e = (const u64 *)((const u8 *)x + 36);
	const u8 *fadt = (const u8 *)table(t.fadt);

	CHECK(x && !memcmp(x->sig, "XSDT", 4) && x->len == 36 + 3 * 8, "XSDT");
	CHECK(e[0] == t.fadt && !memcmp(table(e[0])->sig, "FACP", 4), "FADT");
	CHECK(e[1] == t.madt && !memcmp(table(e[1])->sig, "APIC", 4), "MADT");
	CHECK(e[2] == t.mcfg && !memcmp(table(e[2])->sig, "MCFG", 4), "MCFG");
	CHECK(*(const u64 *)(fadt + 140) == t.dsdt && !memcmp(table(t.dsdt)->sig, "DSDT", 4),
	      "X_DSDT");
}

TEST(fadt_is_hw_reduced)
{
	const u8 *f = (const u8 *)table(t.fadt);
	u32 flags = *(const u32 *)(f + 112);

	CHECK(f[8] >= 5 && ((const struct hdr *)f)->len == 276, "revision %u", f[8]);
	CHECK(flags & (1U << 20), "HW_REDUCED_ACPI not set: %#x", flags);
	CHECK(flags & (1U << 10), "RESET_REG_SUP not set");
	CHECK(f[244] == 1 && *(const u64 *)(f + 248) == HYV_PORT_ACPI_SLEEP_CTL,
	      "sleep control register");
	CHECK(f[256] == 1 && *(const u64 *)(f + 260) == HYV_PORT_ACPI_SLEEP_STS,
	      "sleep status register");
	CHECK(f[116] == 1 && *(const u64 *)(f + 120) == HYV_PORT_ACPI_RESET, "reset register");
	CHECK(!(f[109] & (1 << 3)), "MSI marked unsupported");
}

/* The MADT entries of a given type. */
static unsigned int madt_count(u8 type)
{
	const struct hdr *h = table(t.madt);
	const u8 *p = (const u8 *)h + 44, *end = (const u8 *)h + h->len;
	unsigned int n = 0;

	while (p + 2 <= end && p[1] >= 2) {
		n += p[0] == type;
		p += p[1];
	}
	return n;
}

TEST(madt_lists_every_vcpu)
{
	static const unsigned int counts[] = { 1, 2, 64 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		CHECK(build(counts[i]), "build %u", counts[i]);
		CHECK(madt_count(0) == counts[i], "%u vCPUs: %u local APICs", counts[i],
		      madt_count(0));
		CHECK(madt_count(1) == 1, "IOAPIC entries: %u", madt_count(1));
	}
	build(4);
}

TEST(dsdt_names)
{
	const struct hdr *h = table(t.dsdt);

	CHECK(memmem(h, h->len, "_S5_", 4), "no _S5_");
	CHECK(memmem(h, h->len, "PCI0", 4), "no PCI0");
	CHECK(memmem(h, h->len, "_CRS", 4), "no _CRS");
}

/* iasl -d on one table; its .dsl must contain every expected string. */
static void iasl_expect(const char *sig, u64 gpa, const char *const *want)
{
	char dir[] = "/tmp/hyv-acpi-XXXXXX", cmd[512], path[256];
	const struct hdr *h = table(gpa);
	u8 *dsl = NULL;
	size_t len = 0;
	FILE *f;
	int status;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/%s.dat", dir, sig);
	f = fopen(path, "w");
	fwrite(h, 1, h->len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat >iasl.log 2>&1", dir, sig);
	status = system(cmd);
	snprintf(path, sizeof(path), "%s/%s.dsl", dir, sig);
	CHECK(status == 0 && !hyv_read_file(path, 1 << 20, &dsl, &len),
	      "iasl -d %s failed (%d)", sig, status);
	for (; dsl && *want; want++)
		CHECK(memmem(dsl, len, *want, strlen(*want)), "%s: no \"%s\"", sig, *want);
	CHECK(!dsl || !memmem(dsl, len, "Incorrect", 9), "%s: iasl found errors", sig);
	free(dsl);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		test_note("cannot remove %s\n", dir);
}

TEST(iasl_decodes_the_tables)
{
	static const char *const fadt[] = { "Hardware Reduced (V5) : 1", NULL };
	static const char *const madt[] = { "Processor Local APIC", "I/O APIC",
					    "Interrupt Source Override", NULL };
	static const char *const mcfg[] = { "00000000E0000000",
		"End Bus Number : 00", NULL };
	static const char *const dsdt[] = { "Name (\\_S5, Package (0x04)",
		"EisaId (\"PNP0A08\")", "WordBusNumber", "DWordMemory", "QWordMemory",
		"0xC0000000,         // Range Minimum", "0x0000008000000000, // Range Minimum",
		"Device (\\_SB.COM1)", "EisaId (\"PNP0501\")", "IRQNoFlags ()\n                {4}",
		"Device (\\_SB.RTC)", "EisaId (\"PNP0B00\")", "{8}", NULL };

	if (system("command -v iasl >/dev/null")) {
		printf("# iasl (acpica-tools) missing: table decoding not checked\n");
		return;
	}
	iasl_expect("FACP", t.fadt, fadt);
	iasl_expect("APIC", t.madt, madt);
	iasl_expect("MCFG", t.mcfg, mcfg);
	iasl_expect("DSDT", t.dsdt, dsdt);
}

int main(void)
{
	test_suite = "vmm-acpi";
	if (!build(4)) {
		printf("not ok host:vmm-acpi:build\n");
		return 1;
	}
	RUN(checksums);
	RUN(xsdt_reaches_every_table);
	RUN(fadt_is_hw_reduced);
	RUN(madt_lists_every_vcpu);
	RUN(dsdt_names);
	RUN(iasl_decodes_the_tables);
	return test_summary();
}

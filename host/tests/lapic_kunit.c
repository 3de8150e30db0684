// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the local APIC's pure logic (lapic.c): which registers a guest
 * may read or write, highest vector of a bank, processor priority,
 * deliverability, logical destinations, timer length.
 */
#include <kunit/test.h>

#include "../hyv.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---- hyv_apic_highest_vector ---------------------------------------- */

struct highest_case {
	const char *what;
	int set[3];		/* vectors to set, -1 ends */
	int want;
};

static const struct highest_case highest_cases[] = {
	{ "empty bank", { -1 }, -1 },
	{ "vector 0", { 0, -1 }, 0 },
	{ "vector 31 (top of word 0)", { 31, -1 }, 31 },
	{ "vector 32 (bottom of word 1)", { 32, -1 }, 32 },
	{ "vector 255", { 255, -1 }, 255 },
	{ "highest of three words", { 40, 200, 100 }, 200 },
	{ "highest inside one word", { 65, 66, 64 }, 66 },
	{ "lower word does not hide upper", { 0x20, 0xef, -1 }, 0xef },
};

static void highest_vector_table(struct kunit *test)
{
	int i, j;

	for (i = 0; i < ARRAY_SIZE(highest_cases); i++) {
		const struct highest_case *c = &highest_cases[i];
		u32 bank[8] = {};

		for (j = 0; j < ARRAY_SIZE(c->set) && c->set[j] >= 0; j++)
			bank[c->set[j] / 32] |= BIT(c->set[j] % 32);
		KUNIT_EXPECT_EQ_MSG(test, hyv_apic_highest_vector(bank), c->want,
				    "%s", c->what);
	}
}

/* Every single vector is found in its own word and bit. */
static void highest_vector_every_vector(struct kunit *test)
{
	int v;

	for (v = 0; v < 256; v++) {
		u32 bank[8] = {};

		bank[v / 32] = BIT(v % 32);
		KUNIT_EXPECT_EQ(test, hyv_apic_highest_vector(bank), v);
	}
}

/* ---- hyv_apic_ppr and hyv_apic_deliverable ---------------------------- */

struct ppr_case {
	u32 tpr;
	int isr;	/* highest in-service vector, -1: none */
	u32 want;
};

/* SDM vol. 3A §11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0. */
static const struct ppr_case ppr_cases[] = {
	{ 0x00, -1, 0x00 },
	{ 0x35, -1, 0x35 },	/* TPR's sub-class comes along */
	{ 0x00, 0x41, 0x40 },	/* ISRV's sub-class does not */
	{ 0x40, 0x4f, 0x40 },	/* same class: TPR wins */
	{ 0x4a, 0x41, 0x4a },
	{ 0x3f, 0x41, 0x40 },
	{ 0x50, 0x41, 0x50 },
	{ 0xff, 0xfe, 0xff },
	{ 0x10, 0xf0, 0xf0 },
};

static void ppr_table(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ppr_cases); i++) {
		const struct ppr_case *c = &ppr_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, hyv_apic_ppr(c->tpr, c->isr), c->want,
				    "tpr %#x isr %d", c->tpr, c->isr);
	}
}

struct deliverable_case {
	int irr;
	u32 ppr;
	bool want;
};

/* §11.8.4: delivered only when the vector's class is above the PPR's. */
static const struct deliverable_case deliverable_cases[] = {
	{ -1, 0x00, false },	/* nothing requested */
	{ 0x20, 0x00, true },
	{ 0x30, 0x20, true },
	{ 0x2f, 0x20, false },	/* same class: held */
	{ 0x20, 0x2f, false },
	{ 0x3f, 0x2f, true },
	{ 0x41, 0x40, false },
	{ 0x50, 0x4f, true },	/* PPR's sub-class does not count */
	{ 0xff, 0xf0, false },
	{ 0xff, 0xe0, true },
	{ 0x10, 0x00, true },
};

static void deliverable_table(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(deliverable_cases); i++) {
		const struct deliverable_case *c = &deliverable_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, hyv_apic_deliverable(c->irr, c->ppr),
				    c->want, "irr %#x ppr %#x", c->irr, c->ppr);
	}
}

/* Priority and deliverability together: an in-service vector blocks its class. */
static void in_service_blocks_its_class(struct kunit *test)
{
	int isr, irr;

	for (isr = 0x20; isr < 0x100; isr += 0x11) {
		u32 ppr = hyv_apic_ppr(0, isr);

		for (irr = 0x10; irr < 0x100; irr += 7)
			KUNIT_EXPECT_EQ_MSG(test, hyv_apic_deliverable(irr, ppr),
					    (irr >> 4) > (isr >> 4),
					    "isr %#x irr %#x", isr, irr);
	}
}

/* ---- hyv_apic_match_logical ------------------------------------------ */

#define DFR_FLAT	0xffffffff
#define DFR_CLUSTER	0x0fffffff

struct logical_case {
	const char *what;
	bool x2apic;
	u32 ldr, dfr, dest;
	bool want;
};

/* SDM vol. 3A §11.6.2.2 (xAPIC), §11.12.10.2 (x2APIC). */
static const struct logical_case logical_cases[] = {
	/* Flat: LDR[31:24] is a bit mask, any common bit matches. */
	{ "flat, own bit", false, 0x01000000, DFR_FLAT, 0x01, true },
	{ "flat, other bit", false, 0x01000000, DFR_FLAT, 0x02, false },
	{ "flat, one of several", false, 0x04000000, DFR_FLAT, 0x0e, true },
	{ "flat, LDR 0 never matches", false, 0, DFR_FLAT, 0x0f, false },
	{ "flat, only dest[7:0] counts", false, 0x01000000, DFR_FLAT, 0x100, false },
	/* Cluster: LDR[31:28] cluster, [27:24] member bits. */
	{ "cluster, same cluster and bit", false, 0x21000000, DFR_CLUSTER, 0x21, true },
	{ "cluster, same cluster, other bit", false, 0x21000000, DFR_CLUSTER, 0x22, false },
	{ "cluster, same bit, other cluster", false, 0x21000000, DFR_CLUSTER, 0x31, false },
	{ "cluster, one of several bits", false, 0x24000000, DFR_CLUSTER, 0x2f, true },
	/* x2APIC: LDR[31:16] cluster, [15:0] member bits. */
	{ "x2apic, same cluster and bit", true, 0x00010002, 0, 0x00010002, true },
	{ "x2apic, same cluster, other bit", true, 0x00010002, 0, 0x00010001, false },
	{ "x2apic, same bit, other cluster", true, 0x00010002, 0, 0x00020002, false },
	{ "x2apic, several bits", true, 0x00000008, 0, 0x0000000f, true },
	{ "x2apic, cluster 0 bit 0", true, 0x00000001, 0, 0x00000001, true },
};

/*
 * All ones is a broadcast in every logical model: "all APICs in all
 * clusters" (SDM vol. 3A §11.6.2.2), and 0xffffffff in x2APIC mode
 * (§11.12.9). hyv_apic_matches() passes the destination straight here.
 */
static const struct logical_case broadcast_cases[] = {
	{ "flat, broadcast 0xff", false, 0x80000000, DFR_FLAT, 0xff, true },
	{ "cluster, broadcast 0xff", false, 0x21000000, DFR_CLUSTER, 0xff, true },
	{ "x2apic, broadcast 0xffffffff", true, 0x00030004, 0, 0xffffffff, true },
};

static void check_logical(struct kunit *test, const struct logical_case *cases,
			  int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct logical_case *c = &cases[i];
		bool match = hyv_apic_match_logical(c->x2apic, c->ldr, c->dfr,
						    c->dest);

		/* Short messages: KUnit's per-test log is 512 bytes in 6.1. */
		KUNIT_EXPECT_EQ_MSG(test, match, c->want, "%s", c->what);
	}
}

static void match_logical_table(struct kunit *test)
{
	check_logical(test, logical_cases, ARRAY_SIZE(logical_cases));
}

static void match_logical_broadcast(struct kunit *test)
{
	check_logical(test, broadcast_cases, ARRAY_SIZE(broadcast_cases));
}

/* ---- hyv_apic_timer_ns ----------------------------------------------- */

struct timer_case {
	u32 dcr;
	u32 divide;
};

/* Every divide configuration (SDM vol. 3A figure 11-10); bit 2 is reserved. */
static const struct timer_case timer_cases[] = {
	{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
	{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	{ 0x4, 2 }, { 0xf, 1 }, { 0xfffffff0 | 0x9, 64 },	/* ignored bits */
};

static void timer_ns_every_divide(struct kunit *test)
{
	static const u32 counts[] = { 0, 1, 1000, 0xffffffff };
	int i, j;

	for (i = 0; i < ARRAY_SIZE(timer_cases); i++) {
		const struct timer_case *c = &timer_cases[i];

		for (j = 0; j < ARRAY_SIZE(counts); j++)
			KUNIT_EXPECT_EQ_MSG(test,
					    hyv_apic_timer_ns(counts[j], c->dcr),
					    (u64)counts[j] * c->divide,
					    "dcr %#x count %u", c->dcr, counts[j]);
	}
}

/* ---- hyv_apic_reg_access --------------------------------------------- */

struct access_case {
	u32 offset;
	unsigned int xapic, x2apic;
};

#define R	HYV_APIC_READ
#define W	HYV_APIC_WRITE

/* SDM vol. 3A table 11-1 (xAPIC) and table 11-6 (x2APIC), row by row. */
static const struct access_case access_cases[] = {
	{ 0x000, 0, 0 }, { 0x010, 0, 0 },
	{ 0x020, R | W, R },		/* ID */
	{ 0x030, R, R },		/* version */
	{ 0x040, 0, 0 }, { 0x070, 0, 0 },
	{ 0x080, R | W, R | W },	/* TPR */
	{ 0x090, R, 0 },		/* APR */
	{ 0x0a0, R, R },		/* PPR */
	{ 0x0b0, W, W },		/* EOI */
	{ 0x0c0, R, 0 },		/* RRD */
	{ 0x0d0, R | W, R },		/* LDR */
	{ 0x0e0, R | W, 0 },		/* DFR */
	{ 0x0f0, R | W, R | W },	/* SVR */
	{ 0x100, R, R }, { 0x170, R, R },	/* ISR */
	{ 0x180, R, R }, { 0x1f0, R, R },	/* TMR */
	{ 0x200, R, R }, { 0x270, R, R },	/* IRR */
	{ 0x280, R | W, R | W },	/* ESR */
	{ 0x290, 0, 0 }, { 0x2e0, 0, 0 },
	{ 0x2f0, R | W, R | W },	/* LVT CMCI */
	{ 0x300, R | W, R | W },	/* ICR */
	{ 0x310, R | W, 0 },		/* ICR high */
	{ 0x320, R | W, R | W }, { 0x370, R | W, R | W },	/* LVTs */
	{ 0x380, R | W, R | W },	/* initial count */
	{ 0x390, R, R },		/* current count */
	{ 0x3a0, 0, 0 }, { 0x3d0, 0, 0 },
	{ 0x3e0, R | W, R | W },	/* divide configuration */
	{ 0x3f0, 0, W },		/* self IPI */
	{ 0x400, 0, 0 }, { 0x800, 0, 0 }, { 0xff0, 0, 0 },
	{ 0x024, 0, 0 }, { 0x308, 0, 0 },	/* unaligned */
	{ 0x1000, 0, 0 }, { 0xffffffff, 0, 0 },
};

#undef R
#undef W

static void reg_access_table(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(access_cases); i++) {
		const struct access_case *c = &access_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, hyv_apic_reg_access(c->offset, false),
				    c->xapic, "xAPIC offset %#x", c->offset);
		KUNIT_EXPECT_EQ_MSG(test, hyv_apic_reg_access(c->offset, true),
				    c->x2apic, "x2APIC offset %#x", c->offset);
	}
}

/* Nothing past the register file, whatever the offset. */
static void reg_access_never_past_the_file(struct kunit *test)
{
	u32 offset;

	for (offset = HYV_APIC_REGS * 16; offset < 0x1000; offset++) {
		KUNIT_EXPECT_EQ(test, hyv_apic_reg_access(offset, false), 0);
		KUNIT_EXPECT_EQ(test, hyv_apic_reg_access(offset, true), 0);
	}
}

static struct kunit_case lapic_cases[] = {
	KUNIT_CASE(reg_access_table),
	KUNIT_CASE(reg_access_never_past_the_file),
	KUNIT_CASE(highest_vector_table),
	KUNIT_CASE(highest_vector_every_vector),
	KUNIT_CASE(ppr_table),
	KUNIT_CASE(deliverable_table),
	KUNIT_CASE(in_service_blocks_its_class),
	KUNIT_CASE(match_logical_table),
	KUNIT_CASE(match_logical_broadcast),
	KUNIT_CASE(timer_ns_every_divide),
	{}
};

static struct kunit_suite lapic_suite = {
	.name = "hyv_lapic",
	.test_cases = lapic_cases,
};

kunit_test_suite(lapic_suite);

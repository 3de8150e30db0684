// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hyv_msr: the value checks of host/msr.c that WRMSR and
 * HYV_SET_MSRS share: IA32_PAT's eight memory types (SDM vol. 3A
 * §12.12.2) and the MTRRs (§12.11.2): the default type, the fixed
 * ranges, and the variable ranges' base and mask with their reserved
 * bits and the bits above the guest's physical-address width.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/mtrr.h>

#include "../hyv.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static const struct {
	u64 pat;
	bool valid;
} pat_cases[] = {
	{ HYV_PAT_POWER_ON, true },
	{ 0x0000000000000000ULL, true },		/* all UC */
	{ 0x0606060606060606ULL, true },		/* all WB */
	{ 0x0007010600070106ULL, true },		/* Linux: WB WC UC- UC */
	{ 0x0504070605040706ULL, true },		/* WP WT, UC- */
	{ 0x0000000000000002ULL, false },		/* type 2: reserved */
	{ 0x0000000000000003ULL, false },		/* type 3: reserved */
	{ 0x0000000000000008ULL, false },		/* above 7 */
	{ 0x0200000000000000ULL, false },		/* entry 7 reserved */
	{ 0x0000000000ff0000ULL, false },		/* entry 2 = 0xff */
	{ 0x0006000000000000ULL | (3ULL << 32), false },
};

static void msr_test_pat(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pat_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, hyv_pat_valid(pat_cases[i].pat),
				    pat_cases[i].valid, "PAT %#llx",
				    pat_cases[i].pat);
}

#define BASE(n)	MTRRphysBase_MSR(n)
#define MASK(n)	MTRRphysMask_MSR(n)

static const struct {
	const char *name;
	u32 msr;
	u64 val;
	unsigned int phys_bits;
	bool valid;
} mtrr_cases[] = {
	{ "def WB, E, FE", MSR_MTRRdefType, 0xc06, 40, true },
	{ "def UC", MSR_MTRRdefType, 0, 40, true },
	{ "def type 2", MSR_MTRRdefType, 0x802, 40, false },
	{ "def type 7 (UC- is PAT only)", MSR_MTRRdefType, 0x807, 40, false },
	{ "def bit 9", MSR_MTRRdefType, 0x206, 40, false },
	{ "def bit 12", MSR_MTRRdefType, 0x1006, 40, false },
	{ "fix64K all WB", MSR_MTRRfix64K_00000, 0x0606060606060606ULL, 40,
	  true },
	{ "fix16K mixed", MSR_MTRRfix16K_A0000, 0x0000000001010101ULL, 40,
	  true },
	{ "fix16K_80000 WP", MSR_MTRRfix16K_80000, 0x0505050505050505ULL, 40,
	  true },
	{ "fix4K_C0000 WT", MSR_MTRRfix4K_C0000, 0x0404040404040404ULL, 40,
	  true },
	{ "fix4K_F8000 one UC-", MSR_MTRRfix4K_F8000, 0x0706060606060606ULL,
	  40, false },
	{ "fix4K_E0000 type 2", MSR_MTRRfix4K_E0000, 0x0000000000020000ULL,
	  40, false },
	{ "base 0 WB", BASE(0), 0x06, 40, true },
	{ "base 7 at 0xfe000000 UC", BASE(7), 0xfe000000ULL, 40, true },
	{ "base below 40 bits", BASE(3), 0xff00000006ULL, 40, true },
	{ "base at bit 40", BASE(3), 0x10000000006ULL, 40, false },
	{ "base at bit 40, 48 bits", BASE(3), 0x10000000006ULL, 48, true },
	{ "base bits 8-11", BASE(1), 0x106, 40, false },
	{ "base bit 11", BASE(1), 0x806, 40, false },
	{ "base type 3", BASE(2), 0x03, 40, false },
	{ "mask 4 GiB valid", MASK(0), 0xff00000800ULL, 40, true },
	{ "mask invalid (V clear)", MASK(0), 0xff00000000ULL, 40, true },
	{ "mask low bits", MASK(0), 0xff00000801ULL, 40, false },
	{ "mask bit 10", MASK(5), 0xff00000c00ULL, 40, false },
	{ "mask above 40 bits", MASK(0), 0xffff00000800ULL, 40, false },
	{ "mask above 46 bits", MASK(0), 0xffff00000800ULL, 46, false },
	{ "mask 48 bits", MASK(0), 0xffff00000800ULL, 48, true },
	{ "range 8 does not exist", BASE(8), 0x06, 40, false },
	{ "mask 8 does not exist", MASK(8), 0x800, 40, false },
	{ "MTRRcap is not written here", MSR_MTRRcap, 0, 40, false },
	{ "not an MTRR", MSR_IA32_CR_PAT, 0x06, 40, false },
};

static void msr_test_mtrr(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mtrr_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    hyv_mtrr_valid(mtrr_cases[i].msr,
						   mtrr_cases[i].val,
						   mtrr_cases[i].phys_bits),
				    mtrr_cases[i].valid, "%s",
				    mtrr_cases[i].name);
}

/*
 * Every fixed-range MTRR takes eight WB bytes and refuses a reserved
 * type in any byte; the eleven are all recognised.
 */
static void msr_test_fixed_each_byte(struct kunit *test)
{
	static const u32 fixed[] = {
		MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
		MSR_MTRRfix16K_A0000, MSR_MTRRfix4K_C0000,
		MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
		MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000,
		MSR_MTRRfix4K_E8000, MSR_MTRRfix4K_F0000,
		MSR_MTRRfix4K_F8000,
	};
	const u64 wb = 0x0606060606060606ULL;
	unsigned int i, byte;
	bool ok;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		ok = hyv_mtrr_valid(fixed[i], wb, 40);
		KUNIT_EXPECT_TRUE_MSG(test, ok, "%#x", fixed[i]);
		for (byte = 0; byte < 8; byte++) {
			/* WB (6) ^ 4 is type 2, reserved. */
			ok = hyv_mtrr_valid(fixed[i], wb ^ (4ULL << (byte * 8)),
					    40);
			KUNIT_EXPECT_FALSE_MSG(test, ok, "%#x byte %u",
					       fixed[i], byte);
		}
	}
}

static struct kunit_case hyv_msr_cases[] = {
	KUNIT_CASE(msr_test_pat),
	KUNIT_CASE(msr_test_mtrr),
	KUNIT_CASE(msr_test_fixed_each_byte),
	{}
};

static struct kunit_suite hyv_msr_suite = {
	.name = "hyv_msr",
	.test_cases = hyv_msr_cases,
};

kunit_test_suite(hyv_msr_suite);

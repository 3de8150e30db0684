// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID policy. Each vCPU answers CPUID from its own table: hyv's safe
 * defaults, or what the VMM set with HYV_SET_CPUID, checked against what
 * hyv can back on this host (HYV_GET_SUPPORTED_CPUID). Feature bits pass
 * only through allow-lists, so a new host feature never reaches a guest
 * unexamined; host topology never does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyv_pv.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "hyv.h"

#define HYV_CPUID_MAX_BASIC	0x16
#define HYV_CPUID_MAX_EXT	0x80000008
#define HYV_CPUID_HYV_MAX	HYV_CPUID_TIMING

/* Registers of an entry, as the allow-lists name them. */
enum { R_EAX, R_EBX, R_ECX, R_EDX };

/*
 * Feature bits hyv backs, per leaf and register (Intel SDM vol. 2A
 * CPUID; AMD APM vol. 3 appendix E). What is not listed reads 0. Left
 * out on purpose: monitor/mwait, PMU, debug store, VMX/SVM, SMX, thermal
 * and power management, XSAVE and AVX until XCR0 is virtualized,
 * RDTSCP/RDPID until TSC_AUX is, PKU, LA57, CET, SGX, TSX, INVPCID,
 * the speculation-control MSRs, and topology (HTT, CmpLegacy, TopoExt).
 * XSAVE goes only as far as hyv switches XCR0 (cr.c: x87, SSE, AVX).
 */
static const struct hyv_cpuid_allow {
	u32 leaf, index;
	u32 reg[4];
} hyv_cpuid_allow[] = {
	/*
	 * SSE3 PCLMUL SSSE3 FMA CX16 PCID SSE4.1 SSE4.2 x2APIC MOVBE POPCNT
	 * TSC-DL AES XSAVE AVX F16C RDRAND HV; FPU..SS but MCE, MCA, PSN,
	 * DS, ACPI, HTT, TM, PBE.
	 */
	{ 1, 0, { 0, 0,
		  BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(17) |
		  BIT(19) | BIT(20) | BIT(21) | BIT(22) | BIT(23) | BIT(24) |
		  BIT(25) | BIT(26) | BIT(28) | BIT(29) | BIT(30) | BIT(31),
		  0x0f8bfbff & ~(BIT(7) | BIT(14) | BIT(18) | BIT(21) |
				 BIT(22)) } },
	/*
	 * FSGSBASE TSC_ADJUST BMI1 AVX2 FDP SMEP BMI2 ERMS FPCSDS RDSEED ADX
	 * SMAP CLFLUSHOPT CLWB SHA; UMIP GFNI CLDEMOTE MOVDIRI MOVDIR64B;
	 * FSRM MD_CLEAR SERIALIZE.
	 */
	{ 7, 0, { 0,
		  BIT(0) | BIT(1) | BIT(3) | BIT(5) | BIT(6) | BIT(7) | BIT(8) |
		  BIT(9) | BIT(13) | BIT(18) | BIT(19) | BIT(20) | BIT(23) |
		  BIT(24) | BIT(29),
		  BIT(2) | BIT(8) | BIT(25) | BIT(27) | BIT(28),
		  BIT(4) | BIT(10) | BIT(14) } },
	{ 6, 0, { BIT(2), 0, 0, 0 } },		/* ARAT */
	/* XSAVE: x87, SSE and AVX state; XSAVEOPT, XSAVEC, XGETBV1. */
	{ 0xd, 0, { XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM,
		    ~0U, ~0U, 0 } },
	{ 0xd, 1, { BIT(0) | BIT(1) | BIT(2), 0, 0, 0 } },
	{ 0xd, 2, { ~0U, ~0U, 0, 0 } },		/* the AVX component */
	/*
	 * LAHF ABM SSE4A MisAlignSSE 3DNowPrefetch TBM; SYSCALL NX MmxExt
	 * FFXSR Page1GB LM 3DNowExt 3DNow, and leaf 1's mirrored bits.
	 */
	{ 0x80000001, 0, { 0, 0,
		  BIT(0) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(21),
		  (0x0183fbff & ~(BIT(7) | BIT(14))) | BIT(11) | BIT(20) |
		  BIT(22) | BIT(25) | BIT(26) | BIT(29) | BIT(30) |
		  BIT(31) } },
	{ 0x80000007, 0, { 0, 0, 0, BIT(8) } },	/* invariant TSC */
	{ 0x80000008, 0, { ~0U, BIT(2), 0, 0 } },	/* XSaveErPtr */
	/* Of KVM's PV features, PV EOI (pv_eoi.c). */
	{ HYV_CPUID_KVM_FEATURES, 0, { HYV_KVM_FEATURE_PV_EOI, 0, 0, 0 } },
};

/* Leaves whose contents pass unchanged (cache, TLB, brand string). */
static bool hyv_cpuid_passthrough(u32 leaf)
{
	return leaf == 2 || (leaf >= 0x80000002 && leaf <= 0x80000006);
}

static const struct hyv_cpuid_allow *hyv_cpuid_allow_of(u32 leaf, u32 index)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(hyv_cpuid_allow); i++)
		if (hyv_cpuid_allow[i].leaf == leaf &&
		    hyv_cpuid_allow[i].index == index)
			return &hyv_cpuid_allow[i];
	return NULL;
}

static void hyv_cpuid_fill(struct hyv_cpuid_entry *e, u32 leaf, u32 index,
			   bool indexed, u32 a, u32 b, u32 c, u32 d)
{
	*e = (struct hyv_cpuid_entry){
		.function = leaf, .index = index,
		.flags = indexed ? HYV_CPUID_FLAG_SIGNIFICANT_INDEX : 0,
		.eax = a, .ebx = b, .ecx = c, .edx = d,
	};
}

/* Intel defines leaves 0x15/0x16 for the TSC; hyv fills them in itself. */
static bool hyv_cpuid_synth_tsc(void)
{
	return boot_cpu_data.x86_vendor == X86_VENDOR_INTEL && tsc_khz;
}

static u32 hyv_cpuid_max_basic(void)
{
	if (hyv_cpuid_synth_tsc())
		return HYV_CPUID_MAX_BASIC;
	return min_t(u32, cpuid_eax(0), HYV_CPUID_MAX_BASIC);
}

/*
 * The XSAVE area size for the components of @xcr0 (CPUID 0xd.0 EBX/ECX):
 * the end of the highest component, 576 for x87 and SSE alone.
 */
u32 hyv_xsave_size(u64 xcr0)
{
	u32 size = 512 + 64, a, b, c, d;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &a, &b, &c, &d);
		size = max(size, a + b);
	}
	return size;
}

/* Leaf 0xd, subleaf @index, of what hyv switches (cr.c's XCR0 mask). */
static bool hyv_xsave_leaf(u32 index, u32 *r)
{
	u64 supported = hyv_xcr0_supported();

	switch (index) {
	case 0:
		r[R_EAX] = supported;
		r[R_EBX] = hyv_xsave_size(XFEATURE_MASK_FP);
		r[R_ECX] = hyv_xsave_size(supported);
		r[R_EDX] = 0;
		return true;
	case 1:
		r[R_EAX] &= BIT(0) | BIT(1) | BIT(2);
		r[R_EBX] = 0;
		r[R_ECX] = 0;
		r[R_EDX] = 0;
		return true;
	case 2:
		return supported & XFEATURE_MASK_YMM;
	}
	return false;
}

/*
 * One leaf of what hyv supports on this host, for vCPU @apic_id. Returns
 * false for leaves that read as all zero (and are left out of tables).
 */
static bool hyv_cpuid_leaf(u32 leaf, u32 index, u32 apic_id,
			   struct hyv_cpuid_entry *e)
{
	const struct hyv_cpuid_allow *allow;
	u32 r[4] = {};

	if (hyv_cpuid_synth_tsc() && (leaf == 0x15 || leaf == 0x16)) {
		/*
		 * Intel's TSC leaves: a 1 GHz crystal (the local APIC timer's
		 * rate) and the TSC as a ratio of it (SDM vol. 3B §18.7.3).
		 */
		if (leaf == 0x15)
			hyv_cpuid_fill(e, leaf, 0, false, 1000000, tsc_khz,
				       1000000000, 0);
		else
			hyv_cpuid_fill(e, leaf, 0, false, tsc_khz / 1000,
				       tsc_khz / 1000, 1000, 0);
		return true;
	}
	/* Past the host's range a CPU repeats its last leaf: not data. */
	if (leaf > (leaf < 0x80000000 ? cpuid_eax(0) : cpuid_eax(0x80000000)))
		return false;
	cpuid_count(leaf, index, &r[R_EAX], &r[R_EBX], &r[R_ECX], &r[R_EDX]);
	allow = hyv_cpuid_allow_of(leaf, index);
	if (leaf == 0xd && !hyv_host_xcr0)
		return false;
	if (!allow && leaf != 0 && leaf != 1 && leaf != 4 &&
	    leaf != 0x80000000 && !hyv_cpuid_passthrough(leaf))
		return false;
	switch (leaf) {
	case 0:
		r[R_EAX] = hyv_cpuid_max_basic();
		break;
	case 0x80000000:
		r[R_EAX] = min_t(u32, r[R_EAX], HYV_CPUID_MAX_EXT);
		break;
	case 1:
		/* APIC ID = vCPU id, one logical processor, CLFLUSH size. */
		r[R_EBX] = (r[R_EBX] & 0xff00) | (1 << 16) | (apic_id << 24);
		/*
		 * What hyv adds whatever the host has: x2APIC, TSC-deadline,
		 * the hypervisor bit; APIC, MTRR, PAT.
		 */
		r[R_ECX] = (r[R_ECX] & allow->reg[R_ECX]) |
			   BIT(21) | BIT(24) | BIT(31);
		r[R_EDX] = (r[R_EDX] & allow->reg[R_EDX]) |
			   BIT(9) | BIT(12) | BIT(16);
		break;
	case 4:
		/* Cache descriptors, without the host's core and thread counts. */
		r[R_EAX] &= 0x3fff;
		break;
	case 0xd:
		if (!hyv_xsave_leaf(index, r))
			return false;
		break;
	case 6:
		r[R_EAX] = BIT(2);	/* ARAT, and nothing else */
		r[R_EBX] = 0;
		r[R_ECX] = 0;
		r[R_EDX] = 0;
		break;
	case 0x80000008:
		/* Guest-physical bits: no more than hyv's limit; 48-bit linear. */
		r[R_EAX] = min_t(u32, r[R_EAX] & 0xff, HYV_GUEST_PHYS_BITS) |
			   (48 << 8);
		r[R_EBX] &= allow->reg[R_EBX];
		r[R_ECX] = 0;
		r[R_EDX] = 0;
		break;
	default:
		if (allow) {
			r[R_EAX] &= allow->reg[R_EAX];
			r[R_EBX] &= allow->reg[R_EBX];
			r[R_ECX] &= allow->reg[R_ECX];
			r[R_EDX] &= allow->reg[R_EDX];
		}
		break;
	}
	hyv_cpuid_fill(e, leaf, index, leaf == 4 || leaf == 7 || leaf == 0xd,
		       r[R_EAX], r[R_EBX], r[R_ECX], r[R_EDX]);
	return true;
}

/* hyv's own leaves (uapi/linux/hyv_pv.h): signature, features, timing. */
static bool hyv_cpuid_hyv_leaf(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	*a = *b = *c = *d = 0;
	switch (leaf) {
	case HYV_CPUID_SIGNATURE:
		*a = HYV_CPUID_HYV_MAX;
		*b = HYV_SIGNATURE_EBX;
		*c = HYV_SIGNATURE_ECX;
		*d = HYV_SIGNATURE_EDX;
		return true;
	case HYV_CPUID_FEATURES:
		*a = HYV_FEATURE_HYPERCALL | HYV_FEATURE_DOORBELL;
		return true;
	case HYV_CPUID_TIMING:
		*a = tsc_khz;		/* TSC frequency, kHz */
		*b = 1000000;		/* local APIC timer frequency, kHz */
		return true;
	}
	return (leaf & 0xffffff00) == 0x40000000;
}

/*
 * Fill @t with the table hyv supports for vCPU @apic_id (the defaults of
 * a vCPU the VMM gives no table). Returns the number of entries.
 */
static u32 hyv_cpuid_build(struct hyv_cpuid_entry *t, u32 max, u32 apic_id)
{
	u32 n = 0, leaf, index, max_basic, max_ext, a, b, c, d;

	max_basic = hyv_cpuid_max_basic();
	for (leaf = 0; leaf <= max_basic && n < max; leaf++) {
		for (index = 0; index < 8 && n < max; index++) {
			if (!hyv_cpuid_leaf(leaf, index, apic_id, &t[n])) {
				if (leaf == 0xd)
					continue;	/* subleaf 2 may not exist */
				break;
			}
			/* Leaf 4 lists caches until type 0; 0xd has three. */
			if (leaf == 4 && !(t[n].eax & 0x1f))
				break;
			n++;
			if (leaf != 4 && !(leaf == 0xd && index < 2))
				break;
		}
	}
	max_ext = min_t(u32, cpuid_eax(0x80000000), HYV_CPUID_MAX_EXT);
	for (leaf = 0x80000000; leaf <= max_ext && n < max; leaf++)
		if (hyv_cpuid_leaf(leaf, 0, apic_id, &t[n]))
			n++;
	for (leaf = HYV_CPUID_SIGNATURE; leaf <= HYV_CPUID_HYV_MAX && n < max;
	     leaf++)
		if (hyv_cpuid_hyv_leaf(leaf, &a, &b, &c, &d) && (a | b | c | d))
			hyv_cpuid_fill(&t[n++], leaf, 0, false, a, b, c, d);
	/* KVM's signature and, of its PV features, PV EOI (pv_eoi.c). */
	if (n + 2 <= max) {
		hyv_cpuid_fill(&t[n++], HYV_CPUID_KVM_SIGNATURE, 0, false,
			       HYV_CPUID_KVM_FEATURES, HYV_KVM_SIGNATURE_EBX,
			       HYV_KVM_SIGNATURE_ECX, HYV_KVM_SIGNATURE_EDX);
		hyv_cpuid_fill(&t[n++], HYV_CPUID_KVM_FEATURES, 0, false,
			       HYV_KVM_FEATURE_PV_EOI, 0, 0, 0);
	}
	return n;
}

static const struct hyv_cpuid_entry *
hyv_cpuid_find(const struct hyv_cpuid_entry *t, u32 n, u32 leaf, u32 index)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (t[i].function == leaf &&
		    (!(t[i].flags & HYV_CPUID_FLAG_SIGNIFICANT_INDEX) ||
		     t[i].index == index))
			return &t[i];
	return NULL;
}

int hyv_cpuid_vcpu_init(struct hyv_vcpu *vcpu)
{
	struct hyv_cpuid_entry *t;

	t = kcalloc(HYV_MAX_CPUID_ENTRIES, sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	vcpu->cpuid_nent = hyv_cpuid_build(t, HYV_MAX_CPUID_ENTRIES, vcpu->id);
	vcpu->cpuid = t;
	return 0;
}

void hyv_cpuid_vcpu_destroy(struct hyv_vcpu *vcpu)
{
	kfree(vcpu->cpuid);
	vcpu->cpuid = NULL;
}

/* The named feature bits the core checks (cr.c, msr.c). */
static const struct {
	u32 leaf, index;
	u8 reg, bit;
} hyv_features[HYV_FEAT_NR] = {
	[HYV_FEAT_PCID]		= { 1, 0, R_ECX, 17 },
	[HYV_FEAT_XSAVE]	= { 1, 0, R_ECX, 26 },
	[HYV_FEAT_MTRR]		= { 1, 0, R_EDX, 12 },
	[HYV_FEAT_FSGSBASE]	= { 7, 0, R_EBX, 0 },
	[HYV_FEAT_TSC_ADJUST]	= { 7, 0, R_EBX, 1 },
	[HYV_FEAT_SMEP]		= { 7, 0, R_EBX, 7 },
	[HYV_FEAT_SMAP]		= { 7, 0, R_EBX, 20 },
	[HYV_FEAT_UMIP]		= { 7, 0, R_ECX, 2 },
	[HYV_FEAT_NX]		= { 0x80000001, 0, R_EDX, 20 },
	[HYV_FEAT_FFXSR]	= { 0x80000001, 0, R_EDX, 25 },
	[HYV_FEAT_PV_EOI]	= { HYV_CPUID_KVM_FEATURES, 0, R_EAX, 6 },
	[HYV_FEAT_LM]		= { 0x80000001, 0, R_EDX, 29 },
};

bool hyv_guest_has(struct hyv_vcpu *vcpu, enum hyv_feature f)
{
	const struct hyv_cpuid_entry *e;
	u32 regs[4];

	e = hyv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, hyv_features[f].leaf,
			   hyv_features[f].index);
	if (!e)
		return false;
	regs[0] = e->eax;
	regs[1] = e->ebx;
	regs[2] = e->ecx;
	regs[3] = e->edx;
	return regs[hyv_features[f].reg] & BIT(hyv_features[f].bit);
}

/* CPUID with the leaf in EAX and the subleaf in ECX; results in EAX..EDX. */
void hyv_cpuid(struct hyv_vcpu *vcpu)
{
	u64 *gpr = vcpu->gpr;
	u32 leaf = gpr[HYV_RAX], index = gpr[HYV_RCX];
	const struct hyv_cpuid_entry *e;
	u32 a = 0, b = 0, c = 0, d = 0;

	if (!hyv_cpuid_hyv_leaf(leaf, &a, &b, &c, &d)) {
		e = hyv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, leaf, index);
		if (e) {
			a = e->eax;
			b = e->ebx;
			c = e->ecx;
			d = e->edx;
		}
		if (leaf == 0xd && index == 0 && e)
			b = hyv_xsave_size(vcpu->xcr0);	/* for XCR0 as it is */
		if (leaf == 1) {
			/* Bits that follow the vCPU's state (SDM vol. 2A). */
			c &= ~BIT(27);
			if (hyv_cr4(vcpu) & X86_CR4_OSXSAVE)
				c |= BIT(27);			/* OSXSAVE */
			if (!(vcpu->lapic.base_msr & APIC_BASE_ENABLE))
				d &= ~BIT(9);			/* APIC */
		}
	}
	/* CPUID writes all four as 32-bit registers: zero-extended. */
	gpr[HYV_RAX] = a;
	gpr[HYV_RBX] = b;
	gpr[HYV_RCX] = c;
	gpr[HYV_RDX] = d;
}

/* ---- ioctls ------------------------------------------------------------------ */

/* Copy the header of a struct hyv_cpuid in; -EINVAL on bad flags or count. */
static int hyv_cpuid_get_header(struct hyv_cpuid __user *ucpuid, u32 *nent)
{
	struct hyv_cpuid hdr;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags)
		return -EINVAL;
	*nent = hdr.nent;
	return 0;
}

/* Copy @n entries out; -E2BIG (and the count needed) when they do not fit. */
static int hyv_cpuid_put(struct hyv_cpuid __user *ucpuid, u32 room,
			 const struct hyv_cpuid_entry *t, u32 n)
{
	if (put_user(n, &ucpuid->nent))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(ucpuid->entries, t, n * sizeof(*t)))
		return -EFAULT;
	return 0;
}

/* HYV_GET_SUPPORTED_CPUID on /dev/hyv: everything hyv can back here. */
int hyv_cpuid_get_supported(void __user *argp)
{
	struct hyv_cpuid_entry *t;
	u32 room, n;
	int ret;

	ret = hyv_cpuid_get_header(argp, &room);
	if (ret)
		return ret;
	t = kcalloc(HYV_MAX_CPUID_ENTRIES, sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	n = hyv_cpuid_build(t, HYV_MAX_CPUID_ENTRIES, 0);
	ret = hyv_cpuid_put(argp, room, t, n);
	kfree(t);
	return ret;
}

int hyv_cpuid_get(struct hyv_vcpu *vcpu, void __user *argp)
{
	u32 room;
	int ret;

	ret = hyv_cpuid_get_header(argp, &room);
	if (ret)
		return ret;
	return hyv_cpuid_put(argp, room, vcpu->cpuid, vcpu->cpuid_nent);
}

/*
 * May a VMM give its guest entry @e? Feature registers must be subsets of
 * what hyv backs for this vCPU (@supported); a leaf hyv has no allow-list
 * for (cache and topology descriptions, brand string) is the VMM's to
 * describe; hyv's own leaves are answered by hyv whatever the table says.
 */
static bool hyv_cpuid_entry_ok(const struct hyv_cpuid_entry *e,
			       const struct hyv_cpuid_entry *supported, u32 n)
{
	const struct hyv_cpuid_entry *s;
	const struct hyv_cpuid_allow *allow;
	u32 regs[4], sregs[4];
	int i;

	if (e->padding || (e->flags & ~HYV_CPUID_FLAG_SIGNIFICANT_INDEX))
		return false;
	allow = hyv_cpuid_allow_of(e->function, e->index);
	if (!allow)
		return true;
	s = hyv_cpuid_find(supported, n, e->function, e->index);
	if (!s)
		return false;
	regs[R_EAX] = e->eax;
	regs[R_EBX] = e->ebx;
	regs[R_ECX] = e->ecx;
	regs[R_EDX] = e->edx;
	sregs[R_EAX] = s->eax;
	sregs[R_EBX] = s->ebx;
	sregs[R_ECX] = s->ecx;
	sregs[R_EDX] = s->edx;
	if (e->function == 0x80000008)	/* address sizes, not feature bits */
		return (e->eax & 0xff) <= (s->eax & 0xff) && !(e->ebx & ~s->ebx);
	for (i = 0; i < 4; i++) {
		/* Registers the allow-list masks hold feature bits. */
		if (!allow->reg[i] || allow->reg[i] == ~0U)
			continue;
		if (regs[i] & ~sregs[i] & ~(e->function == 1 && i == R_ECX ?
					    BIT(27) : 0))
			return false;
	}
	return true;
}

/*
 * HYV_SET_CPUID: the vCPU's table from now on, refused whole (-EINVAL)
 * if any entry advertises what hyv cannot back. OSXSAVE and the APIC bit
 * follow the vCPU's state whatever the table says (hyv_cpuid()). Once
 * the vCPU has run, only the table it has is taken again (-EBUSY for any
 * other, as KVM refuses KVM_SET_CPUID2 after KVM_RUN): the guest's
 * EFER, CR4, XCR0 and MSRs were checked against it, and a table that
 * takes a feature away would leave state no entry could have set.
 */
int hyv_cpuid_set(struct hyv_vcpu *vcpu, void __user *argp)
{
	struct hyv_cpuid __user *ucpuid = argp;
	struct hyv_cpuid_entry *t, *supported = NULL;
	u32 n, ns, i;
	int ret;

	ret = hyv_cpuid_get_header(argp, &n);
	if (ret)
		return ret;
	if (n > HYV_MAX_CPUID_ENTRIES)
		return -E2BIG;
	t = kcalloc(HYV_MAX_CPUID_ENTRIES, sizeof(*t), GFP_KERNEL_ACCOUNT);
	supported = kcalloc(HYV_MAX_CPUID_ENTRIES, sizeof(*t),
			    GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!t || !supported)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(t, ucpuid->entries, n * sizeof(*t)))
		goto out;
	ns = hyv_cpuid_build(supported, HYV_MAX_CPUID_ENTRIES, vcpu->id);
	ret = -EINVAL;
	for (i = 0; i < n; i++)
		if (!hyv_cpuid_entry_ok(&t[i], supported, ns))
			goto out;
	if (vcpu->ran) {
		ret = 0;
		if (n != vcpu->cpuid_nent ||
		    memcmp(t, vcpu->cpuid, n * sizeof(*t))) {
			hyv_vm_warn(vcpu->vm, "vcpu%u: HYV_SET_CPUID after RUN with another table: refused\n",
				    vcpu->id);
			ret = -EBUSY;
		}
		goto out;
	}
	swap(vcpu->cpuid, t);
	vcpu->cpuid_nent = n;
	ret = 0;
out:
	kfree(supported);
	kfree(t);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv guest page-table walker: guest-virtual to guest-physical through
 * the guest's own page tables, so the host can fetch the instruction at
 * CS.base + RIP and find what an intercepted access touched.
 *
 * Paging off, 32-bit paging (4 KiB and, with CR4.PSE, 4 MiB pages),
 * PAE paging and 4-level paging (2 MiB and 1 GiB pages), as Intel SDM
 * vol. 3A ch. 4 and AMD APM vol. 2 ch. 5 describe them. 5-level paging
 * is refused with -EOPNOTSUPP.
 *
 * The walker only reads guest memory: it never sets the Accessed and
 * Dirty bits. The core walks to re-read what the guest was executing or
 * accessing when it exited, and the CPU already set A/D for that walk
 * itself (SDM vol. 3A 4.8) before the exit; setting them here would
 * need locked updates of guest memory for no gain.
 *
 * It checks P, R/W (with CR0.WP), U/S, XD (with EFER.NXE), SMEP, and
 * the reserved bits that are cheap to know. It does not check SMAP
 * (which needs EFLAGS.AC) or protection keys (which need PKRU): the
 * CPU already applied both to the access that caused the exit, so the
 * walk is a second look, not the only one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <kunit/visibility.h>

#include "guest_walk.h"

/* Paging-structure entry bits (SDM vol. 3A tables 4-4 to 4-20). */
#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_XD		BIT_ULL(63)
#define PTE_ADDR	GENMASK_ULL(51, 12)
#define PTE32_ADDR	GENMASK_ULL(31, 12)

#define FAULT_RSVD	(HYV_PF_PRESENT | HYV_PF_RSVD)

struct walk {
	const struct hyv_guest_paging *pg;
	struct hyv_walk_result *res;
	u64 gva;
	u32 access;
	u64 rsvd_pa;		/* bits 51:MAXPHYADDR of an address field */
	bool nx;		/* PAE or 4-level paging with EFER.NXE */
	/* Rights granted by every level walked so far (SDM vol. 3A 4.6). */
	bool user;
	bool write;
	bool exec;
};

/* A #PF with the error code the CPU would report (SDM vol. 3A 4.7). */
static int walk_fault(struct walk *w, u32 bits)
{
	u32 ec = bits | (w->access & (HYV_PF_WRITE | HYV_PF_USER));

	/* I/D is reported only with SMEP or with XD in use. */
	if ((w->access & HYV_WALK_FETCH) &&
	    (w->nx || (w->pg->cr4 & X86_CR4_SMEP)))
		ec |= HYV_PF_FETCH;
	w->res->vector = HYV_WALK_PF_VECTOR;
	w->res->error_code = ec;
	return -EFAULT;
}

/*
 * Read one little-endian entry of 4 or 8 bytes. The callback's errors
 * are the host's, not the guest's: -EFAULT is kept for guest faults.
 */
static int walk_read(struct walk *w, u64 gpa, unsigned int size, u64 *pte)
{
	__le64 v64;
	__le32 v32;
	int ret;

	if (size == 4)
		ret = w->pg->read_gpa(w->pg->ctx, gpa, &v32, 4);
	else
		ret = w->pg->read_gpa(w->pg->ctx, gpa, &v64, 8);
	if (ret)
		return ret == -EFAULT ? -EIO : ret;
	*pte = size == 4 ? le32_to_cpu(v32) : le64_to_cpu(v64);
	return 0;
}

static void walk_rights(struct walk *w, u64 pte)
{
	w->user &= !!(pte & PTE_US);
	w->write &= !!(pte & PTE_RW);
	/* Without EFER.NXE, XD is reserved and faults before this. */
	w->exec &= !(pte & PTE_XD);
}

/* The access against the rights of the whole walk (SDM vol. 3A 4.6.1). */
static int walk_check(struct walk *w)
{
	bool wp = w->pg->cr0 & X86_CR0_WP;
	bool smep = w->pg->cr4 & X86_CR4_SMEP;
	u32 a = w->access;

	if (a & HYV_WALK_USER) {
		if (!w->user || ((a & HYV_WALK_WRITE) && !w->write))
			return walk_fault(w, HYV_PF_PRESENT);
	} else {
		/* CR0.WP = 0 lets supervisor writes ignore R/W. */
		if ((a & HYV_WALK_WRITE) && !w->write && wp)
			return walk_fault(w, HYV_PF_PRESENT);
		if ((a & HYV_WALK_FETCH) && w->user && smep)
			return walk_fault(w, HYV_PF_PRESENT);
	}
	if ((a & HYV_WALK_FETCH) && !w->exec)
		return walk_fault(w, HYV_PF_PRESENT);
	return 0;
}

static int walk_leaf(struct walk *w, u64 base, u64 size)
{
	int ret = walk_check(w);

	if (ret)
		return ret;
	w->res->gpa = (base & ~(size - 1)) | (w->gva & (size - 1));
	w->res->page_size = size;
	return 0;
}

/*
 * Reserved bits of a PAE or 4-level entry at @level (4: PML4E, 1: PTE):
 * address bits above MAXPHYADDR, XD without EFER.NXE, PS in a PML4E and
 * the low address bits of a large page (SDM vol. 3A tables 4-14 to 4-20).
 */
static u64 walk_rsvd64(const struct walk *w, u64 pte, int level)
{
	u64 rsvd = w->rsvd_pa;

	if (!w->nx)
		rsvd |= PTE_XD;
	if (level == 4)
		rsvd |= PTE_PS;
	else if (level == 3 && (pte & PTE_PS))
		rsvd |= GENMASK_ULL(29, 13);
	else if (level == 2 && (pte & PTE_PS))
		rsvd |= GENMASK_ULL(20, 13);
	return pte & rsvd;
}

/* 512-entry tables from @level down: PAE from the PD, 4-level from PML4. */
static int walk_levels64(struct walk *w, u64 table, int level)
{
	unsigned int shift;
	u64 pte;
	int ret;

	for (;; level--) {
		shift = 12 + 9 * (level - 1);
		ret = walk_read(w, table + ((w->gva >> shift) & 511) * 8, 8,
				&pte);
		if (ret)
			return ret;
		if (!(pte & PTE_P))
			return walk_fault(w, 0);
		if (walk_rsvd64(w, pte, level))
			return walk_fault(w, FAULT_RSVD);
		walk_rights(w, pte);
		if (level == 1 || (pte & PTE_PS))
			return walk_leaf(w, pte & PTE_ADDR, BIT_ULL(shift));
		table = pte & PTE_ADDR;
	}
}

/*
 * PAE paging: four PDPTEs at CR3[31:5], without R/W, U/S or XD; bits
 * 2:1, 8:5 and 63:MAXPHYADDR are reserved (SDM vol. 3A 4.4.1, table
 * 4-8). Intel caches them at MOV to CR3 while this walk reads memory:
 * the two differ only if the guest rewrote them without reloading CR3.
 */
static int walk_pae(struct walk *w)
{
	u64 rsvd = (w->rsvd_pa | GENMASK_ULL(63, 52)) | GENMASK_ULL(8, 5) |
		   GENMASK_ULL(2, 1);
	u64 pdpte;
	int ret;

	ret = walk_read(w, (w->pg->cr3 & GENMASK_ULL(31, 5)) +
			((w->gva >> 30) & 3) * 8, 8, &pdpte);
	if (ret)
		return ret;
	if (!(pdpte & PTE_P))
		return walk_fault(w, 0);
	if (pdpte & rsvd)
		return walk_fault(w, FAULT_RSVD);
	return walk_levels64(w, pdpte & PTE_ADDR, 2);
}

/*
 * A 4 MiB page of 32-bit paging: PDE bits 20:13 hold physical address
 * bits 39:32 (PSE-36), bit 21 is reserved (SDM vol. 3A table 4-4).
 */
static int walk_pse(struct walk *w, u64 pde)
{
	u64 base = (pde & GENMASK_ULL(31, 22)) |
		   ((pde & GENMASK_ULL(20, 13)) << (32 - 13));

	if ((pde & BIT_ULL(21)) || (base & w->rsvd_pa))
		return walk_fault(w, FAULT_RSVD);
	return walk_leaf(w, base, SZ_4M);
}

/* 32-bit paging: two levels of 1024 4-byte entries (SDM vol. 3A 4.3). */
static int walk_32(struct walk *w)
{
	u64 pde, pte;
	int ret;

	ret = walk_read(w, (w->pg->cr3 & PTE32_ADDR) +
			((w->gva >> 22) & 1023) * 4, 4, &pde);
	if (ret)
		return ret;
	if (!(pde & PTE_P))
		return walk_fault(w, 0);
	walk_rights(w, pde);
	if ((pde & PTE_PS) && (w->pg->cr4 & X86_CR4_PSE))
		return walk_pse(w, pde);

	ret = walk_read(w, (pde & PTE32_ADDR) + ((w->gva >> 12) & 1023) * 4,
			4, &pte);
	if (ret)
		return ret;
	if (!(pte & PTE_P))
		return walk_fault(w, 0);
	walk_rights(w, pte);
	return walk_leaf(w, pte & PTE32_ADDR, SZ_4K);
}

/**
 * hyv_guest_walk() - translate a guest-virtual address
 * @pg: the guest's control registers, EFER, and its memory
 * @gva: the linear address (segment base already added)
 * @access: HYV_WALK_WRITE, HYV_WALK_USER, HYV_WALK_FETCH, or 0 for a
 *	supervisor read
 * @res: the result
 *
 * Return: 0 and @res->gpa, @res->page_size; -EFAULT when the guest's
 * tables refuse the access, with @res->vector and @res->error_code to
 * inject (#PF with CR2 = @gva, or #GP(0) for a non-canonical address);
 * -EOPNOTSUPP with 5-level paging; -EINVAL for a bad @pg->maxphyaddr;
 * or the error of @pg->read_gpa, -EFAULT turned into -EIO.
 */
int hyv_guest_walk(const struct hyv_guest_paging *pg, u64 gva, u32 access,
		   struct hyv_walk_result *res)
{
	struct walk w = {
		.pg = pg, .res = res, .gva = (u32)gva,
		.user = true, .write = true, .exec = true,
	};
	unsigned int m = pg->maxphyaddr ? pg->maxphyaddr : 52;

	memset(res, 0, sizeof(*res));
	if (m < 32 || m > 52)
		return -EINVAL;
	w.rsvd_pa = m < 52 ? GENMASK_ULL(51, m) : 0;
	/* A fetch is never a write (SDM vol. 3A 4.7). */
	w.access = access & (HYV_WALK_WRITE | HYV_WALK_USER | HYV_WALK_FETCH);
	if (w.access & HYV_WALK_FETCH)
		w.access &= ~HYV_WALK_WRITE;

	if (!(pg->cr0 & X86_CR0_PG)) {
		res->gpa = w.gva;
		res->page_size = SZ_4K;
		return 0;
	}
	if (!(pg->cr4 & X86_CR4_PAE))
		return walk_32(&w);
	w.nx = pg->efer & EFER_NX;
	if (!(pg->efer & EFER_LMA))
		return walk_pae(&w);
	if (pg->cr4 & X86_CR4_LA57)
		return -EOPNOTSUPP;
	/* Bits 63:47 must be equal (SDM vol. 1 3.3.7.1), else #GP. */
	if (sign_extend64(gva, 47) != (s64)gva) {
		res->vector = HYV_WALK_GP_VECTOR;
		return -EFAULT;
	}
	w.gva = gva;
	return walk_levels64(&w, pg->cr3 & PTE_ADDR, 4);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_guest_walk);

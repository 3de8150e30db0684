// SPDX-License-Identifier: GPL-2.0
/*
 * String instructions at MMIO: MOVS and STOS, with or without REP, as
 * Linux's memcpy_toio(), memcpy_fromio() and memset_io() issue them.
 * Either side of a MOVS may be RAM or MMIO. The elements travel through
 * the string I/O data area after the run page (pio.c), as many per exit
 * as lie in one guest page of the MMIO side, so memcpy_toio() of a page
 * costs one exit rather than a thousand:
 *
 *   STOS to MMIO, MOVS RAM to MMIO   one write exit, registers advanced
 *   MOVS MMIO to RAM                 one read exit; the next RUN copies
 *                                    the VMM's elements into the guest
 *   MOVS MMIO to MMIO                a read exit, then (RUN returns it
 *                                    without entering the guest) a write
 *                                    exit of the same elements
 *   both RAM (the guest's mapping    moved in the kernel
 *   changed since the fault)
 *
 * Each batch is an exit, so a long REP never holds the vCPU in the host:
 * the guest re-executes it with RCX, RSI and RDI where the batch left
 * them (string.c). Guest faults on either side are the guest's, in the
 * order the CPU meets them (source, then destination). An element that
 * straddles a page boundary on its MMIO side, MMIO in the local APIC's
 * page, and LODS, SCAS, CMPS and REPNE are refused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>

#include "hyv.h"
#include "guest_walk.h"

/* One side of the instruction: where it is and what is there. */
struct hyv_str_side {
	u64 lin;
	u64 gpa;
	bool mmio;
};

/*
 * Translate the first element of one side (@write: the destination),
 * and for an MMIO side cut *@n to the elements left in its page.
 * Returns 0, 1 when the guest's fault was queued, or -EOPNOTSUPP for a
 * side hyv cannot walk or an MMIO side it cannot batch (an element
 * across a page boundary, the local APIC).
 */
static int hyv_str_side_get(struct hyv_vcpu *vcpu, const struct hyv_str *st,
			    int gpr, bool write, struct hyv_str_side *side,
			    u32 *n)
{
	u32 access = (write ? HYV_WALK_WRITE : 0) |
		     (st->cpl == 3 ? HYV_WALK_USER : 0);
	struct hyv_walk_result res;
	u32 in_page;
	int ret;

	side->lin = hyv_str_lin(vcpu, st, gpr);
	ret = hyv_guest_walk(&st->pg, side->lin, access, &res);
	if (ret == -EFAULT) {
		hyv_str_fault(vcpu, &res, side->lin);
		return 1;
	}
	if (ret)
		return -EOPNOTSUPP;
	side->gpa = res.gpa;
	side->mmio = hyv_mmu_gpa_usable(vcpu->vm, res.gpa, write) != 0;
	if (!side->mmio)
		return 0;
	if (hyv_lapic_owns(vcpu, res.gpa))
		return -EOPNOTSUPP;
	/* The batch stays in this page: its guest-physical range is one. */
	in_page = (PAGE_SIZE - offset_in_page(side->lin)) / st->size;
	if (!in_page)
		return -EOPNOTSUPP;
	*n = min(*n, in_page);
	return 0;
}

/* STOS: @n copies of AL, AX, EAX or RAX in the data area. */
static void hyv_str_fill(struct hyv_vcpu *vcpu, const struct hyv_str *st,
			 u8 *buf, u32 n)
{
	u64 val = vcpu->gpr[HYV_RAX];
	u32 i;

	for (i = 0; i < n; i++)
		memcpy(buf + i * st->size, &val, st->size);
}

/*
 * The elements a write to the destination takes: from the source in
 * RAM (MOVS) or AL..RAX (STOS). Returns how many, 0 with the guest's
 * fault queued, or -EOPNOTSUPP.
 */
static int hyv_str_gather(struct hyv_vcpu *vcpu, const struct hyv_str *st,
			  bool movs, const struct hyv_str_side *src, u32 n)
{
	u8 *buf = vcpu->pio.data;
	struct hyv_walk_result res;
	int ret;

	if (!movs) {
		hyv_str_fill(vcpu, st, buf, n);
		return n;
	}
	ret = hyv_str_copy(vcpu, st, src->lin, buf, n * st->size, false, &res);
	if (ret < 0)
		return ret;
	if (ret < st->size && res.vector) {
		hyv_str_fault(vcpu, &res, src->lin + ret);
		return 0;
	}
	return ret < st->size ? -EOPNOTSUPP : ret / st->size;
}

/*
 * A MOVS or STOS whose access faulted outside RAM. Returns HYV_TO_USER
 * with an MMIO exit in the run page, HYV_REENTER (done in the kernel, or
 * a guest fault queued), or -EOPNOTSUPP.
 */
int hyv_mmio_string(struct hyv_vcpu *vcpu, const struct hyv_insn *insn)
{
	struct hyv_mmio *m = &vcpu->mmio;
	struct hyv_str *st = &m->str;
	bool movs = (insn->opcode & 0xfe) == 0xa4;
	struct hyv_str_side src = {}, dst;
	struct hyv_walk_result res;
	int ret;
	u32 n;

	if ((!movs && (insn->opcode & 0xfe) != 0xaa) || insn->rep == 0xf2)
		return -EOPNOTSUPP;
	hyv_str_begin(vcpu, insn, st);
	n = hyv_str_batch(vcpu, st, HYV_RDI, HYV_PIO_BYTES);
	if (movs)
		n = min(n, hyv_str_batch(vcpu, st, HYV_RSI, HYV_PIO_BYTES));
	if (!n) {			/* REP with RCX = 0 does nothing */
		hyv_str_advance(vcpu, st, 0, false, false);
		return HYV_REENTER;
	}
	if (movs) {
		ret = hyv_str_side_get(vcpu, st, HYV_RSI, false, &src, &n);
		if (ret)
			return ret < 0 ? ret : HYV_REENTER;
	}
	ret = hyv_str_side_get(vcpu, st, HYV_RDI, true, &dst, &n);
	if (ret)
		return ret < 0 ? ret : HYV_REENTER;

	if (src.mmio) {
		/* Check that the RAM destination takes all n, or fewer. */
		if (!dst.mmio) {
			ret = hyv_str_copy(vcpu, st, dst.lin, NULL,
					   n * st->size, true, &res);
			if (ret < st->size)
				return -EOPNOTSUPP;
			n = ret / st->size;
		}
		m->op = dst.mmio ? HYV_MMIO_STR_TO_MMIO : HYV_MMIO_STR_TO_RAM;
		m->count = n;
		m->dst_lin = dst.lin;
		m->dst_gpa = dst.gpa;
		hyv_mmio_exit(vcpu, src.gpa, st->size, false, n);
		return HYV_TO_USER;
	}

	ret = hyv_str_gather(vcpu, st, movs, &src, n);
	if (ret <= 0)
		return ret < 0 ? ret : HYV_REENTER;
	n = ret;
	if (!dst.mmio) {
		ret = hyv_str_copy(vcpu, st, dst.lin, vcpu->pio.data,
				   n * st->size, true, &res);
		if (ret < st->size)
			return -EOPNOTSUPP;
		hyv_str_advance(vcpu, st, ret / st->size, movs, true);
		return HYV_REENTER;
	}
	hyv_mmio_exit(vcpu, dst.gpa, st->size, true, n);
	hyv_str_advance(vcpu, st, n, movs, true);
	return HYV_TO_USER;
}

/*
 * RUN after the read exit of a MOVS from MMIO: the VMM's elements go to
 * guest RAM (where the exit checked they may) or, from MMIO to MMIO, out
 * as the write exit this returns true for. The registers move past the
 * elements done.
 */
bool hyv_mmio_string_done(struct hyv_vcpu *vcpu)
{
	struct hyv_mmio *m = &vcpu->mmio;
	struct hyv_str *st = &m->str;
	struct hyv_walk_result res;
	int done;

	if (m->op == HYV_MMIO_STR_TO_MMIO) {
		m->op = HYV_MMIO_NONE;
		hyv_str_advance(vcpu, st, m->count, true, true);
		hyv_mmio_exit(vcpu, m->dst_gpa, st->size, true, m->count);
		return true;
	}
	m->op = HYV_MMIO_NONE;
	done = hyv_str_copy(vcpu, st, m->dst_lin, vcpu->pio.data,
			    m->count * st->size, true, &res);
	hyv_str_advance(vcpu, st, done > 0 ? done / st->size : 0, true, true);
	return false;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What string instructions (INS, OUTS, MOVS, STOS) have in common when
 * hyv carries them out for the guest, for string port I/O (pio.c) and
 * string MMIO (mmio_string.c): the element size, address size, REP and
 * direction; the count a batch may move; the guest-linear address of a
 * pointer register; copying to and from guest-linear memory page by page
 * through the guest's page tables; and stepping RSI, RDI, RCX and RIP as
 * the CPU would after n elements. A REP left unfinished is simply
 * executed again by the guest, which continues where the batch ended
 * (SDM vol. 2B "REP"). Runs on the vCPU's thread with the vCPU loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "hyv.h"
#include "guest_walk.h"

u64 hyv_str_mask(const struct hyv_str *st)
{
	return st->addr_size >= 8 ? ~0ULL : BIT_ULL(st->addr_size * 8) - 1;
}

/* The base of segment @seg in the guest's current mode. */
static u64 hyv_str_seg_base(const struct hyv_sregs *s, u8 seg, bool mode64)
{
	const struct hyv_segment *segs[] = {
		[HYV_SEG_ES] = &s->es, [HYV_SEG_CS] = &s->cs, [HYV_SEG_SS] = &s->ss,
		[HYV_SEG_DS] = &s->ds, [HYV_SEG_FS] = &s->fs, [HYV_SEG_GS] = &s->gs,
	};

	if (mode64 && seg != HYV_SEG_FS && seg != HYV_SEG_GS)
		return 0;
	return segs[seg]->base;
}

/*
 * Describe the decoded string instruction @insn about to be carried out:
 * its element, address size, REP, direction (RFLAGS.DF), the guest's
 * paging, and the linear bases of its two sides: DS (or the override)
 * for RSI, ES for RDI, which no prefix changes (SDM vol. 1 3.7.5).
 */
void hyv_str_begin(struct hyv_vcpu *vcpu, const struct hyv_insn *insn,
		   struct hyv_str *st)
{
	struct hyv_sregs s;
	bool mode64;

	hyv_emulate_paging(vcpu, &st->pg, &s);
	mode64 = (s.efer & EFER_LMA) && s.cs.l;
	st->size = insn->op_size;
	st->addr_size = insn->mem.addr_size;
	st->insn_len = insn->len;
	st->rep = insn->rep;
	st->down = vcpu->rflags & X86_EFLAGS_DF;
	st->cpl = s.ss.dpl;
	st->lin_mask = mode64 ? ~0ULL : U32_MAX;
	st->si_base = hyv_str_seg_base(&s, insn->mem.seg, mode64);
	st->di_base = hyv_str_seg_base(&s, HYV_SEG_ES, mode64);
}

/* Where pointer register @gpr (HYV_RSI or HYV_RDI) points: linear. */
u64 hyv_str_lin(struct hyv_vcpu *vcpu, const struct hyv_str *st, int gpr)
{
	u64 ptr = vcpu->gpr[gpr] & hyv_str_mask(st);

	return ((gpr == HYV_RSI ? st->si_base : st->di_base) + ptr) &
	       st->lin_mask;
}

/*
 * How many elements, at most, one batch moves: the REP count, what fits
 * in @max_bytes, and (for addresses narrower than 64 bits) what comes
 * before pointer @gpr wraps. Going down (DF) moves one element a batch.
 */
u32 hyv_str_batch(struct hyv_vcpu *vcpu, const struct hyv_str *st, int gpr,
		  u32 max_bytes)
{
	u64 mask = hyv_str_mask(st);
	u64 ptr = vcpu->gpr[gpr] & mask;
	u64 n = st->rep ? vcpu->gpr[HYV_RCX] & mask : 1;

	n = min_t(u64, n, max_bytes / st->size);
	if (st->down)
		return min_t(u64, n, 1);
	if (mask != ~0ULL)
		n = min_t(u64, n, (mask - ptr) / st->size + 1);
	return n;
}

/*
 * The guest-linear range [@lin, +@len) page by page, as the instruction
 * would access it (@write: as a store): copied from or to @buf, or (@buf
 * NULL) only checked. Returns how many bytes were done before a page
 * that does not translate (its fault in *@res, res->vector non-zero; 0
 * bytes done means the guest takes that fault) or is not RAM the access
 * may touch; -EOPNOTSUPP when the first page is not such RAM (MMIO, or
 * a read-only slot for a store) or cannot be walked.
 */
int hyv_str_copy(struct hyv_vcpu *vcpu, const struct hyv_str *st, u64 lin,
		 u8 *buf, unsigned int len, bool write,
		 struct hyv_walk_result *res)
{
	u32 access = (write ? HYV_WALK_WRITE : 0) |
		     (st->cpl == 3 ? HYV_WALK_USER : 0);
	unsigned int done = 0, chunk;
	int ret;

	res->vector = 0;
	while (done < len) {
		chunk = min_t(unsigned int, len - done,
			      PAGE_SIZE - offset_in_page(lin + done));
		ret = hyv_guest_walk(&st->pg, (lin + done) & st->lin_mask,
				     access, res);
		if (ret == -EFAULT)
			break;
		if (ret)		/* not a guest fault: hyv cannot walk */
			return done ? done : -EOPNOTSUPP;
		if (!buf)
			ret = hyv_mmu_gpa_usable(vcpu->vm, res->gpa, write);
		else if (write)
			ret = hyv_mmu_write_gpa(vcpu->vm, res->gpa, buf + done,
						chunk);
		else
			ret = hyv_mmu_read_gpa(vcpu->vm, res->gpa, buf + done,
					       chunk);
		if (ret)
			return done ? done : -EOPNOTSUPP;
		done += chunk;
	}
	return done;
}

/* Give the guest the fault hyv_str_copy() found at @lin. */
void hyv_str_fault(struct hyv_vcpu *vcpu, const struct hyv_walk_result *res,
		   u64 lin)
{
	hyv_queue_exception_payload(vcpu, res->vector, true, res->error_code,
				    res->vector == HYV_PF_VECTOR, lin);
}

/* Move pointer register @gpr over @n elements, within the address size. */
static void hyv_str_step(struct hyv_vcpu *vcpu, const struct hyv_str *st,
			 int gpr, u32 n)
{
	u64 mask = hyv_str_mask(st), *ptr = &vcpu->gpr[gpr];
	u64 step = (u64)n * st->size;

	*ptr = (*ptr & ~mask) | ((st->down ? *ptr - step : *ptr + step) & mask);
}

/*
 * Step the registers over @n elements: RSI and/or RDI by the elements'
 * size (down with RFLAGS.DF), RCX down with REP, and RIP past the
 * instruction once nothing is left to do.
 */
void hyv_str_advance(struct hyv_vcpu *vcpu, const struct hyv_str *st,
		     u32 n, bool si, bool di)
{
	u64 mask = hyv_str_mask(st), left;

	if (si)
		hyv_str_step(vcpu, st, HYV_RSI, n);
	if (di)
		hyv_str_step(vcpu, st, HYV_RDI, n);
	if (!st->rep) {
		vcpu->rip += st->insn_len;
		hyv_ops->set_interrupt_shadow(vcpu, false);
		return;
	}
	left = (vcpu->gpr[HYV_RCX] & mask) - n;
	vcpu->gpr[HYV_RCX] = (vcpu->gpr[HYV_RCX] & ~mask) | left;
	if (!left) {
		vcpu->rip += st->insn_len;
		hyv_ops->set_interrupt_shadow(vcpu, false);
	}
}

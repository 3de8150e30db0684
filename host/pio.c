// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O (INS, OUTS, with or without REP) for the VMM: elements
 * travel through a data area mapped after the run page, as many per exit
 * as fit in it, so `rep outsb` of a megabyte costs a few dozen exits
 * rather than a million. OUTS copies guest memory into the area before
 * the exit; INS copies the VMM's data into guest memory on the next RUN.
 * A REP left unfinished is simply executed again by the guest, which
 * continues where the last batch ended (SDM vol. 2B "REP", "INS", "OUTS").
 * Runs on the vCPU's thread with the vCPU loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "hyv.h"
#include "guest_walk.h"

#define HYV_PIO_BYTES	(HYV_PIO_PAGES * PAGE_SIZE)

static u64 hyv_pio_mask(u8 addr_size)
{
	return addr_size >= 8 ? ~0ULL : BIT_ULL(addr_size * 8) - 1;
}

/* Order-0 pages (vmalloc) that the mmap fault handler can hand out. */
int hyv_pio_init(struct hyv_vcpu *vcpu)
{
	vcpu->pio.data = vzalloc(HYV_PIO_BYTES);
	return vcpu->pio.data ? 0 : -ENOMEM;
}

void hyv_pio_destroy(struct hyv_vcpu *vcpu)
{
	vfree(vcpu->pio.data);
	vcpu->pio.data = NULL;
}

/* The page of the data area at mmap page @pgoff (1 .. HYV_PIO_PAGES). */
struct page *hyv_pio_page(struct hyv_vcpu *vcpu, unsigned long pgoff)
{
	return vmalloc_to_page(vcpu->pio.data + (pgoff - 1) * PAGE_SIZE);
}

/*
 * The guest-linear range [@lin, +@len) page by page, as the instruction
 * would access it: copied to or from @buf, or (@buf NULL) only checked.
 * Returns how many bytes were done before a page that does not translate
 * (its fault in *@res) or is not RAM the access may touch; -EOPNOTSUPP
 * when the first page is not RAM (MMIO, or a read-only slot for INS).
 */
static int hyv_pio_copy(struct hyv_vcpu *vcpu, const struct hyv_pio *p,
			u8 *buf, unsigned int len, struct hyv_walk_result *res)
{
	u32 access = (p->in ? HYV_WALK_WRITE : 0) |
		     (p->cpl == 3 ? HYV_WALK_USER : 0);
	unsigned int done = 0, chunk;
	int ret;

	while (done < len) {
		chunk = min_t(unsigned int, len - done,
			      PAGE_SIZE - offset_in_page(p->lin + done));
		if (hyv_guest_walk(&p->pg, p->lin + done, access, res))
			break;
		if (!buf)
			ret = hyv_mmu_gpa_usable(vcpu->vm, res->gpa, p->in);
		else if (p->in)
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

/*
 * Step the string instruction's registers over @n elements: RSI or RDI
 * by the elements' size (down with RFLAGS.DF), RCX down with REP, and
 * RIP past the instruction once nothing is left to do.
 */
static void hyv_pio_advance(struct hyv_vcpu *vcpu, const struct hyv_pio *p,
			    u32 n)
{
	u64 mask = hyv_pio_mask(p->addr_size);
	u64 *ptr = &vcpu->gpr[p->in ? HYV_RDI : HYV_RSI];
	u64 step = (u64)n * p->size, left;

	*ptr = (*ptr & ~mask) | ((p->down ? *ptr - step : *ptr + step) & mask);
	if (!p->rep) {
		vcpu->rip += p->insn_len;
		return;
	}
	left = (vcpu->gpr[HYV_RCX] & mask) - n;
	vcpu->gpr[HYV_RCX] = (vcpu->gpr[HYV_RCX] & ~mask) | left;
	if (!left)
		vcpu->rip += p->insn_len;
}

/* The base of segment @seg in the guest's current mode. */
static u64 hyv_pio_seg_base(const struct hyv_sregs *s, u8 seg, bool mode64)
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
 * How many elements, at most, this exit moves: the REP count, what fits
 * in the data area, and (for addresses narrower than 64 bits) what comes
 * before the pointer wraps. Going down (DF) moves one element an exit.
 */
static u32 hyv_pio_batch(struct hyv_vcpu *vcpu, const struct hyv_pio *p,
			 u64 ptr)
{
	u64 mask = hyv_pio_mask(p->addr_size);
	u64 n = p->rep ? vcpu->gpr[HYV_RCX] & mask : 1;

	n = min_t(u64, n, HYV_PIO_BYTES / p->size);
	if (p->down)
		return min_t(u64, n, 1);
	if (mask != ~0ULL)
		n = min_t(u64, n, (mask - ptr) / p->size + 1);
	return n;
}

/*
 * An intercepted INS or OUTS. Returns HYV_TO_USER with the run page
 * filled, HYV_REENTER (nothing to move, or a #PF queued for the guest),
 * or -EOPNOTSUPP when it cannot be emulated (the caller reports it).
 */
int hyv_pio_string(struct hyv_vcpu *vcpu, const struct hyv_exit *exit)
{
	struct hyv_pio *p = &vcpu->pio;
	struct hyv_run *run = vcpu->run;
	struct hyv_walk_result res;
	struct hyv_insn insn;
	struct hyv_sregs s;
	u64 ptr, lin;
	bool mode64;
	int ret;
	u32 n;

	ret = hyv_emulate_decode(vcpu, &insn);
	if (ret != -EOPNOTSUPP || insn.kind != HYV_INSN_STRING ||
	    (insn.opcode & 0xfc) != 0x6c ||
	    !!(insn.opcode < 0x6e) != exit->io.in ||
	    insn.op_size != exit->io.size)
		return -EOPNOTSUPP;
	hyv_emulate_paging(vcpu, &p->pg, &s);
	mode64 = (s.efer & EFER_LMA) && s.cs.l;
	p->cpl = s.ss.dpl;
	p->in = exit->io.in;
	p->size = insn.op_size;
	p->addr_size = insn.mem.addr_size;
	p->rep = insn.rep;
	p->down = vcpu->rflags & X86_EFLAGS_DF;
	p->insn_len = insn.len;
	p->port = exit->io.port;

	ptr = vcpu->gpr[p->in ? HYV_RDI : HYV_RSI] & hyv_pio_mask(p->addr_size);
	n = hyv_pio_batch(vcpu, p, ptr);
	if (!n) {			/* REP with RCX = 0 */
		hyv_pio_advance(vcpu, p, 0);
		return HYV_REENTER;
	}
	/* INS writes through ES whatever the prefix says. */
	lin = hyv_pio_seg_base(&s, p->in ? HYV_SEG_ES : insn.mem.seg, mode64) +
	      ptr;
	if (!mode64)
		lin = (u32)lin;
	p->lin = lin;
	/* OUTS reads its elements now; INS checks where they will go. */
	ret = hyv_pio_copy(vcpu, p, p->in ? NULL : vcpu->pio.data,
			   n * p->size, &res);
	if (ret < 0)
		return ret;
	n = ret / p->size;
	if (!n) {
		hyv_queue_exception_payload(vcpu, res.vector, true,
					    res.error_code,
					    res.vector == HYV_PF_VECTOR, lin);
		return HYV_REENTER;
	}
	p->count = n;
	if (p->in)
		p->pending = true;
	else
		hyv_pio_advance(vcpu, p, n);

	memset(&run->io, 0, sizeof(run->io));
	run->exit_reason = HYV_EXIT_IO;
	run->io.direction = p->in ? HYV_IO_IN : HYV_IO_OUT;
	run->io.size = p->size;
	run->io.port = p->port;
	run->io.count = n;
	run->io.data_offset = PAGE_SIZE;
	return HYV_TO_USER;
}

/*
 * RUN after an INS exit: the VMM's elements go to guest memory (ES:RDI
 * on), where the exit checked they may, and the registers move past
 * them.
 */
void hyv_pio_complete_ins(struct hyv_vcpu *vcpu)
{
	struct hyv_pio *p = &vcpu->pio;
	struct hyv_walk_result res;
	int done;

	p->pending = false;
	done = hyv_pio_copy(vcpu, p, vcpu->pio.data, p->count * p->size, &res);
	hyv_pio_advance(vcpu, p, done > 0 ? done / p->size : 0);
}

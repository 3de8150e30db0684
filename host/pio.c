// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O (INS, OUTS, with or without REP) for the VMM: elements
 * travel through a data area mapped after the run page, as many per exit
 * as fit in it, so `rep outsb` of a megabyte costs a few dozen exits
 * rather than a million. OUTS copies guest memory into the area before
 * the exit; INS copies the VMM's data into guest memory on the next RUN
 * (SDM vol. 2B "INS", "OUTS"; the REP mechanics are string.c's). The
 * same area carries string MMIO (mmio_string.c). Runs on the vCPU's
 * thread with the vCPU loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "hyv.h"
#include "guest_walk.h"

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
 * An intercepted INS or OUTS. Returns HYV_TO_USER with the run page
 * filled, HYV_REENTER (nothing to move, or a #PF queued for the guest),
 * or -EOPNOTSUPP when it cannot be emulated (the caller reports it).
 */
int hyv_pio_string(struct hyv_vcpu *vcpu, const struct hyv_exit *exit)
{
	struct hyv_pio *p = &vcpu->pio;
	struct hyv_str *st = &p->str;
	struct hyv_run *run = vcpu->run;
	struct hyv_walk_result res;
	struct hyv_insn insn;
	int ret, ptr;
	u32 n;

	ret = hyv_emulate_decode(vcpu, &insn);
	if (ret || insn.kind != HYV_INSN_STRING ||
	    (insn.opcode & 0xfc) != 0x6c ||
	    !!(insn.opcode < 0x6e) != exit->io.in ||
	    insn.op_size != exit->io.size)
		return -EOPNOTSUPP;
	hyv_str_begin(vcpu, &insn, st);
	p->in = exit->io.in;
	p->port = exit->io.port;
	/* INS writes through ES:RDI whatever the prefix says. */
	ptr = p->in ? HYV_RDI : HYV_RSI;

	n = hyv_str_batch(vcpu, st, ptr, HYV_PIO_BYTES);
	if (!n) {			/* REP with RCX = 0 */
		hyv_str_advance(vcpu, st, 0, false, false);
		return HYV_REENTER;
	}
	p->lin = hyv_str_lin(vcpu, st, ptr);
	/* OUTS reads its elements now; INS checks where they will go. */
	ret = hyv_str_copy(vcpu, st, p->lin, p->in ? NULL : p->data,
			   n * st->size, p->in, &res);
	if (ret < 0)
		return ret;
	n = ret / st->size;
	if (!n && !res.vector)
		return -EOPNOTSUPP;
	if (!n) {
		hyv_str_fault(vcpu, &res, p->lin + ret);
		return HYV_REENTER;
	}
	p->count = n;
	if (p->in)
		p->pending = true;
	else
		hyv_str_advance(vcpu, st, n, true, false);

	memset(&run->io, 0, sizeof(run->io));
	run->exit_reason = HYV_EXIT_IO;
	run->io.direction = p->in ? HYV_IO_IN : HYV_IO_OUT;
	run->io.size = st->size;
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
	done = hyv_str_copy(vcpu, &p->str, p->lin, p->data,
			    p->count * p->str.size, true, &res);
	hyv_str_advance(vcpu, &p->str, done > 0 ? done / p->str.size : 0,
			false, true);
}

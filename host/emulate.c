// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the guest's instructions: the length of an intercepted one when
 * the CPU does not report it (SVM without NRIP-save), and the instruction
 * behind a nested page fault outside RAM, which becomes a decoded MMIO
 * exit: MOV, MOVNTI and XCHG here, MOVS and STOS in mmio_string.c; any
 * other is refused by name.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "hyv.h"
#include "guest_walk.h"

static int hyv_emulate_read_gpa(void *ctx, u64 gpa, void *buf,
				unsigned int len)
{
	return hyv_mmu_read_gpa(ctx, gpa, buf, len);
}

/* Copy up to @len bytes at guest-linear @gva; returns how many were read. */
static unsigned int hyv_emulate_fetch(struct hyv_vcpu *vcpu,
				      const struct hyv_guest_paging *pg,
				      u64 gva, u32 access, u8 *buf,
				      unsigned int len)
{
	unsigned int got = 0;

	while (got < len) {
		unsigned int chunk = min_t(unsigned int, len - got,
					   PAGE_SIZE - offset_in_page(gva + got));
		struct hyv_walk_result res;

		if (hyv_guest_walk(pg, gva + got, access, &res) ||
		    hyv_mmu_read_gpa(vcpu->vm, res.gpa, buf + got, chunk))
			break;
		got += chunk;
	}
	return got;
}

/* The guest's paging state, to walk its page tables (and its sregs). */
void hyv_emulate_paging(struct hyv_vcpu *vcpu, struct hyv_guest_paging *pg,
			struct hyv_sregs *s)
{
	hyv_ops->get_sregs(vcpu, s);
	memset(pg, 0, sizeof(*pg));
	pg->read_gpa = hyv_emulate_read_gpa;
	pg->ctx = vcpu->vm;
	pg->cr0 = s->cr0;
	pg->cr3 = s->cr3;
	pg->cr4 = s->cr4;
	pg->efer = s->efer;
}

/*
 * Fetch up to 15 bytes of the instruction at the guest's RIP, and say how
 * its CS decodes. Returns how many bytes were read (0: none could be).
 */
unsigned int hyv_emulate_fetch_insn(struct hyv_vcpu *vcpu, u8 *buf,
				    enum hyv_cpu_mode *mode)
{
	struct hyv_guest_paging pg;
	struct hyv_sregs s;
	u32 access;
	u64 gva;

	hyv_emulate_paging(vcpu, &pg, &s);
	*mode = hyv_insn_cpu_mode(s.cr0 & X86_CR0_PE,
				  vcpu->rflags & X86_EFLAGS_VM,
				  s.efer & EFER_LMA, s.cs.l, s.cs.db);
	gva = s.cs.base + vcpu->rip;
	if (*mode != HYV_CPU_MODE_64)
		gva = (u32)gva;
	access = HYV_WALK_FETCH | (s.ss.dpl == 3 ? HYV_WALK_USER : 0);
	return hyv_emulate_fetch(vcpu, &pg, gva, access, buf,
				 HYV_INSN_MAX_LEN);
}

/* Fetch and decode the instruction at the guest's RIP. */
int hyv_emulate_decode(struct hyv_vcpu *vcpu, struct hyv_insn *insn)
{
	u8 buf[HYV_INSN_MAX_LEN];
	enum hyv_cpu_mode mode;
	unsigned int got = hyv_emulate_fetch_insn(vcpu, buf, &mode);

	if (!got)
		return -EFAULT;
	return hyv_insn_decode(buf, got, mode, insn);
}

/*
 * Step over the instruction an exit intercepted. Returns 0, or -errno if
 * its length cannot be known (the caller reports an emulation failure).
 */
int hyv_exit_skip_insn(struct hyv_vcpu *vcpu, const struct hyv_exit *exit)
{
	struct hyv_insn insn;
	int ret;

	if (!exit->insn_len) {
		ret = hyv_emulate_decode(vcpu, &insn);
		if (ret)
			return ret;
		vcpu->rip += insn.len;
	} else {
		vcpu->rip += exit->insn_len;
	}
	/* "sti; hlt": once HLT is skipped, STI's shadow is over. */
	hyv_ops->set_interrupt_shadow(vcpu, false);
	return 0;
}

/*
 * The local APIC's xAPIC page is emulated here; true if it took @gpa.
 * XCHG reads, then writes the register's value.
 */
static bool hyv_emulate_mmio_in_kernel(struct hyv_vcpu *vcpu, u64 gpa,
				       struct hyv_insn *insn)
{
	bool xchg = insn->kind == HYV_INSN_XCHG;
	bool write = hyv_insn_is_mmio_write(insn);
	u32 val = 0, old = 0;

	if (!hyv_lapic_owns(vcpu, gpa))
		return false;
	if (write || xchg)
		val = hyv_insn_mmio_write_data(insn, vcpu->gpr);
	/* Registers are 32 bits wide; other sizes read 0, write nothing. */
	if (insn->mem_size == 4) {
		if (!write)
			hyv_lapic_mmio(vcpu, gpa, false, &old);
		if (write || xchg)
			hyv_lapic_mmio(vcpu, gpa, true, &val);
	}
	if (!write)
		hyv_insn_mmio_read_done(insn, vcpu->gpr, old);
	vcpu->rip += insn->len;
	hyv_ops->set_interrupt_shadow(vcpu, false);
	return true;
}

/*
 * Fill the run page with an MMIO exit: @len bytes at @gpa, or with
 * @count > 0 that many elements of @len bytes from @gpa up, in the data
 * area after the run page (string instructions).
 */
void hyv_mmio_exit(struct hyv_vcpu *vcpu, u64 gpa, u32 len, bool write,
		   u32 count)
{
	struct hyv_run *run = vcpu->run;

	memset(&run->mmio, 0, sizeof(run->mmio));
	run->exit_reason = HYV_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	run->mmio.count = count;
	run->mmio.data_offset = count ? PAGE_SIZE : 0;
}

/*
 * A MOV (or MOVNTI) or XCHG at MMIO: hand userspace the address, size
 * and (for a write) the data, and step over it. A read completes on the
 * next RUN (hyv_emulate_mmio_done), and XCHG's write follows it there.
 * The decoded MOV must make the access that faulted (@write as the CPU
 * reported it): another vCPU may have rewritten the bytes at RIP since.
 */
static int hyv_emulate_mmio_mov(struct hyv_vcpu *vcpu, u64 gpa, bool write)
{
	struct hyv_mmio *m = &vcpu->mmio;
	struct hyv_insn *insn = &m->insn;
	bool xchg = insn->kind == HYV_INSN_XCHG;

	if (!xchg && hyv_insn_is_mmio_write(insn) != write)
		return -EOPNOTSUPP;
	if (hyv_emulate_mmio_in_kernel(vcpu, gpa, insn))
		return 1;

	write = hyv_insn_is_mmio_write(insn);
	hyv_mmio_exit(vcpu, gpa, insn->mem_size, write, 0);
	if (write) {
		vcpu->run->mmio.data = hyv_insn_mmio_write_data(insn, vcpu->gpr);
	} else {
		m->op = xchg ? HYV_MMIO_XCHG : HYV_MMIO_READ;
		m->dst_gpa = gpa;
	}
	vcpu->rip += insn->len;
	hyv_ops->set_interrupt_shadow(vcpu, false);
	return 0;
}

/*
 * Turn an access outside every slot (or a write to a read-only one)
 * into an MMIO exit: MOV, MOVNTI, XCHG and the string instructions
 * MOVS and STOS are carried out (mmio_string.c for the last two); any
 * other instruction is refused. Returns 1 when the kernel completed the
 * access itself (local APIC, or a string moved within RAM), 0 when the
 * run page holds an MMIO exit, or -errno.
 */
int hyv_emulate_mmio(struct hyv_vcpu *vcpu, u64 gpa, bool write)
{
	struct hyv_insn *insn = &vcpu->mmio.insn;
	int ret;

	ret = hyv_emulate_decode(vcpu, insn);
	if (ret)
		return ret;
	if (hyv_insn_is_mmio(insn) || insn->kind == HYV_INSN_XCHG)
		return hyv_emulate_mmio_mov(vcpu, gpa, write);
	if (insn->kind == HYV_INSN_STRING) {
		ret = hyv_mmio_string(vcpu, insn);
		return ret == HYV_TO_USER ? 0 : ret < 0 ? ret : 1;
	}
	return -EOPNOTSUPP;
}

/*
 * RUN after an MMIO exit: the VMM's data goes where the instruction
 * wanted it. Returns true when that produced the next exit (XCHG's
 * write, the write half of an MMIO-to-MMIO MOVS), already in the run
 * page: RUN returns it without entering the guest.
 */
bool hyv_emulate_mmio_done(struct hyv_vcpu *vcpu)
{
	struct hyv_mmio *m = &vcpu->mmio;
	u64 data = READ_ONCE(vcpu->run->mmio.data), val;

	switch (m->op) {
	case HYV_MMIO_READ:
		m->op = HYV_MMIO_NONE;
		hyv_insn_mmio_read_done(&m->insn, vcpu->gpr, data);
		return false;
	case HYV_MMIO_XCHG:
		m->op = HYV_MMIO_NONE;
		val = hyv_insn_mmio_write_data(&m->insn, vcpu->gpr);
		hyv_insn_mmio_read_done(&m->insn, vcpu->gpr, data);
		hyv_mmio_exit(vcpu, m->dst_gpa, m->insn.mem_size, true, 0);
		vcpu->run->mmio.data = val;
		return true;
	case HYV_MMIO_STR_TO_RAM:
	case HYV_MMIO_STR_TO_MMIO:
		return hyv_mmio_string_done(vcpu);
	}
	return false;
}

/*
 * An MMIO access hyv refused: say which instruction it was, in the log
 * (rate-limited) and to userspace, whose emulation-failure exit then
 * carries its bytes: internal.data[3] is how many (up to 15), data[4]
 * and data[5] hold them in order. Called after the exit was filled.
 */
void hyv_emulate_mmio_refused(struct hyv_vcpu *vcpu, u64 gpa)
{
	struct hyv_run *run = vcpu->run;
	u8 buf[HYV_INSN_MAX_LEN];
	enum hyv_cpu_mode mode;
	struct hyv_insn insn;
	const char *what;
	unsigned int got;

	got = hyv_emulate_fetch_insn(vcpu, buf, &mode);
	memset(&insn, 0, sizeof(insn));
	if (!got)
		what = "an instruction hyv cannot read (not in RAM, or not mapped)";
	else if (hyv_insn_decode(buf, got, mode, &insn))
		what = "an instruction hyv does not decode";
	else if (insn.kind == HYV_INSN_ALU)
		what = insn.name;
	else if (insn.kind == HYV_INSN_STRING)
		what = "this string instruction";
	else
		what = "this instruction";
	if (got && !hyv_insn_decode(buf, got, mode, &insn))
		got = insn.len;
	hyv_vm_warn(vcpu->vm, "vcpu%u: MMIO at %#llx by %s%s (%*ph) at rip %#llx: not emulated\n",
		    vcpu->id, gpa, insn.lock ? "lock " : "", what, got, buf,
		    vcpu->rip);
	run->internal.ndata = 6;
	run->internal.data[3] = got;
	memcpy(&run->internal.data[4], buf, got);
}

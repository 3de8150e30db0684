// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the guest's instructions: the length of an intercepted one when
 * the CPU does not report it (SVM without NRIP-save), and the MOV behind a
 * nested page fault outside RAM, which becomes a decoded MMIO exit.
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

/* Fetch and decode the instruction at the guest's RIP. */
int hyv_emulate_decode(struct hyv_vcpu *vcpu, struct hyv_insn *insn)
{
	struct hyv_guest_paging pg = {
		.read_gpa = hyv_emulate_read_gpa,
		.ctx = vcpu->vm,
	};
	u8 buf[HYV_INSN_MAX_LEN];
	enum hyv_cpu_mode mode;
	struct hyv_sregs s;
	unsigned int got;
	u32 access;
	u64 gva;

	hyv_ops->get_sregs(vcpu, &s);
	pg.cr0 = s.cr0;
	pg.cr3 = s.cr3;
	pg.cr4 = s.cr4;
	pg.efer = s.efer;
	mode = hyv_insn_cpu_mode(s.cr0 & X86_CR0_PE,
				 vcpu->rflags & X86_EFLAGS_VM,
				 s.efer & EFER_LMA, s.cs.l, s.cs.db);
	gva = s.cs.base + vcpu->rip;
	if (mode != HYV_CPU_MODE_64)
		gva = (u32)gva;
	access = HYV_WALK_FETCH | (s.ss.dpl == 3 ? HYV_WALK_USER : 0);

	got = hyv_emulate_fetch(vcpu, &pg, gva, access, buf, sizeof(buf));
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

/* The local APIC's xAPIC page is emulated here; true if it took @gpa. */
static bool hyv_emulate_mmio_in_kernel(struct hyv_vcpu *vcpu, u64 gpa,
				       struct hyv_insn *insn)
{
	bool write = hyv_insn_is_mmio_write(insn);
	u32 val = 0;

	if (write)
		val = hyv_insn_mmio_write_data(insn, vcpu->gpr);
	/* Registers are 32 bits wide; other sizes read 0, write nothing. */
	if (insn->mem_size != 4) {
		if (!hyv_lapic_mmio(vcpu, gpa & ~0xfULL, false, &val))
			return false;
		val = 0;
	} else if (!hyv_lapic_mmio(vcpu, gpa, write, &val)) {
		return false;
	}
	if (!write)
		hyv_insn_mmio_read_done(insn, vcpu->gpr, val);
	vcpu->rip += insn->len;
	hyv_ops->set_interrupt_shadow(vcpu, false);
	return true;
}

/*
 * Turn an access outside every slot into an MMIO exit: decode the MOV,
 * hand userspace the address, size and (for a write) the data, and step
 * over it. A read completes on the next RUN (hyv_emulate_mmio_done).
 * The decoded instruction must make the access that faulted (@write as
 * the CPU reported it): another vCPU may have rewritten the bytes at RIP
 * since. Returns 1 when the kernel completed the access itself (local
 * APIC), 0 when the run page holds an MMIO exit, or -errno.
 */
int hyv_emulate_mmio(struct hyv_vcpu *vcpu, u64 gpa, bool write)
{
	struct hyv_run *run = vcpu->run;
	struct hyv_insn *insn = &vcpu->mmio_insn;
	int ret;

	ret = hyv_emulate_decode(vcpu, insn);
	if (ret)
		return ret;
	if (!hyv_insn_is_mmio(insn) || hyv_insn_is_mmio_write(insn) != write)
		return -EOPNOTSUPP;
	if (hyv_emulate_mmio_in_kernel(vcpu, gpa, insn))
		return 1;

	memset(&run->mmio, 0, sizeof(run->mmio));
	run->exit_reason = HYV_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn->mem_size;
	run->mmio.is_write = hyv_insn_is_mmio_write(insn);
	if (run->mmio.is_write)
		run->mmio.data = hyv_insn_mmio_write_data(insn, vcpu->gpr);
	else
		vcpu->pending_mmio_read = true;
	vcpu->rip += insn->len;
	hyv_ops->set_interrupt_shadow(vcpu, false);
	return 0;
}

/* Userspace answered an MMIO read: put the data where the MOV wanted it. */
void hyv_emulate_mmio_done(struct hyv_vcpu *vcpu)
{
	u64 data = READ_ONCE(vcpu->run->mmio.data);

	hyv_insn_mmio_read_done(&vcpu->mmio_insn, vcpu->gpr, data);
	vcpu->pending_mmio_read = false;
}

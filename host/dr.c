// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's debug registers (Intel SDM vol. 3B §17.2). Every MOV DR
 * exits and is emulated on the values kept in the vCPU; the CPU runs the
 * guest with DR7 = 0x400 and never with the guest's DR0-DR3, so a guest
 * neither reads the host's breakpoint addresses nor disarms them, and the
 * host's breakpoints are put back after each exit (vcpu.c). The guest's
 * breakpoints are kept but do not fire (guest debugging is future work).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>

#include "hyv.h"

/* DR6 bits a write sets (B0-B3, BD, BS, BT); the others read as 1. */
#define HYV_DR6_VOLATILE	(DR_TRAP_BITS | DR_STEP | DR_SWITCH | HYV_DR6_BD)
#define HYV_DR7_FIXED_1		0x400ULL
#define HYV_DR7_RESERVED_0	0xd800ULL	/* bits 11, 12, 14, 15 */

void hyv_dr_reset(struct hyv_vcpu *vcpu)
{
	memset(vcpu->db, 0, sizeof(vcpu->db));
	vcpu->dr6 = DR6_RESERVED;
	vcpu->dr7 = HYV_DR7_FIXED_1;
}

/*
 * MOV to (@write) or from DR@dr, the value in *@val. Returns 0, -EINVAL
 * for #GP (a DR6/DR7 value with bits 63:32 set) or -EOPNOTSUPP for #UD
 * (DR4/DR5 with CR4.DE set). The caller checked CPL 0 and DR7.GD.
 */
int hyv_dr_access(struct hyv_vcpu *vcpu, int dr, bool write, u64 *val)
{
	/* DR4 and DR5 are DR6 and DR7 unless CR4.DE (§17.2.2). */
	if (dr == 4 || dr == 5) {
		if (hyv_cr4(vcpu) & X86_CR4_DE)
			return -EOPNOTSUPP;
		dr += 2;
	}
	switch (dr) {
	case 0 ... 3:
		if (write)
			vcpu->db[dr] = *val;
		else
			*val = vcpu->db[dr];
		return 0;
	case 6:
		if (!write) {
			*val = vcpu->dr6;
			return 0;
		}
		if (*val >> 32)
			return -EINVAL;
		vcpu->dr6 = (*val & HYV_DR6_VOLATILE) | DR6_RESERVED;
		return 0;
	case 7:
		if (!write) {
			*val = vcpu->dr7;
			return 0;
		}
		if (*val >> 32)
			return -EINVAL;
		vcpu->dr7 = (*val & ~HYV_DR7_RESERVED_0) | HYV_DR7_FIXED_1;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv x86 instruction decoder: the length of the instructions the host
 * skips after an intercept, and the operands of the forms a guest uses
 * to touch MMIO (MOV, MOVNTI, XCHG, string instructions), for CPUs
 * without NRIP-save or decode assists. Encoding facts: Intel SDM vol. 2
 * ch. 2 (instruction format).
 */
#ifndef HYV_INSN_H
#define HYV_INSN_H

#include <linux/types.h>

/* An instruction is at most 15 bytes long, or it raises #GP (SDM 2.3.11). */
#define HYV_INSN_MAX_LEN	15

/* No register: an absent base or index, or no register operand. */
#define HYV_INSN_NO_REG		0xff

/*
 * How the guest's CS decodes, chosen by the caller as the CPU does:
 * 64 when EFER.LMA and CS.L; otherwise 32 when CS.D; otherwise 16
 * (real mode, virtual-8086 mode and 16-bit protected mode decode alike).
 */
enum hyv_cpu_mode {
	HYV_CPU_MODE_16,
	HYV_CPU_MODE_32,
	HYV_CPU_MODE_64,
};

/*
 * The decode mode from the guest's state: CR0.PE, RFLAGS.VM, EFER.LMA
 * and the L and D bits of CS (SDM vol. 3A 5.2.1, 9.1; vol. 1 3.6).
 */
static inline enum hyv_cpu_mode hyv_insn_cpu_mode(bool cr0_pe, bool vm86,
						  bool efer_lma, bool cs_l,
						  bool cs_d)
{
	if (!cr0_pe || vm86)
		return HYV_CPU_MODE_16;
	if (efer_lma && cs_l)
		return HYV_CPU_MODE_64;
	return cs_d ? HYV_CPU_MODE_32 : HYV_CPU_MODE_16;
}

/* Segment registers, numbered as the instruction encoding numbers them. */
enum hyv_seg {
	HYV_SEG_ES,
	HYV_SEG_CS,
	HYV_SEG_SS,
	HYV_SEG_DS,
	HYV_SEG_FS,
	HYV_SEG_GS,
};

enum hyv_insn_kind {
	HYV_INSN_UNKNOWN,
	/* Instructions the host intercepts and skips: only len matters. */
	HYV_INSN_CPUID,
	HYV_INSN_HLT,
	HYV_INSN_VMCALL,
	HYV_INSN_VMMCALL,
	HYV_INSN_RDMSR,
	HYV_INSN_WRMSR,
	HYV_INSN_IN,		/* port in imm (imm_port) or DX; op_size bytes */
	HYV_INSN_OUT,
	HYV_INSN_XSETBV,
	HYV_INSN_INVD,
	HYV_INSN_WBINVD,
	HYV_INSN_RDTSC,
	HYV_INSN_RDTSCP,
	HYV_INSN_RDPMC,
	HYV_INSN_PAUSE,
	HYV_INSN_MONITOR,
	HYV_INSN_MWAIT,
	HYV_INSN_INVLPG,	/* mem is the operand */
	HYV_INSN_MOV_FROM_CR,	/* reg <- CR[ctrl] */
	HYV_INSN_MOV_TO_CR,	/* CR[ctrl] <- reg */
	HYV_INSN_MOV_FROM_DR,	/* reg <- DR[ctrl] */
	HYV_INSN_MOV_TO_DR,	/* DR[ctrl] <- reg */
	HYV_INSN_CLTS,
	HYV_INSN_LMSW,		/* CR0[3:0] <- reg (register form only) */
	/* MMIO forms: all have a memory operand (has_mem). */
	HYV_INSN_MOV_STORE,	/* mem <- reg (88, 89, A2, A3) */
	HYV_INSN_MOV_STORE_IMM,	/* mem <- imm (C6, C7) */
	HYV_INSN_MOV_LOAD,	/* reg <- mem (8A, 8B, A0, A1) */
	HYV_INSN_MOVZX,		/* reg <- zero-extended mem (0F B6, 0F B7) */
	HYV_INSN_MOVSX,		/* reg <- sign-extended mem (0F BE/BF, 63) */
	HYV_INSN_XCHG,		/* mem <-> reg (86, 87), LOCK or not */
	/*
	 * MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS: opcode, rep, op_size
	 * (the element), mem.addr_size and mem.seg (the DS-side segment)
	 * describe it; the users (pio.c, mmio_string.c) do the rest.
	 */
	HYV_INSN_STRING,
	/*
	 * An ALU or bit instruction with a memory operand (ADD, OR, ADC,
	 * SBB, AND, SUB, XOR, CMP, TEST, INC, DEC, NOT, NEG, MUL, DIV,
	 * shifts and rotates, BT*, XADD, CMPXCHG*), LOCK or not: decoded
	 * for its length and name only, so that an MMIO access by one is
	 * refused by name. hyv never emulates these.
	 */
	HYV_INSN_ALU,
};

/*
 * A decoded memory operand. The effective address is
 * base + index * scale + disp (+ next RIP when rip_rel), truncated to
 * addr_size; the linear address adds the base of segment seg, which in
 * 64-bit mode is 0 for every segment but FS and GS (SDM vol. 3A 3.4.4).
 */
struct hyv_insn_mem {
	u8 base;		/* GPR index 0-15 or HYV_INSN_NO_REG */
	u8 index;		/* GPR index 0-15 or HYV_INSN_NO_REG */
	u8 scale;		/* 1, 2, 4 or 8 */
	u8 seg;			/* enum hyv_seg, override or default */
	u8 addr_size;		/* 2, 4 or 8 bytes */
	bool rip_rel;		/* disp is relative to the next instruction */
	s64 disp;		/* sign-extended; moffs forms: the offset */
};

struct hyv_insn {
	enum hyv_insn_kind kind;
	u8 len;			/* total length in bytes, prefixes included */
	u8 op_size;		/* operand size; the destination for MOVZX/MOVSX */
	u8 mem_size;		/* bytes read or written at mem (MMIO forms) */
	bool sign_extend;	/* MOVSX: sign- rather than zero-extend */
	/*
	 * The register operand: the GPR a MOV reads or writes, the GPR
	 * of a MOV CR/DR, else HYV_INSN_NO_REG. With high_byte it names
	 * bits 15:8 of GPR 0-3 (AH, CH, DH, BH: 8-bit, no REX prefix).
	 */
	u8 reg;
	bool high_byte;
	u8 ctrl;		/* MOV CR/DR: the CR or DR number */
	bool has_mem;		/* mem is valid */
	bool lock;		/* a LOCK prefix (XCHG, ALU kinds only) */
	bool port_in_dx;	/* IN/OUT: port in DX rather than in imm */
	/*
	 * MOV_STORE_IMM: the value stored, as the CPU sign-extends it,
	 * truncated to op_size. IN/OUT with an immediate: the port.
	 */
	u64 imm;
	struct hyv_insn_mem mem;
	/* HYV_INSN_STRING: its opcode and REP prefix (0, 0xf2 or 0xf3). */
	u8 opcode;
	u8 rep;
	/* HYV_INSN_ALU: the mnemonic, without the LOCK ("add", "xadd") */
	const char *name;
};

int hyv_insn_decode(const u8 *buf, unsigned int len, enum hyv_cpu_mode mode,
		    struct hyv_insn *insn);

u64 hyv_insn_mem_ea(const struct hyv_insn *insn, const u64 gpr[16],
		    u64 next_rip);

u64 hyv_insn_reg_read(u64 reg, unsigned int size, bool high_byte);
void hyv_insn_reg_write(u64 *reg, unsigned int size, u64 val, bool high_byte);

/*
 * The MOV forms of MMIO (one access, one direction), and which of them
 * write to memory. XCHG reads, then writes; strings are their own.
 */
static inline bool hyv_insn_is_mmio(const struct hyv_insn *insn)
{
	return insn->kind >= HYV_INSN_MOV_STORE &&
	       insn->kind <= HYV_INSN_MOVSX;
}

static inline bool hyv_insn_is_mmio_write(const struct hyv_insn *insn)
{
	return insn->kind == HYV_INSN_MOV_STORE ||
	       insn->kind == HYV_INSN_MOV_STORE_IMM;
}

u64 hyv_insn_mmio_write_data(const struct hyv_insn *insn, const u64 gpr[16]);
void hyv_insn_mmio_read_done(const struct hyv_insn *insn, u64 gpr[16],
			     u64 data);

#endif /* HYV_INSN_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv x86 instruction decoder: lengths of intercepted instructions and
 * the operands of the instructions that touch MMIO (MOV, MOVNTI, XCHG,
 * string instructions), for CPUs without NRIP-save or decode assists;
 * ALU forms with a memory operand are decoded only far enough to be
 * named when they are refused.
 *
 * The decoder knows a short list of opcodes and refuses everything else
 * with -EOPNOTSUPP: a wrong guess would corrupt guest state, a refusal
 * only ends in an emulation-failure exit. Pure code: no allocation, no
 * globals, so KUnit can drive it with byte tables.
 *
 * Encoding facts cite the Intel SDM vol. 2, ch. 2 and the opcode map in
 * appendix A; the AMD APM vol. 3 ch. 1 says the same for these forms.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "insn.h"

/* GPR numbers as the encoding uses them (SDM vol. 2 table 2-2). */
#define GPR_RAX 0
#define GPR_RBX 3
#define GPR_RSP 4
#define GPR_RBP 5
#define GPR_RSI 6
#define GPR_RDI 7

/* REX prefix bits (SDM vol. 2 2.2.1, table 2-4). */
#define REX_B	BIT(0)
#define REX_X	BIT(1)
#define REX_R	BIT(2)
#define REX_W	BIT(3)

#define NO_SEG	0xff

struct insn_state {
	const u8 *buf;
	unsigned int limit;	/* bytes we may read: at most 15 */
	unsigned int pos;
	enum hyv_cpu_mode mode;
	u8 rex;			/* 0: no REX prefix */
	u8 seg;			/* segment override or NO_SEG */
	u8 rep;			/* 0, 0xf2 or 0xf3 */
	bool lock;
	bool p66;		/* operand-size override */
	bool p67;		/* address-size override */
	u8 op_size;
	u8 addr_size;
	u8 modrm;
};

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : BIT_ULL(size * 8) - 1;
}

/* Read n little-endian bytes; running past the end means truncated. */
static int insn_fetch(struct insn_state *s, unsigned int n, u64 *val)
{
	u64 v = 0;
	unsigned int i;

	if (n > s->limit - s->pos)
		return -EINVAL;
	for (i = 0; i < n; i++)
		v |= (u64)s->buf[s->pos + i] << (8 * i);
	s->pos += n;
	*val = v;
	return 0;
}

/* Read n bytes (1, 2 or 4) and sign-extend them to 64 bits. */
static int insn_fetch_signed(struct insn_state *s, unsigned int n, s64 *val)
{
	u64 v;
	int ret = insn_fetch(s, n, &v);

	if (ret)
		return ret;
	*val = sign_extend64(v, n * 8 - 1);
	return 0;
}

static int insn_set_seg(struct insn_state *s, u8 seg)
{
	/*
	 * Two different overrides are at best undefined (SDM vol. 2
	 * 2.1.1) and Intel and AMD differ in 64-bit mode: refuse.
	 */
	if (s->seg != NO_SEG && s->seg != seg)
		return -EOPNOTSUPP;
	s->seg = seg;
	return 0;
}

/*
 * Legacy prefixes in any order, then in 64-bit mode REX, which counts
 * only when it comes right before the opcode: a legacy prefix after it
 * cancels it (SDM vol. 2 2.2.1).
 */
static int insn_prefixes(struct insn_state *s)
{
	u8 b;

	for (;;) {
		if (s->pos >= s->limit)
			return -EINVAL;
		b = s->buf[s->pos];
		switch (b) {
		case 0x66:
			s->p66 = true;
			break;
		case 0x67:
			s->p67 = true;
			break;
		case 0xf0:
			s->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			if (s->rep && s->rep != b)
				return -EOPNOTSUPP;
			s->rep = b;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			if (insn_set_seg(s, (b >> 3) & 3))
				return -EOPNOTSUPP;
			break;
		case 0x64: case 0x65:
			if (insn_set_seg(s, HYV_SEG_FS + (b & 1)))
				return -EOPNOTSUPP;
			break;
		default:
			if (s->mode != HYV_CPU_MODE_64 || (b & 0xf0) != 0x40)
				return 0;
			s->rex = b;
			s->pos++;
			continue;
		}
		s->rex = 0;
		s->pos++;
	}
}

/* Operand and address size (SDM vol. 2 2.2.1.2, table 2-4; 3A 3.6). */
static void insn_sizes(struct insn_state *s)
{
	switch (s->mode) {
	case HYV_CPU_MODE_64:
		s->op_size = (s->rex & REX_W) ? 8 : s->p66 ? 2 : 4;
		s->addr_size = s->p67 ? 4 : 8;
		break;
	case HYV_CPU_MODE_32:
		s->op_size = s->p66 ? 2 : 4;
		s->addr_size = s->p67 ? 2 : 4;
		break;
	default:
		s->op_size = s->p66 ? 4 : 2;
		s->addr_size = s->p67 ? 4 : 2;
		break;
	}
}

/* 16-bit ModRM addressing (SDM vol. 2 table 2-1). */
static int insn_modrm16(struct insn_state *s, struct hyv_insn_mem *m,
			u8 mod, u8 rm)
{
	static const u8 base16[8] = {
		GPR_RBX, GPR_RBX, GPR_RBP, GPR_RBP,
		GPR_RSI, GPR_RDI, GPR_RBP, GPR_RBX,
	};
	static const u8 index16[8] = {
		GPR_RSI, GPR_RDI, GPR_RSI, GPR_RDI,
		HYV_INSN_NO_REG, HYV_INSN_NO_REG,
		HYV_INSN_NO_REG, HYV_INSN_NO_REG,
	};
	unsigned int disp_len = mod == 1 ? 1 : mod == 2 ? 2 : 0;

	m->base = base16[rm];
	m->index = index16[rm];
	if (mod == 0 && rm == 6) {
		m->base = HYV_INSN_NO_REG;	/* [disp16] */
		disp_len = 2;
	}
	if (!disp_len)
		return 0;
	return insn_fetch_signed(s, disp_len, &m->disp);
}

/* The SIB byte (SDM vol. 2 table 2-3, 2.2.1.2 for REX.X/REX.B). */
static int insn_sib(struct insn_state *s, struct hyv_insn_mem *m, u8 mod,
		    unsigned int *disp_len)
{
	u64 sib;
	u8 index, base;
	int ret = insn_fetch(s, 1, &sib);

	if (ret)
		return ret;
	index = ((sib >> 3) & 7) | ((s->rex & REX_X) ? 8 : 0);
	base = sib & 7;
	if (index != GPR_RSP) {		/* index 100b without REX.X: none */
		m->index = index;
		m->scale = 1 << (sib >> 6);
	}
	if (base == GPR_RBP && mod == 0)
		*disp_len = 4;		/* no base, [index * scale + disp32] */
	else
		m->base = base | ((s->rex & REX_B) ? 8 : 0);
	return 0;
}

/* 32- and 64-bit ModRM addressing (SDM vol. 2 table 2-2, 2.2.1.6). */
static int insn_modrm32(struct insn_state *s, struct hyv_insn_mem *m,
			u8 mod, u8 rm)
{
	unsigned int disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	int ret;

	if (rm == 4) {
		ret = insn_sib(s, m, mod, &disp_len);
		if (ret)
			return ret;
	} else if (rm == 5 && mod == 0) {
		/* [disp32]; in 64-bit mode RIP- (or EIP-) relative. */
		m->rip_rel = s->mode == HYV_CPU_MODE_64;
		disp_len = 4;
	} else {
		m->base = rm | ((s->rex & REX_B) ? 8 : 0);
	}
	if (!disp_len)
		return 0;
	return insn_fetch_signed(s, disp_len, &m->disp);
}

/*
 * Fetch the ModRM byte and, unless mod is 3 (a register), decode the
 * memory operand with its SIB and displacement into insn->mem.
 */
static int insn_modrm(struct insn_state *s, struct hyv_insn *insn)
{
	struct hyv_insn_mem *m = &insn->mem;
	u8 mod, rm;
	u64 modrm;
	int ret = insn_fetch(s, 1, &modrm);

	if (ret)
		return ret;
	s->modrm = modrm;
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return 0;

	m->addr_size = s->addr_size;
	if (s->addr_size == 2)
		ret = insn_modrm16(s, m, mod, rm);
	else
		ret = insn_modrm32(s, m, mod, rm);
	if (ret)
		return ret;

	/* SS is the default with a BP or SP base (SDM vol. 1 3.7.4). */
	if (s->seg != NO_SEG)
		m->seg = s->seg;
	else if (m->base == GPR_RSP || m->base == GPR_RBP)
		m->seg = HYV_SEG_SS;
	else
		m->seg = HYV_SEG_DS;
	insn->has_mem = true;
	return 0;
}

/*
 * The ModRM reg field as a GPR operand of op_size bytes: without any
 * REX prefix, 8-bit registers 4-7 are AH, CH, DH, BH (SDM vol. 2 3.1.1.1).
 */
static void insn_set_reg(struct insn_state *s, struct hyv_insn *insn)
{
	u8 reg = ((s->modrm >> 3) & 7) | ((s->rex & REX_R) ? 8 : 0);

	if (insn->op_size == 1 && !s->rex && reg >= 4 && reg < 8) {
		insn->high_byte = true;
		reg -= 4;
	}
	insn->reg = reg;
}

/* ModRM forms of the MMIO MOVs: a memory operand is required. */
static int insn_mov_modrm(struct insn_state *s, struct hyv_insn *insn,
			  enum hyv_insn_kind kind, u8 op_size)
{
	int ret = insn_modrm(s, insn);

	if (ret)
		return ret;
	if (!insn->has_mem)
		return -EOPNOTSUPP;	/* register to register: not MMIO */
	insn->kind = kind;
	insn->op_size = op_size;
	insn->mem_size = op_size;
	insn_set_reg(s, insn);
	return 0;
}

/* C6 /0 ib, C7 /0 iw/id: MOV r/m, imm; imm32 sign-extends to 64 bits. */
static int insn_mov_imm(struct insn_state *s, struct hyv_insn *insn,
			u8 op_size)
{
	unsigned int imm_len = min_t(unsigned int, op_size, 4);
	s64 imm;
	int ret = insn_modrm(s, insn);

	if (ret)
		return ret;
	/* Other reg fields (and C6/C7 F8: XABORT/XBEGIN) are not MOVs. */
	if (!insn->has_mem || ((s->modrm >> 3) & 7) != 0)
		return -EOPNOTSUPP;
	ret = insn_fetch_signed(s, imm_len, &imm);
	if (ret)
		return ret;
	insn->kind = HYV_INSN_MOV_STORE_IMM;
	insn->op_size = op_size;
	insn->mem_size = op_size;
	insn->imm = (u64)imm & size_mask(op_size);
	return 0;
}

/* A0-A3: MOV between rAX and an absolute offset of address size. */
static int insn_mov_moffs(struct insn_state *s, struct hyv_insn *insn,
			  u8 op)
{
	struct hyv_insn_mem *m = &insn->mem;
	u64 offs;
	int ret = insn_fetch(s, s->addr_size, &offs);

	if (ret)
		return ret;
	insn->kind = (op & 2) ? HYV_INSN_MOV_STORE : HYV_INSN_MOV_LOAD;
	insn->op_size = (op & 1) ? s->op_size : 1;
	insn->mem_size = insn->op_size;
	insn->reg = GPR_RAX;
	insn->has_mem = true;
	m->addr_size = s->addr_size;
	m->disp = (s64)offs;
	m->seg = s->seg != NO_SEG ? s->seg : HYV_SEG_DS;
	return 0;
}

/*
 * MOVZX/MOVSX (0F B6/B7/BE/BF) and MOVSXD (63): a register of op_size
 * bytes loaded from mem_size bytes of memory.
 */
static int insn_movx(struct insn_state *s, struct hyv_insn *insn,
		     bool sign, u8 mem_size)
{
	int ret = insn_mov_modrm(s, insn,
				 sign ? HYV_INSN_MOVSX : HYV_INSN_MOVZX,
				 s->op_size);

	if (ret)
		return ret;
	insn->mem_size = min(mem_size, insn->op_size);
	insn->sign_extend = sign;
	return 0;
}

/* 0F C3: MOVNTI m32/m64, r (no 66, F2 or F3): a plain store to hyv. */
static int insn_movnti(struct insn_state *s, struct hyv_insn *insn)
{
	if (s->p66 || s->rep)
		return -EOPNOTSUPP;
	return insn_mov_modrm(s, insn, HYV_INSN_MOV_STORE,
			      (s->rex & REX_W) ? 8 : 4);
}

/* The reg field of the ModRM byte that comes next, without taking it. */
static int insn_peek_reg(struct insn_state *s, u8 *reg)
{
	if (s->pos >= s->limit)
		return -EINVAL;
	*reg = (s->buf[s->pos] >> 3) & 7;
	return 0;
}

/*
 * An ALU form with a memory operand and @imm_len bytes of immediate:
 * decoded for its length and @name only (HYV_INSN_ALU); a register
 * operand is nothing MMIO can cause.
 */
static int insn_alu(struct insn_state *s, struct hyv_insn *insn,
		    const char *name, unsigned int imm_len)
{
	u64 imm;
	int ret = insn_modrm(s, insn);

	if (ret)
		return ret;
	if (!insn->has_mem)
		return -EOPNOTSUPP;
	if (imm_len) {
		ret = insn_fetch(s, imm_len, &imm);
		if (ret)
			return ret;
	}
	insn->kind = HYV_INSN_ALU;
	insn->name = name;
	return 0;
}

static const char * const alu_names[8] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
};

static const char * const shift_names[8] = {
	"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar",
};

static const char * const group3_names[8] = {
	"test", "test", "not", "neg", "mul", "imul", "div", "idiv",
};

static const char * const bt_names[4] = { "bt", "bts", "btr", "btc" };

/*
 * The one-byte ALU groups (SDM vol. 2 table A-6): 80-83 (immediate),
 * C0/C1/D0-D3 (shifts), F6/F7 (TEST imm, NOT, NEG, MUL, DIV), FE/FF
 * (INC, DEC; FF's other members are calls, jumps and PUSH: refused).
 */
static int insn_alu_group(struct insn_state *s, struct hyv_insn *insn, u8 op)
{
	unsigned int imm_full = min_t(unsigned int, s->op_size, 4);
	u8 reg;
	int ret = insn_peek_reg(s, &reg);

	if (ret)
		return ret;
	switch (op) {
	case 0x80: case 0x83:
		return insn_alu(s, insn, alu_names[reg], 1);
	case 0x81:
		return insn_alu(s, insn, alu_names[reg], imm_full);
	case 0xc0: case 0xc1:
		return insn_alu(s, insn, shift_names[reg], 1);
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		return insn_alu(s, insn, shift_names[reg], 0);
	case 0xf6: case 0xf7:
		return insn_alu(s, insn, group3_names[reg],
				reg > 1 ? 0 : op == 0xf6 ? 1 : imm_full);
	case 0xfe: case 0xff:
		if (reg > 1)
			return -EOPNOTSUPP;
		return insn_alu(s, insn, reg ? "dec" : "inc", 0);
	}
	return -EOPNOTSUPP;
}

/* Two-byte ALU forms: BT*, CMPXCHG, XADD, CMPXCHG8B/16B (SDM table A-3). */
static int insn_alu_two_byte(struct insn_state *s, struct hyv_insn *insn,
			     u8 op)
{
	u8 reg;
	int ret;

	switch (op) {
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		return insn_alu(s, insn, bt_names[(op >> 3) & 3], 0);
	case 0xb0: case 0xb1:
		return insn_alu(s, insn, "cmpxchg", 0);
	case 0xc0: case 0xc1:
		return insn_alu(s, insn, "xadd", 0);
	}
	ret = insn_peek_reg(s, &reg);
	if (ret)
		return ret;
	if (op == 0xba && reg >= 4)
		return insn_alu(s, insn, bt_names[reg - 4], 1);
	if (op == 0xc7 && reg == 1)
		return insn_alu(s, insn, (s->rex & REX_W) ? "cmpxchg16b" :
						"cmpxchg8b", 0);
	return -EOPNOTSUPP;
}

/* E4-E7, EC-EF: IN/OUT; REX.W does not widen them past 32 bits. */
static int insn_io(struct insn_state *s, struct hyv_insn *insn, u8 op)
{
	insn->kind = (op & 2) ? HYV_INSN_OUT : HYV_INSN_IN;
	insn->op_size = (op & 1) ? min_t(u8, s->op_size, 4) : 1;
	insn->port_in_dx = op & 8;
	if (insn->port_in_dx)
		return 0;
	return insn_fetch(s, 1, &insn->imm);
}

struct insn_op {
	u8 op;
	u8 kind;		/* enum hyv_insn_kind */
};

/* 0F 01 with mod = 3: the ModRM byte names the instruction (SDM A.4). */
static const struct insn_op group7_ops[] = {
	{ 0xc1, HYV_INSN_VMCALL },
	{ 0xc8, HYV_INSN_MONITOR },
	{ 0xc9, HYV_INSN_MWAIT },
	{ 0xd1, HYV_INSN_XSETBV },
	{ 0xd9, HYV_INSN_VMMCALL },
	{ 0xf9, HYV_INSN_RDTSCP },
};

/* Two-byte opcodes without operands (SDM vol. 2 table A-3). */
static const struct insn_op two_byte_ops[] = {
	{ 0x06, HYV_INSN_CLTS },
	{ 0x08, HYV_INSN_INVD },
	{ 0x09, HYV_INSN_WBINVD },
	{ 0x30, HYV_INSN_WRMSR },
	{ 0x31, HYV_INSN_RDTSC },
	{ 0x32, HYV_INSN_RDMSR },
	{ 0x33, HYV_INSN_RDPMC },
	{ 0xa2, HYV_INSN_CPUID },
};

static int insn_lookup(const struct insn_op *ops, unsigned int n, u8 op,
		       struct hyv_insn *insn)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (ops[i].op == op) {
			insn->kind = ops[i].kind;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

/*
 * 0F 01: INVLPG is /7 with a memory operand; LMSW /6 with a register
 * operand (the memory form is left to fail); other mod = 3 forms by table.
 */
static int insn_group7(struct insn_state *s, struct hyv_insn *insn)
{
	int ret = insn_modrm(s, insn);

	if (ret)
		return ret;
	if (!insn->has_mem && ((s->modrm >> 3) & 7) == 6) {
		insn->kind = HYV_INSN_LMSW;
		insn->reg = (s->modrm & 7) | ((s->rex & REX_B) ? 8 : 0);
		return 0;
	}
	if (!insn->has_mem)
		return insn_lookup(group7_ops, ARRAY_SIZE(group7_ops),
				   s->modrm, insn);
	if (((s->modrm >> 3) & 7) != 7)
		return -EOPNOTSUPP;
	insn->kind = HYV_INSN_INVLPG;
	return 0;
}

/*
 * 0F 20-23: MOV to/from CR/DR. The mod field is ignored and there is
 * never a SIB or displacement; the operand is 64 bits in 64-bit mode,
 * else 32 (SDM vol. 2 "MOV-Move to/from Control Registers").
 */
static int insn_mov_crdr(struct insn_state *s, struct hyv_insn *insn, u8 op)
{
	static const enum hyv_insn_kind kinds[4] = {
		HYV_INSN_MOV_FROM_CR, HYV_INSN_MOV_FROM_DR,
		HYV_INSN_MOV_TO_CR, HYV_INSN_MOV_TO_DR,
	};
	u64 modrm;
	u8 ctrl;
	int ret = insn_fetch(s, 1, &modrm);

	if (ret)
		return ret;
	ctrl = ((modrm >> 3) & 7) | ((s->rex & REX_R) ? 8 : 0);
	if (op & 1) {
		if (ctrl > 7)
			return -EOPNOTSUPP;	/* DR8-DR15: #UD */
	} else if (!(ctrl == 0 || (ctrl >= 2 && ctrl <= 4) || ctrl == 8)) {
		return -EOPNOTSUPP;		/* CR1, CR5-7, CR9-15: #UD */
	}
	insn->kind = kinds[op & 3];
	insn->ctrl = ctrl;
	insn->reg = (modrm & 7) | ((s->rex & REX_B) ? 8 : 0);
	insn->op_size = s->mode == HYV_CPU_MODE_64 ? 8 : 4;
	return 0;
}

/* Two-byte opcodes 0F xx (SDM vol. 2 table A-3). */
static int insn_two_byte(struct insn_state *s, struct hyv_insn *insn)
{
	u64 op;
	int ret = insn_fetch(s, 1, &op);

	if (ret)
		return ret;
	/*
	 * With 66, F2 or F3 these two name other instructions or none
	 * (F3 0F 09 is WBNOINVD, F3 0F 01 E8 SETSSBSY, ...): refuse.
	 */
	if ((op == 0x01 || op == 0x09) && s->p66)
		return -EOPNOTSUPP;
	switch (op) {
	case 0x01:
		return insn_group7(s, insn);
	case 0x20: case 0x21: case 0x22: case 0x23:
		return insn_mov_crdr(s, insn, op);
	case 0xb6:
		return insn_movx(s, insn, false, 1);
	case 0xb7:
		return insn_movx(s, insn, false, 2);
	case 0xbe:
		return insn_movx(s, insn, true, 1);
	case 0xbf:
		return insn_movx(s, insn, true, 2);
	case 0xc3:
		return insn_movnti(s, insn);
	case 0xa3: case 0xab: case 0xb3: case 0xbb: case 0xba:
	case 0xb0: case 0xb1: case 0xc0: case 0xc1: case 0xc7:
		return insn_alu_two_byte(s, insn, op);
	default:
		return insn_lookup(two_byte_ops, ARRAY_SIZE(two_byte_ops), op,
				   insn);
	}
}

static bool insn_is_string(u8 op)
{
	return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) ||
	       (op >= 0xaa && op <= 0xaf);
}

/* One-byte opcodes (SDM vol. 2 table A-2). */
static int insn_one_byte(struct insn_state *s, struct hyv_insn *insn, u8 op)
{
	switch (op) {
	case 0x0f:
		return insn_two_byte(s, insn);
	case 0x00 ... 0x03: case 0x08 ... 0x0b: case 0x10 ... 0x13:
	case 0x18 ... 0x1b: case 0x20 ... 0x23: case 0x28 ... 0x2b:
	case 0x30 ... 0x33: case 0x38 ... 0x3b:
		return insn_alu(s, insn, alu_names[op >> 3], 0);
	case 0x80: case 0x81: case 0x83:
	case 0xc0: case 0xc1: case 0xd0 ... 0xd3:
	case 0xf6: case 0xf7: case 0xfe: case 0xff:
		return insn_alu_group(s, insn, op);
	case 0x84: case 0x85:
		return insn_alu(s, insn, "test", 0);
	case 0x86:
		return insn_mov_modrm(s, insn, HYV_INSN_XCHG, 1);
	case 0x87:
		return insn_mov_modrm(s, insn, HYV_INSN_XCHG, s->op_size);
	case 0x63:
		/* MOVSXD in 64-bit mode only; elsewhere 63 is ARPL. */
		if (s->mode != HYV_CPU_MODE_64)
			return -EOPNOTSUPP;
		return insn_movx(s, insn, true, 4);
	case 0x88:
		return insn_mov_modrm(s, insn, HYV_INSN_MOV_STORE, 1);
	case 0x89:
		return insn_mov_modrm(s, insn, HYV_INSN_MOV_STORE, s->op_size);
	case 0x8a:
		return insn_mov_modrm(s, insn, HYV_INSN_MOV_LOAD, 1);
	case 0x8b:
		return insn_mov_modrm(s, insn, HYV_INSN_MOV_LOAD, s->op_size);
	case 0x90:
		/* F3 90 is PAUSE; REX.B 90 is XCHG r8, rAX. */
		if (s->rep != 0xf3 || (s->rex & REX_B))
			return -EOPNOTSUPP;
		insn->kind = HYV_INSN_PAUSE;
		return 0;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return insn_mov_moffs(s, insn, op);
	case 0xc6:
		return insn_mov_imm(s, insn, 1);
	case 0xc7:
		return insn_mov_imm(s, insn, s->op_size);
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		return insn_io(s, insn, op);
	case 0xf4:
		insn->kind = HYV_INSN_HLT;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * hyv_insn_decode() - decode one x86 instruction
 * @buf: the instruction bytes, from the first prefix
 * @len: bytes available in @buf (more than 15 are never read)
 * @mode: how the guest's CS decodes
 * @insn: the result
 *
 * Return: 0 and @insn filled; -EINVAL when @buf ends before the
 * instruction does or the instruction would exceed 15 bytes;
 * -EOPNOTSUPP for anything not listed in enum hyv_insn_kind, a LOCK
 * prefix other than on XCHG and the ALU kinds, a REP prefix other than
 * on PAUSE and string instructions, and register-only forms of the MMIO
 * instructions.
 */
int hyv_insn_decode(const u8 *buf, unsigned int len, enum hyv_cpu_mode mode,
		    struct hyv_insn *insn)
{
	struct insn_state s = {
		.buf = buf,
		.limit = min_t(unsigned int, len, HYV_INSN_MAX_LEN),
		.mode = mode,
		.seg = NO_SEG,
	};
	u8 op;
	int ret;

	memset(insn, 0, sizeof(*insn));
	insn->reg = HYV_INSN_NO_REG;
	insn->mem.base = HYV_INSN_NO_REG;
	insn->mem.index = HYV_INSN_NO_REG;
	insn->mem.scale = 1;

	ret = insn_prefixes(&s);
	if (ret)
		return ret;
	insn_sizes(&s);
	op = buf[s.pos++];
	if (insn_is_string(op)) {
		/*
		 * Described, for string I/O and MMIO to carry out: the
		 * element size (INS/OUTS stop at 4 bytes, the others take
		 * REX.W), the source segment (DS unless overridden; the ES
		 * side cannot be overridden), address size, REP. LOCK is #UD.
		 */
		if (s.lock)
			return -EOPNOTSUPP;
		insn->kind = HYV_INSN_STRING;
		insn->len = s.pos;
		insn->opcode = op;
		insn->rep = s.rep;
		insn->op_size = !(op & 1) ? 1 : op < 0x70 ?
				min_t(u8, s.op_size, 4) : s.op_size;
		insn->mem.addr_size = s.addr_size;
		insn->mem.seg = s.seg == NO_SEG ? HYV_SEG_DS : s.seg;
		return 0;
	}
	insn->op_size = s.op_size;
	ret = insn_one_byte(&s, insn, op);
	if (ret)
		return ret;
	/*
	 * LOCK is #UD on every form above but XCHG and the ALU kinds (the
	 * CPU checks which of those may take it; hyv emulates none of the
	 * ALU kinds); REP is only part of PAUSE (on ALU kinds F2/F3 would
	 * be XACQUIRE/XRELEASE: refused alike).
	 */
	if ((s.lock && insn->kind != HYV_INSN_XCHG &&
	     insn->kind != HYV_INSN_ALU) ||
	    (s.rep && insn->kind != HYV_INSN_PAUSE)) {
		insn->kind = HYV_INSN_UNKNOWN;
		return -EOPNOTSUPP;
	}
	insn->lock = s.lock;
	insn->len = s.pos;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_insn_decode);

/**
 * hyv_insn_mem_ea() - effective address of a decoded memory operand
 * @insn: a decoded instruction with has_mem
 * @gpr: the guest's GPRs, in encoding order
 * @next_rip: the address of the next instruction, for RIP-relative forms
 *
 * Return: the offset within the segment, truncated to the address size
 * as the CPU truncates it (SDM vol. 1 3.7.5); 0 without a memory operand.
 */
u64 hyv_insn_mem_ea(const struct hyv_insn *insn, const u64 gpr[16],
		    u64 next_rip)
{
	const struct hyv_insn_mem *m = &insn->mem;
	u64 ea = (u64)m->disp;

	if (!insn->has_mem)
		return 0;
	if (m->rip_rel)
		ea += next_rip;
	if (m->base < 16)
		ea += gpr[m->base];
	if (m->index < 16)
		ea += gpr[m->index] * m->scale;
	return ea & size_mask(m->addr_size);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_insn_mem_ea);

/* The value of a @size-byte register operand held in @reg. */
u64 hyv_insn_reg_read(u64 reg, unsigned int size, bool high_byte)
{
	if (high_byte)
		return (reg >> 8) & 0xff;
	return reg & size_mask(size);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_insn_reg_read);

/*
 * Write @val to a @size-byte register operand held in @reg: a 32-bit
 * write zero-extends to 64 bits, 8- and 16-bit writes leave the rest of
 * the register alone (SDM vol. 1 3.4.1.1).
 */
void hyv_insn_reg_write(u64 *reg, unsigned int size, u64 val, bool high_byte)
{
	u64 mask = size_mask(size);

	if (high_byte)
		*reg = (*reg & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (size == 4)
		*reg = val & mask;
	else
		*reg = (*reg & ~mask) | (val & mask);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_insn_reg_write);

/*
 * The mem_size bytes an MMIO write form (or XCHG) stores; 0 for other
 * kinds.
 */
u64 hyv_insn_mmio_write_data(const struct hyv_insn *insn, const u64 gpr[16])
{
	if (insn->kind == HYV_INSN_MOV_STORE_IMM)
		return insn->imm & size_mask(insn->mem_size);
	if ((insn->kind != HYV_INSN_MOV_STORE &&
	     insn->kind != HYV_INSN_XCHG) || insn->reg >= 16)
		return 0;
	return hyv_insn_reg_read(gpr[insn->reg], insn->op_size,
				 insn->high_byte);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_insn_mmio_write_data);

/*
 * Complete an MMIO read form (or XCHG's read) with the @data read from
 * mem_size bytes: extend it as the instruction does and write its
 * register.
 */
void hyv_insn_mmio_read_done(const struct hyv_insn *insn, u64 gpr[16],
			     u64 data)
{
	bool read = insn->kind == HYV_INSN_XCHG ||
		    (hyv_insn_is_mmio(insn) && !hyv_insn_is_mmio_write(insn));

	if (!read || insn->reg >= 16 || !insn->mem_size)
		return;
	data &= size_mask(insn->mem_size);
	if (insn->sign_extend)
		data = sign_extend64(data, insn->mem_size * 8 - 1);
	hyv_insn_reg_write(&gpr[insn->reg], insn->op_size, data,
			   insn->high_byte);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_insn_mmio_read_done);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hyv_insn: the instruction decoder (host/insn.c) against
 * tables of real instruction bytes. Every byte string here was produced
 * by GNU as or by gcc -O2 on arch/x86/include/asm/io.h's readX/writeX
 * and checked with objdump -d, not encoded by hand.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "../insn.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* GPRs in encoding order, short so the tables stay one row a case. */
enum { AX, CX, DX, BX, SP, BP, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define NONE	HYV_INSN_NO_REG

#define X16	HYV_CPU_MODE_16
#define X32	HYV_CPU_MODE_32
#define X64	HYV_CPU_MODE_64

#define BYTES(...)	.bytes = { __VA_ARGS__ }, \
			.nbytes = sizeof((u8[]){ __VA_ARGS__ })

#define LOAD	HYV_INSN_MOV_LOAD
#define STORE	HYV_INSN_MOV_STORE
#define STIMM	HYV_INSN_MOV_STORE_IMM
#define MOVZX	HYV_INSN_MOVZX
#define MOVSX	HYV_INSN_MOVSX
#define XCHG	HYV_INSN_XCHG

/* A memory operand: base, index, scale, displacement, segment, addr size. */
#define MEM(b, i, s, d, sg, a) \
	.base = (b), .index = (i), .scale = (s), .disp = (d), \
	.seg = HYV_SEG_##sg, .asz = (a)
#define RIPREL(d, a)	MEM(NONE, NONE, 1, d, DS, a), .rip = true
#define MOFFS(d, a)	MEM(NONE, NONE, 1, d, DS, a)

struct mmio_case {
	const char *name;
	enum hyv_cpu_mode mode;
	u8 bytes[HYV_INSN_MAX_LEN + 1];
	u8 nbytes;
	enum hyv_insn_kind kind;
	u8 op;			/* operand size */
	u8 msz;			/* memory size if not op */
	u8 reg;
	bool hi;		/* AH/CH/DH/BH */
	u8 base, index, scale;
	s64 disp;
	bool rip;
	u8 seg, asz;
	u64 imm;
	bool lock;
};

static const struct mmio_case mmio_cases[] = {
	/* gcc -O2 output for the kernel's readX()/writeX() (asm/io.h). */
	{ "readl 0x300(%rdi)", X64, BYTES(0x8b, 0x87, 0x00, 0x03, 0x00, 0x00),
	  LOAD, 4, 0, AX, false, MEM(DI, NONE, 1, 0x300, DS, 8) },
	{ "readl (%rax)", X64, BYTES(0x8b, 0x00),
	  LOAD, 4, 0, AX, false, MEM(AX, NONE, 1, 0, DS, 8) },
	{ "readb 0x12(%rdi)", X64, BYTES(0x8a, 0x47, 0x12),
	  LOAD, 1, 0, AX, false, MEM(DI, NONE, 1, 0x12, DS, 8) },
	{ "readw 0x14(%rdi)", X64, BYTES(0x66, 0x8b, 0x47, 0x14),
	  LOAD, 2, 0, AX, false, MEM(DI, NONE, 1, 0x14, DS, 8) },
	{ "readq 0x1000(%rdi)",
	  X64, BYTES(0x48, 0x8b, 0x87, 0x00, 0x10, 0x00, 0x00),
	  LOAD, 8, 0, AX, false, MEM(DI, NONE, 1, 0x1000, DS, 8) },
	{ "writel %esi", X64, BYTES(0x89, 0xb7, 0x00, 0x03, 0x00, 0x00),
	  STORE, 4, 0, SI, false, MEM(DI, NONE, 1, 0x300, DS, 8) },
	{ "writeb %sil", X64, BYTES(0x40, 0x88, 0x77, 0x40),
	  STORE, 1, 0, SI, false, MEM(DI, NONE, 1, 0x40, DS, 8) },
	{ "writew %si", X64, BYTES(0x66, 0x89, 0x77, 0x42),
	  STORE, 2, 0, SI, false, MEM(DI, NONE, 1, 0x42, DS, 8) },
	{ "writeq %rsi", X64, BYTES(0x48, 0x89, 0x77, 0x48),
	  STORE, 8, 0, SI, false, MEM(DI, NONE, 1, 0x48, DS, 8) },
	{ "readl global", X64, BYTES(0x8b, 0x05, 0xfc, 0x02, 0x00, 0x00),
	  LOAD, 4, 0, AX, false, RIPREL(0x2fc, 8) },
	{ "writel global", X64, BYTES(0x89, 0x3d, 0x08, 0x03, 0x00, 0x00),
	  STORE, 4, 0, DI, false, RIPREL(0x308, 8) },
	{ "volatile u32 store", X64, BYTES(0xc7, 0x07, 0x78, 0x56, 0x34, 0x12),
	  STIMM, 4, 0, NONE, false, MEM(DI, NONE, 1, 0, DS, 8),
	  .imm = 0x12345678 },
	{ "volatile u8 store", X64, BYTES(0xc6, 0x47, 0x03, 0x80),
	  STIMM, 1, 0, NONE, false, MEM(DI, NONE, 1, 3, DS, 8), .imm = 0x80 },
	{ "volatile u64 store -2",
	  X64, BYTES(0x48, 0xc7, 0x47, 0x08, 0xfe, 0xff, 0xff, 0xff),
	  STIMM, 8, 0, NONE, false, MEM(DI, NONE, 1, 8, DS, 8),
	  .imm = 0xfffffffffffffffeULL },
	{ "movzbl 5(%rdi)", X64, BYTES(0x0f, 0xb6, 0x47, 0x05),
	  MOVZX, 4, 1, AX, false, MEM(DI, NONE, 1, 5, DS, 8) },
	{ "movsbl 5(%rdi)", X64, BYTES(0x0f, 0xbe, 0x47, 0x05),
	  MOVSX, 4, 1, AX, false, MEM(DI, NONE, 1, 5, DS, 8) },
	{ "movswq 0xa(%rdi)", X64, BYTES(0x48, 0x0f, 0xbf, 0x47, 0x0a),
	  MOVSX, 8, 2, AX, false, MEM(DI, NONE, 1, 0xa, DS, 8) },
	{ "movslq 0x14(%rdi)", X64, BYTES(0x48, 0x63, 0x47, 0x14),
	  MOVSX, 8, 4, AX, false, MEM(DI, NONE, 1, 0x14, DS, 8) },

	/* MOVNTI is a store to hyv; XCHG reads, then writes (GNU as). */
	{ "movnti %eax,(%rdi)", X64, BYTES(0x0f, 0xc3, 0x07),
	  STORE, 4, 0, AX, false, MEM(DI, NONE, 1, 0, DS, 8) },
	{ "movnti %r9,0x10(%rsi)", X64, BYTES(0x4c, 0x0f, 0xc3, 0x4e, 0x10),
	  STORE, 8, 0, R9, false, MEM(SI, NONE, 1, 0x10, DS, 8) },
	{ "movnti %eax,(%edi) (32)", X32, BYTES(0x0f, 0xc3, 0x07),
	  STORE, 4, 0, AX, false, MEM(DI, NONE, 1, 0, DS, 4) },
	{ "movnti %eax,(%bx) (16)", X16, BYTES(0x0f, 0xc3, 0x07),
	  STORE, 4, 0, AX, false, MEM(BX, NONE, 1, 0, DS, 2) },
	{ "xchg %eax,(%rdi)", X64, BYTES(0x87, 0x07),
	  XCHG, 4, 0, AX, false, MEM(DI, NONE, 1, 0, DS, 8) },
	{ "xchg (%rdi),%r10", X64, BYTES(0x4c, 0x87, 0x17),
	  XCHG, 8, 0, R10, false, MEM(DI, NONE, 1, 0, DS, 8) },
	{ "xchg %ah,(%rbx)", X64, BYTES(0x86, 0x23),
	  XCHG, 1, 0, AX, true, MEM(BX, NONE, 1, 0, DS, 8) },
	{ "lock xchg %rax,8(%rdx)", X64, BYTES(0xf0, 0x48, 0x87, 0x42, 0x08),
	  XCHG, 8, 0, AX, false, MEM(DX, NONE, 1, 8, DS, 8), .lock = true },
	{ "xchgw %si,(%rcx)", X64, BYTES(0x66, 0x87, 0x31),
	  XCHG, 2, 0, SI, false, MEM(CX, NONE, 1, 0, DS, 8) },
	{ "xchg %eax,(%ebx) (32)", X32, BYTES(0x87, 0x03),
	  XCHG, 4, 0, AX, false, MEM(BX, NONE, 1, 0, DS, 4) },

	/* 64-bit: REX.R/X/B, SIB, disp8/disp32, RIP-relative, moffs. */
	{ "mov %r9d,(%r10)", X64, BYTES(0x45, 0x89, 0x0a),
	  STORE, 4, 0, R9, false, MEM(R10, NONE, 1, 0, DS, 8) },
	{ "mov 0(%r13),%r14", X64, BYTES(0x4d, 0x8b, 0x75, 0x00),
	  LOAD, 8, 0, R14, false, MEM(R13, NONE, 1, 0, DS, 8) },
	{ "mov %ah,(%rbx)", X64, BYTES(0x88, 0x23),
	  STORE, 1, 0, AX, true, MEM(BX, NONE, 1, 0, DS, 8) },
	{ "mov %dh,0x10(%rcx)", X64, BYTES(0x88, 0x71, 0x10),
	  STORE, 1, 0, DX, true, MEM(CX, NONE, 1, 0x10, DS, 8) },
	{ "mov (%rdi),%ah", X64, BYTES(0x8a, 0x27),
	  LOAD, 1, 0, AX, true, MEM(DI, NONE, 1, 0, DS, 8) },
	{ "mov %sil,(%rdx)", X64, BYTES(0x40, 0x88, 0x32),
	  STORE, 1, 0, SI, false, MEM(DX, NONE, 1, 0, DS, 8) },
	{ "mov %r8b,-0x80(%rbp)", X64, BYTES(0x44, 0x88, 0x45, 0x80),
	  STORE, 1, 0, R8, false, MEM(BP, NONE, 1, -0x80, SS, 8) },
	{ "mov 0x11223344(%rax,%rbx,8),%ecx",
	  X64, BYTES(0x8b, 0x8c, 0xd8, 0x44, 0x33, 0x22, 0x11),
	  LOAD, 4, 0, CX, false, MEM(AX, BX, 8, 0x11223344, DS, 8) },
	{ "mov 0x40(,%rcx,4),%eax",
	  X64, BYTES(0x8b, 0x04, 0x8d, 0x40, 0x00, 0x00, 0x00),
	  LOAD, 4, 0, AX, false, MEM(NONE, CX, 4, 0x40, DS, 8) },
	{ "mov 0x12345678(,%r9,2),%r11",
	  X64, BYTES(0x4e, 0x8b, 0x1c, 0x4d, 0x78, 0x56, 0x34, 0x12),
	  LOAD, 8, 0, R11, false, MEM(NONE, R9, 2, 0x12345678, DS, 8) },
	{ "mov 0xfffffffffee000b0,%eax",
	  X64, BYTES(0x8b, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe),
	  LOAD, 4, 0, AX, false, MEM(NONE, NONE, 1, (s32)0xfee000b0, DS, 8) },
	{ "mov (%r12),%ecx", X64, BYTES(0x41, 0x8b, 0x0c, 0x24),
	  LOAD, 4, 0, CX, false, MEM(R12, NONE, 1, 0, DS, 8) },
	{ "mov 0(%r13),%ecx", X64, BYTES(0x41, 0x8b, 0x4d, 0x00),
	  LOAD, 4, 0, CX, false, MEM(R13, NONE, 1, 0, DS, 8) },
	{ "mov 8(%rsp),%edx", X64, BYTES(0x8b, 0x54, 0x24, 0x08),
	  LOAD, 4, 0, DX, false, MEM(SP, NONE, 1, 8, SS, 8) },
	{ "mov (%rsp,%r12,1),%eax", X64, BYTES(0x42, 0x8b, 0x04, 0x24),
	  LOAD, 4, 0, AX, false, MEM(SP, R12, 1, 0, SS, 8) },
	{ "mov 0x10(%rip),%rax",
	  X64, BYTES(0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
	  LOAD, 8, 0, AX, false, RIPREL(0x10, 8) },
	{ "mov %eax,-0x10(%rip)",
	  X64, BYTES(0x89, 0x05, 0xf0, 0xff, 0xff, 0xff),
	  STORE, 4, 0, AX, false, RIPREL(-0x10, 8) },
	{ "mov (%eax),%ecx", X64, BYTES(0x67, 0x8b, 0x08),
	  LOAD, 4, 0, CX, false, MEM(AX, NONE, 1, 0, DS, 4) },
	{ "mov 0x10(%eip),%ecx",
	  X64, BYTES(0x67, 0x8b, 0x0d, 0x10, 0x00, 0x00, 0x00),
	  LOAD, 4, 0, CX, false, RIPREL(0x10, 4) },
	{ "movw $0x1234,(%rdi)", X64, BYTES(0x66, 0xc7, 0x07, 0x34, 0x12),
	  STIMM, 2, 0, NONE, false, MEM(DI, NONE, 1, 0, DS, 8),
	  .imm = 0x1234 },
	{ "movq $0x7fffffff,8(%rdi)",
	  X64, BYTES(0x48, 0xc7, 0x47, 0x08, 0xff, 0xff, 0xff, 0x7f),
	  STIMM, 8, 0, NONE, false, MEM(DI, NONE, 1, 8, DS, 8),
	  .imm = 0x7fffffff },
	{ "movb $0xff,%fs:(%rax)", X64, BYTES(0x64, 0xc6, 0x00, 0xff),
	  STIMM, 1, 0, NONE, false, MEM(AX, NONE, 1, 0, FS, 8), .imm = 0xff },
	{ "movl $1,%gs:0x20", X64, BYTES(0x65, 0xc7, 0x04, 0x25, 0x20, 0x00,
					 0x00, 0x00, 0x01, 0x00, 0x00, 0x00),
	  STIMM, 4, 0, NONE, false, MEM(NONE, NONE, 1, 0x20, GS, 8), .imm = 1 },
	{ "mov %es:(%rax),%eax", X64, BYTES(0x26, 0x8b, 0x00),
	  LOAD, 4, 0, AX, false, MEM(AX, NONE, 1, 0, ES, 8) },
	{ "movabs moffs64,%al", X64, BYTES(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44,
					  0x33, 0x22, 0x11),
	  LOAD, 1, 0, AX, false, MOFFS(0x1122334455667788LL, 8) },
	{ "movabs moffs64,%eax", X64, BYTES(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44,
					   0x33, 0x22, 0x11),
	  LOAD, 4, 0, AX, false, MOFFS(0x1122334455667788LL, 8) },
	{ "movabs %rax,moffs64", X64, BYTES(0x48, 0xa3, 0x88, 0x77, 0x66, 0x55,
					   0x44, 0x33, 0x22, 0x11),
	  STORE, 8, 0, AX, false, MOFFS(0x1122334455667788LL, 8) },
	{ "movabs %ax,moffs64", X64, BYTES(0x66, 0xa3, 0x88, 0x77, 0x66, 0x55,
					  0x44, 0x33, 0x22, 0x11),
	  STORE, 2, 0, AX, false, MOFFS(0x1122334455667788LL, 8) },
	{ "addr32 mov moffs32,%eax",
	  X64, BYTES(0x67, 0xa1, 0x44, 0x33, 0x22, 0x11),
	  LOAD, 4, 0, AX, false, MOFFS(0x11223344, 4) },
	{ "movzbl (%rsi),%r8d", X64, BYTES(0x44, 0x0f, 0xb6, 0x06),
	  MOVZX, 4, 1, R8, false, MEM(SI, NONE, 1, 0, DS, 8) },
	{ "movzwl 2(%rsi),%eax", X64, BYTES(0x0f, 0xb7, 0x46, 0x02),
	  MOVZX, 4, 2, AX, false, MEM(SI, NONE, 1, 2, DS, 8) },
	{ "movzbw (%rsi),%ax", X64, BYTES(0x66, 0x0f, 0xb6, 0x06),
	  MOVZX, 2, 1, AX, false, MEM(SI, NONE, 1, 0, DS, 8) },
	{ "movzbq (%rsi),%rax", X64, BYTES(0x48, 0x0f, 0xb6, 0x06),
	  MOVZX, 8, 1, AX, false, MEM(SI, NONE, 1, 0, DS, 8) },
	{ "movsbq (%r15,%rax,1),%rdx", X64, BYTES(0x49, 0x0f, 0xbe, 0x14, 0x07),
	  MOVSX, 8, 1, DX, false, MEM(R15, AX, 1, 0, DS, 8) },
	{ "movswl (%rdi),%eax", X64, BYTES(0x0f, 0xbf, 0x07),
	  MOVSX, 4, 2, AX, false, MEM(DI, NONE, 1, 0, DS, 8) },
	{ "movsbw (%rdi),%cx", X64, BYTES(0x66, 0x0f, 0xbe, 0x0f),
	  MOVSX, 2, 1, CX, false, MEM(DI, NONE, 1, 0, DS, 8) },
	{ "movsxd (%rax),%eax", X64, BYTES(0x63, 0x00),
	  MOVSX, 4, 4, AX, false, MEM(AX, NONE, 1, 0, DS, 8) },
	/* REX counts only right before the opcode (SDM vol. 2 2.2.1). */
	{ "rex.W data16 mov (%rax),%ax", X64, BYTES(0x48, 0x66, 0x8b, 0x00),
	  LOAD, 2, 0, AX, false, MEM(AX, NONE, 1, 0, DS, 8) },
	{ "rex.B rex.W mov (%rax),%rax", X64, BYTES(0x41, 0x48, 0x8b, 0x00),
	  LOAD, 8, 0, AX, false, MEM(AX, NONE, 1, 0, DS, 8) },
	{ "data16 rex.W mov (%rax),%rax", X64, BYTES(0x66, 0x48, 0x8b, 0x00),
	  LOAD, 8, 0, AX, false, MEM(AX, NONE, 1, 0, DS, 8) },
	{ "15 bytes: 8 x cs mov", X64, BYTES(0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
					    0x2e, 0x2e, 0x8b, 0x84, 0x88, 0x44,
					    0x33, 0x22, 0x11),
	  LOAD, 4, 0, AX, false, MEM(AX, CX, 4, 0x11223344, CS, 8) },

	/* 32-bit protected mode. */
	{ "mov (%eax),%ecx", X32, BYTES(0x8b, 0x08),
	  LOAD, 4, 0, CX, false, MEM(AX, NONE, 1, 0, DS, 4) },
	{ "mov %ecx,0x10(%ebp)", X32, BYTES(0x89, 0x4d, 0x10),
	  STORE, 4, 0, CX, false, MEM(BP, NONE, 1, 0x10, SS, 4) },
	{ "mov 0x12345678,%eax", X32, BYTES(0xa1, 0x78, 0x56, 0x34, 0x12),
	  LOAD, 4, 0, AX, false, MOFFS(0x12345678, 4) },
	{ "mov %eax,0xfee000b0", X32, BYTES(0xa3, 0xb0, 0x00, 0xe0, 0xfe),
	  STORE, 4, 0, AX, false, MOFFS(0xfee000b0, 4) },
	{ "movl $0,0xfee000b0", X32, BYTES(0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe,
					  0x00, 0x00, 0x00, 0x00),
	  STIMM, 4, 0, NONE, false, MEM(NONE, NONE, 1, (s32)0xfee000b0, DS, 4) },
	{ "mov 8(%esp),%eax", X32, BYTES(0x8b, 0x44, 0x24, 0x08),
	  LOAD, 4, 0, AX, false, MEM(SP, NONE, 1, 8, SS, 4) },
	{ "mov (%esi,%edi,8),%bl", X32, BYTES(0x8a, 0x1c, 0xfe),
	  LOAD, 1, 0, BX, false, MEM(SI, DI, 8, 0, DS, 4) },
	{ "mov %bh,(%ecx)", X32, BYTES(0x88, 0x39),
	  STORE, 1, 0, BX, true, MEM(CX, NONE, 1, 0, DS, 4) },
	{ "addr16 mov (%bx,%si),%ax", X32, BYTES(0x67, 0x66, 0x8b, 0x00),
	  LOAD, 2, 0, AX, false, MEM(BX, SI, 1, 0, DS, 2) },
	{ "mov 0xfee00020,%al", X32, BYTES(0xa0, 0x20, 0x00, 0xe0, 0xfe),
	  LOAD, 1, 0, AX, false, MOFFS(0xfee00020, 4) },
	{ "movw $5,(%ebx)", X32, BYTES(0x66, 0xc7, 0x03, 0x05, 0x00),
	  STIMM, 2, 0, NONE, false, MEM(BX, NONE, 1, 0, DS, 4), .imm = 5 },
	{ "movzbl 1(%eax),%eax", X32, BYTES(0x0f, 0xb6, 0x40, 0x01),
	  MOVZX, 4, 1, AX, false, MEM(AX, NONE, 1, 1, DS, 4) },
	{ "movswl (%ecx),%edx", X32, BYTES(0x0f, 0xbf, 0x11),
	  MOVSX, 4, 2, DX, false, MEM(CX, NONE, 1, 0, DS, 4) },

	/* Real mode and 16-bit protected mode: 16-bit addressing. */
	{ "mov (%bx,%si),%ax", X16, BYTES(0x8b, 0x00),
	  LOAD, 2, 0, AX, false, MEM(BX, SI, 1, 0, DS, 2) },
	{ "mov %ax,0x10(%bp,%di)", X16, BYTES(0x89, 0x43, 0x10),
	  STORE, 2, 0, AX, false, MEM(BP, DI, 1, 0x10, SS, 2) },
	{ "mov 0x1234,%al", X16, BYTES(0xa0, 0x34, 0x12),
	  LOAD, 1, 0, AX, false, MOFFS(0x1234, 2) },
	{ "mov 0x1234,%ax", X16, BYTES(0xa1, 0x34, 0x12),
	  LOAD, 2, 0, AX, false, MOFFS(0x1234, 2) },
	{ "mov 0x1234,%cx", X16, BYTES(0x8b, 0x0e, 0x34, 0x12),
	  LOAD, 2, 0, CX, false, MEM(NONE, NONE, 1, 0x1234, DS, 2) },
	{ "mov -2(%bp),%cx", X16, BYTES(0x8b, 0x4e, 0xfe),
	  LOAD, 2, 0, CX, false, MEM(BP, NONE, 1, -2, SS, 2) },
	{ "mov %dl,(%si)", X16, BYTES(0x88, 0x14),
	  STORE, 1, 0, DX, false, MEM(SI, NONE, 1, 0, DS, 2) },
	{ "mov 0x100(%di),%ebx", X16, BYTES(0x66, 0x8b, 0x9d, 0x00, 0x01),
	  LOAD, 4, 0, BX, false, MEM(DI, NONE, 1, 0x100, DS, 2) },
	{ "movw $0xabcd,(%bx)", X16, BYTES(0xc7, 0x07, 0xcd, 0xab),
	  STIMM, 2, 0, NONE, false, MEM(BX, NONE, 1, 0, DS, 2),
	  .imm = 0xabcd },
	{ "movl $0x12345678,(%bx)",
	  X16, BYTES(0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12),
	  STIMM, 4, 0, NONE, false, MEM(BX, NONE, 1, 0, DS, 2),
	  .imm = 0x12345678 },
	{ "addr32 mov %eax,0x10(%eax,%ecx,4)",
	  X16, BYTES(0x67, 0x66, 0x89, 0x44, 0x88, 0x10),
	  STORE, 4, 0, AX, false, MEM(AX, CX, 4, 0x10, DS, 4) },
	{ "mov 0(%bp),%al", X16, BYTES(0x8a, 0x46, 0x00),
	  LOAD, 1, 0, AX, false, MEM(BP, NONE, 1, 0, SS, 2) },
	{ "movzbw (%bx),%ax", X16, BYTES(0x0f, 0xb6, 0x07),
	  MOVZX, 2, 1, AX, false, MEM(BX, NONE, 1, 0, DS, 2) },
};

/* Decode @bytes and require the whole record to match the table row. */
static void check_mmio(struct kunit *test, const struct mmio_case *c)
{
	struct hyv_insn insn;
	int ret = hyv_insn_decode(c->bytes, c->nbytes, c->mode, &insn);
	u8 msz = c->msz ? c->msz : c->op;

	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", c->name);
	if (ret)
		return;
	KUNIT_EXPECT_EQ_MSG(test, insn.len, c->nbytes, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.kind, c->kind, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.op_size, c->op, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem_size, msz, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.sign_extend, c->kind == MOVSX,
			    "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.reg, c->reg, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.high_byte, c->hi, "%s", c->name);
	KUNIT_EXPECT_TRUE_MSG(test, insn.has_mem, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, hyv_insn_is_mmio(&insn), c->kind != XCHG,
			    "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.lock, c->lock, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, hyv_insn_is_mmio_write(&insn),
			    c->kind == STORE || c->kind == STIMM,
			    "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem.base, c->base, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem.index, c->index, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem.scale, c->scale, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem.disp, c->disp, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem.rip_rel, c->rip, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem.seg, c->seg, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, insn.mem.addr_size, c->asz, "%s", c->name);
	if (c->kind == STIMM)
		KUNIT_EXPECT_EQ_MSG(test, insn.imm, c->imm, "%s", c->name);
}

static void insn_test_mmio_forms(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mmio_cases); i++)
		check_mmio(test, &mmio_cases[i]);
}

/*
 * The length comes from the bytes, not from the buffer: the same
 * instruction followed by other bytes decodes alike, and every
 * shorter buffer is reported truncated.
 */
static void check_length(struct kunit *test, const char *name,
			 const u8 *bytes, unsigned int nbytes,
			 enum hyv_cpu_mode mode)
{
	u8 buf[HYV_INSN_MAX_LEN + 8];
	struct hyv_insn insn;
	unsigned int n;
	int ret;

	memset(buf, 0x90, sizeof(buf));
	memcpy(buf, bytes, nbytes);
	ret = hyv_insn_decode(buf, sizeof(buf), mode, &insn);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s with trailing bytes", name);
	KUNIT_EXPECT_EQ_MSG(test, insn.len, nbytes, "%s trailing", name);
	for (n = 0; n < nbytes; n++) {
		ret = hyv_insn_decode(bytes, n, mode, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "%s cut to %u bytes",
				    name, n);
	}
}

static void insn_test_mmio_truncated(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mmio_cases); i++)
		check_length(test, mmio_cases[i].name, mmio_cases[i].bytes,
			     mmio_cases[i].nbytes, mmio_cases[i].mode);
}

#define NOOPS	.op = 0, .reg = NONE

/* Instructions the host skips: kind and length, and some operands. */
struct skip_case {
	const char *name;
	enum hyv_cpu_mode mode;
	u8 bytes[HYV_INSN_MAX_LEN + 1];
	u8 nbytes;
	enum hyv_insn_kind kind;
	u8 op;			/* IN/OUT, MOV CR/DR: operand size */
	u8 reg;			/* MOV CR/DR: the GPR */
	u8 ctrl;		/* MOV CR/DR: the CR/DR */
	bool dx;		/* IN/OUT: port in DX */
	u64 imm;		/* IN/OUT: immediate port */
};

static const struct skip_case skip_cases[] = {
	{ "cpuid", X64, BYTES(0x0f, 0xa2), HYV_INSN_CPUID, NOOPS },
	{ "data16 cpuid", X64, BYTES(0x66, 0x0f, 0xa2), HYV_INSN_CPUID, NOOPS },
	{ "rex.W cpuid", X64, BYTES(0x48, 0x0f, 0xa2), HYV_INSN_CPUID, NOOPS },
	{ "cs cpuid", X32, BYTES(0x2e, 0x0f, 0xa2), HYV_INSN_CPUID, NOOPS },
	{ "cpuid (16)", X16, BYTES(0x0f, 0xa2), HYV_INSN_CPUID, NOOPS },
	{ "hlt", X64, BYTES(0xf4), HYV_INSN_HLT, NOOPS },
	{ "ds hlt", X64, BYTES(0x3e, 0xf4), HYV_INSN_HLT, NOOPS },
	{ "hlt (16)", X16, BYTES(0xf4), HYV_INSN_HLT, NOOPS },
	{ "vmmcall", X64, BYTES(0x0f, 0x01, 0xd9), HYV_INSN_VMMCALL, NOOPS },
	{ "vmmcall (32)", X32, BYTES(0x0f, 0x01, 0xd9),
	  HYV_INSN_VMMCALL, NOOPS },
	{ "vmcall", X64, BYTES(0x0f, 0x01, 0xc1), HYV_INSN_VMCALL, NOOPS },
	{ "rdmsr", X64, BYTES(0x0f, 0x32), HYV_INSN_RDMSR, NOOPS },
	{ "wrmsr", X64, BYTES(0x0f, 0x30), HYV_INSN_WRMSR, NOOPS },
	{ "wrmsr (32)", X32, BYTES(0x0f, 0x30), HYV_INSN_WRMSR, NOOPS },
	{ "xsetbv", X64, BYTES(0x0f, 0x01, 0xd1), HYV_INSN_XSETBV, NOOPS },
	{ "invd", X64, BYTES(0x0f, 0x08), HYV_INSN_INVD, NOOPS },
	{ "wbinvd", X64, BYTES(0x0f, 0x09), HYV_INSN_WBINVD, NOOPS },
	{ "rdtsc", X64, BYTES(0x0f, 0x31), HYV_INSN_RDTSC, NOOPS },
	{ "rdtscp", X64, BYTES(0x0f, 0x01, 0xf9), HYV_INSN_RDTSCP, NOOPS },
	{ "rdpmc", X64, BYTES(0x0f, 0x33), HYV_INSN_RDPMC, NOOPS },
	{ "pause", X64, BYTES(0xf3, 0x90), HYV_INSN_PAUSE, NOOPS },
	{ "pause (16)", X16, BYTES(0xf3, 0x90), HYV_INSN_PAUSE, NOOPS },
	{ "monitor", X64, BYTES(0x0f, 0x01, 0xc8), HYV_INSN_MONITOR, NOOPS },
	{ "mwait", X64, BYTES(0x0f, 0x01, 0xc9), HYV_INSN_MWAIT, NOOPS },
	{ "invlpg (%rax)", X64, BYTES(0x0f, 0x01, 0x38),
	  HYV_INSN_INVLPG, NOOPS },
	{ "invlpg 0x1000(%r8,%rdx,2)",
	  X64, BYTES(0x41, 0x0f, 0x01, 0xbc, 0x50, 0x00, 0x10, 0x00, 0x00),
	  HYV_INSN_INVLPG, NOOPS },
	{ "in $0x60,%al", X64, BYTES(0xe4, 0x60), HYV_INSN_IN,
	  .op = 1, .reg = NONE, .imm = 0x60 },
	{ "in $0x71,%eax", X64, BYTES(0xe5, 0x71), HYV_INSN_IN,
	  .op = 4, .reg = NONE, .imm = 0x71 },
	{ "rex.W in $0x60,%eax", X64, BYTES(0x48, 0xe5, 0x60), HYV_INSN_IN,
	  .op = 4, .reg = NONE, .imm = 0x60 },
	{ "in (%dx),%ax", X64, BYTES(0x66, 0xed), HYV_INSN_IN,
	  .op = 2, .reg = NONE, .dx = true },
	{ "out %al,$0x80", X64, BYTES(0xe6, 0x80), HYV_INSN_OUT,
	  .op = 1, .reg = NONE, .imm = 0x80 },
	{ "out %eax,(%dx)", X64, BYTES(0xef), HYV_INSN_OUT,
	  .op = 4, .reg = NONE, .dx = true },
	{ "out %al,(%dx)", X32, BYTES(0xee), HYV_INSN_OUT,
	  .op = 1, .reg = NONE, .dx = true },
	{ "in $0x60,%al (32)", X32, BYTES(0xe4, 0x60), HYV_INSN_IN,
	  .op = 1, .reg = NONE, .imm = 0x60 },
	{ "in $0x60,%ax (16)", X16, BYTES(0xe5, 0x60), HYV_INSN_IN,
	  .op = 2, .reg = NONE, .imm = 0x60 },
	{ "in $0x60,%eax (16)", X16, BYTES(0x66, 0xe5, 0x60), HYV_INSN_IN,
	  .op = 4, .reg = NONE, .imm = 0x60 },
	{ "out %al,$0x80 (16)", X16, BYTES(0xe6, 0x80), HYV_INSN_OUT,
	  .op = 1, .reg = NONE, .imm = 0x80 },
	{ "mov %cr0,%rax", X64, BYTES(0x0f, 0x20, 0xc0),
	  HYV_INSN_MOV_FROM_CR, .op = 8, .reg = AX, .ctrl = 0 },
	{ "mov %cr0,%rax (mod 0)", X64, BYTES(0x0f, 0x20, 0x00),
	  HYV_INSN_MOV_FROM_CR, .op = 8, .reg = AX, .ctrl = 0 },
	{ "mov %rbx,%cr3", X64, BYTES(0x0f, 0x22, 0xdb),
	  HYV_INSN_MOV_TO_CR, .op = 8, .reg = BX, .ctrl = 3 },
	{ "mov %cr8,%r9", X64, BYTES(0x45, 0x0f, 0x20, 0xc1),
	  HYV_INSN_MOV_FROM_CR, .op = 8, .reg = R9, .ctrl = 8 },
	{ "mov %rax,%cr4", X64, BYTES(0x0f, 0x22, 0xe0),
	  HYV_INSN_MOV_TO_CR, .op = 8, .reg = AX, .ctrl = 4 },
	{ "mov %db7,%rax", X64, BYTES(0x0f, 0x21, 0xf8),
	  HYV_INSN_MOV_FROM_DR, .op = 8, .reg = AX, .ctrl = 7 },
	{ "mov %rcx,%db6", X64, BYTES(0x0f, 0x23, 0xf1),
	  HYV_INSN_MOV_TO_DR, .op = 8, .reg = CX, .ctrl = 6 },
	{ "mov %cr0,%eax (32)", X32, BYTES(0x0f, 0x20, 0xc0),
	  HYV_INSN_MOV_FROM_CR, .op = 4, .reg = AX, .ctrl = 0 },
	{ "mov %eax,%cr0 (32)", X32, BYTES(0x0f, 0x22, 0xc0),
	  HYV_INSN_MOV_TO_CR, .op = 4, .reg = AX, .ctrl = 0 },
	{ "mov %cr0,%eax (16)", X16, BYTES(0x0f, 0x20, 0xc0),
	  HYV_INSN_MOV_FROM_CR, .op = 4, .reg = AX, .ctrl = 0 },
};

static void insn_test_skip_kinds(struct kunit *test)
{
	const struct skip_case *c;
	struct hyv_insn insn;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(skip_cases); i++) {
		c = &skip_cases[i];
		ret = hyv_insn_decode(c->bytes, c->nbytes, c->mode, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", c->name);
		if (ret)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, insn.kind, c->kind, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, insn.len, c->nbytes, "%s", c->name);
		KUNIT_EXPECT_FALSE_MSG(test, hyv_insn_is_mmio(&insn),
				       "%s", c->name);
		check_length(test, c->name, c->bytes, c->nbytes, c->mode);
		if (c->kind == HYV_INSN_IN || c->kind == HYV_INSN_OUT) {
			KUNIT_EXPECT_EQ_MSG(test, insn.op_size, c->op,
					    "%s", c->name);
			KUNIT_EXPECT_EQ_MSG(test, insn.port_in_dx, c->dx,
					    "%s", c->name);
			KUNIT_EXPECT_EQ_MSG(test, insn.imm, c->imm,
					    "%s", c->name);
		}
		if (c->reg != NONE) {
			KUNIT_EXPECT_EQ_MSG(test, insn.op_size, c->op,
					    "%s", c->name);
			KUNIT_EXPECT_EQ_MSG(test, insn.reg, c->reg,
					    "%s", c->name);
			KUNIT_EXPECT_EQ_MSG(test, insn.ctrl, c->ctrl,
					    "%s", c->name);
		}
	}
}

/* Everything the decoder must refuse rather than guess. */
struct reject_case {
	const char *name;
	enum hyv_cpu_mode mode;
	u8 bytes[HYV_INSN_MAX_LEN + 2];
	u8 nbytes;
	int ret;
};

#define REJECT(n, m, ...)	{ n, m, BYTES(__VA_ARGS__), -EOPNOTSUPP }
#define TRUNC(n, m, ...)	{ n, m, BYTES(__VA_ARGS__), -EINVAL }

static const struct reject_case reject_cases[] = {
	REJECT("mov %eax,%eax", X64, 0x8b, 0xc0),
	REJECT("mov %ebx,%eax", X64, 0x89, 0xd8),
	REJECT("mov %al,%bl", X32, 0x88, 0xc3),
	REJECT("mov $1,%eax via c7", X64, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00),
	REJECT("xabort", X64, 0xc6, 0xf8, 0x00),
	REJECT("xbegin", X64, 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00),
	REJECT("c7 /1", X64, 0xc7, 0x48, 0x00, 0x01, 0x00, 0x00, 0x00),
	REJECT("lock mov", X64, 0xf0, 0x89, 0x07),
	REJECT("xrelease mov", X64, 0xf3, 0x89, 0x07),
	REJECT("repnz mov", X64, 0xf2, 0x8b, 0x07),
	REJECT("rep vmmcall", X64, 0xf3, 0x0f, 0x01, 0xd9),
	REJECT("data16 vmmcall", X64, 0x66, 0x0f, 0x01, 0xd9),
	REJECT("data16 wbinvd", X32, 0x66, 0x0f, 0x09),
	REJECT("wbnoinvd", X64, 0xf3, 0x0f, 0x09),
	REJECT("lock mov %cr0 (AMD cr8)", X64, 0xf0, 0x0f, 0x20, 0xc0),
	REJECT("mov %cr1", X64, 0x0f, 0x20, 0xc8),
	REJECT("mov %cr5", X64, 0x0f, 0x20, 0xe8),
	REJECT("mov %cr9", X64, 0x44, 0x0f, 0x20, 0xc8),
	REJECT("mov %dr8", X64, 0x44, 0x0f, 0x21, 0xc0),
	REJECT("nop", X64, 0x90),
	REJECT("xchg %r8,%rax with f3", X64, 0xf3, 0x41, 0x90),
	REJECT("repnz repz nop", X64, 0xf2, 0xf3, 0x90),
	REJECT("xgetbv", X64, 0x0f, 0x01, 0xd0),
	REJECT("swapgs", X64, 0x0f, 0x01, 0xf8),
	REJECT("sgdt (%rax)", X64, 0x0f, 0x01, 0x00),
	REJECT("ud2", X64, 0x0f, 0x0b),
	REJECT("0f ff", X64, 0x0f, 0xff),
	REJECT("add %al,%al", X64, 0x00, 0xc0),
	REJECT("lock movsl", X64, 0xf0, 0xa5),
	REJECT("xchg %eax,%eax (87 c0)", X64, 0x87, 0xc0),
	REJECT("data16 movnti", X64, 0x66, 0x0f, 0xc3, 0x07),
	REJECT("rep movnti", X64, 0xf3, 0x0f, 0xc3, 0x07),
	REJECT("movnti reg", X64, 0x0f, 0xc3, 0xc0),
	REJECT("lock incl %eax", X64, 0xf0, 0xff, 0xc0),
	REJECT("call *(%rax)", X64, 0xff, 0x10),
	REJECT("push (%rax)", X64, 0xff, 0x30),
	REJECT("fe /2", X64, 0xfe, 0x10),
	REJECT("bt 0f ba /0", X64, 0x0f, 0xba, 0x07, 0x05),
	REJECT("rdrand (0f c7 /6 reg)", X64, 0x0f, 0xc7, 0xf0),
	REJECT("vmptrld (0f c7 /6)", X64, 0x0f, 0xc7, 0x37),
	REJECT("xacquire lock add", X64, 0xf2, 0xf0, 0x01, 0x07),
	REJECT("lock mov", X64, 0xf0, 0x8b, 0x07),
	REJECT("vex vpshufb", X64, 0xc4, 0xe2, 0x79, 0x00, 0x00),
	REJECT("les (16)", X16, 0xc4, 0x07),
	REJECT("arpl (32)", X32, 0x63, 0x00),
	REJECT("arpl (16)", X16, 0x63, 0x00),
	REJECT("cs fs mov", X64, 0x2e, 0x64, 0x8b, 0x00),
	REJECT("fnstsw", X64, 0xd9, 0x38),
	REJECT("int3", X64, 0xcc),
	TRUNC("data16 alone", X64, 0x66),
	TRUNC("rex alone", X64, 0x48),
	TRUNC("0f alone", X64, 0x0f),
	TRUNC("0f 01 alone", X64, 0x0f, 0x01),
	TRUNC("mov no modrm", X64, 0x8b),
	TRUNC("mov no sib", X64, 0x8b, 0x04),
	TRUNC("mov short disp32", X64, 0x8b, 0x05, 0x10, 0x00, 0x00),
	TRUNC("movl short imm", X32, 0xc7, 0x00, 0x01, 0x00),
	TRUNC("moffs64 short", X64, 0xa1, 0x88, 0x77, 0x66, 0x55),
	TRUNC("in short", X64, 0xe4),
	/* One prefix too many makes 16 bytes: #GP on the CPU. */
	TRUNC("16 bytes: 9 x cs mov", X64, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	      0x2e, 0x2e, 0x2e, 0x8b, 0x84, 0x88, 0x44, 0x33, 0x22, 0x11),
	TRUNC("16 bytes of prefixes", X64, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	      0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xf4),
};

static void insn_test_rejected(struct kunit *test)
{
	const struct reject_case *c;
	struct hyv_insn insn;
	unsigned int i;
	int ret;

	ret = hyv_insn_decode(reject_cases[0].bytes, 0, X64, &insn);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "empty buffer");
	for (i = 0; i < ARRAY_SIZE(reject_cases); i++) {
		c = &reject_cases[i];
		ret = hyv_insn_decode(c->bytes, c->nbytes, c->mode, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "%s", c->name);
	}
}

/*
 * String instructions: the element (REX.W widens MOVS/STOS/LODS, not
 * INS/OUTS), REP, the DS-side segment and the address size.
 */
static const struct {
	const char *name;
	enum hyv_cpu_mode mode;
	u8 bytes[HYV_INSN_MAX_LEN];
	u8 nbytes;
	u8 opcode, op, rep, seg, asz;
} string_cases[] = {
	{ "rep movsb", X64, BYTES(0xf3, 0xa4), 0xa4, 1, 0xf3, HYV_SEG_DS, 8 },
	{ "rep movsl", X64, BYTES(0xf3, 0xa5), 0xa5, 4, 0xf3, HYV_SEG_DS, 8 },
	{ "rep movsq", X64, BYTES(0xf3, 0x48, 0xa5), 0xa5, 8, 0xf3,
	  HYV_SEG_DS, 8 },
	{ "movsw", X64, BYTES(0x66, 0xa5), 0xa5, 2, 0, HYV_SEG_DS, 8 },
	{ "rep stosb", X64, BYTES(0xf3, 0xaa), 0xaa, 1, 0xf3, HYV_SEG_DS, 8 },
	{ "rep stosq", X64, BYTES(0xf3, 0x48, 0xab), 0xab, 8, 0xf3,
	  HYV_SEG_DS, 8 },
	{ "stosw", X64, BYTES(0x66, 0xab), 0xab, 2, 0, HYV_SEG_DS, 8 },
	{ "fs rep movsb", X64, BYTES(0x64, 0xf3, 0xa4), 0xa4, 1, 0xf3,
	  HYV_SEG_FS, 8 },
	{ "addr32 rep movsl", X64, BYTES(0x67, 0xf3, 0xa5), 0xa5, 4, 0xf3,
	  HYV_SEG_DS, 4 },
	{ "cmpsb", X64, BYTES(0xa6), 0xa6, 1, 0, HYV_SEG_DS, 8 },
	{ "rep cmpsw (32)", X32, BYTES(0x66, 0xf3, 0xa7), 0xa7, 2, 0xf3,
	  HYV_SEG_DS, 4 },
	{ "lodsb", X64, BYTES(0xac), 0xac, 1, 0, HYV_SEG_DS, 8 },
	{ "lodsl (16)", X16, BYTES(0x66, 0xad), 0xad, 4, 0, HYV_SEG_DS, 2 },
	{ "repnz scasb", X64, BYTES(0xf2, 0xae), 0xae, 1, 0xf2, HYV_SEG_DS, 8 },
	{ "scasl (32)", X32, BYTES(0xaf), 0xaf, 4, 0, HYV_SEG_DS, 4 },
	{ "insb", X64, BYTES(0x6c), 0x6c, 1, 0, HYV_SEG_DS, 8 },
	{ "rep insl (32)", X32, BYTES(0xf3, 0x6d), 0x6d, 4, 0xf3, HYV_SEG_DS, 4 },
	{ "rex.W insl stays 4", X64, BYTES(0x48, 0x6d), 0x6d, 4, 0,
	  HYV_SEG_DS, 8 },
	{ "outsb (16)", X16, BYTES(0x6e), 0x6e, 1, 0, HYV_SEG_DS, 2 },
	{ "outsw", X64, BYTES(0x66, 0x6f), 0x6f, 2, 0, HYV_SEG_DS, 8 },
	{ "fs rep outsb", X64, BYTES(0x64, 0xf3, 0x6e), 0x6e, 1, 0xf3,
	  HYV_SEG_FS, 8 },
	{ "rep movsl (32)", X32, BYTES(0xf3, 0xa5), 0xa5, 4, 0xf3,
	  HYV_SEG_DS, 4 },
	{ "addr16 rep stosb (32)", X32, BYTES(0x67, 0xf3, 0xaa), 0xaa, 1, 0xf3,
	  HYV_SEG_DS, 2 },
	{ "rep movsw (16)", X16, BYTES(0xf3, 0xa5), 0xa5, 2, 0xf3,
	  HYV_SEG_DS, 2 },
	{ "rep movsl (16)", X16, BYTES(0x66, 0xf3, 0xa5), 0xa5, 4, 0xf3,
	  HYV_SEG_DS, 2 },
	{ "es movsb (16)", X16, BYTES(0x26, 0xa4), 0xa4, 1, 0, HYV_SEG_ES, 2 },
};

static void insn_test_strings(struct kunit *test)
{
	struct hyv_insn insn;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(string_cases); i++) {
		const char *name = string_cases[i].name;

		ret = hyv_insn_decode(string_cases[i].bytes,
				      string_cases[i].nbytes,
				      string_cases[i].mode, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.kind, HYV_INSN_STRING,
				    "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.len, string_cases[i].nbytes,
				    "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.opcode, string_cases[i].opcode,
				    "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.op_size, string_cases[i].op,
				    "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.rep, string_cases[i].rep,
				    "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.mem.seg, string_cases[i].seg,
				    "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.mem.addr_size,
				    string_cases[i].asz, "%s", name);
		KUNIT_EXPECT_FALSE_MSG(test, hyv_insn_is_mmio(&insn),
				       "%s", name);
		check_length(test, name, string_cases[i].bytes,
			     string_cases[i].nbytes, string_cases[i].mode);
	}
}

/*
 * ALU forms with a memory operand: never emulated, but decoded to the
 * right length and named (bytes from GNU as), LOCK noted.
 */
static const struct {
	const char *name;
	enum hyv_cpu_mode mode;
	u8 bytes[HYV_INSN_MAX_LEN];
	u8 nbytes;
	const char *mnemonic;
	bool lock;
} alu_cases[] = {
	{ "lock addl $1,(%rdi)", X64, BYTES(0xf0, 0x83, 0x07, 0x01), "add", 1 },
	{ "lock orl %eax,0x10(%rdi)", X64, BYTES(0xf0, 0x09, 0x47, 0x10),
	  "or", 1 },
	{ "lock andb $0xfe,(%rsi)", X64, BYTES(0xf0, 0x80, 0x26, 0xfe),
	  "and", 1 },
	{ "lock subq $0x1000,(%rax)", X64, BYTES(0xf0, 0x48, 0x81, 0x28, 0x00,
						0x10, 0x00, 0x00), "sub", 1 },
	{ "lock xorl %edx,(%rcx)", X64, BYTES(0xf0, 0x31, 0x11), "xor", 1 },
	{ "lock incl (%rdi)", X64, BYTES(0xf0, 0xff, 0x07), "inc", 1 },
	{ "lock decq 8(%rdi)", X64, BYTES(0xf0, 0x48, 0xff, 0x4f, 0x08),
	  "dec", 1 },
	{ "incw (%rax)", X64, BYTES(0x66, 0xff, 0x00), "inc", 0 },
	{ "incl (%rdi)", X64, BYTES(0xff, 0x07), "inc", 0 },
	{ "lock xaddl %eax,(%rdi)", X64, BYTES(0xf0, 0x0f, 0xc1, 0x07),
	  "xadd", 1 },
	{ "lock cmpxchgl %ecx,(%rdx)", X64, BYTES(0xf0, 0x0f, 0xb1, 0x0a),
	  "cmpxchg", 1 },
	{ "lock cmpxchg8b (%rsi)", X64, BYTES(0xf0, 0x0f, 0xc7, 0x0e),
	  "cmpxchg8b", 1 },
	{ "lock cmpxchg16b (%rsi)", X64, BYTES(0xf0, 0x48, 0x0f, 0xc7, 0x0e),
	  "cmpxchg16b", 1 },
	{ "lock btsl $3,(%rdi)", X64, BYTES(0xf0, 0x0f, 0xba, 0x2f, 0x03),
	  "bts", 1 },
	{ "lock btrq %rax,(%rdi)", X64, BYTES(0xf0, 0x48, 0x0f, 0xb3, 0x07),
	  "btr", 1 },
	{ "btl $5,(%rdi)", X64, BYTES(0x0f, 0xba, 0x27, 0x05), "bt", 0 },
	{ "lock notl (%rdi)", X64, BYTES(0xf0, 0xf7, 0x17), "not", 1 },
	{ "lock negb (%rdi)", X64, BYTES(0xf0, 0xf6, 0x1f), "neg", 1 },
	{ "testl $0x12345678,(%rdi)",
	  X64, BYTES(0xf7, 0x07, 0x78, 0x56, 0x34, 0x12), "test", 0 },
	{ "testb $1,(%rdi)", X64, BYTES(0xf6, 0x07, 0x01), "test", 0 },
	{ "cmpl %eax,(%rdi)", X64, BYTES(0x39, 0x07), "cmp", 0 },
	{ "addl (%rdi),%eax", X64, BYTES(0x03, 0x07), "add", 0 },
	{ "shll $4,(%rdi)", X64, BYTES(0xc1, 0x27, 0x04), "shl", 0 },
	{ "sarl (%rdi)", X64, BYTES(0xd1, 0x3f), "sar", 0 },
	{ "shrq %cl,(%rdi)", X64, BYTES(0x48, 0xd3, 0x2f), "shr", 0 },
	{ "lock adcl $0x11223344,0x40(%rdi)",
	  X64, BYTES(0xf0, 0x81, 0x57, 0x40, 0x44, 0x33, 0x22, 0x11),
	  "adc", 1 },
	{ "mull (%rdi)", X64, BYTES(0xf7, 0x27), "mul", 0 },
	{ "testl %eax,(%rdi)", X64, BYTES(0x85, 0x07), "test", 0 },
	{ "lock addw $0x1234,(%si) (16)", X16,
	  BYTES(0xf0, 0x81, 0x04, 0x34, 0x12), "add", 1 },
};

static void insn_test_alu_named(struct kunit *test)
{
	struct hyv_insn insn;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(alu_cases); i++) {
		const char *name = alu_cases[i].name;

		ret = hyv_insn_decode(alu_cases[i].bytes, alu_cases[i].nbytes,
				      alu_cases[i].mode, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.kind, HYV_INSN_ALU, "%s", name);
		KUNIT_EXPECT_STREQ_MSG(test, insn.name ? insn.name : "(none)",
				       alu_cases[i].mnemonic, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, insn.lock, alu_cases[i].lock,
				    "%s", name);
		KUNIT_EXPECT_FALSE_MSG(test, hyv_insn_is_mmio(&insn),
				       "%s", name);
		check_length(test, name, alu_cases[i].bytes,
			     alu_cases[i].nbytes, alu_cases[i].mode);
	}
}

/* Effective addresses, wrapped to the address size as the CPU does. */
static const struct {
	const char *name;
	enum hyv_cpu_mode mode;
	u8 bytes[HYV_INSN_MAX_LEN];
	u8 nbytes;
	u64 ea;
} ea_cases[] = {
	{ "base+index*8+disp32", X64,
	  BYTES(0x8b, 0x8c, 0xd8, 0x44, 0x33, 0x22, 0x11),
	  0x100001000ULL + 0x4000 * 8 + 0x11223344 },
	{ "no base, index*2", X64,
	  BYTES(0x4e, 0x8b, 0x1c, 0x4d, 0x78, 0x56, 0x34, 0x12),
	  0xa000 * 2 + 0x12345678 },
	{ "disp32 sign-extends", X64,
	  BYTES(0x8b, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe),
	  0xfffffffffee000b0ULL },
	{ "rip-relative", X64,
	  BYTES(0x89, 0x05, 0xf0, 0xff, 0xff, 0xff),
	  0xffffffff81000006ULL - 0x10 },
	{ "eip-relative wraps", X64,
	  BYTES(0x67, 0x8b, 0x0d, 0x10, 0x00, 0x00, 0x00),
	  (0xffffffff81000007ULL + 0x10) & 0xffffffff },
	{ "addr32 (%eax) wraps", X64, BYTES(0x67, 0x8b, 0x08), 0x1000 },
	{ "moffs64", X64, BYTES(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44,
				0x33, 0x22, 0x11),
	  0x1122334455667788ULL },
	{ "disp32 absolute (32)", X32,
	  BYTES(0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe,
		0x00, 0x00, 0x00, 0x00), 0xfee000b0 },
	{ "-2(%bp) wraps at 64K", X16, BYTES(0x8b, 0x4e, 0xfe), 0xfffe },
	{ "0x10(%bp,%di)", X16, BYTES(0x89, 0x43, 0x10), 0x8010 },
	{ "addr32 in real mode", X16,
	  BYTES(0x67, 0x66, 0x89, 0x44, 0x88, 0x10),
	  0x1000 + 0x2000 * 4 + 0x10 },
};

static void insn_test_mem_ea(struct kunit *test)
{
	u64 gpr[16];
	struct hyv_insn insn;
	unsigned int i;
	int ret;

	/* rax = 0x1'0000'1000, rcx = 0x2000, ... r15 = 0x10000 */
	for (i = 0; i < 16; i++)
		gpr[i] = 0x1000 * (i + 1);
	gpr[AX] |= 0x100000000ULL;
	gpr[BP] = 0xffff0000ULL;	/* bp = 0; upper bits must not leak */
	for (i = 0; i < ARRAY_SIZE(ea_cases); i++) {
		ret = hyv_insn_decode(ea_cases[i].bytes, ea_cases[i].nbytes,
				      ea_cases[i].mode, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", ea_cases[i].name);
		KUNIT_EXPECT_EQ_MSG(test,
				    hyv_insn_mem_ea(&insn, gpr,
						    0xffffffff81000000ULL +
						    insn.len),
				    ea_cases[i].ea, "%s", ea_cases[i].name);
	}
}

static void insn_test_reg_write(struct kunit *test)
{
	const u64 old = 0x1122334455667788ULL;
	u64 r;

	r = old;
	hyv_insn_reg_write(&r, 1, 0xaabb, false);
	KUNIT_EXPECT_EQ(test, r, 0x11223344556677bbULL);
	r = old;
	hyv_insn_reg_write(&r, 1, 0xaabb, true);
	KUNIT_EXPECT_EQ(test, r, 0x112233445566bb88ULL);
	r = old;
	hyv_insn_reg_write(&r, 2, 0xccaabb, false);
	KUNIT_EXPECT_EQ(test, r, 0x112233445566aabbULL);
	r = old;
	hyv_insn_reg_write(&r, 4, 0xffffffff00000001ULL, false);
	KUNIT_EXPECT_EQ(test, r, 1ULL);
	r = old;
	hyv_insn_reg_write(&r, 8, 0x8000000000000000ULL, false);
	KUNIT_EXPECT_EQ(test, r, 0x8000000000000000ULL);
	KUNIT_EXPECT_EQ(test, hyv_insn_reg_read(old, 1, true), 0x77ULL);
	KUNIT_EXPECT_EQ(test, hyv_insn_reg_read(old, 1, false), 0x88ULL);
	KUNIT_EXPECT_EQ(test, hyv_insn_reg_read(old, 2, false), 0x7788ULL);
	KUNIT_EXPECT_EQ(test, hyv_insn_reg_read(old, 4, false), 0x55667788ULL);
	KUNIT_EXPECT_EQ(test, hyv_insn_reg_read(old, 8, false), old);
}

/* What an MMIO write stores, and what an MMIO read leaves in the GPR. */
static const struct {
	const char *name;
	u8 bytes[HYV_INSN_MAX_LEN];
	u8 nbytes;
	u64 data;	/* read: the device's data */
	u8 reg;
	u64 expect;	/* write: the data; read: the new GPR */
} data_cases[] = {
	{ "mov %ah,(%rbx)", BYTES(0x88, 0x23), 0, AX, 0x77 },
	{ "mov %sil,(%rdx)", BYTES(0x40, 0x88, 0x32), 0, SI, 0x88 },
	{ "writew %si", BYTES(0x66, 0x89, 0x77, 0x42), 0, SI, 0x7788 },
	{ "writel %esi", BYTES(0x89, 0xb7, 0x00, 0x03, 0x00, 0x00),
	  0, SI, 0x55667788 },
	{ "writeq %rsi", BYTES(0x48, 0x89, 0x77, 0x48),
	  0, SI, 0x1122334455667788ULL },
	{ "movq $-2", BYTES(0x48, 0xc7, 0x47, 0x08, 0xfe, 0xff, 0xff,
			    0xff), 0, NONE, 0xfffffffffffffffeULL },
	{ "movb $0x80", BYTES(0xc6, 0x47, 0x03, 0x80), 0, NONE, 0x80 },
	{ "readb", BYTES(0x8a, 0x47, 0x12), 0x1ff, AX,
	  0x11223344556677ffULL },
	{ "mov (%rdi),%ah", BYTES(0x8a, 0x27), 0xab, AX,
	  0x112233445566ab88ULL },
	{ "readw", BYTES(0x66, 0x8b, 0x47, 0x14), 0xabcd, AX,
	  0x112233445566abcdULL },
	{ "readl zero-extends", BYTES(0x8b, 0x87, 0x00, 0x03, 0x00,
				      0x00), 0xfedcba98, AX,
	  0xfedcba98ULL },
	{ "readq", BYTES(0x48, 0x8b, 0x87, 0x00, 0x10, 0x00, 0x00),
	  0x8877665544332211ULL, AX, 0x8877665544332211ULL },
	{ "movzwl", BYTES(0x0f, 0xb7, 0x46, 0x02), 0xffff, AX, 0xffff },
	{ "movsbl", BYTES(0x0f, 0xbe, 0x47, 0x05), 0x80, AX,
	  0xffffff80ULL },
	{ "movsbw", BYTES(0x66, 0x0f, 0xbe, 0x0f), 0x80, CX,
	  0x112233445566ff80ULL },
	{ "movswq", BYTES(0x48, 0x0f, 0xbf, 0x47, 0x0a), 0x8000, AX,
	  0xffffffffffff8000ULL },
	{ "movslq", BYTES(0x48, 0x63, 0x47, 0x14), 0x80000000, AX,
	  0xffffffff80000000ULL },
	{ "movsxd r32", BYTES(0x63, 0x00), 0x80000000, AX,
	  0x80000000ULL },
	{ "movnti %r9", BYTES(0x4c, 0x0f, 0xc3, 0x4e, 0x10), 0, R9,
	  0x1122334455667788ULL },
	/* XCHG's read: the old memory value into the register. */
	{ "xchg %eax,(%rdi)", BYTES(0x87, 0x07), 0xfedcba9876543210ULL, AX,
	  0x76543210ULL },
	{ "xchg %ah,(%rbx)", BYTES(0x86, 0x23), 0xab, AX,
	  0x112233445566ab88ULL },
	{ "xchgw %si,(%rcx)", BYTES(0x66, 0x87, 0x31), 0xbeef, SI,
	  0x112233445566beefULL },
	{ "lock xchg %rax,8(%rdx)", BYTES(0xf0, 0x48, 0x87, 0x42, 0x08),
	  0x8877665544332211ULL, AX, 0x8877665544332211ULL },
};

/* And XCHG's write: the register's value, as it was before the read. */
static const struct {
	const char *name;
	u8 bytes[HYV_INSN_MAX_LEN];
	u8 nbytes;
	u64 expect;
} xchg_write_cases[] = {
	{ "xchg %eax,(%rdi)", BYTES(0x87, 0x07), 0x55667788ULL },
	{ "xchg %ah,(%rbx)", BYTES(0x86, 0x23), 0x77 },
	{ "xchg (%rdi),%r10", BYTES(0x4c, 0x87, 0x17), 0x1122334455667788ULL },
	{ "xchgw %si,(%rcx)", BYTES(0x66, 0x87, 0x31), 0x7788 },
};

static void insn_test_mmio_data(struct kunit *test)
{
	const u64 old = 0x1122334455667788ULL;
	struct hyv_insn insn;
	u64 gpr[16];
	unsigned int i, j;
	int ret;

	for (i = 0; i < ARRAY_SIZE(data_cases); i++) {
		const char *name = data_cases[i].name;
		u8 reg = data_cases[i].reg;

		for (j = 0; j < 16; j++)
			gpr[j] = old;
		ret = hyv_insn_decode(data_cases[i].bytes, data_cases[i].nbytes,
				      X64, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", name);
		if (hyv_insn_is_mmio_write(&insn)) {
			KUNIT_EXPECT_EQ_MSG(test,
					    hyv_insn_mmio_write_data(&insn, gpr),
					    data_cases[i].expect, "%s", name);
			continue;
		}
		hyv_insn_mmio_read_done(&insn, gpr, data_cases[i].data);
		KUNIT_EXPECT_EQ_MSG(test, gpr[reg], data_cases[i].expect,
				    "%s", name);
		for (j = 0; j < 16; j++)
			if (j != reg)
				KUNIT_EXPECT_EQ_MSG(test, gpr[j], old,
						    "%s: r%u", name, j);
	}
}

/*
 * Every two-byte start in every mode, padded with fixed bytes: the
 * decoder never claims more bytes than it was given or than 15, and
 * its length is self-consistent (the same with exactly len bytes,
 * truncated with one fewer).
 */
static void insn_test_all_openings(struct kunit *test)
{
	static const u8 tail[] = { 0x84, 0x88, 0x44, 0x33, 0x22, 0x11, 0x05,
				   0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b };
	u8 buf[HYV_INSN_MAX_LEN];
	struct hyv_insn insn, again;
	unsigned int op, mode, bad = 0;
	int ret;

	memcpy(buf + 2, tail, sizeof(tail));
	for (mode = X16; mode <= X64; mode++) {
		for (op = 0; op < 0x10000; op++) {
			buf[0] = op & 0xff;
			buf[1] = op >> 8;
			ret = hyv_insn_decode(buf, sizeof(buf), mode, &insn);
			if (ret)
				continue;
			if (insn.len == 0 || insn.len > sizeof(buf) ||
			    insn.kind == HYV_INSN_UNKNOWN ||
			    hyv_insn_decode(buf, insn.len, mode, &again) ||
			    again.len != insn.len ||
			    hyv_insn_decode(buf, insn.len - 1, mode,
					    &again) != -EINVAL)
				bad++;
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

/* Real and virtual-8086 mode are 16-bit whatever CS says. */
static void insn_test_cpu_mode(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(false, false, false, false,
						true), X16);
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(true, true, false, false,
						true), X16);
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(true, false, false, false,
						false), X16);
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(true, false, false, false,
						true), X32);
	/* CS.L counts only with EFER.LMA: else compatibility rules. */
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(true, false, false, true,
						true), X32);
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(true, false, true, false,
						true), X32);
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(true, false, true, false,
						false), X16);
	KUNIT_EXPECT_EQ(test, hyv_insn_cpu_mode(true, false, true, true,
						false), X64);
}

static void insn_test_xchg_write(struct kunit *test)
{
	struct hyv_insn insn;
	unsigned int i, j;
	u64 gpr[16];
	int ret;

	for (j = 0; j < 16; j++)
		gpr[j] = 0x1122334455667788ULL;
	for (i = 0; i < ARRAY_SIZE(xchg_write_cases); i++) {
		ret = hyv_insn_decode(xchg_write_cases[i].bytes,
				      xchg_write_cases[i].nbytes, X64, &insn);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s",
				    xchg_write_cases[i].name);
		KUNIT_EXPECT_EQ_MSG(test, hyv_insn_mmio_write_data(&insn, gpr),
				    xchg_write_cases[i].expect, "%s",
				    xchg_write_cases[i].name);
	}
}

static struct kunit_case hyv_insn_cases[] = {
	KUNIT_CASE(insn_test_cpu_mode),
	KUNIT_CASE(insn_test_mmio_forms),
	KUNIT_CASE(insn_test_mmio_truncated),
	KUNIT_CASE(insn_test_skip_kinds),
	KUNIT_CASE(insn_test_rejected),
	KUNIT_CASE(insn_test_strings),
	KUNIT_CASE(insn_test_alu_named),
	KUNIT_CASE(insn_test_xchg_write),
	KUNIT_CASE(insn_test_mem_ea),
	KUNIT_CASE(insn_test_reg_write),
	KUNIT_CASE(insn_test_mmio_data),
	KUNIT_CASE(insn_test_all_openings),
	{}
};

static struct kunit_suite hyv_insn_suite = {
	.name = "hyv_insn",
	.test_cases = hyv_insn_cases,
};

kunit_test_suite(hyv_insn_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hyv KUnit suites");

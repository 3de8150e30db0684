// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO exits: a guest access outside every slot reaches the VMM with the
 * exact address, direction, length and (for writes) data; a read takes
 * the VMM's value with the CPU's register rules for MOV, MOVZX and MOVSX;
 * MOVNTI is a store; XCHG is a read, then a write; a slot added
 * afterwards turns the address into memory; an instruction hyv does not
 * carry out (read-modify-write, LOCK'd or not) is an emulation error
 * naming it, not a guess. String forms: mmio_string_test.c.
 */
#include <string.h>
#include <sys/mman.h>

#include "hyv_test.h"
#include "hyv_util.h"

#define MMIO_GPA	0xc0001000ULL	/* no slot there; under 4 GiB, so mapped */
#define MMIO_HIGH_GPA	0x1000000000ULL	/* 64 GiB: above 32 bits */
#define RAX_BEFORE	0x1122334455667788ULL

static void guest_read_u32(u32 *p)
{
	GUEST_SYNC(READ_ONCE(*p));
	GUEST_DONE();
}

static void check_read_u32(struct __test_metadata *_metadata, u64 gpa)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_u32);
	struct hyv_run *run = vcpu->run;

	if (gpa >= HYV_IDENTITY_MAP_END)
		hyv_vm_map(vcpu->vm, gpa & ~(SZ_2M - 1), gpa & ~(SZ_2M - 1), SZ_2M);
	hyv_vcpu_set_args(vcpu, gpa, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	run->mmio.data = 0xcafef00d;
	EXPECT_EQ(0xcafef00d, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(read_outside_any_slot_exits_with_exact_address_and_takes_vmm_data)
{
	check_read_u32(_metadata, MMIO_GPA + 0x234);
}

TEST(read_above_4g_outside_any_slot_reports_the_full_address)
{
	check_read_u32(_metadata, MMIO_HIGH_GPA + 0x1238);
}

static void guest_write_u32(u32 *p, u32 v)
{
	WRITE_ONCE(*p, v);
	GUEST_DONE();
}

TEST(write_outside_any_slot_exits_with_exact_address_and_data)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_write_u32);
	struct hyv_run *run = vcpu->run;

	hyv_vcpu_set_args(vcpu, MMIO_GPA + 0x238, 0xfeedbeef);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x238, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	EXPECT_EQ(0xfeedbeef, run->mmio.data);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* The accessors Linux's writeb() ... writeq() compile to. */
static void guest_mov_writes(u64 p)
{
	asm volatile("movb %%al, (%0)" : : "r"(p), "a"(0xa1) : "memory");
	asm volatile("movw %%ax, (%0)" : : "r"(p + 2), "a"(0xb2b2) : "memory");
	asm volatile("movl %%eax, (%0)" : : "r"(p + 4), "a"(0xc3c3c3c3) : "memory");
	asm volatile("movq %%rax, (%0)" : : "r"(p + 8),
		     "a"(0xd4d4d4d4d4d4d4d4ULL) : "memory");
	asm volatile("movl $0x5a5a5a5a, (%0)" : : "r"(p + 16) : "memory");
	GUEST_DONE();
}

static const struct { u64 off; u32 len; u64 data; } mov_writes[] = {
	{ 0,  1, 0xa1 },
	{ 2,  2, 0xb2b2 },
	{ 4,  4, 0xc3c3c3c3 },
	{ 8,  8, 0xd4d4d4d4d4d4d4d4ULL },
	{ 16, 4, 0x5a5a5a5a },		/* immediate source */
};

TEST(mov_writes_of_each_size_report_length_and_data)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mov_writes);
	struct hyv_run *run = vcpu->run;
	unsigned int i;

	hyv_vcpu_set_args(vcpu, MMIO_GPA, 0);
	for (i = 0; i < ARRAY_SIZE(mov_writes); i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
		EXPECT_EQ(MMIO_GPA + mov_writes[i].off, run->mmio.phys_addr);
		EXPECT_EQ(1, run->mmio.is_write);
		EXPECT_EQ(mov_writes[i].len, run->mmio.len) TH_LOG("case %u", i);
		EXPECT_EQ(mov_writes[i].data, run->mmio.data) TH_LOG("case %u", i);
	}
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * Each read into RAX_BEFORE, reported: MOV keeps the rest of RAX for 1 and
 * 2 bytes and zero-extends a 32-bit result; MOVZX and MOVSX extend to the
 * destination's size, whose own rules then apply. The VMM's data always
 * has the top bit of the access set, so sign and zero extension differ.
 */
static void guest_reads(u64 p)
{
	u64 v;

#define READ(insn)							\
	do {								\
		v = RAX_BEFORE;						\
		asm volatile(insn : "+a"(v) : "r"(p) : "memory");	\
		GUEST_SYNC(v);						\
	} while (0)

	READ("movb (%1), %%al");
	READ("movw (%1), %%ax");
	READ("movl (%1), %%eax");
	READ("movq (%1), %%rax");
	READ("movzbl (%1), %%eax");
	READ("movzwq (%1), %%rax");
	READ("movzbw (%1), %%ax");
	READ("movsbq (%1), %%rax");
	READ("movswl (%1), %%eax");
	READ("movsbw (%1), %%ax");
	READ("movslq (%1), %%rax");
#undef READ
	GUEST_DONE();
}

static const struct { u32 len; u64 supply, rax; } reads[] = {
	{ 1, 0xa1,			0x11223344556677a1ULL },	/* movb */
	{ 2, 0xb2b2,			0x112233445566b2b2ULL },	/* movw */
	{ 4, 0xc3c3c3c3,		0x00000000c3c3c3c3ULL },	/* movl */
	{ 8, 0xd4d4d4d4d4d4d4d4ULL,	0xd4d4d4d4d4d4d4d4ULL },	/* movq */
	{ 1, 0x80,			0x0000000000000080ULL },	/* movzbl */
	{ 2, 0x8000,			0x0000000000008000ULL },	/* movzwq */
	{ 1, 0x80,			0x1122334455660080ULL },	/* movzbw */
	{ 1, 0x80,			0xffffffffffffff80ULL },	/* movsbq */
	{ 2, 0x8000,			0x00000000ffff8000ULL },	/* movswl */
	{ 1, 0x80,			0x112233445566ff80ULL },	/* movsbw */
	{ 4, 0x80000000,		0xffffffff80000000ULL },	/* movslq */
};

TEST(reads_follow_the_register_rules_of_mov_movzx_and_movsx)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_reads);
	struct hyv_run *run = vcpu->run;
	unsigned int i;

	hyv_vcpu_set_args(vcpu, MMIO_GPA + 0x40, 0);
	for (i = 0; i < ARRAY_SIZE(reads); i++) {
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
		EXPECT_EQ(MMIO_GPA + 0x40, run->mmio.phys_addr);
		EXPECT_EQ(0, run->mmio.is_write);
		EXPECT_EQ(reads[i].len, run->mmio.len) TH_LOG("case %u", i);
		run->mmio.data = reads[i].supply;
		EXPECT_EQ(reads[i].rax, hyv_vcpu_run_sync(vcpu)) TH_LOG("case %u", i);
	}
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* REX registers and SIB addressing, both ways. */
static void guest_rex_sib(u64 p)
{
	register u64 r9 asm("r9") = 0x0102030405060708ULL;
	register u64 r10 asm("r10") = RAX_BEFORE;

	asm volatile("movq %0, 0x10(%1,%2,8)"
		     : : "r"(r9), "r"(p), "c"(3ULL) : "memory");
	asm volatile("movl 0x8(%1,%2,4), %k0"
		     : "+r"(r10) : "r"(p), "d"(5ULL) : "memory");
	GUEST_SYNC(r10);
	GUEST_DONE();
}

TEST(rex_registers_and_sib_addressing_are_decoded)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_rex_sib);
	struct hyv_run *run = vcpu->run;

	hyv_vcpu_set_args(vcpu, MMIO_GPA, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x10 + 3 * 8, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(8, run->mmio.len);
	EXPECT_EQ(0x0102030405060708ULL, run->mmio.data);

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x8 + 5 * 4, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	run->mmio.data = 0x8badf00d;
	EXPECT_EQ(0x8badf00dULL, hyv_vcpu_run_sync(vcpu));	/* zero-extended */
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

static void guest_read_twice(u64 *p)
{
	GUEST_SYNC(READ_ONCE(*p));
	GUEST_SYNC(READ_ONCE(*p));
	GUEST_DONE();
}

TEST(slot_added_after_an_mmio_exit_turns_the_address_into_memory)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_read_twice);
	struct hyv_run *run = vcpu->run;
	u64 *mem = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, mem);
	hyv_vcpu_set_args(vcpu, MMIO_GPA + 0x100, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	run->mmio.data = 0x1111;
	EXPECT_EQ(0x1111, hyv_vcpu_run_sync(vcpu));

	mem[(0x1000 + 0x100) / 8] = 0x2222;
	hyv_vm_set_slot(vcpu->vm, 1, MMIO_GPA - 0x1000, SZ_2M, mem);
	EXPECT_EQ(0x2222, hyv_vcpu_run_sync(vcpu));	/* no MMIO exit now */
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
	munmap(mem, SZ_2M);
}

/*
 * MOVNTI (what __iowrite32_copy-style non-temporal stores compile to) is
 * a plain store to hyv.
 */
static void guest_movnti(u64 p)
{
	asm volatile("movnti %%eax, (%0)" : : "r"(p), "a"(0x600dcafe) : "memory");
	asm volatile("movnti %%rax, 8(%0)" : : "r"(p),
		     "a"(0x0102030405060708ULL) : "memory");
	GUEST_DONE();
}

TEST(movnti_is_a_store_with_its_address_size_and_data)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_movnti);
	struct hyv_run *run = vcpu->run;

	hyv_vcpu_set_args(vcpu, MMIO_GPA + 0x80, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x80, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	EXPECT_EQ(0, run->mmio.count);
	EXPECT_EQ(0x600dcafe, run->mmio.data);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x88, run->mmio.phys_addr);
	EXPECT_EQ(8, run->mmio.len);
	EXPECT_EQ(0x0102030405060708ULL, run->mmio.data);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * XCHG with MMIO (LOCK implied, or written out): a read exit; the next
 * RUN returns at once with the write of the register's old value to the
 * same address; the register then holds what the VMM gave for the read.
 */
static void guest_xchg(u64 p)
{
	u64 v = 0x1111111122222222ULL;

	asm volatile("xchgl %k0, (%1)" : "+r"(v) : "r"(p) : "memory");
	GUEST_SYNC(v);
	v = 0x3333;
	asm volatile("lock xchgw %w0, 2(%1)" : "+r"(v) : "r"(p) : "memory");
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(xchg_with_mmio_is_a_read_then_a_write_and_the_register_gets_the_read)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_xchg);
	struct hyv_run *run = vcpu->run;

	hyv_vcpu_set_args(vcpu, MMIO_GPA + 0x40, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x40, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	run->mmio.data = 0xfeedf00d;
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x40, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	EXPECT_EQ(0x22222222, run->mmio.data);
	EXPECT_EQ(0xfeedf00dULL, hyv_vcpu_run_sync(vcpu));	/* zero-extended */

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x42, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(2, run->mmio.len);
	run->mmio.data = 0xabcd;
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(2, run->mmio.len);
	EXPECT_EQ(0x3333, run->mmio.data);
	EXPECT_EQ(0xabcdULL, hyv_vcpu_run_sync(vcpu));
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * Read-modify-write instructions (LOCK or not) and string forms hyv does
 * not carry out: an emulation error that names the instruction by its
 * bytes, never a guess.
 */
GUEST_ASM(guest_inc_mmio,
	  "	incl (%rdi)\n");
GUEST_ASM(guest_lock_add_mmio,
	  "	lock addl $1, (%rdi)\n");
GUEST_ASM(guest_lock_xadd_mmio,
	  "	lock xaddl %eax, (%rdi)\n");
GUEST_ASM(guest_lods_mmio,
	  "	movq %rdi, %rsi\n"
	  "	lodsl\n");

TEST(mmio_by_an_instruction_hyv_does_not_carry_out_is_a_named_emulation_error)
{
	static const struct {
		void *code;
		u8 len;
		u8 bytes[4];
	} cases[] = {
		{ guest_inc_mmio, 2, { 0xff, 0x07 } },
		{ guest_lock_add_mmio, 4, { 0xf0, 0x83, 0x07, 0x01 } },
		{ guest_lock_xadd_mmio, 4, { 0xf0, 0x0f, 0xc1, 0x07 } },
		{ guest_lods_mmio, 1, { 0xad } },
	};
	struct hyv_vcpu *vcpu;
	unsigned int i;
	char desc[160];

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		vcpu = hyv_vm_create_with_vcpu(cases[i].code);
		hyv_vcpu_set_args(vcpu, MMIO_GPA, 0);
		ASSERT_EQ(0, __hyv_vcpu_run(vcpu));
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		EXPECT_EQ(HYV_EXIT_INTERNAL_ERROR, vcpu->run->exit_reason)
			TH_LOG("case %u: %s", i, desc);
		EXPECT_EQ(HYV_INTERNAL_EMULATION, vcpu->run->internal.suberror)
			TH_LOG("case %u: %s", i, desc);
		EXPECT_EQ(6, vcpu->run->internal.ndata) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].len, vcpu->run->internal.data[3])
			TH_LOG("case %u", i);
		EXPECT_EQ(0, memcmp(&vcpu->run->internal.data[4],
				    cases[i].bytes, cases[i].len))
			TH_LOG("case %u: bytes %#llx", i,
			       vcpu->run->internal.data[4]);
		hyv_vm_free_with_vcpu(vcpu);
	}
}

GUEST_ASM(guest_mmio_read_then_hlt,
	  "	movabsq $0x1122334455667788, %rax\n"
	  "	movl (%rdi), %eax\n"
	  "	hlt\n");

TEST(set_regs_after_an_mmio_read_exit_cancels_the_pending_read)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_mmio_read_then_hlt);
	struct hyv_regs regs;

	hyv_vcpu_set_args(vcpu, MMIO_GPA, 0);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_MMIO);
	vcpu->run->mmio.data = 0xabcd;
	hyv_vcpu_get_regs(vcpu, &regs);
	regs.rax = 0x5555;
	hyv_vcpu_set_regs(vcpu, &regs);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0x5555, regs.rax);
	hyv_vm_free_with_vcpu(vcpu);
}

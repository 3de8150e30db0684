// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: OUT reaches the VMM with the right port, size and data
 * (masked to the access size), and IN takes the VMM's data into AL/AX/EAX
 * with the hardware's partial-register rules, in both the imm8 and the DX
 * encodings (which also checks that the host skips each one correctly);
 * SET_REGS overrides an IN the VMM did not complete; string forms are
 * refused as an emulation error.
 */
#include "hyv_test.h"
#include "hyv_util.h"

#define PATTERN		0xfedcba9876543210ULL
#define RAX_BEFORE_IN	0x1122334455667788ULL

struct io_case {
	u16 port;
	u8 size;
	u32 data;	/* OUT: expected; IN: what the VMM supplies */
	u64 rax;	/* IN: RAX the guest must see afterwards */
};

/* OUT of PATTERN at every size, imm8 then DX forms; must match out_cases. */
static void guest_out(void)
{
	u64 v = PATTERN;

	asm volatile("outb %%al, $0x80" : : "a"(v));
	asm volatile("outw %%ax, $0x82" : : "a"(v));
	asm volatile("outl %%eax, $0x84" : : "a"(v));
	asm volatile("outb %%al, %%dx" : : "a"(v), "d"(0x3f8));
	asm volatile("outw %%ax, %%dx" : : "a"(v), "d"(0x1234));
	asm volatile("outl %%eax, %%dx" : : "a"(v), "d"(0xfffc));
	GUEST_DONE();
}

static const struct io_case out_cases[] = {
	{ 0x80,   1, 0x10, 0 },
	{ 0x82,   2, 0x3210, 0 },
	{ 0x84,   4, 0x76543210, 0 },
	{ 0x3f8,  1, 0x10, 0 },
	{ 0x1234, 2, 0x3210, 0 },
	{ 0xfffc, 4, 0x76543210, 0 },
};

TEST(out_reports_port_size_and_data_masked_to_the_size)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_out);
	struct hyv_run *run = vcpu->run;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(out_cases); i++) {
		const struct io_case *c = &out_cases[i];

		hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
		TH_LOG("case %u: port %#x size %u data %#x", i, run->io.port,
		       run->io.size, run->io.data);
		EXPECT_EQ(HYV_IO_OUT, run->io.direction);
		EXPECT_EQ(c->port, run->io.port);
		EXPECT_EQ(c->size, run->io.size);
		EXPECT_EQ(c->data, run->io.data);
	}
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* IN at every size from RAX_BEFORE_IN; report RAX after each. */
static void guest_in(void)
{
	u64 v;

	v = RAX_BEFORE_IN;
	asm volatile("inb $0x60, %%al" : "+a"(v));
	GUEST_SYNC(v);
	v = RAX_BEFORE_IN;
	asm volatile("inw $0x62, %%ax" : "+a"(v));
	GUEST_SYNC(v);
	v = RAX_BEFORE_IN;
	asm volatile("inl $0x64, %%eax" : "+a"(v));
	GUEST_SYNC(v);
	v = RAX_BEFORE_IN;
	asm volatile("inb %%dx, %%al" : "+a"(v) : "d"(0x2f8));
	GUEST_SYNC(v);
	v = RAX_BEFORE_IN;
	asm volatile("inw %%dx, %%ax" : "+a"(v) : "d"(0x4321));
	GUEST_SYNC(v);
	v = RAX_BEFORE_IN;
	asm volatile("inl %%dx, %%eax" : "+a"(v) : "d"(0xcfc));
	GUEST_SYNC(v);
	GUEST_DONE();
}

/* 1 and 2 byte IN keep the rest of RAX; 4 byte IN zero-extends into RAX. */
static const struct io_case in_cases[] = {
	{ 0x60,   1, 0xab,       0x11223344556677abULL },
	{ 0x62,   2, 0xabcd,     0x112233445566abcdULL },
	{ 0x64,   4, 0xabcdef01, 0x00000000abcdef01ULL },
	{ 0x2f8,  1, 0x5a,       0x112233445566775aULL },
	{ 0x4321, 2, 0xa55a,     0x112233445566a55aULL },
	{ 0xcfc,  4, 0x80000001, 0x0000000080000001ULL },
};

static void check_in(struct __test_metadata *_metadata, struct hyv_vcpu *vcpu,
		     const struct io_case *c, u32 supply)
{
	struct hyv_run *run = vcpu->run;

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
	EXPECT_EQ(HYV_IO_IN, run->io.direction);
	EXPECT_EQ(c->port, run->io.port);
	EXPECT_EQ(c->size, run->io.size);
	run->io.data = supply;
	EXPECT_EQ(c->rax, hyv_vcpu_run_sync(vcpu))
		TH_LOG("IN port %#x size %u", c->port, c->size);
}

TEST(in_returns_vmm_data_in_al_ax_eax_with_partial_register_rules)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_in);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(in_cases); i++)
		check_in(_metadata, vcpu, &in_cases[i], in_cases[i].data);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(in_ignores_run_data_bits_beyond_the_access_size)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_in);
	unsigned int i;

	/* Same as above, with garbage above the access size in io.data. */
	for (i = 0; i < 6; i++) {
		const struct io_case *c = &in_cases[i];
		u32 garbage = c->size == 1 ? 0xdeadbe00 :
			      c->size == 2 ? 0xdead0000 : 0;

		check_in(_metadata, vcpu, c, c->data | garbage);
	}
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

#define ECHO_ROUNDS	64

/* Read a value from port 0x1000, write it plus one to port 0x1001. */
static void guest_echo(void)
{
	u32 v;
	int i;

	for (i = 0; i < ECHO_ROUNDS; i++) {
		asm volatile("inl %%dx, %%eax" : "=a"(v) : "d"(0x1000));
		asm volatile("outl %%eax, %%dx" : : "a"(v + 1), "d"(0x1001));
	}
	GUEST_DONE();
}

TEST(many_in_out_round_trips_carry_the_data)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_echo);
	struct hyv_run *run = vcpu->run;
	u32 v;
	int i;

	for (i = 0; i < ECHO_ROUNDS; i++) {
		v = 0x9e3779b9u * (i + 1);
		hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
		ASSERT_EQ(HYV_IO_IN, run->io.direction);
		ASSERT_EQ(0x1000, run->io.port);
		ASSERT_EQ(4, run->io.size);
		run->io.data = v;

		hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
		ASSERT_EQ(HYV_IO_OUT, run->io.direction);
		ASSERT_EQ(0x1001, run->io.port);
		ASSERT_EQ(v + 1, run->io.data) TH_LOG("round %d", i);
	}
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

GUEST_ASM(guest_in_then_hlt,
	  "	movabsq $0x1122334455667788, %rax\n"
	  "	inb $0x60, %al\n"
	  "	hlt\n");

TEST(set_regs_after_an_in_exit_cancels_the_pending_in)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_in_then_hlt);
	struct hyv_regs regs;

	hyv_vcpu_run_expect(vcpu, HYV_EXIT_IO);
	vcpu->run->io.data = 0xab;
	hyv_vcpu_get_regs(vcpu, &regs);
	regs.rax = 0x5555;		/* the VMM's word is final */
	hyv_vcpu_set_regs(vcpu, &regs);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0x5555, regs.rax);
	hyv_vm_free_with_vcpu(vcpu);
}

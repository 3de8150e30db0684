// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O (issue #10, item 6): REP OUTS hands the VMM its bytes
 * in order, a data area at a time (a megabyte in well under 300 exits),
 * REP INS takes the VMM's bytes into guest memory, the registers end
 * where the CPU would leave them, DF=1 goes downwards, a fault on the
 * guest's buffer reaches the guest, and INS into ROM is refused.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "hyv_test.h"
#include "hyv_util.h"

#define PORT		0x3f0
#define BUF_GPA		HYV_DATA_GPA
#define BIG		0x100000ULL	/* 1 MiB */
#define VEC_PF		14

static u8 pattern(u64 i)
{
	return (u8)(i * 31 + (i >> 8) * 7 + 1);
}

GUEST_ASM(guest_rep_outsb,
	  "movq $" hyv_str(BUF_GPA) ", %rsi\n"
	  "movq $" hyv_str(BIG) ", %rcx\n"
	  "movw $" hyv_str(PORT) ", %dx\n"
	  "cld\n"
	  "rep outsb\n"
	  "movq %rsi, %rdi\n"
	  "movq %rcx, %rsi\n"
	  "movl $" hyv_str(UCALL_SYNC) ", %eax\n"
	  "outl %eax, $" hyv_str(HYV_UCALL_PORT) "\n"
	  "hlt\n");

/* The data area of the exit in the run page's mapping. */
static const u8 *io_data(struct hyv_vcpu *vcpu)
{
	return (const u8 *)vcpu->run + vcpu->run->io.data_offset;
}

TEST(rep_outsb_of_a_megabyte_arrives_in_order_in_few_exits)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_rep_outsb);
	u8 *buf = hyv_vm_gpa_to_hva(vcpu->vm, BUF_GPA);
	struct hyv_run *run = vcpu->run;
	struct hyv_ucall uc;
	u64 i, got = 0, exits = 0, bad = 0;

	for (i = 0; i < BIG; i++)
		buf[i] = pattern(i);
	for (;;) {
		ASSERT_EQ(HYV_EXIT_IO, hyv_vcpu_run(vcpu));
		if (hyv_vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_EQ(PORT, run->io.port);
		ASSERT_EQ(HYV_IO_OUT, run->io.direction);
		ASSERT_EQ(1, run->io.size);
		ASSERT_GT(run->io.count, 0);
		ASSERT_LE(got + run->io.count, BIG);
		ASSERT_LE(run->io.data_offset + run->io.count, vcpu->run_size);
		for (i = 0; i < run->io.count; i++)
			bad += io_data(vcpu)[i] != pattern(got + i);
		got += run->io.count;
		exits++;
	}
	TH_LOG("1 MiB in %llu exits", exits);
	EXPECT_EQ(UCALL_SYNC, uc.cmd);
	EXPECT_EQ(BIG, got);
	EXPECT_EQ(0, bad);
	EXPECT_LT(exits, 300);
	EXPECT_EQ(BUF_GPA + BIG, uc.args[0]);	/* RSI past the buffer */
	EXPECT_EQ(0, uc.args[1]);		/* RCX exhausted */
	hyv_vm_free_with_vcpu(vcpu);
}

#define WORDS	3000

GUEST_ASM(guest_rep_insw,
	  "movq $" hyv_str(BUF_GPA) ", %rdi\n"
	  "movq $" hyv_str(WORDS) ", %rcx\n"
	  "movw $" hyv_str(PORT) ", %dx\n"
	  "cld\n"
	  "rep insw\n"
	  "movl $" hyv_str(UCALL_SYNC) ", %eax\n"
	  "outl %eax, $" hyv_str(HYV_UCALL_PORT) "\n"
	  "hlt\n");

TEST(rep_insw_fills_guest_memory_with_the_vmms_words)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_rep_insw);
	u16 *buf = hyv_vm_gpa_to_hva(vcpu->vm, BUF_GPA);
	struct hyv_run *run = vcpu->run;
	struct hyv_ucall uc;
	u64 i, done = 0;

	for (;;) {
		ASSERT_EQ(HYV_EXIT_IO, hyv_vcpu_run(vcpu));
		if (hyv_vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_EQ(HYV_IO_IN, run->io.direction);
		ASSERT_EQ(2, run->io.size);
		ASSERT_LE(done + run->io.count, WORDS);
		for (i = 0; i < run->io.count; i++)
			((u16 *)((u8 *)run + run->io.data_offset))[i] =
				(u16)(0x8000 + done + i);
		done += run->io.count;
	}
	EXPECT_EQ(WORDS, done);
	for (i = 0; i < WORDS; i++)
		if (buf[i] != (u16)(0x8000 + i)) {
			EXPECT_EQ((u16)(0x8000 + i), buf[i]) TH_LOG("word %llu", i);
			break;
		}
	EXPECT_EQ(0, buf[WORDS]);		/* nothing past the count */
	hyv_vm_free_with_vcpu(vcpu);
}

/* DF=1: OUTSD from the top down, one element each exit. */
GUEST_ASM(guest_std_outsd,
	  "movq $" hyv_str(BUF_GPA) " + 12, %rsi\n"
	  "movq $4, %rcx\n"
	  "movw $" hyv_str(PORT) ", %dx\n"
	  "std\n"
	  "rep outsl\n"
	  "cld\n"
	  "movq %rsi, %rdi\n"
	  "movl $" hyv_str(UCALL_SYNC) ", %eax\n"
	  "outl %eax, $" hyv_str(HYV_UCALL_PORT) "\n"
	  "hlt\n");

TEST(rep_outsd_with_df_set_goes_downwards)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_std_outsd);
	u32 *buf = hyv_vm_gpa_to_hva(vcpu->vm, BUF_GPA);
	struct hyv_run *run = vcpu->run;
	struct hyv_ucall uc;
	u32 seen[4], n = 0;

	buf[0] = 0x10; buf[1] = 0x11; buf[2] = 0x12; buf[3] = 0x13;
	for (;;) {
		ASSERT_EQ(HYV_EXIT_IO, hyv_vcpu_run(vcpu));
		if (hyv_vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_EQ(4, run->io.size);
		ASSERT_LE(n + run->io.count, 4);
		memcpy(&seen[n], (u8 *)run + run->io.data_offset,
		       run->io.count * 4);
		n += run->io.count;
	}
	ASSERT_EQ(4, n);
	EXPECT_EQ(0x13, seen[0]);
	EXPECT_EQ(0x12, seen[1]);
	EXPECT_EQ(0x11, seen[2]);
	EXPECT_EQ(0x10, seen[3]);
	EXPECT_EQ(BUF_GPA - 4, uc.args[0]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* OUTSB from an address the guest has not mapped: its #PF, CR2 the address. */
static void guest_outs_unmapped(void)
{
	u64 vector, err;
	u64 src = 0x7f0000000000ULL;	/* no guest page table maps it */

	asm volatile(GUEST_ASM_SAFE("outsb") "mov %%r9, %[vec]\n\tmov %%r11, %[err]"
		     : [vec] "=r"(vector), [err] "=r"(err), "+S"(src)
		     : "d"(PORT) : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(vector, err, src, 0);
}

TEST(outs_from_an_unmapped_address_gives_the_guest_its_page_fault)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_outs_unmapped);
	struct hyv_sregs sregs;
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_PF, uc.args[0]);
	EXPECT_EQ(0, uc.args[1] & 1);			/* not present */
	EXPECT_EQ(0x7f0000000000ULL, uc.args[2]);	/* RSI unmoved */
	hyv_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(0x7f0000000000ULL, sregs.cr2);
	hyv_vm_free_with_vcpu(vcpu);
}

#define ROM_GPA		0x800000ULL	/* 8 MiB, a read-only slot */

GUEST_ASM(guest_ins_into_rom,
	  "movq $" hyv_str(ROM_GPA) ", %rdi\n"
	  "movw $" hyv_str(PORT) ", %dx\n"
	  "insb\n"
	  "hlt\n");

TEST(ins_into_a_read_only_slot_is_an_emulation_failure)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_ins_into_rom);
	void *rom = hyv_vm_gpa_to_hva(vcpu->vm, ROM_GPA);

	/* Slot 0 covers 0..16 MiB: move its top half into a read-only slot. */
	ASSERT_EQ(0, __hyv_vm_set_slot(vcpu->vm, 0, 0, 0, ROM_GPA, vcpu->vm->mem));
	ASSERT_EQ(0, __hyv_vm_set_slot(vcpu->vm, 1, HYV_MEM_READONLY, ROM_GPA,
				       HYV_DEFAULT_MEM_SIZE - ROM_GPA, rom));
	ASSERT_EQ(0, __hyv_vcpu_run(vcpu));
	EXPECT_EQ(HYV_EXIT_INTERNAL_ERROR, vcpu->run->exit_reason);
	EXPECT_EQ(HYV_INTERNAL_EMULATION, vcpu->run->internal.suberror);
	hyv_vm_free_with_vcpu(vcpu);
}

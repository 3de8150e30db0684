// SPDX-License-Identifier: GPL-2.0
/*
 * String instructions at MMIO (issue #10, item 6), as memcpy_toio(),
 * memset_io() and memcpy_fromio() issue them: REP MOVS and REP STOS reach
 * the VMM a guest page at a time (run->mmio.count elements in the data
 * area), in order and byte-exact; MOVS from MMIO takes the VMM's data
 * into guest RAM; MMIO to MMIO is a read, then a write of the same data;
 * DF=1 goes downwards; RSI, RDI and RCX end where the CPU leaves them; a
 * long REP leaves the host between batches with RIP still on it; and a
 * fault on the RAM side is the guest's.
 */
#include <string.h>

#include "hyv_test.h"
#include "hyv_util.h"

#define MMIO_GPA	0xc0000000	/* no slot there; identity mapped */
#define MMIO_B_GPA	0xc0100000	/* another MMIO range */
#define BUF_GPA		0x100000	/* HYV_DATA_GPA: guest RAM */
#define UNMAPPED_GVA	0x7f0000000000	/* no guest page table maps it */
#define VEC_PF		14

/* Report RDI, RSI, RCX (as ucall args 0, 1, 2), then stop. */
#define REPORT_REGS							\
	"movq %rcx, %rdx\n"						\
	"movl $" hyv_str(UCALL_SYNC) ", %eax\n"				\
	"outl %eax, $" hyv_str(HYV_UCALL_PORT) "\n"			\
	"hlt\n"

/* What the VMM saw of a run of string MMIO exits. */
struct mmio_seen {
	u64 elems;		/* elements, all exits together */
	u64 exits;
	u64 bad_addr;		/* exits whose address did not follow on */
};

static const u8 *mmio_data(struct hyv_vcpu *vcpu)
{
	return (const u8 *)vcpu->run + vcpu->run->mmio.data_offset;
}

/*
 * Run until a ucall, taking string MMIO exits of @len-byte elements from
 * @gpa up: writes are copied into @buf (at their offset from @gpa),
 * reads are answered from it. Returns the ucall's command.
 */
static u64 run_string_mmio(struct __test_metadata *_metadata,
			   struct hyv_vcpu *vcpu, u64 gpa, u32 len, bool write,
			   u8 *buf, u64 max, struct mmio_seen *seen,
			   struct hyv_ucall *uc)
{
	struct hyv_run *run = vcpu->run;
	u64 bytes;

	memset(seen, 0, sizeof(*seen));
	for (;;) {
		u32 reason = hyv_vcpu_run(vcpu);

		if (reason == HYV_EXIT_IO && hyv_vcpu_get_ucall(vcpu, uc))
			return uc->cmd;
		ASSERT_EQ(HYV_EXIT_MMIO, reason);
		ASSERT_EQ(write, run->mmio.is_write);
		ASSERT_EQ(len, run->mmio.len);
		ASSERT_GT(run->mmio.count, 0);
		bytes = (u64)run->mmio.count * len;
		ASSERT_LE(run->mmio.data_offset + bytes, vcpu->run_size);
		/* A batch stays in one page. */
		EXPECT_EQ(run->mmio.phys_addr >> 12,
			  (run->mmio.phys_addr + bytes - 1) >> 12);
		if (run->mmio.phys_addr != gpa + seen->elems * len)
			seen->bad_addr++;
		ASSERT_LE(seen->elems * len + bytes, max);
		if (write)
			memcpy(buf + seen->elems * len, mmio_data(vcpu), bytes);
		else
			memcpy((u8 *)run + run->mmio.data_offset,
			       buf + seen->elems * len, bytes);
		seen->elems += run->mmio.count;
		seen->exits++;
	}
}

/* ---- memcpy_toio: REP MOVSL, RAM to MMIO ------------------------------- */

#define TOIO_DWORDS	3000
#define TOIO_GPA	(MMIO_GPA + 0x10)

GUEST_ASM(guest_movsl_toio,
	  "movl $" hyv_str(BUF_GPA) ", %esi\n"
	  "movl $" hyv_str(TOIO_GPA) ", %edi\n"
	  "movl $" hyv_str(TOIO_DWORDS) ", %ecx\n"
	  "cld\n"
	  "rep movsl\n"
	  REPORT_REGS);

static u32 dword_pattern(u64 i)
{
	return 0x9e3779b9u * (u32)(i + 1);
}

TEST(rep_movsl_to_mmio_gives_the_vmm_every_dword_in_order)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_movsl_toio);
	u32 *ram = hyv_vm_gpa_to_hva(vcpu->vm, BUF_GPA);
	static u32 seen_data[TOIO_DWORDS];
	struct mmio_seen seen;
	struct hyv_ucall uc;
	u64 i, bad = 0;

	for (i = 0; i < TOIO_DWORDS; i++)
		ram[i] = dword_pattern(i);
	ASSERT_EQ(UCALL_SYNC, run_string_mmio(_metadata, vcpu, TOIO_GPA, 4,
					      true, (u8 *)seen_data,
					      sizeof(seen_data), &seen, &uc));
	for (i = 0; i < TOIO_DWORDS; i++)
		bad += seen_data[i] != dword_pattern(i);
	EXPECT_EQ(TOIO_DWORDS, seen.elems);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, seen.bad_addr);
	/* 12000 bytes from page offset 0x10: three pages, three exits. */
	EXPECT_EQ(3, seen.exits);
	EXPECT_EQ(TOIO_GPA + TOIO_DWORDS * 4, uc.args[0]);	/* RDI */
	EXPECT_EQ(BUF_GPA + TOIO_DWORDS * 4, uc.args[1]);	/* RSI */
	EXPECT_EQ(0, uc.args[2]);				/* RCX */
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- memset_io: REP STOSB and REP STOSQ --------------------------------- */

#define SET_BYTES	5000
#define SET_GPA		(MMIO_GPA + 3)

GUEST_LABEL(guest_stosb_insn);
GUEST_ASM(guest_stosb_memset_io,
	  "movl $" hyv_str(SET_GPA) ", %edi\n"
	  "movl $" hyv_str(SET_BYTES) ", %ecx\n"
	  "movl $0x115a, %eax\n"
	  "cld\n"
	  "guest_stosb_insn:\n"
	  "rep stosb\n"
	  REPORT_REGS);

TEST(rep_stosb_memset_io_pattern_is_seen_byte_exact)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_stosb_memset_io);
	struct hyv_run *run = vcpu->run;
	static u8 seen_data[SET_BYTES + 16];
	struct mmio_seen seen;
	struct hyv_ucall uc;
	struct hyv_regs regs;
	u64 i, bad = 0;

	/* The first batch leaves the host: RIP still on the REP, RCX part done. */
	ASSERT_EQ(HYV_EXIT_MMIO, hyv_vcpu_run(vcpu));
	ASSERT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(SET_GPA, run->mmio.phys_addr);
	EXPECT_EQ(0x1000 - 3, run->mmio.count);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ((u64)guest_stosb_insn, regs.rip);
	EXPECT_EQ(SET_BYTES - run->mmio.count, regs.rcx);
	EXPECT_EQ(SET_GPA + run->mmio.count, regs.rdi);
	for (i = 0; i < run->mmio.count; i++)
		bad += mmio_data(vcpu)[i] != 0x5a;

	ASSERT_EQ(UCALL_SYNC, run_string_mmio(_metadata, vcpu,
					      0x1000 + MMIO_GPA, 1, true,
					      seen_data, sizeof(seen_data),
					      &seen, &uc));
	for (i = 0; i < seen.elems; i++)
		bad += seen_data[i] != 0x5a;
	EXPECT_EQ(SET_BYTES - (0x1000 - 3), seen.elems);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, seen.bad_addr);
	EXPECT_EQ(1, seen.exits);
	EXPECT_EQ(SET_GPA + SET_BYTES, uc.args[0]);
	EXPECT_EQ(0, uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

#define SETQ_QWORDS	600
#define SETQ_VALUE	0x0123456789abcdef

GUEST_ASM(guest_stosq_memset_io,
	  "movl $" hyv_str(MMIO_GPA) ", %edi\n"
	  "movl $" hyv_str(SETQ_QWORDS) ", %ecx\n"
	  "movabsq $" hyv_str(SETQ_VALUE) ", %rax\n"
	  "cld\n"
	  "rep stosq\n"
	  REPORT_REGS);

TEST(rep_stosq_to_mmio_stores_rax_in_every_qword)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_stosq_memset_io);
	static u64 seen_data[SETQ_QWORDS];
	struct mmio_seen seen;
	struct hyv_ucall uc;
	u64 i, bad = 0;

	ASSERT_EQ(UCALL_SYNC, run_string_mmio(_metadata, vcpu, MMIO_GPA, 8,
					      true, (u8 *)seen_data,
					      sizeof(seen_data), &seen, &uc));
	for (i = 0; i < SETQ_QWORDS; i++)
		bad += seen_data[i] != SETQ_VALUE;
	EXPECT_EQ(SETQ_QWORDS, seen.elems);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(2, seen.exits);	/* 4800 bytes: two pages */
	EXPECT_EQ(MMIO_GPA + SETQ_QWORDS * 8, uc.args[0]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- memcpy_fromio: REP MOVSL, MMIO to RAM ------------------------------ */

#define FROMIO_DWORDS	3000
#define FROMIO_GPA	(MMIO_GPA + 0x20)

GUEST_ASM(guest_movsl_fromio,
	  "movl $" hyv_str(FROMIO_GPA) ", %esi\n"
	  "movl $" hyv_str(BUF_GPA) ", %edi\n"
	  "movl $" hyv_str(FROMIO_DWORDS) ", %ecx\n"
	  "cld\n"
	  "rep movsl\n"
	  REPORT_REGS);

TEST(rep_movsl_from_mmio_reads_the_vmms_data_into_guest_ram)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_movsl_fromio);
	u32 *ram = hyv_vm_gpa_to_hva(vcpu->vm, BUF_GPA);
	static u32 device[FROMIO_DWORDS];
	struct mmio_seen seen;
	struct hyv_ucall uc;
	u64 i, bad = 0;

	for (i = 0; i < FROMIO_DWORDS; i++)
		device[i] = dword_pattern(i) ^ 0xd0d0d0d0;
	ASSERT_EQ(UCALL_SYNC, run_string_mmio(_metadata, vcpu, FROMIO_GPA, 4,
					      false, (u8 *)device,
					      sizeof(device), &seen, &uc));
	for (i = 0; i < FROMIO_DWORDS; i++)
		bad += ram[i] != device[i];
	EXPECT_EQ(FROMIO_DWORDS, seen.elems);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, ram[FROMIO_DWORDS]);	/* nothing past the count */
	EXPECT_EQ(0, seen.bad_addr);
	EXPECT_EQ(3, seen.exits);
	EXPECT_EQ(BUF_GPA + FROMIO_DWORDS * 4, uc.args[0]);	/* RDI */
	EXPECT_EQ(FROMIO_GPA + FROMIO_DWORDS * 4, uc.args[1]);	/* RSI */
	EXPECT_EQ(0, uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- MMIO to MMIO: a read exit, then a write exit of the same bytes ---- */

#define M2M_BYTES	100

GUEST_ASM(guest_movsb_mmio_to_mmio,
	  "movl $" hyv_str(MMIO_GPA) ", %esi\n"
	  "movl $" hyv_str(MMIO_B_GPA) ", %edi\n"
	  "movl $" hyv_str(M2M_BYTES) ", %ecx\n"
	  "cld\n"
	  "rep movsb\n"
	  REPORT_REGS);

TEST(movsb_from_mmio_to_mmio_is_a_read_then_a_write_of_the_same_bytes)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_movsb_mmio_to_mmio);
	struct hyv_run *run = vcpu->run;
	struct hyv_ucall uc;
	u8 *data;
	u32 i, bad = 0;

	ASSERT_EQ(HYV_EXIT_MMIO, hyv_vcpu_run(vcpu));
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.len);
	ASSERT_EQ(M2M_BYTES, run->mmio.count);
	data = (u8 *)run + run->mmio.data_offset;
	for (i = 0; i < M2M_BYTES; i++)
		data[i] = 0x80 + i;

	ASSERT_EQ(HYV_EXIT_MMIO, hyv_vcpu_run(vcpu));
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(MMIO_B_GPA, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.len);
	ASSERT_EQ(M2M_BYTES, run->mmio.count);
	data = (u8 *)run + run->mmio.data_offset;
	for (i = 0; i < M2M_BYTES; i++)
		bad += data[i] != (u8)(0x80 + i);
	EXPECT_EQ(0, bad);

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(MMIO_B_GPA + M2M_BYTES, uc.args[0]);
	EXPECT_EQ(MMIO_GPA + M2M_BYTES, uc.args[1]);
	EXPECT_EQ(0, uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- DF=1: downwards, one element an exit -------------------------------- */

GUEST_ASM(guest_std_movsl_toio,
	  "movl $" hyv_str(BUF_GPA) " + 12, %esi\n"
	  "movl $" hyv_str(MMIO_GPA) " + 12, %edi\n"
	  "movl $4, %ecx\n"
	  "std\n"
	  "rep movsl\n"
	  "cld\n"
	  REPORT_REGS);

TEST(rep_movsl_to_mmio_with_df_set_goes_downwards)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_std_movsl_toio);
	u32 *ram = hyv_vm_gpa_to_hva(vcpu->vm, BUF_GPA);
	struct hyv_run *run = vcpu->run;
	struct hyv_ucall uc;
	u32 n;

	for (n = 0; n < 4; n++)
		ram[n] = 0x10 + n;
	for (n = 0; n < 4; n++) {
		ASSERT_EQ(HYV_EXIT_MMIO, hyv_vcpu_run(vcpu));
		EXPECT_EQ(1, run->mmio.is_write);
		EXPECT_EQ(1, run->mmio.count);
		EXPECT_EQ(MMIO_GPA + 12 - 4 * n, run->mmio.phys_addr);
		EXPECT_EQ(0x13 - n, *(const u32 *)mmio_data(vcpu));
	}
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(MMIO_GPA - 4, uc.args[0]);
	EXPECT_EQ(BUF_GPA - 4, uc.args[1]);
	EXPECT_EQ(0, uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- A fault on the RAM side is the guest's ----------------------------- */

static void guest_movs_fromio_to_unmapped(void)
{
	u64 vector, err, dst = UNMAPPED_GVA, src = MMIO_GPA, cnt = 8;

	asm volatile(GUEST_ASM_SAFE("rep movsb")
		     "mov %%r9, %[vec]\n\tmov %%r11, %[err]"
		     : [vec] "=r"(vector), [err] "=r"(err), "+D"(dst),
		       "+S"(src), "+c"(cnt)
		     : : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(vector, err, dst, cnt);
}

TEST(movs_from_mmio_to_an_unmapped_address_gives_the_guest_its_page_fault)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_movs_fromio_to_unmapped);
	struct hyv_sregs sregs;
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(VEC_PF, uc.args[0]);
	EXPECT_EQ(2, uc.args[1] & 3);		/* a write, not present */
	EXPECT_EQ(UNMAPPED_GVA, uc.args[2]);	/* RDI unmoved */
	EXPECT_EQ(8, uc.args[3]);		/* RCX unmoved */
	hyv_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(UNMAPPED_GVA, sregs.cr2);
	hyv_vm_free_with_vcpu(vcpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The state Linux's 64-bit boot protocol asks for at startup_64
 * (Documentation/x86/boot.rst, "64-bit Boot Protocol"): long mode with
 * paging, an identity mapping of what the kernel touches (we map the
 * whole first 4 GiB with 2 MiB pages), a GDT with flat __BOOT_CS (0x10)
 * and __BOOT_DS (0x18), interrupts off, RSI = the zero page.
 */
#include <string.h>

#include <hyv/layout.h>
#include "boot.h"

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_PS		BIT_ULL(7)

#define BOOT_SEL_CS	0x10
#define BOOT_SEL_DS	0x18
#define BOOT_SEL_TSS	0x20

#define CR0_PE		BIT_ULL(0)
#define CR0_MP		BIT_ULL(1)
#define CR0_ET		BIT_ULL(4)
#define CR0_NE		BIT_ULL(5)
#define CR0_PG		BIT_ULL(31)
#define CR4_PAE		BIT_ULL(5)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)

void longmode_build_tables(struct guest_mem *mem)
{
	u64 *pml4 = guest_mem_ptr(mem, HYV_LAYOUT_PML4, SZ_4K);
	u64 *pdpt = guest_mem_ptr(mem, HYV_LAYOUT_PDPT, SZ_4K);
	u64 *pd = guest_mem_ptr(mem, HYV_LAYOUT_PD, HYV_LAYOUT_PD_PAGES * SZ_4K);
	u64 *gdt = guest_mem_ptr(mem, HYV_LAYOUT_GDT, SZ_4K);
	unsigned int i;

	memset(pml4, 0, SZ_4K);
	memset(pdpt, 0, SZ_4K);
	pml4[0] = HYV_LAYOUT_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < HYV_LAYOUT_PD_PAGES; i++)
		pdpt[i] = (HYV_LAYOUT_PD + i * SZ_4K) | PTE_P | PTE_RW;
	for (i = 0; i < HYV_LAYOUT_PD_PAGES * 512; i++)
		pd[i] = i * SZ_2M | PTE_P | PTE_RW | PTE_PS;

	memset(gdt, 0, SZ_4K);
	gdt[BOOT_SEL_CS >> 3] = 0x00af9b000000ffffULL;	/* 64-bit code, DPL 0 */
	gdt[BOOT_SEL_DS >> 3] = 0x00cf93000000ffffULL;	/* flat data */
	/* a busy 64-bit TSS: VMX refuses entry with TR unusable */
	gdt[BOOT_SEL_TSS >> 3] = 0x67 | HYV_LAYOUT_TSS << 16 | 0x8bULL << 40;
}

static void flat(struct hyv_segment *s, u16 sel, u8 type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

void longmode_boot_sregs(struct hyv_sregs *sregs)
{
	flat(&sregs->cs, BOOT_SEL_CS, 0xb, true);
	flat(&sregs->ds, BOOT_SEL_DS, 0x3, false);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->ss = sregs->ds;
	memset(&sregs->tr, 0, sizeof(sregs->tr));
	sregs->tr.base = HYV_LAYOUT_TSS;
	sregs->tr.limit = 0x67;
	sregs->tr.selector = BOOT_SEL_TSS;
	sregs->tr.type = 0xb;
	sregs->tr.present = 1;
	memset(&sregs->ldt, 0, sizeof(sregs->ldt));
	sregs->ldt.unusable = 1;
	memset(&sregs->gdt, 0, sizeof(sregs->gdt));
	sregs->gdt.base = HYV_LAYOUT_GDT;
	sregs->gdt.limit = (BOOT_SEL_TSS + 16) - 1;
	memset(&sregs->idt, 0, sizeof(sregs->idt));
	sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	sregs->cr3 = HYV_LAYOUT_PML4;
	sregs->cr4 = CR4_PAE;
	sregs->efer = EFER_LME | EFER_LMA;
}

void longmode_boot_regs(struct hyv_regs *regs, const struct boot_info *info)
{
	memset(regs, 0, sizeof(*regs));
	regs->rip = info->entry;
	regs->rsi = info->zero_page;
	regs->rsp = HYV_LAYOUT_BOOT_STACK;
	regs->rflags = 0x2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * x86 side of the selftest library: the guest's 4-level page tables, GDT,
 * TSS and IDT in guest memory, 64-bit mode through SET_SREGS, and the
 * guest's exception stubs that report a fault to the host as a ucall.
 */
#include <cpuid.h>
#include <string.h>

#include "hyv_util.h"

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

#define X86_CR0_PE	BIT_ULL(0)
#define X86_CR0_MP	BIT_ULL(1)
#define X86_CR0_ET	BIT_ULL(4)
#define X86_CR0_NE	BIT_ULL(5)
#define X86_CR0_WP	BIT_ULL(16)
#define X86_CR0_PG	BIT_ULL(31)
#define X86_CR4_PAE	BIT_ULL(5)
#define X86_CR4_OSFXSR	BIT_ULL(9)
#define X86_CR4_OSXMMEXCPT BIT_ULL(10)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)

#define NR_EXC_VECTORS	32
#define EXC_STUB_SIZE	16

bool hyv_guest_use_vmmcall;

/*
 * The guest learns which hypercall instruction to use from this global,
 * set before any VM exists so that every guest image carries it. AMD and
 * Hygon have VMMCALL; Intel (and the other VMX vendors) VMCALL.
 */
static void __attribute__((constructor)) hyv_detect_vendor(void)
{
	u32 a, b, c, d;

	__cpuid(0, a, b, c, d);
	hyv_guest_use_vmmcall =
		(b == 0x68747541 && c == 0x444d4163 && d == 0x69746e65) ||
		(b == 0x6f677948 && c == 0x656e6975 && d == 0x6e65476e);
}

/*
 * Exception stubs, 16 bytes apart so that vector v's stub is at
 * hyv_guest_exc_stubs + 16 * v. Each pushes a dummy error code where the
 * CPU pushes none, then the vector, and jumps to the common part. Inside
 * GUEST_ASM_SAFE() (R10 holds a resume address) the common part puts the
 * vector in R9 and the error code in R11 and resumes there; otherwise it
 * reports UCALL_EXCEPTION(vector, rip, error code) and halts for good.
 */
asm(".pushsection .text\n"
	".align 16\n"
	".globl hyv_guest_exc_stubs\n"
	"hyv_guest_exc_stubs:\n"
	"vector = 0\n"
	".rept 32\n"
	".align 16\n"
    /* Vectors 8, 10-14, 17, 21, 29 and 30 push an error code. */
	".if (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30) == 0\n"
	"	pushq $0\n"
	".endif\n"
	"	pushq $vector\n"
	"	jmp hyv_guest_exc_common\n"
	"vector = vector + 1\n"
	".endr\n"
	"hyv_guest_exc_common:\n"
	"	testq %r10, %r10\n"
	"	jz 3f\n"
	"	popq %r9\n"
	"	popq %r11\n"
	"	movq %r10, (%rsp)\n"
	"	iretq\n"
	"3:	popq %rdi\n"
	"	popq %rdx\n"
	"	movq (%rsp), %rsi\n"
	"	movl $" hyv_str(UCALL_EXCEPTION) ", %eax\n"
	"	outl %eax, $" hyv_str(HYV_UCALL_PORT) "\n"
	"1:	hlt\n"
	"	jmp 1b\n"
    /* Where a guest function returns to: UCALL_DONE with its result. */
	".globl hyv_guest_return\n"
	"hyv_guest_return:\n"
	"	movq %rax, %rdi\n"
	"	movl $" hyv_str(UCALL_DONE) ", %eax\n"
	"	outl %eax, $" hyv_str(HYV_UCALL_PORT) "\n"
	"2:	hlt\n"
	"	jmp 2b\n"
	".popsection\n");

static u64 *gpa_ptr(struct hyv_vm *vm, u64 gpa)
{
	return hyv_vm_gpa_to_hva(vm, gpa);
}

static u64 pt_alloc(struct hyv_vm *vm)
{
	u64 gpa = vm->pt_next;

	HYV_ASSERT(gpa < HYV_PT_POOL_END, "page-table pool exhausted");
	vm->pt_next += SZ_4K;
	memset(gpa_ptr(vm, gpa), 0, SZ_4K);
	return gpa;
}

/* The entry at 'level' (4: PML4 ... 2: PD) for gva, allocating below. */
static u64 *pt_walk(struct hyv_vm *vm, u64 gva, int level)
{
	u64 table = HYV_PT_POOL_GPA;	/* the PML4 is the pool's first page */
	int l;

	for (l = 4; ; l--) {
		u64 *pte = gpa_ptr(vm, table) + ((gva >> (12 + 9 * (l - 1))) & 511);

		if (l == level)
			return pte;
		if (!(*pte & PTE_P))
			*pte = pt_alloc(vm) | PTE_P | PTE_RW | PTE_US;
		HYV_ASSERT(!(*pte & PTE_PS), "gva %#llx already has a large page", gva);
		table = *pte & PTE_ADDR_MASK;
	}
}

/*
 * Map [gva, gva + size) to [gpa, ...) with 2 MiB pages, read-write, user
 * accessible too (CR4.SMEP/SMAP are off: CPL 0 is not hindered by that).
 */
void hyv_vm_map(struct hyv_vm *vm, u64 gva, u64 gpa, u64 size)
{
	u64 off;

	HYV_ASSERT(!(gva % SZ_2M) && !(gpa % SZ_2M) && !(size % SZ_2M),
		   "gva %#llx gpa %#llx size %#llx", gva, gpa, size);
	for (off = 0; off < size; off += SZ_2M)
		*pt_walk(vm, gva + off, 2) = (gpa + off) | PTE_P | PTE_RW |
					     PTE_US | PTE_PS;
}

/* Point IDT gate @vector at @handler: a 64-bit interrupt gate, DPL 0. */
void hyv_vm_set_idt_gate(struct hyv_vm *vm, int vector, const void *handler)
{
	u64 *idt = gpa_ptr(vm, HYV_IDT_GPA), h = (u64)handler;

	idt[2 * vector] = (h & 0xffff) | ((u64)HYV_SEL_CODE64 << 16) |
			  (0x8eULL << 40) |	/* present, DPL 0, type 0xe */
			  ((h >> 16 & 0xffff) << 48);
	idt[2 * vector + 1] = h >> 32;
}

/* Page tables, GDT, TSS and IDT: everything the vCPUs of this VM share. */
void hyv_vm_setup_x86(struct hyv_vm *vm)
{
	u64 *gdt = gpa_ptr(vm, HYV_GDT_GPA);
	u64 tss = HYV_TSS_GPA;
	int v;

	vm->pt_next = HYV_PT_POOL_GPA;
	pt_alloc(vm);			/* the PML4 */
	hyv_vm_map(vm, 0, 0, HYV_IDENTITY_MAP_END);

	gdt[0] = 0;
	gdt[HYV_SEL_CODE64 >> 3] = 0x00af9b000000ffffULL;	/* L, P, type 0xb */
	gdt[HYV_SEL_DATA >> 3]	 = 0x00cf93000000ffffULL;	/* D/B, P, type 0x3 */
	/* 64-bit busy TSS, 16 bytes (AMD APM vol. 2 §4.8.3). */
	gdt[HYV_SEL_TSS >> 3] = 0x67 | (tss & 0xffffff) << 16 |
				0x8bULL << 40 | (tss >> 24 & 0xff) << 56;
	gdt[(HYV_SEL_TSS >> 3) + 1] = tss >> 32;
	gdt[HYV_SEL_USER_CODE64 >> 3] = 0x00affb000000ffffULL;	/* DPL 3 */
	gdt[HYV_SEL_USER_DATA >> 3]   = 0x00cff3000000ffffULL;	/* DPL 3 */

	/* RSP0: the stack an exception or interrupt from CPL 3 switches to. */
	memcpy(gpa_ptr(vm, tss + 4), &(u64){ HYV_EXC_STACK_TOP }, 8);

	for (v = 0; v < NR_EXC_VECTORS; v++)
		hyv_vm_set_idt_gate(vm, v, (const u8 *)hyv_guest_exc_stubs +
					v * EXC_STUB_SIZE);
}

static void set_seg(struct hyv_segment *seg, u16 sel, u8 type, bool code)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->selector = sel;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->l = code;
	seg->db = !code;
	seg->g = 1;
}

/* Put the vCPU in 64-bit mode (CPL 0, paging on) on the library's tables. */
void hyv_vcpu_setup_long_mode(struct hyv_vcpu *vcpu)
{
	struct hyv_sregs sregs;

	hyv_vcpu_get_sregs(vcpu, &sregs);

	set_seg(&sregs.cs, HYV_SEL_CODE64, 0xb, true);
	set_seg(&sregs.ds, HYV_SEL_DATA, 0x3, false);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;

	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = HYV_TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.selector = HYV_SEL_TSS;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;

	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 0x2;
	sregs.ldt.unusable = 1;

	memset(&sregs.gdt, 0, sizeof(sregs.gdt));
	sregs.gdt.base = HYV_GDT_GPA;
	sregs.gdt.limit = HYV_GDT_ENTRIES * 8 - 1;
	memset(&sregs.idt, 0, sizeof(sregs.idt));
	sregs.idt.base = HYV_IDT_GPA;
	sregs.idt.limit = NR_EXC_VECTORS * 16 - 1;

	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		    X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = HYV_PT_POOL_GPA;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;

	hyv_vcpu_set_sregs(vcpu, &sregs);
}

/* Stack top for vCPU id, below the previous ones, at the top of slot 0. */
u64 hyv_vcpu_stack_top(struct hyv_vcpu *vcpu)
{
	return vcpu->vm->mem_size - vcpu->id * HYV_STACK_SIZE;
}

/*
 * Entry at guest_code with a stack whose return address is
 * hyv_guest_return, so a guest function that returns reports UCALL_DONE.
 */
void hyv_vcpu_set_entry(struct hyv_vcpu *vcpu, void *guest_code)
{
	struct hyv_regs regs;
	u64 rsp = hyv_vcpu_stack_top(vcpu) - 8;

	*gpa_ptr(vcpu->vm, rsp) = (u64)hyv_guest_return;

	memset(&regs, 0, sizeof(regs));
	regs.rip = (u64)guest_code;
	regs.rsp = rsp;		/* RSP + 8 16-byte aligned, as after a call */
	regs.rflags = 0x2;
	hyv_vcpu_set_regs(vcpu, &regs);
}

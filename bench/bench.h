/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv benchmarks: what the guest-code library (guest.S), the shared driver
 * (driver.c) and the two thin front ends (hyv.c for /dev/hyv, kvm.c for
 * /dev/kvm) have in common.
 *
 * The same guest code runs under both hypervisors: each workload is one
 * 64-bit function in guest.S, copied into guest memory at BENCH_CODE_GPA
 * and entered with its iteration count in RDI. It brackets the measured
 * loop with two "mark" OUTs (BENCH_MARK_START / BENCH_MARK_STOP to
 * BENCH_MARK_PORT); the front end reads the clock and the exit counters at
 * those two exits, so page-ins of the code and the stack, and VM setup,
 * are outside every figure. A workload ends with HLT.
 *
 * Guest-physical layout (slot 0 is BENCH_MEM0_SIZE at 0, identity-mapped
 * 0 .. 1 GiB with 2 MiB pages): the boot structures at the addresses of
 * vmm/include/hyv/layout.h (GDT, TSS, PML4, PDPT, one PD), the guest
 * code at HYV_LAYOUT_FREE, the stack at the top of slot 0, and
 *   BENCH_REGION_GPA        slot 1, the memory-touch region (own mmap)
 *   BENCH_MMIO_GPA          no slot: every access is MMIO
 */
#ifndef BENCH_H
#define BENCH_H

#include <hyv/layout.h>

#define BENCH_MARK_PORT		0xe0	/* OUT: AL = BENCH_MARK_* */
#define BENCH_PIO_PORT		0xe1	/* the port I/O workload's port */
#define BENCH_MARK_START	1
#define BENCH_MARK_STOP		2
#define BENCH_MARK_FAIL		3	/* guest-side check failed: RBX, RCX */

#define BENCH_GDT_GPA		HYV_LAYOUT_GDT
#define BENCH_PML4_GPA		HYV_LAYOUT_PML4
#define BENCH_PDPT_GPA		HYV_LAYOUT_PDPT
#define BENCH_PD_GPA		HYV_LAYOUT_PD
#define BENCH_TSS_GPA		HYV_LAYOUT_TSS
#define BENCH_CODE_GPA		HYV_LAYOUT_FREE
#define BENCH_MEM0_SIZE		0x200000	/* 2 MiB; the stack ends here */
#define BENCH_REGION_GPA	0x10000000	/* 256 MiB */
#define BENCH_REGION_SIZE	(64ULL << 20)
#define BENCH_MMIO_GPA		0x30000000	/* 768 MiB, outside every slot */

#define BENCH_MSR_EMULATED	0x1a0		/* IA32_MISC_ENABLE */
#define BENCH_MSR_PASSTHROUGH	0xc0000102	/* KERNEL_GS_BASE */
#define BENCH_OUTSB_BYTES	0x1000		/* 4 KiB a REP OUTSB */

#define BENCH_SEL_CODE		0x08
#define BENCH_SEL_DATA		0x10
#define BENCH_SEL_TSS		0x18

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <hyv/user_types.h>	/* u8..u64, ARRAY_SIZE() */

/* guest.S: the library's bytes and its entry points, all inside them. */
extern const u8 bench_guest_start[], bench_guest_end[];
extern const u8 bench_guest_loop[], bench_guest_cpuid[];
extern const u8 bench_guest_hypercall[], bench_guest_pio[];
extern const u8 bench_guest_mmio[], bench_guest_touch[];
extern const u8 bench_guest_rdmsr[], bench_guest_wrmsr[];
extern const u8 bench_guest_outsb[];
extern const u8 bench_guest_mmio_insn[], bench_guest_mmio_insn_end[];

/* An exit as the driver sees it, whichever hypervisor reported it. */
enum bench_exit_kind {
	BENCH_EXIT_IO,
	BENCH_EXIT_MMIO,
	BENCH_EXIT_HLT,
	BENCH_EXIT_OTHER,
};

struct bench_exit {
	enum bench_exit_kind kind;
	u16 port;		/* IO */
	bool out;		/* IO: OUT; MMIO: write */
	u32 data;		/* IO OUT: the value */
	u32 count;		/* IO: elements (string I/O), else 1 */
	u64 addr;		/* MMIO */
	u32 raw;		/* the hypervisor's own exit reason */
};

/* Named exit counters, as the hypervisor keeps them. */
#define BENCH_MAX_STATS		16
struct bench_stats {
	int n;
	const char *name[BENCH_MAX_STATS];
	u64 val[BENCH_MAX_STATS];
};

/* Long-mode register state, the same for both front ends. */
struct bench_cpu {
	u64 cr0, cr3, cr4, efer;
	u64 gdt_base;
	u16 gdt_limit;
	u64 tss_base;
	u64 rip, rsp, rflags;
	u64 rdi, rsi, rdx;
};

/*
 * KVM's and hyv's register structs use the same field names, so one pair
 * of macros fills either from a bench_cpu: a flat 64-bit code segment,
 * flat data segments, the TSS, GDT, control registers and entry state.
 */
#define BENCH_FLAT_SEG(seg, sel, typ, code)				\
	do {								\
		memset(&(seg), 0, sizeof(seg));				\
		(seg).limit = 0xffffffff;				\
		(seg).selector = (sel);					\
		(seg).type = (typ);					\
		(seg).present = 1;					\
		(seg).s = 1;						\
		(seg).l = (code);					\
		(seg).db = !(code);					\
		(seg).g = 1;						\
	} while (0)

#define BENCH_FILL_SREGS(sregs, cpu)					\
	do {								\
		BENCH_FLAT_SEG((sregs).cs, BENCH_SEL_CODE, 0xb, true);	\
		BENCH_FLAT_SEG((sregs).ds, BENCH_SEL_DATA, 0x3, false);	\
		(sregs).es = (sregs).fs = (sregs).gs = (sregs).ss = (sregs).ds; \
		memset(&(sregs).tr, 0, sizeof((sregs).tr));		\
		(sregs).tr.base = (cpu)->tss_base;			\
		(sregs).tr.limit = 0x67;				\
		(sregs).tr.selector = BENCH_SEL_TSS;			\
		(sregs).tr.type = 0xb;					\
		(sregs).tr.present = 1;					\
		(sregs).gdt.base = (cpu)->gdt_base;			\
		(sregs).gdt.limit = (cpu)->gdt_limit;			\
		(sregs).cr0 = (cpu)->cr0;				\
		(sregs).cr3 = (cpu)->cr3;				\
		(sregs).cr4 = (cpu)->cr4;				\
		(sregs).efer = (cpu)->efer;				\
	} while (0)

#define BENCH_FILL_REGS(regs, cpu)					\
	do {								\
		memset(&(regs), 0, sizeof(regs));			\
		(regs).rip = (cpu)->rip;				\
		(regs).rsp = (cpu)->rsp;				\
		(regs).rflags = (cpu)->rflags;				\
		(regs).rdi = (cpu)->rdi;				\
		(regs).rsi = (cpu)->rsi;				\
		(regs).rdx = (cpu)->rdx;				\
	} while (0)

/*
 * One front end: a thin layer over one hypervisor's ioctls. Every
 * function returns 0 or -errno; vm_create allocates *ctx.
 */
struct bench_backend {
	const char *name;		/* "hyv", "kvm": the side in the rows */
	int (*vm_create)(void **ctx);
	int (*set_slot)(void *ctx, u32 slot, u64 gpa, u64 size, void *hva);
	int (*vcpu_create)(void *ctx, const struct bench_cpu *cpu);
	int (*run)(void *ctx, struct bench_exit *exit);
	/* After an MMIO write exit: make the guest go on past insn_len bytes. */
	int (*mmio_done)(void *ctx, u32 insn_len);
	int (*stats)(void *ctx, struct bench_stats *st);
	/* Take the closing STOP mark's exit back out of a delta. */
	void (*discount_mark)(struct bench_stats *delta);
	void (*vm_destroy)(void *ctx);
	/*
	 * The hypercall the guest makes and the RAX it must get back: 1 means
	 * "RBX unchanged" (an echo), anything else that exact value.
	 */
	u64 hypercall_nr;
	u64 hypercall_expect;
};

int bench_main(const struct bench_backend *be, int argc, char **argv);
#endif /* __ASSEMBLER__ */
#endif /* BENCH_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv benchmarks: the driver both front ends share. It builds the guest
 * (page tables, GDT, the guest-code library) in fresh VMM memory, creates
 * one VM per workload and run, runs the vCPU to the workload's marks and
 * prints one line per measured phase:
 *
 *   row NAME SIDE NS_PER_OP OPS [COUNTER=PER_OP]...
 *
 * NS_PER_OP is CLOCK_MONOTONIC time between the START and STOP marks over
 * OPS; the counters are the hypervisor's exit counters over the same
 * span, per operation (the STOP mark's own exit taken back out). The
 * iteration counts are fixed here and the same for every front end.
 *
 *   <front end> [-s PERCENT] all | WORKLOAD...
 *   <front end> -l          list the workloads
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)
#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define SZ_2M		0x200000ULL
#define SZ_4K		0x1000ULL

enum region_kind {
	REGION_NONE,
	REGION_4K,	/* MADV_NOHUGEPAGE: the host backs it with 4 KiB pages */
	REGION_THP,	/* MADV_HUGEPAGE: 2 MiB pages where the host can */
};

struct workload {
	const char *name;
	const u8 *entry;
	u64 iters;
	enum region_kind region;
	int nphases;
	const char *phase[2];	/* row names, one per START/STOP pair */
	enum bench_exit_kind per_iter_exit;	/* OTHER: none expected */
	u64 elems;		/* accesses per iteration in those exits */
};

/* Same counts for every front end; -s scales them for a quick try. */
static const struct workload workloads[] = {
	{ "loop", bench_guest_loop, 20000000, REGION_NONE, 1,
	  { "loop" }, BENCH_EXIT_OTHER, 1 },
	{ "cpuid", bench_guest_cpuid, 20000, REGION_NONE, 1,
	  { "cpuid" }, BENCH_EXIT_OTHER, 1 },
	{ "hypercall", bench_guest_hypercall, 20000, REGION_NONE, 1,
	  { "hypercall" }, BENCH_EXIT_OTHER, 1 },
	{ "pio", bench_guest_pio, 10000, REGION_NONE, 1,
	  { "pio" }, BENCH_EXIT_IO, 1 },
	{ "mmio", bench_guest_mmio, 5000, REGION_NONE, 1,
	  { "mmio" }, BENCH_EXIT_MMIO, 1 },
	{ "msr-read", bench_guest_rdmsr, 20000, REGION_NONE, 1,
	  { "rdmsr-emulated" }, BENCH_EXIT_OTHER, 1 },
	{ "msr-write", bench_guest_wrmsr, 20000, REGION_NONE, 1,
	  { "wrmsr-passthrough" }, BENCH_EXIT_OTHER, 1 },
	/* KVM takes an exit per byte here: keep its run short. */
	{ "outsb", bench_guest_outsb, 16, REGION_4K, 1,
	  { "rep-outsb-4k" }, BENCH_EXIT_IO, BENCH_OUTSB_BYTES },
	{ "touch", bench_guest_touch, BENCH_REGION_SIZE / SZ_4K, REGION_4K, 2,
	  { "touch-first", "touch-second" }, BENCH_EXIT_OTHER, 1 },
	{ "touch-thp", bench_guest_touch, BENCH_REGION_SIZE / SZ_4K, REGION_THP, 2,
	  { "touch-first-thp", "touch-second-thp" }, BENCH_EXIT_OTHER, 1 },
};

#define NR_WORKLOADS	ARRAY_SIZE(workloads)

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Anonymous VMM memory, 2 MiB aligned: a hypervisor can map a host huge
 * page as one 2 MiB nested page only where guest-physical and host-virtual
 * addresses agree modulo 2 MiB, and every slot here starts 2 MiB aligned.
 */
static void *map_anon(u64 size, int advice)
{
	u8 *p = mmap(NULL, size + SZ_2M, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	u64 head;

	if (p == MAP_FAILED)
		return NULL;
	head = -(unsigned long)p & (SZ_2M - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + size, SZ_2M - head);
	p += head;
	if (advice >= 0 && madvise(p, size, advice)) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* Page tables, GDT and the guest code in slot 0; the vCPU's state. */
static void build_guest(u8 *mem, struct bench_cpu *cpu)
{
	u64 *pml4 = (u64 *)(mem + BENCH_PML4_GPA);
	u64 *pdpt = (u64 *)(mem + BENCH_PDPT_GPA);
	u64 *pd = (u64 *)(mem + BENCH_PD_GPA);
	u64 *gdt = (u64 *)(mem + BENCH_GDT_GPA);
	size_t code_len = bench_guest_end - bench_guest_start;
	int i;

	pml4[0] = BENCH_PDPT_GPA | PTE_P | PTE_RW;
	pdpt[0] = BENCH_PD_GPA | PTE_P | PTE_RW;
	for (i = 0; i < 512; i++)
		pd[i] = i * SZ_2M | PTE_P | PTE_RW | PTE_PS;

	gdt[0] = 0;
	gdt[BENCH_SEL_CODE >> 3] = 0x00af9b000000ffffULL;	/* 64-bit code */
	gdt[BENCH_SEL_DATA >> 3] = 0x00cf93000000ffffULL;	/* data */
	gdt[BENCH_SEL_TSS >> 3] = 0x67 | (u64)BENCH_TSS_GPA << 16 | 0x8bULL << 40;
	gdt[(BENCH_SEL_TSS >> 3) + 1] = 0;

	memcpy(mem + BENCH_CODE_GPA, bench_guest_start, code_len);

	memset(cpu, 0, sizeof(*cpu));
	cpu->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	cpu->cr3 = BENCH_PML4_GPA;
	cpu->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	cpu->efer = EFER_LME | EFER_LMA;
	cpu->gdt_base = BENCH_GDT_GPA;
	cpu->gdt_limit = 4 * 8 - 1;
	cpu->tss_base = BENCH_TSS_GPA;
	cpu->rsp = BENCH_MEM0_SIZE;
	cpu->rflags = 0x2;
}

static u64 guest_addr(const u8 *sym)
{
	return BENCH_CODE_GPA + (sym - bench_guest_start);
}

static void print_row(const struct bench_backend *be, const char *name,
		      u64 ns, u64 ops, const struct bench_stats *s0,
		      const struct bench_stats *s1)
{
	struct bench_stats d = *s1;
	int i;

	for (i = 0; i < d.n; i++)
		d.val[i] -= s0->val[i];
	be->discount_mark(&d);
	printf("row %s %s %.1f %llu", name, be->name, (double)ns / ops,
	       (unsigned long long)ops);
	for (i = 0; i < d.n; i++)
		printf(" %s=%.4f", d.name[i], (double)d.val[i] / ops);
	printf("\n");
	fflush(stdout);
}

/* One workload in a VM of its own; prints its rows. Returns 0 or -1. */
static int run_workload(const struct bench_backend *be,
			const struct workload *w, unsigned int pct)
{
	u64 iters = w->iters * pct / 100 ?: 1;
	u64 mmio_len = bench_guest_mmio_insn_end - bench_guest_mmio_insn;
	struct bench_stats s0 = { 0 }, s1;
	struct bench_exit ex;
	struct bench_cpu cpu;
	u8 *mem = NULL, *region = NULL;
	void *ctx = NULL;
	int phase = 0, ret = -1, err;
	u64 t0 = 0, seen = 0;
	bool measuring = false;

	mem = map_anon(BENCH_MEM0_SIZE, MADV_NOHUGEPAGE);
	if (!mem)
		goto out;
	if (w->region != REGION_NONE) {
		region = map_anon(BENCH_REGION_SIZE, w->region == REGION_THP ?
				  MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		if (!region)
			goto out;
	}
	build_guest(mem, &cpu);
	cpu.rip = guest_addr(w->entry);
	cpu.rdi = iters;
	if (w->entry == bench_guest_hypercall) {
		cpu.rsi = be->hypercall_nr;
		cpu.rdx = be->hypercall_expect;
	} else if (w->entry == bench_guest_mmio) {
		cpu.rsi = BENCH_MMIO_GPA;
	} else if (w->entry == bench_guest_outsb) {
		cpu.rsi = BENCH_REGION_GPA;
		cpu.rdx = BENCH_OUTSB_BYTES;
	} else if (w->entry == bench_guest_touch) {
		cpu.rsi = BENCH_REGION_GPA;
		cpu.rdx = SZ_4K;
	}

	err = be->vm_create(&ctx);
	if (!err)
		err = be->set_slot(ctx, 0, 0, BENCH_MEM0_SIZE, mem);
	if (!err && region)
		err = be->set_slot(ctx, 1, BENCH_REGION_GPA, BENCH_REGION_SIZE,
				   region);
	if (!err)
		err = be->vcpu_create(ctx, &cpu);
	if (err) {
		fprintf(stderr, "%s: %s: setting up the VM: %s\n", be->name,
			w->name, strerror(-err));
		goto out;
	}

	for (;;) {
		err = be->run(ctx, &ex);
		if (err) {
			fprintf(stderr, "%s: %s: run: %s\n", be->name, w->name,
				strerror(-err));
			goto out;
		}
		if (ex.kind == BENCH_EXIT_HLT)
			break;
		if (ex.kind == BENCH_EXIT_IO && ex.port == BENCH_MARK_PORT && ex.out) {
			u8 mark = ex.data & 0xff;

			if (mark == BENCH_MARK_START && !measuring && phase < w->nphases) {
				measuring = true;
				seen = 0;
				if (be->stats(ctx, &s0))
					goto out;
				t0 = now_ns();
				continue;
			}
			if (mark == BENCH_MARK_STOP && measuring) {
				u64 t1 = now_ns();

				if (be->stats(ctx, &s1))
					goto out;
				measuring = false;
				if (w->per_iter_exit != BENCH_EXIT_OTHER &&
				    seen != iters * w->elems) {
					fprintf(stderr, "%s: %s: %llu accesses reached the VMM, not %llu\n",
						be->name, w->name, (unsigned long long)seen,
						(unsigned long long)(iters * w->elems));
					goto out;
				}
				print_row(be, w->phase[phase++], t1 - t0, iters, &s0, &s1);
				continue;
			}
			fprintf(stderr, "%s: %s: guest mark %u (a guest-side check failed?)\n",
				be->name, w->name, mark);
			goto out;
		}
		if (ex.kind == w->per_iter_exit && ex.kind == BENCH_EXIT_IO &&
		    ex.port == BENCH_PIO_PORT && ex.out) {
			seen += measuring ? ex.count : 0;
			continue;
		}
		if (ex.kind == w->per_iter_exit && ex.kind == BENCH_EXIT_MMIO &&
		    ex.addr == BENCH_MMIO_GPA && ex.out) {
			seen += measuring;
			err = be->mmio_done(ctx, mmio_len);
			if (err)
				goto out;
			continue;
		}
		fprintf(stderr, "%s: %s: unexpected exit %u (kind %d port %#x addr %#llx)\n",
			be->name, w->name, ex.raw, ex.kind, ex.port,
			(unsigned long long)ex.addr);
		goto out;
	}
	if (phase != w->nphases) {
		fprintf(stderr, "%s: %s: guest halted after %d of %d phases\n",
			be->name, w->name, phase, w->nphases);
		goto out;
	}
	ret = 0;
out:
	if (ctx)
		be->vm_destroy(ctx);
	if (region)
		munmap(region, BENCH_REGION_SIZE);
	if (mem)
		munmap(mem, BENCH_MEM0_SIZE);
	if (ret)
		printf("fail %s %s\n", w->name, be->name);
	return ret;
}

static void usage(const char *prog)
{
	size_t i;

	fprintf(stderr, "usage: %s [-s PERCENT] all | WORKLOAD... | -l\nworkloads:", prog);
	for (i = 0; i < NR_WORKLOADS; i++)
		fprintf(stderr, " %s", workloads[i].name);
	fprintf(stderr, "\n");
}

int bench_main(const struct bench_backend *be, int argc, char **argv)
{
	unsigned int pct = 100;
	int opt, failed = 0, i;
	size_t j;

	while ((opt = getopt(argc, argv, "ls:")) != -1) {
		switch (opt) {
		case 'l':
			for (j = 0; j < NR_WORKLOADS; j++)
				printf("%s\n", workloads[j].name);
			return 0;
		case 's':
			pct = strtoul(optarg, NULL, 10);
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind >= argc || !pct) {
		usage(argv[0]);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		bool all = !strcmp(argv[i], "all"), found = false;

		for (j = 0; j < NR_WORKLOADS; j++) {
			if (!all && strcmp(argv[i], workloads[j].name))
				continue;
			found = true;
			failed |= run_workload(be, &workloads[j], pct);
		}
		if (!found) {
			usage(argv[0]);
			return 2;
		}
	}
	return failed ? 1 : 0;
}

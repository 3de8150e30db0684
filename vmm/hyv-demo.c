// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-demo: the smallest useful VMM for /dev/hyv. It starts a tiny 64-bit
 * guest that greets on the debug port 0xE9, reads hyv's CPUID signature,
 * makes the echo hypercall, computes fib(50) and halts; it prints what it
 * sees at each exit and exits 0 only if every result is the expected one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/hyv.h>
#include <linux/hyv_pv.h>
#include <hyv/layout.h>

#define CONSOLE_PORT	0xe9	/* bytes of text, Bochs/QEMU debug-port style */
#define REPORT_PORT	0xea	/* 32-bit values the guest reports, in order */

#define SZ_2M		0x200000UL
#define PML4_GPA	HYV_LAYOUT_PML4
#define PDPT_GPA	HYV_LAYOUT_PDPT
#define PD_GPA		HYV_LAYOUT_PD
#define GDT_GPA		HYV_LAYOUT_GDT
#define TSS_GPA		HYV_LAYOUT_TSS
#define CODE_GPA	HYV_LAYOUT_FREE

#define ECHO_VALUE	0x0123456789abcdefULL
#define FIB_N		50
#define FIB_RESULT	12586269025ULL
#define GREETING	"Hello from a hyv guest"

/*
 * The guest, position independent so it runs wherever it is copied.
 * Reports on REPORT_PORT: CPUID 0x40000000 EAX, then the echo hypercall's
 * result, low half and high half. The result of fib(FIB_N) is in RAX at
 * the HLT.
 */
asm(".pushsection .rodata\n"
	".globl demo_guest, demo_guest_end\n"
	"demo_guest:\n"
	"	leaq	hello(%rip), %rsi\n"
	"	call	puts\n"
	/* hyv's leaf: max leaf to the VMM, signature to the console */
	"	movl	$0x40000000, %eax\n"
	"	cpuid\n"
	"	outl	%eax, $0xea\n"
	"	movl	%ebx, sig(%rip)\n"
	"	movl	%ecx, sig+4(%rip)\n"
	"	movl	%edx, sig+8(%rip)\n"
	"	leaq	sig_line(%rip), %rsi\n"
	"	call	puts\n"
	/* echo hypercall: VMMCALL on AMD and Hygon, VMCALL elsewhere */
	"	xorl	%eax, %eax\n"
	"	cpuid\n"
	"	cmpl	$0x68747541, %ebx\n"	/* "Auth"enticAMD */
	"	je	1f\n"
	"	cmpl	$0x6f677948, %ebx\n"	/* "Hygo"nGenuine */
	"	je	1f\n"
	"	movl	$1, %eax\n"
	"	movabsq	$0x0123456789abcdef, %rbx\n"
	"	vmcall\n"
	"	jmp	2f\n"
	"1:	movl	$1, %eax\n"
	"	movabsq	$0x0123456789abcdef, %rbx\n"
	"	vmmcall\n"
	"2:	outl	%eax, $0xea\n"
	"	shrq	$32, %rax\n"
	"	outl	%eax, $0xea\n"
	/* fib(50) into RAX, then halt */
	"	xorl	%eax, %eax\n"
	"	movl	$1, %edx\n"
	"	movl	$50, %ecx\n"
	"3:	leaq	(%rax,%rdx), %r8\n"
	"	movq	%rdx, %rax\n"
	"	movq	%r8, %rdx\n"
	"	loop	3b\n"
	"4:	hlt\n"
	"	jmp	4b\n"
	/* puts(rsi): NUL-terminated string to the console port */
	"puts:	lodsb\n"
	"	testb	%al, %al\n"
	"	jz	5f\n"
	"	outb	%al, $0xe9\n"
	"	jmp	puts\n"
	"5:	ret\n"
	"hello:	.asciz \"" GREETING "\\n\"\n"
	"sig_line: .ascii \"hypervisor signature: \"\n"
	"sig:	.ascii \"????????????\\n\\0\"\n"
	"demo_guest_end:\n"
	".popsection\n");

extern const unsigned char demo_guest[], demo_guest_end[];

struct demo {
	int dev_fd, vm_fd, vcpu_fd;
	unsigned char *mem;
	size_t mem_size;
	struct hyv_run *run;
	bool verbose;
	unsigned long max_exits;

	/* what the guest did */
	unsigned long exits, io_exits;
	char console[256];
	size_t console_len;
	__u32 reports[8];
	unsigned int nr_reports;
	__u64 rax_at_hlt;
	bool halted;
};

static void die(const char *what)
{
	fprintf(stderr, "hyv-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: hyv-demo [options]\n"
		"Run a tiny 64-bit guest under /dev/hyv and check what it does.\n"
		"\n"
		"  -m, --mem=MIB        guest memory in MiB, 2..1024 (default 2)\n"
		"  -x, --max-exits=N    give up after N exits (default 10000)\n"
		"  -v, --verbose        also print each console byte's exit\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status: 0 if every check passed, 1 otherwise, 2 on bad usage.\n");
}

static bool parse_ulong(const char *s, unsigned long min, unsigned long max,
			unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return !errno && *s && !*end && *out >= min && *out <= max;
}

static void parse_args(struct demo *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem",	required_argument, NULL, 'm' },
		{ "max-exits",	required_argument, NULL, 'x' },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ }
	};
	unsigned long v;
	int c;

	d->mem_size = SZ_2M;
	d->max_exits = 10000;
	while ((c = getopt_long(argc, argv, "m:x:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!parse_ulong(optarg, 2, 1024, &v) || v % 2) {
				fprintf(stderr, "hyv-demo: --mem: even MiB, 2..1024\n");
				exit(2);
			}
			d->mem_size = v << 20;
			break;
		case 'x':
			if (!parse_ulong(optarg, 1, 1000000, &d->max_exits)) {
				fprintf(stderr, "hyv-demo: --max-exits wants 1..1000000\n");
				exit(2);
			}
			break;
		case 'v':
			d->verbose = true;
			break;
		case 'h':
			print_usage(stdout);
			exit(0);
		default:
			print_usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hyv-demo: unexpected argument '%s'\n", argv[optind]);
		print_usage(stderr);
		exit(2);
	}
}

/* A VM with all its memory at GPA 0, identity-mapped with 2 MiB pages. */
static void vm_setup(struct demo *d)
{
	struct hyv_memory_slot slot = { .slot = 0 };
	__u64 *pml4, *pdpt, *pd, *gdt;
	size_t i, code_size = demo_guest_end - demo_guest;
	int api;

	d->dev_fd = open("/dev/hyv", O_RDWR | O_CLOEXEC);
	if (d->dev_fd < 0)
		die("open /dev/hyv (is hyv.ko loaded?)");
	api = ioctl(d->dev_fd, HYV_GET_API_VERSION, 0);
	if (api != HYV_API_VERSION) {
		fprintf(stderr, "hyv-demo: API version %d, want %d\n", api,
			HYV_API_VERSION);
		exit(1);
	}
	d->vm_fd = ioctl(d->dev_fd, HYV_CREATE_VM, 0);
	if (d->vm_fd < 0)
		die("HYV_CREATE_VM");

	d->mem = mmap(NULL, d->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->mem == MAP_FAILED)
		die("mmap guest memory");
	slot.size = d->mem_size;
	slot.userspace_addr = (__u64)(unsigned long)d->mem;
	if (ioctl(d->vm_fd, HYV_SET_MEMORY_SLOT, &slot))
		die("HYV_SET_MEMORY_SLOT");

	pml4 = (__u64 *)(d->mem + PML4_GPA);
	pdpt = (__u64 *)(d->mem + PDPT_GPA);
	pd = (__u64 *)(d->mem + PD_GPA);
	pml4[0] = PDPT_GPA | 0x3;			/* present, writable */
	pdpt[0] = PD_GPA | 0x3;
	for (i = 0; i < d->mem_size / SZ_2M; i++)
		pd[i] = i * SZ_2M | 0x83;		/* ... and 2 MiB page */

	gdt = (__u64 *)(d->mem + GDT_GPA);
	gdt[1] = 0x00af9b000000ffffULL;			/* 0x08: 64-bit code */
	gdt[2] = 0x00cf93000000ffffULL;			/* 0x10: data */
	gdt[3] = 0x67 | TSS_GPA << 16 | 0x8bULL << 40;	/* 0x18: busy TSS */

	memcpy(d->mem + CODE_GPA, demo_guest, code_size);
}

static void segment(struct hyv_segment *s, __u16 sel, __u8 type, bool code)
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

/* One vCPU in 64-bit mode at CODE_GPA, stack at the top of memory. */
static void vcpu_setup(struct demo *d)
{
	struct hyv_sregs sregs;
	struct hyv_regs regs = { 0 };
	int size;

	d->vcpu_fd = ioctl(d->vm_fd, HYV_CREATE_VCPU, 0);
	if (d->vcpu_fd < 0)
		die("HYV_CREATE_VCPU");
	size = ioctl(d->dev_fd, HYV_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct hyv_run))
		die("HYV_GET_VCPU_MMAP_SIZE");
	d->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->vcpu_fd, 0);
	if (d->run == MAP_FAILED)
		die("mmap run page");

	if (ioctl(d->vcpu_fd, HYV_GET_SREGS, &sregs))
		die("HYV_GET_SREGS");
	segment(&sregs.cs, 0x08, 0xb, true);
	segment(&sregs.ds, 0x10, 0x3, false);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.selector = 0x18;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.unusable = 1;
	memset(&sregs.gdt, 0, sizeof(sregs.gdt));
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 5 * 8 - 1;
	memset(&sregs.idt, 0, sizeof(sregs.idt));	/* any fault: shutdown */
	sregs.cr0 = 0x80010033;		/* PG WP NE ET MP PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.efer = 0x500;		/* LMA LME */
	if (ioctl(d->vcpu_fd, HYV_SET_SREGS, &sregs))
		die("HYV_SET_SREGS");

	regs.rip = CODE_GPA;
	regs.rsp = d->mem_size;
	regs.rflags = 0x2;
	if (ioctl(d->vcpu_fd, HYV_SET_REGS, &regs))
		die("HYV_SET_REGS");
}

static void console_byte(struct demo *d, char c)
{
	if (d->console_len < sizeof(d->console) - 1)
		d->console[d->console_len++] = c;
	if (c == '\n') {
		const char *line = d->console + d->console_len - 1;

		while (line > d->console && line[-1] != '\n')
			line--;
		printf("guest console: %.*s",
		       (int)(d->console + d->console_len - line), line);
	}
}

static bool handle_io(struct demo *d)
{
	struct hyv_run *run = d->run;

	d->io_exits++;
	if (run->io.direction == HYV_IO_OUT && run->io.port == CONSOLE_PORT &&
	    run->io.size == 1) {
		if (d->verbose)
			printf("exit %lu: IO out port 0xe9 byte %#04x\n",
			       d->exits, run->io.data);
		console_byte(d, run->io.data);
		return true;
	}
	if (run->io.direction == HYV_IO_OUT && run->io.port == REPORT_PORT &&
	    run->io.size == 4 && d->nr_reports < 8) {
		printf("exit %lu: IO out port %#x report #%u = %#x\n", d->exits,
		       run->io.port, d->nr_reports, run->io.data);
		d->reports[d->nr_reports++] = run->io.data;
		return true;
	}
	printf("exit %lu: IO %s port %#x size %u data %#x: unexpected\n",
	       d->exits, run->io.direction == HYV_IO_OUT ? "out" : "in",
	       run->io.port, run->io.size, run->io.data);
	return false;
}

/* Run until the guest halts or something unexpected happens. */
static void run_guest(struct demo *d)
{
	struct hyv_regs regs;

	for (d->exits = 1; d->exits <= d->max_exits; d->exits++) {
		if (ioctl(d->vcpu_fd, HYV_RUN, 0))
			die("HYV_RUN");
		switch (d->run->exit_reason) {
		case HYV_EXIT_IO:
			if (!handle_io(d))
				return;
			break;
		case HYV_EXIT_HLT:
			if (ioctl(d->vcpu_fd, HYV_GET_REGS, &regs))
				die("HYV_GET_REGS");
			printf("exit %lu: HLT at rip %#llx, rax = %llu\n",
			       d->exits, regs.rip, regs.rax);
			d->rax_at_hlt = regs.rax;
			d->halted = true;
			return;
		case HYV_EXIT_MMIO:
			printf("exit %lu: MMIO %s at %#llx: unexpected\n",
			       d->exits, d->run->mmio.is_write ? "write" : "read",
			       d->run->mmio.phys_addr);
			return;
		default:
			printf("exit %lu: reason %u: unexpected\n", d->exits,
			       d->run->exit_reason);
			return;
		}
	}
	printf("hyv-demo: no HLT after %lu exits\n", d->max_exits);
}

static int check(const char *what, bool ok)
{
	printf("  %-44s %s\n", what, ok ? "ok" : "FAILED");
	return !ok;
}

static int summary(struct demo *d)
{
	__u64 echo = (__u64)d->reports[2] << 32 | d->reports[1];
	int failed = 0;

	d->console[d->console_len] = 0;
	printf("hyv-demo: %lu exits, %lu of them port I/O\n", d->exits,
	       d->io_exits);
	failed += check("greeting \"" GREETING "\" on port 0xe9",
			!!strstr(d->console, GREETING "\n"));
	failed += check("CPUID signature \"" HYV_SIGNATURE "\"",
			!!strstr(d->console, "signature: " HYV_SIGNATURE "\n"));
	failed += check("CPUID 0x40000000 EAX >= 0x40000001",
			d->nr_reports > 0 && d->reports[0] >= HYV_CPUID_FEATURES);
	failed += check("echo hypercall returned 0x0123456789abcdef",
			d->nr_reports == 3 && echo == ECHO_VALUE);
	failed += check("halted with fib(50) = 12586269025 in RAX",
			d->halted && d->rax_at_hlt == FIB_RESULT);
	printf("hyv-demo: %s\n", failed ? "FAILED" : "all checks passed");
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct demo d = { 0 };

	parse_args(&d, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	vm_setup(&d);
	vcpu_setup(&d);
	printf("hyv-demo: guest of %zu MiB, %zu bytes of code at %#llx\n",
	       d.mem_size >> 20, (size_t)(demo_guest_end - demo_guest),
	       (unsigned long long)CODE_GPA);
	run_guest(&d);
	return summary(&d);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv selftest library: VMs and vCPUs through /dev/hyv, a vCPU put straight
 * into 64-bit mode on guest code taken from the test binary itself, and
 * "ucalls" (port I/O) for the guest to talk to the test.
 *
 * How guest code reaches the guest
 * --------------------------------
 * Tests are static, non-PIE executables (see the Makefile), so every
 * function, string and global has one fixed address from 0x400000 up.
 * hyv_vm_create() copies each PT_LOAD segment of the running binary into
 * guest memory at the guest-physical address equal to its virtual address,
 * and the guest's page tables map the first 4 GiB one-to-one with 2 MiB
 * pages. So guest code is plain C (or inline asm) in the test file: the
 * host passes a function pointer as the entry point, the guest may call
 * other functions and read globals and string literals, and a string the
 * guest hands back (GUEST_ASSERT) is printed by the host at the same
 * address. Nothing is relocated and no linker script is needed. Globals
 * are a snapshot taken at hyv_vm_create(): the guest's copy and the host's
 * are separate memory afterwards.
 *
 * Rules for guest code: it runs at CPL 0 with interrupts off and no libc.
 * Do not call libc (memcpy and friends are resolved for the host CPU and
 * may use AVX, which the guest has not enabled) and avoid large aggregate
 * initialisers that GCC turns into memset calls. SSE is enabled in the
 * guest (CR4.OSFXSR), so compiler-generated SSE code is fine. An exception
 * in the guest is reported to the host through the library's IDT and fails
 * the test with the vector and RIP.
 */
#ifndef HYV_UTIL_H
#define HYV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include <linux/hyv.h>
#include <linux/hyv_pv.h>
#include <hyv/layout.h>
/* u8..u64, BIT(), __packed, READ_ONCE() and the other kernel idioms */
#include <hyv/user_types.h>

#define SZ_4K			0x1000ULL
#define SZ_2M			0x200000ULL
#define SZ_1G			0x40000000ULL

/*
 * Guest-physical layout of slot 0 (identity mapped, so also the GVAs):
 * the boot structures where every hyv guest has them (hyv/layout.h),
 * then the library's own page-table pool, built on demand.
 */
#define HYV_GDT_GPA		HYV_LAYOUT_GDT
#define HYV_IDT_GPA		HYV_LAYOUT_IDT
#define HYV_TSS_GPA		HYV_LAYOUT_TSS
#define HYV_EXC_STACK_TOP	HYV_LAYOUT_BOOT_STACK	/* TSS.RSP0: faults from CPL 3 */
#define HYV_PT_POOL_GPA		HYV_LAYOUT_FREE	/* page-table pages */
#define HYV_PT_POOL_END		0x80000ULL
#define HYV_USER_STACK_TOP	0x100000ULL	/* for guest_enter_user() */
#define HYV_DATA_GPA		0x100000ULL	/* free for tests ... */
#define HYV_DATA_END		0x400000ULL	/* ... up to the binary */
#define HYV_IDENTITY_MAP_END	(4 * SZ_1G)	/* 2 MiB pages up to here */
#define HYV_STACK_SIZE		0x10000ULL	/* per vCPU, top of slot 0 */
#define HYV_DEFAULT_MEM_SIZE	(16ULL << 20)

/* GDT selectors set up by the library. */
#define HYV_SEL_CODE64		0x08
#define HYV_SEL_DATA		0x10
#define HYV_SEL_TSS		0x18	/* 16 bytes: two entries */
#define HYV_SEL_USER_CODE64	0x28
#define HYV_SEL_USER_DATA	0x30
#define HYV_GDT_ENTRIES		7

/* ucalls: OUT of the command (EAX) to this port, arguments in RDI, RSI, RDX, RCX. */
#define HYV_UCALL_PORT		0xE0

/* ucall commands (defines, not an enum: the guest's asm uses them too). */
#define UCALL_NONE		0
#define UCALL_SYNC		1	/* args: values to report */
#define UCALL_DONE		2	/* arg0: guest function's return value */
#define UCALL_ASSERT		3	/* arg0: message, arg1/arg2: values */
#define UCALL_EXCEPTION		4	/* arg0: vector, arg1: RIP, arg2: error code */

struct hyv_ucall {
	u64 cmd;
	u64 args[4];
};

/* ---- Guest side ------------------------------------------------------- */

#define __hyv_str(x)	#x
#define hyv_str(x)	__hyv_str(x)

/* VMMCALL on AMD and Hygon, VMCALL elsewhere: set by the host at startup. */
extern bool hyv_guest_use_vmmcall;

/*
 * A guest function written in assembly, placed in .text like any other:
 * GUEST_ASM(name, "insn\n" "insn\n") defines name() for hyv_vcpu_add().
 * Labels inside can be declared with GUEST_LABEL() to compare RIPs.
 */
#define GUEST_ASM(name, body)						\
	void name(void);						\
	asm(".pushsection .text\n"					\
	    ".globl " #name "\n"					\
	    ".type " #name ", @function\n"				\
	    #name ":\n"						\
	    body							\
	    ".size " #name ", . - " #name "\n"				\
	    ".popsection\n")
#define GUEST_LABEL(name)	extern const u8 name[]

static inline void guest_ucall(u64 cmd, u64 a0, u64 a1, u64 a2, u64 a3)
{
	asm volatile("outl %%eax, %[port]"
		     : : "a"(cmd), "D"(a0), "S"(a1), "d"(a2), "c"(a3),
		       [port] "N"(HYV_UCALL_PORT)
		     : "memory");
}

#define GUEST_SYNC(v)			guest_ucall(UCALL_SYNC, (v), 0, 0, 0)
#define GUEST_SYNC4(a, b, c, d)		guest_ucall(UCALL_SYNC, (a), (b), (c), (d))
#define GUEST_DONE()			guest_ucall(UCALL_DONE, 0, 0, 0, 0)

#define __GUEST_ASSERT(cond, msg, a, b)					\
	do {								\
		if (!(cond))						\
			guest_ucall(UCALL_ASSERT, (u64)(__FILE__ ":"	\
				    hyv_str(__LINE__) ": " msg),	\
				    (u64)(a), (u64)(b), 0);		\
	} while (0)

#define GUEST_ASSERT(cond)	__GUEST_ASSERT(cond, #cond, 0, 0)
#define GUEST_ASSERT_EQ(expected, seen)					\
	do {								\
		u64 __e = (expected), __s = (seen);			\
									\
		__GUEST_ASSERT(__e == __s, #expected " == " #seen,	\
			       __e, __s);				\
	} while (0)

/* Hypercall: number in RAX, arguments in RBX, RCX, RDX, RSI, result in RAX. */
static inline u64 guest_hypercall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3)
{
	u64 ret;

	if (hyv_guest_use_vmmcall)
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	return ret;
}

/*
 * One instruction that may fault, as asm text for GUEST_ASM_SAFE users:
 * the library's exception handler sees R10 (the resume address) set,
 * leaves the vector in R9 and the error code in R11, and resumes after
 * the instruction. R9 keeps GUEST_NO_EXCEPTION when nothing faulted.
 * Clobbers R9, R10, R11.
 */
#define GUEST_NO_EXCEPTION	0xff
#define GUEST_ASM_SAFE(insn)						\
	"lea 1f(%%rip), %%r10\n\t"					\
	"mov $" hyv_str(GUEST_NO_EXCEPTION) ", %%r9d\n\t"		\
	insn "\n\t"							\
	"1: xor %%r10d, %%r10d\n\t"

/* RDMSR/WRMSR that report a fault's vector instead of failing the test. */
static inline u8 guest_rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	u64 vector;

	asm volatile(GUEST_ASM_SAFE("rdmsr") "mov %%r9, %[vector]"
		     : "+a"(lo), "+d"(hi), [vector] "=r"(vector)
		     : "c"(msr) : "r9", "r10", "r11", "memory");
	*val = (u64)hi << 32 | lo;
	return vector;
}

static inline u8 guest_wrmsr_safe(u32 msr, u64 val)
{
	u64 vector;

	asm volatile(GUEST_ASM_SAFE("wrmsr") "mov %%r9, %[vector]"
		     : [vector] "=r"(vector)
		     : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "r9", "r10", "r11", "memory");
	return vector;
}

static inline void guest_cpuid(u32 leaf, u32 subleaf,
			       u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(subleaf));
}

/*
 * Drop to CPL 3 at fn (which must not return) on the user stack, with
 * IOPL 3 so that user code can still make ucalls. The library's page
 * tables are user-accessible; an exception in user mode is reported like
 * one in kernel mode.
 */
static inline void __noreturn guest_enter_user(void (*fn)(void))
{
	asm volatile("pushq %0\n\t"		/* SS */
		     "pushq %1\n\t"		/* RSP */
		     "pushq $0x3002\n\t"	/* RFLAGS: IOPL 3 */
		     "pushq %2\n\t"		/* CS */
		     "pushq %3\n\t"		/* RIP */
		     "iretq"
		     : : "i"(HYV_SEL_USER_DATA | 3), "i"(HYV_USER_STACK_TOP - 8),
		       "i"(HYV_SEL_USER_CODE64 | 3), "r"(fn) : "memory");
	__builtin_unreachable();
}

static inline void guest_hlt(void)
{
	asm volatile("hlt" : : : "memory");
}

/* ---- Host side -------------------------------------------------------- */

struct hyv_vm {
	int dev_fd;
	int fd;
	u8 *mem;		/* slot 0, at guest-physical 0 */
	u64 mem_size;
	u64 pt_next;		/* next free page in the page-table pool */
};

struct hyv_vcpu {
	struct hyv_vm *vm;
	int fd;
	u32 id;
	struct hyv_run *run;
	size_t run_size;
};

void __noreturn __printf(3, 4)
__hyv_fatal(const char *file, int line, const char *fmt, ...);

/* Print a "# file:line: ..." diagnostic and abort(): the test fails. */
#define HYV_FATAL(fmt, ...) __hyv_fatal(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define HYV_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			HYV_FATAL("%s: " fmt, #cond, ##__VA_ARGS__);	\
	} while (0)

u64 host_now_ns(void);
bool host_under_qemu_tcg(void);
int hyv_open_dev(void);
int __hyv_check_cap(unsigned long cap);
int hyv_check_cap(unsigned long cap);
const char *hyv_exit_name(u32 reason);

struct hyv_vm *hyv_vm_create(u64 mem_size);
void hyv_vm_free(struct hyv_vm *vm);
void *hyv_vm_gpa_to_hva(struct hyv_vm *vm, u64 gpa);
int __hyv_vm_set_slot(struct hyv_vm *vm, u32 slot, u32 flags, u64 gpa,
		      u64 size, void *hva);
void hyv_vm_set_slot(struct hyv_vm *vm, u32 slot, u64 gpa, u64 size,
		     void *hva);
void hyv_vm_map(struct hyv_vm *vm, u64 gva, u64 gpa, u64 size);

struct hyv_vcpu *hyv_vcpu_add(struct hyv_vm *vm, u32 id, void *guest_code);
void hyv_vcpu_free(struct hyv_vcpu *vcpu);
void hyv_vcpu_set_args(struct hyv_vcpu *vcpu, u64 a0, u64 a1);
void hyv_vcpu_get_regs(struct hyv_vcpu *vcpu, struct hyv_regs *regs);
void hyv_vcpu_set_regs(struct hyv_vcpu *vcpu, const struct hyv_regs *regs);
void hyv_vcpu_get_sregs(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs);
void hyv_vcpu_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs);
void hyv_vcpu_setup_long_mode(struct hyv_vcpu *vcpu);

int __hyv_vcpu_run(struct hyv_vcpu *vcpu);
u32 hyv_vcpu_run(struct hyv_vcpu *vcpu);
void hyv_vcpu_run_expect(struct hyv_vcpu *vcpu, u32 exit_reason);
u64 hyv_vcpu_get_ucall(struct hyv_vcpu *vcpu, struct hyv_ucall *uc);
u64 hyv_vcpu_run_ucall(struct hyv_vcpu *vcpu, struct hyv_ucall *uc);
u64 hyv_vcpu_run_sync(struct hyv_vcpu *vcpu);
u64 hyv_vcpu_run_done(struct hyv_vcpu *vcpu);
void hyv_vcpu_describe_exit(struct hyv_vcpu *vcpu, char *buf, size_t len);

/* Library internals (x86.c), used by hyv_util.c. */
extern const u8 hyv_guest_exc_stubs[];
extern const u8 hyv_guest_return[];
void hyv_vm_setup_x86(struct hyv_vm *vm);
void hyv_vm_set_idt_gate(struct hyv_vm *vm, int vector, const void *handler);
u64 hyv_vcpu_stack_top(struct hyv_vcpu *vcpu);
void hyv_vcpu_set_entry(struct hyv_vcpu *vcpu, void *guest_code);

/* One VM with one vCPU (id 0) entering guest_code: the common case. */
struct hyv_vcpu *hyv_vm_create_with_vcpu(void *guest_code);
void hyv_vm_free_with_vcpu(struct hyv_vcpu *vcpu);

#endif /* HYV_UTIL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts in selftest guests (see guest_irq.h): counting handlers for
 * vectors 32-255 and the NMI, EOI by x2APIC MSR or xAPIC MMIO, APIC set-up
 * from guest code, and the host's TSC rate and per-thread CPU time.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "guest_irq.h"

#define IRQ_FIRST_VECTOR	32
#define IRQ_STUB_SIZE		16
#define IDT_GATES		256

u64 guest_irq_count[256];
u64 guest_irq_tsc[256];
u64 guest_irq_rsp[256];
u64 guest_irq_rip[256];
u64 guest_irq_prev_rip[256];
u64 guest_irq_redelivered[256];
u32 guest_irq_eoi_mode;
u32 guest_pv_eoi;		/* 4-byte aligned, as any u32 */
u64 guest_pv_eois;

/*
 * One 16-byte stub per vector from 32 up, and one for the NMI: push the
 * vector, go to the common part. That records the TSC, the stack pointer
 * (which tells the vCPU: each has its own stack) and the interrupted RIP
 * (where it was taken: a stall report can tell "in sti; hlt"), counts the vector
 * (locked: the counters are shared by the VM's vCPUs), sends EOI the way
 * the guest chose (never for the NMI) and returns. RAX, RCX and RDX are
 * all it touches, and they are saved.
 *
 * An interrupt that interrupted its own stub's first instruction came
 * with IF = 0 (the gate cleared it): no CPU delivers that, and hyv only
 * re-delivers an event whose delivery an exit cut short. QEMU's TCG does
 * deliver an interrupt injected at VMRUN a second time now and then; such
 * a copy is counted in guest_irq_redelivered, not in guest_irq_count,
 * and gets no EOI (the APIC did not send it).
 */
asm(".pushsection .text\n"
	".align 16\n"
	".globl guest_irq_stubs\n"
	"guest_irq_stubs:\n"
	"vector = " hyv_str(IRQ_FIRST_VECTOR) "\n"
	".rept 256 - " hyv_str(IRQ_FIRST_VECTOR) "\n"
	".align 16\n"
	"	pushq $vector\n"
	"	jmp guest_irq_common\n"
	"vector = vector + 1\n"
	".endr\n"
	".align 16\n"
	".globl guest_nmi_stub\n"
	"guest_nmi_stub:\n"
	"	pushq $" hyv_str(GUEST_NMI_VECTOR) "\n"
	"	jmp guest_irq_common\n"
	"guest_irq_common:\n"
	"	pushq %rax\n"
	"	pushq %rcx\n"
	"	pushq %rdx\n"
	"	movq 24(%rsp), %rcx\n"
	"	cmpq $" hyv_str(IRQ_FIRST_VECTOR) ", %rcx\n"
	"	jb 2f\n"
	"	movq %rcx, %rax\n"		/* this vector's stub */
	"	shlq $4, %rax\n"
	"	addq $guest_irq_stubs - " hyv_str(IRQ_STUB_SIZE * IRQ_FIRST_VECTOR) ", %rax\n"
	"	cmpq %rax, 32(%rsp)\n"
	"	jne 2f\n"
	"	lock incq guest_irq_redelivered(,%rcx,8)\n"
	"	jmp 9f\n"
	"2:	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rdx, %rax\n"
	"	movq %rax, guest_irq_tsc(,%rcx,8)\n"
	"	movq %rsp, guest_irq_rsp(,%rcx,8)\n"
	"	movq guest_irq_rip(,%rcx,8), %rdx\n"
	"	movq %rdx, guest_irq_prev_rip(,%rcx,8)\n"
	"	movq 32(%rsp), %rdx\n"		/* the interrupted RIP */
	"	movq %rdx, guest_irq_rip(,%rcx,8)\n"
	"	lock incq guest_irq_count(,%rcx,8)\n"
	"	cmpq $" hyv_str(IRQ_FIRST_VECTOR) ", %rcx\n"
	"	jb 9f\n"
	"	movl guest_irq_eoi_mode(%rip), %eax\n"
	"	cmpl $" hyv_str(GUEST_EOI_PV) ", %eax\n"
	"	jne 0f\n"
	"	btrl $0, guest_pv_eoi(%rip)\n"	/* as Linux's PV EOI */
	"	jnc 8f\n"
	"	lock incq guest_pv_eois(%rip)\n"
	"	jmp 9f\n"
	"0:	cmpl $" hyv_str(GUEST_EOI_X2APIC) ", %eax\n"
	"	jne 1f\n"
	"8:	xorl %eax, %eax\n"
	"	xorl %edx, %edx\n"
	"	movl $0x80b, %ecx\n"		/* X2APIC_MSR(APIC_EOI) */
	"	wrmsr\n"
	"	jmp 9f\n"
	"1:	cmpl $" hyv_str(GUEST_EOI_XAPIC) ", %eax\n"
	"	jne 9f\n"
	"	movl $0xfee000b0, %eax\n"	/* APIC_XAPIC_BASE + APIC_EOI */
	"	xorl %edx, %edx\n"
	"	movl %edx, (%rax)\n"
	"9:	popq %rdx\n"
	"	popq %rcx\n"
	"	popq %rax\n"
	"	addq $8, %rsp\n"
	"	iretq\n"
	".popsection\n");

GUEST_LABEL(guest_irq_stubs);
GUEST_LABEL(guest_nmi_stub);

/* ---- Guest side ------------------------------------------------------- */

/* x2APIC mode (IA32_APIC_BASE.EXTD), software-enabled, EOI by MSR. */
void guest_x2apic_enable(void)
{
	guest_wrmsr(MSR_IA32_APICBASE, guest_rdmsr(MSR_IA32_APICBASE) |
		    APIC_BASE_ENABLE | APIC_BASE_EXTD);
	guest_irq_eoi_mode = GUEST_EOI_X2APIC;
	guest_x2apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

/* xAPIC mode as after reset, software-enabled, EOI through the page. */
void guest_xapic_enable(void)
{
	guest_irq_eoi_mode = GUEST_EOI_XAPIC;
	guest_xapic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

/*
 * Sleep (sti; hlt) until @vector has been taken @count times in all.
 * Returns with interrupts off.
 */
void guest_wait_count(int vector, u64 count)
{
	for (;;) {
		guest_cli();
		if (guest_irq_read_count(vector) >= count)
			return;
		guest_sti_hlt();
	}
}

u64 guest_tsc_after_ms(u64 tsc_khz, u64 ms)
{
	return guest_rdtsc() + tsc_khz * ms;
}

void guest_spin_until_tsc(u64 tsc)
{
	while ((long long)(guest_rdtsc() - tsc) < 0)
		asm volatile("pause" : : : "memory");
}

/* ---- Host side -------------------------------------------------------- */

/* Gates for the NMI and vectors 32-255 in the library's IDT page. */
void guest_irq_install(struct hyv_vm *vm)
{
	int v;

	for (v = IRQ_FIRST_VECTOR; v < IDT_GATES; v++)
		hyv_vm_set_idt_gate(vm, v, (const u8 *)guest_irq_stubs +
				    (v - IRQ_FIRST_VECTOR) * IRQ_STUB_SIZE);
	hyv_vm_set_idt_gate(vm, GUEST_NMI_VECTOR, guest_nmi_stub);
}

/* The library's IDTR covers the exceptions only: grow it to 256 gates. */
void guest_irq_vcpu_init(struct hyv_vcpu *vcpu)
{
	struct hyv_sregs sregs;

	hyv_vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = IDT_GATES * 16 - 1;
	hyv_vcpu_set_sregs(vcpu, &sregs);
}

static u64 now_ns(clockid_t clock)
{
	struct timespec ts;

	HYV_ASSERT(!clock_gettime(clock, &ts), "clock_gettime");
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * TSC ticks per millisecond, measured against CLOCK_MONOTONIC over 100 ms.
 * The guest's TSC is the host's (hyv sets no offset), so guests measure
 * time with it.
 */
u64 host_tsc_khz(void)
{
	static u64 khz;
	u64 t0, c0, t1, c1;

	if (khz)
		return khz;
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = __rdtsc();
	do {
		t1 = now_ns(CLOCK_MONOTONIC);
	} while (t1 - t0 < 100000000ULL);
	c1 = __rdtsc();
	khz = (c1 - c0) * 1000000ULL / (t1 - t0);
	HYV_ASSERT(khz, "TSC does not move");
	return khz;
}

/* CPU time @thread has used, in ns. */
u64 host_thread_cpu_ns(pthread_t thread)
{
	clockid_t clock;

	HYV_ASSERT(!pthread_getcpuclockid(thread, &clock), "pthread_getcpuclockid");
	return now_ns(clock);
}

/* Which vCPU's stack @rsp is on (hyv_vcpu_stack_top()). */
u32 host_vcpu_of_rsp(struct hyv_vm *vm, u64 rsp)
{
	return (vm->mem_size - rsp) / HYV_STACK_SIZE;
}

static void host_alarm(int sig)
{
	(void)sig;
}

/*
 * Run to the next ucall like hyv_vcpu_run_ucall(), but give up after
 * @seconds: a guest waiting for an interrupt that never comes fails the
 * test with a message instead of hanging it.
 */
u64 host_run_ucall_within(struct hyv_vcpu *vcpu, struct hyv_ucall *uc,
			  unsigned int seconds)
{
	struct sigaction sa = { .sa_handler = host_alarm };	/* no SA_RESTART */
	char desc[160];
	int ret, err;

	HYV_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");
	alarm(seconds);
	ret = __hyv_vcpu_run(vcpu);
	err = errno;
	alarm(0);
	if (ret && err == EINTR)
		HYV_FATAL("vcpu%u: no exit within %u s (%s)", vcpu->id, seconds,
			  "the guest waits for an interrupt that did not come");
	if (ret) {
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		HYV_FATAL("HYV_RUN failed, %s", desc);
	}
	switch (hyv_vcpu_get_ucall(vcpu, uc)) {
	case UCALL_NONE:
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		HYV_FATAL("expected a ucall, got %s", desc);
	case UCALL_ASSERT:
		HYV_FATAL("guest assertion failed: %s (values %#llx, %#llx)",
			  (const char *)uc->args[0], uc->args[1], uc->args[2]);
	case UCALL_EXCEPTION:
		HYV_FATAL("guest exception vector %llu at rip %#llx, error code %#llx",
			  uc->args[0], uc->args[1], uc->args[2]);
	default:
		return uc->cmd;
	}
}

/* Run to the next ucall, which must be a GUEST_SYNC (60 s at most); its arg0. */
u64 host_run_sync(struct hyv_vcpu *vcpu, struct hyv_ucall *uc)
{
	HYV_ASSERT(host_run_ucall_within(vcpu, uc, 60) == UCALL_SYNC,
		   "expected UCALL_SYNC, got ucall %llu", uc->cmd);
	return uc->args[0];
}

/* A VM with one vCPU of APIC ID @apic_id on @guest_code, interrupts installed. */
struct hyv_vcpu *host_irq_vcpu_create(u32 apic_id, void *guest_code)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, apic_id, guest_code);

	guest_irq_install(vm);
	guest_irq_vcpu_init(vcpu);
	return vcpu;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Events as the architecture delivers them (issue #9, C.16, C.17): an NMI
 * raised while the guest handles one waits for the handler's IRET instead
 * of nesting; an interrupt vector below 16 is refused by the local APIC
 * (ESR "received illegal vector"), never delivered as an exception; a
 * fault during event delivery into memory outside RAM (the guest's IDT
 * put in MMIO space) is an emulation failure, not an MMIO exit made up
 * from the instruction at RIP; an interrupt pending beside a queued
 * exception is taken as soon as the exception's handler returns.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define VEC_NMI			2
#define APIC_ESR		0x280
#define APIC_ESR_RECV_ILLEGAL	BIT(6)
#define MMIO_IDT_GPA		0xd0000000ULL	/* in no slot */

/* ---- NMI blocking ------------------------------------------------------------- */

static u64 nmi_count __used;
static u64 nmi_depth __used;
static u64 nmi_nested __used;

/*
 * The NMI handler: the first one sends the vCPU a second NMI through its
 * own x2APIC (ICR: delivery mode NMI, shorthand self) and lingers; that
 * NMI must arrive only after this handler's IRET.
 */
GUEST_ASM(guest_nmi_handler,
	  "pushq %rax\n"
	  "pushq %rcx\n"
	  "pushq %rdx\n"
	  "incq nmi_depth(%rip)\n"
	  "cmpq $1, nmi_depth(%rip)\n"
	  "je 1f\n"
	  "incq nmi_nested(%rip)\n"
	  "1: incq nmi_count(%rip)\n"
	  "cmpq $1, nmi_count(%rip)\n"
	  "jne 3f\n"
	  "movl $0x830, %ecx\n"			/* x2APIC ICR */
	  "movl $0x40400, %eax\n"		/* self, NMI */
	  "xorl %edx, %edx\n"
	  "wrmsr\n"
	  "movl $200000, %ecx\n"
	  "2: pause\n"
	  "decl %ecx\n"
	  "jnz 2b\n"
	  "3: decq nmi_depth(%rip)\n"
	  "popq %rdx\n"
	  "popq %rcx\n"
	  "popq %rax\n"
	  "iretq\n");

static void guest_nmi_twice(void)
{
	guest_x2apic_enable();
	guest_x2apic_ipi(0, APIC_DM_NMI | APIC_DEST_SELF);
	while (__atomic_load_n(&nmi_count, __ATOMIC_ACQUIRE) < 2)
		asm volatile("pause");
	GUEST_SYNC4(nmi_count, nmi_nested, 0, 0);
	GUEST_DONE();
}

TEST(nmi_sent_during_an_nmi_handler_waits_for_its_iret)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, 0, guest_nmi_twice);
	struct hyv_ucall uc;

	guest_irq_install(vm);
	guest_irq_vcpu_init(vcpu);
	hyv_vm_set_idt_gate(vm, VEC_NMI, guest_nmi_handler);
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]) TH_LOG("an NMI arrived inside the NMI handler");
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- A queued exception does not close the interrupt window -------------- */

#define VEC_BP		3
#define VEC_WINDOW_IRQ	0x50
#define WINDOW_SPINS	100000

static u64 bp_count __used;

/* #BP (a trap: returns after the instruction it interrupted). */
GUEST_ASM(guest_bp_handler,
	  "lock incq bp_count(%rip)\n"
	  "iretq\n");

/*
 * Interrupts on, the VMM queues #BP and an interrupt during the SYNC
 * exit; then count the pauses until the interrupt is in. Both arrive at
 * the next entry: the exception first, the interrupt as soon as the
 * handler's IRET opens the window again.
 */
static void guest_wait_irq_after_exception(void)
{
	u64 spins;

	guest_x2apic_enable();
	guest_sti();
	GUEST_SYNC(0);
	for (spins = 0; spins < WINDOW_SPINS &&
	     !guest_irq_read_count(VEC_WINDOW_IRQ); spins++)
		asm volatile("pause");
	guest_cli();
	GUEST_SYNC4(__atomic_load_n(&bp_count, __ATOMIC_ACQUIRE),
		    guest_irq_read_count(VEC_WINDOW_IRQ), spins, 0);
}

/*
 * Issue #9, C.16: with an event already queued for the entry, hyv used to
 * skip arming the interrupt window, so a pending interrupt waited for an
 * unrelated exit (a host timer tick: thousands of pauses later). It must
 * be taken right after the exception's handler returns.
 */
TEST(interrupt_queued_with_an_exception_is_taken_right_after_its_handler)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, 0, guest_wait_irq_after_exception);
	struct hyv_interrupt irq = { .vector = VEC_WINDOW_IRQ };
	struct hyv_vcpu_events ev = {};
	struct hyv_ucall uc;

	guest_irq_install(vm);
	guest_irq_vcpu_init(vcpu);
	hyv_vm_set_idt_gate(vm, VEC_BP, guest_bp_handler);
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	ev.exception.pending = 1;
	ev.exception.vector = VEC_BP;
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_SET_VCPU_EVENTS, &ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_INTERRUPT, &irq));
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	TH_LOG("#BP taken %llu, interrupt taken %llu, after %llu pauses",
	       uc.args[0], uc.args[1], uc.args[2]);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(1, uc.args[1]);
	EXPECT_GT(100, uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Illegal vectors ------------------------------------------------------------- */

static void guest_lvt_vector_5(void)
{
	u64 until;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_ONESHOT | 5);
	guest_x2apic_write(APIC_TIMER_ICR, 1000);	/* 1 µs at 1 GHz */
	GUEST_SYNC4(guest_x2apic_read(APIC_LVT_TIMER),
		    guest_x2apic_read(APIC_TIMER_ICR),
		    guest_x2apic_read(APIC_TIMER_CCR), 0);
	guest_sti();
	/* The count reads 0 once the timer has fired (or after ~1 s). */
	until = guest_rdtsc() + 2000000000ULL;
	while (guest_x2apic_read(APIC_TIMER_CCR) && guest_rdtsc() < until)
		asm volatile("pause");
	guest_cli();
	guest_x2apic_write(APIC_ESR, 0);	/* latch the errors */
	GUEST_SYNC(guest_x2apic_read(APIC_ESR));
	GUEST_DONE();
}

/*
 * The LVT timer with vector 5: when it fires, the APIC refuses the
 * vector (ESR bit 6) instead of raising interrupt 5, which the guest
 * would take as #BR (the library reports any exception and fails).
 */
TEST(lvt_timer_with_vector_below_16_sets_esr_and_delivers_nothing)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, 0, guest_lvt_vector_5);
	struct hyv_ucall uc;

	guest_irq_install(vm);
	guest_irq_vcpu_init(vcpu);
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	TH_LOG("after arming: LVT %#llx ICR %llu CCR %llu", uc.args[0],
	       uc.args[1], uc.args[2]);
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_EQ(APIC_ESR_RECV_ILLEGAL, uc.args[0] & APIC_ESR_RECV_ILLEGAL);
	ASSERT_EQ(UCALL_DONE, host_run_ucall_within(vcpu, &uc, 60));
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Event delivery through MMIO --------------------------------------------------- */

static void guest_idt_in_mmio(void)
{
	struct { u16 limit; u64 base; } __packed idtr = {
		.limit = 32 * 16 - 1, .base = MMIO_IDT_GPA,
	};
	u64 noncanonical = 0x8000000000000000ULL;
	u32 val;

	asm volatile("lidt %0" : : "m"(idtr));
	/* #GP, whose delivery reads the IDT: outside RAM. */
	asm volatile("movl (%1), %0" : "=r"(val) : "r"(noncanonical));
	GUEST_SYNC(val);
}

/*
 * A fault while the CPU delivers an event to an IDT outside RAM: hyv
 * must not decode the MOV at RIP (which never touched memory) into an
 * MMIO exit; the guest is beyond emulation.
 */
TEST(fault_while_delivering_an_event_through_mmio_is_an_emulation_failure)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_idt_in_mmio);
	char desc[160];
	int ret;

	ret = __hyv_vcpu_run(vcpu);
	hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
	ASSERT_EQ(0, ret) TH_LOG("%s", desc);
	EXPECT_EQ(HYV_EXIT_INTERNAL_ERROR, vcpu->run->exit_reason) TH_LOG("%s", desc);
	EXPECT_EQ(HYV_INTERNAL_EMULATION, vcpu->run->internal.suberror);
	hyv_vm_free_with_vcpu(vcpu);
}

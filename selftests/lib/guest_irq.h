/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts in selftest guests: IDT gates for vectors 32-255 (and NMI)
 * whose handler counts each vector and records the TSC, EOI through the
 * x2APIC MSR or the xAPIC page, helpers to drive the local APIC from guest
 * code, and host-side helpers (TSC rate, vCPU threads) for the tests that
 * use them (apic_test, timer_test, smp_test, hlt_test).
 *
 * Use: hyv_vm_create(), hyv_vcpu_add() as usual, then guest_irq_install(vm)
 * once and guest_irq_vcpu_init(vcpu) for each vCPU (it grows the IDT limit
 * to 256 gates). The guest enables its APIC with guest_x2apic_enable() or
 * guest_xapic_enable(), which also choose how the handler sends EOI.
 */
#ifndef HYV_GUEST_IRQ_H
#define HYV_GUEST_IRQ_H

#include <pthread.h>

#include "hyv_util.h"

/* Local APIC registers (Intel SDM vol. 3A table 11-1), xAPIC offsets. */
#define APIC_XAPIC_BASE		0xfee00000ULL
#define APIC_ID			0x020
#define APIC_VERSION		0x030
#define APIC_TPR		0x080
#define APIC_PPR		0x0a0
#define APIC_EOI		0x0b0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SVR		0x0f0
#define APIC_ISR		0x100
#define APIC_IRR		0x200
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVT_TIMER		0x320
#define APIC_TIMER_ICR		0x380
#define APIC_TIMER_CCR		0x390
#define APIC_TIMER_DCR		0x3e0
#define APIC_SELF_IPI		0x3f0

#define APIC_SVR_ENABLE		BIT(8)
#define APIC_LVT_MASKED		BIT(16)
#define APIC_LVT_ONESHOT	(0U << 17)
#define APIC_LVT_PERIODIC	BIT(17)
#define APIC_LVT_TSC_DEADLINE	(2U << 17)
#define APIC_DCR_DIV1		0xb

/* ICR fields (SDM vol. 3A §11.6.1). */
#define APIC_DM_FIXED		(0U << 8)
#define APIC_DM_NMI		(4U << 8)
#define APIC_DM_INIT		(5U << 8)
#define APIC_DM_STARTUP		(6U << 8)
#define APIC_DEST_LOGICAL	BIT(11)
#define APIC_LEVEL_ASSERT	BIT(14)
#define APIC_DEST_SELF		BIT(18)
#define APIC_DEST_ALL		(2U << 18)
#define APIC_DEST_OTHERS	(3U << 18)

/* MSRs. */
#define MSR_IA32_APICBASE	0x1b
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define APIC_BASE_BSP		BIT_ULL(8)
#define APIC_BASE_EXTD		BIT_ULL(10)
#define APIC_BASE_ENABLE	BIT_ULL(11)
#define X2APIC_MSR(offset)	(0x800 + ((offset) >> 4))

/* How the guest's handler ends an interrupt (guest_irq_eoi_mode). */
#define GUEST_EOI_NONE		0
#define GUEST_EOI_X2APIC	1
#define GUEST_EOI_XAPIC		2
#define GUEST_EOI_PV		3	/* KVM's PV EOI, else x2APIC */

/* The NMI's count is guest_irq_count[2]; NMIs get no EOI. */
#define GUEST_NMI_VECTOR	2

/*
 * Written by the guest's handler (guest memory; read them on the host
 * with GUEST_VAR). Shared by all vCPUs of a VM: give each its own vectors.
 */
extern u64 guest_irq_count[256];	/* interrupts taken, per vector */
extern u64 guest_irq_tsc[256];		/* TSC when the last one was taken */
extern u64 guest_irq_rsp[256];		/* RSP in its handler: host_vcpu_of_rsp() */
extern u64 guest_irq_rip[256];		/* the RIP it interrupted */
extern u64 guest_irq_prev_rip[256];	/* and the one before */
extern u64 guest_irq_redelivered[256];	/* copies taken at their own stub (guest_irq.c) */
extern u32 guest_irq_eoi_mode;
extern u32 guest_pv_eoi;		/* the PV EOI word (GUEST_EOI_PV) */
extern u64 guest_pv_eois;		/* EOIs that took its bit, not the APIC */

/* ---- Guest side ------------------------------------------------------- */

static inline u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline u64 guest_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return (u64)hi << 32 | lo;
}

static inline void guest_wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
}

/*
 * xAPIC registers: one aligned 32-bit MOV each, in asm so that the
 * compiler cannot pick another instruction the MMIO decoder refuses.
 */
static inline u32 guest_xapic_read(u32 offset)
{
	u32 val;

	asm volatile("movl %1, %0"
		     : "=r"(val) : "m"(*(u32 *)(APIC_XAPIC_BASE + offset)));
	return val;
}

static inline void guest_xapic_write(u32 offset, u32 val)
{
	asm volatile("movl %1, %0"
		     : "=m"(*(u32 *)(APIC_XAPIC_BASE + offset)) : "r"(val)
		     : "memory");
}

static inline u64 guest_x2apic_read(u32 offset)
{
	return guest_rdmsr(X2APIC_MSR(offset));
}

static inline void guest_x2apic_write(u32 offset, u64 val)
{
	guest_wrmsr(X2APIC_MSR(offset), val);
}

/* x2APIC ICR: one 64-bit write, destination in the high half. */
static inline void guest_x2apic_ipi(u32 dest, u32 icr)
{
	guest_x2apic_write(APIC_ICR, (u64)dest << 32 | icr);
}

static inline void guest_sti(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void guest_cli(void)
{
	asm volatile("cli" : : : "memory");
}

/* STI's shadow covers the HLT: an interrupt cannot slip in between. */
static inline void guest_sti_hlt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

/* Open a window of one instruction for pending interrupts. */
static inline void guest_sti_nop_cli(void)
{
	asm volatile("sti; nop; cli" : : : "memory");
}

static inline void guest_set_cr8(u64 val)
{
	asm volatile("mov %0, %%cr8" : : "r"(val) : "memory");
}

static inline u64 guest_get_cr8(void)
{
	u64 val;

	asm volatile("mov %%cr8, %0" : "=r"(val));
	return val;
}

static inline u64 guest_irq_read_count(int vector)
{
	return __atomic_load_n(&guest_irq_count[vector], __ATOMIC_ACQUIRE);
}

void guest_x2apic_enable(void);
void guest_xapic_enable(void);
void guest_wait_count(int vector, u64 count);
u64 guest_tsc_after_ms(u64 tsc_khz, u64 ms);
void guest_spin_until_tsc(u64 tsc);

/* ---- Host side -------------------------------------------------------- */

/* The guest's copy of a global of the test binary (same address). */
#define GUEST_VAR(vm, var) \
	(*(__typeof__(var) *)hyv_vm_gpa_to_hva((vm), (u64)&(var)))

void guest_irq_install(struct hyv_vm *vm);
void guest_irq_vcpu_init(struct hyv_vcpu *vcpu);
u64 host_tsc_khz(void);
u64 host_thread_cpu_ns(pthread_t thread);
u32 host_vcpu_of_rsp(struct hyv_vm *vm, u64 rsp);
u64 host_run_ucall_within(struct hyv_vcpu *vcpu, struct hyv_ucall *uc,
			  unsigned int seconds);
u64 host_run_sync(struct hyv_vcpu *vcpu, struct hyv_ucall *uc);
struct hyv_vcpu *host_irq_vcpu_create(u32 apic_id, void *guest_code);

#endif /* HYV_GUEST_IRQ_H */

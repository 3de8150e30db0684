/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv's in-kernel local APIC: one per vCPU, in xAPIC (MMIO) or x2APIC
 * (MSR) mode, with its timer (Intel SDM vol. 3A ch. 11).
 */
#ifndef HYV_LAPIC_H
#define HYV_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct hyv_vm;
struct hyv_vcpu;

#define HYV_APIC_DEFAULT_BASE	0xfee00000ULL
#define HYV_APIC_REGS		64	/* registers 0x000..0x3f0, one per 16 bytes */

struct hyv_lapic {
	spinlock_t lock;	/* taken from hardirq context: irqsave */
	u32 reg[HYV_APIC_REGS];	/* indexed by offset >> 4 */
	u64 base_msr;		/* IA32_APIC_BASE */
	u64 tsc_deadline;	/* IA32_TSC_DEADLINE, 0: disarmed */
	u32 esr_pending;	/* errors since the ESR was last written */
	struct hrtimer timer;
	ktime_t timer_start;	/* when the one-shot/periodic count began */
	u64 timer_period_ns;
	u64 pv_eoi_msr;		/* HYV_MSR_KVM_PV_EOI_EN (pv_eoi.c) */
	bool pv_eoi_armed;	/* bit 0 set in the guest, EOI not seen yet */
};

/* Register offsets (SDM vol. 3A table 11-1). */
#define APIC_REG_ID		0x020
#define APIC_REG_VERSION	0x030
#define APIC_REG_TPR		0x080
#define APIC_REG_APR		0x090
#define APIC_REG_PPR		0x0a0
#define APIC_REG_EOI		0x0b0
#define APIC_REG_RRD		0x0c0
#define APIC_REG_LDR		0x0d0
#define APIC_REG_DFR		0x0e0
#define APIC_REG_SVR		0x0f0
#define APIC_REG_ISR		0x100
#define APIC_REG_TMR		0x180
#define APIC_REG_IRR		0x200
#define APIC_REG_ESR		0x280
#define APIC_REG_LVT_CMCI	0x2f0
#define APIC_REG_ICR		0x300
#define APIC_REG_ICR2		0x310
#define APIC_REG_LVT_TIMER	0x320
#define APIC_REG_LVT_THERMAL	0x330
#define APIC_REG_LVT_PERF	0x340
#define APIC_REG_LVT_LINT0	0x350
#define APIC_REG_LVT_LINT1	0x360
#define APIC_REG_LVT_ERROR	0x370
#define APIC_REG_TIMER_ICR	0x380
#define APIC_REG_TIMER_CCR	0x390
#define APIC_REG_TIMER_DCR	0x3e0
#define APIC_REG_SELF_IPI	0x3f0

/* IA32_APIC_BASE bits (SDM vol. 3A §11.4.4, §11.12.1). */
#define APIC_BASE_BSP		BIT_ULL(8)
#define APIC_BASE_EXTD		BIT_ULL(10)
#define APIC_BASE_ENABLE	BIT_ULL(11)
#define APIC_BASE_ADDR		GENMASK_ULL(51, 12)

/* hyv_apic_reg_access(): what the guest may do with a register. */
#define HYV_APIC_READ		BIT(0)
#define HYV_APIC_WRITE		BIT(1)

/* Pure logic, KUnit-tested (lapic_kunit.c). */
unsigned int hyv_apic_reg_access(u32 offset, bool x2apic);
int hyv_apic_highest_vector(const u32 *bank);
u32 hyv_apic_ppr(u32 tpr, int isr_vector);
bool hyv_apic_deliverable(int irr_vector, u32 ppr);
bool hyv_apic_match_logical(bool x2apic, u32 ldr, u32 dfr, u32 dest);
u64 hyv_apic_timer_ns(u32 count, u32 dcr);

/* lapic.c */
void hyv_lapic_init(struct hyv_vcpu *vcpu);
void hyv_lapic_reset(struct hyv_vcpu *vcpu, bool power_on);
void hyv_lapic_destroy(struct hyv_vcpu *vcpu);
int hyv_lapic_pending_vector(struct hyv_vcpu *vcpu);
int hyv_lapic_tpr_held_vector(struct hyv_vcpu *vcpu);
void hyv_lapic_ack(struct hyv_vcpu *vcpu, int vector);
void hyv_lapic_set_irq(struct hyv_vcpu *vcpu, u8 vector);
bool hyv_lapic_one_in_service(struct hyv_vcpu *vcpu);
void hyv_lapic_eoi(struct hyv_vcpu *vcpu);
u8 hyv_lapic_get_cr8(struct hyv_vcpu *vcpu);
void hyv_lapic_set_cr8(struct hyv_vcpu *vcpu, u8 cr8);
bool hyv_lapic_owns(struct hyv_vcpu *vcpu, u64 gpa);
bool hyv_lapic_mmio(struct hyv_vcpu *vcpu, u64 gpa, bool write, u32 *val);
int hyv_lapic_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val);
int hyv_lapic_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val);
int hyv_lapic_deliver_msi(struct hyv_vm *vm, u64 address, u32 data);

#endif /* HYV_LAPIC_H */

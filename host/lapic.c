// SPDX-License-Identifier: GPL-2.0
/*
 * hyv's in-kernel local APIC (Intel SDM vol. 3A ch. 11): registers in
 * xAPIC (MMIO) and x2APIC (MSR) form, interrupt priority, EOI, IPIs and
 * MSIs between vCPUs, and the timer in one-shot, periodic and
 * TSC-deadline modes on an hrtimer. The APIC timer counts at 1 GHz.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/math64.h>
#include <kunit/visibility.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "hyv.h"

#define APIC_VERSION_VALUE	0x50014	/* version 0x14, 6 LVT entries */
#define APIC_SVR_ENABLE		BIT(8)
#define APIC_ESR_RECV_ILLEGAL	BIT(6)
#define APIC_LVT_MASKED		BIT(16)
#define APIC_LVT_TIMER_MODE(v)	(((v) >> 17) & 3)
#define APIC_TIMER_ONESHOT	0
#define APIC_TIMER_PERIODIC	1
#define APIC_TIMER_TSC_DEADLINE	2

/* ICR and MSI fields (SDM vol. 3A §11.6.1, §11.11). */
#define APIC_ICR_VECTOR(v)	((v) & 0xff)
#define APIC_ICR_MODE(v)	(((v) >> 8) & 7)
#define APIC_ICR_LOGICAL	BIT(11)
#define APIC_ICR_SHORTHAND(v)	(((v) >> 18) & 3)
#define APIC_MODE_FIXED		0
#define APIC_MODE_LOWEST	1
#define APIC_MODE_NMI		4
#define APIC_MODE_INIT		5
#define APIC_MODE_SIPI		6
#define APIC_SH_NONE		0
#define APIC_SH_SELF		1
#define APIC_SH_ALL		2
#define APIC_SH_OTHERS		3

/* The shortest periodic timer period a guest gets, as KVM's default. */
#define APIC_TIMER_MIN_PERIOD_NS	200000

#define X2APIC_MSR_FIRST	0x800
#define X2APIC_MSR_LAST		0x8ff

/* ---- Pure logic ------------------------------------------------------- */

/* The highest vector set in an IRR/ISR/TMR bank of eight words, or -1. */
int hyv_apic_highest_vector(const u32 *bank)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (bank[i])
			return i * 32 + __fls(bank[i]);
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_apic_highest_vector);

/* Processor priority from TPR and the highest in-service vector (§11.8.3.1). */
u32 hyv_apic_ppr(u32 tpr, int isr_vector)
{
	u32 isrv = isr_vector < 0 ? 0 : isr_vector;

	return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_apic_ppr);

/* A requested vector is delivered only above the PPR's class (§11.8.4). */
bool hyv_apic_deliverable(int irr_vector, u32 ppr)
{
	return irr_vector >= 0 && (irr_vector & 0xf0) > (ppr & 0xf0);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_apic_deliverable);

/* Logical destination match: flat or cluster xAPIC, or x2APIC (§11.6.2.2). */
bool hyv_apic_match_logical(bool x2apic, u32 ldr, u32 dfr, u32 dest)
{
	/* All ones reaches every APIC, whatever the model (§11.6.2.2). */
	if (dest == (x2apic ? 0xffffffff : 0xff))
		return true;
	if (x2apic)
		return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff);
	ldr >>= 24;
	dest &= 0xff;
	if ((dfr >> 28) == 0xf)		/* flat model */
		return ldr & dest;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}
EXPORT_SYMBOL_IF_KUNIT(hyv_apic_match_logical);

/* Nanoseconds for @count ticks with divide configuration @dcr (§11.5.4). */
u64 hyv_apic_timer_ns(u32 count, u32 dcr)
{
	u32 code = ((dcr & 8) >> 1) | (dcr & 3);
	u32 shift = code == 7 ? 0 : code + 1;

	return (u64)count << shift;
}
EXPORT_SYMBOL_IF_KUNIT(hyv_apic_timer_ns);

/*
 * What a guest may do with the register at @offset: HYV_APIC_READ,
 * HYV_APIC_WRITE, both or neither (SDM vol. 3A table 11-1 for the xAPIC,
 * table 11-6 for the x2APIC, where some registers go away or become
 * read-only). Every access from the guest passes through this first:
 * offsets outside it never index the register array.
 */
unsigned int hyv_apic_reg_access(u32 offset, bool x2apic)
{
	const unsigned int rw = HYV_APIC_READ | HYV_APIC_WRITE;

	if (offset & 0xf || offset >= HYV_APIC_REGS * 16)
		return 0;
	if ((offset >= APIC_REG_ISR && offset < APIC_REG_ESR) ||
	    offset == APIC_REG_VERSION || offset == APIC_REG_PPR ||
	    offset == APIC_REG_TIMER_CCR)
		return HYV_APIC_READ;	/* ISR, TMR, IRR and the above */
	if (offset >= APIC_REG_LVT_TIMER && offset <= APIC_REG_TIMER_ICR)
		return rw;		/* LVT timer .. error, initial count */
	switch (offset) {
	case APIC_REG_TPR:
	case APIC_REG_SVR:
	case APIC_REG_ESR:
	case APIC_REG_LVT_CMCI:
	case APIC_REG_ICR:
	case APIC_REG_TIMER_DCR:
		return rw;
	case APIC_REG_EOI:
		return HYV_APIC_WRITE;
	case APIC_REG_ID:
	case APIC_REG_LDR:
		return x2apic ? HYV_APIC_READ : rw;
	case APIC_REG_APR:
	case APIC_REG_RRD:
		return x2apic ? 0 : HYV_APIC_READ;
	case APIC_REG_DFR:
	case APIC_REG_ICR2:
		return x2apic ? 0 : rw;
	case APIC_REG_SELF_IPI:
		return x2apic ? HYV_APIC_WRITE : 0;
	default:
		return 0;	/* reserved */
	}
}
EXPORT_SYMBOL_IF_KUNIT(hyv_apic_reg_access);

/* ---- Register state -------------------------------------------------- */

static u32 *hyv_apic_reg(struct hyv_lapic *apic, u32 offset)
{
	return &apic->reg[offset >> 4];
}

static bool hyv_apic_x2apic(struct hyv_lapic *apic)
{
	return apic->base_msr & APIC_BASE_EXTD;
}

static u32 hyv_apic_id(struct hyv_vcpu *vcpu)
{
	struct hyv_lapic *apic = &vcpu->lapic;

	return hyv_apic_x2apic(apic) ? vcpu->id : READ_ONCE(apic->reg[APIC_REG_ID >> 4]) >> 24;
}

/* x2APIC's LDR is derived from the ID (§11.12.10.2). */
static u32 hyv_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

static enum hrtimer_restart hyv_lapic_timer_fn(struct hrtimer *timer);

void hyv_lapic_init(struct hyv_vcpu *vcpu)
{
	struct hyv_lapic *apic = &vcpu->lapic;

	spin_lock_init(&apic->lock);
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	apic->timer.function = hyv_lapic_timer_fn;
	apic->base_msr = HYV_APIC_DEFAULT_BASE | APIC_BASE_ENABLE |
			 (vcpu->id == 0 ? APIC_BASE_BSP : 0);
}

/*
 * RESET (@power_on) or INIT (SDM vol. 3A §11.4.7.3): every register to
 * its power-up value, nothing requested or in service, the timer
 * stopped. INIT keeps the APIC ID and IA32_APIC_BASE (and with it the
 * x2APIC mode). Called by the vCPU's own thread.
 */
void hyv_lapic_reset(struct hyv_vcpu *vcpu, bool power_on)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned long flags;
	u32 lvt, id;

	hrtimer_cancel(&apic->timer);
	spin_lock_irqsave(&apic->lock, flags);
	id = power_on ? vcpu->id << 24 : *hyv_apic_reg(apic, APIC_REG_ID);
	memset(apic->reg, 0, sizeof(apic->reg));
	*hyv_apic_reg(apic, APIC_REG_ID) = id;
	*hyv_apic_reg(apic, APIC_REG_VERSION) = APIC_VERSION_VALUE;
	*hyv_apic_reg(apic, APIC_REG_DFR) = 0xffffffff;
	*hyv_apic_reg(apic, APIC_REG_SVR) = 0xff;
	for (lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 0x10)
		*hyv_apic_reg(apic, lvt) = APIC_LVT_MASKED;
	*hyv_apic_reg(apic, APIC_REG_LVT_CMCI) = APIC_LVT_MASKED;
	if (power_on)
		apic->base_msr = HYV_APIC_DEFAULT_BASE | APIC_BASE_ENABLE |
				 (vcpu->id == 0 ? APIC_BASE_BSP : 0);
	apic->tsc_deadline = 0;
	apic->timer_period_ns = 0;
	apic->esr_pending = 0;
	apic->pv_eoi_msr = 0;
	apic->pv_eoi_armed = false;
	spin_unlock_irqrestore(&apic->lock, flags);
}

void hyv_lapic_destroy(struct hyv_vcpu *vcpu)
{
	hrtimer_cancel(&vcpu->lapic.timer);
}

static bool hyv_apic_sw_enabled(struct hyv_lapic *apic)
{
	return (apic->base_msr & APIC_BASE_ENABLE) &&
	       (*hyv_apic_reg(apic, APIC_REG_SVR) & APIC_SVR_ENABLE);
}

static u32 hyv_apic_cur_ppr(struct hyv_lapic *apic)
{
	return hyv_apic_ppr(*hyv_apic_reg(apic, APIC_REG_TPR),
			    hyv_apic_highest_vector(hyv_apic_reg(apic, APIC_REG_ISR)));
}

/* The vector to inject now, or -1. */
int hyv_lapic_pending_vector(struct hyv_vcpu *vcpu)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned long flags;
	int vector = -1;

	spin_lock_irqsave(&apic->lock, flags);
	if (hyv_apic_sw_enabled(apic)) {
		vector = hyv_apic_highest_vector(hyv_apic_reg(apic, APIC_REG_IRR));
		if (!hyv_apic_deliverable(vector, hyv_apic_cur_ppr(apic)))
			vector = -1;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	return vector;
}

/*
 * The highest requested vector that only the TPR holds back (ISR allows
 * it), or -1: a backend whose CR8 writes do not exit watches for the TPR
 * dropping below it.
 */
int hyv_lapic_tpr_held_vector(struct hyv_vcpu *vcpu)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned long flags;
	int vector = -1, isr;

	spin_lock_irqsave(&apic->lock, flags);
	if (hyv_apic_sw_enabled(apic)) {
		vector = hyv_apic_highest_vector(hyv_apic_reg(apic, APIC_REG_IRR));
		isr = hyv_apic_highest_vector(hyv_apic_reg(apic, APIC_REG_ISR));
		if (!hyv_apic_deliverable(vector, hyv_apic_ppr(0, isr)))
			vector = -1;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	return vector;
}

/* The CPU took @vector: it moves from requested to in service. */
void hyv_lapic_ack(struct hyv_vcpu *vcpu, int vector)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned long flags;

	spin_lock_irqsave(&apic->lock, flags);
	__clear_bit(vector, (unsigned long *)hyv_apic_reg(apic, APIC_REG_IRR));
	__set_bit(vector, (unsigned long *)hyv_apic_reg(apic, APIC_REG_ISR));
	spin_unlock_irqrestore(&apic->lock, flags);
}

/*
 * Accept @vector into the IRR, under apic->lock. Vectors 0-15 are
 * illegal for interrupts: they only set "received illegal vector" in the
 * ESR (SDM vol. 3A §11.5.3), whatever sent them (the VMM, an MSI, an IPI,
 * the LVT timer).
 */
static void hyv_apic_set_irr(struct hyv_lapic *apic, u8 vector)
{
	if (vector < 16) {
		apic->esr_pending |= APIC_ESR_RECV_ILLEGAL;
		return;
	}
	__set_bit(vector, (unsigned long *)hyv_apic_reg(apic, APIC_REG_IRR));
}

/* Request a fixed interrupt; any context. */
void hyv_lapic_set_irq(struct hyv_vcpu *vcpu, u8 vector)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned long flags;

	spin_lock_irqsave(&apic->lock, flags);
	hyv_apic_set_irr(apic, vector);
	spin_unlock_irqrestore(&apic->lock, flags);
	hyv_vcpu_wake(vcpu, HYV_REQ_EVENT);
}

static void hyv_apic_eoi(struct hyv_lapic *apic)
{
	int vector = hyv_apic_highest_vector(hyv_apic_reg(apic, APIC_REG_ISR));

	if (vector >= 0)
		__clear_bit(vector, (unsigned long *)hyv_apic_reg(apic, APIC_REG_ISR));
}

/* An EOI the guest made without writing the register (pv_eoi.c). */
void hyv_lapic_eoi(struct hyv_vcpu *vcpu)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned long flags;

	spin_lock_irqsave(&apic->lock, flags);
	hyv_apic_eoi(apic);
	spin_unlock_irqrestore(&apic->lock, flags);
}

/*
 * Exactly one vector in service and none requested: an EOI then only
 * ends that one, and no interrupt waits for it (pv_eoi.c).
 */
bool hyv_lapic_one_in_service(struct hyv_vcpu *vcpu)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned long flags;
	int i, in_service = 0;
	bool requested = false;

	spin_lock_irqsave(&apic->lock, flags);
	for (i = 0; i < 8; i++) {
		in_service += hweight32(*hyv_apic_reg(apic, APIC_REG_ISR + i * 16));
		requested |= *hyv_apic_reg(apic, APIC_REG_IRR + i * 16) != 0;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	return in_service == 1 && !requested;
}

u8 hyv_lapic_get_cr8(struct hyv_vcpu *vcpu)
{
	return READ_ONCE(vcpu->lapic.reg[APIC_REG_TPR >> 4]) >> 4;
}

void hyv_lapic_set_cr8(struct hyv_vcpu *vcpu, u8 cr8)
{
	WRITE_ONCE(vcpu->lapic.reg[APIC_REG_TPR >> 4], (cr8 & 0xf) << 4);
}

/* ---- Timer ----------------------------------------------------------- */

static enum hrtimer_restart hyv_lapic_timer_fn(struct hrtimer *timer)
{
	struct hyv_lapic *apic = container_of(timer, struct hyv_lapic, timer);
	struct hyv_vcpu *vcpu = container_of(apic, struct hyv_vcpu, lapic);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool fire;
	u32 lvt;

	spin_lock_irqsave(&apic->lock, flags);
	lvt = *hyv_apic_reg(apic, APIC_REG_LVT_TIMER);
	fire = !(lvt & APIC_LVT_MASKED);
	if (fire)
		hyv_apic_set_irr(apic, lvt & 0xff);
	if (APIC_LVT_TIMER_MODE(lvt) == APIC_TIMER_PERIODIC &&
	    apic->timer_period_ns) {
		apic->timer_start = hrtimer_cb_get_time(timer);
		hrtimer_forward_now(timer, ns_to_ktime(apic->timer_period_ns));
		ret = HRTIMER_RESTART;
	} else if (APIC_LVT_TIMER_MODE(lvt) == APIC_TIMER_TSC_DEADLINE) {
		apic->tsc_deadline = 0;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	if (fire)
		hyv_vcpu_wake(vcpu, HYV_REQ_EVENT);
	return ret;
}

/*
 * (Re)arm the timer after a write to one of its registers. Called by the
 * vCPU's own thread without apic->lock: hrtimer_cancel() may wait for a
 * running callback, which takes that lock.
 */
static void hyv_lapic_timer_update(struct hyv_vcpu *vcpu)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	u32 lvt = *hyv_apic_reg(apic, APIC_REG_LVT_TIMER);
	u64 ns = 0;

	hrtimer_cancel(&apic->timer);
	apic->timer_period_ns = 0;
	if (APIC_LVT_TIMER_MODE(lvt) == APIC_TIMER_TSC_DEADLINE) {
		u64 now = hyv_guest_tsc(vcpu, rdtsc());

		if (!apic->tsc_deadline)
			return;
		if (apic->tsc_deadline > now)
			ns = mul_u64_u32_div(apic->tsc_deadline - now, 1000000,
					     tsc_khz);
	} else {
		ns = hyv_apic_timer_ns(*hyv_apic_reg(apic, APIC_REG_TIMER_ICR),
				       *hyv_apic_reg(apic, APIC_REG_TIMER_DCR));
		if (!ns)
			return;
		/* A guest must not flood the host with timer interrupts. */
		if (APIC_LVT_TIMER_MODE(lvt) == APIC_TIMER_PERIODIC)
			ns = max_t(u64, ns, APIC_TIMER_MIN_PERIOD_NS);
		apic->timer_period_ns = ns;
	}
	apic->timer_start = ktime_get();
	hrtimer_start(&apic->timer, ns_to_ktime(ns), HRTIMER_MODE_REL_HARD);
}

/* The current count: what is left of the period, in ticks. */
static u32 hyv_lapic_timer_ccr(struct hyv_lapic *apic)
{
	u32 lvt = *hyv_apic_reg(apic, APIC_REG_LVT_TIMER);
	u64 tick = hyv_apic_timer_ns(1, *hyv_apic_reg(apic, APIC_REG_TIMER_DCR));
	s64 left;

	if (APIC_LVT_TIMER_MODE(lvt) == APIC_TIMER_TSC_DEADLINE ||
	    !hrtimer_active(&apic->timer))
		return 0;
	left = ktime_to_ns(hrtimer_get_remaining(&apic->timer));
	/*
	 * The count reaches 0 with the interrupt (§11.5.4): while the expiry
	 * is still being handled (on another CPU, perhaps), it reads 1.
	 */
	return left > 0 ? max_t(u64, div64_u64(left, tick), 1) : 1;
}

/* ---- Delivery between APICs --------------------------------------------- */

struct hyv_apic_irq {
	u8 vector;
	u8 mode;
	u8 shorthand;
	bool logical;
	u32 dest;
};

static bool hyv_apic_matches(struct hyv_vcpu *target, struct hyv_vcpu *src,
			     const struct hyv_apic_irq *irq)
{
	struct hyv_lapic *apic = &target->lapic;
	bool x2apic = hyv_apic_x2apic(apic);
	u32 ldr, dfr;

	switch (irq->shorthand) {
	case APIC_SH_SELF:
		return target == src;
	case APIC_SH_ALL:
		return true;
	case APIC_SH_OTHERS:
		return target != src;
	}
	/*
	 * All ones is a broadcast in either destination mode (§11.6.2.2,
	 * §11.12.9); an MSI (no source APIC) only has 8 destination bits.
	 */
	if (irq->dest == 0xffffffff ||
	    (irq->dest == 0xff && (!x2apic || !src)))
		return true;
	if (!irq->logical)
		return irq->dest == hyv_apic_id(target);
	ldr = x2apic ? hyv_x2apic_ldr(target->id) :
		       READ_ONCE(apic->reg[APIC_REG_LDR >> 4]);
	dfr = READ_ONCE(apic->reg[APIC_REG_DFR >> 4]);
	return hyv_apic_match_logical(x2apic, ldr, dfr, irq->dest);
}

static void hyv_apic_accept(struct hyv_vcpu *vcpu,
			    const struct hyv_apic_irq *irq)
{
	switch (irq->mode) {
	case APIC_MODE_FIXED:
	case APIC_MODE_LOWEST:
		hyv_lapic_set_irq(vcpu, irq->vector);
		break;
	case APIC_MODE_NMI:
		hyv_irq_raise_nmi(vcpu);
		break;
	case APIC_MODE_INIT:
		/* A SIPI sent before this INIT is void; one sent after is not. */
		clear_bit(HYV_REQ_SIPI, &vcpu->requests);
		hyv_vcpu_wake(vcpu, HYV_REQ_INIT);
		break;
	case APIC_MODE_SIPI:
		WRITE_ONCE(vcpu->sipi_vector, irq->vector);
		hyv_vcpu_wake(vcpu, HYV_REQ_SIPI);
		break;
	}
}

/*
 * Deliver to every matching vCPU; lowest priority goes to the first match
 * (hyv does not arbitrate). Returns how many accepted it.
 */
static int hyv_apic_deliver(struct hyv_vm *vm, struct hyv_vcpu *src,
			    const struct hyv_apic_irq *irq)
{
	int i, n = 0;

	rcu_read_lock();
	for (i = 0; i < HYV_MAX_VCPUS; i++) {
		struct hyv_vcpu *vcpu = rcu_dereference(vm->vcpus[i]);

		if (!vcpu || !hyv_apic_matches(vcpu, src, irq))
			continue;
		hyv_apic_accept(vcpu, irq);
		n++;
		if (irq->mode == APIC_MODE_LOWEST)
			break;
	}
	rcu_read_unlock();
	return n;
}

/* An MSI as a PCI device sends it (§11.11); any context. */
int hyv_lapic_deliver_msi(struct hyv_vm *vm, u64 address, u32 data)
{
	struct hyv_apic_irq irq = {
		.vector = data & 0xff,
		.mode = (data >> 8) & 7,
		.logical = address & BIT(2),
		.dest = (address >> 12) & 0xff,
	};

	if ((address >> 20) != (HYV_APIC_DEFAULT_BASE >> 20))
		return -EINVAL;
	return hyv_apic_deliver(vm, NULL, &irq) ? 0 : -ENOENT;
}

#define APIC_ICR_LEVEL_ASSERT	BIT(14)

static void hyv_apic_send_ipi(struct hyv_vcpu *vcpu, u32 icr, u32 dest)
{
	struct hyv_apic_irq irq = {
		.vector = APIC_ICR_VECTOR(icr),
		.mode = APIC_ICR_MODE(icr),
		.shorthand = APIC_ICR_SHORTHAND(icr),
		.logical = icr & APIC_ICR_LOGICAL,
		.dest = dest,
	};

	/* INIT level de-assert only synchronises arbitration IDs: no-op. */
	if (irq.mode == APIC_MODE_INIT && !(icr & APIC_ICR_LEVEL_ASSERT))
		return;
	hyv_apic_deliver(vcpu->vm, vcpu, &irq);
}

/* ---- Register access: xAPIC MMIO and x2APIC MSRs ---------------------- */

static u32 hyv_apic_read(struct hyv_vcpu *vcpu, u32 offset)
{
	struct hyv_lapic *apic = &vcpu->lapic;

	switch (offset) {
	case APIC_REG_ID:
		return hyv_apic_x2apic(apic) ? vcpu->id : *hyv_apic_reg(apic, offset);
	case APIC_REG_PPR:
		return hyv_apic_cur_ppr(apic);
	case APIC_REG_LDR:
		return hyv_apic_x2apic(apic) ? hyv_x2apic_ldr(vcpu->id) :
					       *hyv_apic_reg(apic, offset);
	case APIC_REG_TIMER_CCR:
		return hyv_lapic_timer_ccr(apic);
	case APIC_REG_APR:
	case APIC_REG_RRD:
		return 0;
	default:
		/* The caller checked hyv_apic_reg_access(): a real register. */
		return *hyv_apic_reg(apic, offset);
	}
}

/* LVT bits a guest may set: vector, delivery mode, mask, timer mode. */
static u32 hyv_apic_lvt_mask(u32 offset)
{
	return offset == APIC_REG_LVT_TIMER ? 0x70eff : 0x1f7ff;
}

static bool hyv_apic_is_lvt(u32 offset)
{
	return offset == APIC_REG_LVT_CMCI ||
	       (offset >= APIC_REG_LVT_TIMER && offset <= APIC_REG_LVT_ERROR);
}

static void hyv_apic_write_svr(struct hyv_lapic *apic, u32 val)
{
	u32 lvt;

	*hyv_apic_reg(apic, APIC_REG_SVR) = val & 0x13ff;
	if (val & APIC_SVR_ENABLE)
		return;
	/* Software-disabling masks every LVT entry (§11.4.7.2). */
	for (lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 0x10)
		*hyv_apic_reg(apic, lvt) |= APIC_LVT_MASKED;
	*hyv_apic_reg(apic, APIC_REG_LVT_CMCI) |= APIC_LVT_MASKED;
}

/*
 * Write one register under apic->lock. Returns -EINVAL for a register the
 * guest may not write in this mode (x2APIC turns that into #GP), and sets
 * *timer when the timer must be re-armed, *ipi when an IPI must go.
 */
static int hyv_apic_write_locked(struct hyv_vcpu *vcpu, u32 offset, u32 val,
				 bool *timer, bool *ipi)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	bool x2apic = hyv_apic_x2apic(apic);
	u32 *reg = hyv_apic_reg(apic, offset);

	switch (offset) {
	case APIC_REG_ID:
	case APIC_REG_LDR:
		if (x2apic)
			return -EINVAL;
		*reg = val & 0xff000000;
		return 0;
	case APIC_REG_DFR:
		if (x2apic)
			return -EINVAL;
		*reg = val | 0x0fffffff;
		return 0;
	case APIC_REG_TPR:
		*reg = val & 0xff;
		return 0;
	case APIC_REG_EOI:
		if (x2apic && val)
			return -EINVAL;
		hyv_apic_eoi(apic);
		return 0;
	case APIC_REG_SVR:
		hyv_apic_write_svr(apic, val);
		return 0;
	case APIC_REG_ESR:
		/* A write latches the errors seen since the last one (§11.5.3). */
		*reg = apic->esr_pending;
		apic->esr_pending = 0;
		return 0;
	case APIC_REG_ICR:
		*reg = val & ~BIT(12);	/* delivery status: always idle */
		*ipi = true;
		return 0;
	case APIC_REG_ICR2:
		if (x2apic)
			return -EINVAL;
		*reg = val & 0xff000000;
		return 0;
	case APIC_REG_TIMER_ICR:
		*reg = val;
		*timer = true;
		return 0;
	case APIC_REG_TIMER_DCR:
		*reg = val & 0xb;
		return 0;
	case APIC_REG_SELF_IPI:
		hyv_apic_set_irr(apic, val & 0xff);
		return 0;
	}
	if (!hyv_apic_is_lvt(offset))
		return x2apic ? -EINVAL : 0;	/* read-only or reserved */
	if (!(*hyv_apic_reg(apic, APIC_REG_SVR) & APIC_SVR_ENABLE))
		val |= APIC_LVT_MASKED;
	/*
	 * A mode change stops the timer; only a write of the initial count
	 * starts it again (SDM vol. 3A §11.5.4), as in KVM's apic_update_lvtt().
	 */
	if (offset == APIC_REG_LVT_TIMER &&
	    APIC_LVT_TIMER_MODE(val) != APIC_LVT_TIMER_MODE(*reg)) {
		*hyv_apic_reg(apic, APIC_REG_TIMER_ICR) = 0;
		*timer = true;
	}
	*reg = val & hyv_apic_lvt_mask(offset);
	return 0;
}

static int hyv_apic_write(struct hyv_vcpu *vcpu, u32 offset, u32 val,
			  u32 dest)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	bool timer = false, ipi = false;
	unsigned long flags;
	u32 icr;
	int ret;

	spin_lock_irqsave(&apic->lock, flags);
	ret = hyv_apic_write_locked(vcpu, offset, val, &timer, &ipi);
	icr = *hyv_apic_reg(apic, APIC_REG_ICR);
	if (ipi && !hyv_apic_x2apic(apic))
		dest = *hyv_apic_reg(apic, APIC_REG_ICR2) >> 24;
	spin_unlock_irqrestore(&apic->lock, flags);

	if (timer) {
		if (offset == APIC_REG_LVT_TIMER)
			apic->tsc_deadline = 0;
		hyv_lapic_timer_update(vcpu);
	}
	if (ipi)
		hyv_apic_send_ipi(vcpu, icr, dest);
	/* EOI, TPR, self-IPI or SVR may have made an interrupt deliverable. */
	hyv_vcpu_wake(vcpu, HYV_REQ_EVENT);
	return ret;
}

/*
 * xAPIC MMIO: true if @gpa is this APIC's page (and the access done).
 * Only aligned 32-bit accesses reach a register (§11.4.1); reserved and
 * write-only offsets read 0, writes to them and to read-only registers
 * are dropped.
 */
/* Is @gpa in this vCPU's xAPIC page (enabled, not in x2APIC mode)? */
bool hyv_lapic_owns(struct hyv_vcpu *vcpu, u64 gpa)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	u64 base = apic->base_msr & APIC_BASE_ADDR;

	return (apic->base_msr & APIC_BASE_ENABLE) && !hyv_apic_x2apic(apic) &&
	       gpa >= base && gpa < base + PAGE_SIZE;
}

bool hyv_lapic_mmio(struct hyv_vcpu *vcpu, u64 gpa, bool write, u32 *val)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	unsigned int access;
	u32 offset;

	if (!hyv_lapic_owns(vcpu, gpa))
		return false;
	offset = gpa - (apic->base_msr & APIC_BASE_ADDR);
	access = hyv_apic_reg_access(offset, false);
	if (write) {
		if (access & HYV_APIC_WRITE)
			hyv_apic_write(vcpu, offset, *val, 0);
	} else {
		*val = (access & HYV_APIC_READ) ? hyv_apic_read(vcpu, offset) : 0;
	}
	return true;
}

static int hyv_apic_base_write(struct hyv_vcpu *vcpu, u64 val)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	u64 old = apic->base_msr;

	if (val & ~(APIC_BASE_ADDR | APIC_BASE_BSP | APIC_BASE_EXTD |
		    APIC_BASE_ENABLE))
		return -EINVAL;
	if ((val & APIC_BASE_BSP) != (old & APIC_BASE_BSP))
		return -EINVAL;
	/* x2APIC needs the APIC on, and cannot go straight back to xAPIC. */
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_ENABLE))
		return -EINVAL;
	if ((old & APIC_BASE_EXTD) && (val & APIC_BASE_ENABLE) &&
	    !(val & APIC_BASE_EXTD))
		return -EINVAL;
	apic->base_msr = val;
	return 0;
}

/* IA32_APIC_BASE, TSC_DEADLINE and the x2APIC range; -ENOENT if none. */
int hyv_lapic_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	u32 offset = (msr - X2APIC_MSR_FIRST) << 4;

	if (msr == MSR_IA32_APICBASE) {
		*val = apic->base_msr;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = apic->tsc_deadline;
		return 0;
	}
	if (msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return -ENOENT;
	/* Reserved and write-only registers: #GP (SDM §11.12.1.2). */
	if (!hyv_apic_x2apic(apic) ||
	    !(hyv_apic_reg_access(offset, true) & HYV_APIC_READ))
		return -EINVAL;
	*val = hyv_apic_read(vcpu, offset);
	if (offset == APIC_REG_ICR)
		*val |= (u64)*hyv_apic_reg(apic, APIC_REG_ICR2) << 32;
	return 0;
}

int hyv_lapic_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val)
{
	struct hyv_lapic *apic = &vcpu->lapic;
	u32 offset = (msr - X2APIC_MSR_FIRST) << 4;

	if (msr == MSR_IA32_APICBASE)
		return hyv_apic_base_write(vcpu, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		u32 lvt = *hyv_apic_reg(apic, APIC_REG_LVT_TIMER);

		if (APIC_LVT_TIMER_MODE(lvt) != APIC_TIMER_TSC_DEADLINE)
			return 0;	/* ignored outside TSC-deadline mode */
		apic->tsc_deadline = val;
		hyv_lapic_timer_update(vcpu);
		return 0;
	}
	if (msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return -ENOENT;
	/* Reserved and read-only registers, a non-zero ESR: #GP (§11.12.1.2). */
	if (!hyv_apic_x2apic(apic) ||
	    !(hyv_apic_reg_access(offset, true) & HYV_APIC_WRITE) ||
	    (val >> 32 && offset != APIC_REG_ICR) ||
	    (offset == APIC_REG_ESR && val))
		return -EINVAL;
	if (offset == APIC_REG_ICR)
		*hyv_apic_reg(apic, APIC_REG_ICR2) = val >> 32;
	return hyv_apic_write(vcpu, offset, (u32)val, val >> 32);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer as a guest sees it, measured with the TSC: a
 * periodic timer interrupts at the programmed rate (wide tolerance: the
 * testbed is an emulator), a one-shot fires once and not early with the
 * divide configuration applied, and a TSC deadline fires after the
 * deadline and never before, and not at all once disarmed.
 */
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define VEC_PERIODIC	0x40
#define VEC_ONESHOT	0x41
#define VEC_DEADLINE	0x42

#define PERIOD_MS	4
#define MEASURE_MS	400

/* APIC timer ticks are nanoseconds (1 GHz) before the divider. */
#define NS_PER_MS	1000000ULL

static struct hyv_vcpu *timer_vcpu(void *guest_code, u64 tsc_khz)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_code);

	guest_irq_install(vcpu->vm);
	guest_irq_vcpu_init(vcpu);
	hyv_vcpu_set_args(vcpu, tsc_khz, 0);
	return vcpu;
}

/*
 * Periodic timer, divide by 1: sleep in sti;hlt for MEASURE_MS by the
 * TSC and report how many interrupts came and how long it really was.
 * Then stop the timer (initial count 0) and report what still came.
 */
static void guest_periodic(u64 tsc_khz)
{
	u64 start, end, n;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_PERIODIC);
	start = guest_rdtsc();
	guest_x2apic_write(APIC_TIMER_ICR, PERIOD_MS * NS_PER_MS);
	end = start + tsc_khz * MEASURE_MS;
	while ((long long)(guest_rdtsc() - end) < 0)
		guest_sti_hlt();
	guest_cli();
	n = guest_irq_read_count(VEC_PERIODIC);
	GUEST_SYNC4(n, guest_rdtsc() - start, 0, 0);

	guest_x2apic_write(APIC_TIMER_ICR, 0);
	n = guest_irq_read_count(VEC_PERIODIC);
	guest_sti();
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, 10 * PERIOD_MS));
	guest_cli();
	GUEST_SYNC(guest_irq_read_count(VEC_PERIODIC) - n);
}

TEST(periodic_timer_interrupts_at_the_programmed_rate_and_stops)
{
	u64 khz = host_tsc_khz();
	struct hyv_vcpu *vcpu = timer_vcpu(guest_periodic, khz);
	struct hyv_ucall uc;
	u64 count, ms, nominal;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
	count = uc.args[0];
	ms = uc.args[1] / khz;
	nominal = ms / PERIOD_MS;
	TH_LOG("%llu interrupts in %llu ms, nominal %llu (period %d ms)",
	       count, ms, nominal, PERIOD_MS);
	/* At least 20%, at most 500% of nominal: the emulator is slow. */
	EXPECT_GE(count * 5, nominal);
	EXPECT_LE(count, nominal * 5);

	/* After the initial count is cleared, at most one already pending. */
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
	EXPECT_LE(uc.args[0], 1);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * One-shot of 10 ms with divide by 16 (initial count 625000): reports
 * the count, when it fired (TSC ticks after the start), the current
 * count read right after arming, and the current count after it fired.
 */
static void guest_oneshot(u64 tsc_khz)
{
	u64 start, ccr;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, 0x3);	/* divide by 16 */
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_ONESHOT | VEC_ONESHOT);
	start = guest_rdtsc();
	guest_x2apic_write(APIC_TIMER_ICR, 10 * NS_PER_MS / 16);
	ccr = guest_x2apic_read(APIC_TIMER_CCR);
	guest_sti();
	guest_spin_until_tsc(start + tsc_khz * 200);
	guest_cli();
	GUEST_SYNC4(guest_irq_read_count(VEC_ONESHOT),
		    guest_irq_tsc[VEC_ONESHOT] - start, ccr,
		    guest_x2apic_read(APIC_TIMER_CCR));
}

TEST(oneshot_timer_fires_exactly_once_not_before_its_divided_count)
{
	u64 khz = host_tsc_khz();
	struct hyv_vcpu *vcpu = timer_vcpu(guest_oneshot, khz);
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
	TH_LOG("fired %llu time(s), %llu us after arming; CCR %llu after arming",
	       uc.args[0], uc.args[1] * 1000 / khz, uc.args[2]);
	EXPECT_EQ(1, uc.args[0]);
	/* 10 ms, less 1% for the TSC rate's measurement. */
	EXPECT_GE(uc.args[1] * 100, khz * 10 * 99);
	/* Counting down from 625000 (not yet 0, no more than the start). */
	EXPECT_GT(uc.args[2], 0);
	EXPECT_LE(uc.args[2], 10 * NS_PER_MS / 16);
	EXPECT_EQ(0, uc.args[3]);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * TSC-deadline mode: arm 20 ms ahead and wait 200 ms with interrupts on;
 * report the count, the handler's TSC, the deadline and what
 * IA32_TSC_DEADLINE reads afterwards (0: it fired).
 */
static void guest_deadline(u64 tsc_khz)
{
	u64 deadline, n;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_TSC_DEADLINE | VEC_DEADLINE);
	deadline = guest_tsc_after_ms(tsc_khz, 20);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	GUEST_ASSERT_EQ(deadline, guest_rdmsr(MSR_IA32_TSC_DEADLINE));
	guest_sti();
	guest_spin_until_tsc(deadline + tsc_khz * 200);
	guest_cli();
	GUEST_SYNC4(guest_irq_read_count(VEC_DEADLINE),
		    guest_irq_tsc[VEC_DEADLINE], deadline,
		    guest_rdmsr(MSR_IA32_TSC_DEADLINE));

	/* Armed, then disarmed by writing 0: nothing comes. */
	n = guest_irq_read_count(VEC_DEADLINE);
	deadline = guest_tsc_after_ms(tsc_khz, 20);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	guest_sti();
	guest_spin_until_tsc(deadline + tsc_khz * 100);
	guest_cli();
	GUEST_SYNC(guest_irq_read_count(VEC_DEADLINE) - n);

	/* A deadline already past fires at once. */
	n = guest_irq_read_count(VEC_DEADLINE);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, guest_rdtsc() - 1);
	guest_sti();
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, 100));
	guest_cli();
	GUEST_SYNC(guest_irq_read_count(VEC_DEADLINE) - n);
}

TEST(tsc_deadline_fires_after_the_deadline_not_before_and_not_when_disarmed)
{
	u64 khz = host_tsc_khz();
	struct hyv_vcpu *vcpu = timer_vcpu(guest_deadline, khz);
	struct hyv_ucall uc;
	long long late;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
	late = (long long)(uc.args[1] - uc.args[2]);
	TH_LOG("fired %llu time(s), %lld us after the deadline",
	       uc.args[0], late * 1000 / (long long)khz);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_GE(late, 0);
	EXPECT_EQ(0, uc.args[3]);

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
	EXPECT_EQ(0, uc.args[0]);	/* disarmed */
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
	EXPECT_EQ(1, uc.args[0]);	/* past deadline */
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * A masked LVT timer counts but does not interrupt; the CPUID bits that
 * advertise the timer features are there.
 */
static void guest_masked(u64 tsc_khz)
{
	u32 a, b, c, d;

	guest_cpuid(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & BIT(24));		/* TSC-deadline */
	guest_cpuid(6, 0, &a, &b, &c, &d);
	GUEST_ASSERT(a & BIT(2));		/* ARAT */

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_LVT_ONESHOT |
			   VEC_ONESHOT);
	guest_x2apic_write(APIC_TIMER_ICR, 5 * NS_PER_MS);
	guest_sti();
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, 50));
	guest_cli();
	GUEST_SYNC(guest_irq_read_count(VEC_ONESHOT));
}

TEST(masked_timer_does_not_interrupt)
{
	struct hyv_vcpu *vcpu = timer_vcpu(guest_masked, host_tsc_khz());
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
	EXPECT_EQ(0, uc.args[0]);
	hyv_vm_free_with_vcpu(vcpu);
}

/* A periodic timer of 200 us left running when the VMM lets go. */
static void guest_leave_timer_running(u64 tsc_khz)
{
	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_PERIODIC);
	guest_x2apic_write(APIC_TIMER_ICR, 200000);
	guest_sti();
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, 2));
	GUEST_SYNC(guest_irq_read_count(VEC_PERIODIC));
}

/*
 * Closing the vCPU and VM fds while the timer fires (vCPU fd first, then
 * the VM, and the reverse) must cancel it cleanly; the testbed fails the
 * run on any kernel warning this leaves in the console.
 */
TEST(vm_closed_with_its_timer_running_tears_down_cleanly)
{
	u64 khz = host_tsc_khz();
	struct hyv_ucall uc;
	int i;

	for (i = 0; i < 20; i++) {
		struct hyv_vcpu *vcpu = timer_vcpu(guest_leave_timer_running, khz);
		struct hyv_vm *vm = vcpu->vm;

		ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 20));
		if (i & 1) {
			close(vm->fd);
			vm->fd = -1;
		}
		hyv_vcpu_free(vcpu);
		hyv_vm_free(vm);
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer as a guest sees it, measured with the TSC: a
 * periodic timer interrupts at the programmed rate (within 20 %, counting
 * only the time the guest ran) and stops; a one-shot counts down from its
 * divided count, fires once and neither before its time nor much after
 * it; switching the LVT's mode does not start a stopped timer; a TSC
 * deadline fires once, after the deadline and not much after it, and not
 * at all once disarmed.
 *
 * "Not much after": the testbed is an emulator on a shared host, so the
 * bound is half the timer's own interval (a timer firing twice as late
 * fails), and time the guest demonstrably did not run (the emulator or
 * the host took its CPU away) is not held against the timer.
 */
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define VEC_PERIODIC	0x40
#define VEC_ONESHOT	0x41
#define VEC_DEADLINE	0x42

#define PERIOD_MS	10
#define MEASURE_MS	1000

/* One-shot and TSC-deadline intervals, and how late they may fire. */
#define INTERVAL_MS	200
#define LATE_MAX_MS	(INTERVAL_MS / 2)
/* A gap between two TSC reads of a spinning guest: time it did not run. */
#define STALL_GAP_US	2000

/* APIC timer ticks are nanoseconds (1 GHz) before the divider. */
#define NS_PER_MS	1000000ULL

/*
 * The vCPU runs on the test's thread, pinned to the CPU it is on: the
 * APIC timer's hrtimer is queued on the CPU that armed it, so a CPU the
 * emulator stops also stops the guest, and the guest sees that as a gap
 * in its TSC reads (guest_spin_counting_stalls()).
 */
static struct hyv_vcpu *timer_vcpu(void *guest_code, u64 tsc_khz)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_code);
	int cpu = sched_getcpu();
	cpu_set_t set;

	HYV_ASSERT(cpu >= 0, "sched_getcpu");
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	HYV_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "sched_setaffinity");

	guest_irq_install(vcpu->vm);
	guest_irq_vcpu_init(vcpu);
	hyv_vcpu_set_args(vcpu, tsc_khz, 0);
	return vcpu;
}

/*
 * Spin with interrupts on until @end and return the TSC ticks, after
 * @from and before @vector was taken (beyond @n0 times; vector -1: all
 * along), during which the guest did not run: gaps between two
 * consecutive reads of more than @gap. Those are the emulator's or the
 * host's, not the timer's.
 */
static u64 guest_spin_counting_stalls(u64 from, u64 end, u64 gap, int vector,
				      u64 n0)
{
	u64 prev = guest_rdtsc(), t, stalled = 0;
	bool waiting = true;

	guest_sti();
	while ((long long)(prev - end) < 0) {
		t = guest_rdtsc();
		if (waiting && t - prev > gap && (long long)(t - from) > 0)
			stalled += t - ((long long)(prev - from) > 0 ? prev : from);
		waiting = vector < 0 || guest_irq_read_count(vector) == n0;
		prev = t;
	}
	guest_cli();
	return stalled;
}

/* Spin @ms by the TSC with interrupts on. */
static void guest_spin_ms(u64 tsc_khz, u64 ms)
{
	guest_sti();
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, ms));
	guest_cli();
}

/*
 * Periodic timer, divide by 1: spin with interrupts on for MEASURE_MS by
 * the TSC and report how many interrupts came, how long it really was,
 * and how long of it the guest did not run (periods that elapse then
 * coalesce into one interrupt, as on hardware). Then stop the timer
 * (initial count 0) and report what still came.
 */
static void guest_periodic(u64 tsc_khz)
{
	u64 start, stalled, n;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_PERIODIC);
	start = guest_rdtsc();
	guest_x2apic_write(APIC_TIMER_ICR, PERIOD_MS * NS_PER_MS);
	stalled = guest_spin_counting_stalls(start, start + tsc_khz * MEASURE_MS,
					     tsc_khz * STALL_GAP_US / 1000, -1, 0);
	n = guest_irq_read_count(VEC_PERIODIC);
	GUEST_SYNC4(n, guest_rdtsc() - start, stalled, 0);

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
	u64 count, ms, stalled_ms, nominal, running;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	count = uc.args[0];
	ms = uc.args[1] / khz;
	stalled_ms = uc.args[2] / khz;
	nominal = ms / PERIOD_MS;
	running = (ms - stalled_ms) / PERIOD_MS;
	TH_LOG("%llu interrupts in %llu ms (%llu ms stopped), nominal %llu (period %d ms)",
	       count, ms, stalled_ms, nominal, PERIOD_MS);
	/*
	 * Within 20 % of the periods that passed while the guest ran, and
	 * of all of them: half or twice the rate fails.
	 */
	EXPECT_GE(count * 10, running * 8);
	EXPECT_LE(count * 10, nominal * 12 + 10);

	/* After the initial count is cleared, at most one already pending. */
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_LE(uc.args[0], 1);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * The current count right after arming, and a little later: a one-shot
 * of INTERVAL_MS cannot have expired between two instructions, however
 * busy the machine (a 10 ms one did once, 16 ms after arming).
 */
static void guest_oneshot_counts_down(u64 tsc_khz)
{
	u64 ccr0, ccr1;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, 0x3);	/* divide by 16 */
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_ONESHOT | VEC_ONESHOT);
	guest_x2apic_write(APIC_TIMER_ICR, 10 * INTERVAL_MS * NS_PER_MS / 16);
	ccr0 = guest_x2apic_read(APIC_TIMER_CCR);
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, 1));
	ccr1 = guest_x2apic_read(APIC_TIMER_CCR);
	/* Writing 0 to the initial count stops it. */
	guest_x2apic_write(APIC_TIMER_ICR, 0);
	GUEST_SYNC4(ccr0, ccr1, guest_x2apic_read(APIC_TIMER_CCR), 0);
}

TEST(oneshot_timer_counts_down_from_its_divided_count_and_stops_at_zero_count)
{
	struct hyv_vcpu *vcpu = timer_vcpu(guest_oneshot_counts_down,
					   host_tsc_khz());
	u64 icr = 10 * INTERVAL_MS * NS_PER_MS / 16;
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	TH_LOG("CCR %llu after arming %llu, %llu 1 ms later, %llu once stopped",
	       uc.args[0], icr, uc.args[1], uc.args[2]);
	EXPECT_LT(0, uc.args[0]);
	EXPECT_GE(icr, uc.args[0]);
	/* 1 ms is 62500 ticks divided by 16. */
	EXPECT_LE(uc.args[1] + NS_PER_MS / 16, uc.args[0]);
	EXPECT_EQ(0, uc.args[2]);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * One-shot of INTERVAL_MS with divide by 16: reports the count, when it
 * fired (TSC ticks after arming), the time the guest did not run in
 * between, and the current count once it fired.
 */
static void guest_oneshot(u64 tsc_khz)
{
	u64 start, stalled;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, 0x3);	/* divide by 16 */
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_ONESHOT | VEC_ONESHOT);
	start = guest_rdtsc();
	guest_x2apic_write(APIC_TIMER_ICR, INTERVAL_MS * NS_PER_MS / 16);
	stalled = guest_spin_counting_stalls(start + tsc_khz * INTERVAL_MS,
					     start + tsc_khz * (INTERVAL_MS + 3 * LATE_MAX_MS),
					     tsc_khz * STALL_GAP_US / 1000,
					     VEC_ONESHOT, 0);
	GUEST_SYNC4(guest_irq_read_count(VEC_ONESHOT),
		    guest_irq_tsc[VEC_ONESHOT] - start, stalled,
		    guest_x2apic_read(APIC_TIMER_CCR));
}

TEST(oneshot_timer_fires_exactly_once_not_before_its_divided_count)
{
	u64 khz = host_tsc_khz();
	struct hyv_vcpu *vcpu = timer_vcpu(guest_oneshot, khz);
	struct hyv_ucall uc;
	long long late;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	late = (long long)uc.args[1] - (long long)(khz * INTERVAL_MS);
	TH_LOG("fired %llu time(s), %lld us late (the guest was stopped %llu us of it)",
	       uc.args[0], late * 1000 / (long long)khz, uc.args[2] * 1000 / khz);
	EXPECT_EQ(1, uc.args[0]);
	/* Not early, less 1% for the TSC rate's measurement. */
	EXPECT_GE(uc.args[1] * 100, khz * INTERVAL_MS * 99);
	EXPECT_LT(late - (long long)uc.args[2], (long long)(khz * LATE_MAX_MS));
	EXPECT_EQ(0, uc.args[3]);
	hyv_vm_free_with_vcpu(vcpu);
}

/*
 * TSC-deadline mode: arm INTERVAL_MS ahead and spin with interrupts on;
 * report the count, the handler's TSC, the deadline, what
 * IA32_TSC_DEADLINE reads afterwards (0: it fired) and the time the
 * guest did not run between the deadline and the interrupt.
 */
static void guest_deadline(u64 tsc_khz)
{
	u64 deadline, n, stalled;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_TSC_DEADLINE | VEC_DEADLINE);
	deadline = guest_tsc_after_ms(tsc_khz, INTERVAL_MS);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	GUEST_ASSERT_EQ(deadline, guest_rdmsr(MSR_IA32_TSC_DEADLINE));
	stalled = guest_spin_counting_stalls(deadline,
					     deadline + tsc_khz * 3 * LATE_MAX_MS,
					     tsc_khz * STALL_GAP_US / 1000,
					     VEC_DEADLINE, 0);
	GUEST_SYNC4(guest_irq_read_count(VEC_DEADLINE),
		    guest_irq_tsc[VEC_DEADLINE] - deadline, stalled,
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

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	late = (long long)uc.args[1];
	TH_LOG("fired %llu time(s), %lld us after the deadline (the guest stopped %llu us of it)",
	       uc.args[0], late * 1000 / (long long)khz, uc.args[2] * 1000 / khz);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_GE(late, 0);
	/* A deadline of INTERVAL_MS: twice as late is INTERVAL_MS late. */
	EXPECT_LT(late - (long long)uc.args[2], (long long)(khz * LATE_MAX_MS));
	EXPECT_EQ(0, uc.args[3]);

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_EQ(0, uc.args[0]);	/* disarmed */
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_EQ(1, uc.args[0]);	/* past deadline */
	hyv_vm_free_with_vcpu(vcpu);
}

#define VEC_MODE_ONESHOT	0x43
#define VEC_MODE_PERIODIC	0x44

/*
 * A one-shot that has fired leaves the timer stopped with its initial
 * count still set. Switching the LVT to periodic must not start it
 * (SDM vol. 3A §11.5.4: only a write of the initial count does); the
 * write then does.
 */
static void guest_mode_change(u64 tsc_khz)
{
	u64 ccr, end;

	guest_x2apic_enable();
	guest_x2apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_ONESHOT | VEC_MODE_ONESHOT);
	guest_x2apic_write(APIC_TIMER_ICR, 5 * NS_PER_MS);
	guest_spin_ms(tsc_khz, 20);
	GUEST_SYNC4(guest_irq_read_count(VEC_MODE_ONESHOT),
		    guest_x2apic_read(APIC_TIMER_CCR), 0, 0);

	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_MODE_PERIODIC);
	ccr = guest_x2apic_read(APIC_TIMER_CCR);
	guest_spin_ms(tsc_khz, 20);
	GUEST_SYNC4(guest_irq_read_count(VEC_MODE_PERIODIC), ccr,
		    guest_x2apic_read(APIC_TIMER_CCR), 0);

	/*
	 * Periods that pass while the host does not run the vCPU merge
	 * into one interrupt: wait for the second one (up to 2 s) rather
	 * than a fixed time.
	 */
	guest_x2apic_write(APIC_TIMER_ICR, 4 * NS_PER_MS);
	end = guest_tsc_after_ms(tsc_khz, 2000);
	guest_sti();
	while (guest_irq_read_count(VEC_MODE_PERIODIC) < 2 &&
	       (long long)(guest_rdtsc() - end) < 0)
		asm volatile("pause");
	guest_cli();
	guest_x2apic_write(APIC_TIMER_ICR, 0);
	GUEST_SYNC(guest_irq_read_count(VEC_MODE_PERIODIC));
}

TEST(lvt_timer_mode_change_does_not_start_a_stopped_timer)
{
	struct hyv_vcpu *vcpu = timer_vcpu(guest_mode_change, host_tsc_khz());
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_EQ(1, uc.args[0]);	/* the one-shot fired */
	EXPECT_EQ(0, uc.args[1]);	/* and stopped */
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	TH_LOG("after the switch to periodic: %llu interrupts, CCR %llu then %llu",
	       uc.args[0], uc.args[1], uc.args[2]);
	EXPECT_EQ(0, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	EXPECT_EQ(0, uc.args[2]);
	/* Started by the initial count: 4 ms periods. */
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
	EXPECT_LE(2, uc.args[0]);
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

	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
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

		ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(vcpu, &uc, 60));
		if (i & 1) {
			close(vm->fd);
			vm->fd = -1;
		}
		hyv_vcpu_free(vcpu);
		hyv_vm_free(vm);
	}
}

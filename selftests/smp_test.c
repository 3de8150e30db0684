// SPDX-License-Identifier: GPL-2.0
/*
 * Several vCPUs in one VM, each on a host thread of its own: x2APIC fixed
 * IPIs ping-pong N times (each side sleeping in sti; hlt), shorthand and
 * logical destinations reach the right vCPUs, an NMI IPI reaches a vCPU
 * spinning with interrupts off, and INIT/SIPI from the BSP starts an AP
 * (HYV_MP_STATE_INIT_RECEIVED) in real mode at the SIPI vector.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"
#include "vcpu_thread.h"
#include "cpu_hog.h"

#define VEC_PING	0x50
#define VEC_PONG	0x51
#define VEC_OTHERS	0x52
#define VEC_LOGICAL	0x53
#define VEC_SELF	0x54
#define VEC_ALL		0x55

#define PINGPONG_ROUNDS	500

/* Guest memory both vCPUs see. */
static u32 vcpu1_ready;

static void guest_wait_ready(void)
{
	while (!__atomic_load_n(&vcpu1_ready, __ATOMIC_ACQUIRE))
		asm volatile("pause");
}

static void guest_set_ready(void)
{
	__atomic_store_n(&vcpu1_ready, 1, __ATOMIC_RELEASE);
}

/* ---- Host ------------------------------------------------------------- */

/* Guests here finish by themselves (each waits with a TSC deadline). */
#define FINISH_MS	60000

static void start_both(struct vcpu_thread *t, struct hyv_vcpu **vcpus)
{
	int i;

	for (i = 0; i < 2; i++)
		vcpu_thread_start(&t[i], vcpus[i], VCPU_RUN_TO_DONE);
}

/* Both runners done within FINISH_MS; stopped (and false) otherwise. */
static bool wait_both(struct vcpu_thread *t)
{
	bool ok = true;
	int i;

	for (i = 0; i < 2; i++) {
		if (vcpu_thread_wait(&t[i], FINISH_MS))
			continue;
		vcpu_thread_print(&t[i], "not finished: ");
		vcpu_thread_stop(&t[i]);
		ok = false;
	}
	return ok;
}

/* A VM with vCPUs 0 and 1 on guest_code(id, arg), interrupts installed. */
static struct hyv_vm *smp_vm(struct hyv_vcpu **vcpus, void *guest_code,
			     u64 arg)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	int i;

	guest_irq_install(vm);
	for (i = 0; i < 2; i++) {
		vcpus[i] = hyv_vcpu_add(vm, i, guest_code);
		guest_irq_vcpu_init(vcpus[i]);
		hyv_vcpu_set_args(vcpus[i], i, arg);
	}
	return vm;
}

/* ---- IPI ping-pong ------------------------------------------------------ */

/* What each side has sent, for the watchdog: a lost IPI shows as a gap. */
static u64 pings_sent, pongs_sent;

/*
 * vCPU 0 pings vCPU 1 and sleeps until the pong; vCPU 1 sleeps until the
 * ping and pongs. Both count in their handlers; each waits in sti; hlt.
 */
static u64 guest_pingpong(u64 id, u64 rounds)
{
	u64 i;

	guest_x2apic_enable();
	if (id == 1) {
		guest_set_ready();
		for (i = 1; i <= rounds; i++) {
			guest_wait_count(VEC_PING, i);
			/* One IPI, one interrupt: a second would skip a round. */
			__GUEST_ASSERT(guest_irq_read_count(VEC_PING) == i,
				       "vcpu1: one interrupt per PING (values: RIPs of the last two)",
				       guest_irq_prev_rip[VEC_PING],
				       guest_irq_rip[VEC_PING]);
			guest_x2apic_ipi(0, APIC_DM_FIXED | VEC_PONG);
			__atomic_store_n(&pongs_sent, i, __ATOMIC_RELEASE);
		}
		return guest_irq_read_count(VEC_PING);
	}
	guest_wait_ready();
	for (i = 1; i <= rounds; i++) {
		guest_x2apic_ipi(1, APIC_DM_FIXED | VEC_PING);
		__atomic_store_n(&pings_sent, i, __ATOMIC_RELEASE);
		guest_wait_count(VEC_PONG, i);
		__GUEST_ASSERT(guest_irq_read_count(VEC_PONG) == i,
			       "vcpu0: one interrupt per PONG (values: RIPs of the last two)",
			       guest_irq_prev_rip[VEC_PONG],
			       guest_irq_rip[VEC_PONG]);
	}
	return guest_irq_read_count(VEC_PONG);
}

static u64 guest_u64(struct hyv_vm *vm, u64 *var)
{
	return __atomic_load_n((u64 *)hyv_vm_gpa_to_hva(vm, (u64)var),
			       __ATOMIC_ACQUIRE);
}

/* Interrupts taken: grows by two each round trip while nothing is lost. */
static u64 pingpong_progress(void *arg)
{
	struct hyv_vm *vm = arg;

	return guest_u64(vm, &guest_irq_count[VEC_PING]) +
	       guest_u64(vm, &guest_irq_count[VEC_PONG]);
}

static void pingpong_describe(void *arg)
{
	struct hyv_vm *vm = arg;

	fprintf(stderr,
		"# vcpu0 sent %llu pings, vcpu1 took %llu (the last at rip %#llx); vcpu1 sent %llu pongs, vcpu0 took %llu (the last at rip %#llx)\n",
		guest_u64(vm, &pings_sent), guest_u64(vm, &guest_irq_count[VEC_PING]),
		guest_u64(vm, &guest_irq_rip[VEC_PING]),
		guest_u64(vm, &pongs_sent), guest_u64(vm, &guest_irq_count[VEC_PONG]),
		guest_u64(vm, &guest_irq_rip[VEC_PONG]));
}

/*
 * @rounds round trips, with @hog_threads CPU hogs beside the two vCPU
 * threads (0: none). The watchdog fails a stall (no interrupt taken for
 * VCPU_WATCH_STALL_S: one was lost) and waits for mere slowness up to
 * @deadline_s.
 */
static void pingpong(struct __test_metadata *_metadata, u64 rounds,
		     unsigned int hog_threads, unsigned int deadline_s)
{
	struct hyv_vcpu *vcpus[2];
	struct hyv_vm *vm = smp_vm(vcpus, guest_pingpong, rounds);
	struct vcpu_thread t[2];
	struct vcpu_watch w = {
		.threads = t, .nr_threads = 2, .arg = vm,
		.progress = pingpong_progress, .describe = pingpong_describe,
		.stall_s = VCPU_WATCH_STALL_S, .deadline_s = deadline_s,
	};
	enum vcpu_watch_result r;
	struct cpu_hog hog;
	u64 hog_loops = 1, redelivered;
	int i;

	if (hog_threads)
		cpu_hog_start(&hog, hog_threads);
	start_both(t, vcpus);
	r = vcpu_watch(&w);
	if (hog_threads)
		hog_loops = cpu_hog_stop(&hog);
	redelivered = guest_u64(vm, &guest_irq_redelivered[VEC_PING]) +
		      guest_u64(vm, &guest_irq_redelivered[VEC_PONG]);
	TH_LOG("%llu round trips in %llu ms (%llu us each), %u hog(s); %llu redelivered",
	       rounds, w.elapsed_ms, w.elapsed_ms * 1000 / rounds, hog_threads,
	       redelivered);
	ASSERT_EQ(VCPU_WATCH_DONE, r) TH_LOG("%s", vcpu_watch_result_name(r));
	if (!host_under_qemu_tcg())
		EXPECT_EQ(0, redelivered);
	EXPECT_LT(0, hog_loops) TH_LOG("the CPU hog never ran");
	EXPECT_EQ(rounds, t[0].result);
	EXPECT_EQ(rounds, t[1].result);
	EXPECT_EQ(rounds, guest_u64(vm, &guest_irq_count[VEC_PING]));
	EXPECT_EQ(rounds, guest_u64(vm, &guest_irq_count[VEC_PONG]));
	/* Each vector was taken on the vCPU it was sent to. */
	EXPECT_EQ(1, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_PING])));
	EXPECT_EQ(0, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_PONG])));
	for (i = 0; i < 2; i++)
		hyv_vcpu_free(vcpus[i]);
	hyv_vm_free(vm);
}

TEST(ipi_ping_pong_between_two_vcpus_on_two_threads)
{
	pingpong(_metadata, PINGPONG_ROUNDS, 0, VCPU_WATCH_DEADLINE_S);
}

/*
 * Ping-pong thousands of times with a CPU hog beside the two vCPU threads
 * (the SVM machine has two CPUs for three threads, the VMX machine one),
 * so that IPIs race the target going to sleep and waking up: a lost IPI
 * or wake-up stalls the game and the watchdog says which side waits.
 */
#define STRESS_ROUNDS_SVM	2000
#define STRESS_ROUNDS_VMX	500
#define STRESS_DEADLINE_S	240

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, ipi_ping_pong_round_trips_with_a_cpu_hog,
	       STRESS_DEADLINE_S + 30)
{
	u64 rounds = hyv_check_cap(HYV_CAP_BACKEND) == HYV_BACKEND_VMX ?
		     STRESS_ROUNDS_VMX : STRESS_ROUNDS_SVM;

	pingpong(_metadata, rounds, 1, STRESS_DEADLINE_S);
}

/* ---- Destinations ----------------------------------------------------- */

static bool guest_counts_reached(void)
{
	return guest_irq_read_count(VEC_OTHERS) >= 1 &&
	       guest_irq_read_count(VEC_LOGICAL) >= 1 &&
	       guest_irq_read_count(VEC_SELF) >= 1 &&
	       guest_irq_read_count(VEC_ALL) >= 2;
}

/*
 * vCPU 0 sends all-but-self, logical (x2APIC cluster 0, bit 1: vCPU 1),
 * self and all-including-self; both wait (interrupts on, by the TSC) until
 * every vector arrived, then linger a little for stray duplicates.
 */
static u64 guest_destinations(u64 id, u64 tsc_khz)
{
	u64 end;

	guest_x2apic_enable();
	if (id == 1) {
		guest_set_ready();
	} else {
		guest_wait_ready();
		guest_x2apic_ipi(0, APIC_DEST_OTHERS | VEC_OTHERS);
		guest_x2apic_ipi(BIT(1), APIC_DEST_LOGICAL | VEC_LOGICAL);
		guest_x2apic_ipi(0, APIC_DEST_SELF | VEC_SELF);
		guest_x2apic_ipi(0, APIC_DEST_ALL | VEC_ALL);
	}
	end = guest_tsc_after_ms(tsc_khz, 5000);
	guest_sti();
	while (!guest_counts_reached() && (long long)(guest_rdtsc() - end) < 0)
		asm volatile("pause");
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, 20));
	guest_cli();
	return guest_counts_reached();
}

TEST(ipi_shorthands_and_logical_destination_reach_the_right_vcpus)
{
	struct vcpu_thread t[2];
	struct hyv_vcpu *vcpus[2];
	struct hyv_vm *vm = smp_vm(vcpus, guest_destinations, host_tsc_khz());
	int i;

	start_both(t, vcpus);
	ASSERT_TRUE(wait_both(t)) TH_LOG("vCPUs did not finish in %d ms", FINISH_MS);
	EXPECT_EQ(1, GUEST_VAR(vm, guest_irq_count[VEC_OTHERS]));
	EXPECT_EQ(1, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_OTHERS])));
	EXPECT_EQ(1, GUEST_VAR(vm, guest_irq_count[VEC_LOGICAL]));
	EXPECT_EQ(1, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_LOGICAL])));
	EXPECT_EQ(1, GUEST_VAR(vm, guest_irq_count[VEC_SELF]));
	EXPECT_EQ(0, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_SELF])));
	EXPECT_EQ(2, GUEST_VAR(vm, guest_irq_count[VEC_ALL]));
	for (i = 0; i < 2; i++)
		hyv_vcpu_free(vcpus[i]);
	hyv_vm_free(vm);
}

/* ---- MSIs to one vCPU of two -------------------------------------------- */

#define VEC_MSI0	0x56
#define VEC_MSI1	0x57

static u32 vcpus_waiting;

/* Each vCPU sleeps until its own vector comes. */
static u64 guest_wait_msi(u64 id, u64 unused)
{
	(void)unused;
	guest_x2apic_enable();
	__atomic_add_fetch(&vcpus_waiting, 1, __ATOMIC_RELEASE);
	guest_wait_count(id ? VEC_MSI1 : VEC_MSI0, 1);
	return id;
}

TEST(msi_reaches_the_vcpu_its_destination_id_names)
{
	struct vcpu_thread t[2];
	struct hyv_vcpu *vcpus[2];
	struct hyv_vm *vm = smp_vm(vcpus, guest_wait_msi, 0);
	u32 *waiting = hyv_vm_gpa_to_hva(vm, (u64)&vcpus_waiting);
	struct hyv_msi msi = { .address = APIC_XAPIC_BASE | 1 << 12,
			       .data = VEC_MSI1 };
	int i, ms;

	start_both(t, vcpus);
	for (ms = 0; __atomic_load_n(waiting, __ATOMIC_ACQUIRE) < 2 && ms < 10000; ms++)
		usleep(1000);
	ASSERT_EQ(2, __atomic_load_n(waiting, __ATOMIC_ACQUIRE));
	usleep(50000);			/* both asleep in HLT */
	ASSERT_EQ(0, ioctl(vm->fd, HYV_SIGNAL_MSI, &msi));
	msi.address = APIC_XAPIC_BASE;
	msi.data = VEC_MSI0;
	ASSERT_EQ(0, ioctl(vm->fd, HYV_SIGNAL_MSI, &msi));
	ASSERT_TRUE(wait_both(t)) TH_LOG("vCPUs not woken in %d ms", FINISH_MS);
	EXPECT_EQ(1, GUEST_VAR(vm, guest_irq_count[VEC_MSI0]));
	EXPECT_EQ(0, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_MSI0])));
	EXPECT_EQ(1, GUEST_VAR(vm, guest_irq_count[VEC_MSI1]));
	EXPECT_EQ(1, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_MSI1])));
	for (i = 0; i < 2; i++)
		hyv_vcpu_free(vcpus[i]);
	hyv_vm_free(vm);
}

/* ---- Lowest-priority delivery ------------------------------------------- */

#define NR_LOWEST_VCPUS		3
#define VEC_LOWEST_MSI		0x58
#define VEC_LOWEST_IPI		0x59
#define VEC_RELEASE		0x5a	/* + vCPU id */
#define APIC_DM_LOWEST		BIT(8)

static u32 lowest_ready;

/*
 * Every vCPU sleeps until its own release vector; vCPU 0 first sends a
 * lowest-priority IPI to the logical destination of vCPUs 1 and 2
 * (x2APIC cluster 0, bits 1 and 2).
 */
static u64 guest_lowest(u64 id, u64 unused)
{
	(void)unused;
	guest_x2apic_enable();
	__atomic_add_fetch(&lowest_ready, 1, __ATOMIC_RELEASE);
	if (id == 0) {
		while (__atomic_load_n(&lowest_ready, __ATOMIC_ACQUIRE) <
		       NR_LOWEST_VCPUS)
			asm volatile("pause");
		guest_x2apic_ipi(BIT(1) | BIT(2), APIC_DEST_LOGICAL |
				 APIC_DM_LOWEST | VEC_LOWEST_IPI);
	}
	guest_wait_count(VEC_RELEASE + id, 1);
	return id;
}

/* Wait up to 20 s for @vector to be taken; then 200 ms for duplicates. */
static u64 settle_count(struct hyv_vm *vm, int vector)
{
	int ms;

	for (ms = 0; !guest_u64(vm, &guest_irq_count[vector]) && ms < 20000; ms++)
		usleep(1000);
	usleep(200000);
	return guest_u64(vm, &guest_irq_count[vector]);
}

/*
 * Delivery mode 1 (lowest priority) to several matching vCPUs reaches
 * exactly one of them (SDM vol. 3A §11.6.2.4), from an MSI (logical
 * destination: vCPUs 0-2) and from an IPI (vCPUs 1-2).
 */
TEST(lowest_priority_msi_and_ipi_reach_exactly_one_of_the_matching_vcpus)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct vcpu_thread t[NR_LOWEST_VCPUS];
	struct hyv_vcpu *vcpus[NR_LOWEST_VCPUS];
	struct hyv_msi msi = {
		.address = APIC_XAPIC_BASE | 0x7 << 12 | BIT(2),	/* logical */
		.data = APIC_DM_LOWEST | VEC_LOWEST_MSI,
	};
	u32 *ready = hyv_vm_gpa_to_hva(vm, (u64)&lowest_ready);
	u64 n_msi, n_ipi, who_msi, who_ipi;
	bool finished = true;
	int i, ms;

	guest_irq_install(vm);
	for (i = 0; i < NR_LOWEST_VCPUS; i++) {
		vcpus[i] = hyv_vcpu_add(vm, i, guest_lowest);
		guest_irq_vcpu_init(vcpus[i]);
		hyv_vcpu_set_args(vcpus[i], i, 0);
		vcpu_thread_start(&t[i], vcpus[i], VCPU_RUN_TO_DONE);
	}
	for (ms = 0; __atomic_load_n(ready, __ATOMIC_ACQUIRE) < NR_LOWEST_VCPUS &&
	     ms < 20000; ms++)
		usleep(1000);
	ASSERT_EQ(NR_LOWEST_VCPUS, __atomic_load_n(ready, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, ioctl(vm->fd, HYV_SIGNAL_MSI, &msi));
	n_msi = settle_count(vm, VEC_LOWEST_MSI);
	n_ipi = settle_count(vm, VEC_LOWEST_IPI);
	who_msi = host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_LOWEST_MSI]));
	who_ipi = host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_LOWEST_IPI]));

	for (i = 0; i < NR_LOWEST_VCPUS; i++) {
		msi.address = APIC_XAPIC_BASE | i << 12;
		msi.data = VEC_RELEASE + i;
		EXPECT_EQ(0, ioctl(vm->fd, HYV_SIGNAL_MSI, &msi));
	}
	for (i = 0; i < NR_LOWEST_VCPUS; i++) {
		if (vcpu_thread_wait(&t[i], FINISH_MS))
			continue;
		vcpu_thread_print(&t[i], "not released: ");
		vcpu_thread_stop(&t[i]);
		finished = false;
	}
	TH_LOG("lowest-priority MSI taken %llu time(s), by vcpu%llu; IPI %llu time(s), by vcpu%llu",
	       n_msi, who_msi, n_ipi, who_ipi);
	EXPECT_TRUE(finished);
	EXPECT_EQ(1, n_msi);
	EXPECT_GT(NR_LOWEST_VCPUS, who_msi);
	EXPECT_EQ(1, n_ipi);
	EXPECT_TRUE(who_ipi == 1 || who_ipi == 2) TH_LOG("taken by vcpu%llu", who_ipi);
	for (i = 0; i < NR_LOWEST_VCPUS; i++) {
		EXPECT_EQ(i, t[i].result);
		hyv_vcpu_free(vcpus[i]);
	}
	hyv_vm_free(vm);
}

/* ---- NMI IPI ------------------------------------------------------------ */

/* vCPU 1 spins with interrupts off until an NMI comes; vCPU 0 sends it. */
static u64 guest_nmi_ipi(u64 id, u64 tsc_khz)
{
	u64 end;

	guest_x2apic_enable();
	if (id == 0) {
		guest_wait_ready();
		guest_x2apic_ipi(1, APIC_DM_NMI);
		return 0;
	}
	guest_set_ready();
	end = guest_tsc_after_ms(tsc_khz, 5000);
	while (!guest_irq_read_count(GUEST_NMI_VECTOR) &&
	       (long long)(guest_rdtsc() - end) < 0)
		asm volatile("pause");
	return guest_irq_read_count(GUEST_NMI_VECTOR);
}

TEST(nmi_ipi_reaches_a_vcpu_spinning_with_interrupts_off)
{
	struct vcpu_thread t[2];
	struct hyv_vcpu *vcpus[2];
	struct hyv_vm *vm = smp_vm(vcpus, guest_nmi_ipi, host_tsc_khz());
	int i;

	start_both(t, vcpus);
	ASSERT_TRUE(wait_both(t)) TH_LOG("vCPUs did not finish in %d ms", FINISH_MS);
	EXPECT_EQ(1, t[1].result);
	EXPECT_EQ(1, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[GUEST_NMI_VECTOR])));
	for (i = 0; i < 2; i++)
		hyv_vcpu_free(vcpus[i]);
	hyv_vm_free(vm);
}

/* ---- INIT / SIPI -------------------------------------------------------- */

/*
 * The AP's first code, 16-bit real mode, copied to AP_VECTOR << 12: it
 * writes a flag beside itself (DS = CS), reports CS with an OUT and
 * halts with interrupts off.
 */
#define AP_VECTOR	0x90
#define AP_CODE_GPA	((u64)AP_VECTOR << 12)
#define AP_PORT		0xe2
#define AP_FLAG		0xbeef

GUEST_LABEL(ap_trampoline);
GUEST_LABEL(ap_trampoline_flag);
GUEST_LABEL(ap_trampoline_end);
asm(".pushsection .text\n"
	".globl ap_trampoline, ap_trampoline_flag, ap_trampoline_end\n"
	"ap_trampoline:\n"
	".code16\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	movw $" hyv_str(AP_FLAG) ", ap_trampoline_flag - ap_trampoline\n"
	"	out %ax, $" hyv_str(AP_PORT) "\n"
	"	cli\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"ap_trampoline_flag:\n"
	"	.word 0\n"
	".code64\n"
	"ap_trampoline_end:\n"
	".popsection\n");

#define AP_FLAG_GPA	(AP_CODE_GPA + (ap_trampoline_flag - ap_trampoline))

/*
 * The BSP (vCPU 0) starts vCPU 1: INIT (assert, de-assert), then SIPI,
 * SIPI. @delay_ms between INIT and the first SIPI (the MP spec's 10 ms;
 * Linux on recent CPUs and hypervisors uses none). Returns the AP's flag
 * once it is set, or after 5 s.
 */
static u64 guest_bsp(u64 tsc_khz, u64 delay_ms)
{
	u16 *flag = (u16 *)AP_FLAG_GPA;
	u64 end;

	guest_x2apic_enable();
	guest_x2apic_ipi(1, APIC_DM_INIT | APIC_LEVEL_ASSERT);
	guest_x2apic_ipi(1, APIC_DM_INIT);
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, delay_ms));
	guest_x2apic_ipi(1, APIC_DM_STARTUP | AP_VECTOR);
	guest_spin_until_tsc(guest_rdtsc() + tsc_khz / 5);	/* 200 us */
	guest_x2apic_ipi(1, APIC_DM_STARTUP | AP_VECTOR);
	GUEST_SYNC(0);			/* INIT and SIPIs sent */
	end = guest_tsc_after_ms(tsc_khz, 5000);
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != AP_FLAG &&
	       (long long)(guest_rdtsc() - end) < 0)
		asm volatile("pause");
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

/* One RUN of the AP on its thread, waited for @ms; stopped if it sleeps on. */
static bool ap_run_once(struct vcpu_thread *t, bool started, unsigned int ms)
{
	if (!started)
		vcpu_thread_start(t, t->vcpu, VCPU_RUN_ONCE);
	if (vcpu_thread_wait(t, ms))
		return true;
	vcpu_thread_stop(t);
	return false;
}

/*
 * BSP and AP of one VM; the AP waits in INIT_RECEIVED with its real-mode
 * code in place. @ap_first: the AP's thread is asleep in RUN before the
 * BSP starts; otherwise its first RUN comes after INIT and SIPI were sent.
 * The AP runs to its OUT, then to its HLT.
 */
static void init_sipi(struct __test_metadata *_metadata, u64 delay_ms,
		      bool ap_first)
{
	struct hyv_mp_state mp = { .state = HYV_MP_STATE_INIT_RECEIVED };
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *bsp = hyv_vcpu_add(vm, 0, guest_bsp);
	struct hyv_vcpu *ap = hyv_vcpu_add(vm, 1, NULL);
	struct vcpu_thread a = { .vcpu = ap };
	struct hyv_run io;
	struct hyv_ucall uc;
	u32 exit1;
	bool ok;

	memcpy(hyv_vm_gpa_to_hva(vm, AP_CODE_GPA), ap_trampoline,
	       ap_trampoline_end - ap_trampoline);
	ASSERT_EQ(0, ioctl(ap->fd, HYV_SET_MP_STATE, &mp));
	hyv_vcpu_set_args(bsp, host_tsc_khz(), delay_ms);

	if (ap_first) {
		vcpu_thread_start(&a, ap, VCPU_RUN_ONCE);
		usleep(300000);		/* asleep in RUN, waiting for SIPI */
		ASSERT_FALSE(vcpu_thread_done(&a)) {
			TH_LOG("AP's RUN returned %d (errno %d), exit %s",
			       a.ret, a.err, hyv_exit_name(a.exit_reason));
		}
	}
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(bsp, &uc, 20));
	if (!ap_first)
		vcpu_thread_start(&a, ap, VCPU_RUN_ONCE);
	ASSERT_EQ(UCALL_DONE, host_run_ucall_within(bsp, &uc, 20));
	ok = ap_run_once(&a, true, 5000);
	TH_LOG("BSP saw flag %#llx; AP: RUN %d (errno %d), exit %s",
	       uc.args[0], a.ret, a.err, hyv_exit_name(a.exit_reason));
	ASSERT_TRUE(ok) TH_LOG("the AP never reported (still asleep in RUN)");
	EXPECT_EQ(AP_FLAG, uc.args[0]);
	ASSERT_EQ(0, a.ret);
	exit1 = a.exit_reason;
	memcpy(&io, ap->run, sizeof(io));
	ASSERT_EQ(HYV_EXIT_IO, exit1);
	EXPECT_EQ(AP_PORT, io.io.port);
	EXPECT_EQ(2, io.io.size);
	EXPECT_EQ(AP_VECTOR << 8, io.io.data);	/* CS = vector << 8 */

	ASSERT_TRUE(ap_run_once(&a, false, 5000)) TH_LOG("the AP did not reach its HLT");
	ASSERT_EQ(0, a.ret);
	EXPECT_EQ(HYV_EXIT_HLT, a.exit_reason);
	ASSERT_EQ(0, ioctl(ap->fd, HYV_GET_MP_STATE, &mp));
	EXPECT_EQ(HYV_MP_STATE_RUNNABLE, mp.state);

	hyv_vcpu_free(ap);
	hyv_vcpu_free(bsp);
	hyv_vm_free(vm);
}

TEST(ap_waiting_for_sipi_is_started_by_init_sipi_sipi_and_runs_real_mode_code)
{
	init_sipi(_metadata, 10, true);
}

/*
 * INIT and SIPI both sent before the AP's thread first runs: the SIPI
 * came after the INIT, so it must still start the AP.
 */
TEST(sipi_sent_after_init_starts_the_ap_even_if_its_thread_runs_later)
{
	init_sipi(_metadata, 0, false);
}

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

#include "kselftest_harness.h"
#include "hyv_util.h"
#include "guest_irq.h"

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

/* ---- Host: vCPU threads ------------------------------------------------ */

struct vcpu_thread {
	struct hyv_vcpu *vcpu;
	pthread_t tid;
	u64 result;		/* the guest function's return value */
	int done;
};

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;

	t->result = hyv_vcpu_run_done(t->vcpu);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void vcpu_thread_start(struct vcpu_thread *t, struct hyv_vcpu *vcpu)
{
	t->vcpu = vcpu;
	t->done = 0;
	HYV_ASSERT(!pthread_create(&t->tid, NULL, vcpu_thread_fn, t),
		   "pthread_create");
}

/* Join within @seconds, or fail with what the guest counted so far. */
static bool vcpu_thread_join(struct vcpu_thread *t, int seconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	return !pthread_timedjoin_np(t->tid, NULL, &ts);
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

static u64 ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- IPI ping-pong ------------------------------------------------------ */

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
			guest_x2apic_ipi(0, APIC_DM_FIXED | VEC_PONG);
		}
		return guest_irq_read_count(VEC_PING);
	}
	guest_wait_ready();
	for (i = 1; i <= rounds; i++) {
		guest_x2apic_ipi(1, APIC_DM_FIXED | VEC_PING);
		guest_wait_count(VEC_PONG, i);
	}
	return guest_irq_read_count(VEC_PONG);
}

TEST(ipi_ping_pong_between_two_vcpus_on_two_threads)
{
	struct vcpu_thread t[2];
	struct hyv_vcpu *vcpus[2];
	struct hyv_vm *vm = smp_vm(vcpus, guest_pingpong, PINGPONG_ROUNDS);
	struct timespec t0;
	bool ok[2];
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 2; i++)
		vcpu_thread_start(&t[i], vcpus[i]);
	for (i = 0; i < 2; i++)
		ok[i] = vcpu_thread_join(&t[i], 12);
	TH_LOG("%d round trips in %llu ms; pings %llu, pongs %llu",
	       PINGPONG_ROUNDS, ms_since(&t0),
	       GUEST_VAR(vm, guest_irq_count[VEC_PING]),
	       GUEST_VAR(vm, guest_irq_count[VEC_PONG]));
	ASSERT_TRUE(ok[0] && ok[1]) TH_LOG("vCPUs did not finish in 20 s");
	EXPECT_EQ(PINGPONG_ROUNDS, t[0].result);
	EXPECT_EQ(PINGPONG_ROUNDS, t[1].result);
	EXPECT_EQ(PINGPONG_ROUNDS, GUEST_VAR(vm, guest_irq_count[VEC_PING]));
	EXPECT_EQ(PINGPONG_ROUNDS, GUEST_VAR(vm, guest_irq_count[VEC_PONG]));
	/* Each vector was taken on the vCPU it was sent to. */
	EXPECT_EQ(1, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_PING])));
	EXPECT_EQ(0, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_PONG])));
	for (i = 0; i < 2; i++)
		hyv_vcpu_free(vcpus[i]);
	hyv_vm_free(vm);
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
	bool ok[2];
	int i;

	for (i = 0; i < 2; i++)
		vcpu_thread_start(&t[i], vcpus[i]);
	for (i = 0; i < 2; i++)
		ok[i] = vcpu_thread_join(&t[i], 12);
	ASSERT_TRUE(ok[0] && ok[1]) TH_LOG("vCPUs did not finish in 20 s");
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
	bool ok[2];
	int i, ms;

	for (i = 0; i < 2; i++)
		vcpu_thread_start(&t[i], vcpus[i]);
	for (ms = 0; __atomic_load_n(waiting, __ATOMIC_ACQUIRE) < 2 && ms < 10000; ms++)
		usleep(1000);
	ASSERT_EQ(2, __atomic_load_n(waiting, __ATOMIC_ACQUIRE));
	usleep(50000);			/* both asleep in HLT */
	ASSERT_EQ(0, ioctl(vm->fd, HYV_SIGNAL_MSI, &msi));
	msi.address = APIC_XAPIC_BASE;
	msi.data = VEC_MSI0;
	ASSERT_EQ(0, ioctl(vm->fd, HYV_SIGNAL_MSI, &msi));
	for (i = 0; i < 2; i++)
		ok[i] = vcpu_thread_join(&t[i], 10);
	ASSERT_TRUE(ok[0] && ok[1]) TH_LOG("vCPUs not woken in 10 s");
	EXPECT_EQ(1, GUEST_VAR(vm, guest_irq_count[VEC_MSI0]));
	EXPECT_EQ(0, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_MSI0])));
	EXPECT_EQ(1, GUEST_VAR(vm, guest_irq_count[VEC_MSI1]));
	EXPECT_EQ(1, host_vcpu_of_rsp(vm, GUEST_VAR(vm, guest_irq_rsp[VEC_MSI1])));
	for (i = 0; i < 2; i++)
		hyv_vcpu_free(vcpus[i]);
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
	bool ok[2];
	int i;

	for (i = 0; i < 2; i++)
		vcpu_thread_start(&t[i], vcpus[i]);
	for (i = 0; i < 2; i++)
		ok[i] = vcpu_thread_join(&t[i], 12);
	ASSERT_TRUE(ok[0] && ok[1]) TH_LOG("vCPUs did not finish in 20 s");
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

struct ap_thread {
	struct hyv_vcpu *vcpu;
	pthread_t tid;
	int done;
	int ret, err;
	u32 exit1, exit2;
	struct hyv_run io;	/* the first exit */
};

/* The AP runs to its OUT, then to its HLT. */
static void *ap_thread_fn(void *arg)
{
	struct ap_thread *a = arg;

	a->ret = __hyv_vcpu_run(a->vcpu);
	a->err = errno;
	a->exit1 = a->vcpu->run->exit_reason;
	memcpy(&a->io, a->vcpu->run, sizeof(a->io));
	if (!a->ret) {
		a->ret = __hyv_vcpu_run(a->vcpu);
		a->err = errno;
		a->exit2 = a->vcpu->run->exit_reason;
	}
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* Wait for the AP thread; a RUN still asleep after @seconds gets SIGUSR1. */
static bool ap_thread_join(struct ap_thread *a, int seconds)
{
	int ms = seconds * 1000;

	while (!__atomic_load_n(&a->done, __ATOMIC_ACQUIRE) && ms-- > 0)
		usleep(1000);
	while (!__atomic_load_n(&a->done, __ATOMIC_ACQUIRE)) {
		pthread_kill(a->tid, SIGUSR1);
		usleep(10000);
		ms = -1;
	}
	pthread_join(a->tid, NULL);
	return ms >= 0;
}

/*
 * BSP and AP of one VM; the AP waits in INIT_RECEIVED with its real-mode
 * code in place. @ap_first: the AP's thread is asleep in RUN before the
 * BSP starts; otherwise its first RUN comes after INIT and SIPI were sent.
 */
static void init_sipi(struct __test_metadata *_metadata, u64 delay_ms,
		      bool ap_first)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct hyv_mp_state mp = { .state = HYV_MP_STATE_INIT_RECEIVED };
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *bsp = hyv_vcpu_add(vm, 0, guest_bsp);
	struct hyv_vcpu *ap = hyv_vcpu_add(vm, 1, NULL);
	struct ap_thread a = { .vcpu = ap };
	struct hyv_ucall uc;
	bool ok;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	memcpy(hyv_vm_gpa_to_hva(vm, AP_CODE_GPA), ap_trampoline,
	       ap_trampoline_end - ap_trampoline);
	ASSERT_EQ(0, ioctl(ap->fd, HYV_SET_MP_STATE, &mp));
	hyv_vcpu_set_args(bsp, host_tsc_khz(), delay_ms);

	if (ap_first) {
		ASSERT_EQ(0, pthread_create(&a.tid, NULL, ap_thread_fn, &a));
		usleep(300000);		/* asleep in RUN, waiting for SIPI */
		ASSERT_FALSE(a.done) {
			TH_LOG("AP's RUN returned %d (errno %d), exit %s",
			       a.ret, a.err, hyv_exit_name(a.exit1));
		}
	}
	ASSERT_EQ(UCALL_SYNC, host_run_ucall_within(bsp, &uc, 20));
	if (!ap_first)
		ASSERT_EQ(0, pthread_create(&a.tid, NULL, ap_thread_fn, &a));
	ASSERT_EQ(UCALL_DONE, host_run_ucall_within(bsp, &uc, 20));
	ok = ap_thread_join(&a, 5);
	TH_LOG("BSP saw flag %#llx; AP: RUN %d (errno %d), exits %s, %s",
	       uc.args[0], a.ret, a.err, hyv_exit_name(a.exit1),
	       hyv_exit_name(a.exit2));
	ASSERT_TRUE(ok) TH_LOG("the AP never reported (still asleep in RUN)");
	EXPECT_EQ(AP_FLAG, uc.args[0]);
	ASSERT_EQ(0, a.ret);
	ASSERT_EQ(HYV_EXIT_IO, a.exit1);
	EXPECT_EQ(AP_PORT, a.io.io.port);
	EXPECT_EQ(2, a.io.io.size);
	EXPECT_EQ(AP_VECTOR << 8, a.io.io.data);	/* CS = vector << 8 */
	EXPECT_EQ(HYV_EXIT_HLT, a.exit2);
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

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * INIT (issue #9, C.16): an INIT IPI puts the target vCPU back in the
 * architectural INIT state (SDM vol. 3A §10.4.7.3, table 9-1): its local
 * APIC's TPR, SVR, LVTs, timer and IRR/ISR are reset, while the APIC ID
 * and IA32_APIC_BASE (x2APIC mode included) survive; whatever interrupt
 * was pending for it is gone. The AP reads its own APIC back from the
 * real-mode code the SIPI starts, so nothing but the guest's view counts.
 */
#include <pthread.h>
#include <string.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define VEC_HELD	0x21	/* held in the IRR by TPR 0x20 */
#define VEC_TIMER	0x40
#define AP_VECTOR	0x90	/* SIPI vector: the AP starts at 0x90000 */
#define AP_CODE_GPA	((u64)AP_VECTOR << 12)
#define AP_PORT		0xe4
#define AP_MARK		0xa5a5

/* What the AP reports after INIT + SIPI, in the order it OUTs them. */
enum { R_MARK, R_TPR, R_SVR, R_LVTT, R_TMICT, R_IRR1, R_ISR1, R_APICBASE,
	R_CR0, R_EFER_LO, NR_REPORTS };

/*
 * The AP's code after SIPI, 16-bit real mode: each value goes out as a
 * 32-bit OUT (x2APIC registers through RDMSR, allowed at CPL 0 in real
 * mode), then CLI; HLT.
 */
#define RD(msr) "	movl $" hyv_str(msr) ", %ecx\n	rdmsr\n	outl %eax, $" hyv_str(AP_PORT) "\n"
GUEST_LABEL(init_ap_trampoline);
GUEST_LABEL(init_ap_trampoline_end);
asm(".pushsection .text\n"
	".globl init_ap_trampoline, init_ap_trampoline_end\n"
	"init_ap_trampoline:\n"
	".code16\n"
	"	movl $" hyv_str(AP_MARK) ", %eax\n"
	"	outl %eax, $" hyv_str(AP_PORT) "\n"
	RD(0x808)		/* TPR */
	RD(0x80f)		/* SVR */
	RD(0x832)		/* LVT timer */
	RD(0x838)		/* timer initial count */
	RD(0x821)		/* IRR 32-63 */
	RD(0x811)		/* ISR 32-63 */
	RD(0x1b)		/* IA32_APIC_BASE */
	"	movl %cr0, %eax\n"
	"	outl %eax, $" hyv_str(AP_PORT) "\n"
	RD(0xc0000080)		/* EFER */
	"	cli\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	".code64\n"
	"init_ap_trampoline_end:\n"
	".popsection\n");

/*
 * The AP before INIT: x2APIC on, TPR 0x20, SVR with a spurious vector of
 * its own, a periodic timer running and one interrupt held in the IRR by
 * the TPR; it reports that state and spins with interrupts off until the
 * INIT arrives.
 */
static void guest_ap_before_init(void)
{
	guest_x2apic_enable();
	guest_x2apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xfe);
	guest_set_cr8(2);
	guest_x2apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	guest_x2apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
	guest_x2apic_write(APIC_TIMER_ICR, 0x10000000);
	guest_x2apic_write(APIC_SELF_IPI, VEC_HELD);
	GUEST_SYNC4(guest_x2apic_read(APIC_TPR),
		    guest_x2apic_read(APIC_IRR + 0x10),
		    guest_x2apic_read(APIC_TIMER_ICR),
		    guest_rdmsr(MSR_IA32_APICBASE));
	guest_cli();
	for (;;)
		asm volatile("pause");
}

/* The BSP: INIT (assert, de-assert) to vCPU 1, 10 ms, SIPI. */
static void guest_bsp(u64 tsc_khz)
{
	guest_x2apic_enable();
	guest_x2apic_ipi(1, APIC_DM_INIT | APIC_LEVEL_ASSERT);
	guest_x2apic_ipi(1, APIC_DM_INIT);
	guest_spin_until_tsc(guest_tsc_after_ms(tsc_khz, 10));
	guest_x2apic_ipi(1, APIC_DM_STARTUP | AP_VECTOR);
}

struct ap_run {
	struct hyv_vcpu *vcpu;
	int done;
	int nr;			/* reports received */
	u32 report[NR_REPORTS];
	u32 last_exit;
	int ret, err;
};

/* Runs the AP (spinning, then INIT, SIPI) until its HLT or a bad exit. */
static void *ap_thread(void *arg)
{
	struct ap_run *a = arg;
	struct hyv_run *run = a->vcpu->run;

	for (;;) {
		a->ret = __hyv_vcpu_run(a->vcpu);
		a->err = errno;
		a->last_exit = run->exit_reason;
		if (a->ret || run->exit_reason != HYV_EXIT_IO ||
		    run->io.port != AP_PORT || run->io.size != 4 ||
		    a->nr == NR_REPORTS)
			break;
		a->report[a->nr++] = run->io.data;
	}
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

TEST(init_resets_the_aps_local_apic_and_drops_its_pending_interrupt)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *bsp = hyv_vcpu_add(vm, 0, guest_bsp);
	struct hyv_vcpu *ap = hyv_vcpu_add(vm, 1, guest_ap_before_init);
	struct ap_run a = { .vcpu = ap };
	struct hyv_ucall uc;
	pthread_t tid;
	int ms;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	guest_irq_install(vm);
	guest_irq_vcpu_init(bsp);
	guest_irq_vcpu_init(ap);
	memcpy(hyv_vm_gpa_to_hva(vm, AP_CODE_GPA), init_ap_trampoline,
	       init_ap_trampoline_end - init_ap_trampoline);
	hyv_vcpu_set_args(bsp, host_tsc_khz(), 0);

	/* The AP's state before INIT is what the test then expects reset. */
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(ap, &uc));
	EXPECT_EQ(0x20, uc.args[0]);				/* TPR */
	EXPECT_NE(0, uc.args[1] & BIT(VEC_HELD - 32));		/* held */
	EXPECT_EQ(0x10000000, uc.args[2]);			/* timer */
	EXPECT_EQ(APIC_BASE_ENABLE | APIC_BASE_EXTD,
		  uc.args[3] & (APIC_BASE_ENABLE | APIC_BASE_EXTD));

	ASSERT_EQ(0, pthread_create(&tid, NULL, ap_thread, &a));
	ASSERT_EQ(UCALL_DONE, hyv_vcpu_run_ucall(bsp, &uc));
	for (ms = 0; ms < 20000 && !__atomic_load_n(&a.done, __ATOMIC_ACQUIRE); ms++)
		usleep(1000);
	while (!__atomic_load_n(&a.done, __ATOMIC_ACQUIRE)) {
		pthread_kill(tid, SIGUSR1);
		usleep(10000);
	}
	pthread_join(tid, NULL);
	TH_LOG("AP: %d reports, last exit %s (RUN %d, errno %d)", a.nr,
	       hyv_exit_name(a.last_exit), a.ret, a.err);
	ASSERT_EQ(NR_REPORTS, a.nr);
	EXPECT_EQ(HYV_EXIT_HLT, a.last_exit);
	EXPECT_EQ(AP_MARK, a.report[R_MARK]);
	EXPECT_EQ(0, a.report[R_TPR]);
	EXPECT_EQ(0xff, a.report[R_SVR]);		/* software-disabled */
	EXPECT_EQ(APIC_LVT_MASKED, a.report[R_LVTT]);
	EXPECT_EQ(0, a.report[R_TMICT]);
	EXPECT_EQ(0, a.report[R_IRR1]);			/* 0x21 dropped */
	EXPECT_EQ(0, a.report[R_ISR1]);
	/* INIT keeps IA32_APIC_BASE: enabled, x2APIC, not the BSP. */
	EXPECT_EQ(APIC_XAPIC_BASE | APIC_BASE_ENABLE | APIC_BASE_EXTD,
		  a.report[R_APICBASE]);
	EXPECT_EQ(0x60000010, a.report[R_CR0]);
	EXPECT_EQ(0, a.report[R_EFER_LO]);

	hyv_vcpu_free(ap);
	hyv_vcpu_free(bsp);
	hyv_vm_free(vm);
}

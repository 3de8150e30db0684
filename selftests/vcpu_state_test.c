// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU a VMM configures and saves (issue #10): CPUID set by the VMM
 * is what the guest sees and cannot exceed what hyv supports; MSRs go
 * both ways (guest writes, VMM reads, and back) and refuse bad values;
 * XCR0 is the guest's own and checked; the VMM injects exceptions (a #PF
 * with its CR2 and error code) and NMIs; the guest learns the TSC
 * frequency and sees the VMM's TSC offset.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define MSR_EFER		0xc0000080
#define MSR_LSTAR		0xc0000082
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_IA32_TSC		0x10
#define MSR_IA32_CR_PAT		0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define VEC_GP			13
#define VEC_PF			14

struct cpuid_buf {
	struct hyv_cpuid hdr;
	struct hyv_cpuid_entry e[HYV_MAX_CPUID_ENTRIES];
};

static struct hyv_cpuid_entry *cpuid_find(struct cpuid_buf *b, u32 fn, u32 idx)
{
	u32 i;

	for (i = 0; i < b->hdr.nent; i++)
		if (b->e[i].function == fn &&
		    (!(b->e[i].flags & HYV_CPUID_FLAG_SIGNIFICANT_INDEX) ||
		     b->e[i].index == idx))
			return &b->e[i];
	return NULL;
}

/* ---- CPUID ------------------------------------------------------------------------ */

static void guest_cpuid_report(void)
{
	u32 a, b, c, d;

	for (;;) {
		guest_cpuid(1, 0, &a, &b, &c, &d);
		GUEST_SYNC4(a, b, c, d);
	}
}

TEST(set_cpuid_is_what_the_guest_sees_and_cannot_exceed_supported)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_cpuid_report);
	static struct cpuid_buf sup, small;
	struct hyv_cpuid_entry *leaf1;
	struct hyv_ucall uc;

	/* Too small a buffer: -E2BIG and the count needed. */
	small.hdr.nent = 1;
	EXPECT_EQ(-1, ioctl(vcpu->vm->dev_fd, HYV_GET_SUPPORTED_CPUID, &small));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_GT(small.hdr.nent, 1);

	sup.hdr.nent = HYV_MAX_CPUID_ENTRIES;
	ASSERT_EQ(0, ioctl(vcpu->vm->dev_fd, HYV_GET_SUPPORTED_CPUID, &sup));
	leaf1 = cpuid_find(&sup, 1, 0);
	ASSERT_NE(NULL, leaf1);
	EXPECT_NE(0, leaf1->ecx & BIT(31));	/* hypervisor */
	EXPECT_EQ(0, leaf1->ecx & BIT(5));	/* no VMX */

	/* The guest sees a table without SSE4.2 and a model of ours. */
	leaf1->ecx &= ~BIT(20);
	leaf1->eax = 0x000a0f10;
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_SET_CPUID, &sup));
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0x000a0f10, uc.args[0]);
	EXPECT_EQ(0, uc.args[2] & BIT(20));
	EXPECT_EQ(leaf1->edx, uc.args[3]);

	/* VMX is not something hyv backs: the whole table is refused. */
	leaf1->ecx |= BIT(5);
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_CPUID, &sup));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[2] & BIT(5));
	/*
	 * After RUN the same table is taken again, another valid one is
	 * -EBUSY (as KVM_SET_CPUID2 after KVM_RUN) and changes nothing.
	 */
	leaf1->ecx &= ~BIT(5);
	EXPECT_EQ(0, ioctl(vcpu->fd, HYV_SET_CPUID, &sup));
	leaf1->ecx &= ~BIT(19);				/* SSE4.1 */
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_CPUID, &sup));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_NE(0, uc.args[2] & BIT(19));
	/* And the table reads back as it was set. */
	small.hdr.nent = HYV_MAX_CPUID_ENTRIES;
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_CPUID, &small));
	EXPECT_EQ(0x000a0f10, cpuid_find(&small, 1, 0)->eax);
	EXPECT_NE(0, cpuid_find(&small, 1, 0)->ecx & BIT(19));
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- MSRs ------------------------------------------------------------------------- */

struct msrs_buf {
	struct hyv_msrs hdr;
	struct hyv_msr_entry e[8];
};

static void guest_msr_writer(void)
{
	guest_wrmsr(MSR_LSTAR, 0xffffffff81000000ULL);
	guest_wrmsr(MSR_KERNEL_GS_BASE, 0x123456789000ULL);
	guest_wrmsr(MSR_IA32_CR_PAT, 0x0007010600070106ULL);
	GUEST_SYNC(0);
	GUEST_SYNC4(guest_rdmsr(MSR_LSTAR), guest_rdmsr(MSR_KERNEL_GS_BASE),
		    guest_rdmsr(MSR_MTRR_DEF_TYPE), 0);
	GUEST_DONE();
}

TEST(msrs_written_by_the_guest_read_back_in_the_vmm_and_the_other_way)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_msr_writer);
	struct msrs_buf b = {};
	struct hyv_ucall uc;

	hyv_vcpu_run_sync(vcpu);
	b.hdr.nmsrs = 3;
	b.e[0].index = MSR_LSTAR;
	b.e[1].index = MSR_KERNEL_GS_BASE;
	b.e[2].index = MSR_IA32_CR_PAT;
	ASSERT_EQ(3, ioctl(vcpu->fd, HYV_GET_MSRS, &b));
	EXPECT_EQ(0xffffffff81000000ULL, b.e[0].data);
	EXPECT_EQ(0x123456789000ULL, b.e[1].data);
	EXPECT_EQ(0x0007010600070106ULL, b.e[2].data);

	/* The VMM sets them; a bad PAT value ends the batch at its entry. */
	b.e[0].data = 0xffffffff82000000ULL;
	b.e[1].data = 0xabc000ULL;
	b.e[2].index = MSR_MTRR_DEF_TYPE;
	b.e[2].data = 0xc06;		/* E, FE, WB */
	b.e[3].index = MSR_IA32_CR_PAT;
	b.e[3].data = 0x0202020202020202ULL;	/* type 2 is reserved */
	b.hdr.nmsrs = 4;
	EXPECT_EQ(3, ioctl(vcpu->fd, HYV_SET_MSRS, &b));
	b.e[0].index = 0xdeadbeef;	/* no such MSR: nothing done */
	b.hdr.nmsrs = 1;
	EXPECT_EQ(0, ioctl(vcpu->fd, HYV_GET_MSRS, &b));
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0xffffffff82000000ULL, uc.args[0]);
	EXPECT_EQ(0xabc000ULL, uc.args[1]);
	EXPECT_EQ(0xc06, uc.args[2]);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

TEST(msr_index_list_names_the_msrs_get_msrs_reads)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_msr_writer);
	struct { struct hyv_msr_list hdr; u32 idx[256]; } list = {};
	struct msrs_buf b = {};
	u32 i;

	list.hdr.nmsrs = 1;
	EXPECT_EQ(-1, ioctl(vcpu->vm->dev_fd, HYV_GET_MSR_INDEX_LIST, &list));
	EXPECT_EQ(E2BIG, errno);
	list.hdr.nmsrs = 256;
	ASSERT_EQ(0, ioctl(vcpu->vm->dev_fd, HYV_GET_MSR_INDEX_LIST, &list));
	ASSERT_GT(list.hdr.nmsrs, 20);
	for (i = 0; i < list.hdr.nmsrs; i++) {
		b.hdr.nmsrs = 1;
		b.e[0].index = list.idx[i];
		EXPECT_EQ(1, ioctl(vcpu->fd, HYV_GET_MSRS, &b))
			TH_LOG("MSR %#x is listed but not readable", list.idx[i]);
	}
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- XCR0 ------------------------------------------------------------------------- */

#define X86_CR4_OSXSAVE	BIT_ULL(18)

static u8 guest_xsetbv_safe(u64 v)
{
	u64 vector;

	asm volatile(GUEST_ASM_SAFE("xsetbv") "mov %%r9, %[vec]"
		     : [vec] "=r"(vector)
		     : "a"((u32)v), "d"((u32)(v >> 32)), "c"(0)
		     : "r9", "r10", "r11", "memory");
	return vector;
}

static void guest_xcr0(void)
{
	u32 a, b, c, d;
	u64 cr4, r[4];

	guest_cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & BIT(26))) {
		GUEST_SYNC4(0, 0, 0, 0);	/* no XSAVE offered */
		GUEST_DONE();
	}
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_OSXSAVE));
	guest_cpuid(0xd, 0, &a, &b, &c, &d);
	r[0] = a;
	r[1] = guest_xsetbv_safe(0x2);		/* no x87: #GP */
	r[2] = guest_xsetbv_safe(0x5);		/* AVX without SSE: #GP */
	r[3] = guest_xsetbv_safe(0x3);		/* x87 + SSE */
	GUEST_SYNC4(r[0], r[1], r[2], r[3]);
	GUEST_DONE();
}

TEST(xcr0_is_the_guests_and_refuses_what_the_architecture_forbids)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_xcr0);
	struct hyv_xcrs xcrs = {};
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	if (!uc.args[0]) {
		hyv_vm_free_with_vcpu(vcpu);
		SKIP(return, "the host has no XSAVE");
	}
	EXPECT_EQ(3, uc.args[0] & 3);
	EXPECT_EQ(VEC_GP, uc.args[1]);
	EXPECT_EQ(VEC_GP, uc.args[2]);
	EXPECT_EQ(GUEST_NO_EXCEPTION, uc.args[3]);
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_XCRS, &xcrs));
	EXPECT_EQ(1, xcrs.nr_xcrs);
	EXPECT_EQ(3, xcrs.xcrs[0].value);
	xcrs.xcrs[0].value = 2;
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_XCRS, &xcrs));
	EXPECT_EQ(EINVAL, errno);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Events ---------------------------------------------------------------------- */

static void guest_wait_for_pf(void)
{
	GUEST_SYNC(0);
	GUEST_SYNC(0);		/* the VMM's #PF arrives before this */
}

/*
 * An exception the VMM injects (SET_VCPU_EVENTS) reaches the guest's
 * handler with its error code, and a #PF with its address in CR2.
 */
TEST(injected_page_fault_reaches_the_guest_with_cr2_and_error_code)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_wait_for_pf);
	struct hyv_vcpu_events ev = {};
	struct hyv_sregs sregs;
	struct hyv_ucall uc;

	hyv_vcpu_run_sync(vcpu);
	ev.exception.pending = 1;
	ev.exception.vector = VEC_PF;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x6;
	ev.exception.payload = 0xdead0000;
	ev.flags = HYV_VCPU_EVENT_PAYLOAD;
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_SET_VCPU_EVENTS, &ev));
	memset(&ev, 0, sizeof(ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.exception.pending);
	EXPECT_EQ(VEC_PF, ev.exception.vector);
	/* The library's handler reports the exception as a ucall. */
	ASSERT_EQ(UCALL_EXCEPTION, ({ __hyv_vcpu_run(vcpu);
				      hyv_vcpu_get_ucall(vcpu, &uc); }));
	EXPECT_EQ(VEC_PF, uc.args[0]);
	EXPECT_EQ(0x6, uc.args[2]);
	hyv_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(0xdead0000, sregs.cr2);

	/* Bad events are refused. */
	memset(&ev, 0, sizeof(ev));
	ev.exception.pending = 1;
	ev.exception.vector = 2;		/* NMI is not an exception */
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_VCPU_EVENTS, &ev));
	ev.exception.vector = 6;
	ev.exception.has_error_code = 1;	/* #UD has none */
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_VCPU_EVENTS, &ev));
	ev.exception.has_error_code = 0;
	ev.nmi.injected = 1;			/* two events at once */
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_SET_VCPU_EVENTS, &ev));
	hyv_vm_free_with_vcpu(vcpu);
}

static void guest_nmi_count_loop(void)
{
	guest_x2apic_enable();
	for (;;)
		GUEST_SYNC(guest_irq_read_count(GUEST_NMI_VECTOR));
}

TEST(hyv_nmi_reaches_the_guest_once)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_vcpu *vcpu = hyv_vcpu_add(vm, 0, guest_nmi_count_loop);

	guest_irq_install(vm);
	guest_irq_vcpu_init(vcpu);
	EXPECT_EQ(0, hyv_vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_NMI, 0));
	EXPECT_EQ(1, hyv_vcpu_run_sync(vcpu));
	EXPECT_EQ(1, hyv_vcpu_run_sync(vcpu));
	EXPECT_EQ(-1, ioctl(vcpu->fd, HYV_NMI, 1));
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Time ------------------------------------------------------------------------ */

static void guest_tsc_info(void)
{
	u32 a, b, c, d;
	u64 t0;

	guest_cpuid(HYV_CPUID_TIMING, 0, &a, &b, &c, &d);
	GUEST_SYNC4(a, b, 0, 0);
	for (;;) {
		t0 = guest_rdtsc();
		GUEST_SYNC(t0);
	}
}

static u64 host_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* Run to the guest's next TSC report, bracketed by the host's TSC. */
static u64 guest_tsc_between(struct hyv_vcpu *vcpu, u64 *before, u64 *after)
{
	u64 t;

	*before = host_rdtsc();
	t = hyv_vcpu_run_sync(vcpu);
	*after = host_rdtsc();
	return t;
}

/*
 * The timing leaf gives the TSC frequency (the host's, kHz) and the APIC
 * timer's (1 GHz). Over half a second the guest's TSC advances exactly
 * as the host's does (the readings are bracketed by host TSC reads), and
 * it starts where the VMM sets it (IA32_TSC).
 */
TEST(guest_learns_the_tsc_frequency_and_sees_the_vmms_tsc_offset)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_tsc_info);
	u64 khz, t0, t1, b0, a0, b1, a1;
	struct msrs_buf b = {};
	struct hyv_ucall uc;

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	khz = uc.args[0];
	EXPECT_EQ(khz, (u64)ioctl(vcpu->vm->fd, HYV_GET_TSC_KHZ, 0));
	EXPECT_EQ(khz, (u64)ioctl(vcpu->vm->dev_fd, HYV_CHECK_CAP, HYV_CAP_TSC_KHZ));
	EXPECT_EQ(1000000, uc.args[1]);
	t0 = guest_tsc_between(vcpu, &b0, &a0);
	usleep(500000);
	t1 = guest_tsc_between(vcpu, &b1, &a1);
	EXPECT_GE(t1 - t0, b1 - a0);
	EXPECT_LE(t1 - t0, a1 - b0);

	b.hdr.nmsrs = 1;
	b.e[0].index = MSR_IA32_TSC;
	b.e[0].data = 1ULL << 50;
	ASSERT_EQ(1, ioctl(vcpu->fd, HYV_SET_MSRS, &b));
	t1 = hyv_vcpu_run_sync(vcpu);
	EXPECT_GE(t1, 1ULL << 50);
	EXPECT_LT(t1, (1ULL << 50) + khz * 10000);	/* within 10 s */
	hyv_vm_free_with_vcpu(vcpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile guests (issue #14, item 2): a guest that sweeps every MSR in
 * the ranges the SVM and VMX MSR bitmaps cover, touches every I/O port,
 * runs every SVM and VMX instruction, and reaches for memory at the edge
 * of its slots and past its MAXPHYADDR. Each gets the architectural
 * answer (#GP, #UD, #PF, or a documented exit to the VMM), no MSR the
 * guest may read shows a host value, and the guest (and the host) carry
 * on afterwards.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hyv_test.h"
#include "hyv_util.h"
#include "guest_irq.h"

#define VEC_UD		6
#define VEC_GP		13
#define VEC_PF		14
#define PF_P		BIT(0)
#define PF_RSVD		BIT(3)

static bool host_is_vmx(void)
{
	return hyv_check_cap(HYV_CAP_BACKEND) == HYV_BACKEND_VMX;
}

/* ---- MSRs ------------------------------------------------------------------ */

/* The ranges the MSR permission bitmaps cover (APM vol. 2 §15.11, SDM 24.6.9). */
static const struct { u32 base, count; } msr_ranges[] = {
	{ 0x00000000, 0x2000 },
	{ 0xc0000000, 0x2000 },
	{ 0xc0010000, 0x2000 },
};

#define MSR_TSC			0x10
#define MSR_TSC_ADJUST		0x3b
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_LAST		0x8ff
#define MSR_X2APIC_ICR		0x830

struct msr_seen {
	u32 index;
	u8 write_vector;
	u8 pad[3];
	u64 value;
};

/* What the guest read, one record per MSR that did not #GP: in guest memory. */
#define MSR_SEEN_GPA		HYV_DATA_GPA
#define MSR_SEEN_MAX		(3 * 0x2000)

struct msr_counts {
	u64 read_gp, read_other, write_gp, write_other, seen;
};

static struct msr_counts guest_msr_counts;

/*
 * Read each MSR; where that works write the value back (the guest's own
 * state stays as it was), where it #GPs write a value anyway: both must
 * #GP or be taken, and never reach the host's MSR.
 */
static void guest_msr_sweep(void)
{
	struct msr_seen *seen = (struct msr_seen *)MSR_SEEN_GPA;
	struct msr_counts *c = &guest_msr_counts;
	unsigned int r;
	u32 i, msr;
	u64 val;
	u8 vec;

	for (r = 0; r < ARRAY_SIZE(msr_ranges); r++) {
		for (i = 0; i < msr_ranges[r].count; i++) {
			msr = msr_ranges[r].base + i;
			vec = guest_rdmsr_safe(msr, &val);
			if (vec == VEC_GP) {
				c->read_gp++;
				vec = guest_wrmsr_safe(msr, 0xa5a5000000000000ULL | msr);
				if (vec == VEC_GP)
					c->write_gp++;
				else
					c->write_other++;
				continue;
			}
			if (vec != GUEST_NO_EXCEPTION) {
				c->read_other++;
				continue;
			}
			seen[c->seen].index = msr;
			seen[c->seen].value = val;
			/* A TSC written back would move the clock and TSC_ADJUST. */
			if (msr == MSR_TSC || msr == MSR_TSC_ADJUST ||
			    msr == MSR_X2APIC_ICR)
				seen[c->seen].write_vector = GUEST_NO_EXCEPTION;
			else
				seen[c->seen].write_vector = guest_wrmsr_safe(msr, val);
			c->seen++;
		}
	}
	GUEST_SYNC(c->seen);
	GUEST_DONE();
}

static bool msr_listed(const struct hyv_msr_list *l, u32 index)
{
	u32 i;

	if (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST)
		return true;	/* the x2APIC range: hyv's own APIC */
	for (i = 0; i < l->nmsrs; i++)
		if (l->indices[i] == index)
			return true;
	return false;
}

TEST(msr_sweep_gives_gp_or_hyvs_own_values_and_no_host_value)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_msr_sweep);
	struct msr_counts *c = &GUEST_VAR(vcpu->vm, guest_msr_counts);
	struct msr_seen *seen = hyv_vm_gpa_to_hva(vcpu->vm, MSR_SEEN_GPA);
	u64 buf[(sizeof(struct hyv_msrs) + sizeof(struct hyv_msr_entry)) / 8];
	struct hyv_msrs *get = (struct hyv_msrs *)buf;
	struct hyv_msr_list *l;
	u64 i, unlisted = 0, differ = 0, nr;
	int dev = hyv_open_dev();

	l = calloc(1, sizeof(*l) + 1024 * sizeof(u32));
	ASSERT_NE(NULL, l);
	l->nmsrs = 1024;
	ASSERT_EQ(0, ioctl(dev, HYV_GET_MSR_INDEX_LIST, l));

	nr = hyv_vcpu_run_sync(vcpu);
	ASSERT_LE(nr, MSR_SEEN_MAX);
	EXPECT_EQ(nr, c->seen);
	EXPECT_EQ(0, c->read_other);
	EXPECT_EQ(0, c->write_other)
		TH_LOG("a write to an MSR the guest cannot read was taken");
	EXPECT_EQ(3 * 0x2000, c->read_gp + c->seen);
	/* hyv gives the guest a few dozen MSRs, not thousands. */
	EXPECT_GE(nr, 20);
	EXPECT_LE(nr, 400);

	for (i = 0; i < nr; i++) {
		u32 idx = seen[i].index;

		if (!msr_listed(l, idx)) {
			if (unlisted++ < 8)
				TH_LOG("MSR %#x read %#llx: not an MSR hyv has",
				       idx, seen[i].value);
			continue;
		}
		EXPECT_TRUE(seen[i].write_vector == GUEST_NO_EXCEPTION ||
			    seen[i].write_vector == VEC_GP)
			TH_LOG("MSR %#x: write back raised vector %u", idx,
			       seen[i].write_vector);
		if (idx == MSR_TSC || idx == MSR_TSC_DEADLINE ||
		    (idx >= MSR_X2APIC_FIRST && idx <= MSR_X2APIC_LAST))
			continue;	/* clocks and the APIC move on their own */
		memset(buf, 0, sizeof(buf));
		get->nmsrs = 1;
		get->entries[0].index = idx;
		if (ioctl(vcpu->fd, HYV_GET_MSRS, get) != 1 ||
		    get->entries[0].data != seen[i].value) {
			if (differ++ < 8)
				TH_LOG("MSR %#x: the guest read %#llx, HYV_GET_MSRS says %#llx",
				       idx, seen[i].value, get->entries[0].data);
		}
	}
	EXPECT_EQ(0, unlisted);
	EXPECT_EQ(0, differ);
	hyv_vcpu_run_done(vcpu);
	free(l);
	close(dev);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- I/O ports --------------------------------------------------------------- */

static inline u8 port_out_value(u32 port)
{
	return (port * 13 + 0x5a) & 0xff;
}

static inline u8 port_in_value(u32 port)
{
	return (port * 7 + 0x33) & 0xff;
}

/* OUT then IN on every port (every step-th): each must exit to the VMM. */
static void guest_port_sweep(u64 step)
{
	u64 port, wrong = 0;
	u8 in;

	for (port = 0; port < 0x10000; port += step) {
		asm volatile("outb %%al, %%dx"
			     : : "a"(port_out_value(port)), "d"(port));
		asm volatile("inb %%dx, %%al" : "=a"(in) : "d"(port));
		if (in != port_in_value(port))
			wrong++;
	}
	/* Accesses that wrap past port 0xffff. */
	asm volatile("outw %%ax, %%dx" : : "a"(0xbeef), "d"(0xffff));
	asm volatile("outl %%eax, %%dx" : : "a"(0xcafef00d), "d"(0xfffe));
	GUEST_SYNC(wrong);
	GUEST_DONE();
}

TEST(every_io_port_exits_to_the_vmm_with_the_right_port_and_data)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_port_sweep);
	u64 step = host_is_vmx() ? 4 : 1, port = 0, bad = 0, exits = 0;
	bool out = true;
	struct hyv_run *run = vcpu->run;
	struct hyv_ucall uc;

	hyv_vcpu_set_args(vcpu, step, 0);
	while (port < 0x10000) {
		ASSERT_EQ(HYV_EXIT_IO, hyv_vcpu_run(vcpu));
		exits++;
		if (run->io.port != port || run->io.size != 1 || run->io.count ||
		    run->io.direction != (out ? HYV_IO_OUT : HYV_IO_IN) ||
		    (out && (run->io.data & 0xff) != port_out_value(port))) {
			if (bad++ < 8)
				TH_LOG("port %#llx %s: exit port %#x size %u dir %u data %#x",
				       port, out ? "out" : "in", run->io.port,
				       run->io.size, run->io.direction,
				       run->io.data);
			if (bad > 100)
				break;
		}
		if (!out) {
			run->io.data = port_in_value(port);
			port += step;
		}
		out = !out;
	}
	ASSERT_EQ(0, bad);
	ASSERT_EQ(HYV_EXIT_IO, hyv_vcpu_run(vcpu));
	EXPECT_EQ(0xffff, run->io.port);
	EXPECT_EQ(2, run->io.size);
	EXPECT_EQ(0xbeef, run->io.data & 0xffff);
	ASSERT_EQ(HYV_EXIT_IO, hyv_vcpu_run(vcpu));
	EXPECT_EQ(0xfffe, run->io.port);
	EXPECT_EQ(4, run->io.size);
	EXPECT_EQ(0xcafef00d, run->io.data);
	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[0]) TH_LOG("IN values the guest saw wrong");
	EXPECT_EQ(2 * (0x10000 / step), exits);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- SVM and VMX instructions ------------------------------------------------ */

static const struct virt_insn {
	const char *name;
	u8 len;
	u8 bytes[5];
} virt_insns[] = {
	{ "VMRUN", 3, { 0x0f, 0x01, 0xd8 } },
	{ "VMMCALL", 3, { 0x0f, 0x01, 0xd9 } },
	{ "VMLOAD", 3, { 0x0f, 0x01, 0xda } },
	{ "VMSAVE", 3, { 0x0f, 0x01, 0xdb } },
	{ "STGI", 3, { 0x0f, 0x01, 0xdc } },
	{ "CLGI", 3, { 0x0f, 0x01, 0xdd } },
	{ "SKINIT", 3, { 0x0f, 0x01, 0xde } },
	{ "INVLPGA", 3, { 0x0f, 0x01, 0xdf } },
	{ "VMCALL", 3, { 0x0f, 0x01, 0xc1 } },
	{ "VMLAUNCH", 3, { 0x0f, 0x01, 0xc2 } },
	{ "VMRESUME", 3, { 0x0f, 0x01, 0xc3 } },
	{ "VMXOFF", 3, { 0x0f, 0x01, 0xc4 } },
	{ "VMFUNC", 3, { 0x0f, 0x01, 0xd4 } },
	{ "VMXON (%rax)", 4, { 0xf3, 0x0f, 0xc7, 0x30 } },
	{ "VMPTRLD (%rax)", 3, { 0x0f, 0xc7, 0x30 } },
	{ "VMCLEAR (%rax)", 4, { 0x66, 0x0f, 0xc7, 0x30 } },
	{ "VMPTRST (%rax)", 3, { 0x0f, 0xc7, 0x38 } },
	{ "VMREAD %rax, %rbx", 3, { 0x0f, 0x78, 0xc3 } },
	{ "VMWRITE %rbx, %rax", 3, { 0x0f, 0x79, 0xc3 } },
	{ "INVEPT (%rax), %rbx", 5, { 0x66, 0x0f, 0x38, 0x80, 0x18 } },
	{ "INVVPID (%rax), %rbx", 5, { 0x66, 0x0f, 0x38, 0x81, 0x18 } },
};

#define VIRT_STUB_GPA	(HYV_DATA_GPA + 0x10000)
#define VIRT_STUB_SIZE	64

/*
 * A stub per instruction, written by the host into guest memory: RAX a
 * valid, aligned guest address (QEMU checks it before the intercept) or,
 * for the vendor's hypercall instruction, the unknown hypercall 0xdead;
 * RBX and ECX 0 (an invalid INVEPT/INVVPID type, a VMCS field); the
 * instruction under the library's fault catcher (R10, R9); then RDX = RAX
 * (a hypercall's result), RAX = R9 (the vector, or GUEST_NO_EXCEPTION).
 */
static void virt_stub_write(u8 *p, const struct virt_insn *in, bool hypercall)
{
	static const u8 head[] = { 0x31, 0xdb, 0x31, 0xc9 };	/* xor ebx, ecx */
	static const u8 tail[] = {
		0x45, 0x31, 0xd2,	/* xor %r10d, %r10d */
		0x48, 0x89, 0xc2,	/* mov %rax, %rdx */
		0x4c, 0x89, 0xc8,	/* mov %r9, %rax */
		0xc3,			/* ret */
	};
	u32 rax = hypercall ? 0xdead : 0x100000, rel = 6 + in->len;

	*p++ = 0xb8;				/* mov $imm32, %eax */
	memcpy(p, &rax, 4);
	p += 4;
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	*p++ = 0x4c;				/* lea rel32(%rip), %r10 */
	*p++ = 0x8d;
	*p++ = 0x15;
	memcpy(p, &rel, 4);
	p += 4;
	*p++ = 0x41;				/* mov $0xff, %r9d */
	*p++ = 0xb9;
	*p++ = GUEST_NO_EXCEPTION;
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	memcpy(p, in->bytes, in->len);
	p += in->len;
	memcpy(p, tail, sizeof(tail));
}

static u64 guest_virt_vec[ARRAY_SIZE(virt_insns)];
static u64 guest_virt_rax[ARRAY_SIZE(virt_insns)];

static void guest_virt_insns(void)
{
	u64 i, vec, rax;

	for (i = 0; i < ARRAY_SIZE(virt_insns); i++) {
		asm volatile("call *%[stub]"
			     : "=a"(vec), "=d"(rax)
			     : [stub] "r"(VIRT_STUB_GPA + i * VIRT_STUB_SIZE)
			     : "rbx", "rcx", "r9", "r10", "r11", "memory");
		guest_virt_vec[i] = vec;
		guest_virt_rax[i] = rax;
	}
	GUEST_DONE();
}

/* All #UD, but the vendor's hypercall: an unknown one, -HYV_ENOSYS. */
TEST(svm_and_vmx_instructions_are_ud_and_a_bad_hypercall_is_enosys)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_virt_insns);
	const char *hc = hyv_guest_use_vmmcall ? "VMMCALL" : "VMCALL";
	u64 *vec = &GUEST_VAR(vcpu->vm, guest_virt_vec[0]);
	u64 *rax = &GUEST_VAR(vcpu->vm, guest_virt_rax[0]);
	u8 *stubs = hyv_vm_gpa_to_hva(vcpu->vm, VIRT_STUB_GPA);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(virt_insns); i++)
		virt_stub_write(stubs + i * VIRT_STUB_SIZE, &virt_insns[i],
				!strcmp(virt_insns[i].name, hc));
	hyv_vcpu_run_done(vcpu);
	for (i = 0; i < ARRAY_SIZE(virt_insns); i++) {
		if (!strcmp(virt_insns[i].name, hc)) {
			EXPECT_EQ(GUEST_NO_EXCEPTION, vec[i]);
			EXPECT_EQ((u64)-HYV_ENOSYS, rax[i])
				TH_LOG("hypercall 0xdead by %s", hc);
			continue;
		}
		EXPECT_EQ(VEC_UD, vec[i])
			TH_LOG("%s: vector %llu", virt_insns[i].name, vec[i]);
	}
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- Memory at the edge of a slot and past MAXPHYADDR ------------------------- */

#define SLOT_END	HYV_DEFAULT_MEM_SIZE	/* slot 0 is [0, 16 MiB) */

static inline u32 guest_read32(u64 gpa)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

static inline void guest_write32(u64 gpa, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(gpa) : "memory");
}

static void guest_slot_edges(void)
{
	u64 v;

	guest_write32(SLOT_END - 4, 0x11223344);
	GUEST_SYNC(guest_read32(SLOT_END - 4));
	GUEST_SYNC(guest_read32(SLOT_END));	/* MMIO read, the VMM answers */
	guest_write32(SLOT_END, 0x55667788);	/* MMIO write */
	/* A qword half in RAM, half past the slot. */
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(SLOT_END - 4) : "memory");
	GUEST_SYNC(v >> 32);
	GUEST_DONE();
}

TEST(accesses_at_a_slot_edge_are_ram_then_mmio)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_slot_edges);
	struct hyv_run *run = vcpu->run;
	u32 exit;

	EXPECT_EQ(0x11223344, hyv_vcpu_run_sync(vcpu));
	ASSERT_EQ(HYV_EXIT_MMIO, hyv_vcpu_run(vcpu));
	EXPECT_EQ(SLOT_END, run->mmio.phys_addr);
	EXPECT_EQ(4, run->mmio.len);
	EXPECT_EQ(0, run->mmio.is_write);
	run->mmio.data = 0xabcdef01;
	EXPECT_EQ(0xabcdef01, hyv_vcpu_run_sync(vcpu));
	ASSERT_EQ(HYV_EXIT_MMIO, hyv_vcpu_run(vcpu));
	EXPECT_EQ(SLOT_END, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0x55667788, run->mmio.data & 0xffffffff);

	/*
	 * The straddling qword: hyv emulates no access split between RAM
	 * and MMIO; what it may do is exit for the MMIO half or refuse the
	 * instruction by name. Nothing else, and RUN itself succeeds.
	 */
	ASSERT_EQ(0, __hyv_vcpu_run(vcpu));
	exit = run->exit_reason;
	EXPECT_TRUE(exit == HYV_EXIT_MMIO ||
		    (exit == HYV_EXIT_INTERNAL_ERROR &&
		     run->internal.suberror == HYV_INTERNAL_EMULATION))
		TH_LOG("exit %s", hyv_exit_name(exit));
	if (exit == HYV_EXIT_MMIO) {
		EXPECT_GE(run->mmio.phys_addr, SLOT_END - 4);
		EXPECT_LT(run->mmio.phys_addr, SLOT_END + 8);
	}
	hyv_vm_free_with_vcpu(vcpu);
}

#define FAR_GVA		(8 * SZ_1G)	/* above the library's identity map */

static u64 guest_maxphy_pf_vec, guest_maxphy_pf_err;

static void guest_past_maxphyaddr(void)
{
	u32 a, b, c, d;
	u64 vec, err, val, cr3;

	guest_cpuid(0x80000008, 0, &a, &b, &c, &d);
	/* A read through a PDE whose address has bit MAXPHYADDR set. */
	asm volatile(GUEST_ASM_SAFE("mov (%[p]), %[val]")
		     "mov %%r9, %[vec]\n\tmov %%r11, %[err]"
		     : [vec] "=r"(vec), [err] "=r"(err), [val] "=&r"(val)
		     : [p] "r"(FAR_GVA) : "r9", "r10", "r11", "memory");
	guest_maxphy_pf_vec = vec;
	guest_maxphy_pf_err = err;
	/* A non-canonical address: #GP. */
	asm volatile(GUEST_ASM_SAFE("mov (%[p]), %[val]")
		     "mov %%r9, %[vec]"
		     : [vec] "=r"(vec), [val] "=&r"(val)
		     : [p] "r"(0x8000000000000000ULL)
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC4(a & 0xff, vec, 0, 0);
	/* CR3 with a bit at MAXPHYADDR: #GP (APM vol. 2 §3.1.2, SDM MOV CR). */
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	asm volatile(GUEST_ASM_SAFE("mov %[v], %%cr3")
		     "mov %%r9, %[val]"
		     : [val] "=r"(val)
		     : [v] "r"(cr3 | 1ULL << (a & 0xff))
		     : "r9", "r10", "r11", "memory");
	GUEST_SYNC(val);
	GUEST_DONE();
}

TEST(guest_physical_addresses_past_maxphyaddr_fault_as_the_architecture_says)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_past_maxphyaddr);
	struct hyv_vm *vm = vcpu->vm;
	struct hyv_cpuid_entry *e;
	struct hyv_cpuid *cpuid;
	bool tcg = host_under_qemu_tcg();
	struct hyv_ucall uc;
	u32 maxphy = 0, i;

	/* The guest's MAXPHYADDR, from its CPUID table. */
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(*e));
	ASSERT_NE(NULL, cpuid);
	cpuid->nent = 256;
	ASSERT_EQ(0, ioctl(vcpu->fd, HYV_GET_CPUID, cpuid));
	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 0x80000008)
			maxphy = cpuid->entries[i].eax & 0xff;
	ASSERT_GE(maxphy, 32);
	ASSERT_LE(maxphy, HYV_GUEST_PHYS_BITS);
	hyv_vm_map(vm, FAR_GVA, 1ULL << maxphy, SZ_2M);

	ASSERT_EQ(UCALL_SYNC, hyv_vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(maxphy, uc.args[0]);
	EXPECT_EQ(VEC_PF, GUEST_VAR(vm, guest_maxphy_pf_vec))
		TH_LOG("a read at GPA 2^%u: vector %llu", maxphy,
		       GUEST_VAR(vm, guest_maxphy_pf_vec));
	/*
	 * Error code: a reserved bit in a present entry, P and RSVD (SDM
	 * vol. 3A §4.7). QEMU's TCG leaves P clear in its nested walk.
	 */
	EXPECT_EQ(tcg ? PF_RSVD : PF_P | PF_RSVD,
		  GUEST_VAR(vm, guest_maxphy_pf_err) & (tcg ? PF_RSVD : 0xf))
		TH_LOG("error code %#llx", GUEST_VAR(vm, guest_maxphy_pf_err));
	EXPECT_EQ(VEC_GP, uc.args[1]);		/* non-canonical */

	/*
	 * MOV to CR3 is not intercepted: the CPU checks it. QEMU's TCG does
	 * not, and its VMRUN then refuses the guest state (VMEXIT_INVALID,
	 * a documented FAIL_ENTRY exit): the guest hurts only itself.
	 */
	ASSERT_EQ(0, __hyv_vcpu_run(vcpu));
	if (vcpu->run->exit_reason == HYV_EXIT_FAIL_ENTRY && tcg) {
		TH_LOG("QEMU's TCG: MOV CR3 with a reserved bit taken, entry failed");
	} else {
		ASSERT_EQ(UCALL_SYNC, hyv_vcpu_get_ucall(vcpu, &uc))
			TH_LOG("exit %s", hyv_exit_name(vcpu->run->exit_reason));
		if (!tcg || uc.args[0] != GUEST_NO_EXCEPTION)
			EXPECT_EQ(VEC_GP, uc.args[0]);
	}
	free(cpuid);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- EFER.LME with paging off ------------------------------------------------ */

#define MSR_EFER	0xc0000080
#define EFER_LME	BIT(8)
#define RESET_IP_GPA	0xffff0ULL	/* F000:FFF0 with CS base 0xf0000 */

/*
 * A guest in real mode with EFER.LME set, as every guest has it for a
 * moment on its way to long mode (LME, then CR0.PG): it runs and exits
 * like any other, and keeps its LME. Under QEMU's TCG an exit from that
 * state used to leave the L1 CPU running host code with the guest's
 * CR0 (paging off): the whole machine hung (svm_park_lme()).
 */
TEST(a_guest_with_efer_lme_and_paging_off_exits_and_keeps_its_efer)
{
	static const u8 code[] = {
		0xb0, 0x42,		/* mov $0x42, %al */
		0xe6, 0xe1,		/* out %al, $0xe1 */
		0xf4,			/* hlt */
	};
	u64 buf[(sizeof(struct hyv_msrs) + sizeof(struct hyv_msr_entry)) / 8];
	struct hyv_msrs *m = (struct hyv_msrs *)buf;
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	struct hyv_sregs sregs;
	struct hyv_run *run;
	int fd, size;

	memcpy(hyv_vm_gpa_to_hva(vm, RESET_IP_GPA), code, sizeof(code));
	fd = ioctl(vm->fd, HYV_CREATE_VCPU, 0);
	ASSERT_LE(0, fd);
	size = ioctl(vm->dev_fd, HYV_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, run);
	/* CS base 0xf0000 (not the reset's 0xffff0000): F000:FFF0 in RAM. */
	ASSERT_EQ(0, ioctl(fd, HYV_GET_SREGS, &sregs));
	sregs.cs.base = 0xf0000;
	ASSERT_EQ(0, ioctl(fd, HYV_SET_SREGS, &sregs));

	memset(buf, 0, sizeof(buf));
	m->nmsrs = 1;
	m->entries[0].index = MSR_EFER;
	m->entries[0].data = EFER_LME;
	ASSERT_EQ(1, ioctl(fd, HYV_SET_MSRS, m));

	ASSERT_EQ(0, ioctl(fd, HYV_RUN, 0));
	ASSERT_EQ(HYV_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0xe1, run->io.port);
	EXPECT_EQ(0x42, run->io.data & 0xff);
	m->entries[0].data = 0;
	ASSERT_EQ(1, ioctl(fd, HYV_GET_MSRS, m));
	EXPECT_EQ(EFER_LME, m->entries[0].data & EFER_LME);
	ASSERT_EQ(0, ioctl(fd, HYV_RUN, 0));
	EXPECT_EQ(HYV_EXIT_HLT, run->exit_reason);

	munmap(run, size);
	close(fd);
	hyv_vm_free(vm);
}

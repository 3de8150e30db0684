// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-run on the kernel's own KVM (--accel kvm): the same machine, for
 * comparing hyv beside KVM (bench/) and for checking hyv-run's platform
 * on a hypervisor that already boots Linux. The split maps one to one
 * onto hyv's: KVM's local APIC in the kernel with the IOAPIC left to
 * userspace (KVM_CAP_SPLIT_IRQCHIP), interrupts as KVM_SIGNAL_MSI. The
 * CPUID table is KVM's supported one without KVM's paravirtual leaves
 * (0x40000000 up), so that the guest sees a platform like hyv's: no
 * kvmclock, time from the TSC and the TSC-deadline timer; and without
 * nested SVM/VMX and XSAVE, which hyv does not give either (and whose
 * sizes, under KVM in the TCG testbed, made Linux warn in
 * fpu__init_system_xstate).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include <hyv/layout.h>
#include "../accel.h"

#define KVM_MAX_CPUID		256
#define KVM_TSS_ADDR		0xfffbd000	/* 3 pages in the hole (VMX) */

static struct kvm_cpuid2 *kvm_supported;

static int kvm_vm_create(struct vmm *vmm)
{
	struct kvm_enable_cap split = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args[0] = HYV_IOAPIC_PINS,
	};
	int ret;

	vmm->dev_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vmm->dev_fd < 0)
		return -errno;
	if (ioctl(vmm->dev_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return -EPROTO;
	ret = ioctl(vmm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	vmm->max_vcpus = ret > 0 ? ret : 0;
	vmm->vm_fd = ioctl(vmm->dev_fd, KVM_CREATE_VM, 0);
	if (vmm->vm_fd < 0)
		return -errno;
	if (ioctl(vmm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) ||
	    ioctl(vmm->vm_fd, KVM_ENABLE_CAP, &split))
		return -errno;
	kvm_supported = calloc(1, sizeof(*kvm_supported) +
			       KVM_MAX_CPUID * sizeof(kvm_supported->entries[0]));
	if (!kvm_supported)
		return -ENOMEM;
	kvm_supported->nent = KVM_MAX_CPUID;
	if (ioctl(vmm->dev_fd, KVM_GET_SUPPORTED_CPUID, kvm_supported))
		return -errno;
	return 0;
}

static int kvm_set_slot(struct vmm *vmm, u32 slot, u64 gpa, u64 size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(uintptr_t)host,
	};

	return ioctl(vmm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

static void kvm_vm_destroy(struct vmm *vmm)
{
	if (vmm->vm_fd >= 0)
		close(vmm->vm_fd);
	if (vmm->dev_fd >= 0)
		close(vmm->dev_fd);
	vmm->vm_fd = -1;
	vmm->dev_fd = -1;
	free(kvm_supported);
	kvm_supported = NULL;
}

static int kvm_set_cpuid(struct vcpu *v)
{
	struct kvm_cpuid2 *c;
	unsigned int i, n = 0;
	int err = 0;

	c = calloc(1, sizeof(*c) + kvm_supported->nent * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	for (i = 0; i < kvm_supported->nent; i++) {
		struct kvm_cpuid_entry2 e = kvm_supported->entries[i];

		if ((e.function & 0xffff0000) == 0x40000000 || e.function == 0xd ||
		    e.function == 0x8000000a)
			continue;	/* KVM's own leaves, XSAVE, SVM: not hyv's */
		if (e.function == 1) {
			e.ecx |= BIT(31);	/* but a hypervisor all the same */
			e.ecx &= ~(BIT(5) | BIT(26) | BIT(27));	/* VMX, XSAVE */
		}
		if (e.function == 0x80000001)
			e.ecx &= ~BIT(2);	/* SVM */
		cpuid_set_apic_id(e.function, &e.eax, &e.ebx, &e.edx, v->id);
		c->entries[n++] = e;
	}
	c->nent = n;
	if (ioctl(v->fd, KVM_SET_CPUID2, c))
		err = -errno;
	free(c);
	return err;
}

static int kvm_vcpu_create(struct vmm *vmm, struct vcpu *v)
{
	int size, khz;

	v->fd = ioctl(vmm->vm_fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0)
		return -errno;
	size = ioctl(vmm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return -EINVAL;
	v->run_size = size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	if (!v->id) {
		khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
		vmm->tsc_khz = khz > 0 ? khz : 0;
	}
	return kvm_set_cpuid(v);
}

static void kvm_segment_from(struct kvm_segment *k, const struct hyv_segment *h)
{
	k->base = h->base;
	k->limit = h->limit;
	k->selector = h->selector;
	k->type = h->type;
	k->present = h->present;
	k->dpl = h->dpl;
	k->db = h->db;
	k->s = h->s;
	k->l = h->l;
	k->g = h->g;
	k->avl = h->avl;
	k->unusable = h->unusable;
}

/* The APs keep KVM's default: waiting for INIT in the in-kernel APIC. */
static int kvm_vcpu_boot_state(struct vcpu *v, const struct hyv_regs *regs,
			       const struct hyv_sregs *sregs)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (v->id)
		return 0;
	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		return -errno;
	kvm_segment_from(&s.cs, &sregs->cs);
	kvm_segment_from(&s.ds, &sregs->ds);
	kvm_segment_from(&s.es, &sregs->es);
	kvm_segment_from(&s.fs, &sregs->fs);
	kvm_segment_from(&s.gs, &sregs->gs);
	kvm_segment_from(&s.ss, &sregs->ss);
	kvm_segment_from(&s.tr, &sregs->tr);
	kvm_segment_from(&s.ldt, &sregs->ldt);
	s.gdt.base = sregs->gdt.base;
	s.gdt.limit = sregs->gdt.limit;
	s.idt.base = sregs->idt.base;
	s.idt.limit = sregs->idt.limit;
	s.cr0 = sregs->cr0;
	s.cr3 = sregs->cr3;
	s.cr4 = sregs->cr4;
	s.efer = sregs->efer;
	/* kvm_regs is hyv_regs' first 18 words: same names, same order. */
	static_assert(sizeof(r) == offsetof(struct hyv_regs, flags), "regs layout");
	memcpy(&r, regs, sizeof(r));
	if (ioctl(v->fd, KVM_SET_SREGS, &s) || ioctl(v->fd, KVM_SET_REGS, &r))
		return -errno;
	return 0;
}

static int kvm_vcpu_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct kvm_run *run = v->run;

	memset(e, 0, sizeof(*e));
	if (ioctl(v->fd, KVM_RUN, 0))
		return -errno;
	e->raw_reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		e->kind = VCPU_EXIT_IO;
		e->out = run->io.direction == KVM_EXIT_IO_OUT;
		e->port = run->io.port;
		e->size = run->io.size;
		if (run->io.size && run->io.data_offset <= v->run_size &&
		    run->io.count <= (v->run_size - run->io.data_offset) / run->io.size) {
			e->count = run->io.count;
			e->data = (u8 *)run + run->io.data_offset;
		}
		break;
	case KVM_EXIT_MMIO:
		e->kind = VCPU_EXIT_MMIO;
		e->addr = run->mmio.phys_addr;
		e->len = run->mmio.len;
		e->is_write = run->mmio.is_write;
		e->count = 1;
		e->mmio_data = run->mmio.data;
		break;
	case KVM_EXIT_HLT:
		e->kind = VCPU_EXIT_HLT;
		break;
	case KVM_EXIT_SHUTDOWN:
		e->kind = VCPU_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_INTR:
		e->kind = VCPU_EXIT_INTR;
		break;
	case KVM_EXIT_IOAPIC_EOI:	/* only for level-triggered pins */
		e->kind = VCPU_EXIT_NONE;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		e->kind = VCPU_EXIT_FAIL_ENTRY;
		e->info[0] = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		e->kind = VCPU_EXIT_INTERNAL;
		e->info[0] = run->internal.suberror;
		memcpy(&e->info[1], run->internal.data, 3 * sizeof(u64));
		break;
	default:
		e->kind = VCPU_EXIT_UNKNOWN;
		break;
	}
	return 0;
}

static int kvm_vcpu_halt(struct vcpu *v)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_HALTED };

	return ioctl(v->fd, KVM_SET_MP_STATE, &mp) ? -errno : 0;
}

static void kvm_vcpu_kick(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

static void kvm_vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

static u64 kvm_vcpu_rip(struct vcpu *v)
{
	struct kvm_regs regs;

	return ioctl(v->fd, KVM_GET_REGS, &regs) ? ~0ULL : regs.rip;
}

static int kvm_signal_msi(struct vmm *vmm, u64 address, u32 data)
{
	struct kvm_msi msi = {
		.address_lo = address,
		.address_hi = address >> 32,
		.data = data,
	};
	int ret = ioctl(vmm->vm_fd, KVM_SIGNAL_MSI, &msi);

	if (ret < 0)
		return -errno;
	return ret ? 0 : -ENOENT;	/* 0: blocked, no vCPU took it */
}

static void kvm_print_stats(struct vmm *vmm)
{
	(void)vmm;	/* KVM's counters are in debugfs: see bench/l2-run.c */
}

const struct accel accel_kvm = {
	.name = "kvm",
	.device = "/dev/kvm",
	.vm_create = kvm_vm_create,
	.set_slot = kvm_set_slot,
	.vm_destroy = kvm_vm_destroy,
	.vcpu_create = kvm_vcpu_create,
	.vcpu_boot_state = kvm_vcpu_boot_state,
	.vcpu_run = kvm_vcpu_run,
	.vcpu_halt = kvm_vcpu_halt,
	.vcpu_kick = kvm_vcpu_kick,
	.vcpu_destroy = kvm_vcpu_destroy,
	.vcpu_rip = kvm_vcpu_rip,
	.signal_msi = kvm_signal_msi,
	.print_stats = kvm_print_stats,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-bench: the /dev/kvm front end of the benchmarks, the peer hyv is
 * measured against. A thin layer from the driver's operations (driver.c)
 * to KVM's ioctls, set up the way a VMM does it: the CPUID KVM supports
 * (KVM_GET_SUPPORTED_CPUID into KVM_SET_CPUID2), no in-kernel irqchip.
 * The exit counters are the vCPU's binary stats (KVM_GET_STATS_FD).
 *
 * The hypercall is a number KVM does not know (BENCH_KVM_HC_UNKNOWN):
 * KVM answers it in the kernel with -KVM_ENOSYS, which is the closest
 * KVM has to hyv's in-kernel HYV_HC_ECHO. MMIO stores come back as
 * KVM_EXIT_MMIO with KVM's emulator already past the instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "bench.h"

#define BENCH_KVM_HC_UNKNOWN	0x1000	/* no KVM_HC_* has this number */
#define KVM_MAX_CPUID		256

/* The vCPU stats reported, in this order, under these names. */
static const char *const kvm_stat_names[] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits",
	"hypercalls", "pf_taken", "pf_fixed", "insn_emulation",
};
#define NR_KVM_STATS	ARRAY_SIZE(kvm_stat_names)

struct kvm_ctx {
	int dev, vm, vcpu, stats_fd;
	struct kvm_run *run;
	size_t run_size;
	off_t stat_off[NR_KVM_STATS];	/* -1: this kernel lacks it */
};

static int kvm_err(void)
{
	return errno ? -errno : -EIO;
}

static int kvm_vm_create(void **ctxp)
{
	struct kvm_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->dev = -1;
	c->vm = -1;
	c->vcpu = -1;
	c->stats_fd = -1;
	*ctxp = c;
	c->dev = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (c->dev < 0)
		return kvm_err();
	c->vm = ioctl(c->dev, KVM_CREATE_VM, 0);
	return c->vm < 0 ? kvm_err() : 0;
}

static int kvm_set_slot(void *ctx, u32 slot, u64 gpa, u64 size, void *hva)
{
	struct kvm_ctx *c = ctx;
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(unsigned long)hva,
	};

	return ioctl(c->vm, KVM_SET_USER_MEMORY_REGION, &r) ? kvm_err() : 0;
}

static int kvm_set_cpuid(struct kvm_ctx *c)
{
	struct kvm_cpuid2 *cpuid;
	int ret = 0;

	cpuid = calloc(1, sizeof(*cpuid) + KVM_MAX_CPUID * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = KVM_MAX_CPUID;
	if (ioctl(c->dev, KVM_GET_SUPPORTED_CPUID, cpuid) ||
	    ioctl(c->vcpu, KVM_SET_CPUID2, cpuid))
		ret = kvm_err();
	free(cpuid);
	return ret;
}

/* Find the offsets of kvm_stat_names[] in the vCPU's binary stats. */
static int kvm_open_stats(struct kvm_ctx *c)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsize, i, j;
	char *descs;

	for (i = 0; i < NR_KVM_STATS; i++)
		c->stat_off[i] = -1;
	c->stats_fd = ioctl(c->vcpu, KVM_GET_STATS_FD, NULL);
	if (c->stats_fd < 0)
		return kvm_err();
	if (pread(c->stats_fd, &h, sizeof(h), 0) != sizeof(h))
		return -EIO;
	dsize = sizeof(*d) + h.name_size;
	descs = calloc(h.num_desc, dsize);
	if (!descs)
		return -ENOMEM;
	if (pread(c->stats_fd, descs, h.num_desc * dsize, h.desc_offset) !=
	    (ssize_t)(h.num_desc * dsize)) {
		free(descs);
		return -EIO;
	}
	for (j = 0; j < h.num_desc; j++) {
		d = (struct kvm_stats_desc *)(descs + j * dsize);
		for (i = 0; i < NR_KVM_STATS; i++)
			if (!strncmp(d->name, kvm_stat_names[i], h.name_size))
				c->stat_off[i] = h.data_offset + d->offset;
	}
	free(descs);
	return 0;
}

static int kvm_vcpu_create(void *ctx, const struct bench_cpu *cpu)
{
	struct kvm_ctx *c = ctx;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	long size;
	int err;

	c->vcpu = ioctl(c->vm, KVM_CREATE_VCPU, 0);
	if (c->vcpu < 0)
		return kvm_err();
	size = ioctl(c->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return kvm_err();
	c->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->vcpu, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		return kvm_err();
	}
	c->run_size = size;
	err = kvm_set_cpuid(c);
	if (!err)
		err = kvm_open_stats(c);
	if (err)
		return err;

	if (ioctl(c->vcpu, KVM_GET_SREGS, &sregs))
		return kvm_err();
	BENCH_FILL_SREGS(sregs, cpu);
	if (ioctl(c->vcpu, KVM_SET_SREGS, &sregs))
		return kvm_err();

	BENCH_FILL_REGS(regs, cpu);
	return ioctl(c->vcpu, KVM_SET_REGS, &regs) ? kvm_err() : 0;
}

static int kvm_run(void *ctx, struct bench_exit *ex)
{
	struct kvm_ctx *c = ctx;
	struct kvm_run *run = c->run;

	if (ioctl(c->vcpu, KVM_RUN, 0))
		return kvm_err();
	memset(ex, 0, sizeof(*ex));
	ex->raw = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		ex->kind = BENCH_EXIT_IO;
		ex->port = run->io.port;
		ex->out = run->io.direction == KVM_EXIT_IO_OUT;
		ex->count = run->io.count;
		memcpy(&ex->data, (u8 *)run + run->io.data_offset,
		       run->io.size < 4 ? run->io.size : 4);
		break;
	case KVM_EXIT_MMIO:
		ex->kind = BENCH_EXIT_MMIO;
		ex->addr = run->mmio.phys_addr;
		ex->out = run->mmio.is_write;
		break;
	case KVM_EXIT_HLT:
		ex->kind = BENCH_EXIT_HLT;
		break;
	default:
		ex->kind = BENCH_EXIT_OTHER;
		break;
	}
	return 0;
}

/* KVM's emulator already completed the store and moved RIP on. */
static int kvm_mmio_done(void *ctx, u32 insn_len)
{
	(void)ctx;
	(void)insn_len;
	return 0;
}

static int kvm_stats(void *ctx, struct bench_stats *st)
{
	struct kvm_ctx *c = ctx;
	size_t i;

	st->n = 0;
	for (i = 0; i < NR_KVM_STATS; i++) {
		u64 v = 0;

		if (c->stat_off[i] < 0)
			continue;
		if (pread(c->stats_fd, &v, sizeof(v), c->stat_off[i]) != sizeof(v))
			return -EIO;
		st->name[st->n] = kvm_stat_names[i];
		st->val[st->n++] = v;
	}
	return 0;
}

/* The STOP mark is one more exit, an IO exit. */
static void kvm_discount_mark(struct bench_stats *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->name[i], "exits") || !strcmp(d->name[i], "io_exits"))
			d->val[i]--;
}

static void kvm_vm_destroy(void *ctx)
{
	struct kvm_ctx *c = ctx;

	if (c->run)
		munmap(c->run, c->run_size);
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	if (c->vcpu >= 0)
		close(c->vcpu);
	if (c->vm >= 0)
		close(c->vm);
	if (c->dev >= 0)
		close(c->dev);
	free(c);
}

static const struct bench_backend kvm_backend = {
	.name = "kvm",
	.vm_create = kvm_vm_create,
	.set_slot = kvm_set_slot,
	.vcpu_create = kvm_vcpu_create,
	.run = kvm_run,
	.mmio_done = kvm_mmio_done,
	.stats = kvm_stats,
	.discount_mark = kvm_discount_mark,
	.vm_destroy = kvm_vm_destroy,
	.hypercall_nr = BENCH_KVM_HC_UNKNOWN,
	.hypercall_expect = (u64)-KVM_ENOSYS,
};

int main(int argc, char **argv)
{
	return bench_main(&kvm_backend, argc, argv);
}

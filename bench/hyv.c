// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-bench: the /dev/hyv front end of the benchmarks. A thin layer from
 * the driver's operations (driver.c) to hyv's ioctls; the exit counters
 * are HYV_GET_STATS's, by hyv's own exit reasons.
 *
 * MMIO: hyv decodes the store and reports it with its length, RIP already
 * past it, as KVM does. A hyv.ko from before its decoder reported len 0
 * and left RIP on the store; for that case only this front end moves RIP
 * on itself (HYV_GET_REGS + HYV_SET_REGS), so that the workload still
 * runs, at the price of two more ioctls per exit. The hypercall is
 * HYV_HC_ECHO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/hyv.h>
#include <linux/hyv_pv.h>

#include "bench.h"

struct hyv_ctx {
	int dev, vm, vcpu;
	struct hyv_run *run;
	size_t run_size;
};

static int hyv_err(void)
{
	return errno ? -errno : -EIO;
}

static int hyv_vm_create(void **ctxp)
{
	struct hyv_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->dev = -1;
	c->vm = -1;
	c->vcpu = -1;
	*ctxp = c;
	c->dev = open("/dev/hyv", O_RDWR | O_CLOEXEC);
	if (c->dev < 0)
		return hyv_err();
	c->vm = ioctl(c->dev, HYV_CREATE_VM, 0);
	return c->vm < 0 ? hyv_err() : 0;
}

static int hyv_set_slot(void *ctx, u32 slot, u64 gpa, u64 size, void *hva)
{
	struct hyv_ctx *c = ctx;
	struct hyv_memory_slot s = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.size = size,
		.userspace_addr = (u64)(unsigned long)hva,
	};

	return ioctl(c->vm, HYV_SET_MEMORY_SLOT, &s) ? hyv_err() : 0;
}

static int hyv_vcpu_create(void *ctx, const struct bench_cpu *cpu)
{
	struct hyv_ctx *c = ctx;
	struct hyv_sregs sregs;
	struct hyv_regs regs;
	long size;

	c->vcpu = ioctl(c->vm, HYV_CREATE_VCPU, 0);
	if (c->vcpu < 0)
		return hyv_err();
	size = ioctl(c->dev, HYV_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return hyv_err();
	c->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->vcpu, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		return hyv_err();
	}
	c->run_size = size;

	if (ioctl(c->vcpu, HYV_GET_SREGS, &sregs))
		return hyv_err();
	BENCH_FILL_SREGS(sregs, cpu);
	if (ioctl(c->vcpu, HYV_SET_SREGS, &sregs))
		return hyv_err();

	BENCH_FILL_REGS(regs, cpu);
	return ioctl(c->vcpu, HYV_SET_REGS, &regs) ? hyv_err() : 0;
}

static int hyv_run(void *ctx, struct bench_exit *ex)
{
	struct hyv_ctx *c = ctx;
	struct hyv_run *run = c->run;

	if (ioctl(c->vcpu, HYV_RUN, 0))
		return hyv_err();
	memset(ex, 0, sizeof(*ex));
	ex->raw = run->exit_reason;
	switch (run->exit_reason) {
	case HYV_EXIT_IO:
		ex->kind = BENCH_EXIT_IO;
		ex->port = run->io.port;
		ex->out = run->io.direction == HYV_IO_OUT;
		ex->data = run->io.data;
		ex->count = run->io.count ?: 1;
		break;
	case HYV_EXIT_MMIO:
		ex->kind = BENCH_EXIT_MMIO;
		ex->addr = run->mmio.phys_addr;
		ex->out = run->mmio.is_write;
		/* Remember whether hyv decoded (and so completed) the access. */
		ex->data = run->mmio.len;
		break;
	case HYV_EXIT_HLT:
		ex->kind = BENCH_EXIT_HLT;
		break;
	default:
		ex->kind = BENCH_EXIT_OTHER;
		break;
	}
	return 0;
}

/* An undecoded MMIO store (len 0) is skipped here; a decoded one is done. */
static int hyv_mmio_done(void *ctx, u32 insn_len)
{
	struct hyv_ctx *c = ctx;
	struct hyv_regs regs;

	if (c->run->mmio.len)
		return 0;
	if (ioctl(c->vcpu, HYV_GET_REGS, &regs))
		return hyv_err();
	regs.rip += insn_len;
	return ioctl(c->vcpu, HYV_SET_REGS, &regs) ? hyv_err() : 0;
}

static const char *const hyv_reason_names[] = {
	[HYV_STAT_EXIT_OTHER] = "other",
	[HYV_STAT_EXIT_HOST_EVENT] = "host_event",
	[HYV_STAT_EXIT_HLT] = "hlt",
	[HYV_STAT_EXIT_IO] = "io",
	[HYV_STAT_EXIT_CPUID] = "cpuid",
	[HYV_STAT_EXIT_HYPERCALL] = "hypercall",
	[HYV_STAT_EXIT_MSR] = "msr",
	[HYV_STAT_EXIT_NPF] = "npf",
	[HYV_STAT_EXIT_MMIO] = "mmio",
};

static int hyv_stats(void *ctx, struct bench_stats *st)
{
	struct hyv_ctx *c = ctx;
	struct hyv_vm_stats s;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (ioctl(c->vm, HYV_GET_STATS, &s))
		return hyv_err();
	st->n = 0;
	st->name[st->n] = "exits";
	st->val[st->n++] = s.exits;
	st->name[st->n] = "to_user";
	st->val[st->n++] = s.exits_to_user;
	for (i = 0; i < ARRAY_SIZE(hyv_reason_names); i++) {
		st->name[st->n] = hyv_reason_names[i];
		st->val[st->n++] = s.exit_reason[i];
	}
	return 0;
}

/* The STOP mark is one more IO exit to userspace. */
static void hyv_discount_mark(struct bench_stats *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->name[i], "exits") || !strcmp(d->name[i], "to_user") ||
		    !strcmp(d->name[i], "io"))
			d->val[i]--;
}

static void hyv_vm_destroy(void *ctx)
{
	struct hyv_ctx *c = ctx;

	if (c->run)
		munmap(c->run, c->run_size);
	if (c->vcpu >= 0)
		close(c->vcpu);
	if (c->vm >= 0)
		close(c->vm);
	if (c->dev >= 0)
		close(c->dev);
	free(c);
}

static const struct bench_backend hyv_backend = {
	.name = "hyv",
	.vm_create = hyv_vm_create,
	.set_slot = hyv_set_slot,
	.vcpu_create = hyv_vcpu_create,
	.run = hyv_run,
	.mmio_done = hyv_mmio_done,
	.stats = hyv_stats,
	.discount_mark = hyv_discount_mark,
	.vm_destroy = hyv_vm_destroy,
	.hypercall_nr = HYV_HC_ECHO,
	.hypercall_expect = 1,	/* echo: RAX = RBX */
};

int main(int argc, char **argv)
{
	return bench_main(&hyv_backend, argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: one host thread each, running the accelerator's run in a loop
 * and dispatching its exits to the buses. The BSP starts at the kernel's
 * 64-bit entry; the APs wait for the guest's INIT/SIPI, as on a PC. To
 * stop, the main thread kicks each vCPU (immediate_exit in its run page)
 * and sends its thread SIGUSR1, which makes a run in flight return EINTR.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"

#define VCPU_KICK_SIGNAL	SIGUSR1

static void vcpu_kick_handler(int sig)
{
	(void)sig;	/* only there to interrupt the run ioctl */
}

static const char *const exit_names[] = {
	[VCPU_EXIT_NONE] = "none",
	[VCPU_EXIT_IO] = "port I/O",
	[VCPU_EXIT_MMIO] = "MMIO",
	[VCPU_EXIT_HLT] = "HLT",
	[VCPU_EXIT_SHUTDOWN] = "shutdown",
	[VCPU_EXIT_INTR] = "interrupted",
	[VCPU_EXIT_FAIL_ENTRY] = "failed entry",
	[VCPU_EXIT_INTERNAL] = "internal error",
	[VCPU_EXIT_UNKNOWN] = "unknown",
};

/* A fatal exit: say which, where and why; the VM ends with status 1. */
static void vcpu_fatal(struct vcpu *v, const struct vcpu_exit *e,
		       const char *reason)
{
	char info[160] = "";

	if (e->kind == VCPU_EXIT_INTERNAL)
		snprintf(info, sizeof(info),
			 ", suberror %llu, vendor exit %#llx, info %#llx %#llx",
			 (unsigned long long)e->info[0], (unsigned long long)e->info[1],
			 (unsigned long long)e->info[2], (unsigned long long)e->info[3]);
	else if (e->kind == VCPU_EXIT_FAIL_ENTRY)
		snprintf(info, sizeof(info), ", hardware reason %#llx",
			 (unsigned long long)e->info[0]);
	hyv_warn("vCPU %u: fatal: exit %u (%s) at RIP %#llx: %s%s", v->id,
		 e->raw_reason, exit_names[e->kind],
		 (unsigned long long)v->vmm->accel->vcpu_rip(v), reason, info);
	vmm_request_exit(v->vmm, HYV_RUN_EXIT_ERROR);
}

static bool vcpu_io(struct vcpu *v, const struct vcpu_exit *e)
{
	u32 i;

	if ((e->size != 1 && e->size != 2 && e->size != 4) || !e->data)
		return false;
	for (i = 0; i < e->count; i++)
		bus_access(&v->vmm->pio, e->port, e->data + i * e->size, e->size,
			   e->out);
	return true;
}

static bool vcpu_mmio(struct vcpu *v, const struct vcpu_exit *e)
{
	u32 i;

	if (e->len < 1 || e->len > 8 || !e->mmio_data)
		return false;
	for (i = 0; i < e->count; i++)
		bus_access(&v->vmm->mmio, e->addr + (u64)i * e->len,
			   e->mmio_data + i * e->len, e->len, e->is_write);
	return true;
}

/* Handle one exit; false when the VM must end. */
static bool vcpu_handle_exit(struct vcpu *v, const struct vcpu_exit *e)
{
	switch (e->kind) {
	case VCPU_EXIT_NONE:
	case VCPU_EXIT_INTR:
		break;
	case VCPU_EXIT_IO:
		if (!vcpu_io(v, e))
			vcpu_fatal(v, e, "malformed port I/O exit");
		break;
	case VCPU_EXIT_MMIO:
		if (!vcpu_mmio(v, e))
			vcpu_fatal(v, e, "malformed MMIO exit");
		break;
	case VCPU_EXIT_HLT:
		if (v->vmm->accel->vcpu_halt(v))
			vcpu_fatal(v, e, "cannot halt the vCPU");
		break;
	case VCPU_EXIT_SHUTDOWN:
		hyv_warn("vCPU %u: triple fault (shutdown) at RIP %#llx", v->id,
			 (unsigned long long)v->vmm->accel->vcpu_rip(v));
		vmm_request_exit(v->vmm, HYV_RUN_EXIT_TRIPLE);
		break;
	case VCPU_EXIT_FAIL_ENTRY:
		vcpu_fatal(v, e, "the CPU refused the guest state");
		break;
	case VCPU_EXIT_INTERNAL:
		vcpu_fatal(v, e, "the kernel could not handle an exit");
		break;
	default:
		vcpu_fatal(v, e, "unknown exit reason");
		break;
	}
	return !vmm_stopping(v->vmm);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vcpu_exit e;
	char name[16];
	int err;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	while (!vmm_stopping(v->vmm)) {
		err = v->vmm->accel->vcpu_run(v, &e);
		if (err == -EINTR || err == -EAGAIN)
			continue;
		if (err) {
			hyv_warn("vCPU %u: fatal: run at RIP %#llx: %s", v->id,
				 (unsigned long long)v->vmm->accel->vcpu_rip(v),
				 strerror(-err));
			vmm_request_exit(v->vmm, HYV_RUN_EXIT_ERROR);
			break;
		}
		if (!vcpu_handle_exit(v, &e))
			break;
	}
	return NULL;
}

void vcpus_create(struct vmm *vmm)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	unsigned int i;
	int err;

	/* No SA_RESTART: the kick must make the run ioctl return EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	vmm->vcpus = calloc(vmm->nr_vcpus, sizeof(*vmm->vcpus));
	if (!vmm->vcpus)
		hyv_die(HYV_RUN_EXIT_ERROR, "out of memory");
	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct vcpu *v = &vmm->vcpus[i];

		v->vmm = vmm;
		v->id = i;
		v->fd = -1;
		err = vmm->accel->vcpu_create(vmm, v);
		if (err) {
			errno = -err;
			hyv_die_errno(HYV_RUN_EXIT_ERROR, "vCPU %u", i);
		}
	}
}

void vcpus_boot_state(struct vmm *vmm, const struct hyv_regs *regs,
		      const struct hyv_sregs *sregs)
{
	unsigned int i;
	int err;

	for (i = 0; i < vmm->nr_vcpus; i++) {
		err = vmm->accel->vcpu_boot_state(&vmm->vcpus[i], regs, sregs);
		if (err) {
			errno = -err;
			hyv_die_errno(HYV_RUN_EXIT_ERROR, "vCPU %u: boot state", i);
		}
	}
}

/* The i-th CPU of the affinity set, round robin. */
static int vcpu_host_cpu(const cpu_set_t *set, unsigned int i)
{
	int n = CPU_COUNT(set), cpu;

	i %= n;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && !i--)
			return cpu;
	return 0;
}

void vcpus_start(struct vmm *vmm)
{
	const struct hyv_options *o = vmm->opts;
	pthread_attr_t attr;
	sigset_t block, old;
	unsigned int i;
	int err;

	/*
	 * The vCPU threads take no process signal but the kick: the main
	 * thread handles SIGTERM and friends (signalfd).
	 */
	sigfillset(&block);
	sigdelset(&block, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &block, &old);
	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct vcpu *v = &vmm->vcpus[i];

		pthread_attr_init(&attr);
		if (o->has_affinity) {
			cpu_set_t one;

			CPU_ZERO(&one);
			CPU_SET(vcpu_host_cpu(&o->affinity, i), &one);
			pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		}
		err = pthread_create(&v->thread, &attr, vcpu_thread, v);
		pthread_attr_destroy(&attr);
		if (err) {
			errno = err;
			hyv_die_errno(HYV_RUN_EXIT_ERROR, "vCPU %u thread", i);
		}
		v->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void vcpus_stop(struct vmm *vmm)
{
	unsigned int i;

	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct vcpu *v = &vmm->vcpus[i];

		if (!v->started)
			continue;
		vmm->accel->vcpu_kick(v);
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct vcpu *v = &vmm->vcpus[i];

		if (v->started)
			pthread_join(v->thread, NULL);
		v->started = false;
	}
}

void vcpus_destroy(struct vmm *vmm)
{
	unsigned int i;

	if (!vmm->vcpus)
		return;
	for (i = 0; i < vmm->nr_vcpus; i++)
		vmm->accel->vcpu_destroy(&vmm->vcpus[i]);
	free(vmm->vcpus);
	vmm->vcpus = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: one host thread each, running HYV_RUN in a loop and dispatching
 * its exits to the buses. The BSP starts at the kernel's 64-bit entry;
 * the APs wait in HYV_MP_STATE_INIT_RECEIVED for the guest's INIT/SIPI,
 * as on a PC. To stop, the main thread sets immediate_exit in each run
 * page and sends the thread SIGUSR1, which makes HYV_RUN return EINTR.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm.h"

struct vcpu {
	struct vmm *vmm;
	unsigned int id;
	int fd;
	struct hyv_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
};

#define VCPU_KICK_SIGNAL	SIGUSR1

static void vcpu_kick_handler(int sig)
{
	(void)sig;	/* only there to interrupt HYV_RUN */
}

static const char *exit_name(u32 reason)
{
	static const char *const names[] = {
		[HYV_EXIT_NONE] = "none",
		[HYV_EXIT_IO] = "port I/O",
		[HYV_EXIT_MMIO] = "MMIO",
		[HYV_EXIT_HLT] = "HLT",
		[HYV_EXIT_SHUTDOWN] = "shutdown",
		[HYV_EXIT_FAIL_ENTRY] = "failed entry",
		[HYV_EXIT_INTERNAL_ERROR] = "internal error",
		[HYV_EXIT_INTR] = "interrupted",
	};

	return reason < ARRAY_SIZE(names) && names[reason] ? names[reason] : "unknown";
}

static u64 vcpu_rip(struct vcpu *v)
{
	struct hyv_regs regs;

	return ioctl(v->fd, HYV_GET_REGS, &regs) ? ~0ULL : regs.rip;
}

/* A fatal exit: say which, where and why; the VM ends with status 1. */
static void vcpu_fatal(struct vcpu *v, const char *reason)
{
	struct hyv_run *run = v->run;
	char info[160] = "";

	if (run->exit_reason == HYV_EXIT_INTERNAL_ERROR)
		snprintf(info, sizeof(info),
			 ", suberror %u, vendor exit %#llx, info %#llx %#llx",
			 run->internal.suberror,
			 (unsigned long long)run->internal.data[0],
			 (unsigned long long)run->internal.data[1],
			 (unsigned long long)run->internal.data[2]);
	else if (run->exit_reason == HYV_EXIT_FAIL_ENTRY)
		snprintf(info, sizeof(info), ", hardware reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_reason);
	hyv_warn("vCPU %u: fatal: exit %u (%s) at RIP %#llx: %s%s", v->id,
		 run->exit_reason, exit_name(run->exit_reason),
		 (unsigned long long)vcpu_rip(v), reason, info);
	vmm_request_exit(v->vmm, HYV_RUN_EXIT_ERROR);
}

static bool vcpu_io(struct vcpu *v)
{
	struct hyv_run *run = v->run;
	bool out = run->io.direction == HYV_IO_OUT;
	u32 size = run->io.size, i;
	u8 *data;

	if (size != 1 && size != 2 && size != 4)
		return false;
	if (!run->io.count) {
		bus_access(&v->vmm->pio, run->io.port, (u8 *)&run->io.data,
			   size, out);
		return true;
	}
	/* String I/O: the elements are in the vCPU's mmap area. */
	if (run->io.data_offset > v->run_size ||
	    run->io.count > (v->run_size - run->io.data_offset) / size)
		return false;
	data = (u8 *)run + run->io.data_offset;
	for (i = 0; i < run->io.count; i++, data += size)
		bus_access(&v->vmm->pio, run->io.port, data, size, out);
	return true;
}

static bool vcpu_mmio(struct vcpu *v)
{
	struct hyv_run *run = v->run;
	u32 len = run->mmio.len;

	if (len < 1 || len > 8)
		return false;
	bus_access(&v->vmm->mmio, run->mmio.phys_addr, (u8 *)&run->mmio.data,
		   len, run->mmio.is_write);
	return true;
}

/*
 * HLT with interrupts off (an AP stopped by the guest, or offlined):
 * only NMI, INIT or SIPI can wake it. Let hyv.ko sleep on that instead
 * of spinning through this exit.
 */
static bool vcpu_halt(struct vcpu *v)
{
	struct hyv_mp_state mp = { .state = HYV_MP_STATE_HALTED };

	return !ioctl(v->fd, HYV_SET_MP_STATE, &mp);
}

/* Handle one exit; false when the VM must end. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct hyv_run *run = v->run;

	switch (run->exit_reason) {
	case HYV_EXIT_IO:
		if (!vcpu_io(v))
			vcpu_fatal(v, "malformed port I/O exit");
		break;
	case HYV_EXIT_MMIO:
		if (!vcpu_mmio(v))
			vcpu_fatal(v, "malformed MMIO exit");
		break;
	case HYV_EXIT_HLT:
		if (!vcpu_halt(v))
			vcpu_fatal(v, "HYV_SET_MP_STATE failed");
		break;
	case HYV_EXIT_SHUTDOWN:
		hyv_warn("vCPU %u: triple fault (shutdown) at RIP %#llx", v->id,
			 (unsigned long long)vcpu_rip(v));
		vmm_request_exit(v->vmm, HYV_RUN_EXIT_TRIPLE);
		break;
	case HYV_EXIT_INTR:
		break;
	case HYV_EXIT_FAIL_ENTRY:
		vcpu_fatal(v, "the CPU refused the guest state");
		break;
	case HYV_EXIT_INTERNAL_ERROR:
		vcpu_fatal(v, "hyv.ko could not handle an exit");
		break;
	default:
		vcpu_fatal(v, "unknown exit reason");
		break;
	}
	return !vmm_stopping(v->vmm);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	while (!vmm_stopping(v->vmm)) {
		if (ioctl(v->fd, HYV_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			hyv_warn("vCPU %u: fatal: HYV_RUN at RIP %#llx: %s", v->id,
				 (unsigned long long)vcpu_rip(v), strerror(errno));
			vmm_request_exit(v->vmm, HYV_RUN_EXIT_ERROR);
			break;
		}
		if (!vcpu_handle_exit(v))
			break;
	}
	return NULL;
}

static int vcpu_create(struct vmm *vmm, struct vcpu *v, unsigned int id,
		       const struct hyv_regs *regs, const struct hyv_sregs *sregs)
{
	struct hyv_mp_state mp = { .state = HYV_MP_STATE_INIT_RECEIVED };
	struct hyv_sregs s;
	int size, err;

	v->vmm = vmm;
	v->id = id;
	v->fd = ioctl(vmm->vm_fd, HYV_CREATE_VCPU, id);
	if (v->fd < 0)
		return -errno;
	size = ioctl(vmm->dev_fd, HYV_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct hyv_run))
		return -EINVAL;
	v->run_size = size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	err = cpu_setup(vmm, v->fd, id);
	if (err)
		return err;
	if (id) {
		/* An AP: waits for the guest's INIT-SIPI-SIPI. */
		return ioctl(v->fd, HYV_SET_MP_STATE, &mp) ? -errno : 0;
	}
	if (ioctl(v->fd, HYV_GET_SREGS, &s))
		return -errno;
	s.cs = sregs->cs;
	s.ds = sregs->ds;
	s.es = sregs->es;
	s.fs = sregs->fs;
	s.gs = sregs->gs;
	s.ss = sregs->ss;
	s.tr = sregs->tr;
	s.ldt = sregs->ldt;
	s.gdt = sregs->gdt;
	s.idt = sregs->idt;
	s.cr0 = sregs->cr0;
	s.cr3 = sregs->cr3;
	s.cr4 = sregs->cr4;
	s.efer = sregs->efer;
	if (ioctl(v->fd, HYV_SET_SREGS, &s) || ioctl(v->fd, HYV_SET_REGS, regs))
		return -errno;
	return 0;
}

int vcpus_create(struct vmm *vmm, const struct hyv_regs *regs,
		 const struct hyv_sregs *sregs)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	unsigned int i;
	int err;

	/* No SA_RESTART: the kick must make HYV_RUN return EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	vmm->vcpus = calloc(vmm->nr_vcpus, sizeof(*vmm->vcpus));
	if (!vmm->vcpus)
		return -ENOMEM;
	for (i = 0; i < vmm->nr_vcpus; i++) {
		vmm->vcpus[i].fd = -1;
		err = vcpu_create(vmm, &vmm->vcpus[i], i, regs, sregs);
		if (err) {
			errno = -err;
			hyv_die_errno(HYV_RUN_EXIT_ERROR, "vCPU %u", i);
		}
	}
	return 0;
}

/* The i-th CPU of the affinity set, round robin. */
static int vcpu_host_cpu(const cpu_set_t *set, unsigned int i)
{
	int n = CPU_COUNT(set), cpu;

	i %= n;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && !i--)
			return cpu;
	return -1;
}

int vcpus_start(struct vmm *vmm)
{
	const struct hyv_options *o = vmm->opts;
	pthread_attr_t attr;
	sigset_t block, old;
	unsigned int i;
	int err;

	/*
	 * The vCPU threads take no process signals but the kick: the main
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
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			errno = err;
			hyv_die_errno(HYV_RUN_EXIT_ERROR, "vCPU %u thread", i);
		}
		v->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void vcpus_stop(struct vmm *vmm)
{
	unsigned int i;

	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct vcpu *v = &vmm->vcpus[i];

		if (!v->started)
			continue;
		/* Seen by a RUN about to start; the signal ends one in flight. */
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
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
	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct vcpu *v = &vmm->vcpus[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vmm->vcpus);
	vmm->vcpus = NULL;
}

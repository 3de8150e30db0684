// SPDX-License-Identifier: GPL-2.0
/*
 * spin_vcpus: a VM with one vCPU per online CPU, each spinning in its
 * guest until the machine goes down. The testbed's power-off test (issue
 * #9 C.14) starts it and powers L1 off under it: hyv's reboot notifier
 * then turns virtualization off while the vCPUs are in guest mode.
 *
 * Prints "spinning N vCPUs" once every vCPU has entered its guest and
 * reported back once, then keeps them running; a vCPU whose RUN fails
 * afterwards (the reboot under way) says so and stops. Exits non-zero if
 * a vCPU never got to run.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "hyv_util.h"

#define SPIN_MAX_VCPUS	8

static int started;

static void guest_spin(void)
{
	GUEST_SYNC(1);
	for (;;)
		asm volatile("" : : : "memory");
}

static void *spin(void *arg)
{
	struct hyv_vcpu *vcpu = arg;

	hyv_vcpu_run_sync(vcpu);
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		if (__hyv_vcpu_run(vcpu)) {
			printf("vcpu%u: RUN failed: %m\n", vcpu->id);
			fflush(stdout);
			return NULL;
		}
	}
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t threads[SPIN_MAX_VCPUS];
	struct hyv_vm *vm;
	int i, n, waited;

	n = cpus < 1 ? 1 : cpus > SPIN_MAX_VCPUS ? SPIN_MAX_VCPUS : cpus;
	vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	for (i = 0; i < n; i++)
		HYV_ASSERT(!pthread_create(&threads[i], NULL, spin,
					   hyv_vcpu_add(vm, i, guest_spin)),
			   "pthread_create");
	for (waited = 0; __atomic_load_n(&started, __ATOMIC_SEQ_CST) < n; waited++) {
		if (waited == 600) {
			printf("only %d of %d vCPUs ran within 60 s\n",
			       __atomic_load_n(&started, __ATOMIC_SEQ_CST), n);
			return 1;
		}
		usleep(100 * 1000);
	}
	printf("spinning %d vCPUs\n", n);
	fflush(stdout);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	return 0;
}

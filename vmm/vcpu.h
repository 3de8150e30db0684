/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU as vcpu.c runs it, and an exit as the accelerator (accel/)
 * reports it: in one neutral form whatever the kernel interface, with
 * pointers into the run page so that a device's answer lands in place.
 */
#ifndef HYV_RUN_VCPU_H
#define HYV_RUN_VCPU_H

#include <pthread.h>
#include "vmm.h"

enum vcpu_exit_kind {
	VCPU_EXIT_NONE,		/* nothing to do: run again */
	VCPU_EXIT_IO,
	VCPU_EXIT_MMIO,
	VCPU_EXIT_HLT,		/* HLT with interrupts off */
	VCPU_EXIT_SHUTDOWN,	/* triple fault */
	VCPU_EXIT_INTR,		/* interrupted by a signal */
	VCPU_EXIT_FAIL_ENTRY,	/* the CPU refused the state: info[0] */
	VCPU_EXIT_INTERNAL,	/* the kernel could not handle: info[] */
	VCPU_EXIT_UNKNOWN,	/* an exit reason this VMM does not know */
};

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	u32 raw_reason;		/* the kernel's own exit reason */
	/* VCPU_EXIT_IO: count elements of size bytes at data (and MMIO) */
	bool out;
	u16 port;
	u32 size, count;
	u8 *data;
	/*
	 * VCPU_EXIT_MMIO: count accesses of len bytes, the i-th at
	 * addr + i * len with its value at mmio_data + i * len
	 */
	u64 addr;
	u32 len;
	bool is_write;
	u8 *mmio_data;
	u64 info[4];
};

struct vcpu {
	struct vmm *vmm;
	unsigned int id;
	int fd;
	void *run;		/* the mmapped run page */
	size_t run_size;
	pthread_t thread;
	bool started;
};

#endif /* HYV_RUN_VCPU_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID fields that name the vCPU, written into the table a VMM hands the
 * kernel for each vCPU (Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 E.4):
 * the initial APIC ID of leaf 1, the x2APIC ID of leaves 0xB and 0x1F,
 * AMD's extended APIC ID of leaf 0x8000001E. And the TSC's frequency,
 * measured, for a kernel that does not say it.
 */
#include <time.h>
#include <x86intrin.h>

#include "accel.h"

void cpuid_set_apic_id(u32 function, u32 *eax, u32 *ebx, u32 *edx,
		       unsigned int id)
{
	switch (function) {
	case 1:
		*ebx = (*ebx & 0x00ffffff) | id << 24;
		break;
	case 0xb:
	case 0x1f:
		*edx = id;
		break;
	case 0x8000001e:
		*eax = id;
		break;
	}
}

static u64 cpu_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The host TSC's rate against CLOCK_MONOTONIC_RAW over 100 ms: what the
 * guest's TSC runs at when the hypervisor does not scale it (hyv.ko
 * without HYV_CAP_TSC_KHZ). Each end takes the TSC between two clock
 * reads, so that a preemption shows as a wide bracket and is retried.
 */
u32 cpu_measure_tsc_khz(void)
{
	struct timespec pause = { 0, 100000000 };
	u64 t0, t1, c0, c1, w0, w1;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		w0 = cpu_clock_ns();
		c0 = __rdtsc();
		t0 = cpu_clock_ns();
		nanosleep(&pause, NULL);
		w1 = cpu_clock_ns();
		c1 = __rdtsc();
		t1 = cpu_clock_ns();
		if (t0 - w0 < 50000 && t1 - w1 < 50000 && t1 > t0)
			return (c1 - c0) * 1000000ULL / (t1 - t0);
	}
	return 0;
}

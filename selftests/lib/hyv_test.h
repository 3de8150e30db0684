/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness as hyv's selftests use it: every test file
 * includes this instead of kselftest_harness.h, and gets its main() from
 * here (so include it from the test file only, once).
 *
 * - Timeouts sized for the testbed: an emulated machine (QEMU TCG or
 *   Bochs at ~50 MIPS) on a 2-core host shared with other work. The
 *   harness's 30 s killed tests that were merely slow; a test that can
 *   hang waits with the progress watchdog (vcpu_thread.h), which fails a
 *   stall in seconds and says where, so a long harness timeout costs
 *   nothing when things go right.
 * - No /dev/hyv (hyv.ko not loaded, or a CPU without SVM/VMX): the whole
 *   program is skipped (KSFT_SKIP), not failed, as KVM's selftests do
 *   without /dev/kvm.
 */
#ifndef HYV_TEST_H
#define HYV_TEST_H

#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hyv_util.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120

static inline void hyv_skip_without_dev(void)
{
	if (access("/dev/hyv", F_OK) && errno == ENOENT) {
		ksft_print_header();
		ksft_exit_skip("/dev/hyv does not exist (hyv.ko not loaded, or no SVM/VMX)\n");
	}
}

int main(int argc, char **argv)
{
	hyv_skip_without_dev();
	return test_harness_run(argc, argv);
}

#endif /* HYV_TEST_H */

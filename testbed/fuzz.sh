#!/bin/bash
# make fuzz: soak the fuzzers in the SVM machine (QEMU TCG, KASAN,
# lockdep, kmemleak), far longer than make check runs them.
#
#   HYV_FUZZ_SECONDS=3600 HYV_FUZZ_ITERS=2000000 make fuzz
#
# HYV_FUZZ_SECONDS (default 600): fuzz_race_test's racing time;
# HYV_FUZZ_ITERS (default 400000): fuzz_test's rounds, as runs of its
# make check budget (40,000) with a new seed each; HYV_FUZZ_SEED
# replays a seed (the race and the first fuzz_test run). lifecycle_test runs once after them. Builds
# hyv.ko for the L1 test kernel and the selftests, then boots one
# machine; the results are tallied as in make check. On a shared build
# machine, wrap it in the emulator lock: flock LOCKFILE make fuzz.
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"
MAKE=${MAKE:-make}

main() {
	local secs=${HYV_FUZZ_SECONDS:-600} iters=${HYV_FUZZ_ITERS:-400000}
	local append kernel t
	local -a args=(-o "$logs/fuzz-initrd.gz" -m fuzz)
	lock_testbed
	"$MAKE" -C "$repo" --no-print-directory -s modules-testbed selftests \
		>"$logs/build-fuzz.log" 2>&1 ||
		{ note_tail "$logs/build-fuzz.log"; return 1; }
	kernel=$(tail -n1 < <("$testbed/l1-kernel.sh"))
	args+=(-k "$repo/build/modules-testbed/host/hyv.ko")
	for t in fuzz_race_test fuzz_test lifecycle_test; do
		args+=(-t "$repo/selftests/$t")
	done
	"$testbed/initramfs.sh" "${args[@]}"
	append="hyvt.fuzz_seconds=$secs hyvt.fuzz_runs=$(((iters + 39999) / 40000))"
	[ -z "${HYV_FUZZ_SEED:-}" ] || append+=" hyvt.fuzz_seed=$HYV_FUZZ_SEED"
	note "make fuzz: $secs s of racing, $iters rounds of fuzz_test"
	# Each binary's time, and silence, may be long: fuzz_test prints every
	# 5,000 calls, fuzz_race_test every four epochs.
	{
		HYV_TEST_TIMEOUT=$((secs + 600)) \
		HYV_RUN_TIMEOUT=$((2 * secs + iters / 200 + 1800)) \
			"$testbed/machine.sh" --log fuzz \
			--append "$append" svm "$kernel/arch/x86/boot/bzImage" \
			"$logs/fuzz-initrd.gz"
		echo "@done"
	} | "$testbed/tally.sh"
}

main "$@"

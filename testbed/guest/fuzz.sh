#!/bin/sh
# /hyvt/main for `make fuzz` (testbed/fuzz.sh): soak the fuzzers. Loads
# hyv.ko, runs fuzz_race_test for hyvt.fuzz_seconds=, fuzz_test
# hyvt.fuzz_runs= times (each its default budget and a seed of its own,
# within the harness's timeout; suites fuzz_test-1, -2, ...), then
# lifecycle_test; hyvt.fuzz_seed= replays a seed (the race and the first
# fuzz_test run). Unloads hyv and lets kmemleak scan; the console judge
# weighs what the kernel said along the way.
# shellcheck shell=dash source=testbed/guest/lib.sh
. /hyvt/lib.sh
OUT=/tmp/out

v=$(param fuzz_seconds '')
[ -z "$v" ] || export HYV_FUZZ_SECONDS="$v"
RUNS=$(param fuzz_runs 1)
v=$(param fuzz_seed '')
[ -z "$v" ] || export HYV_FUZZ_SEED="$v"

# selftest BINARY SUITE: its TAP, as suite SUITE.
selftest() {
	(cd /tmp && "$1" </dev/null 2>&1; echo "HYVT-EXIT $?") |
		awk -v suite="$2" -v level=0 -f /hyvt/tap.awk | emit_lines
}

if ! insmod /lib/hyv/hyv.ko >"$OUT" 2>&1; then
	fail module:load "$OUT"
	exit 0
fi
pass module:load
selftest /selftests/fuzz_race_test fuzz_race_test
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	selftest /selftests/fuzz_test "fuzz_test-$i"
	unset HYV_FUZZ_SEED
done
selftest /selftests/lifecycle_test lifecycle_test
if rmmod hyv >"$OUT" 2>&1; then
	pass module:unload-after-fuzzing
else
	fail module:unload-after-fuzzing "$OUT"
fi
k=/sys/kernel/debug/kmemleak
if [ -e $k ]; then
	echo 1 >/sys/module/kmemleak/parameters/verbose
	echo scan >$k && echo scan >$k && pass kmemleak:scan
fi

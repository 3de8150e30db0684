#!/bin/sh
# /hyvt/main for `make fuzz` (testbed/fuzz.sh): soak the fuzzers. Loads
# hyv.ko, runs each /selftests/*_test (fuzz_race_test, fuzz_test,
# lifecycle_test) with the budget the host passed on the kernel command
# line (hyvt.fuzz_seconds=, hyvt.fuzz_iters=, hyvt.fuzz_seed=), unloads
# hyv and lets kmemleak scan; the console judge weighs what the kernel
# said along the way.
# shellcheck shell=dash source=testbed/guest/lib.sh
. /hyvt/lib.sh
OUT=/tmp/out

v=$(param fuzz_seconds '')
[ -z "$v" ] || export HYV_FUZZ_SECONDS="$v"
v=$(param fuzz_iters '')
[ -z "$v" ] || export HYV_FUZZ_ITERS="$v"
v=$(param fuzz_seed '')
[ -z "$v" ] || export HYV_FUZZ_SEED="$v"

if ! insmod /lib/hyv/hyv.ko >"$OUT" 2>&1; then
	fail module:load "$OUT"
	exit 0
fi
pass module:load
for t in /selftests/*_test; do
	[ -x "$t" ] || continue
	(cd /tmp && "$t" </dev/null 2>&1; echo "HYVT-EXIT $?") |
		awk -v suite="${t##*/}" -v level=0 -f /hyvt/tap.awk | emit_lines
done
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

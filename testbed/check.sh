#!/bin/bash
# `make check`: build hyv.ko (stock and L1 kernels, W=1), the L1 kernel,
# the selftests and the VMM, each build a test "host:build:NAME"; then run
# the test runner in every emulated machine ($HYV_MACHINES, default
# "svm vmx") and end on the line "N passed, N failed" (exit 1 on any failure).
# See docs/testing.md. Run it through make: it needs KDIR from the Makefile.
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testbed/l2.sh
. "$testbed/l2.sh"
: "${KDIR:?run through make check}"
MAKE=${MAKE:-make}

# Builds whose command failed: what they left behind is stale.
broken=" "

# build [-W] NAME CMD...: run CMD with its output in
# build/testbed/build-NAME.log; it passes when CMD succeeds and, with -W,
# prints no compiler or modpost warning.
build() {
	local strict=0 name log
	[ "$1" != -W ] || { strict=1; shift; }
	name=$1 log=$logs/build-$1.log
	shift
	if ! "$@" >"$log" 2>&1; then
		broken+="$name "
		echo "not ok host:build:$name"
		note_tail "$log"
	elif [ "$strict" = 1 ] && grep -qi 'warning:' "$log"; then
		echo "not ok host:build:$name"
		grep -i 'warning:' "$log" | head -n 20 | sed 's/^/# /'
	else
		echo "ok host:build:$name"
	fi
}

build_all() {
	note "building (the L1 kernel takes ~7 min the first time); logs in ${logs#"$repo"/}/build-*.log"
	build l1-kernel "$testbed/l1-kernel.sh"
	build -W modules-stock "$MAKE" -C "$repo" --no-print-directory modules-stock W=1
	build -W modules-testbed "$MAKE" -C "$repo" --no-print-directory modules-testbed W=1
	build selftests "$MAKE" -C "$repo" --no-print-directory selftests
	build vmm "$MAKE" -C "$repo" --no-print-directory vmm
	vmm_unit_tests
	build initramfs pack
}

# hyv-run's host-side unit tests: result lines of their own.
vmm_unit_tests() {
	local log=$logs/build-vmm-tests.log
	if ! "$MAKE" -C "$repo/vmm" --no-print-directory -s tests >"$log" 2>&1; then
		echo "not ok host:build:vmm-tests"
		note_tail "$log"
		return
	fi
	"$repo/vmm/tests/run.sh" || true
}

built() {
	[[ "$broken" != *" $1 "* ]]
}

# Pack the initramfs of the test runner from what was built.
pack() {
	local mods=$repo/build/modules-testbed/host f
	local -a args=(-o "$logs/check-initrd.gz" -m check) l2=()
	rm -f "$logs/check-initrd.gz"
	if built modules-testbed; then
		for f in "$mods/hyv.ko" "$mods/hyv_kunit.ko"; do
			[ ! -f "$f" ] || args+=(-k "$f")
		done
	fi
	if built selftests; then
		for f in "$repo"/selftests/*_test; do
			[ ! -x "$f" ] || args+=(-t "$f")
		done
	fi
	if built vmm; then
		args+=(-b "$repo/vmm/hyv-demo")
		read -ra l2 < <(l2_initramfs_args "$(tail -n1 "$logs/build-l1-kernel.log")")
		args+=("${l2[@]}")
	fi
	"$testbed/initramfs.sh" "${args[@]}"
}

# Boot every machine on the L1 kernel (the last line of its build log).
run_machines() {
	local kernel m
	kernel=$(tail -n1 "$logs/build-l1-kernel.log")/arch/x86/boot/bzImage
	for m in ${HYV_MACHINES:-svm vmx}; do
		if [ -f "$kernel" ] && [ -f "$logs/check-initrd.gz" ]; then
			"$testbed/machine.sh" "$m" "$kernel" "$logs/check-initrd.gz"
		else
			echo "not ok $m:boot:not-built"
			echo "@end $m"
		fi
	done
}

all() {
	local start=$SECONDS
	build_all
	echo "@end host"
	run_machines
	note "check: $((SECONDS - start)) s"
	echo "@done"
}

main() {
	lock_testbed
	all | "$testbed/tally.sh"
}

main "$@"

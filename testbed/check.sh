#!/bin/bash
# `make check`: build hyv.ko (stock and L1 kernels, W=1), the L1 kernel,
# the selftests and the VMM, each build a test "host:build:NAME"; then run
# the testbed's self-test (host:testbed:*) and the test runner in every
# emulated machine ($HYV_MACHINES, default "svm vmx"); tally.sh judges skips
# (testbed/allowed-skips) and test counts (testbed/expected-counts) and ends
# on the line "N passed, N failed" (exit 1 on any failure).
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

# The machines to run; each boots its own kernel (the VMX machine a
# lighter one, testbed/l1-kernel-vmx.config) with modules built for it.
all_machines="svm vmx"
machines=${HYV_MACHINES:-$all_machines}

has_machine() {
	[[ " $machines " == *" $1 "* ]]
}

build_all() {
	note "building (the L1 kernels take ~20 min each the first time); logs in ${logs#"$repo"/}/build-*.log"
	build l1-kernel "$testbed/l1-kernel.sh"
	! has_machine vmx || build l1-kernel-vmx "$testbed/l1-kernel.sh" --variant vmx
	build -W modules-stock "$MAKE" -C "$repo" --no-print-directory modules-stock W=1
	build -W modules-testbed "$MAKE" -C "$repo" --no-print-directory modules-testbed W=1
	! has_machine vmx ||
		build -W modules-testbed-vmx "$MAKE" -C "$repo" --no-print-directory modules-testbed-vmx W=1
	build selftests "$MAKE" -C "$repo" --no-print-directory selftests
	build vmm "$MAKE" -C "$repo" --no-print-directory vmm
	vmm_unit_tests
	build -W guest-drivers "$MAKE" -C "$repo" --no-print-directory guest-drivers W=1
	build -W guest-drivers-testbed "$MAKE" -C "$repo" --no-print-directory guest-drivers-testbed W=1
	build pv-tests "$MAKE" -C "$repo" --no-print-directory pv-tests
	build testbed-tools "$MAKE" -C "$repo" --no-print-directory testbed-tools
	# Not packed stale (l2-initramfs.sh takes blkverify when it is there).
	built testbed-tools || rm -f "$repo/build/testbed-tools/blkverify"
	! built pv-tests || "$testbed/host-tests.sh"
	"$testbed/self-test.sh"
	build initramfs pack modules-testbed check guest-drivers-testbed
	! has_machine vmx || build initramfs-vmx pack modules-testbed-vmx check-vmx
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

# pack MODULES NAME [GUEST_DRIVERS]: the initramfs of the test runner,
# with hyv's modules from build/MODULES (and the PV guest drivers, loaded
# in L1 for their KUnit suites, from build/GUEST_DRIVERS), in
# build/testbed/NAME-initrd.gz.
pack() {
	local mods=$repo/build/$1/host f
	local -a args=(-o "$logs/$2-initrd.gz" -m check) l2=()
	rm -f "$logs/$2-initrd.gz"
	if built "$1"; then
		for f in "$mods/hyv.ko" "$mods/hyv_kunit.ko"; do
			[ ! -f "$f" ] || args+=(-k "$f")
		done
	fi
	if [ -n "${3:-}" ] && built "$3"; then
		for f in common/hyv_pv.ko pvblk/hyv_pvblk.ko pvblk/hyv_pvblk_kunit.ko \
			pvnet/hyv_pvnet.ko pvnet/hyv_pvnet_kunit.ko; do
			args+=(-k "$repo/build/$3/guest-drivers/$f")
		done
	fi
	if built selftests; then
		for f in "$repo"/selftests/*_test; do
			[ ! -x "$f" ] || args+=(-t "$f")
		done
		args+=(-b "$repo/selftests/spin_vcpus")
	fi
	if built vmm; then
		args+=(-b "$repo/vmm/hyv-demo")
		# The L1 kernel of this machine (check, check-vmx) has the KVM modules.
		read -ra l2 < <(l2_initramfs_args "$(tail -n1 "$logs/build-l1-kernel${2#check}.log")")
		args+=("${l2[@]}")
	fi
	"$testbed/initramfs.sh" "${args[@]}"
}

# Boot every machine on its L1 kernel (the last line of its build log).
# The SVM machine's kernel poisons free pages only when asked (page_poison=1):
# a page written after its free (by the CPU through a stale VMCB or nested
# page table too, which KASAN cannot see) is then reported when reused.
run_machines() {
	local kernel initrd m suffix append
	for m in $machines; do
		suffix='' append=''
		[ "$m" != vmx ] || suffix=-vmx
		[ "$m" != svm ] || append=page_poison=1
		kernel=$(tail -n1 "$logs/build-l1-kernel$suffix.log")/arch/x86/boot/bzImage
		initrd=$logs/check$suffix-initrd.gz
		if [ -f "$kernel" ] && [ -f "$initrd" ]; then
			"$testbed/machine.sh" --append "$append" "$m" "$kernel" "$initrd"
		else
			echo "not ok $m:boot:not-built"
			echo "@end $m"
		fi
	done
}

all() {
	local start=$SECONDS
	local m out=
	for m in $all_machines; do
		has_machine "$m" || out+=" $m"
	done
	[ -z "$out" ] ||
		note "HYV_MACHINES=$machines: left out of this run:$out"
	build_all
	echo "@end host"
	run_machines
	note "check: $((SECONDS - start)) s"
	echo "@done"
}

main() {
	lock_testbed
	all | "$testbed/tally.sh" --expect "$testbed/expected-counts" --machines "host $machines"
}

main "$@"

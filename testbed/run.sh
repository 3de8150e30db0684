#!/bin/bash
# `make run`: boot the stock Debian kernel (the one KDIR's headers belong
# to) as L1 in the SVM machine, load hyv.ko built against those headers,
# run vmm/hyv-demo, then boot the same stock kernel as L2 under hyv-run
# with its console on this terminal: a busybox shell (typing works;
# `poweroff` or Ctrl-A x leaves; Ctrl-C goes to the guest). Prints how
# long each stage took. Run it through make.
#
#   make run                      the interactive L2 shell
#   make run CMD="nproc; free"    run CMD in L2 instead, print its output
#                                 and exit with its status
#   make run ACCEL=kvm            the L2 under hyv-run --accel kvm
#   make run CPUS=2 MEM=512M      the L2's vCPUs and memory
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testbed/l2.sh
. "$testbed/l2.sh"
: "${KDIR:?run through make run}"
MAKE=${MAKE:-make}
CMD=${CMD:-}
ACCEL=${ACCEL:-hyv}

build_all() {
	local -a l2args args
	"$MAKE" -C "$repo" --no-print-directory -s modules-stock vmm guest-drivers testbed-tools >"$logs/build-run.log" 2>&1 ||
		{ note_tail "$logs/build-run.log"; echo "run: the build failed; see ${logs#"$repo"/}/build-run.log" >&2; return 1; }
	read -ra l2args < <(l2_initramfs_args "/lib/modules/$version/kernel")
	args=(-o "$logs/run-initrd.gz" -m run -k "$repo/build/modules-stock/host/hyv.ko"
	      -b "$repo/vmm/hyv-demo" "${l2args[@]}")
	rm -f "$logs/run-cmd"
	if [ -n "$CMD" ]; then
		printf '%s\n' "$CMD" >"$logs/run-cmd"
		args+=(-f "$logs/run-cmd=hyvt/cmd")
	fi
	"$testbed/initramfs.sh" "${args[@]}"
}

main() {
	local kernel start=$SECONDS status
	lock_testbed
	kernel=$(l2_kernel)
	version=${kernel#/boot/vmlinuz-}
	build_all
	note "stage: built in $((SECONDS - start)) s"
	if [ -z "$CMD" ]; then
		# An interactive session may idle: no silence limit.
		export HYV_TEST_TIMEOUT=86400 HYV_RUN_TIMEOUT=86400 HYV_QEMU_SIGNAL=off
	fi
	set +e
	{
		"$testbed/machine.sh" --live --log run \
			--append "quiet hyvt.accel=$ACCEL hyvt.cpus=${CPUS:-1} hyvt.mem=${MEM:-256M}" \
			svm "$kernel" "$logs/run-initrd.gz"
		echo "@done"
	} | "$testbed/tally.sh"
	status=$?
	set -e
	note "stage: make run took $((SECONDS - start)) s"
	if [ -n "$CMD" ]; then
		# The L2 command's own status, as the guest reported it.
		status=$(sed -n 's/.*HYVT: # l2-status \([0-9]*\).*/\1/p' "$logs/run-results.log" | tail -n1)
		exit "${status:-1}"
	fi
	exit "$status"
}

main "$@"

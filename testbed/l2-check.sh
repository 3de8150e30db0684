#!/bin/bash
# Only the L2 suite, for quick iteration on hyv-run: build hyv.ko (L1
# test kernel) and the VMM, pack an initramfs whose runner loads hyv.ko
# and runs guest/l2.sh, and boot it in one machine (default svm).
#
#   KDIR=... testbed/l2-check.sh [MACHINE]     (or: make l2-check)
#
# HYV_L2_APPEND adds L1 kernel parameters, e.g. hyvt.l2kvmonly=1 (only
# the --accel kvm boots), hyvt.l2short=1 (bad input and one boot under
# hyv), hyvt.l2nokvm=1 (no --accel kvm boots), hyvt.l2log=1 (every L2
# console line) or hyvt.l2timeout=SECONDS.
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testbed/l2.sh
. "$testbed/l2.sh"
: "${KDIR:?run through make l2-check}"
MAKE=${MAKE:-make}

main() {
	local machine=${1:-svm} kernel
	local -a l2args
	lock_testbed
	local mods=modules-testbed
	local -a variant=()
	if [ "$machine" = vmx ]; then
		mods=modules-testbed-vmx
		variant=(--variant vmx)
	fi
	"$MAKE" -C "$repo" --no-print-directory -s "$mods" vmm guest-drivers testbed-tools >"$logs/build-l2.log" 2>&1 ||
		{ note_tail "$logs/build-l2.log"; return 1; }
	kernel=$(tail -n1 < <("$testbed/l1-kernel.sh" "${variant[@]}"))
	read -ra l2args < <(l2_initramfs_args "$kernel")
	"$testbed/initramfs.sh" -o "$logs/l2-check-initrd.gz" -m l2main \
		-k "$repo/build/$mods/host/hyv.ko" "${l2args[@]}"
	{
		"$testbed/machine.sh" --log l2 --append "${HYV_L2_APPEND:-}" \
			"$machine" "$kernel/arch/x86/boot/bzImage" \
			"$logs/l2-check-initrd.gz"
		echo "@done"
	} | "$testbed/tally.sh"
}

main "$@"

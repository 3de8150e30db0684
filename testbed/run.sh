#!/bin/bash
# `make run`: boot the stock Debian kernel (the one KDIR's headers belong
# to) as L1 in the SVM machine, load hyv.ko built against those headers
# and run vmm/hyv-demo, its output live on the console; exit 0 when the
# demo succeeded and the kernel reported no problem. Run it through make.
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"
: "${KDIR:?run through make run}"
MAKE=${MAKE:-make}

build_all() {
	"$MAKE" -C "$repo" --no-print-directory -s modules-stock vmm >"$logs/build-run.log" 2>&1 ||
		{ note_tail "$logs/build-run.log"; echo "run: the build failed; see ${logs#"$repo"/}/build-run.log" >&2; return 1; }
	"$testbed/initramfs.sh" -o "$logs/run-initrd.gz" -m demo \
		-k "$repo/build/modules-stock/host/hyv.ko" -b "$repo/vmm/hyv-demo"
}

main() {
	local kernel
	lock_testbed
	kernel=/boot/vmlinuz-$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")
	build_all
	{
		"$testbed/machine.sh" --live --log run --append quiet svm "$kernel" "$logs/run-initrd.gz"
		echo "@done"
	} | "$testbed/tally.sh"
}

main "$@"

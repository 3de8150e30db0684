#!/bin/sh
# /hyvt/main of an L2-only run (testbed/l2-check.sh): load hyv.ko and run
# the L2 suite of guest/l2.sh, nothing else.
# shellcheck shell=dash source=testbed/guest/lib.sh
. /hyvt/lib.sh
. /hyvt/l2.sh
OUT=/tmp/out
if insmod /lib/hyv/hyv.ko >"$OUT" 2>&1; then
	pass module:load
	if [ "$(param l2debug none)" != none ]; then
		# One boot, every console line, KERN_DEBUG too:
		# hyvt.l2debug=MODE hyvt.l2accel=hyv|kvm
		rmmod hyv
		# shellcheck disable=SC2034 # read by l2_boot (l2.sh)
		L2_ACCEL=$(param l2accel hyv)
		if [ "$L2_ACCEL" = hyv ]; then
			insmod /lib/hyv/hyv.ko
		else
			for m in irqbypass kvm kvm-amd; do insmod "/lib/hyv/kvm/$m.ko"; done
		fi
		l2_boot debug "$(param l2debug none)" 2 128M "$(param l2extra loglevel=8)"
		emit "# l2: debug: hyv-run exit $(l2_exit debug)"
	elif [ "$(param l2kvmonly 0)" = 1 ]; then
		l2_kvm_suite
	else
		l2_suite
		[ "$(param l2short 0)" = 1 ] || [ "$(param l2nokvm 0)" = 1 ] || l2_kvm_suite
	fi
else
	fail module:load "$OUT"
fi

#!/bin/sh
# /hyvt/main for `make run` (testbed/run.sh), inside L1: load hyv.ko, run
# the demo VMM, then boot the stock kernel as L2 under hyv-run with its
# console on this one (the user's terminal). Interactive by default: a
# busybox shell in L2; `poweroff` there, or Ctrl-A x, leaves. With
# /hyvt/cmd present (make run CMD="..."), L2 runs that command instead and
# its exit status comes back as "l2-status N". Says how long each stage
# took.
# shellcheck shell=dash source=testbed/guest/lib.sh
. /hyvt/lib.sh
OUT=/tmp/out
ACCEL=$(param accel hyv)
L2="hyv-run --accel $ACCEL --kernel /l2/vmlinuz --initrd /l2/initrd --cpus $(param cpus 1) --mem $(param mem 256M)"

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

stage() {
	emit "# stage: $* (L1 uptime $(uptime_s) s)"
}

stage "L1 /init"
if [ "$ACCEL" = kvm ]; then
	for m in irqbypass kvm ccp kvm-amd; do
		[ ! -f /lib/hyv/kvm/$m.ko ] ||
			insmod /lib/hyv/kvm/$m.ko >"$OUT" 2>&1 || fail "module:load-$m" "$OUT"
	done
elif insmod /lib/hyv/hyv.ko >"$OUT" 2>&1; then
	pass module:load
	if /bin/hyv-demo >"$OUT" 2>&1; then
		pass vmm:hyv-demo
	else
		fail vmm:hyv-demo "$OUT"
	fi
else
	fail module:load "$OUT"
fi
# A PV disk (a file in L1) and a PV network device (a TAP that hyv-run
# creates, addressed here) when the L2 initramfs has the drivers.
PV=""
[ -c /dev/net/tun ] || [ ! -f /lib/hyv/tun.ko ] || insmod /lib/hyv/tun.ko
if [ "$ACCEL" = hyv ] && [ -c /dev/net/tun ] &&
   cpio -it </l2/initrd 2>/dev/null | grep -q 'hyv-pv/hyv_pvnet.ko'; then
	dd if=/dev/zero of=/tmp/demo-disk.img bs=1048576 count=16 2>/dev/null
	echo "hello from L1: this disk is /tmp/demo-disk.img in L1, served by hyv-run" |
		dd of=/tmp/demo-disk.img conv=notrunc 2>/dev/null
	L2="$L2 --disk /tmp/demo-disk.img --net tap=hyvtap0,mac=52:54:00:12:34:56"
	PV=" hyvl2.pv=1"
	(
		i=0
		while [ $i -lt 1200 ] && [ ! -e /sys/class/net/hyvtap0 ]; do
			sleep 0.5
			i=$((i + 1))
		done
		ip addr add 10.0.2.1/24 dev hyvtap0 && ip link set hyvtap0 up
	) &
	emit "# L2 gets a PV disk (/tmp/demo-disk.img) and a PV NIC on TAP hyvtap0 (L1 is 10.0.2.1)"
fi
stage "$ACCEL ready; starting L2 ($L2)"

if [ -f /hyvt/cmd ]; then
	# Batch: the command goes in as the guest's first line of input.
	mkfifo /tmp/l2in
	$L2 --console stdio --cmdline "console=ttyS0 quiet panic=-1 hyvl2.mode=cmd$PV" \
		</tmp/l2in >/tmp/l2out 2>&1 &
	pid=$!
	exec 4>/tmp/l2in
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$sent" ] && grep -q 'HYVL2: ready-for-command' /tmp/l2out; then
			cat /hyvt/cmd >&4
			sent=1
		fi
		sleep 0.2
	done
	wait "$pid"
	status=$?
	exec 4>&-
	grep '^hyv PV' /tmp/l2out | tr -d '\r'
	sed -n '/HYVL2: ready-for-command/,/HYVL2-EXIT:/p' /tmp/l2out |
		grep -v 'HYVL2' | tr -d '\r'
	l2status=$(sed -n 's/.*HYVL2-EXIT: \([0-9]*\).*/\1/p' /tmp/l2out | tr -d '\r')
	emit "# l2-status ${l2status:-none}"
	if [ "$status" = 0 ] && [ -n "$l2status" ]; then
		pass run:l2-command
	else
		echo "hyv-run exited with $status" >>/tmp/l2out
		fail run:l2-command /tmp/l2out
	fi
else
	echo "== L2: the stock kernel under hyv-run; type poweroff (or Ctrl-A x) to leave =="
	$L2 --console stdio --cmdline "console=ttyS0 quiet panic=-1 hyvl2.mode=shell$PV"
	status=$?
	if [ "$status" = 0 ] || [ "$status" = 130 ]; then
		pass run:l2-shell
	else
		echo "hyv-run exited with $status" >"$OUT"
		fail run:l2-shell "$OUT"
	fi
fi
stage "L2 ended with hyv-run status $status"

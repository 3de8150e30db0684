# The PV drivers against a hostile device (issues #12, #13 and #14,
# "hostile rings"), sourced by guest/l2.sh: one short L2 boot with three
# PV disks whose backends each corrupt one completion
# (`--disk FILE,hostile=KIND@N`, vmm/pv/hyv_pv_hostile.c): a used id out
# of the ring, a used length past the chain, a used index that jumps
# ahead; and a PV NIC (when L1 has /dev/net/tun) whose backend returns a
# bad used id during pings. The guest (testbed/l2/init, mode hostile)
# writes to each disk until a write fails, resets the device (the
# driver's unbind and bind), and writes known bytes that L1 then finds
# in the file; it pings L1 through the NIC until the bad completion,
# rebinds, and pings again. Checks: the writes fail with EIO at the bad
# completion, the ring breaks (id, idx) or only that request fails
# (len), pings go unanswered once the NIC's ring broke, the guest logs
# no oops, WARN or hung task, every device comes back after its reset,
# hyv-run reports each hostile completion and exits 0 at poweroff.
# shellcheck shell=dash
L2H_LOG=/tmp/l2-hostile.log
L2H_KINDS="id len idx"
# Past the partition scan's reads at probe (6 on 6.1), inside the 64
# writes; hyvt.l2hostileat=N moves it (past 70: nothing is corrupted,
# and the request-fails tests must fail).
L2H_AT=$(param l2hostileat 20)
# The NIC's: during the 20 pings after the first answered one.
L2H_NET_AT=$(param l2hostilenetat 24)
L2H_TAP=hyvtap1

l2hostile_boot() {
	local k args='' i=0 pid tap=0 net=''
	for k in $L2H_KINDS; do
		seq 1 300000 | head -c 1048576 >/tmp/hostile-$i.img
		cp /tmp/hostile-$i.img /tmp/hostile-$i.orig
		args="$args --disk /tmp/hostile-$i.img,hostile=$k@$L2H_AT"
		i=$((i + 1))
	done
	[ ! -c /dev/net/tun ] || net="--net tap=$L2H_TAP,hostile=id@$L2H_NET_AT"
	# busybox timeout execs hyv-run in its own process: $! is hyv-run.
	# shellcheck disable=SC2086 # $args and $net are lists of options
	timeout -s KILL "$L2_TIMEOUT" hyv-run --kernel /l2/vmlinuz \
		--initrd /l2/initrd --cpus 1 --mem 192M --verbose $args $net \
		--cmdline "$L2_CMDLINE hyvl2.mode=hostile" </dev/null >$L2H_LOG 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		if [ -n "$net" ] && [ "$tap" = 0 ] && [ -e /sys/class/net/$L2H_TAP ]; then
			ip addr add 10.0.3.1/24 dev $L2H_TAP &&
				ip link set $L2H_TAP up && tap=1
		fi
		sleep 0.2
	done
	wait $pid
	echo "HYVL1-EXIT: $?" >>$L2H_LOG
	if [ "$(param l2log 0)" = 1 ]; then
		emit_lines_note <$L2H_LOG
	else
		grep '^hyv-run: \(pv\|disk\|net\)' $L2H_LOG | head -n 20 | emit_lines_note
	fi
}

l2h_value() {
	sed -n "s/^HYVL2: $1 //p" $L2H_LOG | head -n1 | tr -d '\r'
}

# Disk $1 of kind $2: the write failed with EIO; the backend's report
# names completion N as the answer to a write (used length 1: the
# status byte); a read right after fails when the ring broke (id, idx)
# and succeeds when only one request was failed (len).
l2h_failed() {
	local i=$1 kind=$2 dd rd line
	dd=$(l2h_value "hostile-$i-dd")
	rd=$(l2h_value "hostile-$i-read-after")
	line=$(grep "^hyv-run: pv: disk$i hostile: completion $L2H_AT " $L2H_LOG | tr -d '\r')
	echo "dd: $dd; read after: $rd; backend: $line"
	case "$dd" in [1-9]*"Input/output error"*) ;; *) return 1 ;; esac
	case "$line" in *" len 1) returned as "*) ;; *) return 1 ;; esac
	if [ "$kind" = len ]; then
		[ "$rd" = 0 ]
	else
		[ -n "$rd" ] && [ "$rd" != 0 ]
	fi
}

# After the reset: the device is back, and the known bytes written then
# are in the file at 512 KiB; the rest of the file past the 64 writes
# holds the original bytes.
l2h_recovered() {
	local i=$1 f=/tmp/hostile-$1.img
	echo "rebind $(l2h_value "hostile-$i-rebind"), dev $(l2h_value "hostile-$i-dev-after")," \
	     "write $(l2h_value "hostile-$i-write-known"), readback $(l2h_value "hostile-$i-readback")"
	l2_eq "$(l2h_value "hostile-$i-write-known") $(l2h_value "hostile-$i-readback")" "0 same" ||
		return 1
	seq $((700000 + i * 1000)) $((701000 + i * 1000)) | head -c 4096 >/tmp/hostile-want
	dd if="$f" bs=4096 skip=128 count=1 2>/dev/null | cmp - /tmp/hostile-want || return 1
	dd if="$f" bs=4096 skip=129 2>/dev/null >/tmp/hostile-tail
	dd if="/tmp/hostile-$i.orig" bs=4096 skip=129 2>/dev/null | cmp - /tmp/hostile-tail
}

l2h_broken_lines() {
	local n
	n=$(l2h_value hostile-broken-lines)
	sed -n 's/^HYVL2: dmesg-hostile //p' $L2H_LOG | tr -d '\r'
	# id and idx break their ring; len fails one request only.
	l2_eq "$n" 2 &&
		grep -q 'HYVL2: dmesg-hostile.*used id is not a chain in flight' $L2H_LOG &&
		grep -q 'HYVL2: dmesg-hostile.*used index ahead of what is in flight' $L2H_LOG &&
		grep -q 'HYVL2: dmesg-hostile.*used length .* writable' $L2H_LOG
}

# The NIC: pings went unanswered once the used id was bad (the backend
# reports it), the driver reset the device and took the link down, and
# after its unbind and bind 10 of 10 pings are answered.
l2h_net_failed() {
	local p line
	p=$(l2h_value hostile-net-ping)
	line=$(grep "^hyv-run: pv: net0 hostile: completion $L2H_NET_AT " $L2H_LOG | tr -d '\r')
	echo "first ping after $(l2h_value hostile-net-first-ping) tries; pings: $p;" \
	     "carrier $(l2h_value hostile-net-carrier); backend: $line"
	[ -n "$line" ] && [ -n "$p" ] &&
		! echo "$p" | grep -q '^\([0-9]*\) packets transmitted, \1 packets received' &&
		grep -q 'HYVL2: dmesg-hostile.*hyv_pvnet.*device broken' $L2H_LOG
}

l2h_net_recovered() {
	local p
	p=$(l2h_value hostile-net-ping-after)
	echo "rebind $(l2h_value hostile-net-rebind), $(l2h_value hostile-net-if-after): $p"
	echo "$p" | grep -q '^10 packets transmitted, 10 packets received'
}

l2hostile_check() {
	l2_check hostile "$@"
}

l2hostile_suite() {
	local i=0 k
	if ! cpio -it </l2/initrd 2>/dev/null | grep -q 'hyv-pv/hyv_pvblk.ko'; then
		emit "# l2: hostile: no PV guest drivers in the L2 initramfs (make guest-drivers)"
		return
	fi
	l2hostile_boot
	l2hostile_check hostile:insmod l2_eq "$(l2h_value hostile-insmod) $(l2h_value hostile-disks)" "0 3"
	for k in $L2H_KINDS; do
		l2hostile_check "hostile:$k:request-fails" l2h_failed "$i" "$k"
		l2hostile_check "hostile:$k:reset-then-io" l2h_recovered "$i"
		i=$((i + 1))
	done
	if [ -c /dev/net/tun ]; then
		l2hostile_check hostile:net-id:packets-lost l2h_net_failed
		l2hostile_check hostile:net-id:reset-then-ping l2h_net_recovered
	else
		emit "# l2: hostile: no /dev/net/tun in L1: no hostile NIC"
	fi
	l2hostile_check hostile:driver-reports l2h_broken_lines
	l2hostile_check hostile:dmesg-clean l2_eq "$(l2h_value dmesg-bad)" 0
	l2hostile_check hostile:backend-reports l2_eq \
		"$(grep -c '^hyv-run: pv: disk[0-2] hostile: completion ' $L2H_LOG)" 3
	l2hostile_check hostile:poweroff-exit-0 l2_eq \
		"$(sed -n 's/^HYVL1-EXIT: //p' $L2H_LOG | tr -d '\r')" 0
}

# The L2 suite inside the testbed machine: hyv-run boots the stock Debian
# kernel (/l2/vmlinuz) with the L2 initramfs (/l2/initrd, testbed/l2/init)
# under hyv.ko, and these tests check what the guest reports on its
# console ("HYVL2: ..." lines), what hyv-run's exit status says, and that
# the host is clean afterwards. Sourced by check.sh (l2_suite) and by the
# l2-only runner (guest/l2main.sh). Needs hyv.ko loaded.
# shellcheck shell=dash source=testbed/guest/l2pv.sh
. /hyvt/l2pv.sh
# shellcheck source=testbed/guest/l2hostile.sh
. /hyvt/l2hostile.sh
# Bochs (VMX) runs ~50 MIPS: one boot there takes ~400 s of L1 time.
if grep -q '^flags.* vmx' /proc/cpuinfo; then
	L2_TIMEOUT=$(param l2timeout 900)
else
	L2_TIMEOUT=$(param l2timeout 300)
fi
# quiet: each console byte costs the guest exits; l2log=1 shows it all.
L2_CMDLINE="console=ttyS0 panic=-1 printk.devkmsg=on"
[ "$(param l2log 0)" = 1 ] || L2_CMDLINE="$L2_CMDLINE quiet"
L2_OUT=/tmp/l2out
L2_ACCEL=hyv
# More hyv-run options for the next l2_boot (e.g. a --disk).
L2_RUN_ARGS=

# Timestamp each line with L1's uptime: the timer test compares the
# guest's sleep with L1's clock.
l2_stamp() {
	local line up rest
	# read, not cut: no fork per line, so a burst of lines does not
	# delay the stamp of the next one (the timer test depends on it)
	while IFS= read -r line; do
		read -r up rest </proc/uptime
		echo "$up $line"
	done
}

# L1's uptime in whole seconds.
l1_seconds() {
	local up rest
	read -r up rest </proc/uptime
	echo "${up%.*}"
}

# l2_boot NAME MODE CPUS MEM [CMDLINE-EXTRA]: boot L2 to its end, with
# the console in /tmp/l2-NAME.log (lines "UPTIME TEXT") and hyv-run's
# exit status in the last line "HYVL1-EXIT: N". In mode "checks", one
# line of input goes to the guest once it asks for it.
l2_boot() {
	local name=$1 mode=$2 cpus=$3 mem=$4 extra=${5:-}
	local log=/tmp/l2-$name.log fifo=/tmp/l2-$name.in i sent=0
	local start note_at=60 stuck=0
	rm -f "$fifo" "$log"
	mkfifo "$fifo"
	start=$(l1_seconds)
	(
		# shellcheck disable=SC2086 # L2_RUN_ARGS: words on purpose
		timeout -s KILL "$L2_TIMEOUT" hyv-run --accel "$L2_ACCEL" --kernel /l2/vmlinuz \
			--initrd /l2/initrd --cpus "$cpus" --mem "$mem" --verbose $L2_RUN_ARGS \
			--cmdline "$L2_CMDLINE hyvl2.mode=$mode $extra" <"$fifo" 2>&1
		echo "HYVL1-EXIT: $?"
	) | l2_stamp >"$log" &
	exec 4>"$fifo"
	while ! grep -q 'HYVL1-EXIT:' "$log" 2>/dev/null; do
		if [ "$mode" = checks ] && [ "$sent" = 0 ] &&
		   grep -q 'HYVL2: ready-for-input' "$log"; then
			echo "hyv-input-4242" >&4
			sent=1
		fi
		# Seconds of L1 time, not loop rounds: a round takes many
		# seconds when the emulator is starved, and the watchdog and
		# the timeout count seconds.
		i=$(($(l1_seconds) - start))
		# A sign of life for machine.sh's silence watchdog.
		if [ "$i" -ge "$note_at" ]; then
			emit "# l2: $name: running for $i s"
			note_at=$((i + 60))
		fi
		if [ "$stuck" = 0 ] && [ "$i" -ge $((L2_TIMEOUT - 10)) ]; then
			l2_stuck "$name"
			stuck=1
		fi
		sleep 1
	done
	exec 4>&-
	wait
	rm -f "$fifo"
	if [ "$(param l2log 0)" = 1 ]; then
		emit_lines_note <"$log"
	else
		grep '^[0-9.]* hyv-run: ' "$log" | cut -d' ' -f2- | head -n 20 | emit_lines_note
	fi
}

# hyv-run has not ended in time: say where its threads are, then the
# timeout kills it.
l2_stuck() {
	local pid t
	emit "# l2: $1: hyv-run still running after $((L2_TIMEOUT - 10)) s"
	for pid in $(pidof hyv-run); do
		for t in /proc/"$pid"/task/*; do
			emit "# l2: task ${t##*/} $(cat "$t/comm") $(cut -d' ' -f3 "$t/stat") wchan=$(cat "$t/wchan")"
			sed 's/^/# l2:   /' "$t/stack" 2>/dev/null | head -n 12 | emit_lines
		done
	done
	tail -n 15 "/tmp/l2-$1.log" | sed 's/^/# l2: /' | emit_lines
}

emit_lines_note() {
	local line
	while IFS= read -r line; do
		emit "# $line"
	done
}

# l2_value NAME KEY: the value of the guest's "HYVL2: KEY VALUE" line.
l2_value() {
	sed -n "s/^[0-9.]* HYVL2: $2 //p" "/tmp/l2-$1.log" | head -n1 | tr -d '\r'
}

l2_exit() {
	sed -n 's/^[0-9.]* HYVL1-EXIT: //p' "/tmp/l2-$1.log" | tr -d '\r'
}

# l2_check NAME TEST COND...: test l2:TEST passes when COND succeeds; the
# end of that boot's console is the diagnostic otherwise.
l2_check() {
	local name=$1 test=$2
	shift 2
	if "$@" >"$L2_OUT" 2>&1; then
		pass "l2:$test"
	else
		tail -n 25 "/tmp/l2-$name.log" >>"$L2_OUT"
		fail "l2:$test" "$L2_OUT"
	fi
}

l2_eq() {
	[ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }
}

# A 10 s timer in the guest (testbed/l2/init's timed_wait), by L1's
# clock: the L1 time between the sleep-t0 and sleep-t1 lines less the
# guest time from t0 to the start of the wait is 10 +- 0.5 s, and the
# guest's clock advanced as much as L1's over the window (+- 0.5 s).
l2_sleep_accurate() {
	local log=/tmp/l2-$1.log a b g msg st
	a=$(sed -n 's/^\([0-9.]*\) HYVL2: sleep-t0 .*/\1/p' "$log")
	b=$(sed -n 's/^\([0-9.]*\) HYVL2: sleep-t1 .*/\1/p' "$log")
	g=$(l2_value "$1" sleep-guest)
	if [ -z "$a" ] || [ -z "$b" ] || [ -z "$g" ]; then
		echo "no sleep markers"
		return 1
	fi
	msg=$(echo "$a $b $g" | awk '{
		l1 = $2 - $1; wait = l1 - ($4 - $3); drift = l1 - ($5 - $3)
		printf "10 s guest timer took %.2f s of L1 time; guest clock %+.2f s off L1 over %.2f s", wait, drift, l1
		exit !(wait >= 9.5 && wait <= 10.5 && drift >= -0.5 && drift <= 0.5) }')
	st=$?
	echo "$msg"
	emit "# l2: $1: $msg"
	return $st
}

# MemTotal a little below what hyv-run gave: the kernel's image and
# reservations, and 1.6% for the memory map (64 bytes per 4 KiB page).
l2_memory() {
	local kb=$2 want_kb=$3
	echo "MemTotal $kb kB of $want_kb kB"
	[ -n "$kb" ] && [ "$kb" -le "$want_kb" ] &&
		[ "$kb" -ge $((want_kb - 65536 - want_kb / 64)) ]
}

# The hypervisor flag, and none of what hyv does not give a guest.
l2_cpuinfo() {
	local flags=" $2 " f
	case "$flags" in *" hypervisor "*) ;; *) echo "no hypervisor flag: $2"; return 1 ;; esac
	for f in svm vmx monitor; do
		case "$flags" in *" $f "*) echo "flag $f is set: $2"; return 1 ;; esac
	done
}

l2_checks_boot() {
	local name=$1 cpus=$2 mem=$3 extra=${4:-} want
	l2_boot "$name" checks "$cpus" "$mem" "$extra"
	l2_check "$name" "$name:init" grep -q 'HYVL2: init' "/tmp/l2-$name.log"
	l2_check "$name" "$name:nproc" l2_eq "$(l2_value "$name" nproc)" "$cpus"
	l2_check "$name" "$name:memory" l2_memory "$name" \
		"$(l2_value "$name" memtotal-kb)" $(($(echo "$mem" | tr -d M) * 1024))
	l2_check "$name" "$name:cpuinfo" l2_cpuinfo "$name" "$(l2_value "$name" flags)"
	want=$(seq 1 200000 | sha256sum | cut -d' ' -f1)
	l2_check "$name" "$name:checksum" l2_eq "$(l2_value "$name" checksum)" "$want"
	l2_check "$name" "$name:dmesg-clean" l2_eq "$(l2_value "$name" dmesg-bad)" 0
	l2_check "$name" "$name:sleep-10s" l2_sleep_accurate "$name"
	l2_check "$name" "$name:serial-input" l2_eq "$(l2_value "$name" input)" hyv-input-4242
	l2_check "$name" "$name:poweroff-exit-0" l2_eq "$(l2_exit "$name")" 0
}

# The VMX machine's one boot also carries a PV disk (the SVM machine
# has a whole PV boot, guest/l2pv.sh): hyv_pv.ko and hyv_pvblk.ko load in
# the stock guest, the disk reads back what L1 put in the file, a direct
# fsync()ed write reaches the file, and the requests went through the
# doorbell hypercall and the MSI-X interrupt (hyv-run's counters).
L2_VMXPV_IMG=/tmp/l2-vmxpv.img

l2_vmx_checks_boot() {
	local name=boot-1cpu want loop
	# Random bytes and sha256sum: seq would take minutes under Bochs.
	head -c 4194304 /dev/urandom >"$L2_VMXPV_IMG"
	want=$(sha256sum <"$L2_VMXPV_IMG" | cut -d' ' -f1)
	seq 8000000 8100000 | head -c 65536 >/tmp/l2-vmxpv.want
	# Through a loop device, with cache=none: hyv-run's O_DIRECT path
	# (L1's tmpfs itself has no O_DIRECT).
	loop=$(losetup -f 2>/dev/null) && losetup "$loop" "$L2_VMXPV_IMG" || loop=
	if [ -n "$loop" ]; then
		L2_RUN_ARGS="--disk $loop,cache=none"
	else
		emit "# l2: $name: no loop device: the PV disk is the file, cached"
		L2_RUN_ARGS="--disk $L2_VMXPV_IMG"
	fi
	l2_checks_boot $name 1 256M hyvl2.pvcheck=1
	L2_RUN_ARGS=
	[ -z "$loop" ] || losetup -d "$loop"
	l2_check $name $name:pv-insmod l2_eq "$(l2_value $name pvq-insmod)" 0
	l2_check $name $name:pv-read l2_eq "$(l2_value $name pvq-read-sha)" "$want"
	l2_check $name $name:pv-direct-write l2_eq "$(l2_value $name pvq-write)" 0
	l2_check $name $name:pv-readback l2_eq "$(l2_value $name pvq-readback)" same
	l2_check $name $name:pv-in-file l2_vmxpv_in_file
	l2_check $name $name:pv-doorbells l2_disk_stat_positive $name doorbells
	l2_check $name $name:pv-interrupts l2_disk_stat_positive $name interrupts
	l2_check $name $name:pv-guest-interrupts l2_positive "$(l2_value $name pvq-irqs)"
	l2_check $name $name:pv-dmesg-clean l2_eq "$(l2_value $name pvq-dmesg-bad)" 0
	l2_check $name $name:pv-cache-none grep -q 'hyv-run: disk0: /dev/loop.*O_DIRECT' \
		"/tmp/l2-$name.log"
}

# The 64 KiB the guest wrote at 1 MiB are in the backing file.
l2_vmxpv_in_file() {
	dd if="$L2_VMXPV_IMG" bs=65536 skip=16 count=1 2>/dev/null | cmp - /tmp/l2-vmxpv.want
}

# hyv-run's counters of its first PV disk have COUNTER=N with N > 0.
l2_disk_stat_positive() {
	local n
	n=$(sed -n "s/.* hyv-run: pv: disk0 .*$2=\([0-9]*\).*/\1/p" "/tmp/l2-$1.log" | head -n1)
	echo "$2=${n:-none}"
	l2_positive "$n"
}

l2_positive() {
	[ -n "$1" ] && [ "$1" -gt 0 ] 2>/dev/null
}

# 6 GiB: 3 GiB below the hole, 3 GiB above 4 GiB; MemTotal counts both
# (at least 95%: with RAM above 4 GiB Linux also takes 64 MiB of swiotlb).
l2_big_memory() {
	l2_boot boot-6g quick 1 6G
	l2_check boot-6g boot-6g:memory l2_memory_6g boot-6g
	l2_check boot-6g boot-6g:poweroff-exit-0 l2_eq "$(l2_exit boot-6g)" 0
}

l2_memory_6g() {
	local kb want=$((6 * 1024 * 1024))
	kb=$(l2_value "$1" memtotal-kb)
	echo "MemTotal $kb kB of $want kB"
	[ -n "$kb" ] && [ "$kb" -le "$want" ] && [ "$kb" -ge $((want * 95 / 100)) ]
}

# hyv-run killed by a signal: it ends, its VM goes with it (hyv.ko's
# reference count is back where it was), and hyv.ko can be unloaded
# when nothing else holds it (the PV modules of make check may).
l2_killed() {
	local sig=$1 pid before after
	before=$(cat /sys/module/hyv/refcnt)
	hyv-run --kernel /l2/vmlinuz --initrd /l2/initrd --mem 128M \
		--console none --cmdline "$L2_CMDLINE hyvl2.mode=shell" </dev/null &
	pid=$!
	sleep 5
	kill -"$sig" "$pid"
	wait "$pid"
	echo "hyv-run ended with status $?"
	after=$(cat /sys/module/hyv/refcnt)
	echo "hyv.ko references: $before before, $after after"
	[ "$after" = "$before" ] || return 1
	[ "$after" = 0 ] || return 0
	rmmod hyv || return 1
	insmod /lib/hyv/hyv.ko
}

# Bad input: one line on stderr, exit status 2, before /dev/hyv is touched.
l2_bad() {
	local out=/tmp/l2-bad.err status
	hyv-run "$@" >/dev/null 2>"$out"
	status=$?
	cat "$out"
	[ "$status" = 2 ] && [ "$(wc -l <"$out")" = 1 ] && grep -q '^hyv-run: ' "$out"
}

l2_bad_input() {
	local k=/l2/vmlinuz
	head -c 4096 $k >/tmp/l2-truncated
	l2_check bad bad:missing-kernel l2_bad --kernel /l2/nonexistent
	l2_check bad bad:corrupt-kernel l2_bad --kernel /l2/initrd
	l2_check bad bad:truncated-kernel l2_bad --kernel /tmp/l2-truncated
	l2_check bad bad:too-little-memory l2_bad --kernel $k --initrd /l2/initrd --mem 40M
	l2_check bad bad:cpus-0 l2_bad --kernel $k --cpus 0
	l2_check bad bad:cpus-65 l2_bad --kernel $k --cpus 65
	l2_check bad bad:unknown-option l2_bad --kernel $k --frobnicate
	l2_check bad bad:disk-missing l2_bad --kernel $k --disk /l2/nonexistent
	l2_check bad bad:disk-option l2_bad --kernel $k --disk /l2/initrd,bogus
	l2_check bad bad:disk-hostile l2_bad --kernel $k --disk /l2/initrd,ro,hostile=id@0
	l2_check bad bad:disk-too-many l2_bad --kernel $k --disk /l2/initrd,ro \
		--disk /l2/initrd,ro --disk /l2/initrd,ro --disk /l2/initrd,ro \
		--disk /l2/initrd,ro --disk /l2/initrd,ro --disk /l2/initrd,ro \
		--disk /l2/initrd,ro --disk /l2/initrd,ro
	l2_check bad bad:net-mac l2_bad --kernel $k --net tap=hyvbad0,mac=01:02:03:04:05:06
	l2_check bad bad:net-no-tap l2_bad --kernel $k --net mac=52:54:00:00:00:01
	l2_check bad bad:pv-with-kvm l2_bad --kernel $k --accel kvm --disk /l2/initrd,ro
}

# The same L2 under hyv-run --accel kvm (the L1 kernel's own KVM): checks
# hyv-run's platform on a hypervisor that boots Linux today, and is the
# peer for the hyv figures. kvm_amd and hyv.ko cannot both hold SVM, so
# hyv.ko is out meanwhile.
l2_kvm_suite() {
	local kvm=/lib/hyv/kvm vendor=amd m
	grep -q '^flags.* vmx' /proc/cpuinfo && vendor=intel
	[ -f $kvm/kvm-$vendor.ko ] || { emit "# no KVM modules: no --accel kvm runs"; return; }
	rmmod hyv
	for m in irqbypass kvm kvm-$vendor; do
		insmod "$kvm/$m.ko" || { fail "l2:kvm:load-$m"; return; }
	done
	L2_ACCEL=kvm
	l2_checks_boot kvm-1cpu 1 256M
	l2_checks_boot kvm-2cpus 2 256M
	l2_boot kvm-6g quick 1 6G
	l2_check kvm-6g kvm-6g:memory l2_memory_6g kvm-6g
	l2_boot kvm-4cpus quick 4 256M
	l2_check kvm-4cpus kvm-4cpus:nproc l2_eq "$(l2_value kvm-4cpus nproc)" 4
	l2_boot kvm-reboot reboot 2 128M
	l2_check kvm-reboot kvm-reboot-exit-3 l2_eq "$(l2_exit kvm-reboot)" 3
	L2_ACCEL=hyv
	rmmod kvm-$vendor kvm irqbypass
	insmod /lib/hyv/hyv.ko
}

l2_suite() {
	if [ ! -x /bin/hyv-run ] || [ ! -f /l2/vmlinuz ]; then
		emit "not ok l2:present"
		emit "# no hyv-run or L2 kernel in the initramfs"
		return
	fi
	l2_bad_input
	# The VMX machine boots L2 once (~400 s of L1 time with the VMX
	# test kernel; docs/hyv-run.md); hyvt.l2vmxboot=0 leaves it out.
	if grep -q '^flags.* vmx' /proc/cpuinfo; then
		if [ "$(param l2vmxboot 1)" = 1 ]; then
			l2_vmx_checks_boot
		else
			emit "# l2: VMX machine: bad input only (hyvt.l2vmxboot=0)"
		fi
		return
	fi
	if [ "$(param l2pvonly 0)" = 1 ]; then
		l2pv_suite
		l2hostile_suite
		return
	fi
	l2_checks_boot boot-1cpu 1 256M
	[ "$(param l2short 0)" = 0 ] || return 0
	# One boot with PV disks and network (guest/l2pv.sh).
	l2pv_suite
	# PV disks whose backend returns bad completions (guest/l2hostile.sh).
	l2hostile_suite
	l2_checks_boot boot-2cpus 2 256M
	l2_big_memory
	l2_boot boot-4cpus quick 4 256M
	l2_check boot-4cpus boot-4cpus:nproc l2_eq "$(l2_value boot-4cpus nproc)" 4
	# A reboot that hangs (docs/hyv-run.md, "Status") should not cost
	# the whole boot timeout: 150 s is three times a good one.
	t=$L2_TIMEOUT
	L2_TIMEOUT=$((t < 150 ? t : 150))
	l2_boot reboot reboot 2 128M
	L2_TIMEOUT=$t
	l2_check reboot reboot-exit-3 l2_eq "$(l2_exit reboot)" 3
	l2_boot panic panic 1 128M "reboot=t"
	l2_check panic triple-fault-exit-4 l2_eq "$(l2_exit panic)" 4
	l2_check kill sigterm-then-unload l2_killed TERM
	l2_check kill sigkill-then-unload l2_killed KILL
}

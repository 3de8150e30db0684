# The PV devices end to end (issues #12, #13), sourced by guest/l2.sh:
# one L2 boot under hyv-run with three PV disks (a raw file of known
# bytes, a read-only one, and a sparse one for random I/O, rmmod and
# ext4) and a PV network device (two queue pairs, MTU 9000) on a TAP that
# hyv-run creates and L1 addresses. The guest (testbed/l2/init, mode pv)
# loads hyv_pv.ko, hyv_pvblk.ko and hyv_pvnet.ko and reports in "HYVL2:"
# lines; L1 checks the bytes in the files after hyv-run has exited, the
# data that crossed the network, and counts exits, doorbells and
# interrupts per request and per packet from hyv-run's counter snapshots
# (SIGUSR2), taken when the guest asks ("HYVL2: snap NAME") around each
# measured phase; an empty phase measures the handshake itself, which is
# subtracted.
# shellcheck shell=dash
L2PV_DISK=/tmp/pv-disk.img	# 8 MiB of `seq 1 1200000`
L2PV_RO=/tmp/pv-ro.img		# 1 MiB, read-only to the guest
L2PV_FS=/tmp/pv-fs.img		# 64 MiB, sparse: blkverify, rmmod, ext4
L2PV_KILL=/tmp/pv-kill.img	# 1 MiB of zeros: the SIGKILL boot's disk
# blkverify's random requests per thread (4 threads; each also fills and
# reads back 32 chunks of 128 KiB).
L2PV_VERIFY_REQS=1500
L2PV_TAP=hyvtap0
L2PV_MAC=52:54:00:12:34:56
L2PV_LOG=/tmp/l2-pv.log
L2PV_L1SNAPS=/tmp/pv-l1-snaps	# NAME tap-rx tap-rx-dropped udp-in, per snapshot
L2PV_SNAPS=/tmp/pv-snaps	# NAME KEY VALUE: hyv-run's counters, per snapshot
# The network tests' sizes: MiB of each big file, 64-byte datagrams.
L2PV_NETMB=$(param l2netmb 4)
L2PV_NETUDP=$(param l2netudp 10000)
# L1's listeners for the guest's files: PORT, one connection each.
L2PV_PORTS="5003 5004 5005 5006 5007 5008 5009 5012 5013"
# The boot took 154 s on a quiet machine before the block tests joined
# it (2 vCPUs under TCG, six 8 MiB files), 400 s with them at load 6
# (now 4 MiB files): the L2 suite's usual 300 s would leave too little.
L2PV_TIMEOUT=$(param l2pvtimeout 600)

l2pv_files() {
	seq 1 1200000 | head -c 8388608 >$L2PV_DISK
	cp $L2PV_DISK /tmp/pv-orig.img
	seq 5000000 5900000 | head -c 1048576 >$L2PV_RO
	seq 150001 300000 >/tmp/pv-to-l2
	rm -f $L2PV_FS
	truncate -s 64M $L2PV_FS
	# The seed of blkverify (said in the log): L1's clock.
	L2PV_SEED=$(($(date +%s) % 1000000 + 1))
	rm -f $L2PV_L1SNAPS
	head -c $((L2PV_NETMB * 1048576)) /dev/urandom >/tmp/pv-big
}

# L1's side of a snapshot: its TAP's receive counters and every UDP
# datagram its stack took (delivered, to no socket, or in error).
l2pv_l1_counters() {
	local d=/sys/class/net/$L2PV_TAP/statistics
	echo "$1 $(cat $d/rx_packets 2>/dev/null || echo 0)" \
	     "$(cat $d/rx_dropped 2>/dev/null || echo 0)" \
	     "$(awk '/^Udp:/ { n++; if (n == 1) { for (i = 2; i <= NF; i++) h[$i] = i }
			    else print $h["InDatagrams"] + $h["NoPorts"] + $h["InErrors"] }' /proc/net/snmp)" \
	     >>$L2PV_L1SNAPS
}

# l2pv_l1_counter SNAP FIELD: field 2 (TAP rx), 3 (TAP rx dropped) or 4
# (UDP datagrams) of L1's counters at SNAP.
l2pv_l1_counter() {
	awk -v s="$1" -v f="$2" '$1 == s { print $f; exit }' $L2PV_L1SNAPS
}

l2pv_l1_delta() {
	echo $(($(l2pv_l1_counter "$1-end" "$2") - $(l2pv_l1_counter "$1-start" "$2")))
}

# Answer the guest's snapshot requests: SIGUSR2 to hyv-run, wait for its
# counters (the network device's line ends each snapshot), then a line.
l2pv_snapshots() {
	local n name want tries
	n=$(grep -c 'HYVL2: snap ' $L2PV_LOG)
	while [ "$L2PV_SEEN" -lt "$n" ]; do
		L2PV_SEEN=$((L2PV_SEEN + 1))
		name=$(grep 'HYVL2: snap ' $L2PV_LOG | sed -n "${L2PV_SEEN}p" |
		       sed 's/.*snap //' | tr -d '\r')
		l2pv_l1_counters "$name"
		kill -USR2 "$L2PV_PID" ||
			emit "# l2: pv: snapshot $name: hyv-run $L2PV_PID is gone"
		want=$L2PV_SEEN
		tries=0
		while [ "$(grep -c 'hyv-run: pv: net0 ' $L2PV_LOG)" -lt "$want" ] &&
		      [ "$tries" -lt 100 ]; do
			sleep 0.1
			tries=$((tries + 1))
		done
		[ "$tries" -lt 100 ] || emit "# l2: pv: snapshot $name: no counters from hyv-run"
		# The guest listens: send it a file (nc shuts its sending half
		# at the end of the file, and the guest's nc ends).
		case "$name" in
		net-rx-start)
			(sleep 1; nc 10.0.2.15 5002 </tmp/pv-to-l2) >/dev/null 2>&1 & ;;
		on-rx-start)
			(sleep 1; nc 10.0.2.15 5010 </tmp/pv-big) >/dev/null 2>&1 & ;;
		off-rx-start)
			(sleep 1; nc 10.0.2.15 5011 </tmp/pv-big) >/dev/null 2>&1 & ;;
		link-down-start | link-up-start)
			# hyv-run toggles each PV network link on SIGURG.
			kill -URG "$L2PV_PID" ;;
		esac
		echo "go $name" >&4
	done
}

l2pv_boot() {
	local fifo=/tmp/l2-pv.in start i st note_at=60 tap=0
	rm -f $fifo $L2PV_LOG
	mkfifo $fifo
	L2PV_SEEN=0
	# hyv-run gone (killed by the timeout) while we answer: no SIGPIPE.
	trap '' PIPE
	# Listening before the TAP exists, on every address, for the guest's
	# files. Each listener's input stays open (at its end nc would stop
	# reading): a FIFO that fd 7 holds open until hyv-run is done. (The
	# first one's input was `sleep 200`, which ran out before the guest's
	# first file when the block tests and a loaded machine made pv_net
	# start more than 200 s into the boot.)
	rm -f /tmp/pv-hold
	mkfifo /tmp/pv-hold
	exec 7<>/tmp/pv-hold
	L2PV_NCS=
	for i in 5001 $L2PV_PORTS; do
		rm -f "/tmp/pv-in-$i"
		nc -l -p "$i" <&7 >"/tmp/pv-in-$i" &
		L2PV_NCS="$L2PV_NCS $!"
	done
	start=$(l1_seconds)
	# busybox timeout execs hyv-run in its own process: $! is hyv-run.
	timeout -s KILL "$L2PV_TIMEOUT" hyv-run --kernel /l2/vmlinuz \
		--initrd /l2/initrd --cpus 2 --mem 256M --verbose \
		--disk $L2PV_DISK --disk $L2PV_RO,ro --disk $L2PV_FS \
		--net tap=$L2PV_TAP,mac=$L2PV_MAC,queues=2,mtu=9000 \
		--cmdline "$L2_CMDLINE hyvl2.mode=pv hyvl2.seed=$L2PV_SEED hyvl2.verifyreqs=$L2PV_VERIFY_REQS hyvl2.netmb=$L2PV_NETMB hyvl2.netudp=$L2PV_NETUDP" \
		<$fifo >$L2PV_LOG 2>&1 &
	L2PV_PID=$!
	exec 4>$fifo
	while kill -0 $L2PV_PID 2>/dev/null; do
		if [ "$tap" = 0 ] && [ -e /sys/class/net/$L2PV_TAP ]; then
			ip addr add 10.0.2.1/24 dev $L2PV_TAP &&
				ip link set $L2PV_TAP mtu 9000 &&
				ip link set $L2PV_TAP up && tap=1
		fi
		l2pv_snapshots
		i=$(($(l1_seconds) - start))
		if [ "$i" -ge "$note_at" ]; then
			emit "# l2: pv: running for $i s"
			note_at=$((i + 60))
		fi
		sleep 0.2
	done
	exec 4>&-
	wait $L2PV_PID
	st=$?
	# shellcheck disable=SC2086 # a list of process ids
	kill $L2PV_NCS 2>/dev/null
	exec 7>&-
	echo "HYVL1-EXIT: $st" >>$L2PV_LOG
	emit "# l2: pv: the PV boot took $(($(l1_seconds) - start)) s;" \
	     "L2 uptime at:$(sed -n 's/^HYVL2: uptime / /p' $L2PV_LOG | tr -d '\r' | tr '\n' ',')"
	trap - PIPE
	rm -f $fifo
	if [ "$(param l2log 0)" = 1 ]; then
		emit_lines_note <$L2PV_LOG
	else
		grep '^hyv-run: \(pv\|PCI\|disk\|net\)' $L2PV_LOG | head -n 30 | emit_lines_note
	fi
}

# l2pv_value KEY: the guest's "HYVL2: KEY VALUE".
l2pv_value() {
	sed -n "s/^HYVL2: $1 //p" $L2PV_LOG | head -n1 | tr -d '\r'
}

# Every snapshot's counters, read from the log once after the boot:
# "SNAP KEY VALUE" lines (SNAP the name the guest asked by, KEY
# stats.exits, disk0.requests, net0.tx_packets, ...) in $L2PV_SNAPS.
# The N-th "HYVL2: snap" line names hyv-run's "snapshot N-1", whose
# stats and device lines follow it without a break.
l2pv_tabulate() {
	tr -d '\r' <$L2PV_LOG | awk '
		/^HYVL2: snap / { name[n++] = $3; next }
		/^hyv-run: snapshot / { k = $3; in_snap = 1; next }
		in_snap && /^hyv-run: stats: / {
			for (i = 3; i <= NF; i++) { split($i, a, "="); v[k, "stats." a[1]] = a[2] }
			next
		}
		in_snap && /^hyv-run: pv: / {
			for (i = 4; i <= NF; i++) { split($i, a, "="); v[k, $3 "." a[1]] = a[2] }
			next
		}
		{ in_snap = 0 }
		END {
			for (j = 0; j < n; j++) {
				if (name[j] in seen)
					continue
				seen[name[j]] = 1
				for (x in v) {
					split(x, p, SUBSEP)
					if (p[1] == j)
						print name[j], p[2], v[x]
				}
			}
		}' >$L2PV_SNAPS
}

# l2pv_counter SNAP KEY: counter KEY in the snapshot the guest asked for
# as SNAP (0 if none).
l2pv_counter() {
	awk -v s="$1" -v k="$2" '$1 == s && $2 == k { v = $3; exit } END { print v + 0 }' $L2PV_SNAPS
}

# l2pv_delta PHASE KEY: KEY's growth over PHASE-start .. PHASE-end.
l2pv_delta() {
	echo $(($(l2pv_counter "$1-end" "$2") - $(l2pv_counter "$1-start" "$2")))
}

# The file as the guest's writes should have left it; the discarded
# 64 KiB at 1 MiB is zeros (punched) or unchanged (a no-op): both are
# what DISCARD promises.
l2pv_expect() {
	local want=/tmp/pv-want.img
	cp /tmp/pv-orig.img $want
	seq 2000000 2600000 | head -c 4194304 |
		dd of=$want bs=65536 seek=64 conv=notrunc 2>/dev/null
	seq 3000000 3001000 | head -c 4096 | dd of=$want conv=notrunc 2>/dev/null
	seq 4000000 4001000 | head -c 512 |
		dd of=$want bs=512 seek=16383 conv=notrunc 2>/dev/null
	if [ "$1" = zeros ]; then
		dd if=/dev/zero of=$want bs=65536 seek=16 count=1 conv=notrunc 2>/dev/null
	fi
	echo $want
}

l2pv_file_written() {
	if cmp $L2PV_DISK "$(l2pv_expect zeros)"; then
		echo "the disk file holds every write; the discarded range is zeros"
	elif cmp $L2PV_DISK "$(l2pv_expect unchanged)"; then
		echo "the disk file holds every write; the discard was a no-op"
	else
		return 1
	fi
}

l2pv_discard() {
	l2_eq "$(l2pv_value pvblk-discard)" 0 || return 1
	dd if=$L2PV_DISK bs=65536 skip=16 count=1 2>/dev/null >/tmp/pv-discarded
	dd if=/tmp/pv-orig.img bs=65536 skip=16 count=1 2>/dev/null >/tmp/pv-before
	if cmp -s /tmp/pv-discarded /tmp/pv-before; then
		echo "discard: a no-op on this file system"
	elif [ "$(tr -d '\0' </tmp/pv-discarded | wc -c)" = 0 ]; then
		echo "discard: the range reads as zeros"
	else
		echo "discard: the range holds neither zeros nor the old bytes"
		return 1
	fi
}

l2pv_read_only() {
	local sha
	sha=$(seq 5000000 5900000 | head -c 1048576 | sha256sum | cut -d' ' -f1)
	echo "guest's write to the ro disk: status $(l2pv_value pvblk-ro-write), $(l2pv_value pvblk-ro-error)"
	[ "$(l2pv_value pvblk-ro-write)" != 0 ] && [ -n "$(l2pv_value pvblk-ro-write)" ] &&
		l2_eq "$(l2pv_value pvblk-ro-read-sha)" "$sha" &&
		l2_eq "$(sha256sum <$L2PV_RO | cut -d' ' -f1)" "$sha"
}

# awk's division, to one decimal.
l2pv_ratio() {
	echo "$1 $2" | awk '{ printf "%.1f", $2 ? $1 / $2 : -1 }'
}

# Per 64 KiB request: exits (all), exits to hyv-run, doorbells and
# interrupts, less the empty phase's. Fails if a request costs an exit
# to hyv-run, or more than one doorbell.
l2pv_blk_costs() {
	local p reqs exits user db irq idle_exits idle_user bad=0
	idle_exits=$(l2pv_delta blk-idle stats.exits)
	idle_user=$(l2pv_delta blk-idle stats.to_user)
	echo "empty phase: $idle_exits exits, $idle_user to hyv-run"
	for p in blk-write blk-read; do
		reqs=$(l2pv_delta $p disk0.requests)
		exits=$(($(l2pv_delta $p stats.exits) - idle_exits))
		user=$(($(l2pv_delta $p stats.to_user) - idle_user))
		db=$(l2pv_delta $p disk0.doorbells)
		irq=$(l2pv_delta $p disk0.interrupts)
		echo "$p: $reqs requests: $(l2pv_ratio "$exits" "$reqs") exits," \
		     "$(l2pv_ratio "$user" "$reqs") to hyv-run, $(l2pv_ratio "$db" "$reqs") doorbells," \
		     "$(l2pv_ratio "$irq" "$reqs") interrupts per request"
		emit "# l2:pvblk: $p: $reqs requests: $(l2pv_ratio "$exits" "$reqs") exits," \
		     "$(l2pv_ratio "$user" "$reqs") to hyv-run, $(l2pv_ratio "$db" "$reqs") doorbells," \
		     "$(l2pv_ratio "$irq" "$reqs") interrupts per request"
		[ "$reqs" -ge 64 ] && [ $((user * 2)) -lt "$reqs" ] && [ "$db" -le "$reqs" ] || bad=1
	done
	[ "$bad" = 0 ]
}

l2pv_net_costs() {
	local p tx rx exits user idle_exits idle_user bad=0
	idle_exits=$(l2pv_delta blk-idle stats.exits)
	idle_user=$(l2pv_delta blk-idle stats.to_user)
	for p in net-tx net-rx; do
		tx=$(l2pv_delta $p net0.tx_packets)
		rx=$(l2pv_delta $p net0.rx_packets)
		exits=$(($(l2pv_delta $p stats.exits) - idle_exits))
		user=$(($(l2pv_delta $p stats.to_user) - idle_user))
		echo "$p: $tx packets sent, $rx received: $(l2pv_ratio "$exits" $((tx + rx))) exits," \
		     "$(l2pv_ratio "$user" $((tx + rx))) to hyv-run per packet"
		emit "# l2:pvnet: $p: $tx packets sent, $rx received: $(l2pv_ratio "$exits" $((tx + rx)))" \
		     "exits, $(l2pv_ratio "$user" $((tx + rx))) to hyv-run per packet"
		[ "$tx" -gt 0 ] && [ "$rx" -gt 0 ] && [ $((user * 2)) -lt $((tx + rx)) ] || bad=1
	done
	[ "$(l2pv_counter net-rx-end net0.tx_bad)" = 0 ] || { echo "tx_bad > 0"; bad=1; }
	[ "$bad" = 0 ]
}

# blkverify's status 0, at least the requests asked for, and hyv-run's
# disk2 served at least as many.
l2pv_verify() {
	local st reqs want served
	st=$(l2pv_value pvblk-verify | cut -d' ' -f1)
	reqs=$(l2pv_value pvblk-verify | cut -d' ' -f2)
	reqs=${reqs:-0}
	want=$((4 * (L2PV_VERIFY_REQS + 64)))
	served=$(l2pv_delta verify disk2.requests)
	sed -n 's/^HYVL2: pvblk-verify-line //p' $L2PV_LOG | tr -d '\r'
	echo "status $st, $reqs requests (want >= $want), $served served by disk2"
	emit "# l2:pvblk: random-verify: seed $L2PV_SEED, $reqs requests, $served served by disk2," \
	     "$(l2pv_value pvblk-verify-seconds) s"
	[ "$st" = 0 ] && [ "$reqs" -ge "$want" ] && [ "$served" -ge "$reqs" ]
}

# rmmod refused while the disk is open and written, then done; the
# bytes written before read back after insmod.
l2pv_rmmod() {
	local busy
	busy=$(l2pv_value pvblk-rmmod-busy)
	echo "rmmod while open (status, dd running): $busy"
	echo "dd, rmmod, disks left, insmod: $(l2pv_value pvblk-rmmod)"
	emit "# l2:pvblk: rmmod while open and written (status, dd running, message): $busy;" \
	     "after: dd, rmmod, disks left, insmod: $(l2pv_value pvblk-rmmod)"
	[ "${busy%% *}" != 0 ] && [ -n "$busy" ] &&
		l2_eq "$(l2pv_value pvblk-rmmod) $(l2pv_value pvblk-rmmod-readback)" "0 0 0 0 same"
}

# The ext4 that L2 made and wrote: clean to e2fsck, and each file's
# content, read from the backing file with debugfs.
l2pv_ext4() {
	local f want bad=0
	echo "guest: insmod $(l2pv_value pvblk-ext4-insmod), mkfs $(l2pv_value pvblk-mkfs)," \
	     "mount $(l2pv_value pvblk-mount), umount $(l2pv_value pvblk-umount)"
	e2fsck -fn $L2PV_FS >/tmp/pv-fsck 2>&1 || { cat /tmp/pv-fsck; bad=1; }
	for f in small:100 medium:30000 dir/large:300000; do
		want=$(seq 1 "${f#*:}" | sha256sum | cut -d' ' -f1)
		if [ "$(debugfs -R "cat /${f%:*}" $L2PV_FS 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$want" ]; then
			echo "/${f%:*}: the bytes written"
		else
			echo "/${f%:*}: differs"
			bad=1
		fi
	done
	[ "$bad" = 0 ]
}

# A short boot with one PV disk: the guest writes 64 KiB, fsync()s (a
# FLUSH) and says so; hyv-run is SIGKILLed right then, with writes still
# going; the 64 KiB must be in the file.
l2pv_kill_boot() {
	local start pid log=/tmp/l2-pvkill.log st
	dd if=/dev/zero of=$L2PV_KILL bs=65536 count=16 2>/dev/null
	rm -f $log
	start=$(l1_seconds)
	timeout -s KILL "$L2_TIMEOUT" hyv-run --kernel /l2/vmlinuz \
		--initrd /l2/initrd --cpus 1 --mem 128M --disk $L2PV_KILL \
		--cmdline "$L2_CMDLINE hyvl2.mode=pvkill" </dev/null >$log 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null && ! grep -q 'HYVL2: pvkill-synced' $log; do
		sleep 0.1
	done
	kill -KILL $pid 2>/dev/null
	wait $pid
	st=$?
	echo "HYVL1-EXIT: $st" >>$log
	emit "# l2: pvkill: the boot took $(($(l1_seconds) - start)) s"
	if [ "$(param l2log 0)" = 1 ]; then
		emit_lines_note <$log
	fi
	l2_check pvkill pvblk:flush-survives-sigkill l2pv_killed $log
}

l2pv_killed() {
	local synced
	synced=$(sed -n 's/^HYVL2: pvkill-synced //p' "$1" | head -n1 | tr -d '\r')
	echo "guest's write + fsync: ${synced:-none}; hyv-run: $(sed -n 's/^HYVL1-EXIT: //p' "$1")"
	l2_eq "$synced" 0 && l2_eq "$(sed -n 's/^HYVL1-EXIT: //p' "$1")" 137 &&
		l2_eq "$(head -c 65536 $L2PV_KILL | sha256sum | cut -d' ' -f1)" \
		      "$(seq 6000000 6100000 | head -c 65536 | sha256sum | cut -d' ' -f1)"
}

l2pv_ping() {
	local line
	line=$(l2pv_value pvnet-ping)
	echo "$line"
	echo "$line" | grep -q '^10 packets transmitted, 10 packets received'
}

# l2pv_field KEY N: field N of the guest's "HYVL2: KEY ...".
l2pv_field() {
	l2pv_value "$1" | awk -v n="$2" '{ print $n }'
}

# l2pv_rate BYTES MS: MB/s to one decimal.
l2pv_rate() {
	echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / 1048576 / ($2 / 1000) : -1 }'
}

# l2pv_file_sha PORT: the SHA-256 of what L1's listener on PORT got.
l2pv_file_sha() {
	sha256sum </tmp/pv-in-"$1" | cut -d' ' -f1
}

# A big file each way with offloads MODE (on/off): bytes intact at the
# other end, and the backend's counters say whether GSO frames and
# partial checksums crossed: some when on, none from the guest when off.
l2pv_offload() {
	local mode=$1 port=$2 big bytes tgso tcsum rgso rcsum ms bad=0
	big=$(l2pv_value pvnet-big-sha)
	bytes=$((L2PV_NETMB * 1048576))
	echo "ethtool -K $mode: status $(l2pv_value "pvnet-offload-$mode-set")," \
	     "tx-checksumming tso gso: $(l2pv_value "pvnet-features-$mode")"
	l2_eq "$(l2pv_value "pvnet-offload-$mode-set")" 0 || bad=1
	l2_eq "$(l2pv_value "pvnet-features-$mode")" "$mode $mode $mode" || bad=1
	l2_eq "$(l2pv_field "pvnet-$mode-tx" 1)" 0 || bad=1
	[ -n "$big" ] && l2_eq "$(l2pv_file_sha "$port")" "$big" || bad=1
	l2_eq "$(l2pv_field "pvnet-$mode-rx" 1)" 0 || bad=1
	l2_eq "$(l2pv_field "pvnet-$mode-rx" 3)" "$L2PV_BIG_SHA" || bad=1
	tgso=$(l2pv_delta "$mode-tx" net0.tx_gso)
	tcsum=$(l2pv_delta "$mode-tx" net0.tx_csum)
	rgso=$(l2pv_delta "$mode-rx" net0.rx_gso)
	rcsum=$(l2pv_delta "$mode-rx" net0.rx_csum)
	echo "$mode-tx: $(l2pv_delta "$mode-tx" net0.tx_packets) frames, $tgso GSO, $tcsum partial csum;" \
	     "$mode-rx: $(l2pv_delta "$mode-rx" net0.rx_packets) frames, $rgso GSO, $rcsum partial csum"
	ms=$(l2pv_field "pvnet-$mode-tx" 2)
	emit "# l2:pvnet: offloads $mode: L2 -> L1 $L2PV_NETMB MiB in $ms ms" \
	     "($(l2pv_rate $bytes "$ms") MiB/s), $(l2pv_delta "$mode-tx" net0.tx_packets) frames," \
	     "$tgso GSO; L1 -> L2 in $(l2pv_field "pvnet-$mode-rx" 2) ms" \
	     "($(l2pv_rate $bytes "$(l2pv_field "pvnet-$mode-rx" 2)") MiB/s)," \
	     "$(l2pv_delta "$mode-rx" net0.rx_packets) frames, $rgso GSO"
	if [ "$mode" = on ]; then
		[ "$tgso" -gt 0 ] && [ "$tcsum" -gt 0 ] && [ "$rgso" -gt 0 ] || bad=1
	else
		[ "$tgso" = 0 ] && [ "$tcsum" = 0 ] || bad=1
	fi
	[ "$bad" = 0 ]
}

# l2pv_qdelta PHASE NAME: the growth of the guest's ethtool -S counter
# NAME over the mq phase.
l2pv_qdelta() {
	echo $(($(l2pv_value pvnet-mq-after-"$1") - $(l2pv_value pvnet-mq-before-"$1")))
}

# Two queue pairs offered and both used at once, by the guest's counters
# and the backend's.
l2pv_mq() {
	local seq g0 g1 b0 b1 r0 r1 bad=0
	seq=$L2PV_SEQ_SHA
	echo "ethtool -l combined (max, current): $(l2pv_value pvnet-channels);" \
	     "queues: $(l2pv_value pvnet-queues)"
	l2_eq "$(l2pv_value pvnet-channels)" "2 2" || bad=1
	l2_eq "$(l2pv_value pvnet-queues)" "rx-0 rx-1 tx-0 tx-1" || bad=1
	l2_eq "$(l2pv_value pvnet-mq)" "0 0" || bad=1
	l2_eq "$(l2pv_file_sha 5005) $(l2pv_file_sha 5006)" "$seq $seq" || bad=1
	g0=$(l2pv_qdelta tx_queue_0_packets)
	g1=$(l2pv_qdelta tx_queue_1_packets)
	r0=$(l2pv_qdelta rx_queue_0_packets)
	r1=$(l2pv_qdelta rx_queue_1_packets)
	b0=$(l2pv_delta mq net0.q0.tx_packets)
	b1=$(l2pv_delta mq net0.q1.tx_packets)
	echo "guest: sent $g0 + $g1, received $r0 + $r1 on pairs 0 + 1;" \
	     "backend: $b0 + $b1 from pairs 0 + 1," \
	     "$(l2pv_delta mq net0.q0.rx_packets) + $(l2pv_delta mq net0.q1.rx_packets) to them"
	emit "# l2:pvnet: two senders: guest sent $g0 + $g1, received $r0 + $r1 on pairs 0 + 1;" \
	     "backend took $b0 + $b1"
	[ "$g0" -gt 0 ] && [ "$g1" -gt 0 ] && [ "$b0" -gt 0 ] && [ "$b1" -gt 0 ] || bad=1
	[ "$bad" = 0 ]
}

# ethtool -L combined 1 (pair 1 idle while a sender runs on vCPU 1),
# then 2 (pair 1 used again).
l2pv_channels() {
	local seq bad=0
	seq=$L2PV_SEQ_SHA
	echo "combined 1: $(l2pv_value pvnet-set-1); ping: $(l2pv_value pvnet-ping-1);" \
	     "pair 1 sent $(l2pv_delta mq1 net0.q1.tx_packets), pair 0 $(l2pv_delta mq1 net0.q0.tx_packets)"
	echo "combined 2: $(l2pv_value pvnet-set-2); ping: $(l2pv_value pvnet-ping-2);" \
	     "pair 1 sent $(l2pv_delta mq2 net0.q1.tx_packets), pair 0 $(l2pv_delta mq2 net0.q0.tx_packets)"
	l2_eq "$(l2pv_value pvnet-set-1)" "0 rx-0 tx-0" || bad=1
	l2_eq "$(l2pv_value pvnet-set-2)" "0 rx-0 rx-1 tx-0 tx-1" || bad=1
	l2pv_value pvnet-ping-1 | grep -q '^3 packets transmitted, 3 packets received' || bad=1
	l2pv_value pvnet-ping-2 | grep -q '^3 packets transmitted, 3 packets received' || bad=1
	l2_eq "$(l2pv_value pvnet-mq1) $(l2pv_value pvnet-mq2)" "0 0" || bad=1
	l2_eq "$(l2pv_file_sha 5012) $(l2pv_file_sha 5013)" "$seq $seq" || bad=1
	[ "$(l2pv_delta mq1 net0.q1.tx_packets)" = 0 ] &&
		[ "$(l2pv_delta mq1 net0.q0.tx_packets)" -gt 0 ] &&
		[ "$(l2pv_delta mq2 net0.q1.tx_packets)" -gt 0 ] || bad=1
	[ "$bad" = 0 ]
}

# l2pv_udp_bad REASON: a failed accounting check, said on the console too
# (a failed test shows only the end of its output); sets bad.
l2pv_udp_bad() {
	echo "$1"
	emit "# l2:pvnet: udp: $1"
	bad=1
}

# Many 64-byte datagrams: what the guest's driver sent, what the backend
# passed to the TAP (or dropped, counted) and what L1's TAP and UDP
# stack received agree; a datagram lost on the way must be in a drop
# counter.
l2pv_udp() {
	local n sent failed ms gtx gdrop gaqm gout gqdrop btx bdrop bbad ltap ldrop ludp bad=0
	n=$(l2pv_field pvnet-udp 1)
	sent=$(l2pv_field pvnet-udp 3)
	failed=$(l2pv_field pvnet-udp 5)
	ms=$(l2pv_field pvnet-udp 6)
	gtx=$(l2pv_field pvnet-udp-guest 1)
	gdrop=$(l2pv_field pvnet-udp-guest 2)
	gaqm=$(l2pv_field pvnet-udp-guest 3)
	gout=$(l2pv_field pvnet-udp-snmp 1)
	gqdrop=$(l2pv_field pvnet-udp-snmp 2)
	btx=$(l2pv_delta udp net0.tx_packets)
	bdrop=$(l2pv_delta udp net0.tx_dropped)
	bbad=$(l2pv_delta udp net0.tx_bad)
	ltap=$(l2pv_l1_delta udp 2)
	ldrop=$(l2pv_l1_delta udp 3)
	ludp=$(l2pv_l1_delta udp 4)
	echo "udpsend: $n asked, $sent sent, $failed failed in $ms ms;" \
	     "guest UDP: $gout out, $gqdrop dropped by the queue discipline (SndbufErrors);" \
	     "guest queue discipline dropped $gaqm later (fq_codel);" \
	     "guest driver sent $gtx (dropped $gdrop); backend sent $btx (dropped $bdrop, bad $bbad);" \
	     "L1 TAP received $ltap (dropped $ldrop); L1 UDP took $ludp"
	emit "# l2:pvnet: udp: $sent datagrams of 64 bytes in $ms ms" \
	     "($(echo "$sent $ms" | awk '{ printf "%d", ($2 > 0) ? $1 * 1000 / $2 : -1 }')/s);" \
	     "guest UDP out $gout, queue discipline drops $gqdrop + $gaqm, driver $gtx, backend $btx," \
	     "L1 TAP $ltap, L1 UDP $ludp;" \
	     "$(l2pv_ratio "$(($(l2pv_delta udp stats.exits) - $(l2pv_delta blk-idle stats.exits)))" "$btx")" \
	     "exits per packet"
	[ -n "$n" ] && [ "$n" -gt 0 ] && [ $((sent + failed)) = "$n" ] ||
		l2pv_udp_bad "udpsend: $n asked, $sent sent, $failed failed"
	# Nothing uncounted lost between the driver and L1's UDP layer, and
	# at most a few frames besides the datagrams (ARP).
	[ "$gtx" = $((btx + bdrop + bbad)) ] ||
		l2pv_udp_bad "guest and backend differ: driver $gtx, backend $btx + dropped $bdrop + bad $bbad"
	# tun counts a frame it drops itself in rx_dropped only, but one the
	# stack's backlog drops after tun took it in rx_packets and rx_dropped
	# both (drivers/net/tun.c, net/core/dev.c enqueue_to_backlog()).
	[ "$btx" -ge "$ltap" ] && [ "$btx" -le $((ltap + ldrop)) ] ||
		l2pv_udp_bad "backend and L1's TAP differ: backend $btx, TAP $ltap + dropped $ldrop"
	[ "$ludp" -le "$ltap" ] && [ $((ltap - ludp)) -le 4 ] ||
		l2pv_udp_bad "L1's TAP and UDP counts differ by more than 4: $ltap, $ludp"
	[ $((gout + gqdrop)) = "$sent" ] ||
		l2pv_udp_bad "the guest's UDP counters miss datagrams: out $gout + SndbufErrors $gqdrop, sent $sent"
	# What the UDP layer sent, less the queue discipline's drops, is what
	# the driver sent (and maybe an ARP frame or two).
	[ "$gtx" -ge $((gout - gaqm - gdrop)) ] && [ "$gtx" -le $((gout - gaqm - gdrop + 4)) ] ||
		l2pv_udp_bad "guest UDP and driver counts differ: UDP out $gout, qdisc drops $gaqm, driver sent $gtx, dropped $gdrop"
	[ $((ludp + gqdrop + gaqm + gdrop + bdrop + bbad + ldrop)) -ge "$sent" ] ||
		l2pv_udp_bad "datagrams lost without a drop counter"
	[ "$ludp" -ge $((sent * 9 / 10)) ] || l2pv_udp_bad "more than 10% lost"
	[ "$bad" = 0 ]
}

# MTU 9000 from the device to L1's TAP: 8000-byte pings unfragmented
# (one frame each way per ping), and jumbo frames without GSO.
l2pv_mtu() {
	local tx txb rx rxb f fb bad=0
	tx=$(l2pv_delta mtu-ping net0.tx_packets)
	txb=$(l2pv_delta mtu-ping net0.tx_bytes)
	rx=$(l2pv_delta mtu-ping net0.rx_packets)
	rxb=$(l2pv_delta mtu-ping net0.rx_bytes)
	f=$(l2pv_delta mtu-tx net0.tx_packets)
	fb=$(l2pv_delta mtu-tx net0.tx_bytes)
	echo "device MTU $(l2pv_value pvnet-mtu); set: $(l2pv_value pvnet-mtu-set);" \
	     "ping -s 8000: $(l2pv_value pvnet-mtu-ping); $tx frames, $txb bytes out;" \
	     "$rx frames, $rxb bytes in;" \
	     "file: $f frames, $fb bytes, $(l2pv_delta mtu-tx net0.tx_gso) GSO"
	emit "# l2:pvnet: mtu 9000: L2 -> L1 $L2PV_NETMB MiB in $(l2pv_field pvnet-mtu-tx 2) ms" \
	     "($(l2pv_rate $((L2PV_NETMB * 1048576)) "$(l2pv_field pvnet-mtu-tx 2)") MiB/s)," \
	     "$f frames, $((f ? fb / f : 0)) bytes each on average, no GSO"
	l2_eq "$(l2pv_value pvnet-mtu)" 9000 || bad=1
	l2_eq "$(l2pv_value pvnet-mtu-set)" "0 9000" || bad=1
	l2pv_value pvnet-mtu-ping | grep -q '^5 packets transmitted, 5 packets received' || bad=1
	[ "$tx" -ge 5 ] && [ "$tx" -le 7 ] && [ "$txb" -ge $((5 * 8042)) ] || bad=1
	[ "$rx" -ge 5 ] && [ "$rx" -le 7 ] && [ "$rxb" -ge $((5 * 8042)) ] || bad=1
	l2_eq "$(l2pv_field pvnet-mtu-tx 1)" 0 || bad=1
	l2_eq "$(l2pv_file_sha 5007)" "$(l2pv_value pvnet-big-sha)" || bad=1
	[ "$(l2pv_delta mtu-tx net0.tx_gso)" = 0 ] && [ "$f" -gt 0 ] &&
		[ $((fb / f)) -gt 1514 ] || bad=1
	[ "$bad" = 0 ]
}

# The link down from the host (hyv-run's SIGURG): the guest's carrier
# goes, L1 is unreachable; up again: carrier, pings answered.
l2pv_link() {
	local bad=0
	echo "hyv-run: $(grep '^hyv-run: link ' $L2PV_LOG | tr '\n' ' ')"
	echo "down: carrier $(l2pv_value pvnet-link-down) (tenths of s), ping: $(l2pv_value pvnet-link-down-ping)"
	echo "up: carrier $(l2pv_value pvnet-link-up), ping: $(l2pv_value pvnet-link-up-ping)"
	l2_eq "$(grep -c '^hyv-run: link net0 \(down\|up\)' $L2PV_LOG)" 2 || bad=1
	l2_eq "$(l2pv_field pvnet-link-down 1)" 0 || bad=1
	l2pv_value pvnet-link-down-ping | grep -q '^2 packets transmitted, 0 packets received' || bad=1
	l2_eq "$(l2pv_field pvnet-link-up 1)" 1 || bad=1
	l2pv_value pvnet-link-up-ping | grep -q '^0 3 packets transmitted, 3 packets received' || bad=1
	[ "$bad" = 0 ]
}

# rmmod while a file goes out, insmod, a new file.
l2pv_reload() {
	local bad=0
	echo "connection up at rmmod: $(l2pv_value pvnet-rmmod-busy); rmmod: $(l2pv_value pvnet-rmmod);" \
	     "insmod: $(l2pv_value pvnet-reinsmod); interface: $(l2pv_value pvnet-reload-if);" \
	     "ping: $(l2pv_value pvnet-reload-ping); file: $(l2pv_value pvnet-reload-tx)"
	l2_eq "$(l2pv_value pvnet-rmmod-busy) $(l2pv_value pvnet-rmmod) $(l2pv_value pvnet-reinsmod)" \
		"1 0 0" || bad=1
	l2_eq "$(l2pv_value pvnet-reload-ping) $(l2pv_value pvnet-reload-tx)" "0 0" || bad=1
	l2_eq "$(l2pv_file_sha 5008)" "$L2PV_SEQ_SHA" || bad=1
	[ "$bad" = 0 ]
}

l2pv_check() {
	l2_check pv "$@"
}

l2pv_suite() {
	local sha
	if ! cpio -it </l2/initrd 2>/dev/null | grep -q 'hyv-pv/hyv_pvnet.ko'; then
		emit "# l2: pv: no PV guest drivers in the L2 initramfs (make guest-drivers)"
		return
	fi
	[ -c /dev/net/tun ] || { emit "# l2: pv: no /dev/net/tun in L1"; return; }
	l2pv_files
	l2pv_boot
	l2pv_tabulate
	# What the guest sent (seq 1 150000, several times) and L1's big file.
	L2PV_SEQ_SHA=$(seq 1 150000 | sha256sum | cut -d' ' -f1)
	L2PV_BIG_SHA=$(sha256sum </tmp/pv-big | cut -d' ' -f1)
	l2pv_check pv:insmod l2_eq "$(l2pv_value pv-insmod)" 0
	sha=$(sha256sum </tmp/pv-orig.img | cut -d' ' -f1)
	l2pv_check pvblk:capacity l2_eq "$(l2pv_value pvblk-sectors)" 16384
	l2pv_check pvblk:read-checksum l2_eq "$(l2pv_value pvblk-read-sha)" "$sha"
	l2pv_check pvblk:direct-io l2_eq \
		"$(l2pv_value pvblk-direct-write) $(l2pv_value pvblk-direct-read)" "0 0"
	l2pv_check pvblk:last-sector l2_eq \
		"$(l2pv_value pvblk-write-last) $(l2pv_value pvblk-last-readback)" "0 same"
	l2pv_check pvblk:fsync-flush l2_eq \
		"$(l2pv_value pvblk-write-4k) $(l2pv_value pvblk-flush)" "0 0"
	l2pv_check pvblk:discard l2pv_discard
	l2pv_check pvblk:writes-in-file l2pv_file_written
	l2pv_check pvblk:read-only-refuses-writes l2pv_read_only
	l2pv_check pvblk:no-exit-per-request l2pv_blk_costs
	l2pv_check pvblk:fs-disk l2_eq "$(l2pv_value pvblk-fs | cut -d' ' -f2)" 131072
	l2pv_check pvblk:random-verify l2pv_verify
	l2pv_check pvblk:rmmod-during-io l2pv_rmmod
	l2pv_check pvblk:ext4-files-in-file l2pv_ext4
	l2pv_check pvnet:link l2_eq "$(l2pv_value pvnet-mac)" $L2PV_MAC
	l2pv_check pvnet:ping l2pv_ping
	l2pv_check pvnet:tcp-l2-to-l1 l2_eq "$(l2pv_file_sha 5001)" "$L2PV_SEQ_SHA"
	l2pv_check pvnet:tcp-l1-to-l2 l2_eq "$(l2pv_value pvnet-rx-sha)" \
		"$(sha256sum </tmp/pv-to-l2 | cut -d' ' -f1)"
	l2pv_check pvnet:no-exit-per-packet l2pv_net_costs
	l2pv_check pvnet:offloads-on l2pv_offload on 5003
	l2pv_check pvnet:offloads-off l2pv_offload off 5004
	l2pv_check pvnet:multi-queue l2pv_mq
	l2pv_check pvnet:set-channels l2pv_channels
	l2pv_check pvnet:udp-counts l2pv_udp
	l2pv_check pvnet:mtu-9000 l2pv_mtu
	l2pv_check pvnet:link-down-up l2pv_link
	l2pv_check pvnet:rmmod-during-transfer l2pv_reload
	l2pv_check pv:no-broken-ring l2_eq "$(grep -c 'broken' $L2PV_LOG)" 0
	l2pv_check pv:dmesg-clean l2_eq "$(l2pv_value dmesg-bad)" 0
	l2pv_check pv:poweroff-exit-0 l2_eq \
		"$(sed -n 's/^HYVL1-EXIT: //p' $L2PV_LOG | tr -d '\r')" 0
	l2pv_kill_boot
}

# The SVM testbed machine (sourced by machine.sh): QEMU's TCG with an EPYC
# CPU, which gives L1 SVM with nested paging (no NRIP-save, no decode
# assists). ttyS0 is the console, ttyS1 the runner's result channel.
# shellcheck shell=bash disable=SC2034 # machine_pid is for machine.sh

# machine_start LOG KERNEL INITRD CMDLINE LIVE: start QEMU in the
# background and set machine_pid. The console goes to LOG-console.log
# (and to stderr too with LIVE=1), ttyS1 to LOG-results.log, QEMU's own
# messages to LOG-emulator.log, its CPU resets (and "Triple fault", the
# one trace of an L1 that died without a word) to LOG-reset.log; its
# monitor listens on the FIFOs
# LOG-monitor.in and .out (machine_hung). HYV_QEMU_SIGNAL=off lets
# Ctrl-C reach the guest (make run's interactive L2 shell).
machine_start() {
	local log=$1 kernel=$2 initrd=$3 cmdline=$4 live=$5
	local ttyS0=(-serial "file:$log-console.log") stdin=/dev/null
	rm -f "$log-monitor.in" "$log-monitor.out"
	mkfifo "$log-monitor.in" "$log-monitor.out"
	if [ "$live" != 0 ]; then
		ttyS0=(-chardev "stdio,id=con,signal=${HYV_QEMU_SIGNAL:-on},logfile=$log-console.log" -serial chardev:con)
		# A background job reads /dev/null unless told otherwise: the
		# live console takes the terminal's input too (make run's shell).
		stdin=/dev/stdin
	fi
	qemu-system-x86_64 -accel tcg -cpu EPYC,+pku -smp 2 -m 1024 \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 $cmdline" \
		"${ttyS0[@]}" -serial "file:$log-results.log" \
		-chardev "pipe,id=mon,path=$log-monitor" -mon chardev=mon,mode=readline \
		-d cpu_reset -D "$log-reset.log" \
		<"$stdin" >&2 2>"$log-emulator.log" &
	machine_pid=$!
}

# machine_hung LOG: the machine is about to be killed as hung. Ask its
# kernel for backtraces on the console (sysrq l: every CPU's, through
# NMIs; sysrq w: the blocked tasks), then take each CPU's registers and
# stack from QEMU's monitor, which answers whatever the kernel's state,
# into LOG-monitor.log (hung-cpus.awk reads it).
machine_hung() {
	local mon=$1-monitor reader cpu rsp
	[ -p "$mon.in" ] || return 0
	cat "$mon.out" >"$mon.log" &
	reader=$!
	exec 7>"$mon.in"
	echo "sendkey alt-sysrq-l" >&7
	sleep 5
	echo "sendkey alt-sysrq-w" >&7
	sleep 5
	echo "info registers -a" >&7
	sleep 2
	while read -r cpu rsp; do
		printf 'cpu %s\nx /32gx 0x%s\n' "$cpu" "$rsp" >&7
	done < <(tr -d '\r' <"$mon.log" | awk '/^CPU#/ { c = substr($1, 5) }
		/RSP=/ { print c, substr($0, index($0, "RSP=") + 4, 16) }')
	sleep 2
	exec 7>&-
	kill "$reader" 2>/dev/null || true
}

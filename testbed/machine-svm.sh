# The SVM testbed machine (sourced by machine.sh): QEMU's TCG with an EPYC
# CPU, which gives L1 SVM with nested paging (no NRIP-save, no decode
# assists). ttyS0 is the console, ttyS1 the runner's result channel.
# shellcheck shell=bash disable=SC2034 # machine_pid is for machine.sh

# machine_start LOG KERNEL INITRD CMDLINE LIVE: start QEMU in the
# background and set machine_pid. The console goes to LOG-console.log
# (and to stderr too with LIVE=1), ttyS1 to LOG-results.log, QEMU's own
# messages to LOG-emulator.log.
machine_start() {
	local log=$1 kernel=$2 initrd=$3 cmdline=$4 live=$5
	local ttyS0=(-serial "file:$log-console.log")
	[ "$live" = 0 ] ||
		ttyS0=(-chardev "stdio,id=con,signal=on,logfile=$log-console.log" -serial chardev:con)
	qemu-system-x86_64 -accel tcg -cpu EPYC,+pku -smp 2 -m 1024 \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 $cmdline" \
		"${ttyS0[@]}" -serial "file:$log-results.log" \
		>&2 2>"$log-emulator.log" &
	machine_pid=$!
}

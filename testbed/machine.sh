#!/bin/bash
# Boot one emulated test machine on a kernel and an initramfs made by
# initramfs.sh, follow the runner inside it and print its results as
# unnumbered lines "ok MACHINE:SUITE:TEST" / "not ok ..." (tally.sh
# numbers them), then "@end MACHINE".
#
#   machine.sh [--live] [--log NAME] [--append ARGS] MACHINE KERNEL INITRD
#
# MACHINE names testbed/machine-MACHINE.sh, which starts the emulator.
# Logs: build/testbed/NAME-{console,results,emulator}.log (NAME defaults
# to MACHINE). --live shows the console on stderr as it runs; --append
# adds kernel parameters.
# Each selftest inside gets $HYV_TEST_TIMEOUT seconds (default 300). A
# machine that does not reach /init within $HYV_BOOT_TIMEOUT seconds
# (default 300) is killed and fails "MACHINE:boot:timeout"; one that does
# not finish within $HYV_RUN_TIMEOUT (default 1800) fails
# "MACHINE:run:timeout", one whose runner stays silent for
# $HYV_TEST_TIMEOUT + 120 s (a hung kernel) "MACHINE:run:hung", and one
# still up 60 s after its runner's end (power-off) "MACHINE:run:no-power-
# off". Before such a machine is killed, machine_hung (if the machine
# file has one) gathers backtraces, shown after the "machine hung"
# failure. Kernel problem reports in the console fail tests of their own
# (kernel-log.awk).
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

boot_timeout=${HYV_BOOT_TIMEOUT:-300}
run_timeout=${HYV_RUN_TIMEOUT:-1800}
test_timeout=${HYV_TEST_TIMEOUT:-300}
stall_timeout=$((test_timeout + 120))
poweroff_timeout=60

machine_pid=
began=0
began_at=
ended=0
ended_at=
lines_read=0
last_line=0
kernel_text=
# Set when the machine ran out of time: the test that fails, and why.
stuck=
stuck_why=
# The console's line count when the hung machine was asked for backtraces.
hung_mark=0

# Translate the runner lines that arrived in the results log since the
# last call ("HYVT: ..." on ttyS1; see testbed/guest/lib.sh).
read_results() {
	local total line
	total=$(wc -l <"$results")
	# Complete lines only: "sed -n 'N+1,Np'" would print a line still
	# being written (wc -l does not count it yet), and again once whole.
	[ "$total" != "$lines_read" ] || return 0
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in *"HYVT: "*) line=${line#*HYVT: } ;; *) continue ;; esac
		case "$line" in
		begin) began=1 began_at=$SECONDS ;;
		end) ended=1 ended_at=$SECONDS ;;
		"kernel-text "*) kernel_text=${line#kernel-text } ;;
		"ok "* | "not ok "*) echo "${line%%ok *}ok $machine:${line#*ok }" ;;
		"#"*) echo "$line" ;;
		esac
	done < <(sed -n "$((lines_read + 1)),${total}p" "$results")
	last_line=$SECONDS
	lines_read=$total
}

# Succeed, setting stuck and stuck_why, when the machine has run out of
# time.
overdue() {
	local ran=$((SECONDS - $1))
	if [ "$began" = 0 ] && [ "$ran" -ge "$boot_timeout" ]; then
		stuck=boot:timeout stuck_why="no /init after $ran s"
	elif [ "$ended" != 0 ] && [ $((SECONDS - ended_at)) -ge "$poweroff_timeout" ]; then
		stuck=run:no-power-off
		stuck_why="still up $((SECONDS - ended_at)) s after the runner's end (poweroff -f)"
	elif [ "$ran" -ge "$run_timeout" ]; then
		stuck=run:timeout stuck_why="still running after $ran s"
	elif [ "$began" != 0 ] && [ $((SECONDS - last_line)) -ge "$stall_timeout" ]; then
		stuck=run:hung stuck_why="the runner has been silent for $((SECONDS - last_line)) s"
	else
		return 1
	fi
	note "$machine: $stuck_why"
}

# Gather what the machine file can say about a hung machine, then kill it.
kill_hung() {
	hung_mark=$(wc -l <"$console")
	if declare -F machine_hung >/dev/null; then
		note "$machine: asking the hung machine for backtraces"
		machine_hung "$log"
	fi
	kill -KILL "$machine_pid" 2>/dev/null || true
}

# Wait for the emulator to end, printing results as they come; kill it
# when it is overdue.
follow() {
	local start=$SECONDS
	while kill -0 "$machine_pid" 2>/dev/null; do
		read_results
		if overdue "$start"; then
			kill_hung
			break
		fi
		sleep 1
	done
	machine_pid=
	read_results
	note "$machine: ran for $((SECONDS - start)) s$([ "$began" = 0 ] || echo ", /init after $((began_at - start)) s")"
}

# The "machine hung" diagnostics: the CPUs as QEMU's monitor saw them,
# and the console from the backtrace request on (or its end).
report_hung() {
	local map
	note "machine hung: $stuck_why"
	map=$(dirname "$kernel")/../../../System.map
	if [ -f "$log-monitor.log" ] && [ -f "$map" ]; then
		note "where the CPUs were (QEMU's monitor):"
		awk -v text="$kernel_text" -f "$testbed/hung-cpus.awk" "$map" \
			"$log-monitor.log" | sed 's/^/#   /'
	fi
	if [ "$(wc -l <"$console")" -gt "$hung_mark" ]; then
		note "the console from the backtrace request on:"
		tail -n +"$((hung_mark + 1))" "$console" | head -n 300 | sed 's/^/#   /'
	else
		note_tail "$console"
	fi
}

# What the emulator logged about the machine's end (machine-svm.sh: a
# triple fault resets L1, which -no-reboot turns into its end).
emulator_says() {
	[ ! -f "$log-reset.log" ] || ! grep -q 'Triple fault' "$log-reset.log" ||
		note "the emulator says: L1 triple-faulted (${log#"$repo"/}-reset.log)"
}

# Fail the run's stage that did not complete, with the console's end.
report_stage() {
	if [ -n "$stuck" ]; then
		echo "not ok $machine:$stuck"
		report_hung
	elif [ "$began" = 0 ]; then
		echo "not ok $machine:boot:no-init"
		note_tail "$console"
		note_tail "$log-emulator.log" 3
		emulator_says
	elif [ "$ended" = 0 ]; then
		echo "not ok $machine:run:incomplete"
		note_tail "$console"
		emulator_says
	fi
}

stop_machine() {
	[ -z "$machine_pid" ] || kill -KILL "$machine_pid" 2>/dev/null || true
}

main() {
	local live=0 append='' name=''
	while [ "$#" -gt 3 ]; do
		case "$1" in
		--live) live=1; shift ;;
		--log) name=$2; shift 2 ;;
		--append) append=$2; shift 2 ;;
		*) echo "machine.sh: unknown option $1" >&2; return 2 ;;
		esac
	done
	machine=$1
	log=$logs/${name:-$1}
	kernel=$2
	local initrd=$3
	console=$log-console.log
	results=$log-results.log
	# shellcheck source=testbed/machine-svm.sh
	. "$testbed/machine-$machine.sh"
	rm -f "$console" "$results" "$log-monitor.log" "$log-reset.log"
	touch "$results"
	trap stop_machine EXIT
	note "$machine: booting; console in ${console#"$repo"/}"
	machine_start "$log" "$kernel" "$initrd" \
		"panic=-1 printk.devkmsg=on hyvt.timeout=$test_timeout $append" "$live"
	# Its end is seen by kill -0; as a job, bash would report its kill.
	disown "$machine_pid"
	follow
	report_stage
	awk -v machine="$machine" -f "$testbed/kernel-log.awk" "$console"
	echo "@end $machine"
}

main "$@"

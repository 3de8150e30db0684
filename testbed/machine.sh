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
# not finish within $HYV_RUN_TIMEOUT (default 1800), or whose runner stays
# silent for $HYV_TEST_TIMEOUT + 120 s (a hung kernel), fails
# "MACHINE:run:timeout". Kernel problem reports in the console fail tests
# of their own (kernel-log.awk).
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

boot_timeout=${HYV_BOOT_TIMEOUT:-300}
run_timeout=${HYV_RUN_TIMEOUT:-1800}
test_timeout=${HYV_TEST_TIMEOUT:-300}
stall_timeout=$((test_timeout + 120))

machine_pid=
began=0
began_at=
ended=0
timed_out=0
lines_read=0
last_line=0

# Translate the runner lines that arrived in the results log since the
# last call ("HYVT: ..." on ttyS1; see testbed/guest/lib.sh).
read_results() {
	local total line
	total=$(wc -l <"$results")
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in *"HYVT: "*) line=${line#*HYVT: } ;; *) continue ;; esac
		case "$line" in
		begin) began=1 began_at=$SECONDS ;;
		end) ended=1 ;;
		"ok "* | "not ok "*) echo "${line%%ok *}ok $machine:${line#*ok }" ;;
		"#"*) echo "$line" ;;
		esac
	done < <(sed -n "$((lines_read + 1)),${total}p" "$results")
	[ "$total" = "$lines_read" ] || last_line=$SECONDS
	lines_read=$total
}

# Succeed, saying why, when the machine has run out of time.
overdue() {
	local ran=$((SECONDS - $1))
	if [ "$began" = 0 ] && [ "$ran" -ge "$boot_timeout" ]; then
		note "$machine: no /init after $ran s"
	elif [ "$ran" -ge "$run_timeout" ]; then
		note "$machine: still running after $ran s"
	elif [ "$began" != 0 ] && [ $((SECONDS - last_line)) -ge "$stall_timeout" ]; then
		note "$machine: the runner has been silent for $((SECONDS - last_line)) s"
	else
		return 1
	fi
}

# Wait for the emulator to end, printing results as they come; kill it
# when it is overdue.
follow() {
	local start=$SECONDS
	while kill -0 "$machine_pid" 2>/dev/null; do
		read_results
		if overdue "$start"; then
			timed_out=1
			kill -KILL "$machine_pid"
			break
		fi
		sleep 1
	done
	machine_pid=
	read_results
	note "$machine: ran for $((SECONDS - start)) s$([ "$began" = 0 ] || echo ", /init after $((began_at - start)) s")"
}

# Fail the run's stage that did not complete, with the console's end.
report_stage() {
	local stage
	if [ "$began" = 0 ]; then
		stage=boot:$([ "$timed_out" = 1 ] && echo timeout || echo no-init)
	elif [ "$ended" = 0 ]; then
		stage=run:$([ "$timed_out" = 1 ] && echo timeout || echo incomplete)
	else
		return 0
	fi
	echo "not ok $machine:$stage"
	note_tail "$console"
	[ "$began" != 0 ] || note_tail "$log-emulator.log" 3
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
	local kernel=$2 initrd=$3
	console=$log-console.log
	results=$log-results.log
	# shellcheck source=testbed/machine-svm.sh
	. "$testbed/machine-$machine.sh"
	rm -f "$console" "$results"
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

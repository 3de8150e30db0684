#!/bin/bash
# Number and count the results of a whole testbed run (the output of
# check.sh or run.sh, on stdin) into the output contract of
# docs/testing.md:
#   "ok N MACHINE:SUITE:TEST" / "not ok N MACHINE:SUITE:TEST", N counting
#   over the whole run; "MACHINE: N passed, N failed" where a machine's
#   results end ("@end MACHINE"); last "N passed, N failed", with
#   ", N skipped" when tests were skipped (they count as passed too).
# Other lines pass through as they come. Exits 1 when a test failed or
# none ran. A run that stops before its "@done" line fails
# "host:testbed:incomplete".
set -euo pipefail

declare -A passed=() failed=() skipped=() ended=()
machines=()
n=0
done=0

summary() {
	echo "$1 passed, $2 failed$([ "$3" = 0 ] || echo ", $3 skipped")"
}

# result LINE: number and count one "ok ..." / "not ok ..." line.
result() {
	local ok=1 rest=${1#ok } m
	[[ "$1" != "not ok "* ]] || { ok=0 rest=${1#not ok }; }
	m=${rest%%:*}
	if [ -z "${passed[$m]+set}" ]; then
		machines+=("$m")
		passed[$m]=0 failed[$m]=0 skipped[$m]=0
	fi
	n=$((n + 1))
	if [ "$ok" = 1 ]; then
		passed[$m]=$((passed[$m] + 1))
		[[ "$rest" != *" # SKIP"* ]] || skipped[$m]=$((skipped[$m] + 1))
		echo "ok $n $rest"
	else
		failed[$m]=$((failed[$m] + 1))
		echo "not ok $n $rest"
	fi
}

end_machine() {
	echo "$1: $(summary "${passed[$1]:-0}" "${failed[$1]:-0}" "${skipped[$1]:-0}")"
	ended[$1]=1
}

# Close the machines left open and print the run's summary line.
finish() {
	local m p=0 f=0 s=0
	if [ "$done" = 0 ]; then
		result "not ok host:testbed:incomplete"
		echo "# the run stopped early: see the messages above"
	fi
	for m in "${machines[@]}"; do
		[ -n "${ended[$m]+set}" ] || end_machine "$m"
		p=$((p + passed[$m])) f=$((f + failed[$m])) s=$((s + skipped[$m]))
	done
	summary "$p" "$f" "$s"
	[ "$f" = 0 ] && [ "$n" -gt 0 ]
}

main() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "* | "not ok "*) result "$line" ;;
		"@end "*) end_machine "${line#@end }" ;;
		@done) done=1 ;;
		*) echo "$line" ;;
		esac
	done
	finish
}

main

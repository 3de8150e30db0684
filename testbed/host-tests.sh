#!/bin/bash
# Run the host-side unit tests (plain userspace programs that print TAP:
# vmm/pv/tests/*_test, plain and ASan+UBSan builds) and print each test
# as "ok host:SUITE:TEST" / "not ok host:SUITE:TEST" for tally.sh, with
# the test's "# " lines after a failure. Output in build/testbed/host-SUITE.log.
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

# tap SUITE STATUS < LOG: translate one program's TAP.
tap() {
	awk -v suite="$1" -v status="$2" '
		/^# / { notes = notes $0 "\n"; next }
		/^(not )?ok [0-9]+ / {
			ok = ($1 == "ok")
			line = $0
			sub(/^(not )?ok [0-9]+ /, "", line)
			printf "%sok host:%s:%s\n", ok ? "" : "not ", suite, line
			if (!ok) { printf "%s", notes; failed++ }
			notes = ""; seen++
		}
		END {
			if (!seen) print "not ok host:" suite ":no-results"
			else if (status != 0 && !failed) print "not ok host:" suite ":exit-status"
			if ((!seen || (status != 0 && !failed)) && notes != "") printf "%s", notes
		}'
}

main() {
	local t suite log status
	for t in "$repo"/vmm/pv/tests/*_test "$repo"/vmm/pv/tests/*_test-san; do
		[ -x "$t" ] || continue
		suite=pv_${t##*/}
		log=$logs/host-$suite.log
		status=0
		(cd "$logs" && timeout -s KILL 300 "$t") >"$log" 2>&1 || status=$?
		tap "$suite" "$status" <"$log"
	done
}

main "$@"

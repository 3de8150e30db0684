#!/bin/bash
# Run hyv-run's host-side unit tests (vmm/tests/*_test) and pass their
# result lines on ("ok host:SUITE:TEST" / "not ok ..." and "# " notes;
# testbed/tally.sh numbers them in make check). A test program that
# crashes or exits non-zero without a failed line fails SUITE:exit-status.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
status=0
for t in ./*_test; do
	suite=vmm-${t#./}
	suite=${suite%_test}
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ "$rc" != 0 ]; then
		status=1
		grep -q '^not ok ' <<<"$out" ||
			{ echo "not ok host:$suite:exit-status"; echo "# $t exited with $rc"; }
	fi
done
exit "$status"

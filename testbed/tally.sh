#!/bin/bash
# Number, judge and count the results of a whole testbed run (the output
# of check.sh or run.sh, on stdin) into the output contract of
# docs/testing.md:
#   "ok N MACHINE:SUITE:TEST" / "not ok N MACHINE:SUITE:TEST", N counting
#   over the whole run; "MACHINE: N passed, N failed" where a machine's
#   results end ("@end MACHINE"); last "N passed, N failed", with
#   ", N skipped" when tests were skipped (they count as passed too).
# Other lines pass through as they come. Exits 1 when a test failed or
# none ran. A run that stops before its "@done" line fails
# "host:testbed:incomplete".
#
#   tally.sh [--skips FILE] [--expect FILE] [--machines "M..."]
#
# Two judges stand between the results and the counts:
# - skips (FILE, default testbed/allowed-skips): a test may skip only if
#   FILE lists it for its machine; any other skip is a failed test.
# - test counts (--expect FILE, testbed/expected-counts for make check):
#   when a machine's results end, each of its suites FILE names must have
#   reported at least that many different tests, or "MACHINE:SUITE:tests-
#   missing" fails (a machine that died half-way, a binary that never ran).
#   --machines names the machines the run must have (each is judged even
#   if it printed nothing at all).
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A passed=() failed=() skipped=() ended=()
declare -A allowed=() expected=() reported=() seen=()
machines=()
n=0
done=0
skips_file=$testbed/allowed-skips
expect_file=
# What is wrong with the policy files: a failed test of its own.
policy_error=

summary() {
	echo "$1 passed, $2 failed$([ "$3" = 0 ] || echo ", $3 skipped")"
}

# The lines of a policy file that are not blank or comments, as fields.
policy_lines() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1"
}

# allowed-skips: "MACHINE SUITE:TEST reason..."; MACHINE may be "*".
load_skips() {
	local m t why
	[ -f "$skips_file" ] || return 0
	while read -r m t why; do
		[ -n "$why" ] || { policy_error+="${skips_file#"$repo"/}: no reason given for $m $t;"; continue; }
		allowed[$m $t]=1
	done < <(policy_lines "$skips_file")
}

# expected-counts: "MACHINE SUITE COUNT"; SUITE "*" is the machine's total.
load_expected() {
	local m s c
	[ -n "$expect_file" ] || return 0
	[ -f "$expect_file" ] || { policy_error+="no $expect_file;"; return; }
	while read -r m s c; do
		[[ "$c" =~ ^[0-9]+$ ]] || { policy_error+="${expect_file#"$repo"/}: bad count for $m $s;"; continue; }
		expected[$m $s]=$c
	done < <(policy_lines "$expect_file")
}

# A skip stays a pass only when allowed-skips lists the test.
skip_allowed() {
	local m=${1%%:*} t=${1#*:}
	[ -n "${allowed[$m $t]+set}" ] || [ -n "${allowed[* $t]+set}" ]
}

add_machine() {
	[ -z "${passed[$1]+set}" ] || return 0
	machines+=("$1")
	passed[$1]=0 failed[$1]=0 skipped[$1]=0
}

# result LINE: judge, number and count one "ok ..." / "not ok ..." line.
result() {
	local ok=1 rest=${1#ok } m name suite why=
	[[ "$1" != "not ok "* ]] || { ok=0 rest=${1#not ok }; }
	name=${rest%% # *}
	m=${name%%:*}
	suite=${name#*:}
	suite=${suite%%:*}
	add_machine "$m"
	# A test reported twice counts once.
	[ -n "${seen[$name]+set}" ] ||
		reported[$m $suite]=$((${reported[$m $suite]:-0} + 1))
	seen[$name]=1
	n=$((n + 1))
	if [ "$ok" = 1 ] && [[ "$rest" == *" # SKIP"* ]]; then
		why=${rest#* # SKIP}
		skip_allowed "$name" || ok=0 rest=$name
	fi
	if [ "$ok" = 1 ]; then
		passed[$m]=$((passed[$m] + 1))
		[ -z "$why" ] || skipped[$m]=$((skipped[$m] + 1))
		echo "ok $n $rest"
	else
		failed[$m]=$((failed[$m] + 1))
		echo "not ok $n $rest"
		[ -z "$why" ] || echo "# skipped (${why# }), and ${skips_file#"$repo"/} does not allow this skip"
	fi
}

# Fail each suite of the machine that reported fewer tests than expected.
check_counts() {
	local m=$1 key s want got total=0
	for key in "${!reported[@]}"; do
		[ "${key%% *}" != "$m" ] || total=$((total + reported[$key]))
	done
	while IFS= read -r s; do
		want=${expected[$m $s]}
		if [ "$s" = "*" ]; then
			got=$total
		else
			got=${reported[$m $s]:-0}
		fi
		[ "$got" -lt "$want" ] || continue
		result "not ok $m:${s/\*/all}:tests-missing"
		echo "# $got test(s) reported, ${expect_file#"$repo"/} expects at least $want"
	done < <(printf '%s\n' "${!expected[@]}" | sed -n "s/^$m //p" | LC_ALL=C sort)
}

end_machine() {
	add_machine "$1"
	[ -z "$expect_file" ] || check_counts "$1"
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
	local line m
	while [ "$#" -gt 0 ]; do
		case "$1" in
		--skips) skips_file=$2; shift 2 ;;
		--expect) expect_file=$2; shift 2 ;;
		--machines) for m in $2; do add_machine "$m"; done; shift 2 ;;
		*) echo "tally.sh: unknown option $1" >&2; return 2 ;;
		esac
	done
	load_skips
	load_expected
	if [ -n "$policy_error" ]; then
		result "not ok host:testbed:policy-files"
		tr ';' '\n' <<<"${policy_error%;}" | sed 's/^/# /'
	fi
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

main "$@"

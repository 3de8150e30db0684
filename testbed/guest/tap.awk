# Translate one program's TAP (kselftest) or one KUnit suite's KTAP
# (debugfs results) into runner lines: "ok SUITE:TEST", "not ok SUITE:TEST"
# followed by the test's last output lines as "# " diagnostics.
#   -v suite=NAME   the suite prefix of every test name
#   -v level=N      indentation level of the test lines: 0 for kselftest,
#                   1 for KUnit's debugfs results (4 spaces a level)
# Input may end with "HYVT-EXIT <status>" from the shell, the program's
# exit status: 137 (killed by timeout) fails "SUITE:timeout"; any other
# non-zero status with no failed test fails "SUITE:exit-status".
# Test lines missing from a "1..N" plan fail "SUITE:result-K-missing".
BEGIN {
	KEEP = 40
	skip_all = ""
}

function depth(s) {
	match(s, /^ */)
	return RLENGTH / 4
}

# Keep the last KEEP output lines, without their indentation and "#".
function remember(s) {
	sub(/^[ \t]*(# ?)?/, "", s)
	buf[nbuf++ % KEEP] = s
}

# Print the remembered lines as diagnostics, oldest first, and forget them.
function flush(   i) {
	for (i = (nbuf > KEEP ? nbuf - KEEP : 0); i < nbuf; i++)
		print "# " buf[i % KEEP]
	nbuf = 0
}

function report(ok, name, directive) {
	gsub(/[ \t]+/, "_", name)
	if (!ok) {
		failed++
		print "not ok " suite ":" name
		flush()
		return
	}
	print "ok " suite ":" name (directive ~ /^SKIP/ ? " # " directive : "")
	nbuf = 0
}

# "ok 3 name # SKIP why" / "not ok 3 name"
function test_line(body,   ok, num, name, directive, cut) {
	ok = body !~ /^not /
	sub(/^(not )?ok /, "", body)
	num = body + 0
	sub(/^[0-9]+ ?/, "", body)
	cut = index(body, " # ")
	if (cut == 0 && body ~ /^# /)
		cut = -1
	name = cut ? substr(body, 1, cut > 0 ? cut - 1 : 0) : body
	directive = cut ? substr(body, cut > 0 ? cut + 3 : 3) : ""
	if (name == "")
		name = running != "" ? running : "test-" num
	running = ""
	seen[num] = 1
	results++
	report(ok, name, directive)
}

{
	sub(/\r$/, "")
	if ($0 ~ /^HYVT-EXIT /) {
		status = $2 + 0
		exited = 1
		next
	}
	d = depth($0)
	body = substr($0, d * 4 + 1)
	if (d == level && body ~ /^1\.\.[0-9]+/) {
		plan = substr(body, 4) + 0
		if (body ~ /# SKIP/)
			skip_all = substr(body, index(body, "# SKIP") + 2)
	} else if (d == level && body ~ /^(not )?ok [0-9]+/) {
		test_line(body)
	} else if (level > 0 && d == level - 1 && body ~ /^not ok [0-9]+/) {
		suite_failed = 1
	} else if (body !~ /^K?TAP version/ && body !~ /^[ \t]*$/) {
		# kselftest_harness names a test on its "#  RUN name ..." line
		# (and 6.1 leaves the name out of a skipped test's result line)
		if (body ~ /^#  RUN +[^ ]+ \.\.\./) {
			running = body
			sub(/^#  RUN +/, "", running)
			sub(/ .*/, "", running)
		}
		remember($0)
	}
}

END {
	if (exited && status == 137) {
		remember("killed: it ran longer than its timeout")
		report(0, "timeout")
		exit
	}
	for (k = 1; k <= plan; k++)
		if (!(k in seen))
			report(0, "result-" k "-missing")
	if (skip_all != "" && results == 0)
		report(1, "all", skip_all)
	else if (exited && status != 0 && !failed) {
		remember("exit status " status)
		report(0, "exit-status")
	}
	else if (suite_failed && !failed)
		report(0, "suite")
	else if (results == 0 && plan == 0)
		report(0, "no-results")
}

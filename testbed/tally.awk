# Number and count the results of a whole testbed run (the output of
# check.sh or run.sh) into the output contract of docs/testing.md:
#   "ok N MACHINE:SUITE:TEST" / "not ok N MACHINE:SUITE:TEST", N counting
#   over the whole run; "MACHINE: N passed, N failed" where a machine's
#   results end ("@end MACHINE"); last "N passed, N failed", with
#   ", N skipped" when tests were skipped (they count as passed too).
# Other lines pass through. Exits 1 when a test failed or none ran. A run
# that stops before its "@done" line fails "host:testbed:incomplete".
function summary(p, f, s) {
	return p " passed, " f " failed" (s ? ", " s " skipped" : "")
}

function result(line,   ok, rest, m) {
	ok = line !~ /^not /
	rest = line
	sub(/^(not )?ok /, "", rest)
	m = rest
	sub(/:.*/, "", m)
	if (!(m in passed))
		order[nmachines++] = m
	n++
	passed[m] += ok
	failed[m] += !ok
	if (ok && rest ~ / # SKIP/)
		skipped[m]++
	print (ok ? "ok " : "not ok ") n " " rest
}

function end_machine(m) {
	print m ": " summary(passed[m], failed[m], skipped[m])
	ended[m] = 1
}

/^(not )?ok / {
	result($0)
	fflush()
	next
}

/^@end / {
	end_machine($2)
	fflush()
	next
}

/^@done$/ {
	done = 1
	next
}

{
	print
	fflush()
}

END {
	if (!done) {
		result("not ok host:testbed:incomplete")
		print "# the run stopped early: see the messages above"
	}
	for (i = 0; i < nmachines; i++) {
		m = order[i]
		if (!(m in ended))
			end_machine(m)
		p += passed[m]
		f += failed[m]
		s += skipped[m]
	}
	print summary(p, f, s)
	exit (f > 0 || n == 0)
}

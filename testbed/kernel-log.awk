# The judge of an L1 console log: every kernel problem report in it fails
# a test "MACHINE:kernel:KIND", with the number of reports and the first
# one (its first lines) as the diagnostic; a log without any passes
# "MACHINE:kernel:clean". Also judges the power-off test: when the runner
# marked it ("HYVT: power-off-test"), "MACHINE:shutdown:power-off-with-
# running-vcpus" passes only if the kernel then said "reboot: Power down"
# and reported no problem on the way. The runner's own records ("HYVT:
# ...") are not kernel reports. docs/testing.md lists what is caught.
#   -v machine=NAME
BEGIN {
	CONTEXT = 30		# lines of the first report of each kind shown
	LEAKS = 3		# hyv's kmemleak reports shown
	nkinds = 0
	# Most specific first: a line counts once, as the first kind it shows.
	# Sanitizers and the memory debugging options.
	kind("^(BUG: )?KASAN: ", "KASAN")
	kind("^BUG: KFENCE: ", "KFENCE")
	kind("^UBSAN: ", "UBSAN")
	kind("^ODEBUG: ", "ODEBUG")
	kind("^kmemleak: ", "kmemleak-error")
	kind("list_(add|del) corruption", "list-corruption")
	kind("^pagealloc: (memory corruption|single bit error)|[Pp]age poison", "page-poison")
	kind("Corrupted low memory", "page-poison")
	kind("^BUG: Bad (page|rss)", "bad-page")
	# Lockdep and its relatives.
	kind("^WARNING: possible circular locking", "lockdep-circular-locking")
	kind("^WARNING: inconsistent lock state", "lockdep-inconsistent-lock-state")
	kind("^WARNING: possible recursive locking", "lockdep-recursive-locking")
	kind("^WARNING: suspicious RCU usage", "lockdep-suspicious-RCU-usage")
	kind("^WARNING: (possible irq lock inversion|.*-safe -> .*-unsafe lock order|" \
	     "chain_key collision|Nested lock was not taken|bad unlock balance|" \
	     "bad contention|held lock freed|.* still has locks held|" \
	     "lock held when returning)|^BUG: (MAX_[A-Z_]+ too low|" \
	     "looking up invalid subclass|key .* has not been registered)|" \
	     "^\\[ BUG: Invalid wait context|^INFO: trying to register non-static key|" \
	     "^DEBUG_LOCKS_WARN_ON", "lockdep")
	kind("^BUG: (sleeping function called from invalid context|scheduling while atomic)", "atomic-sleep")
	# Stalls.
	kind("^INFO: task .* blocked for more than", "hung-task")
	kind("detected (expedited )?stalls? on CPU", "RCU-stall")
	kind("BUG: soft lockup", "soft-lockup")
	kind("hard LOCKUP", "hard-lockup")
	kind("^BUG: workqueue lockup", "workqueue-lockup")
	# Crashes.
	kind("^Kernel panic", "Kernel-panic")
	kind("^kernel BUG at ", "kernel-BUG")
	kind("^general protection fault", "general-protection-fault")
	kind("^[a-z ]+: [0-9a-f][0-9a-f][0-9a-f][0-9a-f] \\[#[0-9]+\\]|^Oops", "Oops")
	kind("^BUG: (unable to handle|kernel NULL pointer)", "Oops")
	kind("stack guard page was hit|stack-protector|corrupted stack end", "stack-corruption")
	kind("NMI received for unknown reason", "unknown-NMI")
	kind("^unchecked MSR access error", "unchecked-MSR-access")
	# hyv's own reports of host bugs: a VMX instruction that failed, a
	# CPU it could not set up. Its "hyv: vmN: ..." lines are guest-caused
	# (rate limited) and fail nothing.
	kind("^hyv: (VM[A-Z]+|INV[A-Z]+) .*failed|^hyv: cannot ", "hyv-host-error")
	# The generic headers, unless they belong to a report found just
	# before (the WARNING line of an ODEBUG or list corruption report).
	generic = nkinds + 1
	kind("^BUG: ", "BUG")
	kind("^WARNING: ", "WARNING")
	kind("^INFO: ", "INFO")
	# What matches the kinds above but reports no kernel bug.
	benign = "^Speculative Return Stack Overflow: WARNING: See |^ODEBUG: selftest passed|" \
		"^INFO: NMI handler .* took too long to run|^INFO: lockdep is turned off|" \
		"^kmemleak: (Kernel memory leak detector initialized|[0-9]+ new suspected memory leaks|Automatic memory scanning thread)"
	# kmemleak's report of one leak: this line, then indented lines.
	leak_start = "^kmemleak: unreferenced object "
	nleaks = 0
	nforeign = 0
}

function kind(re, slug) {
	nkinds++
	kind_re[nkinds] = re
	kind_slug[nkinds] = slug
}

# A leak is hyv's when a frame of its allocation is in a hyv module
# ("... [hyv]", "[hyv_kunit]", ...) or in a module unloaded since (the
# frame is a bare address): only hyv's modules come and go in L1. Or when
# one of hyv's test programs allocated it (a selftest, hyv-run and its
# vCPU threads, hyv-demo, spin_vcpus): an eventfd whose last reference
# hyv forgot to drop was allocated by the eventfd() call of the test.
function leak_end() {
	if (leak == "")
		return
	if (leak_hyv) {
		if (nleaks++ < LEAKS)
			leaks = leaks (leaks == "" ? "" : "\n") leak
	} else if (!nforeign++) {
		first_foreign = leak
	}
	leak = ""
}

function leak_line(msg) {
	if (msg ~ leak_start) {
		leak_end()
		leak = "# " line
		leak_hyv = 0
		return 1
	}
	if (leak == "" || msg !~ /^kmemleak:   /)
		return 0
	leak = leak "\n# " line
	if (msg ~ /^kmemleak:   comm "([a-z0-9_]+_test|hyv-[a-z-]+|vcpu[0-9]+|spin_vcpus)"/)
		leak_hyv = 1
	if (msg ~ /\] [a-zA-Z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+ \[hyv[a-z_]*\]$/ ||
	    msg ~ /\] 0x[0-9a-f]+$/)
		leak_hyv = 1
	return 1
}

# Add the line to the reports still collecting their first lines.
function collect(   k) {
	for (k = 1; k <= nkinds; k++) {
		if (count[k] && shown[k] < CONTEXT) {
			report[k] = report[k] "\n# " line
			shown[k]++
		}
	}
}

{
	sub(/\r$/, "")
	line = $0
	msg = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
	if (msg ~ /^HYVT: /) {
		if (msg ~ /^HYVT: power-off-test/)
			power_test = 1
		next
	}
	if (leak_line(msg))
		next
	if (power_test && msg ~ /^reboot: Power down/)
		powered_down = 1
	collect()
	if (msg ~ benign)
		next
	for (k = 1; k <= nkinds; k++) {
		if (msg ~ kind_re[k])
			break
	}
	if (k > nkinds || (k >= generic && specific_nr && NR - specific_nr <= 3))
		next
	if (k < generic)
		specific_nr = NR
	if (!count[k]++) {
		report[k] = "# " line
		shown[k] = 1
	}
	if (power_test && after_power == "")
		after_power = line
}

function power_verdict() {
	if (!power_test)
		return
	if (powered_down && after_power == "") {
		print "ok " machine ":shutdown:power-off-with-running-vcpus"
		return
	}
	print "not ok " machine ":shutdown:power-off-with-running-vcpus"
	if (!powered_down)
		print "# no \"reboot: Power down\" after the runner started the power-off"
	if (after_power != "")
		print "# a kernel report on the way down: " after_power
}

END {
	leak_end()
	power_verdict()
	for (k = 1; k <= nkinds; k++) {
		if (!count[k] || done[kind_slug[k]]++)
			continue
		found = 1
		n = count[k]
		for (j = k + 1; j <= nkinds; j++)
			if (kind_slug[j] == kind_slug[k])
				n += count[j]
		print "not ok " machine ":kernel:" kind_slug[k]
		print "# " n " report(s); the first:"
		print report[k]
	}
	if (nleaks) {
		found = 1
		print "not ok " machine ":kernel:kmemleak"
		print "# " nleaks " leak(s) allocated by hyv or its tests; the first " LEAKS ":"
		print leaks
	}
	if (nforeign)
		print "# kmemleak: " nforeign " leak(s) outside hyv and its tests (not failed); the first:\n" first_foreign
	if (!found)
		print "ok " machine ":kernel:clean"
}

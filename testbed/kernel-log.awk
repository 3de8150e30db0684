# Find the kernel's problem reports in an L1 console log. Each kind found
# fails one test "MACHINE:kernel:KIND" (first line and count as its
# diagnostic); a clean log passes "MACHINE:kernel:clean". The runner's own
# lines (kernel log records "HYVT: ...") are not kernel reports.
#   -v machine=NAME
BEGIN {
	# Most specific first: a line counts once, as the first kind it shows.
	nkinds = split("KASAN|possible circular locking|inconsistent lock state|" \
		"possible recursive locking|suspicious RCU usage|" \
		"sleeping function called from invalid context|" \
		"general protection fault|Kernel panic|Oops|INFO: |BUG:|WARNING:",
		kinds, "|")
	# Boot notes that use those words but report no kernel bug.
	benign = "^Speculative Return Stack Overflow: WARNING: See "
}

{
	sub(/\r$/, "")
	msg = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
	if (msg ~ /^HYVT: / || msg ~ benign)
		next
	for (k = 1; k <= nkinds; k++) {
		if (index(msg, kinds[k])) {
			if (!count[k]++)
				first[k] = $0
			break
		}
	}
}

function slug(kind) {
	sub(/[: ]+$/, "", kind)
	gsub(/ /, "-", kind)
	return kind
}

END {
	for (k = 1; k <= nkinds; k++) {
		if (!count[k])
			continue
		found = 1
		print "not ok " machine ":kernel:" slug(kinds[k])
		print "# " count[k] " line(s), the first: " first[k]
	}
	if (!found)
		print "ok " machine ":kernel:clean"
}

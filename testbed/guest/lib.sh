# Shell library of the testbed's initramfs: how runner lines reach the host.
# Each line is "HYVT: " plus one of
#   begin | end                      the runner started / finished
#   ok SUITE:TEST [# SKIP reason]    a test passed (or was skipped)
#   not ok SUITE:TEST                a test failed
#   # text                           a diagnostic for the test before it
# written to ttyS1, which carries nothing else (the host reads it from a
# file), and to the kernel log, where it shows in the console log between
# the kernel messages it caused (the host boots the machine with
# printk.devkmsg=on so that the kernel does not throttle them).
# shellcheck shell=dash
HYVT_OUT=/dev/ttyS1

emit() {
	echo "HYVT: $*" >"$HYVT_OUT"
	echo "<5>HYVT: $*" >/dev/kmsg
}

# Emit every line of stdin.
emit_lines() {
	local line
	while IFS= read -r line; do
		emit "$line"
	done
}

pass() {
	emit "ok $1"
}

# fail NAME [FILE]: the test failed; FILE's last lines are the diagnostic.
fail() {
	emit "not ok $1"
	[ -z "${2:-}" ] || tail -n 20 "$2" | sed 's/^/# /' | emit_lines
}

# param NAME DEFAULT: the value of hyvt.NAME= on the kernel command line.
param() {
	local arg cmdline
	read -r cmdline </proc/cmdline
	for arg in $cmdline; do
		case "$arg" in hyvt.$1=*) echo "${arg#*=}"; return ;; esac
	done
	echo "$2"
}

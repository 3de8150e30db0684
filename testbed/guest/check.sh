#!/bin/sh
# The test runner inside the testbed machine (/hyvt/main for `make check`),
# machine-neutral. In order: the "module" suite (load, /dev/hyv, unload
# refused while open, repeated load/unload), the KUnit suites of
# hyv_kunit.ko, every /selftests/*_test under a timeout, the demo VMM, the
# L2 suite, a last unload, kmemleak's scan, and the start of the power-off
# test (/init powers off with vCPUs running). Results go to the host
# through lib.sh's emit; something missing from the initramfs is a failure.
# shellcheck shell=dash source=testbed/guest/lib.sh
. /hyvt/lib.sh
# shellcheck source=testbed/guest/l2.sh
. /hyvt/l2.sh
MODS=/lib/hyv
OUT=/tmp/out
TIMEOUT=$(param timeout 300)

loaded() {
	grep -q '^hyv ' /proc/modules
}

# expect NAME CMD...: the test NAME passes when CMD succeeds; its output
# is the diagnostic otherwise.
expect() {
	local name=$1
	shift
	if "$@" >"$OUT" 2>&1; then
		pass "$name"
	else
		fail "$name" "$OUT"
	fi
}

# missing NAME WHAT: the test NAME cannot run: WHAT is not there.
missing() {
	echo "$2" >"$OUT"
	fail "$1" "$OUT"
}

dev_is_private() {
	ls -l /dev/hyv
	[ -c /dev/hyv ] && [ "$(stat -c %A /dev/hyv)" = crw------- ]
}

# Holding /dev/hyv open pins the module: rmmod fails and hyv stays.
unload_refused_while_open() {
	loaded || { echo "hyv is not loaded"; return 1; }
	exec 3<>/dev/hyv || return 1
	if rmmod hyv; then
		echo "rmmod succeeded with /dev/hyv open"
		exec 3<&-
		return 1
	fi
	exec 3<&-
	loaded
}

unload() {
	rmmod hyv && ! loaded && [ ! -e /dev/hyv ]
}

load_unload_cycles() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		insmod $MODS/hyv.ko || { echo "load $i failed"; return 1; }
		rmmod hyv || { echo "unload $i failed"; return 1; }
	done
}

# Issue #14: $1 cycles of load, a VMM (spin_vcpus: one vCPU per CPU
# spinning in guest mode) SIGKILLed, unload. One cycle in four kills the
# VMM early, while it sets its VM up. Says how long the cycles took and
# how often the unload had to wait for the dead VMM's last reference.
load_kill_unload_cycles() {
	local n=$1 i=0 j pid waits=0 start
	[ -x /bin/spin_vcpus ] || { echo "no spin_vcpus in the initramfs"; return 1; }
	start=$(cut -d. -f1 /proc/uptime)
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		insmod $MODS/hyv.ko || { echo "cycle $i: insmod failed"; return 1; }
		spin_vcpus >/tmp/cycle.log 2>&1 &
		pid=$!
		j=0
		if [ $((i % 4)) = 0 ]; then
			sleep "0.0$((i % 10))"
		else
			while ! grep -q '^spinning' /tmp/cycle.log; do
				j=$((j + 1))
				if [ $j -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then
					echo "cycle $i: the vCPUs did not start"
					cat /tmp/cycle.log
					kill -9 $pid
					return 1
				fi
				sleep 0.05
			done
		fi
		kill -9 $pid
		wait $pid
		j=0
		while ! rmmod hyv 2>/dev/null; do
			j=$((j + 1))
			[ $j -lt 100 ] || { echo "cycle $i: rmmod refused for 10 s"; rmmod hyv; return 1; }
			sleep 0.1
		done
		[ $j = 0 ] || waits=$((waits + 1))
		! loaded || { echo "cycle $i: hyv still loaded"; return 1; }
	done
	echo "$n load/kill/unload cycles in $(($(cut -d. -f1 /proc/uptime) - start)) s; $waits unloads waited" >/tmp/cycles.sum
}

# CPU hotplug with hyv loaded: the extension goes off with the CPU and on
# again when it returns (cpuhp callbacks); the tests after this one run on
# every CPU again.
cpu_offline_online() {
	local online=/sys/devices/system/cpu/cpu1/online
	echo 0 >$online || return 1
	grep -q '^0$' $online || { echo "cpu1 still online"; return 1; }
	echo 1 >$online || return 1
	grep -q '^1$' $online && loaded
}

module_suite() {
	expect module:load insmod $MODS/hyv.ko
	expect module:dev-node dev_is_private
	expect module:unload-refused-while-open unload_refused_while_open
	expect module:unload unload
	expect module:load-unload-x10 load_unload_cycles
	# 50 cycles take ~65 s in the SVM machine under load (100 took 129 s);
	# fewer under Bochs (one slow CPU). hyvt.lifecycles= overrides.
	local cycles=10
	! grep -qw svm /proc/cpuinfo || cycles=50
	expect module:load-vm-kill-unload load_kill_unload_cycles "$(param lifecycles $cycles)"
	[ ! -f /tmp/cycles.sum ] || emit "# $(cat /tmp/cycles.sum)"
	expect module:reload insmod $MODS/hyv.ko
	# Only machines with a second CPU (the SVM one) can take one away.
	[ ! -w /sys/devices/system/cpu/cpu1/online ] ||
		expect module:cpu-offline-online cpu_offline_online
}

# The PV guest drivers load (no hyv PV device here: nothing binds) and
# hyv_pvblk_kunit.ko and hyv_pvnet_kunit.ko run their suites, read by
# kunit_suites.
pv_modules_load() {
	local m
	for m in hyv_pv hyv_pvblk hyv_pvblk_kunit hyv_pvnet hyv_pvnet_kunit; do
		insmod $MODS/$m.ko || return 1
	done
}

pv_modules_unload() {
	rmmod hyv_pvnet_kunit hyv_pvnet hyv_pvblk_kunit hyv_pvblk hyv_pv
}

kunit_suites() {
	local results suite
	if [ ! -f $MODS/hyv_kunit.ko ]; then
		missing kunit:load "no hyv_kunit.ko in the initramfs"
		return
	fi
	if ! insmod $MODS/hyv_kunit.ko >"$OUT" 2>&1; then
		fail kunit:load "$OUT"
		return
	fi
	pass kunit:load
	for results in /sys/kernel/debug/kunit/*/results; do
		[ -f "$results" ] || { fail kunit:suites; return; }
		suite=${results%/results}
		suite=${suite##*/}
		awk -v suite="$suite" -v level=1 -f /hyvt/tap.awk "$results" | emit_lines
	done
}

# The TAP of one selftest binary, killed after $TIMEOUT seconds, and its
# exit status for tap.awk.
run_selftest() {
	(cd /tmp && timeout -s KILL "$TIMEOUT" "$1" </dev/null 2>&1)
	echo "HYVT-EXIT $?"
}

selftests() {
	local t v
	# hyvt.fuzz_seed= replays a seed of fuzz_race_test (and fuzz_test).
	v=$(param fuzz_seed '')
	[ -z "$v" ] || export HYV_FUZZ_SEED="$v"
	v=$(param fuzz_seconds '')
	[ -z "$v" ] || export HYV_FUZZ_SECONDS="$v"
	for t in /selftests/*_test; do
		[ -x "$t" ] || { missing selftests:present "no selftests in the initramfs"; return; }
		run_selftest "$t" | awk -v suite="${t##*/}" -v level=0 -f /hyvt/tap.awk | emit_lines
	done
}

demo() {
	[ -x /bin/hyv-demo ] || { missing vmm:hyv-demo "no vmm/hyv-demo in the initramfs"; return; }
	expect vmm:hyv-demo timeout -s KILL "$TIMEOUT" /bin/hyv-demo
}

final_unload() {
	! grep -q '^hyv_kunit ' /proc/modules || rmmod hyv_kunit
	unload
}

# With every hyv module gone, kmemleak scans twice (an object is reported
# once it has looked unreferenced for a whole scan) and, in verbose mode,
# prints each leak to the console, where kernel-log.awk judges it. Only
# kernels with kmemleak (the SVM machine's) run this.
kmemleak_scan() {
	local k=/sys/kernel/debug/kmemleak
	[ -e $k ] || return 0
	echo 1 >/sys/module/kmemleak/parameters/verbose &&
		echo scan >$k && echo scan >$k
}

# C.14 of issue #9: hyv's reboot notifier turns virtualization off while
# vCPUs are in guest mode. spin_vcpus keeps one vCPU per CPU spinning in
# its guest; once they run, the marker tells kernel-log.awk to judge what
# the console shows after it, and /init powers the machine off.
power_off_prepare() {
	local i=0
	insmod $MODS/hyv.ko >"$OUT" 2>&1 || { fail shutdown:vcpus-spinning "$OUT"; return; }
	spin_vcpus >/tmp/spin.log 2>&1 &
	while ! grep -q '^spinning' /tmp/spin.log; do
		i=$((i + 1))
		if [ "$i" -gt 120 ] || ! kill -0 $! 2>/dev/null; then
			fail shutdown:vcpus-spinning /tmp/spin.log
			return
		fi
		sleep 0.5
	done
	pass shutdown:vcpus-spinning
	emit "# $(cat /tmp/spin.log); powering off"
	emit power-off-test
}

module_suite
[ ! -f $MODS/hyv_pv.ko ] || expect pv:load pv_modules_load
kunit_suites
selftests
demo
l2_suite
[ ! -f $MODS/hyv_pv.ko ] || expect pv:unload pv_modules_unload
expect module:unload-after-tests final_unload
[ ! -e /sys/kernel/debug/kmemleak ] || expect kmemleak:scan kmemleak_scan
if [ -x /bin/spin_vcpus ]; then
	power_off_prepare
else
	missing shutdown:vcpus-spinning "no spin_vcpus in the initramfs"
fi

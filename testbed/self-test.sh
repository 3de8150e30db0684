#!/bin/bash
# The testbed's eyes, tested: feed the judges made-up inputs — console
# logs with a KASAN report, a WARNING, a kmemleak hit, every other kind of
# kernel report, a power-off that never finished; result streams with an
# unlisted skip or a machine that stopped half-way — and check that each
# is caught, and that clean inputs pass. One test "host:testbed:NAME"
# each, for tally.sh (check.sh runs this before the machines).
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME EXPECTED-LINE [FORBIDDEN-LINE] < OUTPUT: the judge's output
# must hold EXPECTED-LINE (a whole line) and not FORBIDDEN-LINE.
check() {
	cat >"$tmp/out"
	if grep -qxF -- "$2" "$tmp/out" && { [ -z "${3:-}" ] || ! grep -qxF -- "$3" "$tmp/out"; }; then
		echo "ok host:testbed:$1"
	else
		echo "not ok host:testbed:$1"
		echo "# wanted the line \"$2\"${3:+ and not \"$3\"}; the judge said:"
		head -n 20 "$tmp/out" | sed 's/^/#   /'
	fi
}

# The console judge on stdin (lines get a printk timestamp).
console() {
	sed 's/^/[   12.345678] /' >"$tmp/console.log"
	awk -v machine=m -f "$testbed/kernel-log.awk" "$tmp/console.log"
}

# sees SLUG[/VARIANT] LINE...: a console with these lines fails
# m:kernel:SLUG (VARIANT names the test when a kind has several forms).
sees() {
	local slug=${1%%/*} name=kernel-log-sees-${1/\//-}
	shift
	printf '%s\n' "$@" | console | check "$name" "not ok m:kernel:$slug" "ok m:kernel:clean"
}

kernel_reports() {
	sees KASAN "==================================================================" \
		"BUG: KASAN: slab-out-of-bounds in hyv_apic_reg+0x1a/0x60 [hyv]" \
		"Read of size 4 at addr ffff888003a1c400 by task apic_regs_test/231"
	sees WARNING "------------[ cut here ]------------" \
		"WARNING: CPU: 1 PID: 231 at host/mmu.c:202 hyv_mmu_topup+0x51/0x90 [hyv]"
	sees KFENCE "BUG: KFENCE: use-after-free read in hyv_vm_free+0x10/0x50 [hyv]"
	sees UBSAN "UBSAN: array-index-out-of-bounds in host/lapic.c:120:9"
	sees ODEBUG "ODEBUG: free active (active state 0) object: 00000000d1b2a3c4 object type: hrtimer hint: hyv_timer_fn+0x0/0x40 [hyv]" \
		"WARNING: CPU: 0 PID: 1 at lib/debugobjects.c:505 debug_print_object+0xd3/0x110"
	sees kmemleak-error "kmemleak: Kernel memory leak detector disabled"
	sees list-corruption "list_add corruption. prev->next should be next (ffff888003a1c400), but was 0000000000000000."
	sees page-poison "pagealloc: memory corruption"
	sees page-poison/low-memory "Corrupted low memory at 000000004a1b2c3d (9000 phys) = 00000001"
	sees bad-page "BUG: Bad page state in process hyv-run  pfn:0a1b2"
	sees lockdep-circular-locking "WARNING: possible circular locking dependency detected"
	sees lockdep-inconsistent-lock-state "WARNING: inconsistent lock state"
	sees lockdep-recursive-locking "WARNING: possible recursive locking detected"
	sees lockdep-suspicious-RCU-usage "WARNING: suspicious RCU usage"
	sees lockdep "WARNING: bad unlock balance detected!"
	sees atomic-sleep "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580"
	sees hung-task "INFO: task smp_test:240 blocked for more than 61 seconds."
	sees RCU-stall "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"
	sees RCU-stall/self-detected "rcu: INFO: rcu_preempt self-detected stall on CPU"
	sees soft-lockup "watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [smp_test:240]"
	sees hard-lockup "NMI watchdog: Watchdog detected hard LOCKUP on cpu 1"
	sees Kernel-panic "Kernel panic - not syncing: Fatal exception"
	sees kernel-BUG "kernel BUG at host/vcpu.c:88!"
	sees general-protection-fault "general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN"
	sees Oops "invalid opcode: 0000 [#1] PREEMPT SMP KASAN"
	sees Oops/NULL-pointer "BUG: kernel NULL pointer dereference, address: 0000000000000008"
	sees unknown-NMI "Uhhuh. NMI received for unknown reason 30 on CPU 0."
	sees unchecked-MSR-access "unchecked MSR access error: RDMSR from 0xc0011029 at rIP: 0xffffffff8107c5a4 (native_read_msr+0x4/0x30)"
	sees hyv-host-error "hyv: INVEPT type 1 of 0x0 failed"
	sees hyv-host-error/VMCLEAR "hyv: VMCLEAR of 0x0000000003a1c000 failed"
	sees hyv-host-error/cannot-enable "hyv: cannot enable SVM on CPU 1: -16"
	sees BUG "BUG: workqueue leaked lock or atomic: kworker/0:1/0x00000000/12"
	sees INFO "INFO: trying to do something odd"
}

# What looks like a report but is none: boot notes, hyv's rate-limited
# guest-caused messages, a user program's fault, the runner's records.
clean_log() {
	console <<-'EOF' | check kernel-log-passes-a-clean-log "ok m:kernel:clean"
	Speculative Return Stack Overflow: WARNING: See https://kernel.org/doc/html/latest/admin-guide/hw-vuln/srso.html for mitigation options.
	ODEBUG: selftest passed
	kmemleak: Kernel memory leak detector initialized (mem pool available: 15760)
	hyv: SVM with NPT
	hyv: vm3: vcpu0: unhandled exit 0x7b
	hyv: vm4: vcpu0: entry failed: 0xffffffffffffffff
	traps: abi_test[231] general protection fault ip:401a2b sp:7ffc1d2e3f40 error:0 in abi_test[401000+b2000]
	HYVT: not ok abi_test:vm.fails_on_purpose
	HYVT: # WARNING: the test's own words, not the kernel's
	EOF
}

# leak FRAME [COMM]: kmemleak's verbose report of one leak, FRAME in its
# stack, allocated by COMM (default: a kernel thread).
leak() {
	echo "kmemleak: unreferenced object 0xffff888003a1c400 (size 64):"
	echo "kmemleak:   comm \"${2:-kworker/0:1}\", pid 240, jiffies 4294937296"
	echo "kmemleak:   hex dump (first 32 bytes):"
	echo "kmemleak:     00 00 00 00 00 00 00 00 6b 6b 6b 6b 6b 6b 6b 6b  ........kkkkkkkk"
	echo "kmemleak:   backtrace:"
	echo "kmemleak:     [<00000000a1b2c3d4>] kmalloc_trace+0x26/0x90"
	echo "kmemleak:     [<00000000a1b2c3d5>] $1"
	echo "kmemleak:     [<00000000a1b2c3d6>] __x64_sys_ioctl+0x8d/0xd0"
}

# kmemleak with verbose on: a leak allocated by hyv (a frame in hyv, the
# bare address of a module unloaded since, or a hyv test's allocation)
# fails; others are a note.
kmemleak_reports() {
	{ leak "hyv_doorbell_assign+0x5c/0x1f0 [hyv]"; echo "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"; } |
		console | check kernel-log-sees-kmemleak-in-hyv "not ok m:kernel:kmemleak" "ok m:kernel:clean"
	leak 0xffffffffc0a1b2c3 | console |
		check kernel-log-sees-kmemleak-in-an-unloaded-module "not ok m:kernel:kmemleak" "ok m:kernel:clean"
	leak "do_eventfd+0x4b/0x1b0" eventfd_test | console |
		check kernel-log-sees-kmemleak-of-a-hyv-test "not ok m:kernel:kmemleak" "ok m:kernel:clean"
	leak "acpi_ns_root_initialize+0x4d/0x2c0" swapper/0 | console |
		check kernel-log-notes-kmemleak-outside-hyv "ok m:kernel:clean" "not ok m:kernel:kmemleak"
}

# The power-off test: judged from the console after the runner's marker.
power_off() {
	local name=shutdown:power-off-with-running-vcpus
	printf '%s\n' "HYVT: power-off-test" "hyv: unloaded" "reboot: Power down" | console |
		check power-off-passes-a-clean-power-down "ok m:$name"
	printf '%s\n' "HYVT: power-off-test" "ACPI: PM: Preparing to enter system sleep state S5" | console |
		check power-off-sees-a-truncated-console "not ok m:$name"
	printf '%s\n' "HYVT: power-off-test" "invalid opcode: 0000 [#1] PREEMPT SMP KASAN" \
		"RIP: 0010:svm_vcpu_run+0x1a2/0x3b0 [hyv]" "reboot: Power down" | console |
		check power-off-sees-an-oops-on-the-way-down "not ok m:$name"
}

# tally.sh with a plan: machine m expects 3 tests of suite s, 4 in all.
tally() {
	printf '%s\n' "m s 3" "m * 4" >"$tmp/expected"
	printf '%s\n' "m s:may-skip the reason" >"$tmp/skips"
	"$testbed/tally.sh" --skips "$tmp/skips" --expect "$tmp/expected" --machines m || true
}

tally_judges() {
	printf '%s\n' "ok m:s:a" "ok m:s:b # SKIP no reason to" "ok m:s:may-skip # SKIP allowed" \
		"ok m:t:c" "@end m" "@done" | tally >"$tmp/tally"
	check tally-fails-an-unlisted-skip "not ok 2 m:s:b" <"$tmp/tally"
	check tally-passes-a-listed-skip "ok 3 m:s:may-skip # SKIP allowed" <"$tmp/tally"
	check tally-counts-a-full-run "m: 3 passed, 1 failed, 1 skipped" <"$tmp/tally"
	printf '%s\n' "ok m:s:a" "ok m:s:b" "not ok m:run:incomplete" "@end m" "@done" | tally |
		check tally-sees-a-machine-stopped-half-way "not ok 5 m:s:tests-missing"
	printf '%s\n' "@done" | tally | check tally-sees-a-machine-that-never-ran "not ok 1 m:all:tests-missing"
	printf '%s\n' "ok m:s:a" "ok m:s:a" "ok m:s:b" "ok m:t:c" "@end m" "@done" | tally |
		check tally-counts-a-repeated-test-once "not ok 6 m:s:tests-missing"
}

# hung-cpus.awk names a hung CPU's RIP from System.map and the runner's
# _text (KASLR moved the kernel by 0x10400000 here).
hung_cpus() {
	printf '%s\n' "ffffffff81000000 T _text" "ffffffff81a59200 T default_idle" \
		"ffffffff81a592e0 T native_safe_halt" "ffffffff82000000 T _etext" >"$tmp/System.map"
	printf '%s\r\n' "CPU#1" "RSI=0 RDI=0 RBP=0 RSP=ffffc90000013e58" \
		"RIP=ffffffff91e592eb RFL=00000202 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=1" \
		"CPU#0" "RIP=ffffffffc05fd00e RFL=00000282 [--S----] CPL=0 II=0 A20=1 SMM=0 HLT=0" \
		"(qemu) ffffc90000013e58: 0xffffffff91e59210 0x0000000000000000" >"$tmp/monitor.log"
	awk -v text=ffffffff91400000 -f "$testbed/hung-cpus.awk" "$tmp/System.map" "$tmp/monitor.log" |
		tee "$tmp/hung" | check hung-cpus-names-where-a-cpu-is "cpu1: RIP ffffffff91e592eb native_safe_halt+0xb CPL=0 HLT=1"
	check hung-cpus-reads-the-stack "cpu1: text addresses on the stack: default_idle+0x10" <"$tmp/hung"
	check hung-cpus-says-module-space \
		"cpu0: RIP ffffffffc05fd00e (in a module: see the NMI backtraces) CPL=0 HLT=0" <"$tmp/hung"
}

kernel_reports
clean_log
kmemleak_reports
power_off
tally_judges
hung_cpus

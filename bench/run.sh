#!/bin/bash
# `make bench`: build the bench programs and hyv.ko for the stock Debian
# kernel, boot that kernel as L1 in QEMU TCG (-cpu EPYC: SVM with NPT)
# once per mode, run every benchmark in that one boot (bench/l1/init),
# and print the tables of hyv beside KVM (bench/report.awk). Writes, under
# build/bench/:
#
#   samples-MODE.txt  every measurement, one line each, as L1 sent it
#   results.tsv       the tables, one line per mode, workload and side
#   results.json      the same, with the commit, for comparing commits
#   history/          a copy of results.json per run, named by date+commit
#   console-MODE.log  the L1 console (the L2 consoles are in it too)
#
# Environment: HYVB_ROUNDS (exit round trips, default 7), HYVB_L2ROUNDS
# (L2 boots, default 5; each boots the L2 under QEMU + KVM and under
# hyv-run on hyv.ko), HYVB_STALL (seconds without a result before a
# benchmark program is killed and reported failed, default 240; an L1 that
# prints nothing for that long plus 5 minutes is killed and the next mode
# runs), HYVB_SCALE (percent of each workload's
# operations, default 100), HYVB_WORKLOADS (comma-separated hyv-bench
# workloads, default all), HYVB_SOURCE (HEAD, the default: hyv.ko and
# its uapi headers from the last commit; worktree: from the working
# tree), HYVB_TIMEOUT (seconds for the whole L1 run,
# default 2700, per boot), HYVB_MODES (the L1 boots, default "wall icount":
# wall is TCG on the build machine's clock, icount runs QEMU with -icount
# so that L1's clock follows the instructions L1 executes and the build
# machine's load does not reach the figures), KDIR (kernel headers; default the newest stock ones).
# A benchmark reports, it does not gate: the exit status is non-zero only
# when the machine could not be built or booted, or produced no rows.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
out=$repo/build/bench
rounds=${HYVB_ROUNDS:-7}
l2rounds=${HYVB_L2ROUNDS:-5}
scale=${HYVB_SCALE:-100}
workloads=${HYVB_WORKLOADS:-all}
src_from=${HYVB_SOURCE:-HEAD}
timeout=${HYVB_TIMEOUT:-2700}
stall=${HYVB_STALL:-240}
modes=${HYVB_MODES:-wall icount}
KDIR=${KDIR:-$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)}
MAKE=${MAKE:-make}
start=$SECONDS

note() {
	echo "# $*"
}

die() {
	echo "bench: $*" >&2
	exit 1
}

# hyv.ko from the committed tree (HEAD), so that the commit in the
# results names exactly what was measured; HYVB_SOURCE=worktree takes the
# working tree instead (the results then say "+dirty"). Either way a copy:
# its objects never mix with another build's.
export_source() {
	local src=$out/src
	rm -rf "$src"
	mkdir -p "$src"
	if [ "$src_from" = worktree ]; then
		rsync -a --prune-empty-dirs --exclude=/build/ --exclude=/.git/ \
			--exclude='*.mod.c' --include='*/' --include=Kbuild \
			--include='*.[chS]' --include='*.inc' --exclude='*' "$repo/" "$src/"
	else
		git -C "$repo" archive HEAD Kbuild host uapi | tar -x -C "$src"
	fi
}

build_module() {
	"$MAKE" -C "$KDIR" M="$out/src" modules
}

build() {
	mkdir -p "$out"
	note "building the bench programs and hyv.ko (logs in build/bench/build-*.log)"
	export_source
	"$MAKE" -C "$bench" --no-print-directory OUT="$out/bin" UAPI="$out/src/uapi" \
		>"$out/build-bench.log" 2>&1 ||
		{ tail -n 20 "$out/build-bench.log"; die "building bench/ failed"; }
	"$MAKE" -C "$repo/vmm" --no-print-directory hyv-run >>"$out/build-bench.log" 2>&1 ||
		{ tail -n 20 "$out/build-bench.log"; die "building vmm/hyv-run failed"; }
	install -m 755 "$repo/vmm/hyv-run" "$out/bin/hyv-run"
	# The PV guest drivers for the L2 under hyv-run (built against the
	# same stock kernel's headers as the L2 runs).
	"$MAKE" -C "$repo" --no-print-directory KDIR="$KDIR" guest-drivers \
		>"$out/build-guest-drivers.log" 2>&1 ||
		{ tail -n 20 "$out/build-guest-drivers.log"; die "building guest-drivers failed"; }
	build_module >"$out/build-module.log" 2>&1 ||
		{ tail -n 20 "$out/build-module.log"; die "building hyv.ko failed"; }
	"$bench/initramfs.sh" l2 "$out/l2-initrd.cpio" "$version" "$out/bin" \
		"$repo/build/guest-drivers-stock/guest-drivers"
	"$bench/initramfs.sh" l1 "$out/l1-initrd.cpio" "$version" "$out/bin" \
		"$out/src/host/hyv.ko" "$out/l2-initrd.cpio"
	note "L1 initramfs: $(du -m "$out/l1-initrd.cpio" | cut -f1) MiB; built in $((SECONDS - start)) s"
}

# boot MODE: boot L1 and print its result lines as they arrive; kill it
# at the timeout. MODE wall: TCG as it is, L1's clock is real time;
# MODE icount: QEMU -icount shift=0,sleep=off, L1's clock advances 1 ns
# per instruction L1 executes.
boot() {
	local mode=$1 pid raw=$out/samples-$1.txt lines=0 total began=$SECONDS
	local last=$SECONDS
	local -a extra=()
	rm -f "$raw" "$out/console-$mode.log"
	touch "$raw"
	[ "$mode" != icount ] || extra=(-icount shift=0,sleep=off)
	note "$mode: booting L1 (console in build/bench/console-$mode.log)"
	qemu-system-x86_64 -accel tcg -cpu EPYC -m 2048 -smp 1 "${extra[@]}" \
		-nodefaults -display none -no-reboot \
		-kernel "/boot/vmlinuz-$version" -initrd "$out/l1-initrd.cpio" \
		-append "console=ttyS0 quiet panic=-1 hyvb.rounds=$rounds hyvb.l2rounds=$l2rounds hyvb.scale=$scale hyvb.workloads=$workloads hyvb.stall=$stall" \
		-serial "file:$out/console-$mode.log" -serial "file:$raw" \
		2>"$out/emulator-$mode.log" &
	pid=$!
	trap 'kill -KILL $pid 2>/dev/null || true' EXIT
	while kill -0 "$pid" 2>/dev/null; do
		if [ $((SECONDS - began)) -ge "$timeout" ]; then
			note "$mode: L1 still running after $timeout s: killed"
			kill -KILL "$pid"
			break
		fi
		# Inside L1 every program has a stall limit; an L1 silent for
		# longer than that (l2-run's 900 s included) is itself stuck.
		if [ $((SECONDS - last)) -ge $((stall + 900)) ]; then
			note "$mode: no result for $((SECONDS - last)) s: L1 killed (stall watchdog)"
			echo "fail l1-stalled $mode" >>"$raw"
			kill -KILL "$pid"
			break
		fi
		total=$(wc -l <"$raw")
		if [ "$total" -gt "$lines" ]; then
			last=$SECONDS
			sed -n "$((lines + 1)),${total}p" "$raw" | tr -d '\r' |
				grep -E '^(# |fail )' | sed "s/^/$mode: /" || true
			lines=$total
		fi
		sleep 2
	done
	wait "$pid" || true
	trap - EXIT
	sed -i 's/\r$//' "$raw"
	note "$mode: L1 ran for $((SECONDS - began)) s"
	grep -q '^end$' "$raw" ||
		{ note "$mode: L1 did not finish; console:"; tail -n 30 "$out/console-$mode.log" | sed 's/^/# /'; }
}

# report MODE: print the table of one boot, add it to results.tsv and
# write its JSON object to build/bench/results-MODE.json.
report() {
	local mode=$1 machine="QEMU TCG -cpu EPYC -smp 1 -m 2048, stock Debian L1"
	[ "$mode" != icount ] || machine="$machine, -icount shift=0,sleep=off"
	echo
	echo "== $mode: $machine"
	awk -v mode="$mode" -v machine="$machine" -v tsv="$out/results.tsv" \
		-v json="$out/results-$mode.json" \
		-f "$bench/report.awk" "$out/samples-$mode.txt" | grep -v '^# \(round\|L2 round\)'
}

# results.json: the commit, the date and each mode's object.
write_json() {
	local commit date hist mode sep=
	commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ "$src_from" = worktree ]; then
		git -C "$repo" diff --quiet HEAD -- Kbuild host uapi 2>/dev/null || commit="$commit+dirty"
	fi
	date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	{
		printf '{"commit": "%s", "date": "%s", "l1_kernel": "%s", "rounds": %d, "l2_rounds": %d, "scale_percent": %d,\n "modes": {' \
			"$commit" "$date" "$version" "$rounds" "$l2rounds" "$scale"
		for mode in $modes; do
			printf '%s\n "%s": ' "$sep" "$mode"
			cat "$out/results-$mode.json"
			sep=,
		done
		printf '}}\n'
	} >"$out/results.json"
	mkdir -p "$out/history"
	hist=$out/history/$(date -u +%Y%m%d-%H%M%S)-$commit.json
	cp "$out/results.json" "$hist"
	note "results: build/bench/results.{tsv,json}, ${hist#"$repo"/}"
}

[ -d "$KDIR" ] || die "no kernel headers (KDIR=$KDIR)"
version=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")
[ -f "/boot/vmlinuz-$version" ] || die "no /boot/vmlinuz-$version for KDIR=$KDIR"
build
for mode in $modes; do
	boot "$mode"
done
printf 'mode\tworkload\tside\tmedian_ns\tmin_ns\tmax_ns\truns\tops\texits_per_op\n' >"$out/results.tsv"
for mode in $modes; do
	report "$mode"
done
write_json
note "make bench: $((SECONDS - start)) s in all"
grep -q '^row ' "$out"/samples-*.txt

#!/bin/bash
# Pack an initramfs for the testbed machines: static busybox with all its
# applet links, the machine-neutral /init and runner scripts of
# testbed/guest/, and the given modules and programs.
#
#   initramfs.sh -o OUT.cpio.gz -m check|demo [-k MODULE.ko]... \
#                [-t SELFTEST]... [-b PROGRAM]... [-d PROGRAM]... [-f SRC=DEST]...
#
# -m picks /hyvt/main: guest/check.sh (the test runner) or guest/demo.sh.
# Modules go to /lib/hyv/, selftests to /selftests/, programs to /bin/
# (-d: a dynamically linked one, with its libraries and loader), other
# files (-f, e.g. the L2 kernel) to DEST.
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

add_busybox() {
	local root=$1 applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin}
	install -m 755 /bin/busybox "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
}

add_runner() {
	local root=$1 mode=$2
	install -m 755 "$testbed/guest/init" "$root/init"
	install -D -m 644 "$testbed/guest/lib.sh" "$root/hyvt/lib.sh"
	install -m 644 "$testbed/guest/tap.awk" "$root/hyvt/tap.awk"
	install -m 644 "$testbed/guest/l2.sh" "$root/hyvt/l2.sh"
	install -m 644 "$testbed/guest/l2pv.sh" "$root/hyvt/l2pv.sh"
	install -m 644 "$testbed/guest/l2hostile.sh" "$root/hyvt/l2hostile.sh"
	install -m 755 "$testbed/guest/$mode.sh" "$root/hyvt/main"
}

pack() {
	local root=$1 out=$2
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
}

main() {
	local out='' mode='' opt root f
	local -a mods=() tests=() bins=() dyns=() files=()
	while getopts o:m:k:t:b:d:f: opt; do
		case "$opt" in
		o) out=$OPTARG ;;
		m) mode=$OPTARG ;;
		k) mods+=("$OPTARG") ;;
		t) tests+=("$OPTARG") ;;
		b) bins+=("$OPTARG") ;;
		d) dyns+=("$OPTARG") ;;
		f) files+=("$OPTARG") ;;
		*) return 2 ;;
		esac
	done
	if [ -z "$out" ] || [ ! -f "$testbed/guest/$mode.sh" ]; then
		echo "usage: initramfs.sh -o OUT -m check|demo|l2main [-k KO] [-t TEST] [-b BIN] [-d BIN] [-f SRC=DEST]" >&2
		return 2
	fi
	root=$out.root
	rm -rf "$root"
	mkdir -p "$root"/{dev,proc,sys,tmp,lib/hyv,selftests}
	add_busybox "$root"
	add_runner "$root" "$mode"
	[ "${#mods[@]}" = 0 ] || install -m 644 "${mods[@]}" "$root/lib/hyv/"
	[ "${#tests[@]}" = 0 ] || install -m 755 "${tests[@]}" "$root/selftests/"
	[ "${#bins[@]}" = 0 ] || install -m 755 "${bins[@]}" "$root/bin/"
	for f in "${dyns[@]}"; do
		add_dynamic "$root" "$f" "bin/${f##*/}"
	done
	for f in "${files[@]}"; do
		install -D -m 644 "${f%%=*}" "$root/${f#*=}"
	done
	pack "$root" "$out"
	rm -rf "$root"
}

main "$@"

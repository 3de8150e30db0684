#!/bin/bash
# Pack the L2 guest's initramfs: static busybox with its applet links and
# testbed/l2/init. Uncompressed: the stock kernel then copies it without
# inflating, which saves seconds of emulated CPU. With PV_DIR (the
# guest drivers built against the stock kernel, make guest-drivers), its
# hyv_pv.ko, hyv_pvblk.ko and hyv_pvnet.ko go to /lib/hyv-pv, and the
# network tests' tools come along: the host's ethtool (testbed/setup.sh
# installs it) and iproute2's tc (as /usr/lib/hyv-net/tc) with their
# shared libraries and loader, and udpsend
# (testbed/l2/udpsend.c, built static here).
#
#   l2-initramfs.sh OUT.cpio [PV_DIR]
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

# Copy the program $2 into the tree $1 as $3 (default: the same path)
# with what ldd says it loads.
copy_dynamic() {
	local root=$1 prog=$2 dest=${3:-$2} lib
	install -D -m 755 "$prog" "$root$dest"
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
	done
}

main() {
	local out=${1:?usage: l2-initramfs.sh OUT.cpio [PV_DIR]} pv=${2:-} root applet
	root=$out.root
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
	install -m 755 /bin/busybox "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	install -m 755 "$testbed/l2/init" "$root/init"
	if [ -n "$pv" ]; then
		mkdir -p "$root/lib/hyv-pv"
		install -m 644 "$pv/common/hyv_pv.ko" "$pv/pvblk/hyv_pvblk.ko" \
			"$pv/pvnet/hyv_pvnet.ko" "$root/lib/hyv-pv/"
		copy_dynamic "$root" "$(command -v ethtool || echo /usr/sbin/ethtool)"
		# iproute2's tc, for the queue discipline's drop counters
		# (busybox's tc has no -s); beside busybox's own.
		copy_dynamic "$root" /usr/sbin/tc /usr/lib/hyv-net/tc
		gcc -static -O2 -Wall -Werror -o "$root/usr/bin/udpsend" \
			"$testbed/l2/udpsend.c"
	fi
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

main "$@"

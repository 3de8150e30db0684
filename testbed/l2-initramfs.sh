#!/bin/bash
# Pack the L2 guest's initramfs: static busybox with its applet links and
# testbed/l2/init. Uncompressed: the stock kernel then copies it without
# inflating, which saves seconds of emulated CPU.
#
#   l2-initramfs.sh OUT.cpio
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

main() {
	local out=${1:?usage: l2-initramfs.sh OUT.cpio} root applet
	root=$out.root
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
	install -m 755 /bin/busybox "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	install -m 755 "$testbed/l2/init" "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

main "$@"

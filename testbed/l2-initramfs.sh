#!/bin/bash
# Pack the L2 guest's initramfs: static busybox with its applet links and
# testbed/l2/init. Uncompressed: the stock kernel then copies it without
# inflating, which saves seconds of emulated CPU. With PV_DIR (the
# guest drivers built against the stock kernel, make guest-drivers), its
# hyv_pv.ko, hyv_pvblk.ko and hyv_pvnet.ko go to /lib/hyv-pv.
#
#   l2-initramfs.sh OUT.cpio [PV_DIR]
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

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
	fi
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

main "$@"

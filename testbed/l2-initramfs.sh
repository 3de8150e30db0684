#!/bin/bash
# Pack the L2 guest's initramfs: static busybox with its applet links and
# testbed/l2/init. Uncompressed: the stock kernel then copies it without
# inflating, which saves seconds of emulated CPU. With PV_DIR (the
# guest drivers built against the stock kernel, make guest-drivers), its
# hyv_pv.ko, hyv_pvblk.ko and hyv_pvnet.ko go to /lib/hyv-pv, and what
# the PV block tests use beside them: ext4 and the modules it needs from
# the build machine's /lib/modules/KVER (KVER: the stock kernel's
# version) to /lib/hyv-pv/fs, mkfs.ext4 with its libraries, and
# testbed/tools/blkverify (make testbed-tools) when it is built; and the
# network tests' tools: the host's ethtool (testbed/setup.sh installs it)
# and iproute2's tc (as /usr/lib/hyv-net/tc) with their shared libraries
# and loader, and udpsend (testbed/l2/udpsend.c, built static here).
#
#   l2-initramfs.sh OUT.cpio [PV_DIR [KVER]]
set -euo pipefail
# shellcheck source=testbed/lib.sh
. "$(dirname "$0")/lib.sh"

main() {
	local out=${1:?usage: l2-initramfs.sh OUT.cpio [PV_DIR [KVER]]} pv=${2:-} kver=${3:-}
	local root applet m ethtool
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
		[ ! -x "$repo/build/testbed-tools/blkverify" ] ||
			install -m 755 "$repo/build/testbed-tools/blkverify" "$root/bin/"
		add_dynamic "$root" /usr/sbin/mke2fs sbin/mkfs.ext4
		install -D -m 644 /etc/mke2fs.conf "$root/etc/mke2fs.conf"
		ethtool=$(command -v ethtool || echo /usr/sbin/ethtool)
		add_dynamic "$root" "$ethtool" "${ethtool#/}"
		# iproute2's tc, for the queue discipline's drop counters
		# (busybox's tc has no -s); beside busybox's own.
		add_dynamic "$root" /usr/sbin/tc usr/lib/hyv-net/tc
		gcc -static -O2 -Wall -Werror -o "$root/usr/bin/udpsend" \
			"$testbed/l2/udpsend.c"
	fi
	if [ -n "$pv" ] && [ -n "$kver" ]; then
		# In load order (modules.dep; ext4 asks the crypto API for crc32c).
		mkdir -p "$root/lib/hyv-pv/fs"
		for m in lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4; do
			install -m 644 "/lib/modules/$kver/kernel/$m.ko" "$root/lib/hyv-pv/fs/"
		done
		echo "crc16 mbcache jbd2 crc32c_generic ext4" >"$root/lib/hyv-pv/fs/order"
	fi
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

main "$@"

#!/bin/bash
# Pack the two initramfs archives of the bench machine (uncompressed cpio:
# the kernel copies it without inflating, which in TCG saves seconds):
#
#   initramfs.sh l2 OUT.cpio VERSION BIN_DIR PV_DIR
#       the L2 guest: busybox, bench/l2/init, the virtio-blk modules of
#       kernel VERSION, hyv_pv.ko and hyv_pvblk.ko from PV_DIR (the
#       guest-drivers build), blkbench
#   initramfs.sh l1 OUT.cpio VERSION BIN_DIR HYV_KO L2_CPIO
#       the L1: busybox, bench/l1/init, kvm/kvm-amd/brd of kernel VERSION
#       and hyv.ko, all bench programs and hyv-run, QEMU with every library it links
#       and the firmware it loads, the L2 kernel (/boot/vmlinuz-VERSION)
#       and L2_CPIO
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

add_busybox() {
	local root=$1 applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
	install -m 755 /bin/busybox "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
}

# add_module ROOT DIR VERSION PATH...: kernel modules (paths under
# kernel/), decompressed if the distribution compressed them.
add_modules() {
	local root=$1 dir=$2 ver=$3 rel src
	shift 3
	mkdir -p "$root/$dir"
	for rel in "$@"; do
		src=/lib/modules/$ver/kernel/$rel
		if [ -f "$src" ]; then
			install -m 644 "$src" "$root/$dir/"
		elif [ -f "$src.xz" ]; then
			xz -dc "$src.xz" >"$root/$dir/$(basename "$rel")"
		else
			echo "initramfs: no module $src" >&2
			return 1
		fi
	done
}

# QEMU, every library ldd lists (at the same paths) and its firmware.
add_qemu() {
	local root=$1 qemu lib f
	qemu=$(command -v qemu-system-x86_64)
	install -D -m 755 "$qemu" "$root/usr/bin/qemu-system-x86_64"
	for lib in $(ldd "$qemu" | grep -o '/[^ ]*'); do
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
	# Debian's QEMU looks in /usr/share/qemu and /usr/share/seabios.
	mkdir -p "$root/usr/share/qemu" "$root/usr/share/seabios"
	for f in bios-256k.bin linuxboot_dma.bin kvmvapic.bin; do
		for d in /usr/share/qemu /usr/share/seabios; do
			[ ! -e "$d/$f" ] || cp -L "$d/$f" "$root$d/$f"
		done
	done
}

pack() {
	local root=$1 out=$2
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
}

main() {
	local kind=$1 out=$2 ver=$3 bin=$4 root
	root=$out.root
	rm -rf "$root"
	add_busybox "$root"
	case "$kind" in
	l2)
		install -m 755 "$here/l2/init" "$root/init"
		add_modules "$root" lib/l2 "$ver" \
			drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko \
			drivers/virtio/virtio_pci_modern_dev.ko \
			drivers/virtio/virtio_pci_legacy_dev.ko \
			drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko
		install -m 644 "$5/common/hyv_pv.ko" "$5/pvblk/hyv_pvblk.ko" "$root/lib/l2/"
		install -m 755 "$bin/blkbench" "$root/bin/"
		;;
	l1)
		install -m 755 "$here/l1/init" "$root/init"
		add_modules "$root" lib/bench "$ver" \
			virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko \
			drivers/crypto/ccp/ccp.ko arch/x86/kvm/kvm-amd.ko \
			drivers/block/brd.ko
		install -m 644 "$5" "$root/lib/bench/hyv.ko"
		install -m 755 "$bin"/{hyv-bench,kvm-bench,native-bench,blkbench,l2-run,hyv-run} "$root/bin/"
		add_qemu "$root"
		install -D -m 644 "/boot/vmlinuz-$ver" "$root/l2/vmlinuz"
		install -m 644 "$6" "$root/l2/initrd.cpio"
		;;
	*)
		echo "usage: initramfs.sh l1|l2 OUT VERSION BIN_DIR [PV_DIR | HYV_KO L2_CPIO]" >&2
		return 2
		;;
	esac
	pack "$root" "$out"
	rm -rf "$root"
}

main "$@"

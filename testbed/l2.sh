# The L2 part of the testbed (sourced by check.sh and l2-check.sh): what
# an L1 initramfs needs to boot the stock Debian kernel as an L2 guest
# under hyv-run: vmm/hyv-run, /boot/vmlinuz-VERSION (VERSION of the KDIR
# headers) as /l2/vmlinuz, and the L2 initramfs (l2-initramfs.sh) as
# /l2/initrd, with the PV guest drivers of build/guest-drivers-stock when
# they are built. The suite itself runs inside L1: guest/l2.sh.
# shellcheck shell=bash
# shellcheck disable=SC2154 # repo, testbed, logs: from lib.sh, sourced first

# The stock kernel that the KDIR headers belong to.
l2_kernel() {
	echo "/boot/vmlinuz-$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")"
}

# l2_initramfs_args L1_BUILD_DIR: the initramfs.sh arguments that add
# the L2 pieces (none, with a note, when hyv-run or the stock kernel is
# missing), and the L1 kernel's KVM modules, with which the same L2 also
# boots under hyv-run --accel kvm for comparison.
l2_initramfs_args() {
	local kernel l1=$1 m pv kver
	kernel=$(l2_kernel)
	kver=${kernel#/boot/vmlinuz-}
	if [ ! -x "$repo/vmm/hyv-run" ] || [ ! -f "$kernel" ]; then
		echo "# L2: no vmm/hyv-run or $kernel; the L2 suite is skipped" >&2
		return
	fi
	pv=$repo/build/guest-drivers-stock/guest-drivers
	[ -f "$pv/pvnet/hyv_pvnet.ko" ] ||
		{ echo "# L2: no PV guest drivers (make guest-drivers); no PV tests" >&2; pv=; }
	"$testbed/l2-initramfs.sh" "$logs/l2-initrd.cpio" ${pv:+"$pv" "$kver"}
	echo -n "-b $repo/vmm/hyv-run -f $kernel=l2/vmlinuz -f $logs/l2-initrd.cpio=l2/initrd"
	# L1 checks the file system that L2 wrote on a PV disk.
	[ -z "$pv" ] || echo -n " -d /usr/sbin/debugfs -d /usr/sbin/e2fsck"
	for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko drivers/crypto/ccp/ccp.ko \
		arch/x86/kvm/kvm-amd.ko arch/x86/kvm/kvm-intel.ko; do
		[ ! -f "$l1/$m" ] || echo -n " -f $l1/$m=lib/hyv/kvm/${m##*/}"
	done
	# TAP for the PV network device, where the L1 kernel has it as a module.
	[ ! -f "$l1/drivers/net/tun.ko" ] || echo -n " -f $l1/drivers/net/tun.ko=lib/hyv/tun.ko"
	echo
}

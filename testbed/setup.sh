#!/bin/bash
# Install the Debian 12 packages hyv's build and testbed need, and only
# those that are missing: a fresh machine needs no hand steps, and on a
# machine that has everything this is a fast no-op (no apt-get at all).
set -euo pipefail

packages=(
	# emulated machines: QEMU (SVM) and Bochs (VMX, booted from a GRUB ISO)
	qemu-system-x86
	bochs bochsbios vgabios bochs-term
	grub-pc-bin grub-common xorriso mtools
	# kernels: the L1 test kernel's source, the stock kernel and its headers
	linux-source-6.1 linux-image-amd64 linux-headers-amd64
	# kernel and module build
	gcc make perl bc flex bison libelf-dev libssl-dev dwarves rsync
	xz-utils lz4
	# PV block backend of the VMM (vmm/pv): io_uring, linked statically
	liburing-dev
	# static checks (make sparse)
	sparse
	# initramfs
	busybox-static cpio
	# the L2 PV network tests copy ethtool and tc into the L2 initramfs
	ethtool iproute2
	# hyv-run's unit tests decode its ACPI tables with iasl -d
	acpica-tools
)

# Print the packages dpkg does not list as installed.
missing_packages() {
	local p status
	for p in "${packages[@]}"; do
		status=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null) || status=
		[ "$status" = installed ] || echo "$p"
	done
}

# Run a command as root: directly, or through sudo when not root.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "setup: need root (or sudo) to run: $*" >&2
		return 1
	fi
}

main() {
	local missing
	mapfile -t missing < <(missing_packages)
	[ "${#missing[@]}" -gt 0 ] || return 0
	echo "setup: installing ${missing[*]}" >&2
	as_root apt-get update -q >&2
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q "${missing[@]}" >&2
}

main "$@"

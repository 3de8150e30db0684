#!/bin/bash
# Build (or reuse) the L1 test kernel: Debian's linux-source-6.1 with
# testbed/l1-kernel.config over x86_64_defconfig, cached outside the
# checkout ($HYV_CACHE, default ~/.cache/hyv) and keyed by the fragment and
# the source package version.
#
#   l1-kernel.sh            build if needed; print the build directory
#                           (bzImage at arch/x86/boot/bzImage, usable as a
#                           module build tree with M=) on the last line
#   l1-kernel.sh --variant vmx
#                           the same with testbed/l1-kernel-vmx.config's
#                           overrides on top (the VMX machine's kernel)
#   l1-kernel.sh --source   unpack if needed; print the kernel source tree
#
# HYV_L1_CONFIG names another base fragment (e.g. a variant to measure).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${HYV_CACHE:-$HOME/.cache/hyv}
frags=("${HYV_L1_CONFIG:-$here/l1-kernel.config}")
if [ "${1:-}" = --variant ]; then
	frags+=("$here/l1-kernel-$2.config")
	shift 2
fi
srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1)
key=$( (echo "$srcver"; cat "${frags[@]}") | sha256sum | cut -c1-16)
src=$cache/linux-source-$srcver
out=$cache/l1-$key

# Unpack /usr/src/linux-source-6.1.tar.xz into $src once.
unpack_source() {
	[ ! -f "$src/.unpacked" ] || return 0
	echo "l1-kernel: unpacking linux-source $srcver" >&2
	mkdir -p "$cache"
	rm -rf "$src" "$cache/linux-source-6.1"
	tar -C "$cache" -xf /usr/src/linux-source-6.1.tar.xz
	mv "$cache/linux-source-6.1" "$src"
	touch "$src/.unpacked"
}

# Write $out/.config: x86_64_defconfig with the fragments merged over it.
configure() {
	mkdir -p "$out"
	make -s -C "$src" O="$out" x86_64_defconfig >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
	make -s -C "$src" O="$out" olddefconfig >&2
}

# Every line of the fragments must have stuck (the last one to name an
# option wins); a silently dropped option would make tests pass on a
# kernel that lacks what they need.
verify_config() {
	local line opt val bad=0
	declare -A want=()
	while IFS= read -r line; do
		case "$line" in ''|'#'*) continue ;; esac
		want[${line%%=*}]=${line#*=}
	done < <(cat "${frags[@]}")
	for opt in "${!want[@]}"; do
		val=${want[$opt]}
		if [ "$val" = n ]; then
			grep -q "^$opt=" "$out/.config" && { echo "l1-kernel: $opt is not off" >&2; bad=1; }
		else
			grep -qxF "$opt=$val" "$out/.config" || { echo "l1-kernel: $opt=$val did not stick" >&2; bad=1; }
		fi
	done
	return "$bad"
}

build() {
	echo "l1-kernel: building $out (first time only; ~7 min on 2 cores)" >&2
	configure
	verify_config
	nice make -C "$src" O="$out" -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 ||
		{ tail -40 "$out/build.log" >&2; return 1; }
	touch "$out/.built"
}

main() {
	# One unpack, and one build per kernel, at a time: several checkouts
	# (or a make check beside a make bench) share the cache.
	mkdir -p "$cache"
	exec 8>"$cache/.lock-source" 9>"$cache/.lock-$key"
	flock 8
	unpack_source
	flock -u 8
	if [ "${1:-}" = --source ]; then
		echo "$src"
		return
	fi
	flock 9
	[ -f "$out/.built" ] || build
	echo "$out"
}

main "$@"

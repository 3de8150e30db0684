# Shared by the testbed's host-side scripts (sourced): paths and the
# progress notes, which go to stdout as TAP comments between the results.
# shellcheck shell=bash disable=SC2034 # the paths are for the sourcing scripts
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
testbed=$repo/testbed
logs=$repo/build/testbed
mkdir -p "$logs"

note() {
	echo "# $*"
}

# Print a file's last lines as TAP comments.
note_tail() {
	tail -n "${2:-20}" "$1" | sed 's/^/# /'
}

# One make check or make run at a time in a checkout: they share the
# files under build/. The lock lasts as long as the calling script.
lock_testbed() {
	exec 9>"$logs/.lock"
	flock -n 9 || { note "waiting for another make check/run in this checkout"; flock 9; }
}

# add_dynamic ROOT PROGRAM DEST: a dynamically linked program of the
# build machine (mke2fs, debugfs, ...) into the image tree ROOT as DEST,
# with the shared libraries and the loader that ldd names, at their
# paths; the loader executable (the kernel opens it for exec).
add_dynamic() {
	local root=$1 prog=$2 dest=$3 lib
	install -D -m 755 "$prog" "$root/$dest"
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		[ -e "$root/$lib" ] || install -D -m 755 "$lib" "$root/$lib"
	done
}

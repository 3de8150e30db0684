#!/bin/sh
# The demo inside the machine (/hyvt/main for `make run`): load hyv.ko and
# run vmm/hyv-demo with its output live on the console.
# shellcheck shell=dash source=testbed/guest/lib.sh
. /hyvt/lib.sh
OUT=/tmp/out

if insmod /lib/hyv/hyv.ko >"$OUT" 2>&1; then
	pass module:load
else
	fail module:load "$OUT"
fi
echo "hyv-demo:"
if /bin/hyv-demo; then
	pass vmm:hyv-demo
else
	fail vmm:hyv-demo
fi

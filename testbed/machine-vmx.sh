# The VMX testbed machine (sourced by machine.sh): Bochs emulating a
# Haswell with VMX, EPT, VPID and unrestricted guest, booting the kernel
# from a GRUB rescue ISO (Bochs has no direct kernel boot). COM1 is the
# console, COM2 the runner's result channel. See TESTBED-NOTES for the
# Bochs facts this relies on.
# shellcheck shell=bash

# The ISO and bochsrc are made fresh for each run under LOG-bochs/.
vmx_make_iso() {
	local dir=$1 kernel=$2 initrd=$3 cmdline=$4
	rm -rf "$dir/iso"
	mkdir -p "$dir/iso/boot/grub"
	cp "$kernel" "$dir/iso/boot/bzImage"
	cp "$initrd" "$dir/iso/boot/initrd.gz"
	cat >"$dir/iso/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry hyv {
	linux /boot/bzImage $cmdline
	initrd /boot/initrd.gz
}
CFG
	grub-mkrescue -o "$dir/hyv.iso" "$dir/iso" >"$dir/grub-mkrescue.log" 2>&1
}

# A guest panic reboots (panic=-1) with a triple fault (reboot=t), which
# Bochs, told not to reset on one, turns into its own fatal panic: the
# run ends instead of booting again.
vmx_make_bochsrc() {
	local dir=$1 log=$2
	cat >"$dir/bochsrc" <<RC
megs: 1024
cpu: model=corei7_haswell_4770, count=1, ips=50000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$dir/hyv.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$log-console.log
com2: enabled=1, mode=file, dev=$log-results.log
display_library: term
clock: sync=none, time0=local
panic: action=fatal
error: action=report
speaker: enabled=0
sound: driver=dummy
log: $log-emulator.log
RC
	echo c >"$dir/rc"
}

# Bochs's term display draws the VGA text screen into a pseudo-terminal
# it opens itself (/dev/ptmx). Nobody reads that terminal, so once its
# buffer holds ~20 KB of screen updates Bochs blocks in write() for good:
# the machine freezes with no message (seen as L1 "hangs" late in long
# VMX runs). Read the terminal away until Bochs exits.
vmx_drain_screen() {
	local pid=$1 fd idx _
	for _ in $(seq 600); do
		for fd in /proc/"$pid"/fd/*; do
			[ "$(readlink "$fd" 2>/dev/null)" = /dev/ptmx ] || continue
			idx=$(sed -n 's/^tty-index:[[:space:]]*//p' "/proc/$pid/fdinfo/${fd##*/}")
			[ -n "$idx" ] || continue
			stty -F "/dev/pts/$idx" raw -echo 2>/dev/null || true
			cat "/dev/pts/$idx" >/dev/null 2>&1
			return 0
		done
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "# vmx: Bochs opened no screen terminal to drain" >&2
}

# machine_start LOG KERNEL INITRD CMDLINE LIVE: start Bochs in the
# background and set machine_pid. Bochs's terminal display goes nowhere;
# with LIVE=1 the console file is followed on stderr instead.
machine_start() {
	local log=$1 kernel=$2 initrd=$3 cmdline=$4 live=$5
	local dir=$log-bochs

	mkdir -p "$dir"
	vmx_make_iso "$dir" "$kernel" "$initrd" \
		"console=ttyS0,115200 reboot=t tsc=reliable cryptomgr.notests $cmdline"
	vmx_make_bochsrc "$dir" "$log"
	: >"$log-console.log"
	bochs -q -f "$dir/bochsrc" -rc "$dir/rc" </dev/null >/dev/null 2>&1 &
	machine_pid=$!
	vmx_drain_screen "$machine_pid" &
	[ "$live" = 0 ] || tail -f --pid="$machine_pid" "$log-console.log" >&2 &
}

# Where a hung machine's CPUs are, from QEMU's monitor: read the kernel's
# System.map, then the monitor's answers to "info registers -a" and to
# "x /Ngx RSP" for each CPU, and print for each CPU its RIP (named as
# function+offset when it is kernel text), its privilege level and halt
# state, and the kernel text addresses found on its stack, innermost
# first: the backtrace of a CPU that no longer answers NMIs.
#   awk -v text=RUNTIME_TEXT -f hung-cpus.awk System.map monitor.log
# RUNTIME_TEXT is where _text is in the running kernel (KASLR; the runner
# reports it); without it, addresses stay bare. A CPU in a guest of hyv
# shows the guest's registers.
BEGIN {
	MODULES = 3221225472	# 0xc0000000: modules live above ffffffffc0000000
	nsyms = 0
	map_text = -1
	ncpus = 0
}

# The low 32 bits of a kernel address as a number (mawk has no 64-bit
# integers); -1 unless the high half is ffffffff (the kernel's top 2 GiB).
function low32(h,   i, v) {
	sub(/^0x/, "", h)
	h = tolower(h)
	if (length(h) != 16 || substr(h, 1, 8) != "ffffffff")
		return -1
	v = 0
	for (i = 9; i <= 16; i++)
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}

# "function+0xoff" for a running kernel's text address, or "".
function name(h,   a, lo, hi, mid) {
	a = low32(h)
	if (a < 0 || text == "" || map_text < 0 || nsyms == 0)
		return ""
	a -= low32(text) - map_text
	if (a < sym_addr[1] || a >= map_etext)
		return ""
	lo = 1
	hi = nsyms
	while (lo < hi) {
		mid = int((lo + hi + 1) / 2)
		if (sym_addr[mid] <= a)
			lo = mid
		else
			hi = mid - 1
	}
	return sym_name[lo] sprintf("+0x%x", a - sym_addr[lo])
}

FNR == NR {
	if ($3 == "_text")
		map_text = low32($1)
	else if ($3 == "_etext")
		map_etext = low32($1)
	if ($2 ~ /^[TtWw]$/ && low32($1) >= 0) {
		sym_addr[++nsyms] = low32($1)
		sym_name[nsyms] = $3
	}
	next
}

{
	sub(/\r$/, "")
	sub(/^.*\(qemu\) /, "")
}

/^CPU#[0-9]+/ {
	cpu = substr($1, 5)
	cpus[++ncpus] = cpu
	next
}

/RSP=/ {
	rsp[cpu] = substr($0, index($0, "RSP=") + 4, 16)
}

/^RIP=/ {
	rip[cpu] = substr($1, 5)
	state[cpu] = ""
	for (i = 2; i <= NF; i++)
		if ($i ~ /^(CPL|HLT)=/)
			state[cpu] = state[cpu] " " $i
	next
}

# "ADDR: 0xVALUE 0xVALUE": a stack dump; the first line's ADDR is the
# RSP of the CPU it belongs to.
/^[0-9a-f]+: 0x[0-9a-f]+/ {
	addr = substr($1, 1, length($1) - 1)
	for (c in rsp)
		if (rsp[c] == addr)
			dumping = c
	for (i = 2; i <= NF; i++)
		if ((f = name($i)) != "")
			stack[dumping] = stack[dumping] " " f
}

END {
	for (i = 1; i <= ncpus; i++) {
		c = cpus[i]
		f = name(rip[c])
		if (f == "" && low32(rip[c]) >= MODULES)
			f = "(in a module: see the NMI backtraces)"
		printf "cpu%s: RIP %s%s%s\n", c, rip[c], f == "" ? "" : " " f, state[c]
		if (stack[c] != "")
			printf "cpu%s: text addresses on the stack:%s\n", c, stack[c]
	}
	if (ncpus == 0)
		print "QEMU's monitor gave no CPU state"
}

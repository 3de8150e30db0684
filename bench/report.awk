# hyv benchmarks: turn the result lines of one L1 boot (samples-MODE.txt)
# into the table on stdout, rows appended to a TSV file (-v tsv=, with
# -v mode= in the first column) and a JSON object (-v json=) that run.sh
# puts into results.json under "modes".
#
# Input: "row NAME SIDE NS_PER_OP OPS [COUNTER=PER_OP]..." per measurement
# (SIDE is hyv, kvm or native), "fail NAME SIDE", "# comment".
# Per workload and side: the median of the runs, their range relative to
# the median ((max - min) / median), the run count, and the medians of
# the exit counters per operation. hyv/KVM is the median of the paired
# ratios: the i-th hyv run over the i-th KVM run, which ran seconds apart
# in the same round, so that slow drifts of the build machine's load
# cancel; its min-max follows. results.json also has the ratio of the
# medians.

function fmt_time(ns) {
	if (ns == "")
		return "-"
	if (ns < 1000)
		return sprintf("%.1f ns", ns)
	if (ns < 1e6)
		return sprintf("%.2f us", ns / 1e3)
	if (ns < 1e9)
		return sprintf("%.2f ms", ns / 1e6)
	return sprintf("%.2f s", ns / 1e9)
}

function fmt_count(v) {
	if (v == 0)
		return "0"
	if (v >= 100)
		return sprintf("%.0f", v)
	if (v >= 0.01)
		return sprintf("%.2f", v)
	return sprintf("%.1e", v)
}

# The median of vals[1..n] (sorts them).
function median(vals, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = vals[i]
		for (j = i - 1; j >= 1 && vals[j] > t; j--)
			vals[j + 1] = vals[j]
		vals[j + 1] = t
	}
	if (n % 2)
		return vals[(n + 1) / 2]
	return (vals[n / 2] + vals[n / 2 + 1]) / 2
}

function stat_of(name, side,    k, i, v) {
	k = name SUBSEP side
	if (!(k in runs))
		return 0
	for (i = 1; i <= runs[k]; i++)
		v[i] = ns[k, i]
	med[k] = median(v, runs[k])
	lo[k] = v[1]
	hi[k] = v[runs[k]]
	return 1
}

function counter_median(k, c,    i, v) {
	for (i = 1; i <= runs[k]; i++)
		v[i] = cnt[k, c, i] + 0
	return median(v, runs[k])
}

# "exits 1.00: cpuid 1.00 ..." from the counter medians.
function counters_text(name, side,    k, i, c, m, s, short) {
	k = name SUBSEP side
	if (!(k in runs) || !ncnt[k])
		return "-"
	s = ""
	for (i = 1; i <= ncnt[k]; i++) {
		c = cname[k, i]
		m = counter_median(k, c)
		cmed[k, c] = m
		if (c == "exits") {
			s = "exits " fmt_count(m) s
			continue
		}
		if (m < 0.005 && !(m > 0 && name ~ /^(loop|touch-second)/))
			continue
		short = c
		sub(/_exits$/, "", short)
		sub(/^exits_/, "", short)
		s = s (s ~ /:/ ? ", " : ": ") short " " fmt_count(m)
	}
	return s
}

function json_side(name, side,    k, i, c, s) {
	k = name SUBSEP side
	if (!(k in runs))
		return "null"
	s = sprintf("{\"median_ns\": %.1f, \"min_ns\": %.1f, \"max_ns\": %.1f, \"runs\": %d, \"ops\": %d, \"exits_per_op\": {",
		    med[k], lo[k], hi[k], runs[k], ops[k])
	for (i = 1; i <= ncnt[k]; i++) {
		c = cname[k, i]
		s = s sprintf("%s\"%s\": %.6g", i > 1 ? ", " : "", c, cmed[k, c])
	}
	return s "}}"
}

# Paired ratios hyv_i / kvm_i: sets pr_med, pr_lo, pr_hi; returns the count.
function paired(name,    hk, kk, n, i, v) {
	hk = name SUBSEP "hyv"; kk = name SUBSEP "kvm"
	n = runs[hk] < runs[kk] ? runs[hk] : runs[kk]
	for (i = 1; i <= n; i++)
		v[i] = ns[kk, i] > 0 ? ns[hk, i] / ns[kk, i] : 0
	if (!n)
		return 0
	pr_med = median(v, n)
	pr_lo = v[1]
	pr_hi = v[n]
	return n
}

function pending(name) {
	return name ~ /^(io-|l2-)/
}

BEGIN {
	# The table's order; anything else follows in order of appearance.
	norder = split("loop cpuid hypercall pio mmio touch-first touch-second " \
		       "touch-first-thp touch-second-thp syscall l2-boot " \
		       "io-seq-read-1m-qd1 io-seq-read-1m-qd32 io-seq-write-1m-qd1 " \
		       "io-seq-write-1m-qd32 io-rand-read-4k-qd1 io-rand-read-4k-qd32 " \
		       "io-rand-write-4k-qd1 io-rand-write-4k-qd32", order, " ")
	for (i = 1; i <= norder; i++)
		known[order[i]] = 1
}

/^row / {
	name = $2; side = $3; k = name SUBSEP side
	if (!(name in known)) {
		order[++norder] = name
		known[name] = 1
	}
	n = ++runs[k]
	ns[k, n] = $4
	ops[k] = $5
	for (i = 6; i <= NF; i++) {
		split($i, kv, "=")
		if (!((k, kv[1]) in hascnt)) {
			hascnt[k, kv[1]] = 1
			cname[k, ++ncnt[k]] = kv[1]
		}
		cnt[k, kv[1], n] = kv[2]
	}
	next
}

/^fail / {
	fails[++nfail] = $2 " (" $3 ")"
	next
}

/^# / {
	notes[++nnotes] = $0
}

END {
	for (i = 1; i <= nnotes; i++)
		print notes[i]
	fmt = "%-22s %10s %10s %7s %11s %10s %13s %7s  %s | %s\n"
	printf fmt, "workload", "hyv", "KVM", "hyv/KVM", "ratio range", "native L1", "range hyv;KVM",
		"runs", "hyv exits/op", "KVM exits/op"
	printf "%s\n", "------------------------------------------------------------------------------------------------------------------------------"
	if (json != "")
		printf "{\"machine\": \"%s\",\n \"rows\": [", machine > json
	nrows = 0
	for (r = 1; r <= norder; r++) {
		name = order[r]
		h = stat_of(name, "hyv")
		v = stat_of(name, "kvm")
		nat = stat_of(name, "native")
		if (!h && !v && !nat)
			continue
		hk = name SUBSEP "hyv"; kk = name SUBSEP "kvm"; nk = name SUBSEP "native"
		hyvs = h ? fmt_time(med[hk]) : (pending(name) ? "not yet" : "-")
		kvms = v ? fmt_time(med[kk]) : "-"
		np = (h && v) ? paired(name) : 0
		ratio = np ? sprintf("%.2f", pr_med) : "-"
		rr = np ? sprintf("%.2f-%.2f", pr_lo, pr_hi) : "-"
		jpair = np ? sprintf("%.4f, \"paired_ratio_min\": %.4f, \"paired_ratio_max\": %.4f", pr_med, pr_lo, pr_hi) : "null"
		nats = nat ? fmt_time(med[nk]) : "-"
		rng = (h ? sprintf("%.0f%%", 100 * (hi[hk] - lo[hk]) / med[hk]) : "-") ";" \
		      (v ? sprintf("%.0f%%", 100 * (hi[kk] - lo[kk]) / med[kk]) : "-")
		if (!h && !v)
			rng = sprintf("%.0f%%", 100 * (hi[nk] - lo[nk]) / med[nk]) " (native)"
		nr = (h ? runs[hk] : 0) "/" (v ? runs[kk] : 0) (nat ? "/" runs[nk] : "")
		hc = counters_text(name, "hyv")
		kc = counters_text(name, "kvm")
		printf fmt, name, hyvs, kvms, ratio, rr, nats, rng, nr, hc, kc
		if (tsv != "")
			for (s = 1; s <= 3; s++) {
				side = s == 1 ? "hyv" : s == 2 ? "kvm" : "native"
				k = name SUBSEP side
				if (!(k in runs))
					continue
				line = ""
				for (i = 1; i <= ncnt[k]; i++)
					line = line (i > 1 ? "," : "") cname[k, i] "=" cmed[k, cname[k, i]]
				printf "%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%d\t%d\t%s\n", mode, name, side,
					med[k], lo[k], hi[k], runs[k], ops[k], line >> tsv
			}
		if (json != "") {
			printf("%s\n  {\"workload\": \"%s\", \"hyv\": %s, \"kvm\": %s, \"native\": %s, \"paired_ratio_median\": %s, \"hyv_over_kvm\": %s%s}",
				(nrows++ ? "," : ""), name, json_side(name, "hyv"), json_side(name, "kvm"),
				json_side(name, "native"), jpair,
				(h && v && med[kk] > 0) ? sprintf("%.4f", med[hk] / med[kk]) : "null",
				((!h && pending(name)) ? ", \"hyv_status\": \"not yet\"" : "")) > json
		}
	}
	for (i = 1; i <= nfail; i++)
		printf "FAILED: %s\n", fails[i]
	if (json != "") {
		printf "\n ],\n \"failed\": [" > json
		for (i = 1; i <= nfail; i++)
			printf("%s\"%s\"", (i > 1 ? ", " : ""), fails[i]) > json
		printf "]}\n" > json
	}
}

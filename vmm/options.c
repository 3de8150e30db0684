// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-run's options, in the spirit of kvmtool's and Firecracker's: every
 * value is checked here, before any VM exists, and bad input gets one
 * line on stderr and exit status 2.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <hyv/layout.h>
#include "options.h"
#include "pv/hyv_pv_hostile.h"
#include "pv/hyv_pv_net.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

static const char usage_text[] =
"usage: hyv-run --kernel FILE [options]\n"
"Boot a Linux kernel (bzImage) as a guest of hyv.ko (/dev/hyv).\n"
"\n"
"  -k, --kernel FILE      the guest kernel: a bzImage (x86 boot protocol\n"
"                         2.12+, 64-bit entry), e.g. /boot/vmlinuz-*\n"
"  -i, --initrd FILE      an initramfs, placed at the top of low memory\n"
"  -a, --cmdline TEXT     the kernel command line (default \"" HYV_RUN_DEFAULT_CMDLINE "\");\n"
"                         hyv-run appends the parameters its platform needs\n"
"                         (docs/hyv-run.md)\n"
"      --no-platform-cmdline  do not append them\n"
"  -c, --cpus N           vCPUs, 1..64 (default 1), one host thread each\n"
"  -m, --mem SIZE         guest RAM, e.g. 512M or 6G (default 512M, at\n"
"                         least 32M); RAM beyond 3 GiB is placed above 4 GiB\n"
"      --console KIND     the 8250 at 0x3f8 (ttyS0): stdio (default: output\n"
"                         on stdout, input from stdin; on a terminal, type\n"
"                         Ctrl-A x to quit), file=PATH (output only) or none\n"
"      --affinity LIST    run the vCPU threads on these host CPUs, e.g.\n"
"                         0-3,6: vCPU i on the i-th CPU of the list (round\n"
"                         robin), as taskset would pin them\n"
"      --accel hyv|kvm    the hypervisor: hyv (default, /dev/hyv) or the\n"
"                         kernel's KVM (/dev/kvm), to compare the two\n"
"      --disk FILE[,ro][,cache=none|writeback]\n"
"                         a hyv PV block device (hyv_pvblk.ko in the guest)\n"
"                         on a raw file or block device; repeatable, up to\n"
"                         " STR(HYV_RUN_MAX_DISKS) " (not with --accel kvm)\n"
"                         testing only: ,hostile=KIND@N corrupts the N-th\n"
"                         completion once (KIND id, len or idx: a bad used\n"
"                         id, length or index; docs/hyv-run.md)\n"
"      --net tap=NAME[,mac=XX:XX:XX:XX:XX:XX][,mtu=N][,queues=N]\n"
"                         a hyv PV network device (hyv_pvnet.ko) on a TAP;\n"
"                         repeatable, up to " STR(HYV_RUN_MAX_NETS) " (not with --accel kvm)\n"
"                         testing only: ,hostile=KIND@N as for --disk\n"
"      --stats            print the exit counters on stderr at the end\n"
"  -v, --verbose          say what hyv-run does (stderr)\n"
"  -h, --help             this text\n"
"\n"
"Exit status: 0 the guest powered off, 1 fatal VMM error, 2 bad usage,\n"
"3 the guest reset (reboot), 4 the guest triple-faulted, 128+N ended by\n"
"signal N (SIGTERM, SIGINT, SIGHUP; Ctrl-A x counts as SIGINT).\n";

enum {
	OPT_CONSOLE = 0x100,
	OPT_AFFINITY,
	OPT_STATS,
	OPT_NO_PLATFORM_CMDLINE,
	OPT_ACCEL,
	OPT_DISK,
	OPT_NET,
};

static const struct option long_opts[] = {
	{ "kernel",	required_argument, NULL, 'k' },
	{ "initrd",	required_argument, NULL, 'i' },
	{ "cmdline",	required_argument, NULL, 'a' },
	{ "cpus",	required_argument, NULL, 'c' },
	{ "mem",	required_argument, NULL, 'm' },
	{ "console",	required_argument, NULL, OPT_CONSOLE },
	{ "affinity",	required_argument, NULL, OPT_AFFINITY },
	{ "accel",	required_argument, NULL, OPT_ACCEL },
	{ "disk",	required_argument, NULL, OPT_DISK },
	{ "net",	required_argument, NULL, OPT_NET },
	{ "stats",	no_argument,	   NULL, OPT_STATS },
	{ "no-platform-cmdline", no_argument, NULL, OPT_NO_PLATFORM_CMDLINE },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ }
};

static int bad(FILE *err, const char *fmt, ...) __printf(2, 3);
static int bad(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fputs("hyv-run: ", err);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputs(" (try --help)\n", err);
	return -1;
}

/* A regular file we can read, or one line saying why not. */
static int check_file(FILE *err, const char *opt, const char *path)
{
	struct stat st;

	if (!*path)
		return bad(err, "%s: empty file name", opt);
	if (stat(path, &st))
		return bad(err, "%s %s: %m", opt, path);
	if (!S_ISREG(st.st_mode))
		return bad(err, "%s %s: not a regular file", opt, path);
	if (access(path, R_OK))
		return bad(err, "%s %s: %m", opt, path);
	return 0;
}

bool hyv_parse_cpu_list(const char *s, cpu_set_t *set)
{
	unsigned long a, b;
	char *end;

	CPU_ZERO(set);
	if (!*s)
		return false;
	for (;;) {
		if (*s < '0' || *s > '9')
			return false;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return false;
			b = strtoul(s, &end, 10);
		}
		if (a > b || b >= CPU_SETSIZE)
			return false;
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (!*end)
			return true;
		if (*end != ',')
			return false;
		s = end + 1;
	}
}

static int parse_console(struct hyv_options *o, FILE *err, const char *arg)
{
	if (!strcmp(arg, "stdio")) {
		o->console = HYV_CONSOLE_STDIO;
	} else if (!strcmp(arg, "none")) {
		o->console = HYV_CONSOLE_NONE;
	} else if (!strncmp(arg, "file=", 5) && arg[5]) {
		o->console = HYV_CONSOLE_FILE;
		o->console_path = arg + 5;
	} else {
		return bad(err, "--console %s: want stdio, file=PATH or none", arg);
	}
	return 0;
}

/* hostile=KIND@N, a testing option (vmm/pv/hyv_pv_hostile.h). */
static int parse_disk_hostile(struct hyv_disk_option *d, FILE *err,
			      const char *arg, const char *val)
{
	enum hyv_pv_hostile_kind kind;
	char why[128];
	u64 at;

	if (hyv_pv_hostile_parse(val, &kind, &at, why, sizeof(why)))
		return bad(err, "--disk %s: %s", arg, why);
	d->hostile = kind;
	d->hostile_at = at;
	return 0;
}

/*
 * FILE[,ro][,cache=none|writeback][,hostile=KIND@N]: a regular file or a block device
 * that we may read, and write unless ro.
 */
static int parse_disk(struct hyv_options *o, FILE *err, const char *arg)
{
	struct hyv_disk_option *d;
	char *path, *opt, *save = NULL;
	struct stat st;

	if (o->nr_disks >= HYV_RUN_MAX_DISKS)
		return bad(err, "--disk %s: at most %d disks", arg, HYV_RUN_MAX_DISKS);
	d = &o->disks[o->nr_disks];
	path = o->disk_paths[o->nr_disks];
	if (strlen(arg) >= sizeof(o->disk_paths[0]))
		return bad(err, "--disk: longer than %zu bytes",
			   sizeof(o->disk_paths[0]) - 1);
	strcpy(path, arg);
	path = strtok_r(path, ",", &save);
	if (!path || arg[0] == ',')
		return bad(err, "--disk %s: empty file name", arg);
	*d = (struct hyv_disk_option){ .path = path };
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strcmp(opt, "ro"))
			d->ro = true;
		else if (!strcmp(opt, "cache=none"))
			d->direct = true;
		else if (!strcmp(opt, "cache=writeback"))
			d->direct = false;
		else if (strncmp(opt, "hostile=", 8))
			return bad(err,
				   "--disk %s: unknown option '%s' (ro, cache=none, cache=writeback, hostile=)",
				   arg, opt);
		else if (parse_disk_hostile(d, err, arg, opt + 8))
			return -1;
	}
	if (stat(path, &st))
		return bad(err, "--disk %s: %m", path);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return bad(err, "--disk %s: not a regular file or block device", path);
	if (access(path, d->ro ? R_OK : R_OK | W_OK))
		return bad(err, "--disk %s: %m%s", path, d->ro ? "" : " (or add ,ro)");
	if (st.st_size < 512 && S_ISREG(st.st_mode))
		return bad(err, "--disk %s: smaller than one 512-byte sector", path);
	o->nr_disks++;
	return 0;
}

/* The syntax here, the TAP itself when the device is created. */
static int parse_net(struct hyv_options *o, FILE *err, const char *arg)
{
	struct hyv_pv_net_opts n;
	char why[160];

	if (o->nr_nets >= HYV_RUN_MAX_NETS)
		return bad(err, "--net %s: at most %d network devices", arg,
			   HYV_RUN_MAX_NETS);
	if (hyv_pv_net_parse(arg, &n, why, sizeof(why)))
		return bad(err, "--net %s: %s", arg, why);
	o->nets[o->nr_nets++].arg = arg;
	return 0;
}

static int parse_one(struct hyv_options *o, int c, FILE *out, FILE *err)
{
	unsigned long v;

	switch (c) {
	case 'k':
		o->kernel = optarg;
		return check_file(err, "--kernel", optarg);
	case 'i':
		o->initrd = optarg;
		return check_file(err, "--initrd", optarg);
	case 'a':
		if (strlen(optarg) >= HYV_LAYOUT_CMDLINE_MAX / 2)
			return bad(err, "--cmdline: longer than %llu bytes",
				   HYV_LAYOUT_CMDLINE_MAX / 2 - 1);
		o->cmdline = optarg;
		return 0;
	case 'c':
		if (!hyv_parse_uint(optarg, 1, HYV_RUN_MAX_CPUS, &v))
			return bad(err, "--cpus %s: want a number from 1 to %d",
				   optarg, HYV_RUN_MAX_CPUS);
		o->cpus = v;
		return 0;
	case 'm':
		if (!hyv_parse_size(optarg, &o->mem_size))
			return bad(err, "--mem %s: want a size such as 512M or 6G",
				   optarg);
		if (o->mem_size < HYV_RUN_MIN_MEM)
			return bad(err, "--mem %s: less than the minimum, %lluM",
				   optarg, HYV_RUN_MIN_MEM >> 20);
		if (o->mem_size > HYV_LAYOUT_RAM_MAX)
			return bad(err, "--mem %s: more than the maximum, %lluG",
				   optarg, HYV_LAYOUT_RAM_MAX >> 30);
		if (o->mem_size % SZ_2M)
			return bad(err, "--mem %s: not a multiple of 2M", optarg);
		return 0;
	case OPT_CONSOLE:
		return parse_console(o, err, optarg);
	case OPT_AFFINITY:
		if (!hyv_parse_cpu_list(optarg, &o->affinity))
			return bad(err, "--affinity %s: want a CPU list such as 0-3,6",
				   optarg);
		o->has_affinity = true;
		return 0;
	case OPT_ACCEL:
		if (strcmp(optarg, "hyv") && strcmp(optarg, "kvm"))
			return bad(err, "--accel %s: want hyv or kvm", optarg);
		o->accel_kvm = !strcmp(optarg, "kvm");
		return 0;
	case OPT_DISK:
		return parse_disk(o, err, optarg);
	case OPT_NET:
		return parse_net(o, err, optarg);
	case OPT_STATS:
		o->stats = true;
		return 0;
	case OPT_NO_PLATFORM_CMDLINE:
		o->platform_cmdline = false;
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	case 'h':
		fputs(usage_text, out);
		return 1;
	default:
		/* getopt has said what was wrong, on stderr */
		return bad(err, "bad option");
	}
}

int hyv_options_parse(struct hyv_options *o, int argc, char **argv,
		      FILE *out, FILE *err)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->cmdline = HYV_RUN_DEFAULT_CMDLINE;
	o->cpus = 1;
	o->mem_size = 512ULL << 20;
	o->console = HYV_CONSOLE_STDIO;
	o->platform_cmdline = true;
	optind = 1;
	opterr = 0;	/* our own message: one line, the option named */
	while ((c = getopt_long(argc, argv, ":k:i:a:c:m:vh", long_opts, NULL)) != -1) {
		if (c == '?')
			return bad(err, "unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return bad(err, "option '%s' needs a value", argv[optind - 1]);
		ret = parse_one(o, c, out, err);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return bad(err, "unexpected argument '%s'", argv[optind]);
	if (!o->kernel)
		return bad(err, "no --kernel given");
	/* The guest rings PV doorbells with hyv's hypercall, which KVM lacks. */
	if (o->accel_kvm && (o->nr_disks || o->nr_nets))
		return bad(err,
			   "--%s: PV devices need --accel hyv (their doorbell is a hyv hypercall)",
			   o->nr_disks ? "disk" : "net");
	return 0;
}

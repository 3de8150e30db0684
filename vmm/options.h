/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv-run's command line: what the user asked for, validated before any
 * VM exists (options.c).
 */
#ifndef HYV_RUN_OPTIONS_H
#define HYV_RUN_OPTIONS_H

#include <stdio.h>
#include <sched.h>
#include "util.h"

#define HYV_RUN_MIN_MEM		(32ULL << 20)
#define HYV_RUN_MAX_CPUS	64	/* HYV_MAX_VCPUS */
#define HYV_RUN_DEFAULT_CMDLINE	"console=ttyS0"
#define HYV_RUN_MAX_DISKS	8	/* --disk: one PCI slot each */
#define HYV_RUN_MAX_NETS	4	/* --net: one PCI slot each */

enum hyv_console {
	HYV_CONSOLE_STDIO,	/* output to stdout, input from stdin */
	HYV_CONSOLE_FILE,	/* output to a file, no input */
	HYV_CONSOLE_NONE,	/* output dropped, no input */
};

/* --disk FILE[,ro][,cache=none|writeback]: a hyv PV block device. */
struct hyv_disk_option {
	const char *path;
	bool ro;
	bool direct;			/* cache=none: O_DIRECT */
	/* hostile=KIND@N: test-only, vmm/pv/hyv_pv_hostile.h */
	int hostile;			/* enum hyv_pv_hostile_kind */
	unsigned long long hostile_at;
};

/* --net tap=NAME[,mac=..][,mtu=..][,queues=N], as vmm/pv parses it. */
struct hyv_net_option {
	const char *arg;
};

struct hyv_options {
	const char *kernel;
	const char *initrd;		/* NULL: none */
	const char *cmdline;		/* never NULL after parsing */
	unsigned int cpus;
	u64 mem_size;
	enum hyv_console console;
	const char *console_path;	/* HYV_CONSOLE_FILE */
	cpu_set_t affinity;		/* host CPUs for the vCPU threads */
	bool has_affinity;
	bool platform_cmdline;		/* append hyv-run's own parameters */
	bool accel_kvm;			/* --accel kvm: /dev/kvm, not /dev/hyv */
	bool stats;			/* exit counters on stderr at the end */
	bool verbose;
	unsigned int nr_disks, nr_nets;
	struct hyv_disk_option disks[HYV_RUN_MAX_DISKS];
	struct hyv_net_option nets[HYV_RUN_MAX_NETS];
	char disk_paths[HYV_RUN_MAX_DISKS][256];
};

/*
 * Parse argv into *opts. Returns 0 when the VM should run, 1 when the
 * request was served (--help, --version), or -1 after printing one line
 * "hyv-run: ..." about the bad input to err (exit status 2).
 */
int hyv_options_parse(struct hyv_options *opts, int argc, char **argv,
		      FILE *out, FILE *err);

/* "0-3,8,10-11" into a CPU set; false on a malformed list. */
bool hyv_parse_cpu_list(const char *s, cpu_set_t *set);

#endif /* HYV_RUN_OPTIONS_H */

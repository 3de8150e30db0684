// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-run's options: good command lines parse to the right values, and
 * every kind of bad input gives exactly one "hyv-run: ..." line and the
 * "bad usage" result (exit status 2), whatever the option.
 */
#include <fcntl.h>
#include <unistd.h>

#include "lib.h"
#include "../options.h"
#include "../pv/hyv_pv_hostile.h"

static char err_text[1024];

/* Parse a NULL-terminated argv; the error output lands in err_text. */
static int parse(struct hyv_options *o, const char **args)
{
	const char *argv[32] = { "hyv-run" };
	FILE *out = fopen("/dev/null", "w");
	FILE *err = fmemopen(err_text, sizeof(err_text), "w");
	int argc = 1, ret;

	memset(err_text, 0, sizeof(err_text));
	while (*args && argc < 31)
		argv[argc++] = *args++;
	ret = hyv_options_parse(o, argc, (char **)argv, out, err);
	fclose(err);
	fclose(out);
	return ret;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One line, our prefix, and the parse said "bad usage". */
static void expect_bad(const char **args, const char *what)
{
	struct hyv_options o;
	int ret = parse(&o, args);

	CHECK(ret == -1, "%s: parse returned %d", what, ret);
	CHECK(lines(err_text) == 1, "%s: %d lines: %s", what, lines(err_text), err_text);
	CHECK(!strncmp(err_text, "hyv-run: ", 9), "%s: %s", what, err_text);
}

#define KERNEL	"/proc/self/exe"	/* a readable regular file */

TEST(defaults)
{
	struct hyv_options o;

	CHECK(parse(&o, (const char *[]){ "--kernel", KERNEL, NULL }) == 0, "%s", err_text);
	CHECK(o.cpus == 1, "%u", o.cpus);
	CHECK(o.mem_size == 512ULL << 20, "%llu", (unsigned long long)o.mem_size);
	CHECK(o.console == HYV_CONSOLE_STDIO, "%d", o.console);
	CHECK(!strcmp(o.cmdline, HYV_RUN_DEFAULT_CMDLINE), "%s", o.cmdline);
	CHECK(o.platform_cmdline && !o.initrd && !o.has_affinity, "flags");
}

TEST(every_option)
{
	struct hyv_options o;
	int ret = parse(&o, (const char *[]){ "-k", KERNEL, "--initrd", KERNEL,
			"--cmdline", "console=ttyS0 quiet", "--cpus", "64", "--mem", "6G",
			"--console", "file=/tmp/x", "--affinity", "0-1,3", "--stats",
			"--no-platform-cmdline", "-v", NULL });

	CHECK(ret == 0, "%s", err_text);
	CHECK(o.cpus == 64, "%u", o.cpus);
	CHECK(o.mem_size == 6ULL << 30, "%llu", (unsigned long long)o.mem_size);
	CHECK(o.console == HYV_CONSOLE_FILE && !strcmp(o.console_path, "/tmp/x"), "console");
	CHECK(o.has_affinity && CPU_COUNT(&o.affinity) == 3 &&
	      CPU_ISSET(3, &o.affinity) && !CPU_ISSET(2, &o.affinity), "affinity");
	CHECK(o.stats && o.verbose && !o.platform_cmdline, "flags");
	CHECK(!strcmp(o.cmdline, "console=ttyS0 quiet"), "%s", o.cmdline);
}

TEST(help_is_served)
{
	struct hyv_options o;

	CHECK(parse(&o, (const char *[]){ "--help", NULL }) == 1, "not served");
	CHECK(!err_text[0], "stderr: %s", err_text);
}

TEST(sizes)
{
	static const struct { const char *s; bool ok; u64 v; } cases[] = {
		{ "512M", true, 512ULL << 20 }, { "6G", true, 6ULL << 30 },
		{ "4096K", true, 4ULL << 20 }, { "1048576", true, 1 << 20 },
		{ "2GiB", true, 2ULL << 30 }, { "1g", true, 1ULL << 30 },
		{ "", false, 0 }, { "M", false, 0 }, { "12X", false, 0 },
		{ "-1G", false, 0 }, { "1.5G", false, 0 }, { "99999999999T", false, 0 },
		{ "5Gx", false, 0 },
	};
	unsigned int i;
	u64 v;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bool ok = hyv_parse_size(cases[i].s, &v);

		CHECK(ok == cases[i].ok, "'%s': %d", cases[i].s, ok);
		CHECK(!ok || v == cases[i].v, "'%s': %llu", cases[i].s,
		      (unsigned long long)v);
	}
}

TEST(cpu_lists)
{
	cpu_set_t s;

	CHECK(hyv_parse_cpu_list("0", &s) && CPU_COUNT(&s) == 1, "0");
	CHECK(hyv_parse_cpu_list("0-3,8,10-11", &s) && CPU_COUNT(&s) == 7, "list");
	CHECK(!hyv_parse_cpu_list("", &s), "empty");
	CHECK(!hyv_parse_cpu_list("3-1", &s), "reversed");
	CHECK(!hyv_parse_cpu_list("1,", &s), "trailing comma");
	CHECK(!hyv_parse_cpu_list("a", &s), "letter");
	CHECK(!hyv_parse_cpu_list("99999", &s), "too big");
}

TEST(bad_input_is_one_line)
{
	expect_bad((const char *[]){ NULL }, "no kernel");
	expect_bad((const char *[]){ "--kernel", "/nonexistent", NULL }, "missing kernel");
	expect_bad((const char *[]){ "--kernel", "/", NULL }, "directory kernel");
	expect_bad((const char *[]){ "-k", KERNEL, "--initrd", "/nonexistent", NULL },
		   "missing initrd");
	expect_bad((const char *[]){ "-k", KERNEL, "--cpus", "0", NULL }, "cpus 0");
	expect_bad((const char *[]){ "-k", KERNEL, "--cpus", "65", NULL }, "cpus 65");
	expect_bad((const char *[]){ "-k", KERNEL, "--cpus", "two", NULL }, "cpus two");
	expect_bad((const char *[]){ "-k", KERNEL, "--mem", "16M", NULL }, "mem 16M");
	expect_bad((const char *[]){ "-k", KERNEL, "--mem", "513", NULL }, "mem bytes");
	expect_bad((const char *[]){ "-k", KERNEL, "--mem", "100T", NULL }, "mem 100T");
	expect_bad((const char *[]){ "-k", KERNEL, "--mem", "33M", NULL }, "mem odd");
	expect_bad((const char *[]){ "-k", KERNEL, "--console", "tty", NULL }, "console");
	expect_bad((const char *[]){ "-k", KERNEL, "--console", "file=", NULL }, "console file=");
	expect_bad((const char *[]){ "-k", KERNEL, "--affinity", "x", NULL }, "affinity");
	expect_bad((const char *[]){ "-k", KERNEL, "--frobnicate", NULL }, "unknown long");
	expect_bad((const char *[]){ "-k", KERNEL, "-Z", NULL }, "unknown short");
	expect_bad((const char *[]){ "-k", KERNEL, "--mem", NULL }, "missing value");
	expect_bad((const char *[]){ "-k", KERNEL, "extra", NULL }, "extra argument");
}

/* --disk and --net: values kept, each kind of bad one refused alone. */
TEST(pv_devices)
{
	char disk[] = "/tmp/hyv-options-disk-XXXXXX", ro[64], empty[64];
	const char *nine[24] = { "-k", KERNEL };
	struct hyv_options o;
	int fd, i, n = 2;

	fd = mkstemp(disk);
	CHECK(fd >= 0 && !ftruncate(fd, 1 << 20), "disk file");
	close(fd);
	snprintf(ro, sizeof(ro), "%s,ro,cache=none", disk);
	CHECK(parse(&o, (const char *[]){ "-k", KERNEL, "--disk", disk, "--disk", ro,
		    "--net", "tap=hyvt0,mac=52:54:00:00:00:01,queues=2", NULL }) == 0,
	      "%s", err_text);
	CHECK(o.nr_disks == 2 && o.nr_nets == 1, "%u disks, %u nets", o.nr_disks, o.nr_nets);
	CHECK(!strcmp(o.disks[0].path, disk) && !o.disks[0].ro && !o.disks[0].direct, "disk 0");
	CHECK(!strcmp(o.disks[1].path, disk) && o.disks[1].ro && o.disks[1].direct, "disk 1");
	CHECK(!strcmp(o.nets[0].arg, "tap=hyvt0,mac=52:54:00:00:00:01,queues=2"), "net");

	expect_bad((const char *[]){ "-k", KERNEL, "--disk", "/nonexistent", NULL },
		   "disk missing");
	expect_bad((const char *[]){ "-k", KERNEL, "--disk", "/", NULL }, "disk directory");
	expect_bad((const char *[]){ "-k", KERNEL, "--disk", ",ro", NULL }, "disk no name");
	snprintf(ro, sizeof(ro), "%s,rw", disk);
	expect_bad((const char *[]){ "-k", KERNEL, "--disk", ro, NULL }, "disk option");
	snprintf(empty, sizeof(empty), "%s-empty", disk);
	fd = open(empty, O_CREAT | O_WRONLY, 0600);
	close(fd);
	expect_bad((const char *[]){ "-k", KERNEL, "--disk", empty, NULL }, "disk empty");
	for (i = 0; i <= HYV_RUN_MAX_DISKS; i++) {
		nine[n++] = "--disk";
		nine[n++] = disk;
	}
	expect_bad(nine, "too many disks");
	expect_bad((const char *[]){ "-k", KERNEL, "--net", "mac=52:54:00:00:00:01", NULL },
		   "net no tap");
	expect_bad((const char *[]){ "-k", KERNEL, "--net", "tap=t0,mac=01:00:00:00:00:01", NULL },
		   "net multicast mac");
	expect_bad((const char *[]){ "-k", KERNEL, "--net", "tap=t0,mac=52:54:00", NULL },
		   "net short mac");
	expect_bad((const char *[]){ "-k", KERNEL, "--net", "tap=t0,queues=99", NULL },
		   "net queues");
	expect_bad((const char *[]){ "-k", KERNEL, "--net", "tap=t0", "--net", "tap=t1",
		   "--net", "tap=t2", "--net", "tap=t3", "--net", "tap=t4", NULL },
		   "too many nets");
	expect_bad((const char *[]){ "-k", KERNEL, "--accel", "kvm", "--disk", disk, NULL },
		   "PV with kvm");
	/* The testing option hostile=KIND@N (vmm/pv/hyv_pv_hostile.c). */
	snprintf(ro, sizeof(ro), "%s,hostile=idx@7,ro", disk);
	CHECK(parse(&o, (const char *[]){ "-k", KERNEL, "--disk", ro, NULL }) == 0,
	      "%s", err_text);
	CHECK(o.disks[0].hostile == HYV_PV_HOSTILE_IDX && o.disks[0].hostile_at == 7 &&
	      o.disks[0].ro, "hostile disk");
	snprintf(ro, sizeof(ro), "%s,hostile=id@0", disk);
	expect_bad((const char *[]){ "-k", KERNEL, "--disk", ro, NULL }, "disk hostile 0");
	snprintf(ro, sizeof(ro), "%s,hostile=bad@1", disk);
	expect_bad((const char *[]){ "-k", KERNEL, "--disk", ro, NULL }, "disk hostile kind");
	expect_bad((const char *[]){ "-k", KERNEL, "--net", "tap=t0,hostile=len", NULL },
		   "net hostile");
	unlink(empty);
	unlink(disk);
}

int main(void)
{
	test_suite = "vmm-options";
	RUN(defaults);
	RUN(every_option);
	RUN(help_is_served);
	RUN(sizes);
	RUN(cpu_lists);
	RUN(bad_input_is_one_line);
	RUN(pv_devices);
	return test_summary();
}

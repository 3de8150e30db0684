// SPDX-License-Identifier: GPL-2.0
/*
 * l2-run: run an L2 guest (QEMU + KVM inside L1) and measure it from L1.
 *
 *   l2-run TIMEOUT_S SIDE -- QEMU [ARG]...
 *
 * Starts QEMU with its serial console on a pipe and follows the guest's
 * lines:
 *   HYVB-L2-INIT   the guest's /init started: prints
 *                  "row l2-boot SIDE NS 1 COUNTER=N..." with the time
 *                  since QEMU was started and the exits of the boot
 *   HYVB-SYNC      (blkbench -S) read the exit counters, then answer
 *                  with a line on the guest's console input
 *   harness        (blkbench -S, once, first) the last two HYVB-SYNC
 *                  lines framed nothing: their counters are what the
 *                  markers cost, printed as a comment and taken off
 *                  every later row's counters
 *   row ...        a guest result: passed on, with the exit counters
 *                  between the last two HYVB-SYNC lines less the
 *                  markers' cost, per operation
 * Everything else goes to stderr (the L1 console). The counters are the
 * ones KVM keeps in debugfs (/sys/kernel/debug/kvm/), summed over all
 * VMs: only this one runs; with SIDE "hyv" (the VMM is hyv-run on
 * hyv.ko), hyv's per-VM counters (/sys/kernel/debug/hyv/vmN/stats) of
 * the one VM there is. The VMM is killed after TIMEOUT_S seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hyv/user_types.h>

static const char *const kvm_stat_names[] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits",
	"hypercalls", "pf_taken", "insn_emulation",
};

#define NR_STATS	(sizeof(kvm_stat_names) / sizeof((kvm_stat_names)[0]))

/* hyv's debugfs names, and the short names the rows give them. */
static const char *const hyv_stat_keys[NR_STATS] = {
	"exits", "exit_io", "exit_mmio", "exit_hlt", "exit_host_event",
	"exit_hypercall", "exit_npf", "exits_to_user",
};

static const char *const hyv_stat_names[NR_STATS] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits",
	"hypercalls", "npf_exits", "to_user",
};

static const char *const *stat_names = kvm_stat_names;
static bool side_hyv;

struct counters {
	u64 v[NR_STATS];
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* hyv: the one VM's stats file, "NAME VALUE" lines. */
static void read_hyv_counters(struct counters *c)
{
	char line[128], key[64];
	unsigned long long v;
	glob_t g;
	size_t i;
	FILE *f;

	memset(c, 0, sizeof(*c));
	if (glob("/sys/kernel/debug/hyv/vm*/stats", 0, NULL, &g))
		return;
	f = g.gl_pathc == 1 ? fopen(g.gl_pathv[0], "r") : NULL;
	globfree(&g);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < NR_STATS; i++)
			if (sscanf(line, "%63s %llu", key, &v) == 2 &&
			    !strcmp(key, hyv_stat_keys[i]))
				c->v[i] = v;
	fclose(f);
}

static void read_counters(struct counters *c)
{
	char path[128];
	size_t i;

	if (side_hyv) {
		read_hyv_counters(c);
		return;
	}
	for (i = 0; i < NR_STATS; i++) {
		unsigned long long v = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%s", stat_names[i]);
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%llu", &v) != 1)
				v = 0;
			fclose(f);
		}
		c->v[i] = v;
	}
}

/* The markers' own exits, measured once (all zero until then). */
static struct counters harness;

static void print_delta(const struct counters *a, const struct counters *b,
			const struct counters *less, u64 ops)
{
	u64 d;
	size_t i;

	for (i = 0; i < NR_STATS; i++) {
		d = b->v[i] - a->v[i];
		d = d > less->v[i] ? d - less->v[i] : 0;
		printf(" %s=%.4f", stat_names[i], (double)d / ops);
	}
}

int main(int argc, char **argv)
{
	int out_pipe[2], in_pipe[2], status = 0, timeout_s;
	struct counters c_start, c_sync[2], c_init;
	bool have_pair = false, done = false;
	char buf[4096], line[4096];
	size_t len = 0;
	int nsync = 0;
	const char *side;
	u64 t0, deadline;
	pid_t pid;

	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: %s TIMEOUT_S SIDE -- VMM [ARG]...\n", argv[0]);
		return 2;
	}
	timeout_s = atoi(argv[1]);
	side = argv[2];
	side_hyv = !strcmp(side, "hyv");
	if (side_hyv)
		stat_names = hyv_stat_names;
	if (pipe2(out_pipe, O_CLOEXEC) || pipe2(in_pipe, O_CLOEXEC)) {
		perror("l2-run: pipe");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	read_counters(&c_start);
	t0 = now_ns();
	deadline = t0 + (u64)timeout_s * 1000000000ULL;
	pid = fork();
	if (pid < 0) {
		perror("l2-run: fork");
		return 1;
	}
	if (!pid) {
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		execvp(argv[4], argv + 4);
		perror("l2-run: exec");
		_exit(127);
	}
	close(in_pipe[0]);
	close(out_pipe[1]);

	while (!done) {
		struct pollfd p = { .fd = out_pipe[0], .events = POLLIN };
		u64 now = now_ns();
		ssize_t n;

		if (now >= deadline) {
			fprintf(stderr, "l2-run: timeout after %d s, killing QEMU\n", timeout_s);
			printf("fail l2-timeout %s\n", side);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (deadline - now) / 1000000 + 1) <= 0)
			continue;
		n = read(out_pipe[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && len < sizeof(line) - 1) {
				if (buf[i] != '\r')
					line[len++] = buf[i];
				continue;
			}
			line[len] = 0;
			len = 0;
			if (strstr(line, "HYVB-L2-INIT")) {
				read_counters(&c_init);
				printf("row l2-boot %s %.1f 1", side, (double)(now_ns() - t0));
				print_delta(&c_start, &c_init, &(struct counters){}, 1);
				printf("\n");
			} else if (!strncmp(line, "HYVB-SYNC", 9)) {
				read_counters(&c_sync[nsync & 1]);
				have_pair = nsync & 1;
				nsync++;
				if (write(in_pipe[1], "\n", 1) != 1)
					perror("l2-run: answering the guest");
			} else if (!strcmp(line, "harness") && have_pair) {
				for (size_t k = 0; k < NR_STATS; k++)
					harness.v[k] = c_sync[1].v[k] - c_sync[0].v[k];
				printf("# %s: the markers cost", side);
				print_delta(&(struct counters){}, &harness,
					    &(struct counters){}, 1);
				printf(" (taken off each workload)\n");
				have_pair = false;
			} else if (!strncmp(line, "row ", 4)) {
				char name[64], rside[32];
				double ns;
				unsigned long long ops;

				if (have_pair && sscanf(line, "row %63s %31s %lf %llu",
							name, rside, &ns, &ops) == 4 && ops) {
					printf("%s", line);
					print_delta(&c_sync[0], &c_sync[1], &harness,
						    ops);
					printf("\n");
				} else {
					printf("%s\n", line);
				}
				have_pair = false;
			} else if (!strncmp(line, "fail ", 5) || line[0] == '#') {
				printf("%s\n", line);
			} else {
				fprintf(stderr, "L2: %s\n", line);
			}
			fflush(stdout);
		}
	}
	close(in_pipe[1]);
	close(out_pipe[0]);
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "l2-run: QEMU ended with status %#x\n", status);
		return 1;
	}
	return 0;
}

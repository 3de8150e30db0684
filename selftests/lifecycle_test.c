// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycles and permissions (issue #14, items 4 and 5): a VMM process
 * with VMs, running vCPUs, slots, irqfds and doorbells is SIGKILLed at a
 * random point, twenty times over; afterwards hyv holds no module
 * reference and no VM (its debugfs directory is empty again), and a new
 * VM runs. /dev/hyv is not for an unprivileged user, and a VM's fds are
 * useless in a process other than the creator. A CPU goes offline and
 * comes back, again and again, under vCPUs running in guest mode (on it,
 * among others), and the VM keeps computing right values.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"

#define CYCLES		20
#define CHILD_VCPUS	2
#define NOBODY		65534
#define MSI_ADDR	0xfee00000ULL

static u64 guest_rounds;

/* Spin, ring a doorbell, exit to the VMM now and then: a busy guest. */
static void guest_busy(void)
{
	u64 i;

	for (i = 0;; i++) {
		guest_rounds++;
		guest_hypercall(HYV_HC_DOORBELL, 0, 0, 0, 0);
		if (!(i & 63))
			GUEST_SYNC(i);
	}
}

static void *child_vcpu_thread(void *arg)
{
	struct hyv_vcpu *vcpu = arg;

	for (;;)
		__hyv_vcpu_run(vcpu);
	return NULL;
}

/*
 * The VMM that gets killed: two VMs' worth of objects, vCPUs running in
 * threads, and the main thread changing slots and signalling eventfds
 * until the SIGKILL. Says "ready" on @ready once everything runs.
 */
static void __noreturn child_vmm(int ready, unsigned int seed)
{
	struct hyv_vcpu *vcpus[CHILD_VCPUS];
	struct hyv_memory_slot slot = { .slot = 2, .size = SZ_2M };
	struct hyv_irqfd irqfd = { .msi_address = MSI_ADDR, .msi_data = 0x40 };
	struct hyv_doorbell db = {};
	struct hyv_vm *vm, *vm2;
	pthread_t threads[CHILD_VCPUS];
	u64 one = 1, i;
	void *extra;
	int efd, dfd;

	srand(seed);
	vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	vm2 = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);	/* idle, with a vCPU */
	hyv_vcpu_add(vm2, 0, guest_busy);
	extra = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HYV_ASSERT(extra != MAP_FAILED, "mmap");
	hyv_vm_set_slot(vm, 1, 0x10000000, SZ_2M, extra);
	efd = eventfd(0, EFD_CLOEXEC);
	dfd = eventfd(0, EFD_CLOEXEC);
	HYV_ASSERT(efd >= 0 && dfd >= 0, "eventfd");
	irqfd.fd = efd;
	HYV_ASSERT(!ioctl(vm->fd, HYV_IRQFD, &irqfd), "HYV_IRQFD");
	db.fd = dfd;
	HYV_ASSERT(!ioctl(vm->fd, HYV_DOORBELL, &db), "HYV_DOORBELL");

	for (i = 0; i < CHILD_VCPUS; i++) {
		vcpus[i] = hyv_vcpu_add(vm, i, guest_busy);
		HYV_ASSERT(!pthread_create(&threads[i], NULL, child_vcpu_thread,
					   vcpus[i]), "pthread_create");
	}
	HYV_ASSERT(write(ready, "r", 1) == 1, "ready");
	slot.userspace_addr = (u64)extra + SZ_2M;
	for (i = 0;; i++) {
		slot.guest_phys_addr = 0x20000000 + (rand() % 8) * SZ_2M;
		slot.size = (i & 1) ? SZ_2M : 0;
		ioctl(vm->fd, HYV_SET_MEMORY_SLOT, &slot);
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			break;
		usleep(rand() % 2000);
	}
	_exit(1);
}

/* hyv's module references, from sysfs; -1 when hyv is not a module. */
static int hyv_refcnt(void)
{
	FILE *f = fopen("/sys/module/hyv/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* VMs alive: the vmN directories in hyv's debugfs; -1 without debugfs. */
static int hyv_live_vms(void)
{
	DIR *d = opendir("/sys/kernel/debug/hyv");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vm", 2))
			n++;
	closedir(d);
	return n;
}

/* Wait up to ~10 s for the last references of dead VMMs to go. */
static bool settled(int refcnt, int vms)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (hyv_refcnt() == refcnt && hyv_live_vms() == vms)
			return true;
		usleep(100000);
	}
	return false;
}

static void guest_done(void)
{
	GUEST_DONE();
}

TEST(vmms_sigkilled_at_random_points_leave_no_reference_and_no_vm)
{
	int refcnt = hyv_refcnt(), vms = hyv_live_vms(), ready[2], status;
	unsigned int seed = time(NULL) ^ getpid(), cycle, killed_running = 0;
	struct hyv_vcpu *vcpu;
	const char *s = getenv("HYV_LIFECYCLE_SEED");
	pid_t pid;
	char c;

	if (s)
		seed = strtoul(s, NULL, 0);
	printf("# seed %u (replay: HYV_LIFECYCLE_SEED=%u)\n", seed, seed);
	srand(seed);
	ASSERT_LE(0, refcnt) TH_LOG("no /sys/module/hyv/refcnt");
	for (cycle = 0; cycle < CYCLES; cycle++) {
		/* Stage 0: killed while it sets up; else while vCPUs run. */
		unsigned int stage = rand() % 4, delay_us = rand() % 300000;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(ready[0]);
			child_vmm(ready[1], seed + cycle);
		}
		close(ready[1]);
		if (stage == 0) {
			usleep(delay_us / 10);
		} else {
			ASSERT_EQ(1, read(ready[0], &c, 1))
				TH_LOG("cycle %u: the VMM died before it was ready",
				       cycle);
			usleep(delay_us);
			killed_running++;
		}
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		close(ready[0]);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("cycle %u: the VMM ended with status %#x", cycle,
			       status);
	}
	EXPECT_LE(1, killed_running);
	EXPECT_TRUE(settled(refcnt, vms))
		TH_LOG("after %u kills: %d module references (before: %d), %d VMs (before: %d)",
		       CYCLES, hyv_refcnt(), refcnt, hyv_live_vms(), vms);

	/* And hyv still works. */
	vcpu = hyv_vm_create_with_vcpu(guest_done);
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
	EXPECT_TRUE(settled(refcnt, vms));
}

/* Run @fn in a child as uid/gid 65534 without supplementary groups. */
static int as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* 0: open failed with EACCES; 1: it opened; 2: another error. */
static int open_dev_hyv(void *arg)
{
	int fd = open("/dev/hyv", O_RDWR);

	(void)arg;
	if (fd >= 0)
		return 1;
	return errno == EACCES ? 0 : 2;
}

TEST(dev_hyv_is_eacces_for_an_unprivileged_user)
{
	int fd = open("/dev/hyv", O_RDWR);

	ASSERT_LE(0, fd) TH_LOG("root cannot open /dev/hyv");
	close(fd);
	EXPECT_EQ(0, as_nobody(open_dev_hyv, NULL))
		TH_LOG("uid %d: 1 = opened, 2 = not EACCES, 100 = setuid failed",
		       NOBODY);
}

/* A child (another mm) with the creator's VM and vCPU fds: EIO for all. */
static int use_inherited_fds(void *arg)
{
	struct hyv_vcpu *vcpu = arg;
	struct hyv_regs regs;

	if (ioctl(vcpu->vm->fd, HYV_CREATE_VCPU, 5) != -1 || errno != EIO)
		return 1;
	if (ioctl(vcpu->fd, HYV_RUN, 0) != -1 || errno != EIO)
		return 2;
	if (ioctl(vcpu->fd, HYV_GET_REGS, &regs) != -1 || errno != EIO)
		return 3;
	return 0;
}

TEST(vm_fds_in_another_process_give_eio)
{
	struct hyv_vcpu *vcpu = hyv_vm_create_with_vcpu(guest_done);
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(use_inherited_fds(vcpu));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("1 CREATE_VCPU, 2 RUN, 3 GET_REGS");
	hyv_vcpu_run_done(vcpu);
	hyv_vm_free_with_vcpu(vcpu);
}

/* ---- CPU hotplug under running vCPUs --------------------------------------- */

#define HOTPLUG_VCPUS		3
#define HOTPLUG_ROUNDS		6
#define HOTPLUG_CPU		"/sys/devices/system/cpu/cpu1/online"
#define HOTPLUG_STALL_S		30

static inline u64 hotplug_value(u64 i, u64 id)
{
	return (i + id) * 0x9e3779b97f4a7c15ULL ^ (i << 13) ^ id;
}

/* Each round a value the host recomputes; no exit but the report. */
static void guest_hotplug(u64 id)
{
	u64 i, j, v;

	for (i = 0;; i++) {
		v = 0;
		for (j = 0; j < 64; j++)
			v = v * 31 + hotplug_value(i + j, id);
		GUEST_SYNC4(i, v, id, 0);
	}
}

static u64 hotplug_expected(u64 i, u64 id)
{
	u64 j, v = 0;

	for (j = 0; j < 64; j++)
		v = v * 31 + hotplug_value(i + j, id);
	return v;
}

struct hotplug_vcpu {
	struct hyv_vcpu *vcpu;
	pthread_t tid;
	int stop;		/* __atomic */
	u64 reports;		/* __atomic: right reports so far */
	u64 bad;		/* wrong reports, failed RUNs, other exits */
	char why[160];
};

static void hotplug_kick(int sig)
{
	(void)sig;
}

static void *hotplug_runner(void *arg)
{
	struct hotplug_vcpu *h = arg;
	struct hyv_ucall uc;
	u64 next = 0;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		if (__hyv_vcpu_run(h->vcpu)) {
			if (errno == EINTR)
				continue;
			snprintf(h->why, sizeof(h->why), "RUN: %s", strerror(errno));
			h->bad++;
			break;
		}
		if (hyv_vcpu_get_ucall(h->vcpu, &uc) != UCALL_SYNC ||
		    uc.args[0] != next ||
		    uc.args[1] != hotplug_expected(next, h->vcpu->id)) {
			snprintf(h->why, sizeof(h->why),
				 "report %llu: ucall %llu, round %llu, value %#llx (expected %#llx)",
				 next, uc.cmd, uc.args[0], uc.args[1],
				 hotplug_expected(next, h->vcpu->id));
			h->bad++;
			break;
		}
		next++;
		__atomic_store_n(&h->reports, next, __ATOMIC_RELEASE);
	}
	return NULL;
}

static bool cpu1_online(void)
{
	FILE *f = fopen(HOTPLUG_CPU, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v == 1;
}

static int cpu1_set(bool online)
{
	int fd = open(HOTPLUG_CPU, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, online ? "1" : "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/* Runner i on CPU i % 2: one of them is on CPU 1 when it goes. */
static void hotplug_pin(struct hotplug_vcpu *h, int i)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(i % 2, &set);
	pthread_setaffinity_np(h->tid, sizeof(set), &set);
}

/* Wait until every runner reported @more times past @from; false: a stall. */
static bool hotplug_progress(struct hotplug_vcpu *h, u64 *from, u64 more)
{
	u64 t0 = host_now_ns();
	int i;

	for (i = 0; i < HOTPLUG_VCPUS; i++) {
		while (__atomic_load_n(&h[i].reports, __ATOMIC_ACQUIRE) <
		       from[i] + more) {
			if (h[i].bad ||
			    host_now_ns() - t0 > HOTPLUG_STALL_S * 1000000000ULL)
				return false;
			usleep(1000);
		}
	}
	for (i = 0; i < HOTPLUG_VCPUS; i++)
		from[i] = __atomic_load_n(&h[i].reports, __ATOMIC_ACQUIRE);
	return true;
}

TEST(cpu_offline_online_under_running_vcpus_keeps_the_vm_computing)
{
	struct sigaction sa = { .sa_handler = hotplug_kick };
	struct hotplug_vcpu h[HOTPLUG_VCPUS] = {};
	u64 seen[HOTPLUG_VCPUS] = {}, t0;
	struct hyv_vm *vm;
	int i, round, ret;

	if (access(HOTPLUG_CPU, W_OK) || !cpu1_online())
		SKIP(return, "no second CPU to take offline");
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	for (i = 0; i < HOTPLUG_VCPUS; i++) {
		h[i].vcpu = hyv_vcpu_add(vm, i, guest_hotplug);
		hyv_vcpu_set_args(h[i].vcpu, i, 0);
		ASSERT_EQ(0, pthread_create(&h[i].tid, NULL, hotplug_runner, &h[i]));
		hotplug_pin(&h[i], i);
	}
	t0 = host_now_ns();
	ASSERT_TRUE(hotplug_progress(h, seen, 20)) TH_LOG("the vCPUs never ran");

	for (round = 0; round < HOTPLUG_ROUNDS; round++) {
		ret = cpu1_set(false);
		EXPECT_EQ(0, ret) TH_LOG("round %d: offline: %s", round,
					 strerror(-ret));
		EXPECT_FALSE(cpu1_online());
		/* Every vCPU (CPU 1's too) keeps computing, on CPU 0. */
		EXPECT_TRUE(hotplug_progress(h, seen, 20))
			TH_LOG("round %d: no progress with CPU 1 offline", round);
		ret = cpu1_set(true);
		EXPECT_EQ(0, ret) TH_LOG("round %d: online: %s", round,
					 strerror(-ret));
		EXPECT_TRUE(cpu1_online());
		for (i = 0; i < HOTPLUG_VCPUS; i++)
			hotplug_pin(&h[i], i);	/* the offline broke it */
		EXPECT_TRUE(hotplug_progress(h, seen, 20))
			TH_LOG("round %d: no progress with CPU 1 back", round);
		if (!_metadata->passed)
			break;
	}
	/* And afterwards: the VM computes on, on both CPUs. */
	EXPECT_TRUE(hotplug_progress(h, seen, 100));

	for (i = 0; i < HOTPLUG_VCPUS; i++) {
		__atomic_store_n(&h[i].stop, 1, __ATOMIC_RELEASE);
		h[i].vcpu->run->immediate_exit = 1;
	}
	for (i = 0; i < HOTPLUG_VCPUS; i++) {
		while (pthread_tryjoin_np(h[i].tid, NULL) == EBUSY) {
			pthread_kill(h[i].tid, SIGUSR1);
			usleep(1000);
		}
		EXPECT_EQ(0, h[i].bad) TH_LOG("vCPU %d: %s", i, h[i].why);
		printf("# vCPU %d: %llu right values\n", i, h[i].reports);
		hyv_vcpu_free(h[i].vcpu);
	}
	printf("# %d offline/online rounds in %llu ms\n", round,
	       (host_now_ns() - t0) / 1000000);
	hyv_vm_free(vm);
	if (!cpu1_online())
		cpu1_set(true);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycles and permissions (issue #14, items 4 and 5): a VMM process
 * with VMs, running vCPUs, slots, irqfds and doorbells is SIGKILLed at a
 * random point, twenty times over; afterwards hyv holds no module
 * reference and no VM (its debugfs directory is empty again), and a new
 * VM runs. /dev/hyv is not for an unprivileged user, and a VM's fds are
 * useless in a process other than the creator.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
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

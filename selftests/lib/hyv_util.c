// SPDX-License-Identifier: GPL-2.0
/*
 * The selftest library's generic part: /dev/hyv, VMs with their memory and
 * guest image, vCPUs with their run page, and running a vCPU to an exit or
 * a ucall. See hyv_util.h for how guest code gets into the guest.
 */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hyv_util.h"

void __hyv_fatal(const char *file, int line, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (errno %d: %s)\n", saved_errno, strerror(saved_errno));
	fflush(stderr);
	abort();
}

/*
 * Is this machine QEMU's TCG (hypervisor leaf "TCGTCGTCGTCG")? Its SVM
 * emulation delivers an interrupt injected at VMRUN twice now and then
 * (lib/guest_irq.c): tests allow that there, and nowhere else.
 */
bool host_under_qemu_tcg(void)
{
	u32 a, b, c, d;
	char sig[13];

	__cpuid(1, a, b, c, d);
	if (!(c & BIT(31)))
		return false;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	return !strcmp(sig, "TCGTCGTCGTCG");
}

/* CLOCK_MONOTONIC in nanoseconds. */
u64 host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int hyv_open_dev(void)
{
	int fd = open("/dev/hyv", O_RDWR | O_CLOEXEC);

	HYV_ASSERT(fd >= 0, "open /dev/hyv (is hyv.ko loaded?)");
	return fd;
}

/* HYV_CHECK_CAP on /dev/hyv: its value, or -1 with errno set. */
int __hyv_check_cap(unsigned long cap)
{
	int fd = hyv_open_dev(), ret, err;

	ret = ioctl(fd, HYV_CHECK_CAP, cap);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

int hyv_check_cap(unsigned long cap)
{
	int ret = __hyv_check_cap(cap);

	HYV_ASSERT(ret >= 0, "HYV_CHECK_CAP %lu", cap);
	return ret;
}

const char *hyv_exit_name(u32 reason)
{
	static const char * const names[] = {
		[HYV_EXIT_NONE]			= "NONE",
		[HYV_EXIT_IO]			= "IO",
		[HYV_EXIT_MMIO]			= "MMIO",
		[HYV_EXIT_HLT]			= "HLT",
		[HYV_EXIT_SHUTDOWN]		= "SHUTDOWN",
		[HYV_EXIT_FAIL_ENTRY]		= "FAIL_ENTRY",
		[HYV_EXIT_INTERNAL_ERROR]	= "INTERNAL_ERROR",
		[HYV_EXIT_INTR]			= "INTR",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "unknown";
}

void *hyv_vm_gpa_to_hva(struct hyv_vm *vm, u64 gpa)
{
	HYV_ASSERT(gpa < vm->mem_size, "gpa %#llx outside slot 0", gpa);
	return vm->mem + gpa;
}

/*
 * Copy the test binary's loadable segments to the same addresses in guest
 * memory. AT_PHDR gives the executable's own program headers only (no
 * vDSO); the binary is not PIE, so p_vaddr is the real address.
 */
static void vm_load_image(struct hyv_vm *vm)
{
	const Elf64_Phdr *phdr = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long i, phnum = getauxval(AT_PHNUM);

	HYV_ASSERT(phdr && phnum, "no program headers in auxv");
	for (i = 0; i < phnum; i++) {
		u64 start = phdr[i].p_vaddr, end = start + phdr[i].p_memsz;

		if (phdr[i].p_type != PT_LOAD)
			continue;
		HYV_ASSERT(start >= HYV_DATA_END &&
			   end + HYV_MAX_VCPUS * HYV_STACK_SIZE <= vm->mem_size,
			   "segment [%#llx, %#llx) does not fit below the stacks of a %#llx-byte guest",
			   start, end, vm->mem_size);
		memcpy(vm->mem + start, (void *)start, end - start);
	}
}

int __hyv_vm_set_slot(struct hyv_vm *vm, u32 slot, u32 flags, u64 gpa,
		      u64 size, void *hva)
{
	struct hyv_memory_slot s = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.size = size,
		.userspace_addr = (u64)hva,
	};

	return ioctl(vm->fd, HYV_SET_MEMORY_SLOT, &s);
}

void hyv_vm_set_slot(struct hyv_vm *vm, u32 slot, u64 gpa, u64 size, void *hva)
{
	int ret = __hyv_vm_set_slot(vm, slot, 0, gpa, size, hva);

	HYV_ASSERT(!ret, "HYV_SET_MEMORY_SLOT slot %u gpa %#llx size %#llx",
		   slot, gpa, size);
}

/*
 * A VM with mem_size bytes of anonymous memory as slot 0 at GPA 0, the
 * test binary loaded at its own addresses, and page tables, GDT and IDT.
 */
struct hyv_vm *hyv_vm_create(u64 mem_size)
{
	struct hyv_vm *vm = calloc(1, sizeof(*vm));

	HYV_ASSERT(vm, "calloc");
	HYV_ASSERT(!(mem_size % SZ_2M), "mem_size %#llx", mem_size);
	vm->dev_fd = hyv_open_dev();
	vm->fd = ioctl(vm->dev_fd, HYV_CREATE_VM, 0);
	HYV_ASSERT(vm->fd >= 0, "HYV_CREATE_VM");

	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HYV_ASSERT(vm->mem != MAP_FAILED, "mmap %#llx bytes", mem_size);

	vm_load_image(vm);
	hyv_vm_setup_x86(vm);
	hyv_vm_set_slot(vm, 0, 0, mem_size, vm->mem);
	return vm;
}

void hyv_vm_free(struct hyv_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	close(vm->dev_fd);
	munmap(vm->mem, vm->mem_size);
	free(vm);
}

/* vCPU 'id' in 64-bit mode, about to enter guest_code(0, 0). */
struct hyv_vcpu *hyv_vcpu_add(struct hyv_vm *vm, u32 id, void *guest_code)
{
	struct hyv_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int size;

	HYV_ASSERT(vcpu, "calloc");
	HYV_ASSERT(id < HYV_MAX_VCPUS, "vcpu id %u", id);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, HYV_CREATE_VCPU, id);
	HYV_ASSERT(vcpu->fd >= 0, "HYV_CREATE_VCPU %u", id);

	size = ioctl(vm->dev_fd, HYV_GET_VCPU_MMAP_SIZE, 0);
	HYV_ASSERT(size >= (int)sizeof(struct hyv_run),
		   "HYV_GET_VCPU_MMAP_SIZE returned %d", size);
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	HYV_ASSERT(vcpu->run != MAP_FAILED, "mmap of the run page");

	hyv_vcpu_setup_long_mode(vcpu);
	hyv_vcpu_set_entry(vcpu, guest_code);
	return vcpu;
}

void hyv_vcpu_free(struct hyv_vcpu *vcpu)
{
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

struct hyv_vcpu *hyv_vm_create_with_vcpu(void *guest_code)
{
	return hyv_vcpu_add(hyv_vm_create(HYV_DEFAULT_MEM_SIZE), 0, guest_code);
}

void hyv_vm_free_with_vcpu(struct hyv_vcpu *vcpu)
{
	struct hyv_vm *vm = vcpu->vm;

	hyv_vcpu_free(vcpu);
	hyv_vm_free(vm);
}

void hyv_vcpu_get_regs(struct hyv_vcpu *vcpu, struct hyv_regs *regs)
{
	HYV_ASSERT(!ioctl(vcpu->fd, HYV_GET_REGS, regs), "HYV_GET_REGS");
}

void hyv_vcpu_set_regs(struct hyv_vcpu *vcpu, const struct hyv_regs *regs)
{
	HYV_ASSERT(!ioctl(vcpu->fd, HYV_SET_REGS, regs), "HYV_SET_REGS");
}

void hyv_vcpu_get_sregs(struct hyv_vcpu *vcpu, struct hyv_sregs *sregs)
{
	HYV_ASSERT(!ioctl(vcpu->fd, HYV_GET_SREGS, sregs), "HYV_GET_SREGS");
}

void hyv_vcpu_set_sregs(struct hyv_vcpu *vcpu, const struct hyv_sregs *sregs)
{
	HYV_ASSERT(!ioctl(vcpu->fd, HYV_SET_SREGS, sregs), "HYV_SET_SREGS");
}

/* The guest function's first two arguments (RDI, RSI). */
void hyv_vcpu_set_args(struct hyv_vcpu *vcpu, u64 a0, u64 a1)
{
	struct hyv_regs regs;

	hyv_vcpu_get_regs(vcpu, &regs);
	regs.rdi = a0;
	regs.rsi = a1;
	hyv_vcpu_set_regs(vcpu, &regs);
}

void hyv_vcpu_describe_exit(struct hyv_vcpu *vcpu, char *buf, size_t len)
{
	struct hyv_run *run = vcpu->run;
	int n;

	n = snprintf(buf, len, "exit %s (%u)", hyv_exit_name(run->exit_reason),
		     run->exit_reason);
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= n;
	switch (run->exit_reason) {
	case HYV_EXIT_IO:
		snprintf(buf, len, ": %s port %#x size %u data %#x",
			 run->io.direction == HYV_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.data);
		break;
	case HYV_EXIT_MMIO:
		snprintf(buf, len, ": %s gpa %#llx len %u data %#llx count %u",
			 run->mmio.is_write ? "write" : "read",
			 run->mmio.phys_addr, run->mmio.len, run->mmio.data,
			 run->mmio.count);
		break;
	case HYV_EXIT_FAIL_ENTRY:
		snprintf(buf, len, ": hardware reason %#llx on cpu %u",
			 run->fail_entry.hardware_reason, run->fail_entry.cpu);
		break;
	case HYV_EXIT_INTERNAL_ERROR:
		snprintf(buf, len, ": suberror %u, vendor code %#llx, %#llx",
			 run->internal.suberror, run->internal.data[0],
			 run->internal.data[1]);
		break;
	default:
		break;
	}
}

/* The ucall this exit is, or UCALL_NONE if it is not one. */
u64 hyv_vcpu_get_ucall(struct hyv_vcpu *vcpu, struct hyv_ucall *uc)
{
	struct hyv_run *run = vcpu->run;
	struct hyv_regs regs;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != HYV_EXIT_IO || run->io.port != HYV_UCALL_PORT ||
	    run->io.direction != HYV_IO_OUT || run->io.size != 4)
		return UCALL_NONE;

	hyv_vcpu_get_regs(vcpu, &regs);
	uc->cmd = run->io.data;
	uc->args[0] = regs.rdi;
	uc->args[1] = regs.rsi;
	uc->args[2] = regs.rdx;
	uc->args[3] = regs.rcx;
	return uc->cmd;
}

int __hyv_vcpu_run(struct hyv_vcpu *vcpu)
{
	return ioctl(vcpu->fd, HYV_RUN, 0);
}

/*
 * Run once; RUN itself must succeed, and a guest assertion or exception
 * fails the test here with what the guest reported.
 */
u32 hyv_vcpu_run(struct hyv_vcpu *vcpu)
{
	struct hyv_ucall uc;
	char desc[160];

	if (__hyv_vcpu_run(vcpu)) {
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		HYV_FATAL("HYV_RUN failed, %s", desc);
	}

	switch (hyv_vcpu_get_ucall(vcpu, &uc)) {
	case UCALL_ASSERT:
		HYV_FATAL("guest assertion failed: %s (values %#llx, %#llx)",
			  (const char *)uc.args[0], uc.args[1], uc.args[2]);
	case UCALL_EXCEPTION:
		HYV_FATAL("guest exception vector %llu at rip %#llx, error code %#llx",
			  uc.args[0], uc.args[1], uc.args[2]);
	default:
		break;
	}
	return vcpu->run->exit_reason;
}

void hyv_vcpu_run_expect(struct hyv_vcpu *vcpu, u32 exit_reason)
{
	char desc[160];

	if (hyv_vcpu_run(vcpu) != exit_reason) {
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		HYV_FATAL("expected exit %s, got %s", hyv_exit_name(exit_reason),
			  desc);
	}
}

/* Run to the next ucall; any other exit fails the test. */
u64 hyv_vcpu_run_ucall(struct hyv_vcpu *vcpu, struct hyv_ucall *uc)
{
	char desc[160];

	hyv_vcpu_run(vcpu);
	if (hyv_vcpu_get_ucall(vcpu, uc) == UCALL_NONE) {
		hyv_vcpu_describe_exit(vcpu, desc, sizeof(desc));
		HYV_FATAL("expected a ucall, got %s", desc);
	}
	return uc->cmd;
}

/* Run to the next GUEST_SYNC and return its first value. */
u64 hyv_vcpu_run_sync(struct hyv_vcpu *vcpu)
{
	struct hyv_ucall uc;

	HYV_ASSERT(hyv_vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC,
		   "expected UCALL_SYNC, got ucall %llu", uc.cmd);
	return uc.args[0];
}

/* Run to GUEST_DONE (or the guest function's return) and return arg0. */
u64 hyv_vcpu_run_done(struct hyv_vcpu *vcpu)
{
	struct hyv_ucall uc;

	HYV_ASSERT(hyv_vcpu_run_ucall(vcpu, &uc) == UCALL_DONE,
		   "expected UCALL_DONE, got ucall %llu (arg %#llx)",
		   uc.cmd, uc.args[0]);
	return uc.args[0];
}

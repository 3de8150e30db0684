// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/hyv ABI at its edges: version and sizes, the errno of every
 * kind of bad request (unknown ioctl, bad flags, non-zero padding, bad
 * slots, bad vCPU ids, bad pointers), and a VM that still runs afterwards.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hyv_test.h"
#include "hyv_util.h"

/* Expect ioctl(fd, cmd, arg) to fail with errno e. */
#define EXPECT_IOCTL_ERRNO(e, fd, cmd, arg)				\
	do {								\
		errno = 0;						\
		EXPECT_EQ(-1, ioctl(fd, cmd, arg));			\
		EXPECT_EQ(e, errno) TH_LOG("ioctl %s", #cmd);		\
	} while (0)

static void guest_add(u64 a, u64 b)
{
	asm volatile("hlt" : : "a"(a + b));
}

/* The VM still runs guest code: whatever failed before left it intact. */
static void check_runs(struct __test_metadata *_metadata,
		       struct hyv_vcpu *vcpu)
{
	struct hyv_regs regs;

	hyv_vcpu_set_entry(vcpu, guest_add);
	hyv_vcpu_set_args(vcpu, 1000, 337);
	hyv_vcpu_run_expect(vcpu, HYV_EXIT_HLT);
	hyv_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(1337, regs.rax);
}

FIXTURE(vm) {
	struct hyv_vcpu *vcpu;
	struct hyv_vm *vm;
};

FIXTURE_SETUP(vm)
{
	self->vcpu = hyv_vm_create_with_vcpu(guest_add);
	self->vm = self->vcpu->vm;
}

FIXTURE_TEARDOWN(vm)
{
	check_runs(_metadata, self->vcpu);
	hyv_vm_free_with_vcpu(self->vcpu);
}

TEST(api_version_is_hyv_api_version)
{
	int fd = hyv_open_dev();

	EXPECT_EQ(HYV_API_VERSION, ioctl(fd, HYV_GET_API_VERSION, 0));
	close(fd);
}

TEST(vcpu_mmap_size_covers_struct_hyv_run)
{
	int fd = hyv_open_dev();
	int size = ioctl(fd, HYV_GET_VCPU_MMAP_SIZE, 0);

	EXPECT_LE((int)sizeof(struct hyv_run), size);
	EXPECT_EQ(0, size % getpagesize());
	close(fd);
}

TEST(dev_ioctls_with_nonzero_argument_are_einval)
{
	int fd = hyv_open_dev();

	EXPECT_IOCTL_ERRNO(EINVAL, fd, HYV_GET_API_VERSION, 1);
	EXPECT_IOCTL_ERRNO(EINVAL, fd, HYV_GET_VCPU_MMAP_SIZE, 1);
	close(fd);
}

TEST(create_vm_with_nonzero_argument_is_einval)
{
	int fd = hyv_open_dev();

	EXPECT_IOCTL_ERRNO(EINVAL, fd, HYV_CREATE_VM, 1);
	EXPECT_IOCTL_ERRNO(EINVAL, fd, HYV_CREATE_VM, 1UL << 63);
	close(fd);
}

/*
 * HYV_CHECK_CAP, capability by capability: the backend matches the CPU
 * vendor, the limits are uapi's, the TSC rate is the one HYV_GET_TSC_KHZ
 * gives, the features are there (1). Numbers past the last are -EINVAL.
 */
#define CAP_BACKEND	-1	/* value: the backend, checked below */
#define CAP_TSC_KHZ	-2	/* value: HYV_GET_TSC_KHZ */

static const struct {
	unsigned long cap;
	const char *name;
	int value;
} known_caps[] = {
	{ HYV_CAP_BACKEND,	"BACKEND",	CAP_BACKEND },
	{ HYV_CAP_MAX_VCPUS,	"MAX_VCPUS",	HYV_MAX_VCPUS },
	{ HYV_CAP_MAX_SLOTS,	"MAX_SLOTS",	HYV_MAX_MEMORY_SLOTS },
	{ HYV_CAP_MMIO_DECODE,	"MMIO_DECODE",	1 },
	{ HYV_CAP_READONLY_MEM,	"READONLY_MEM",	1 },
	{ HYV_CAP_DIRTY_LOG,	"DIRTY_LOG",	1 },
	{ HYV_CAP_HUGE_PAGES,	"HUGE_PAGES",	1 },
	{ HYV_CAP_LAPIC,	"LAPIC",	1 },
	{ HYV_CAP_IRQFD,	"IRQFD",	1 },
	{ HYV_CAP_DOORBELL,	"DOORBELL",	1 },
	{ HYV_CAP_CPUID,	"CPUID",	1 },
	{ HYV_CAP_MSRS,		"MSRS",		1 },
	{ HYV_CAP_XSAVE,	"XSAVE",	1 },
	{ HYV_CAP_TSC_KHZ,	"TSC_KHZ",	CAP_TSC_KHZ },
	{ HYV_CAP_VCPU_EVENTS,	"VCPU_EVENTS",	1 },
	{ HYV_CAP_STRING_IO,	"STRING_IO",	1 },
	{ HYV_CAP_STRING_MMIO,	"STRING_MMIO",	1 },
};

static_assert(ARRAY_SIZE(known_caps) == HYV_CAP_NR,
	      "a value for every capability");

TEST(check_cap_gives_each_known_capability_its_value)
{
	struct hyv_vm *vm = hyv_vm_create(HYV_DEFAULT_MEM_SIZE);
	int fd = hyv_open_dev(), backend, khz;
	unsigned int i;

	/* AMD and Hygon have SVM, the others VMX (lib/x86.c). */
	backend = hyv_guest_use_vmmcall ? HYV_BACKEND_SVM : HYV_BACKEND_VMX;
	khz = ioctl(vm->fd, HYV_GET_TSC_KHZ, 0);
	ASSERT_LT(0, khz);
	for (i = 0; i < ARRAY_SIZE(known_caps); i++) {
		int want = known_caps[i].value == CAP_BACKEND ? backend :
			   known_caps[i].value == CAP_TSC_KHZ ? khz :
			   known_caps[i].value;

		EXPECT_EQ(i, known_caps[i].cap);
		EXPECT_EQ(want, ioctl(fd, HYV_CHECK_CAP, known_caps[i].cap))
			TH_LOG("HYV_CAP_%s (errno %d)", known_caps[i].name, errno);
	}
	close(fd);
	hyv_vm_free(vm);
}

TEST(check_cap_of_an_unknown_capability_is_einval)
{
	static const unsigned long unknown[] = {
		HYV_CAP_NR, HYV_CAP_NR + 1, 0x7fffffff, 0xffffffff,
		1UL << 32, ~0UL,
	};
	int fd = hyv_open_dev();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(fd, HYV_CHECK_CAP, unknown[i]))
			TH_LOG("cap %#lx", unknown[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("cap %#lx", unknown[i]);
	}
	close(fd);
}

TEST_F(vm, unknown_and_misdirected_ioctls_are_enotty_on_every_fd)
{
	const unsigned long unknown[] = {
		_IO(HYV_IO, 0xff),
		_IOW(HYV_IO, 0x11, u64),	/* right number, wrong size */
		_IO(0xAE, 0x01),		/* KVM_CREATE_VM */
	};
	int fds[] = { self->vm->dev_fd, self->vm->fd, self->vcpu->fd };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(fds); i++)
		for (j = 0; j < ARRAY_SIZE(unknown); j++) {
			errno = 0;
			EXPECT_EQ(-1, ioctl(fds[i], unknown[j], 0));
			EXPECT_EQ(ENOTTY, errno)
				TH_LOG("fd %u, ioctl %#lx", i, unknown[j]);
		}

	/* Real ioctls sent to the wrong kind of fd. */
	EXPECT_IOCTL_ERRNO(ENOTTY, self->vm->dev_fd, HYV_RUN, 0);
	EXPECT_IOCTL_ERRNO(ENOTTY, self->vm->dev_fd, HYV_CREATE_VCPU, 1);
	EXPECT_IOCTL_ERRNO(ENOTTY, self->vm->fd, HYV_RUN, 0);
	EXPECT_IOCTL_ERRNO(ENOTTY, self->vm->fd, HYV_CREATE_VM, 0);
	EXPECT_IOCTL_ERRNO(ENOTTY, self->vcpu->fd, HYV_CREATE_VCPU, 1);
	EXPECT_IOCTL_ERRNO(ENOTTY, self->vcpu->fd, HYV_GET_API_VERSION, 0);
}

TEST_F(vm, memory_slot_with_unknown_flags_is_einval)
{
	const u32 bad[] = { BIT(2), BIT(31), ~HYV_MEM_VALID_FLAGS };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, __hyv_vm_set_slot(self->vm, 1, bad[i], SZ_1G,
						SZ_2M, self->vm->mem));
		EXPECT_EQ(EINVAL, errno) TH_LOG("flags %#x", bad[i]);
	}
}

TEST_F(vm, unaligned_memory_slot_is_einval)
{
	struct { u64 gpa, size, off; } bad[] = {
		{ SZ_1G + 0x800, SZ_2M, 0 },	/* guest address */
		{ SZ_1G, SZ_2M - 0x10, 0 },	/* size */
		{ SZ_1G, SZ_4K, 0x10 },		/* userspace address */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, __hyv_vm_set_slot(self->vm, 1, 0, bad[i].gpa,
						bad[i].size,
						self->vm->mem + bad[i].off));
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %u", i);
	}
}

TEST_F(vm, overlapping_memory_slots_are_eexist)
{
	u64 end = self->vm->mem_size;		/* slot 0 is [0, end) */
	struct { u64 gpa, size; } bad[] = {
		{ 0, SZ_4K },				/* same start */
		{ SZ_2M, SZ_4K },			/* inside */
		{ end - SZ_4K, SZ_2M },			/* straddles the end */
		{ 0, end + SZ_2M },			/* contains it */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, __hyv_vm_set_slot(self->vm, 1, 0, bad[i].gpa,
						bad[i].size, self->vm->mem));
		EXPECT_EQ(EEXIST, errno) TH_LOG("case %u", i);
	}
	/* Adjacent is fine. */
	EXPECT_EQ(0, __hyv_vm_set_slot(self->vm, 1, 0, end, SZ_4K,
				       self->vm->mem));
}

TEST_F(vm, memory_slot_index_out_of_range_is_einval)
{
	const u32 bad[] = { HYV_MAX_MEMORY_SLOTS, HYV_MAX_MEMORY_SLOTS + 1, ~0U };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, __hyv_vm_set_slot(self->vm, bad[i], 0, SZ_1G,
						SZ_4K, self->vm->mem));
		EXPECT_EQ(EINVAL, errno) TH_LOG("slot %u", bad[i]);
	}
	/* The last valid index works. */
	EXPECT_EQ(0, __hyv_vm_set_slot(self->vm, HYV_MAX_MEMORY_SLOTS - 1, 0,
				       SZ_1G, SZ_4K, self->vm->mem));
}

TEST_F(vm, memory_slot_too_big_or_beyond_guest_phys_space_is_einval)
{
	u64 top = 1ULL << HYV_GUEST_PHYS_BITS;
	struct { u64 gpa, size; } bad[] = {
		{ SZ_1G, (HYV_MAX_SLOT_PAGES + 1) * SZ_4K },	/* too big */
		{ top, SZ_4K },					/* beyond */
		{ top - SZ_4K, 2 * SZ_4K },			/* straddles */
		{ ~0ULL & ~(SZ_4K - 1), 2 * SZ_4K },		/* wraps */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, __hyv_vm_set_slot(self->vm, 1, 0, bad[i].gpa,
						bad[i].size, self->vm->mem));
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %u", i);
	}
	/* The last page of guest-physical space is a valid place for a slot. */
	EXPECT_EQ(0, __hyv_vm_set_slot(self->vm, 1, 0, top - SZ_4K, SZ_4K,
				       self->vm->mem));
}

TEST_F(vm, vcpu_id_out_of_range_is_einval_and_duplicate_is_eexist)
{
	int fd;

	EXPECT_IOCTL_ERRNO(EINVAL, self->vm->fd, HYV_CREATE_VCPU, HYV_MAX_VCPUS);
	EXPECT_IOCTL_ERRNO(EINVAL, self->vm->fd, HYV_CREATE_VCPU, 1UL << 32);
	EXPECT_IOCTL_ERRNO(EINVAL, self->vm->fd, HYV_CREATE_VCPU, ~0UL);
	EXPECT_IOCTL_ERRNO(EEXIST, self->vm->fd, HYV_CREATE_VCPU, 0);

	/* The largest id is fine, once. */
	fd = ioctl(self->vm->fd, HYV_CREATE_VCPU, HYV_MAX_VCPUS - 1);
	EXPECT_LE(0, fd);
	EXPECT_IOCTL_ERRNO(EEXIST, self->vm->fd, HYV_CREATE_VCPU, HYV_MAX_VCPUS - 1);
	close(fd);
}

TEST_F(vm, regs_with_nonzero_flags_or_reserved_are_einval)
{
	struct hyv_regs regs;

	hyv_vcpu_get_regs(self->vcpu, &regs);
	EXPECT_EQ(0, regs.flags);
	EXPECT_EQ(0, regs.reserved);

	regs.flags = 1;
	EXPECT_IOCTL_ERRNO(EINVAL, self->vcpu->fd, HYV_SET_REGS, &regs);
	regs.flags = 0;
	regs.reserved = 1ULL << 63;
	EXPECT_IOCTL_ERRNO(EINVAL, self->vcpu->fd, HYV_SET_REGS, &regs);
	regs.reserved = 0;
	EXPECT_EQ(0, ioctl(self->vcpu->fd, HYV_SET_REGS, &regs));
}

/* Every byte in struct hyv_sregs that must be zero. */
static void sregs_must_be_zero(size_t *off, unsigned int *n)
{
	size_t seg0 = offsetof(struct hyv_sregs, cs);
	unsigned int i;

	*n = 0;
	for (i = 0; i < 8; i++)		/* cs ds es fs gs ss tr ldt */
		off[(*n)++] = seg0 + i * sizeof(struct hyv_segment) +
			      offsetof(struct hyv_segment, padding);
	for (i = 0; i < sizeof(((struct hyv_dtable *)0)->padding); i++) {
		off[(*n)++] = offsetof(struct hyv_sregs, gdt.padding) + i;
		off[(*n)++] = offsetof(struct hyv_sregs, idt.padding) + i;
	}
	for (i = 0; i < sizeof(((struct hyv_sregs *)0)->flags); i++)
		off[(*n)++] = offsetof(struct hyv_sregs, flags) + i;
	for (i = 0; i < sizeof(((struct hyv_sregs *)0)->reserved); i++)
		off[(*n)++] = offsetof(struct hyv_sregs, reserved) + i;
}

TEST_F(vm, sregs_with_nonzero_flags_reserved_or_padding_are_einval)
{
	struct hyv_sregs good, bad;
	size_t off[64];
	unsigned int i, n;

	hyv_vcpu_get_sregs(self->vcpu, &good);
	sregs_must_be_zero(off, &n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, ((u8 *)&good)[off[i]]) TH_LOG("GET offset %zu", off[i]);
		bad = good;
		((u8 *)&bad)[off[i]] = 0x80;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->vcpu->fd, HYV_SET_SREGS, &bad))
			TH_LOG("offset %zu", off[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("offset %zu", off[i]);
	}
	EXPECT_EQ(0, ioctl(self->vcpu->fd, HYV_SET_SREGS, &good));
}

TEST_F(vm, bad_user_pointers_are_efault)
{
	void *bad = (void *)8;

	EXPECT_IOCTL_ERRNO(EFAULT, self->vm->fd, HYV_SET_MEMORY_SLOT, bad);
	EXPECT_IOCTL_ERRNO(EFAULT, self->vcpu->fd, HYV_GET_REGS, bad);
	EXPECT_IOCTL_ERRNO(EFAULT, self->vcpu->fd, HYV_SET_REGS, bad);
	EXPECT_IOCTL_ERRNO(EFAULT, self->vcpu->fd, HYV_GET_SREGS, bad);
	EXPECT_IOCTL_ERRNO(EFAULT, self->vcpu->fd, HYV_SET_SREGS, bad);
}

TEST(vcpu_fd_closed_before_vm_fd_and_the_reverse_both_clean_up)
{
	struct hyv_vcpu *a = hyv_vm_create_with_vcpu(guest_add);
	struct hyv_vcpu *b = hyv_vm_create_with_vcpu(guest_add);
	struct hyv_vm *vm = a->vm;

	/* a: vCPU first (the usual order); b: the VM fd first. */
	hyv_vcpu_free(a);
	hyv_vm_free(vm);
	close(b->vm->fd);
	b->vm->fd = -1;
	hyv_vm_free_with_vcpu(b);

	/* And the host still works. */
	a = hyv_vm_create_with_vcpu(guest_add);
	check_runs(_metadata, a);
	hyv_vm_free_with_vcpu(a);
}

TEST_F(vm, memory_slot_outside_user_space_is_einval)
{
	const u64 bad[] = {
		0xffff888000000000ULL,		/* the kernel's direct map */
		0x00007ffffffff000ULL,		/* runs past the user range */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, __hyv_vm_set_slot(self->vm, 1, 0, SZ_1G, 2 * SZ_4K,
						(void *)bad[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("userspace_addr %#llx", bad[i]);
	}
}

TEST_F(vm, run_with_nonzero_argument_is_einval)
{
	EXPECT_IOCTL_ERRNO(EINVAL, self->vcpu->fd, HYV_RUN, 1);
}

TEST_F(vm, run_page_mmap_at_another_offset_or_size_is_einval)
{
	long page = getpagesize();
	void *p;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->vcpu->fd, page);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* The run page and the string-I/O area: no more. */
	p = mmap(NULL, ioctl(self->vm->dev_fd, HYV_GET_VCPU_MMAP_SIZE, 0) + page,
		 PROT_READ | PROT_WRITE, MAP_SHARED, self->vcpu->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vm, rflags_outside_the_architectural_bits_are_einval)
{
	const u64 bad[] = { BIT(3), BIT(5), BIT(15), BIT(22), BIT_ULL(63) };
	struct hyv_regs regs, got;
	unsigned int i;

	hyv_vcpu_get_regs(self->vcpu, &regs);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		regs.rflags = 0x2 | bad[i];
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->vcpu->fd, HYV_SET_REGS, &regs))
			TH_LOG("rflags %#llx", regs.rflags);
		EXPECT_EQ(EINVAL, errno);
	}
	/* Bit 1 is forced on. */
	regs.rflags = 0;
	EXPECT_EQ(0, ioctl(self->vcpu->fd, HYV_SET_REGS, &regs));
	hyv_vcpu_get_regs(self->vcpu, &got);
	EXPECT_EQ(0x2, got.rflags);
}

#define SREGS_FIELD(f, v) { offsetof(struct hyv_sregs, f), \
			    sizeof(((struct hyv_sregs *)0)->f), v, #f }

TEST_F(vm, sregs_fields_out_of_range_are_einval)
{
	const struct { size_t off, size; u64 value; const char *name; } bad[] = {
		SREGS_FIELD(cs.type, 16),
		SREGS_FIELD(ss.dpl, 4),
		SREGS_FIELD(ds.present, 2),
		SREGS_FIELD(cs.db, 2),
		SREGS_FIELD(es.s, 2),
		SREGS_FIELD(cs.l, 2),
		SREGS_FIELD(fs.g, 2),
		SREGS_FIELD(gs.avl, 2),
		SREGS_FIELD(ldt.unusable, 2),
		SREGS_FIELD(tr.type, 0xff),
		SREGS_FIELD(cr8, 16),
	};
	struct hyv_sregs good, sregs;
	unsigned int i;

	hyv_vcpu_get_sregs(self->vcpu, &good);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		sregs = good;
		memcpy((u8 *)&sregs + bad[i].off, &bad[i].value, bad[i].size);
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->vcpu->fd, HYV_SET_SREGS, &sregs))
			TH_LOG("%s = %llu", bad[i].name, bad[i].value);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i].name);
	}
	EXPECT_EQ(0, ioctl(self->vcpu->fd, HYV_SET_SREGS, &good));
}

TEST_F(vm, dirty_log_requests_are_checked)
{
	struct hyv_dirty_log log = { .slot = 1 };
	u64 bitmap[8];

	log.bitmap = (u64)bitmap;
	EXPECT_IOCTL_ERRNO(ENOENT, self->vm->fd, HYV_GET_DIRTY_LOG, &log);	/* unused */
	log.slot = 0;
	EXPECT_IOCTL_ERRNO(ENOENT, self->vm->fd, HYV_GET_DIRTY_LOG, &log);	/* not logging */
	log.slot = HYV_MAX_MEMORY_SLOTS;
	EXPECT_IOCTL_ERRNO(EINVAL, self->vm->fd, HYV_GET_DIRTY_LOG, &log);

	ASSERT_EQ(0, __hyv_vm_set_slot(self->vm, 1, HYV_MEM_LOG_DIRTY, SZ_1G,
				       SZ_2M, self->vm->mem));
	log.slot = 1;
	EXPECT_EQ(0, ioctl(self->vm->fd, HYV_GET_DIRTY_LOG, &log));
	log.flags = 1;
	EXPECT_IOCTL_ERRNO(EINVAL, self->vm->fd, HYV_GET_DIRTY_LOG, &log);
	log.flags = 0;
	log.reserved = 1;
	EXPECT_IOCTL_ERRNO(EINVAL, self->vm->fd, HYV_GET_DIRTY_LOG, &log);
	log.reserved = 0;
	log.bitmap = 8;
	EXPECT_IOCTL_ERRNO(EFAULT, self->vm->fd, HYV_GET_DIRTY_LOG, &log);
	EXPECT_IOCTL_ERRNO(EFAULT, self->vm->fd, HYV_GET_DIRTY_LOG, (void *)8);
}

/*
 * HYV_SET_MP_STATE takes the four MP states and flags 0 only; each
 * accepted state reads back. The vCPU is left runnable for the teardown.
 */
TEST_F(vm, set_mp_state_checks_flags_and_state)
{
	static const u32 bad_states[] = { 4, 5, 0x100, 0x80000000, 0xffffffff };
	struct hyv_mp_state mp = { 0 };
	unsigned int i;
	u32 state;

	for (i = 0; i < ARRAY_SIZE(bad_states); i++) {
		mp.state = bad_states[i];
		mp.flags = 0;
		EXPECT_IOCTL_ERRNO(EINVAL, self->vcpu->fd, HYV_SET_MP_STATE, &mp);
	}
	mp.state = HYV_MP_STATE_RUNNABLE;
	mp.flags = 1;
	EXPECT_IOCTL_ERRNO(EINVAL, self->vcpu->fd, HYV_SET_MP_STATE, &mp);
	mp.flags = 0x80000000;
	EXPECT_IOCTL_ERRNO(EINVAL, self->vcpu->fd, HYV_SET_MP_STATE, &mp);
	EXPECT_IOCTL_ERRNO(EFAULT, self->vcpu->fd, HYV_SET_MP_STATE, (void *)8);
	EXPECT_IOCTL_ERRNO(EFAULT, self->vcpu->fd, HYV_GET_MP_STATE, (void *)8);

	/* The refused calls changed nothing. */
	ASSERT_EQ(0, ioctl(self->vcpu->fd, HYV_GET_MP_STATE, &mp));
	EXPECT_EQ(HYV_MP_STATE_RUNNABLE, mp.state);
	EXPECT_EQ(0, mp.flags);

	for (state = HYV_MP_STATE_HALTED + 1; state-- > 0;) {
		mp.state = state;
		mp.flags = 0;
		EXPECT_EQ(0, ioctl(self->vcpu->fd, HYV_SET_MP_STATE, &mp))
			TH_LOG("state %u", state);
		memset(&mp, 0xff, sizeof(mp));
		ASSERT_EQ(0, ioctl(self->vcpu->fd, HYV_GET_MP_STATE, &mp));
		EXPECT_EQ(state, mp.state);
		EXPECT_EQ(0, mp.flags);
	}
}

/* errno of ioctl(fd, cmd, arg) in a child process, or -1 if it succeeded. */
static int errno_in_child(int fd, unsigned long cmd, unsigned long arg)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(ioctl(fd, cmd, arg) < 0 ? errno : 255);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -2;
	return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

TEST_F(vm, vm_and_vcpu_fds_are_eio_in_another_process)
{
	struct hyv_regs regs;

	EXPECT_EQ(EIO, errno_in_child(self->vcpu->fd, HYV_RUN, 0));
	EXPECT_EQ(EIO, errno_in_child(self->vcpu->fd, HYV_GET_REGS,
				      (unsigned long)&regs));
	EXPECT_EQ(EIO, errno_in_child(self->vm->fd, HYV_CREATE_VCPU, 5));
	/* /dev/hyv itself is not tied to a process. */
	EXPECT_EQ(-1, errno_in_child(self->vm->dev_fd, HYV_GET_API_VERSION, 0));
}

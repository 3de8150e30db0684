/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hyv host ABI: the /dev/hyv ioctls and the mmapped per-vCPU run page.
 * Shaped like KVM's so that a VMM author feels at home; see docs/abi.md.
 *
 * Rules every struct here follows: fixed size, explicit padding, a flags
 * field. Unknown flags and non-zero padding are rejected with -EINVAL.
 */
#ifndef _UAPI_LINUX_HYV_H
#define _UAPI_LINUX_HYV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HYV_API_VERSION		1

/*
 * ioctl type: 0xB8, free in Documentation/userspace-api/ioctl/ioctl-number.rst
 * (0xAF, next to KVM's 0xAE, belongs to the Freescale hypervisor).
 */
#define HYV_IO			0xB8

/* Limits; docs/abi.md lists them with the errno each one gives. */
#define HYV_MAX_VCPUS		64
#define HYV_MAX_MEMORY_SLOTS	32
#define HYV_MAX_SLOT_PAGES	(1ULL << 22)	/* 16 GiB per slot */
#define HYV_MAX_IRQFDS		1024		/* per VM */
#define HYV_MAX_DOORBELLS	1024		/* per VM */
#define HYV_GUEST_PHYS_BITS	40		/* guest-physical space: 1 TiB */

/* ---- /dev/hyv ---------------------------------------------------------- */

/* Returns HYV_API_VERSION. */
#define HYV_GET_API_VERSION	_IO(HYV_IO, 0x00)
/* Argument: flags, must be 0. Returns a new VM fd. */
#define HYV_CREATE_VM		_IO(HYV_IO, 0x01)
/* Returns the size to mmap() on a vCPU fd to reach struct hyv_run. */
#define HYV_GET_VCPU_MMAP_SIZE	_IO(HYV_IO, 0x02)
/*
 * Argument: a HYV_CAP_*. Returns 0 if the capability is absent, otherwise
 * 1 or the value the capability describes; -EINVAL for an unknown one.
 */
#define HYV_CHECK_CAP		_IO(HYV_IO, 0x03)

#define HYV_CAP_BACKEND		0	/* HYV_BACKEND_SVM or HYV_BACKEND_VMX */
#define HYV_CAP_MAX_VCPUS	1	/* HYV_MAX_VCPUS */
#define HYV_CAP_MAX_SLOTS	2	/* HYV_MAX_MEMORY_SLOTS */
#define HYV_CAP_MMIO_DECODE	3	/* HYV_EXIT_MMIO carries len and data */
#define HYV_CAP_READONLY_MEM	4	/* HYV_MEM_READONLY */
#define HYV_CAP_DIRTY_LOG	5	/* HYV_MEM_LOG_DIRTY, HYV_GET_DIRTY_LOG */
#define HYV_CAP_HUGE_PAGES	6	/* 2 MiB nested mappings */
#define HYV_CAP_LAPIC		7	/* in-kernel local APIC, MSIs, MP state */
#define HYV_CAP_IRQFD		8	/* HYV_IRQFD */
#define HYV_CAP_DOORBELL	9	/* HYV_DOORBELL, HYV_HC_DOORBELL */
#define HYV_CAP_CPUID		10	/* HYV_GET_SUPPORTED_CPUID, HYV_SET_CPUID */
#define HYV_CAP_MSRS		11	/* HYV_GET/SET_MSRS, HYV_GET_MSR_INDEX_LIST */
#define HYV_CAP_XSAVE		12	/* HYV_GET/SET_XSAVE, _XCRS, _FPU */
#define HYV_CAP_TSC_KHZ		13	/* HYV_GET_TSC_KHZ; value: the host's kHz */
#define HYV_CAP_VCPU_EVENTS	14	/* HYV_GET/SET_VCPU_EVENTS, HYV_NMI */
#define HYV_CAP_STRING_IO	15	/* INS/OUTS exits with run->io.count */
#define HYV_CAP_STRING_MMIO	16	/* MOVS/STOS exits with run->mmio.count */
#define HYV_CAP_NR		17

#define HYV_BACKEND_SVM		1
#define HYV_BACKEND_VMX		2

/*
 * CPUID. An entry answers CPUID with EAX = function (and ECX = index when
 * HYV_CPUID_FLAG_SIGNIFICANT_INDEX is set). nent is the number of entries
 * the caller's array holds, at most HYV_MAX_CPUID_ENTRIES.
 */
#define HYV_MAX_CPUID_ENTRIES	256
#define HYV_CPUID_FLAG_SIGNIFICANT_INDEX	(1U << 0)

struct hyv_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;		/* HYV_CPUID_FLAG_* */
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 padding;		/* must be 0 */
};

struct hyv_cpuid {
	__u32 nent;
	__u32 flags;		/* must be 0 */
	struct hyv_cpuid_entry entries[];
};

/*
 * What hyv can give a guest on this host: every leaf, with each feature
 * bit set that hyv can back. -E2BIG (nent set to the number needed) when
 * the array is too small.
 */
#define HYV_GET_SUPPORTED_CPUID	_IOWR(HYV_IO, 0x04, struct hyv_cpuid)

/* The MSR indices HYV_GET_MSRS / HYV_SET_MSRS accept; -E2BIG as above. */
struct hyv_msr_list {
	__u32 nmsrs;
	__u32 flags;		/* must be 0 */
	__u32 indices[];
};

#define HYV_GET_MSR_INDEX_LIST	_IOWR(HYV_IO, 0x05, struct hyv_msr_list)

/* ---- VM fd -------------------------------------------------------------- */

/* Argument: vCPU id (0 .. HYV_MAX_VCPUS - 1). Returns a new vCPU fd. */
#define HYV_CREATE_VCPU		_IO(HYV_IO, 0x10)

/*
 * Map [userspace_addr, +size) of the caller's memory at guest_phys_addr.
 * size == 0 deletes the slot. All three must be page aligned; slots may
 * not overlap in guest-physical space.
 */
struct hyv_memory_slot {
	__u32 slot;
	__u32 flags;		/* HYV_MEM_* */
	__u64 guest_phys_addr;
	__u64 size;
	__u64 userspace_addr;
};

/* Guest writes exit to userspace as MMIO writes; reads see the memory. */
#define HYV_MEM_READONLY	(1U << 0)
/* Record the pages the guest writes, for HYV_GET_DIRTY_LOG. */
#define HYV_MEM_LOG_DIRTY	(1U << 1)
#define HYV_MEM_VALID_FLAGS	(HYV_MEM_READONLY | HYV_MEM_LOG_DIRTY)

/*
 * Create, change (move, resize, re-flag: a delete and a create in one
 * step) or delete a slot; vCPUs may be running, they are kicked out and
 * see the new layout on their next entry.
 */
#define HYV_SET_MEMORY_SLOT	_IOW(HYV_IO, 0x11, struct hyv_memory_slot)

/*
 * The pages of a HYV_MEM_LOG_DIRTY slot the guest wrote since the slot
 * was set or this was last called: one bit per page, bit i for the page
 * at guest_phys_addr + i * 4096, in a buffer of whole 64-bit words. The
 * log is cleared by the call.
 */
struct hyv_dirty_log {
	__u32 slot;
	__u32 flags;		/* must be 0 */
	__u64 bitmap;		/* user pointer */
	__u64 reserved;		/* must be 0 */
};

#define HYV_GET_DIRTY_LOG	_IOW(HYV_IO, 0x13, struct hyv_dirty_log)

/*
 * Counters of the whole VM since it was created (all vCPUs summed).
 * Exits are counted by the core's reason; "to_user" counts the exits that
 * reached userspace (RUN returned). flags must be 0 on input.
 */
enum hyv_stat_exit {
	HYV_STAT_EXIT_OTHER,		/* unknown, #UD, shutdown, failed entry */
	HYV_STAT_EXIT_HOST_EVENT,	/* host interrupt or NMI */
	HYV_STAT_EXIT_HLT,
	HYV_STAT_EXIT_IO,
	HYV_STAT_EXIT_CPUID,
	HYV_STAT_EXIT_HYPERCALL,
	HYV_STAT_EXIT_MSR,
	HYV_STAT_EXIT_NPF,		/* nested page faults, MMIO included */
	HYV_STAT_EXIT_MMIO,		/* the NPFs that were MMIO */
	HYV_STAT_EXIT_CR,		/* control and debug register accesses */
	HYV_STAT_EXIT_WINDOW,		/* interrupt and NMI windows */
	HYV_STAT_EXIT_EXCEPTION,	/* #DB, #AC, #MC passing through the host */
	HYV_STAT_EXIT_NR = 16		/* room to grow; fixed ABI size */
};

struct hyv_vm_stats {
	__u64 flags;
	__u64 exits;			/* every exit */
	__u64 exits_to_user;
	__u64 exit_reason[HYV_STAT_EXIT_NR];	/* enum hyv_stat_exit */
	__u64 pages_4k;			/* nested mappings now present */
	__u64 pages_2m;
	__u64 reserved[8];
};

#define HYV_GET_STATS		_IOWR(HYV_IO, 0x12, struct hyv_vm_stats)

/*
 * Deliver an MSI, as a PCI device would: the address/data pair selects
 * the destination local APIC(s) and the vector (Intel SDM vol. 3A
 * §11.11). Returns 0 when delivered to at least one vCPU, -ENOENT when
 * no vCPU matched.
 */
struct hyv_msi {
	__u64 address;		/* 0xfeeXXXXX */
	__u32 data;
	__u32 flags;		/* must be 0 */
	__u64 reserved;		/* must be 0 */
};

#define HYV_SIGNAL_MSI		_IOW(HYV_IO, 0x14, struct hyv_msi)

/*
 * irqfd: when the eventfd is signalled, deliver the MSI, without leaving
 * the kernel. HYV_IRQFD_DEASSIGN removes the binding (fd and msi must
 * match an existing one).
 */
#define HYV_IRQFD_DEASSIGN	(1U << 0)

struct hyv_irqfd {
	__s32 fd;
	__u32 flags;
	__u64 msi_address;
	__u32 msi_data;
	__u32 padding;		/* must be 0 */
	__u64 reserved;		/* must be 0 */
};

#define HYV_IRQFD		_IOW(HYV_IO, 0x15, struct hyv_irqfd)

/*
 * Doorbell: a guest HYV_HC_DOORBELL hypercall naming (device, queue)
 * signals the eventfd in the kernel; the vCPU does not exit to
 * userspace. HYV_DOORBELL_DEASSIGN removes the binding.
 */
#define HYV_DOORBELL_DEASSIGN	(1U << 0)

struct hyv_doorbell {
	__s32 fd;
	__u32 flags;
	__u32 device;
	__u32 queue;
	__u64 reserved;		/* must be 0 */
};

#define HYV_DOORBELL		_IOW(HYV_IO, 0x16, struct hyv_doorbell)

/*
 * The guest TSC's frequency in kHz: the host's (hyv does not scale the
 * TSC). The guest learns it from CPUID 0x40000010 (docs/abi.md).
 */
#define HYV_GET_TSC_KHZ		_IO(HYV_IO, 0x17)

/* ---- vCPU fd ------------------------------------------------------------ */

/* Runs the vCPU until an exit that userspace must see; see struct hyv_run. */
#define HYV_RUN			_IO(HYV_IO, 0x20)

struct hyv_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
	__u64 flags;		/* must be 0 */
	__u64 reserved;		/* must be 0 */
};

struct hyv_segment {
	__u64 base;
	__u32 limit;		/* byte granular, as the hidden part holds it */
	__u16 selector;
	__u8  type;		/* 4-bit descriptor type */
	__u8  present;
	__u8  dpl;
	__u8  db;
	__u8  s;
	__u8  l;
	__u8  g;
	__u8  avl;
	__u8  unusable;
	__u8  padding;		/* must be 0 */
};

struct hyv_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];	/* must be 0 */
};

struct hyv_sregs {
	struct hyv_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct hyv_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 flags;		/* must be 0 */
	__u64 reserved[4];	/* must be 0 */
};

#define HYV_GET_REGS		_IOR(HYV_IO, 0x21, struct hyv_regs)
#define HYV_SET_REGS		_IOW(HYV_IO, 0x22, struct hyv_regs)
#define HYV_GET_SREGS		_IOR(HYV_IO, 0x23, struct hyv_sregs)
#define HYV_SET_SREGS		_IOW(HYV_IO, 0x24, struct hyv_sregs)

/* Raise a fixed interrupt with this vector in the vCPU's local APIC. */
struct hyv_interrupt {
	__u32 vector;		/* 16..255 */
	__u32 flags;		/* must be 0 */
};

#define HYV_INTERRUPT		_IOW(HYV_IO, 0x25, struct hyv_interrupt)

/*
 * Multiprocessor state, as in the MP specification. An AP a VMM wants
 * started by the guest (INIT, then SIPI) is set to
 * HYV_MP_STATE_INIT_RECEIVED before the first RUN; RUN then sleeps until
 * a SIPI arrives and starts it in real mode at vector * 0x1000.
 */
#define HYV_MP_STATE_RUNNABLE		0
#define HYV_MP_STATE_UNINITIALIZED	1	/* waiting for INIT */
#define HYV_MP_STATE_INIT_RECEIVED	2	/* waiting for SIPI */
#define HYV_MP_STATE_HALTED		3	/* HLT, waiting for an event */

struct hyv_mp_state {
	__u32 state;
	__u32 flags;		/* must be 0 */
};

#define HYV_GET_MP_STATE	_IOR(HYV_IO, 0x26, struct hyv_mp_state)
#define HYV_SET_MP_STATE	_IOW(HYV_IO, 0x27, struct hyv_mp_state)

/*
 * The vCPU's CPUID table (struct hyv_cpuid above). SET replaces it and
 * fails with -EINVAL if any entry advertises what HYV_GET_SUPPORTED_CPUID
 * does not; with no SET_CPUID a vCPU sees hyv's safe defaults.
 */
#define HYV_SET_CPUID		_IOW(HYV_IO, 0x28, struct hyv_cpuid)
#define HYV_GET_CPUID		_IOWR(HYV_IO, 0x29, struct hyv_cpuid)

/*
 * MSRs by index, in a batch of at most HYV_MAX_MSR_ENTRIES. Both return
 * how many entries were done, in order: fewer than nmsrs means entry
 * [return value] is not an MSR hyv has, or (SET) its value is invalid.
 */
#define HYV_MAX_MSR_ENTRIES	256

struct hyv_msr_entry {
	__u32 index;
	__u32 reserved;		/* must be 0 */
	__u64 data;
};

struct hyv_msrs {
	__u32 nmsrs;
	__u32 flags;		/* must be 0 */
	struct hyv_msr_entry entries[];
};

#define HYV_GET_MSRS		_IOWR(HYV_IO, 0x2a, struct hyv_msrs)
#define HYV_SET_MSRS		_IOW(HYV_IO, 0x2b, struct hyv_msrs)

/*
 * The guest's x87/SSE/AVX... state in the standard (non-compacted) XSAVE
 * format, 4 KiB; SET validates the header against the guest's XCR0.
 */
struct hyv_xsave {
	__u32 region[1024];
};

#define HYV_GET_XSAVE		_IOR(HYV_IO, 0x2c, struct hyv_xsave)
#define HYV_SET_XSAVE		_IOW(HYV_IO, 0x2d, struct hyv_xsave)

/* Extended control registers: XCR0 is the only one. */
struct hyv_xcr {
	__u32 xcr;
	__u32 reserved;		/* must be 0 */
	__u64 value;
};

struct hyv_xcrs {
	__u32 nr_xcrs;		/* at most 16 */
	__u32 flags;		/* must be 0 */
	struct hyv_xcr xcrs[16];
};

#define HYV_GET_XCRS		_IOR(HYV_IO, 0x2e, struct hyv_xcrs)
#define HYV_SET_XCRS		_IOW(HYV_IO, 0x2f, struct hyv_xcrs)

/* The legacy FXSAVE part of the state, register by register. */
struct hyv_fpu {
	__u8  fpr[8][16];	/* ST0..ST7 / MM0..MM7, 10 bytes used of 16 */
	__u16 fcw;
	__u16 fsw;
	__u8  ftwx;		/* abridged tag word, as FXSAVE stores it */
	__u8  padding1;		/* must be 0 */
	__u16 last_opcode;
	__u64 last_ip;
	__u64 last_dp;
	__u8  xmm[16][16];
	__u32 mxcsr;
	__u32 padding2;		/* must be 0 */
	__u64 flags;		/* must be 0 */
};

#define HYV_GET_FPU		_IOR(HYV_IO, 0x30, struct hyv_fpu)
#define HYV_SET_FPU		_IOW(HYV_IO, 0x31, struct hyv_fpu)

/*
 * Events in flight, to save and restore a vCPU or to inject an exception
 * from the VMM: exception.pending with a vector (and error code, and the
 * payload: CR2 for #PF, DR6 bits for #DB, when HYV_VCPU_EVENT_PAYLOAD)
 * is delivered at the next entry. "injected" is an event whose delivery
 * an exit interrupted; "pending" one not yet started.
 */
#define HYV_VCPU_EVENT_PAYLOAD	(1U << 0)	/* exception.payload is valid */

struct hyv_vcpu_events {
	struct {
		__u8  injected;
		__u8  pending;
		__u8  vector;
		__u8  has_error_code;
		__u32 error_code;
		__u64 payload;
	} exception;
	struct {
		__u8  injected;
		__u8  vector;
		__u8  soft;		/* INTn */
		__u8  shadow;		/* STI / MOV SS blocking */
		__u32 padding;		/* must be 0 */
	} interrupt;
	struct {
		__u8  injected;
		__u8  pending;
		__u8  masked;		/* blocked until the next IRET */
		__u8  padding[5];	/* must be 0 */
	} nmi;
	__u32 flags;			/* HYV_VCPU_EVENT_* */
	__u32 padding;			/* must be 0 */
	__u64 reserved[4];		/* must be 0 */
};

#define HYV_GET_VCPU_EVENTS	_IOR(HYV_IO, 0x32, struct hyv_vcpu_events)
#define HYV_SET_VCPU_EVENTS	_IOW(HYV_IO, 0x33, struct hyv_vcpu_events)

/* Raise an NMI on the vCPU (delivered when NMIs are not blocked). */
#define HYV_NMI			_IO(HYV_IO, 0x34)

/* ---- The run page (mmap offset 0 of a vCPU fd) --------------------------- */

enum hyv_exit_reason {
	HYV_EXIT_NONE		= 0,
	HYV_EXIT_IO		= 1,	/* port I/O, see run->io */
	HYV_EXIT_MMIO		= 2,	/* access outside any slot, run->mmio */
	HYV_EXIT_HLT		= 3,	/* guest halted */
	HYV_EXIT_SHUTDOWN	= 4,	/* triple fault or shutdown */
	HYV_EXIT_FAIL_ENTRY	= 5,	/* hardware refused entry, run->fail_entry */
	HYV_EXIT_INTERNAL_ERROR	= 6,	/* hyv could not handle, run->internal */
	HYV_EXIT_INTR		= 7,	/* a signal is pending: RUN returned -EINTR */
};

#define HYV_IO_IN		0
#define HYV_IO_OUT		1

/* run->internal.suberror */
#define HYV_INTERNAL_UNKNOWN_EXIT	1	/* vendor exit code not handled */
#define HYV_INTERNAL_EMULATION		2	/* instruction not decodable */

struct hyv_run {
	/* in */
	__u8  immediate_exit;	/* non-zero: RUN returns -EINTR at once */
	__u8  padding1[7];
	/* out */
	__u32 exit_reason;	/* enum hyv_exit_reason */
	__u32 padding2;
	__u64 flags;		/* none defined yet: 0 */
	union {
		/*
		 * HYV_EXIT_IO. count == 0: a single IN or OUT, its value in
		 * data; for IN, write the value to data before the next RUN
		 * (it lands in AL/AX/EAX). count > 0: string I/O (INS/OUTS,
		 * REP or not), count elements of size bytes at data_offset
		 * in the vCPU's mmap area (HYV_GET_VCPU_MMAP_SIZE covers it),
		 * in the order the guest moves them; for INS, fill them
		 * before the next RUN. A long REP is split into several
		 * exits, each at most the area's capacity.
		 */
		struct {
			__u8  direction;	/* HYV_IO_IN / HYV_IO_OUT */
			__u8  size;		/* 1, 2 or 4 */
			__u16 port;
			__u32 data;
			__u32 count;
			__u32 data_offset;
		} io;
		/*
		 * HYV_EXIT_MMIO: an access of len bytes at phys_addr,
		 * outside every slot (or a write to a read-only slot).
		 * count == 0: one access (MOV, MOVZX/MOVSX, MOVNTI, XCHG);
		 * for a write, data holds the value; for a read, store the
		 * value in data before the next RUN. XCHG is a read exit,
		 * then (the next RUN returns at once) a write exit.
		 * count > 0 (HYV_CAP_STRING_MMIO): a string instruction
		 * (MOVS, STOS): count elements of len bytes, element i at
		 * phys_addr + i * len, in the data area at data_offset of
		 * the vCPU's mmap area; for a read, fill them before the
		 * next RUN. The elements never cross a 4 KiB page.
		 * Other instructions touching MMIO give
		 * HYV_EXIT_INTERNAL_ERROR / HYV_INTERNAL_EMULATION.
		 */
		struct {
			__u64 phys_addr;
			__u64 data;
			__u32 len;
			__u8  is_write;
			__u8  padding[3];
			__u32 count;
			__u32 data_offset;
		} mmio;
		/* HYV_EXIT_FAIL_ENTRY: the vendor's own reason code. */
		struct {
			__u64 hardware_reason;
			__u32 cpu;
			__u32 padding;
		} fail_entry;
		/*
		 * HYV_EXIT_INTERNAL_ERROR: data[0] is the raw vendor exit
		 * code, data[1..2] its qualifiers. An MMIO access refused
		 * (HYV_INTERNAL_EMULATION with ndata 6) also names the
		 * instruction: data[3] bytes of it (0-15) in data[4..5].
		 */
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 data[8];
		} internal;
		__u8 padding_union[256];
	};
};

#endif /* _UAPI_LINUX_HYV_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hyv guest ABI: what a guest sees of hyv. Detection through CPUID leaves,
 * the hypercall numbers, and the PV devices: the PCI function, its
 * registers, feature bits, the rings and the block and network request
 * formats. See docs/abi.md (CPUID, hypercalls) and docs/pv-abi.md (devices).
 *
 * Everything in guest memory and in the device's registers is
 * little-endian, with fixed sizes and explicit reserved fields that a
 * driver writes as zero and a device reads as zero.
 */
#ifndef _UAPI_LINUX_HYV_PV_H
#define _UAPI_LINUX_HYV_PV_H

#include <linux/types.h>

/*
 * CPUID 0x40000000: EAX = highest hyv leaf, EBX:ECX:EDX = the 12-byte
 * signature "hyvhyvhyvhyv" (bytes in register order, as KVM's "KVMKVMKVM").
 * CPUID 0x40000001: EAX = HYV_FEATURE_* bits.
 * CPUID 0x40000010: timing, as other hypervisors give it: EAX = the TSC
 * frequency in kHz, EBX = the local APIC timer frequency in kHz.
 */
#define HYV_CPUID_SIGNATURE	0x40000000
#define HYV_CPUID_FEATURES	0x40000001
#define HYV_CPUID_TIMING	0x40000010
#define HYV_SIGNATURE		"hyvhyvhyvhyv"
#define HYV_SIGNATURE_EBX	0x68767968	/* "hyvh" little-endian */
#define HYV_SIGNATURE_ECX	0x79687679	/* "yvhy" */
#define HYV_SIGNATURE_EDX	0x76796876	/* "vhyv" */

#define HYV_FEATURE_HYPERCALL	(1U << 0)	/* VMCALL/VMMCALL hypercalls */
#define HYV_FEATURE_DOORBELL	(1U << 1)	/* HYV_HC_DOORBELL */

/*
 * KVM's PV EOI, for guests that know it (a stock Linux does): CPUID
 * 0x40000100 holds KVM's signature "KVMKVMKVM\0\0\0" with EAX = 0x40000101,
 * whose EAX has only HYV_KVM_FEATURE_PV_EOI. The guest writes the
 * guest-physical address of a 4-byte aligned u32 with bit 0 set to
 * HYV_MSR_KVM_PV_EOI_EN; before an entry that leaves one interrupt in
 * service and none requested, hyv sets bit 0 of that u32; the guest's
 * EOI then clears the bit instead of writing the local APIC (no exit),
 * and hyv completes the EOI after the next exit. docs/abi.md.
 */
#define HYV_CPUID_KVM_SIGNATURE	0x40000100
#define HYV_CPUID_KVM_FEATURES	0x40000101
#define HYV_KVM_SIGNATURE_EBX	0x4b4d564b	/* "KVMK" */
#define HYV_KVM_SIGNATURE_ECX	0x564b4d56	/* "VMKV" */
#define HYV_KVM_SIGNATURE_EDX	0x0000004d	/* "M\0\0\0" */
#define HYV_KVM_FEATURE_PV_EOI	(1U << 6)
#define HYV_MSR_KVM_PV_EOI_EN	0x4b564d04

/*
 * Hypercalls: number in RAX, arguments in RBX, RCX, RDX, RSI, result in
 * RAX. VMCALL on Intel, VMMCALL on AMD. Errors are negative Linux errno
 * values; an unknown number returns -HYV_ENOSYS.
 */
#define HYV_HC_VERSION		0	/* returns HYV_PV_VERSION */
#define HYV_HC_ECHO		1	/* returns RBX unchanged */
/*
 * Ring the doorbell of queue RCX of PV device RBX: the eventfd the VMM
 * bound with HYV_DOORBELL is signalled in the host kernel, without an
 * exit to userspace. Returns 0, or -HYV_ENOENT if nothing is bound.
 * RBX is the device's HYV_PV_COMMON_DOORBELL_DEVICE register, RCX the
 * queue index.
 */
#define HYV_HC_DOORBELL		2

#define HYV_PV_VERSION		1
#define HYV_EPERM		1	/* Linux EPERM: called from CPL > 0 */
#define HYV_ENOENT		2	/* Linux ENOENT */
#define HYV_ENOSYS		38	/* Linux ENOSYS */

/* ---- PV devices: the PCI function ------------------------------------ */

/*
 * A hyv PV device is a PCI function with these IDs. 1af4:10f0-10ff is the
 * range of device IDs that Red Hat donates to QEMU "for experimental
 * usage without registration" (QEMU's docs/specs/pci-ids); Linux's
 * virtio_pci drivers leave device IDs above 0x107f alone. hyv has no
 * PCI-SIG vendor ID of its own: these must become assigned IDs before
 * hyv ships anywhere but a test lab. The subsystem IDs mark the function
 * as hyv's (another experimental user of the range would differ there),
 * and the drivers also require the hyv CPUID signature.
 */
#define HYV_PV_PCI_VENDOR_ID		0x1af4
#define HYV_PV_PCI_DEVICE_ID_BLK	0x10f0
#define HYV_PV_PCI_DEVICE_ID_NET	0x10f1
#define HYV_PV_PCI_SUBSYS_VENDOR_ID	0x1af4
#define HYV_PV_PCI_SUBSYS_ID		0x4879	/* "Hy" */
#define HYV_PV_PCI_REVISION		1	/* this ABI */

/*
 * BAR0: 4 KiB of 32-bit memory: the common registers at 0, the device
 * registers (struct hyv_pvblk_config, struct hyv_pvnet_config) at
 * HYV_PV_DEVICE_CFG_OFFSET (read-only, except the words a device type
 * makes writable). Every register is 32 bits wide and is
 * accessed with aligned 32-bit loads and stores only; other accesses
 * read as 0 and are ignored on write. 64-bit values are two registers,
 * low half first.
 * BAR1: 4 KiB of 32-bit memory: the MSI-X table at 0 and the PBA at
 * HYV_PV_MSIX_PBA_OFFSET, described by the function's MSI-X capability.
 */
#define HYV_PV_BAR_COMMON		0
#define HYV_PV_BAR_MSIX			1
#define HYV_PV_BAR0_SIZE		0x1000
#define HYV_PV_BAR1_SIZE		0x1000
#define HYV_PV_DEVICE_CFG_OFFSET	0x100
#define HYV_PV_MSIX_TABLE_OFFSET	0
#define HYV_PV_MSIX_PBA_OFFSET		0x800
#define HYV_PV_MAX_VECTORS		65	/* config + 64 queues */
#define HYV_PV_MAX_QUEUES		64
#define HYV_PV_MAX_QUEUE_SIZE		32768
#define HYV_PV_NO_VECTOR		0xffff

/* The common registers, offsets in BAR0 (docs/pv-abi.md has each one). */
#define HYV_PV_COMMON_MAGIC		0x00	/* RO HYV_PV_MAGIC */
#define HYV_PV_COMMON_VERSION		0x04	/* RO HYV_PV_PCI_REVISION */
#define HYV_PV_COMMON_DEVICE_TYPE	0x08	/* RO HYV_PV_TYPE_* */
#define HYV_PV_COMMON_DOORBELL_DEVICE	0x0c	/* RO: RBX of HYV_HC_DOORBELL */
#define HYV_PV_COMMON_DEVICE_FEATURE_SELECT 0x10 /* RW: 0 = bits 0-31, 1 = 32-63 */
#define HYV_PV_COMMON_DEVICE_FEATURE	0x14	/* RO: the selected 32 bits */
#define HYV_PV_COMMON_DRIVER_FEATURE_SELECT 0x18 /* RW */
#define HYV_PV_COMMON_DRIVER_FEATURE	0x1c	/* RW: the selected 32 bits */
#define HYV_PV_COMMON_STATUS		0x20	/* RW HYV_PV_STATUS_*; 0 resets */
#define HYV_PV_COMMON_CONFIG_GENERATION	0x24	/* RO */
#define HYV_PV_COMMON_NUM_QUEUES	0x28	/* RO */
#define HYV_PV_COMMON_CONFIG_VECTOR	0x2c	/* RW MSI-X vector or NO_VECTOR */
#define HYV_PV_COMMON_QUEUE_SELECT	0x30	/* RW */
#define HYV_PV_COMMON_QUEUE_SIZE_MAX	0x34	/* RO */
#define HYV_PV_COMMON_QUEUE_SIZE	0x38	/* RW power of 2, <= max */
#define HYV_PV_COMMON_QUEUE_VECTOR	0x3c	/* RW MSI-X vector or NO_VECTOR */
#define HYV_PV_COMMON_QUEUE_ENABLE	0x40	/* RW 1 enables; reads 1 once on */
#define HYV_PV_COMMON_QUEUE_DESC_LO	0x48	/* RW */
#define HYV_PV_COMMON_QUEUE_DESC_HI	0x4c
#define HYV_PV_COMMON_QUEUE_AVAIL_LO	0x50
#define HYV_PV_COMMON_QUEUE_AVAIL_HI	0x54
#define HYV_PV_COMMON_QUEUE_USED_LO	0x58
#define HYV_PV_COMMON_QUEUE_USED_HI	0x5c
#define HYV_PV_COMMON_END		0x60	/* up to DEVICE_CFG: reserved */

#define HYV_PV_MAGIC			0x50767968	/* "hyvP" */

#define HYV_PV_TYPE_BLOCK		1
#define HYV_PV_TYPE_NET			2

/*
 * Device status, as virtio's: the driver sets ACKNOWLEDGE, DRIVER, then
 * writes its features and sets FEATURES_OK (which reads back only if the
 * device accepts them), sets up the queues, then DRIVER_OK. Writing 0
 * resets the device; the reset is complete when STATUS reads 0. The
 * device sets DEVICE_NEEDS_RESET when it found an error (a broken ring);
 * the driver sets FAILED when it gives up.
 */
#define HYV_PV_STATUS_ACKNOWLEDGE	0x01
#define HYV_PV_STATUS_DRIVER		0x02
#define HYV_PV_STATUS_DRIVER_OK		0x04
#define HYV_PV_STATUS_FEATURES_OK	0x08
#define HYV_PV_STATUS_DEVICE_NEEDS_RESET 0x40
#define HYV_PV_STATUS_FAILED		0x80

/*
 * Feature bits. 0-31 are the device type's, 32-63 the transport's. A
 * driver acknowledges a subset of what the device offers; a device
 * refuses FEATURES_OK for a bit it did not offer. HYV_PV_F_VERSION_1
 * must be offered and acknowledged.
 */
#define HYV_PV_F_RING_INDIRECT_DESC	32	/* VRING_DESC_F_INDIRECT */
#define HYV_PV_F_RING_EVENT_IDX		33	/* used_event / avail_event */
#define HYV_PV_F_VERSION_1		34	/* this ABI */

/* ---- Rings ----------------------------------------------------------- */

/*
 * Each queue is a split ring of <linux/virtio_ring.h> (struct vring_desc,
 * vring_avail, vring_used; flags VRING_DESC_F_*; with EVENT_IDX the
 * used_event and avail_event words after the rings), little-endian, in
 * three areas of guest memory whose guest-physical addresses the driver
 * writes: the descriptor table (16 * size bytes, 16-byte aligned), the
 * available ring (6 + 2 * size bytes, 2-aligned) and the used ring
 * (6 + 8 * size bytes, 4-aligned). A chain (direct and indirect
 * descriptors together) has at most "size" descriptors; an indirect table
 * is a multiple of 16 bytes long (any alignment), holds no
 * VRING_DESC_F_INDIRECT descriptor, and the descriptor pointing to it has
 * no VRING_DESC_F_NEXT. Device-writable descriptors follow all readable
 * ones in a chain.
 */

/* ---- Block device ---------------------------------------------------- */

#define HYV_PVBLK_F_RO			0	/* the device refuses writes */
#define HYV_PVBLK_F_FLUSH		1	/* HYV_PVBLK_T_FLUSH */
#define HYV_PVBLK_F_FUA			2	/* HYV_PVBLK_REQ_FUA on writes */
#define HYV_PVBLK_F_DISCARD		3	/* HYV_PVBLK_T_DISCARD */
#define HYV_PVBLK_F_WRITE_ZEROES	4	/* HYV_PVBLK_T_WRITE_ZEROES */

#define HYV_PVBLK_SECTOR_SHIFT		9	/* sectors are 512 bytes */

/* Block device registers, at HYV_PV_DEVICE_CFG_OFFSET in BAR0. */
struct hyv_pvblk_config {
	__le64 capacity;		/* 512-byte sectors */
	__le32 blk_size;		/* logical block: 512..4096, power of 2 */
	__le32 physical_block_exp;	/* physical block = blk_size << this */
	__le32 seg_max;			/* data segments per request, >= 1 */
	__le32 size_max;		/* bytes per segment, >= 4096 */
	__le32 max_sectors;		/* sectors per request, >= 8 */
	__le32 num_queues;		/* request queues, 1..HYV_PV_MAX_QUEUES */
	__le32 max_discard_sectors;
	__le32 max_discard_seg;		/* ranges per DISCARD request */
	__le32 discard_sector_alignment;
	__le32 max_write_zeroes_sectors;
	__le32 max_write_zeroes_seg;
	__le32 reserved[3];		/* 0 */
};

/*
 * A request is one chain: the header (device-readable), then the data
 * (readable for OUT, DISCARD and WRITE_ZEROES; writable for IN), then
 * one device-writable status byte. The used length the device returns
 * is the number of bytes it wrote, status byte included.
 */
struct hyv_pvblk_req_hdr {
	__le32 type;			/* HYV_PVBLK_T_* */
	__le32 flags;			/* HYV_PVBLK_REQ_* */
	__le64 sector;			/* IN, OUT: first 512-byte sector */
};

#define HYV_PVBLK_T_IN			0
#define HYV_PVBLK_T_OUT			1
#define HYV_PVBLK_T_FLUSH		4
#define HYV_PVBLK_T_DISCARD		11
#define HYV_PVBLK_T_WRITE_ZEROES	13

#define HYV_PVBLK_REQ_FUA		(1U << 0)	/* OUT: durable on completion */

/* The data of DISCARD and WRITE_ZEROES: one or more ranges. */
struct hyv_pvblk_range {
	__le64 sector;
	__le32 num_sectors;
	__le32 flags;			/* HYV_PVBLK_RANGE_UNMAP */
};

#define HYV_PVBLK_RANGE_UNMAP		(1U << 0)	/* WRITE_ZEROES may deallocate */

#define HYV_PVBLK_S_OK			0
#define HYV_PVBLK_S_IOERR		1
#define HYV_PVBLK_S_UNSUPP		2

/* ---- Network device -------------------------------------------------- */

/*
 * Feature bits 0-31 of the network device, numbered as virtio-net's so
 * that a TAP device's offloads map one to one. Dependencies (a device
 * refuses FEATURES_OK without them): GUEST_TSO4/6 need GUEST_CSUM,
 * GUEST_ECN needs GUEST_TSO4 or GUEST_TSO6, HOST_TSO4/6 need CSUM,
 * HOST_ECN needs HOST_TSO4 or HOST_TSO6. MRG_RXBUF must be offered and
 * acknowledged: receive buffers are always mergeable.
 */
#define HYV_PVNET_F_CSUM		0	/* device takes partial csums */
#define HYV_PVNET_F_GUEST_CSUM		1	/* driver takes partial csums */
#define HYV_PVNET_F_CTRL_GUEST_OFFLOADS	2	/* guest_offloads is writable */
#define HYV_PVNET_F_MTU			3	/* mtu is valid */
#define HYV_PVNET_F_MAC			5	/* mac is valid */
#define HYV_PVNET_F_GUEST_TSO4		7	/* driver takes TCPv4 GSO */
#define HYV_PVNET_F_GUEST_TSO6		8	/* driver takes TCPv6 GSO */
#define HYV_PVNET_F_GUEST_ECN		9	/* ... with the ECN bit */
#define HYV_PVNET_F_HOST_TSO4		11	/* device takes TCPv4 GSO */
#define HYV_PVNET_F_HOST_TSO6		12	/* device takes TCPv6 GSO */
#define HYV_PVNET_F_HOST_ECN		13	/* ... with the ECN bit */
#define HYV_PVNET_F_MRG_RXBUF		15	/* required: mergeable buffers */
#define HYV_PVNET_F_STATUS		16	/* status is valid */
#define HYV_PVNET_F_MQ			22	/* queue pairs: max and active */

#define HYV_PVNET_S_LINK_UP		1	/* status bit 0 */

#define HYV_PVNET_MAX_QUEUE_PAIRS	(HYV_PV_MAX_QUEUES / 2)
#define HYV_PVNET_MIN_MTU		68
#define HYV_PVNET_MAX_MTU		65535

/*
 * Network device registers, at HYV_PV_DEVICE_CFG_OFFSET in BAR0, read as
 * 32-bit words like every register (mac[4..5] and status share the word
 * at 0x04). Read-only except the two words the features make writable;
 * a write the device does not accept is ignored (read the word back).
 */
struct hyv_pvnet_config {
	__u8 mac[6];			/* 0x00 F_MAC: unicast, not all zero */
	__le16 status;			/* 0x06 F_STATUS: HYV_PVNET_S_* */
	__le16 max_queue_pairs;		/* 0x08 F_MQ: 1..32 (else 1 pair) */
	__le16 mtu;			/* 0x0a F_MTU: 68..65535 */
	__le32 active_queue_pairs;	/* 0x0c RW with F_MQ: 1..max_queue_pairs */
	__le32 guest_offloads;		/* 0x10 RW with F_CTRL_GUEST_OFFLOADS */
	__le32 reserved[3];		/* 0 */
};

/*
 * guest_offloads: the receive offloads in force, as a mask of feature
 * bits (1 << HYV_PVNET_F_GUEST_CSUM, _TSO4, _TSO6, _ECN), a subset of
 * the negotiated ones; FEATURES_OK sets it to all of those.
 */
#define HYV_PVNET_GUEST_OFFLOADS_MASK	((1U << HYV_PVNET_F_GUEST_CSUM) | \
					 (1U << HYV_PVNET_F_GUEST_TSO4) | \
					 (1U << HYV_PVNET_F_GUEST_TSO6) | \
					 (1U << HYV_PVNET_F_GUEST_ECN))

/*
 * Queues 2n and 2n+1 are the receive and transmit queues of pair n;
 * NUM_QUEUES is 2 * max_queue_pairs. Every packet, both ways, starts
 * with this header: the layout of <linux/virtio_net.h>'s struct
 * virtio_net_hdr_v1 (the one TAP's IFF_VNET_HDR uses with
 * TUNSETVNETHDRSZ 12) and the same flag and GSO values, so that the
 * offloads pass through the VMM untouched.
 */
struct hyv_pvnet_hdr {
	__u8 flags;			/* HYV_PVNET_HDR_F_* */
	__u8 gso_type;			/* HYV_PVNET_GSO_* */
	__le16 hdr_len;			/* GSO: bytes of headers (a hint) */
	__le16 gso_size;		/* GSO: payload bytes per segment */
	__le16 csum_start;		/* NEEDS_CSUM: from the frame's start */
	__le16 csum_offset;		/* NEEDS_CSUM: from csum_start */
	__le16 num_buffers;		/* receive: buffers the packet fills */
};

#define HYV_PVNET_HDR_SIZE		12
#define HYV_PVNET_HDR_F_NEEDS_CSUM	1	/* checksum [csum_start, end) */
#define HYV_PVNET_HDR_F_DATA_VALID	2	/* receive: checksums verified */
#define HYV_PVNET_GSO_NONE		0
#define HYV_PVNET_GSO_TCPV4		1
#define HYV_PVNET_GSO_TCPV6		4
#define HYV_PVNET_GSO_ECN		0x80	/* with TCPV4 or TCPV6 */

/*
 * Largest frame (after the header) either side sends: a 64 KiB GSO
 * packet plus an Ethernet header and a VLAN tag. Without GSO a frame is
 * at most mtu + 18 bytes; at least 14 (an Ethernet header).
 */
#define HYV_PVNET_MAX_FRAME		(65536 + 18)
#define HYV_PVNET_MIN_FRAME		14

#endif /* _UAPI_LINUX_HYV_PV_H */

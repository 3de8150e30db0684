/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hyv guest ABI: what a guest sees of hyv. Detection through CPUID leaves
 * and the hypercall numbers; the PV device and ring layout follow here
 * once those devices exist. See docs/abi.md.
 */
#ifndef _UAPI_LINUX_HYV_PV_H
#define _UAPI_LINUX_HYV_PV_H

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
 */
#define HYV_HC_DOORBELL		2

#define HYV_PV_VERSION		1
#define HYV_EPERM		1	/* Linux EPERM: called from CPL > 0 */
#define HYV_ENOENT		2	/* Linux ENOENT */
#define HYV_ENOSYS		38	/* Linux ENOSYS */

#endif /* _UAPI_LINUX_HYV_PV_H */

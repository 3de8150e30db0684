// SPDX-License-Identifier: GPL-2.0
/*
 * PV EOI through KVM's interface, which a stock Linux guest knows: most
 * interrupts are then acknowledged without an exit. The guest finds KVM's
 * signature at CPUID 0x40000100 (hyv's own leaves stay at 0x40000000),
 * PV EOI in 0x40000101, and gives the address of a u32 in
 * HYV_MSR_KVM_PV_EOI_EN. Before an entry that leaves exactly one vector
 * in service and none requested, hyv sets bit 0 of that u32 ("armed"):
 * the guest's EOI clears it instead of writing the APIC, and hyv ends the
 * in-service vector after the next exit, where it finds the bit clear.
 * With more in service or something requested the EOI must exit, so that
 * the next interrupt goes in at once: the bit is not set then. See
 * uapi/linux/hyv_pv.h and docs/abi.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/uaccess.h>
#include <linux/hyv_pv.h>

#include "hyv.h"

#define HYV_PV_EOI_ENABLED	BIT_ULL(0)
#define HYV_PV_EOI_MISALIGNED	BIT_ULL(1)	/* the u32 is 4-byte aligned */

static u64 hyv_pv_eoi_gpa(struct hyv_vcpu *vcpu)
{
	return vcpu->lapic.pv_eoi_msr & ~HYV_PV_EOI_ENABLED;
}

/* The MSR, for a guest whose CPUID has PV EOI, or the VMM; else -ENOENT. */
int hyv_pv_eoi_msr_read(struct hyv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	if (msr != HYV_MSR_KVM_PV_EOI_EN ||
	    (!host && !hyv_guest_has(vcpu, HYV_FEAT_PV_EOI)))
		return -ENOENT;
	*val = vcpu->lapic.pv_eoi_msr;
	return 0;
}

int hyv_pv_eoi_msr_write(struct hyv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	if (msr != HYV_MSR_KVM_PV_EOI_EN ||
	    (!host && !hyv_guest_has(vcpu, HYV_FEAT_PV_EOI)))
		return -ENOENT;
	if (val & HYV_PV_EOI_MISALIGNED) {
		pr_warn_ratelimited("vcpu%u: PV EOI address %#llx is not 4-byte aligned: #GP\n",
				    vcpu->id, val & ~HYV_PV_EOI_ENABLED);
		return -EINVAL;
	}
	/* An EOI made through the old address still counts. */
	hyv_pv_eoi_sync(vcpu);
	vcpu->lapic.pv_eoi_msr = val;
	return 0;
}

/*
 * Interrupts off, just before an entry, after this entry's event was
 * chosen. The write must not fault here: a page the host has not mapped
 * just means no PV EOI for this interrupt.
 */
void hyv_pv_eoi_arm(struct hyv_vcpu *vcpu)
{
	u8 armed = 1;
	int ret;

	if (!(vcpu->lapic.pv_eoi_msr & HYV_PV_EOI_ENABLED) ||
	    vcpu->lapic.pv_eoi_armed || !hyv_lapic_one_in_service(vcpu))
		return;
	pagefault_disable();
	ret = hyv_mmu_write_gpa(vcpu->vm, hyv_pv_eoi_gpa(vcpu), &armed, 1);
	pagefault_enable();
	if (!ret)
		vcpu->lapic.pv_eoi_armed = true;
}

/*
 * After an exit, interrupts on: a bit the guest cleared is its EOI. A bit
 * still set is taken back (the interrupt may not even have gone in, or
 * the guest is still in its handler): armed again before the next entry
 * if the state still allows, it must not stay set meanwhile for the EOI
 * of another interrupt to find. A bit that cannot be read any more (the
 * VMM removed the memory) is taken as not cleared: the guest, which can
 * no longer see it either, ends the interrupt through the APIC.
 */
void hyv_pv_eoi_sync(struct hyv_vcpu *vcpu)
{
	u8 v, clear = 0;

	if (!vcpu->lapic.pv_eoi_armed)
		return;
	vcpu->lapic.pv_eoi_armed = false;
	if (hyv_mmu_read_gpa(vcpu->vm, hyv_pv_eoi_gpa(vcpu), &v, 1))
		return;
	if (v & 1)
		hyv_mmu_write_gpa(vcpu->vm, hyv_pv_eoi_gpa(vcpu), &clear, 1);
	else
		hyv_lapic_eoi(vcpu);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv guest page-table walker: translate a guest-virtual address to a
 * guest-physical one through the guest's own page tables, in software,
 * to fetch and emulate instructions (Intel SDM vol. 3A ch. 4).
 */
#ifndef HYV_GUEST_WALK_H
#define HYV_GUEST_WALK_H

#include <linux/bits.h>
#include <linux/types.h>

/* Page-fault error code bits (SDM vol. 3A 4.7, figure 4-12). */
#define HYV_PF_PRESENT	BIT(0)	/* protection violation, not not-present */
#define HYV_PF_WRITE	BIT(1)
#define HYV_PF_USER	BIT(2)
#define HYV_PF_RSVD	BIT(3)
#define HYV_PF_FETCH	BIT(4)

/* The access to check: a read by CPL 0-2 is 0; bits as in the error code. */
#define HYV_WALK_WRITE	HYV_PF_WRITE
#define HYV_WALK_USER	HYV_PF_USER	/* CPL 3 */
#define HYV_WALK_FETCH	HYV_PF_FETCH

#define HYV_WALK_PF_VECTOR	14
#define HYV_WALK_GP_VECTOR	13

/* The guest's paging state and a way to read its physical memory. */
struct hyv_guest_paging {
	u64 cr0, cr3, cr4, efer;
	u8 maxphyaddr;		/* guest CPUID 0x80000008 EAX[7:0]; 0: 52 */
	/* Copy @len bytes at @gpa; 0 or a negative errno. */
	int (*read_gpa)(void *ctx, u64 gpa, void *buf, unsigned int len);
	void *ctx;
};

struct hyv_walk_result {
	u64 gpa;		/* translated address */
	u64 page_size;		/* size of the page holding it: 4K, 2M, 4M, 1G */
	u8 vector;		/* on -EFAULT: #PF (14) or #GP (13) */
	u32 error_code;		/* on -EFAULT: the error code to inject */
};

int hyv_guest_walk(const struct hyv_guest_paging *pg, u64 gva, u32 access,
		   struct hyv_walk_result *res);

#endif /* HYV_GUEST_WALK_H */

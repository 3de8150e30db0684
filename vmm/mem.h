/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM as hyv-run holds it: one host mapping, seen by the guest in
 * one or two pieces: [0, low) and, past the 32-bit hole, [4 GiB, +high).
 * Pure logic (mem.c): the unit tests use it without /dev/hyv.
 */
#ifndef HYV_RUN_MEM_H
#define HYV_RUN_MEM_H

#include "util.h"

struct guest_mem {
	u8 *host;	/* low part at host[0], high part right after it */
	u64 size;	/* low + high */
	u64 low;	/* bytes at guest-physical 0 */
	u64 high;	/* bytes at guest-physical 4 GiB */
};

/* Split size around the hole (layout.h). */
void guest_mem_layout(struct guest_mem *m, u64 size);
/* Anonymous memory for it; -errno. */
int guest_mem_alloc(struct guest_mem *m, u64 size);
void guest_mem_free(struct guest_mem *m);
/* The host address of [gpa, gpa + len) if it is all RAM, else NULL. */
void *guest_mem_ptr(const struct guest_mem *m, u64 gpa, u64 len);
/* The end of RAM below 4 GiB (== m->low). */
static inline u64 guest_mem_low_end(const struct guest_mem *m)
{
	return m->low;
}

#endif /* HYV_RUN_MEM_H */

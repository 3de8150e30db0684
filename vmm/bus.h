/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The I/O buses of hyv-run: one for port I/O, one for MMIO. A device
 * registers a range with a handler; an exit is dispatched to the range
 * holding its address (bus.c). Accesses nobody claims read all-ones,
 * writes go nowhere, and both are counted: never fatal.
 */
#ifndef HYV_RUN_BUS_H
#define HYV_RUN_BUS_H

#include <pthread.h>
#include "util.h"

/*
 * A device's handler: an access of len (1..8) bytes at offset from the
 * start of its range; data is little-endian, filled by the handler on a
 * read. Called from vCPU threads, concurrently: the device locks itself.
 */
typedef void (*bus_handler_t)(void *opaque, u64 offset, u8 *data, u32 len,
			      bool is_write);

struct bus_range {
	u64 base, size;
	bus_handler_t handler;
	void *opaque;
	const char *name;
	u64 accesses;			/* __atomic: exits it served */
};

#define BUS_UNKNOWN_SLOTS	16

struct bus_unknown {
	u64 addr;
	u64 count;
};

struct bus {
	const char *name;		/* "port", "mmio": in messages */
	pthread_rwlock_t lock;
	struct bus_range *ranges;	/* sorted by base, disjoint */
	unsigned int nr, cap;
	pthread_mutex_t unknown_lock;
	u64 unknown_total;
	struct bus_unknown unknown[BUS_UNKNOWN_SLOTS];	/* first addresses seen */
};

void bus_init(struct bus *bus, const char *name);
void bus_destroy(struct bus *bus);
/* 0, -EEXIST when it overlaps a range, -EINVAL for an empty one, -ENOMEM. */
int bus_register(struct bus *bus, u64 base, u64 size, bus_handler_t handler,
		 void *opaque, const char *name);
/* Remove the range starting at base; -ENOENT if there is none. */
int bus_unregister(struct bus *bus, u64 base);
/* Dispatch one access; false when no device claimed it (counted). */
bool bus_access(struct bus *bus, u64 addr, u8 *data, u32 len, bool is_write);
/* Print the unclaimed addresses seen and their counts on stderr. */
void bus_report_unknown(struct bus *bus);
/* Print how many accesses each device's range served, on stderr. */
void bus_report_ranges(struct bus *bus);

/* Little-endian helpers for handlers. */
static inline u64 bus_get(const u8 *data, u32 len)
{
	u64 v = 0;

	while (len--)
		v = v << 8 | data[len];
	return v;
}

static inline void bus_put(u8 *data, u32 len, u64 v)
{
	u32 i;

	for (i = 0; i < len; i++, v >>= 8)
		data[i] = v;
}

#endif /* HYV_RUN_BUS_H */

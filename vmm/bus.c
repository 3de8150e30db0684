// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O buses: sorted, disjoint ranges looked up by binary search under
 * a read lock (devices are registered at setup; PCI BARs may move while
 * vCPUs run, hence the rwlock). The handler runs outside the bus lock
 * would be nicer, but then a range could vanish under it: ranges are
 * only removed with the write lock, so holding the read lock across the
 * call is what keeps the device alive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_rwlock_init(&bus->lock, NULL);
	pthread_mutex_init(&bus->unknown_lock, NULL);
}

void bus_destroy(struct bus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->nr = 0;
	bus->cap = 0;
}

/* Index of the first range whose end is above addr. */
static unsigned int bus_search(const struct bus *bus, u64 addr)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (r->base + r->size - 1 < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_register(struct bus *bus, u64 base, u64 size, bus_handler_t handler,
		 void *opaque, const char *name)
{
	struct bus_range *r;
	unsigned int i;
	int err = 0;

	if (!size || base + size - 1 < base || !handler)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	i = bus_search(bus, base);
	if (i < bus->nr && bus->ranges[i].base <= base + size - 1) {
		err = -EEXIST;
		goto out;
	}
	if (bus->nr == bus->cap) {
		unsigned int cap = bus->cap ? bus->cap * 2 : 16;

		r = realloc(bus->ranges, cap * sizeof(*r));
		if (!r) {
			err = -ENOMEM;
			goto out;
		}
		bus->ranges = r;
		bus->cap = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i],
		(bus->nr - i) * sizeof(*bus->ranges));
	bus->ranges[i] = (struct bus_range){ base, size, handler, opaque, name, 0 };
	bus->nr++;
out:
	pthread_rwlock_unlock(&bus->lock);
	return err;
}

int bus_unregister(struct bus *bus, u64 base)
{
	unsigned int i;
	int err = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	i = bus_search(bus, base);
	if (i < bus->nr && bus->ranges[i].base == base) {
		memmove(&bus->ranges[i], &bus->ranges[i + 1],
			(bus->nr - i - 1) * sizeof(*bus->ranges));
		bus->nr--;
		err = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return err;
}

static void bus_count_unknown(struct bus *bus, u64 addr)
{
	unsigned int i;

	pthread_mutex_lock(&bus->unknown_lock);
	bus->unknown_total++;
	for (i = 0; i < BUS_UNKNOWN_SLOTS; i++) {
		if (bus->unknown[i].count && bus->unknown[i].addr != addr)
			continue;
		bus->unknown[i].addr = addr;
		bus->unknown[i].count++;
		break;
	}
	pthread_mutex_unlock(&bus->unknown_lock);
}

bool bus_access(struct bus *bus, u64 addr, u8 *data, u32 len, bool is_write)
{
	struct bus_range *r;
	unsigned int i;

	pthread_rwlock_rdlock(&bus->lock);
	i = bus_search(bus, addr);
	r = i < bus->nr ? &bus->ranges[i] : NULL;
	/* The whole access inside the range: a device never sees a partial one. */
	if (r && r->base <= addr && len <= r->size &&
	    addr - r->base <= r->size - len) {
		r->handler(r->opaque, addr - r->base, data, len, is_write);
		__atomic_add_fetch(&r->accesses, 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&bus->lock);
		return true;
	}
	pthread_rwlock_unlock(&bus->lock);
	if (!is_write)
		memset(data, 0xff, len);
	bus_count_unknown(bus, addr);
	return false;
}

void bus_report_unknown(struct bus *bus)
{
	unsigned int i;

	pthread_mutex_lock(&bus->unknown_lock);
	if (bus->unknown_total) {
		fprintf(stderr, "hyv-run: %llu accesses to unclaimed %s addresses:",
			(unsigned long long)bus->unknown_total, bus->name);
		for (i = 0; i < BUS_UNKNOWN_SLOTS && bus->unknown[i].count; i++)
			fprintf(stderr, " %#llx(%llu)",
				(unsigned long long)bus->unknown[i].addr,
				(unsigned long long)bus->unknown[i].count);
		fprintf(stderr, "\n");
	}
	pthread_mutex_unlock(&bus->unknown_lock);
}

void bus_report_ranges(struct bus *bus)
{
	unsigned int i;

	pthread_rwlock_rdlock(&bus->lock);
	fprintf(stderr, "hyv-run: %s accesses by range:", bus->name);
	for (i = 0; i < bus->nr; i++)
		if (bus->ranges[i].accesses)
			fprintf(stderr, " %s@%#llx(%llu)", bus->ranges[i].name,
				(unsigned long long)bus->ranges[i].base,
				(unsigned long long)bus->ranges[i].accesses);
	fprintf(stderr, "\n");
	pthread_rwlock_unlock(&bus->lock);
}

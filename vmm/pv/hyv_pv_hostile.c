// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile-device test mode of hyv PV devices: parse `hostile=KIND@N`
 * and corrupt the N-th used element once (see hyv_pv_hostile.h). Called
 * by the queues' threads of one device at once: the count is atomic and
 * exactly one completion matches it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyv_pv_hostile.h"

static const char *const hyv_pv_hostile_names[] = {
	[HYV_PV_HOSTILE_NONE] = "none",
	[HYV_PV_HOSTILE_ID] = "id",
	[HYV_PV_HOSTILE_LEN] = "len",
	[HYV_PV_HOSTILE_IDX] = "idx",
};

const char *hyv_pv_hostile_kind_name(enum hyv_pv_hostile_kind kind)
{
	return kind <= HYV_PV_HOSTILE_IDX ? hyv_pv_hostile_names[kind] : "?";
}

int hyv_pv_hostile_parse(const char *s, enum hyv_pv_hostile_kind *kind,
			 u64 *at, char *err, size_t errlen)
{
	const char *n = strchr(s, '@');
	unsigned long long v;
	unsigned int k;
	char *end;

	for (k = HYV_PV_HOSTILE_ID; n && k <= HYV_PV_HOSTILE_IDX; k++) {
		if (strlen(hyv_pv_hostile_names[k]) == (size_t)(n - s) &&
		    !strncmp(s, hyv_pv_hostile_names[k], n - s))
			break;
	}
	if (!n || k > HYV_PV_HOSTILE_IDX) {
		snprintf(err, errlen, "hostile=%s: want id@N, len@N or idx@N", s);
		return -EINVAL;
	}
	errno = 0;
	v = n[1] >= '0' && n[1] <= '9' ? strtoull(n + 1, &end, 10) : 0;
	if (!v || errno || *end || v > HYV_PV_HOSTILE_MAX_AT) {
		snprintf(err, errlen, "hostile=%s: N is the completion to corrupt, 1..%llu",
			 s, HYV_PV_HOSTILE_MAX_AT);
		return -EINVAL;
	}
	*kind = k;
	*at = v;
	return 0;
}

unsigned int hyv_pv_hostile_fill(struct hyv_pv_hostile *h, unsigned int num,
				 u32 *id, u32 *len)
{
	u32 old_id = *id, old_len = *len;
	unsigned int skip = 0;

	if (h->kind == HYV_PV_HOSTILE_NONE ||
	    __atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED) != h->at)
		return 0;
	switch (h->kind) {
	case HYV_PV_HOSTILE_ID:
		*id = num;
		break;
	case HYV_PV_HOSTILE_LEN:
		*len += 0x80000000U;
		break;
	default:
		skip = num;
		break;
	}
	__atomic_store_n(&h->fired, 1, __ATOMIC_RELAXED);
	fprintf(stderr,
		"hyv-run: pv: %s hostile: completion %llu (id %u len %u) returned as id %u len %u, used index +%u\n",
		h->name, (unsigned long long)h->at, old_id, old_len, *id, *len,
		skip);
	return skip;
}

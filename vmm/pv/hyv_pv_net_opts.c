// SPDX-License-Identifier: GPL-2.0
/*
 * The argument of hyv-run's `--net`: tap=NAME[,mac=XX:XX:XX:XX:XX:XX]
 * [,mtu=N][,queues=N][,hostile=KIND@N], checked whole before anything
 * is opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyv_pv_net.h"

static int hyv_pv_net_parse_uint(const char *v, unsigned int min,
				 unsigned int max, unsigned int *out)
{
	unsigned long x;
	char *end;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

static int hyv_pv_net_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hyv_pv_net_parse_mac(const char *v, u8 mac[6])
{
	unsigned int i;
	int hi, lo;

	for (i = 0; i < 6; i++) {
		hi = hyv_pv_net_hex(v[0]);
		lo = hi < 0 ? -1 : hyv_pv_net_hex(v[1]);
		if (lo < 0)
			return -EINVAL;
		mac[i] = hi << 4 | lo;
		v += 2;
		if (i < 5 && *v++ != ':')
			return -EINVAL;
	}
	if (*v)
		return -EINVAL;
	/* Unicast and not all zero: what a NIC may own. */
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

static int hyv_pv_net_parse_one(const char *key, const char *val,
				struct hyv_pv_net_opts *o, char *err,
				size_t errlen)
{
	if (!strcmp(key, "tap")) {
		if (!*val || strlen(val) >= sizeof(o->tap) ||
		    strpbrk(val, "/: \t")) {
			snprintf(err, errlen, "tap=%s: 1..%zu characters, no '/', ':' or blanks",
				 val, sizeof(o->tap) - 1);
			return -EINVAL;
		}
		strcpy(o->tap, val);
	} else if (!strcmp(key, "mac")) {
		if (hyv_pv_net_parse_mac(val, o->mac)) {
			snprintf(err, errlen, "mac=%s: want a unicast XX:XX:XX:XX:XX:XX", val);
			return -EINVAL;
		}
		o->mac_set = true;
	} else if (!strcmp(key, "mtu")) {
		if (hyv_pv_net_parse_uint(val, HYV_PVNET_MIN_MTU,
					  HYV_PVNET_MAX_MTU, &o->mtu)) {
			snprintf(err, errlen, "mtu=%s: want %u..%u", val,
				 HYV_PVNET_MIN_MTU, HYV_PVNET_MAX_MTU);
			return -EINVAL;
		}
	} else if (!strcmp(key, "queues")) {
		if (hyv_pv_net_parse_uint(val, 1, HYV_PVNET_MAX_QUEUE_PAIRS,
					  &o->queue_pairs)) {
			snprintf(err, errlen, "queues=%s: want 1..%u", val,
				 HYV_PVNET_MAX_QUEUE_PAIRS);
			return -EINVAL;
		}
	} else if (!strcmp(key, "hostile")) {
		/* Testing only: hyv_pv_hostile.h. */
		return hyv_pv_hostile_parse(val, &o->hostile.kind,
					    &o->hostile.at, err, errlen);
	} else {
		snprintf(err, errlen, "unknown option '%s' (tap=, mac=, mtu=, queues=, hostile=)",
			 key);
		return -EINVAL;
	}
	return 0;
}

/**
 * hyv_pv_net_parse - fill @opts from a `--net` argument
 * @arg: "tap=NAME[,mac=..][,mtu=..][,queues=..]"
 * @opts: zeroed first; the caller may set doorbell_device and the like
 * @err: a message on failure
 * @errlen: its room
 *
 * Return: 0, or -EINVAL with @err saying which part is wrong.
 */
int hyv_pv_net_parse(const char *arg, struct hyv_pv_net_opts *opts,
		     char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok, *eq;
	int ret;

	memset(opts, 0, sizeof(*opts));
	if (strlen(arg) >= sizeof(buf)) {
		snprintf(err, errlen, "--net argument too long");
		return -EINVAL;
	}
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, errlen, "'%s': want key=value", tok);
			return -EINVAL;
		}
		*eq = '\0';
		ret = hyv_pv_net_parse_one(tok, eq + 1, opts, err, errlen);
		if (ret)
			return ret;
	}
	if (!opts->tap[0]) {
		snprintf(err, errlen, "--net needs tap=NAME");
		return -EINVAL;
	}
	return 0;
}

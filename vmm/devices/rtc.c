// SPDX-License-Identifier: GPL-2.0
/*
 * The MC146818 CMOS real-time clock at ports 0x70 (index) and 0x71
 * (data): the host's time of day in UTC, so the guest's date starts
 * right; the rest of the 128 bytes is plain CMOS RAM. Linux reads it once
 * at boot (mach_get_cmos_time); without it, it would poll the update
 * flag of an absent chip for a second and log an error. Writes to the
 * clock registers (hwclock -w) are ignored: the host owns the time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hyv/layout.h>
#include "platform.h"

#define RTC_SECONDS	0x00
#define RTC_MINUTES	0x02
#define RTC_HOURS	0x04
#define RTC_WDAY	0x06
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a	/* bit 7: update in progress */
#define RTC_REG_B	0x0b	/* bit 2: binary (else BCD), bit 1: 24 h */
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d	/* bit 7: valid RAM and time */
#define RTC_CENTURY	0x32	/* FADT CENTURY names it */

#define REG_B_24H	0x02
#define REG_B_BINARY	0x04
#define REG_D_VRT	0x80

struct rtc {
	pthread_mutex_t lock;
	u8 index;
	u8 ram[128];
};

static u8 rtc_encode(const struct rtc *r, unsigned int v)
{
	return (r->ram[RTC_REG_B] & REG_B_BINARY) ? v : (v / 10) << 4 | v % 10;
}

static u8 rtc_read(struct rtc *r, u8 reg)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	switch (reg) {
	case RTC_SECONDS:
		return rtc_encode(r, tm.tm_sec);
	case RTC_MINUTES:
		return rtc_encode(r, tm.tm_min);
	case RTC_HOURS:
		return rtc_encode(r, tm.tm_hour);
	case RTC_WDAY:
		return rtc_encode(r, tm.tm_wday + 1);
	case RTC_MDAY:
		return rtc_encode(r, tm.tm_mday);
	case RTC_MONTH:
		return rtc_encode(r, tm.tm_mon + 1);
	case RTC_YEAR:
		return rtc_encode(r, tm.tm_year % 100);
	case RTC_CENTURY:
		return rtc_encode(r, 19 + tm.tm_year / 100);
	case RTC_REG_A:
		return r->ram[RTC_REG_A] & 0x7f;	/* never updating */
	case RTC_REG_C:
		return 0;
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return r->ram[reg & 0x7f];
	}
}

static void rtc_io(void *opaque, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct rtc *r = opaque;

	if (len != 1) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (offset == 0) {
		/* Bit 7 of the index masks NMIs on a PC: no NMI source here. */
		if (is_write)
			r->index = data[0] & 0x7f;
		else
			data[0] = 0xff;
	} else if (is_write) {
		if (r->index == RTC_REG_A || r->index == RTC_REG_B ||
		    r->index > RTC_YEAR)
			r->ram[r->index] = data[0];
	} else {
		data[0] = rtc_read(r, r->index);
	}
	pthread_mutex_unlock(&r->lock);
}

int rtc_create(struct vmm *vmm)
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	pthread_mutex_init(&r->lock, NULL);
	r->ram[RTC_REG_A] = 0x26;		/* 32.768 kHz base, 1024 Hz */
	r->ram[RTC_REG_B] = REG_B_24H;		/* BCD, 24 hours */
	return bus_register(&vmm->pio, HYV_PORT_RTC, HYV_PORT_RTC_SIZE, rtc_io,
			    r, "rtc");
}

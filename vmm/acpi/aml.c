// SPDX-License-Identifier: GPL-2.0
/*
 * The AML encoder (see aml.h). PkgLength (ACPI 6.4 §20.2.4): one byte
 * when the package, that byte included, is under 64 bytes; otherwise a
 * lead byte holding the count of following bytes in bits 7:6 and the low
 * nibble, then the rest 8 bits at a time.
 */
#include <string.h>

#include "aml.h"

#define ZERO_OP		0x00
#define ONE_OP		0x01
#define NAME_OP		0x08
#define BYTE_PREFIX	0x0a
#define WORD_PREFIX	0x0b
#define DWORD_PREFIX	0x0c
#define QWORD_PREFIX	0x0e
#define BUFFER_OP	0x11
#define PACKAGE_OP	0x12
#define DUAL_NAME	0x2e
#define MULTI_NAME	0x2f
#define EXT_OP		0x5b
#define DEVICE_OP	0x82
#define ROOT_CHAR	'\\'

void aml_init(struct aml *a, u8 *buf, size_t cap)
{
	a->buf = buf;
	a->cap = cap;
	a->len = 0;
	a->overflow = false;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, u8 b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, u64 v, unsigned int n)
{
	while (n--) {
		aml_byte(a, v);
		v >>= 8;
	}
}

void aml_integer(struct aml *a, u64 v)
{
	if (v == 0) {
		aml_byte(a, ZERO_OP);
	} else if (v == 1) {
		aml_byte(a, ONE_OP);
	} else if (v <= 0xff) {
		aml_byte(a, BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

void aml_name(struct aml *a, const char *path)
{
	size_t n;

	if (*path == ROOT_CHAR) {
		aml_byte(a, ROOT_CHAR);
		path++;
	}
	n = strlen(path);
	if (n % 4 || !n) {
		a->overflow = true;	/* a programming error: fail the table */
		return;
	}
	if (n == 8) {
		aml_byte(a, DUAL_NAME);
	} else if (n > 8) {
		aml_byte(a, MULTI_NAME);
		aml_byte(a, n / 4);
	}
	aml_bytes(a, path, n);
}

void aml_eisaid(struct aml *a, const char *id)
{
	u32 v;

	if (strlen(id) != 7) {
		a->overflow = true;
		return;
	}
	/* Three 5-bit letters and four hex digits, stored big-endian. */
	v = (u32)((id[0] - 0x40) & 0x1f) << 26 | (u32)((id[1] - 0x40) & 0x1f) << 21 |
	    (u32)((id[2] - 0x40) & 0x1f) << 16;
	for (int i = 3; i < 7; i++) {
		char c = id[i];

		v |= (u32)(c <= '9' ? c - '0' : c - 'A' + 10) << (4 * (6 - i));
	}
	aml_byte(a, DWORD_PREFIX);
	aml_le(a, __builtin_bswap32(v), 4);
}

/* Reserve a one-byte PkgLength; aml_close() widens it if needed. */
static size_t aml_open(struct aml *a)
{
	size_t mark = a->len;

	aml_byte(a, 0);
	return mark;
}

void aml_close(struct aml *a, size_t mark)
{
	size_t body = a->len - mark - 1, extra, total;
	unsigned int i;

	if (a->overflow)
		return;
	if (body + 1 < 64) {
		a->buf[mark] = body + 1;
		return;
	}
	extra = body + 2 < 4096 ? 1 : body + 3 < (1 << 20) ? 2 : 3;
	if (a->len + extra > a->cap) {
		a->overflow = true;
		return;
	}
	memmove(a->buf + mark + 1 + extra, a->buf + mark + 1, body);
	a->len += extra;
	total = body + 1 + extra;
	a->buf[mark] = extra << 6 | (total & 0xf);
	for (i = 0; i < extra; i++)
		a->buf[mark + 1 + i] = total >> (4 + 8 * i);
}

size_t aml_package_open(struct aml *a, u8 nelems)
{
	size_t mark;

	aml_byte(a, PACKAGE_OP);
	mark = aml_open(a);
	aml_byte(a, nelems);
	return mark;
}

size_t aml_device_open(struct aml *a, const char *path)
{
	size_t mark;

	aml_byte(a, EXT_OP);
	aml_byte(a, DEVICE_OP);
	mark = aml_open(a);
	aml_name(a, path);
	return mark;
}

/*
 * A Buffer's BufferSize comes before its bytes, and is only known at the
 * end: the body is written after a placeholder DWordConst and the size
 * patched in there.
 */
size_t aml_buffer_open(struct aml *a)
{
	size_t mark;

	aml_byte(a, BUFFER_OP);
	mark = aml_open(a);
	aml_byte(a, DWORD_PREFIX);
	aml_le(a, 0, 4);
	return mark;
}

void aml_buffer_close(struct aml *a, size_t mark)
{
	size_t size = a->len - mark - 6;
	unsigned int i;

	if (a->overflow)
		return;
	for (i = 0; i < 4; i++)
		a->buf[mark + 2 + i] = size >> (8 * i);
	aml_close(a, mark);
}

void aml_name_decl(struct aml *a, const char *path)
{
	aml_byte(a, NAME_OP);
	aml_name(a, path);
}

/* Address space descriptors: producer, fixed min and max, positive decode. */
#define ADDR_GENERAL_FLAGS	0x0c
enum { RES_MEMORY = 0, RES_IO = 1, RES_BUS = 2 };

static void aml_address(struct aml *a, u8 tag, u8 len, u8 type, u8 tflags,
			unsigned int width, u64 min, u64 max)
{
	aml_byte(a, tag);
	aml_le(a, len, 2);
	aml_byte(a, type);
	aml_byte(a, ADDR_GENERAL_FLAGS);
	aml_byte(a, tflags);
	aml_le(a, 0, width);		/* granularity */
	aml_le(a, min, width);
	aml_le(a, max, width);
	aml_le(a, 0, width);		/* translation offset */
	aml_le(a, max - min + 1, width);
}

void aml_word_bus_range(struct aml *a, u16 min, u16 max)
{
	aml_address(a, 0x88, 13, RES_BUS, 0, 2, min, max);
}

void aml_word_io_range(struct aml *a, u16 min, u16 max)
{
	aml_address(a, 0x88, 13, RES_IO, 0x03, 2, min, max);	/* entire range */
}

void aml_dword_memory(struct aml *a, u32 min, u32 max)
{
	aml_address(a, 0x87, 23, RES_MEMORY, 0x01, 4, min, max);	/* RW, UC */
}

void aml_qword_memory(struct aml *a, u64 min, u64 max)
{
	aml_address(a, 0x8a, 43, RES_MEMORY, 0x01, 8, min, max);
}

void aml_io_port(struct aml *a, u16 base, u8 len)
{
	aml_byte(a, 0x47);		/* I/O port descriptor, 7 bytes */
	aml_byte(a, 0x01);		/* 16-bit decode */
	aml_le(a, base, 2);
	aml_le(a, base, 2);
	aml_byte(a, 1);			/* alignment */
	aml_byte(a, len);
}

void aml_irq_noflags(struct aml *a, unsigned int irq)
{
	aml_byte(a, 0x22);		/* IRQ descriptor, 2 bytes: the mask */
	aml_le(a, 1U << irq, 2);
}

void aml_end_tag(struct aml *a)
{
	aml_byte(a, 0x79);
	aml_byte(a, 0);			/* checksum 0: "treat as correct" */
}

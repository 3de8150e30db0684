/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny AML encoder for hyv-run's DSDT: just the terms it uses (Name,
 * Package, Device, Buffer, integers, EISA IDs) and the resource
 * descriptors of a PCI root bridge's _CRS. ACPI 6.4 §20 (AML grammar)
 * and §6.4 (resource descriptors). Writes into a fixed buffer; an
 * overflow is remembered and reported by aml_ok().
 */
#ifndef HYV_RUN_AML_H
#define HYV_RUN_AML_H

#include "../util.h"

struct aml {
	u8 *buf;
	size_t cap, len;
	bool overflow;
};

void aml_init(struct aml *a, u8 *buf, size_t cap);
static inline bool aml_ok(const struct aml *a)
{
	return !a->overflow;
}

void aml_byte(struct aml *a, u8 b);
void aml_bytes(struct aml *a, const void *p, size_t n);
/* An integer in its shortest encoding (ZeroOp, OneOp, BytePrefix...). */
void aml_integer(struct aml *a, u64 v);
/* A NameString: "_S5_", "\\_SB_PCI0" (4-character segments, '.'-less). */
void aml_name(struct aml *a, const char *path);
/* An EISA ID such as "PNP0A08", as the DWord the spec compresses it to. */
void aml_eisaid(struct aml *a, const char *id);

/*
 * Terms with a PkgLength: open returns a mark, close fills the length in
 * (moving the body when the length needs more than one byte).
 */
size_t aml_package_open(struct aml *a, u8 nelems);	/* PackageOp */
size_t aml_device_open(struct aml *a, const char *path); /* DeviceOp */
size_t aml_buffer_open(struct aml *a);			/* BufferOp */
void aml_close(struct aml *a, size_t mark);
void aml_buffer_close(struct aml *a, size_t mark);	/* adds BufferSize */
/* NameOp path: the caller then emits the object. */
void aml_name_decl(struct aml *a, const char *path);

/* Resource descriptors for _CRS, then aml_end_tag. */
void aml_word_bus_range(struct aml *a, u16 min, u16 max);
void aml_word_io_range(struct aml *a, u16 min, u16 max);
void aml_dword_memory(struct aml *a, u32 min, u32 max);
void aml_qword_memory(struct aml *a, u64 min, u64 max);
void aml_io_port(struct aml *a, u16 base, u8 len);
/* IRQNoFlags () { irq }: an ISA interrupt, edge-triggered, active high. */
void aml_irq_noflags(struct aml *a, unsigned int irq);
void aml_end_tag(struct aml *a);

#endif /* HYV_RUN_AML_H */

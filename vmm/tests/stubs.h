/* SPDX-License-Identifier: GPL-2.0 */
/* The recorded side effects of tests/stubs.c. */
#ifndef HYV_RUN_TEST_STUBS_H
#define HYV_RUN_TEST_STUBS_H

#define STUB_MAX_MSIS	16

struct stub_msi {
	u64 address;
	u32 data;
};

extern struct stub_msi stub_msis[STUB_MAX_MSIS];
extern unsigned int stub_nr_msis;
extern int stub_exit_status;

#endif /* HYV_RUN_TEST_STUBS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * hyv AMD nested page-table entries. NPT uses the ordinary x86-64 page
 * table format; every guest access is treated as a user access, so each
 * level must grant U/S (AMD APM vol. 2 §15.25.5).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <asm/pgtable_types.h>

#include "svm.h"

u64 svm_npt_table_entry(phys_addr_t table)
{
	return table | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER;
}
EXPORT_SYMBOL_IF_KUNIT(svm_npt_table_entry);

u64 svm_npt_leaf_entry(phys_addr_t page, unsigned int perms, bool huge)
{
	u64 entry = page | _PAGE_USER | (huge ? _PAGE_PSE : 0);

	if (perms & (HYV_NPT_READ | HYV_NPT_WRITE | HYV_NPT_EXEC))
		entry |= _PAGE_PRESENT;
	if (perms & HYV_NPT_WRITE)
		entry |= _PAGE_RW;
	if (!(perms & HYV_NPT_EXEC))
		entry |= _PAGE_NX;
	return entry;
}
EXPORT_SYMBOL_IF_KUNIT(svm_npt_leaf_entry);

bool svm_npt_present(u64 entry)
{
	return entry & _PAGE_PRESENT;
}
EXPORT_SYMBOL_IF_KUNIT(svm_npt_present);

bool svm_npt_huge(u64 entry)
{
	return entry & _PAGE_PSE;
}
EXPORT_SYMBOL_IF_KUNIT(svm_npt_huge);

unsigned int svm_npt_perms(u64 entry)
{
	unsigned int perms = 0;

	if (entry & _PAGE_PRESENT)
		perms |= HYV_NPT_READ;
	if ((entry & _PAGE_PRESENT) && (entry & _PAGE_RW))
		perms |= HYV_NPT_WRITE;
	if ((entry & _PAGE_PRESENT) && !(entry & _PAGE_NX))
		perms |= HYV_NPT_EXEC;
	return perms;
}
EXPORT_SYMBOL_IF_KUNIT(svm_npt_perms);

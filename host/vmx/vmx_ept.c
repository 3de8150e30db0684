// SPDX-License-Identifier: GPL-2.0
/*
 * hyv Intel EPT entries and the EPT pointer (Intel SDM vol. 3C §29.3.2):
 * read/write/execute bits instead of present/user, and a memory type in
 * each leaf. Leaves are write-back; the guest's PAT still applies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>

#include "vmx.h"

#define EPT_MEMTYPE_WB		6ULL
#define EPT_LEAF_2M		BIT_ULL(7)	/* in a level-2 entry: maps 2 MiB */
#define EPTP_WALK_4_LEVELS	(3ULL << 3)	/* walk length minus one */

u64 vmx_ept_table_entry(phys_addr_t table)
{
	return table | VMX_EPT_RWX_MASK;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_ept_table_entry);

u64 vmx_ept_leaf_entry(phys_addr_t page, unsigned int perms, bool huge)
{
	u64 entry = page | (EPT_MEMTYPE_WB << VMX_EPT_MT_EPTE_SHIFT) |
		    (huge ? EPT_LEAF_2M : 0);

	if (perms & HYV_NPT_READ)
		entry |= VMX_EPT_READABLE_MASK;
	if (perms & HYV_NPT_WRITE)
		entry |= VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK;
	if (perms & HYV_NPT_EXEC)
		entry |= VMX_EPT_EXECUTABLE_MASK;
	return entry;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_ept_leaf_entry);

bool vmx_ept_present(u64 entry)
{
	return entry & VMX_EPT_RWX_MASK;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_ept_present);

bool vmx_ept_huge(u64 entry)
{
	return entry & EPT_LEAF_2M;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_ept_huge);

unsigned int vmx_ept_perms(u64 entry)
{
	return (entry & VMX_EPT_READABLE_MASK ? HYV_NPT_READ : 0) |
	       (entry & VMX_EPT_WRITABLE_MASK ? HYV_NPT_WRITE : 0) |
	       (entry & VMX_EPT_EXECUTABLE_MASK ? HYV_NPT_EXEC : 0);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_ept_perms);

u64 vmx_eptp(phys_addr_t root)
{
	return root | EPTP_WALK_4_LEVELS | EPT_MEMTYPE_WB;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_eptp);

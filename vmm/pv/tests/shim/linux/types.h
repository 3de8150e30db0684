/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/types.h> (see kshim.h). */
#include_next <linux/types.h>
#include "../kshim.h"

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's type names and idioms for hyv's user-space code (vmm/,
 * vmm/pv/ and its tests' kernel shim, selftests/, bench/, testbed/tools/),
 * so that it reads like the kernel code beside it and passes checkpatch.
 *
 * u8..u64 and s8..s64 are the uapi's __u8..__s64, as in the kernel: u64
 * is unsigned long long (the ABI's __u64), so "%llx" prints it and a u64 *
 * may point at a field of a uapi structure. (uint64_t is unsigned long:
 * the same size and layout, but another type for printf formats and
 * pointers.) The attributes are spelled as tools/include spells them.
 */
#ifndef HYV_USER_TYPES_H
#define HYV_USER_TYPES_H

/*
 * __u8..__s64 (not <linux/types.h>: vmm/pv's tests put a shim of it,
 * which includes this header, first in their include path).
 */
#include <asm/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

#ifndef __packed
#define __packed		__attribute__((packed))
#endif
#ifndef __aligned
#define __aligned(n)		__attribute__((aligned(n)))
#endif
#ifndef __noreturn
#define __noreturn		__attribute__((noreturn))
#endif
#ifndef __printf
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#endif
#ifndef __used
#define __used			__attribute__((used))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
/* Unsigned int, as the tests and the VMM have always used it. */
#define BIT(n)			(1U << (n))
#define BIT_ULL(n)		(1ULL << (n))

/* One access the compiler may neither drop, merge nor tear (as the kernel's). */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

#endif /* HYV_USER_TYPES_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The few things the shared C code (verifier, interpreter, packet parser)
 * needs that are spelled differently in the kernel and in userspace.
 */
#ifndef _POLYFW_COMPAT_H
#define _POLYFW_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/sched.h>
#define pfw_likely(x) likely(x)
#define pfw_unlikely(x) unlikely(x)
/* Charged to the loader's memory cgroup; failure is an error, not a splat. */
static inline void *pfw_zalloc(size_t n)
{
	return kvzalloc(n, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

static inline void pfw_free(void *p)
{
	kvfree(p);
}

/* Long verifications yield the CPU between stages and every so often. */
#define pfw_cond_resched() cond_resched()
#else
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define pfw_likely(x) __builtin_expect(!!(x), 1)
#define pfw_unlikely(x) __builtin_expect(!!(x), 0)
static inline void *pfw_zalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

static inline void pfw_free(void *p)
{
	free(p);
}

#define pfw_cond_resched() do { } while (0)
#endif

#endif /* _POLYFW_COMPAT_H */

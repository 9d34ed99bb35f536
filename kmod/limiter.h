/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Token buckets for the program's limiters (LIMIT tests, LOG rate limits).
 */
#ifndef _PFW_LIMITER_H
#define _PFW_LIMITER_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <polyfw/prog.h>

/* Buckets of a PFW_LIM_PER_SRC limiter: sources share them by hash. */
/*
 * A per-source limiter keeps one exact bucket per source address in a
 * table of PFW_LIM_SRC_SLOTS; a source looks at PFW_LIM_SRC_PROBE slots
 * from its hash.
 */
#define PFW_LIM_SRC_SLOTS 1024
#define PFW_LIM_SRC_PROBE 8

struct pfw_bucket {
	spinlock_t lock; /* tokens and stamp */
	u64 tokens; /* NSEC_PER_SEC per packet (or byte) */
	u64 stamp; /* ktime_get_ns() of the last refill */
};

/* One source's bucket, under its limiter's lock. */
struct pfw_src_slot {
	u32 addr[4];
	u32 used;
	u64 tokens;
	u64 stamp;
};

struct pfw_limiter {
	const struct pfw_lim_desc *desc;
	u32 seed;
	struct pfw_bucket *b; /* the bucket, or the slots' lock */
	struct pfw_src_slot *slots; /* PFW_LIM_PER_SRC: PFW_LIM_SRC_SLOTS */
	atomic64_t full; /* packets of new sources the full table refused */
};

struct pfw_limiters {
	u32 n;
	struct pfw_limiter *lim;
	struct pfw_bucket *buckets;
	struct pfw_src_slot *slots;
};

/* Memory the limiters of prog take. */
u64 pfw_limiters_bytes(const struct pfw_prog *prog);
int pfw_limiters_alloc(struct pfw_limiters *l, const struct pfw_prog *prog);
void pfw_limiters_free(struct pfw_limiters *l);
/* 1 when limiter idx has a token for this packet (and takes it). */
int pfw_limiter_take(struct pfw_limiters *l, u32 idx, const u32 *saddr,
		     u32 len);
/*
 * Copies the bucket levels of from's limiters into to's limiters of the
 * same key and parameters.  from must no longer be in use.
 */
void pfw_limiters_carry(struct pfw_limiters *to, const struct pfw_limiters *from);

#ifdef DEBUG
bool pfw_limiter_selftest(void);
#endif

#endif /* _PFW_LIMITER_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * A bucket holds up to burst * P tokens, where P is the rate's period in
 * nanoseconds (a second, minute, hour or day), and gains rate tokens a
 * nanosecond; a packet costs P (times its length for byte limiters).  The
 * verifier keeps burst * P within 64 bits; a byte cost that would not fit
 * saturates (the packet is over the limit).
 *
 * PFW_LIM_PER_SRC is exact: each source address has a bucket of its own, in
 * a table of PFW_LIM_SRC_SLOTS slots per limiter, found within
 * PFW_LIM_SRC_PROBE slots of its hash (a constant cost per packet).  A new
 * source takes a free slot there, or the slot of a source whose bucket has
 * refilled to its burst (idle long enough that forgetting it changes
 * nothing, as xt_hashlimit expires its entries); when there is neither, the
 * packet is over the limit (fail closed) and counted.  No two sources ever
 * share a rate.  Buckets and tables are spinlocked; limiters sit on rule
 * paths that are already selective, so contention stays low.
 */
#include "limiter.h"
#include "keysort.h"

#include <linux/jhash.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>

static u64 period_ns(const struct pfw_lim_desc *d)
{
	return (u64)pfw_lim_period(d->flags) * NSEC_PER_SEC;
}

static u64 bucket_max(const struct pfw_lim_desc *d)
{
	return (u64)d->burst * period_ns(d);
}

static u32 slots_of(const struct pfw_lim_desc *d)
{
	return d->flags & PFW_LIM_PER_SRC ? PFW_LIM_SRC_SLOTS : 0;
}

u64 pfw_limiters_bytes(const struct pfw_prog *prog)
{
	u64 bytes = 0;
	u32 i;

	for (i = 0; i < prog->n_lims; i++)
		bytes += sizeof(struct pfw_limiter) + sizeof(struct pfw_bucket) +
			 (u64)slots_of(&prog->lims[i]) *
				 sizeof(struct pfw_src_slot);
	return bytes;
}

int pfw_limiters_alloc(struct pfw_limiters *l, const struct pfw_prog *prog)
{
	u64 now = ktime_get_ns();
	u32 i, slots = 0;

	l->n = prog->n_lims;
	l->lim = NULL;
	l->buckets = NULL;
	l->slots = NULL;
	if (!l->n)
		return 0;
	for (i = 0; i < l->n; i++)
		slots += slots_of(&prog->lims[i]);
	l->lim = kvcalloc(l->n, sizeof(*l->lim),
			  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	l->buckets = kvcalloc(l->n, sizeof(*l->buckets),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (slots)
		l->slots = kvcalloc(slots, sizeof(*l->slots),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!l->lim || !l->buckets || (slots && !l->slots)) {
		pfw_limiters_free(l);
		return -ENOMEM;
	}
	slots = 0;
	for (i = 0; i < l->n; i++) {
		struct pfw_limiter *lim = &l->lim[i];

		lim->desc = &prog->lims[i];
		lim->seed = get_random_u32();
		lim->b = &l->buckets[i];
		spin_lock_init(&lim->b->lock);
		lim->b->tokens = bucket_max(lim->desc);
		lim->b->stamp = now;
		atomic64_set(&lim->full, 0);
		if (slots_of(lim->desc)) {
			lim->slots = &l->slots[slots];
			slots += slots_of(lim->desc);
		}
	}
	return 0;
}

void pfw_limiters_free(struct pfw_limiters *l)
{
	kvfree(l->slots);
	kvfree(l->buckets);
	kvfree(l->lim);
	l->slots = NULL;
	l->buckets = NULL;
	l->lim = NULL;
}

/* Refills tokens to now; returns whether cost can be taken, and takes it. */
static int refill_take(const struct pfw_lim_desc *d, u64 *tokens, u64 *stamp,
		       u64 now, u64 cost)
{
	u64 max = bucket_max(d), elapsed;

	elapsed = now > *stamp ? now - *stamp : 0;
	*stamp = now;
	if (elapsed >= max / d->rate)
		*tokens = max;
	else
		*tokens = min(*tokens + elapsed * d->rate, max);
	if (*tokens < cost)
		return 0;
	*tokens -= cost;
	return 1;
}

/* Whether slot s's bucket would be full at now: its source is idle. */
static bool slot_idle(const struct pfw_lim_desc *d,
		      const struct pfw_src_slot *s, u64 now)
{
	u64 max = bucket_max(d), elapsed = now > s->stamp ? now - s->stamp : 0;

	return elapsed >= max / d->rate ||
	       s->tokens + elapsed * d->rate >= max;
}

/* Under the limiter's lock: saddr's slot, a new one, or NULL when full. */
static struct pfw_src_slot *slot_of(struct pfw_limiter *lim, const u32 *saddr,
				    u64 now)
{
	u32 h = jhash2(saddr, 4, lim->seed), i;
	struct pfw_src_slot *free = NULL, *idle = NULL;

	for (i = 0; i < PFW_LIM_SRC_PROBE; i++) {
		struct pfw_src_slot *s =
			&lim->slots[(h + i) % PFW_LIM_SRC_SLOTS];

		if (!s->used) {
			if (!free)
				free = s;
		} else if (!memcmp(s->addr, saddr, sizeof(s->addr))) {
			return s;
		} else if (!idle && slot_idle(lim->desc, s, now)) {
			idle = s;
		}
	}
	free = free ?: idle;
	if (free) {
		memcpy(free->addr, saddr, sizeof(free->addr));
		free->used = 1;
		free->tokens = bucket_max(lim->desc);
		free->stamp = now;
	}
	return free;
}

static int take_at(struct pfw_limiters *l, u32 idx, const u32 *saddr,
		   u32 len, u64 now)
{
	struct pfw_limiter *lim = &l->lim[idx];
	const struct pfw_lim_desc *d = lim->desc;
	struct pfw_bucket *b = lim->b;
	struct pfw_src_slot *s;
	u64 cost;
	int ok = 0;

	if (check_mul_overflow(period_ns(d), (u64)(d->flags & PFW_LIM_BYTES ? len : 1),
			       &cost))
		cost = U64_MAX;
	spin_lock(&b->lock);
	if (!lim->slots) {
		ok = refill_take(d, &b->tokens, &b->stamp, now, cost);
	} else {
		s = slot_of(lim, saddr, now);
		if (s)
			ok = refill_take(d, &s->tokens, &s->stamp, now, cost);
		else
			atomic64_inc(&lim->full);
	}
	spin_unlock(&b->lock);
	return ok;
}

int pfw_limiter_take(struct pfw_limiters *l, u32 idx, const u32 *saddr,
		     u32 len)
{
	return take_at(l, idx, saddr, len, ktime_get_ns());
}

void pfw_limiters_carry(struct pfw_limiters *to, const struct pfw_limiters *from)
{
	struct pfw_key_idx *order;
	u32 i;

	if (!to->n || !from->n)
		return;
	order = kvmalloc_array(from->n, sizeof(*order), GFP_KERNEL);
	if (!order)
		return; /* the new buckets simply start full */
	for (i = 0; i < from->n; i++) {
		order[i].key = from->lim[i].desc->key;
		order[i].idx = i;
	}
	if (pfw_sort_keys(order, from->n)) {
		kvfree(order);
		return;
	}

	for (i = 0; i < to->n; i++) {
		struct pfw_limiter *lim = &to->lim[i];
		const struct pfw_lim_desc *d = lim->desc;
		const struct pfw_limiter *old;
		long at = pfw_find_key(order, from->n, d->key);

		if (at < 0)
			continue;
		old = &from->lim[order[at].idx];
		if (old->desc->rate != d->rate || old->desc->burst != d->burst ||
		    old->desc->flags != d->flags)
			continue;
		/* Same hash, same slot for a source. */
		spin_lock_bh(&lim->b->lock);
		lim->seed = old->seed;
		lim->b->tokens = old->b->tokens;
		lim->b->stamp = old->b->stamp;
		if (lim->slots)
			memcpy(lim->slots, old->slots,
			       PFW_LIM_SRC_SLOTS * sizeof(*lim->slots));
		spin_unlock_bh(&lim->b->lock);
	}
	kvfree(order);
}

#ifdef DEBUG
#include "selftest/limiter.c"
#endif

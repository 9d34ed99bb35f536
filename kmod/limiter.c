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
 * PFW_LIM_PER_SRC is approximated: a limiter has PFW_LIM_SRC_BUCKETS buckets
 * and a source address uses the one its hash picks, so sources that collide
 * share a rate.  Buckets are spinlocked; limiters sit on rule paths that are
 * already selective, so contention stays low.
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

static u32 buckets_of(const struct pfw_lim_desc *d)
{
	return d->flags & PFW_LIM_PER_SRC ? PFW_LIM_SRC_BUCKETS : 1;
}

u64 pfw_limiters_bytes(const struct pfw_prog *prog)
{
	u64 bytes = 0;
	u32 i;

	for (i = 0; i < prog->n_lims; i++)
		bytes += sizeof(struct pfw_limiter) +
			 (u64)buckets_of(&prog->lims[i]) * sizeof(struct pfw_bucket);
	return bytes;
}

int pfw_limiters_alloc(struct pfw_limiters *l, const struct pfw_prog *prog)
{
	u64 now = ktime_get_ns();
	u32 i, j, total = 0;

	l->n = prog->n_lims;
	l->lim = NULL;
	l->buckets = NULL;
	if (!l->n)
		return 0;
	for (i = 0; i < l->n; i++)
		total += buckets_of(&prog->lims[i]);
	l->lim = kvcalloc(l->n, sizeof(*l->lim),
			  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	l->buckets = kvcalloc(total, sizeof(*l->buckets),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!l->lim || !l->buckets) {
		pfw_limiters_free(l);
		return -ENOMEM;
	}
	total = 0;
	for (i = 0; i < l->n; i++) {
		struct pfw_limiter *lim = &l->lim[i];

		lim->desc = &prog->lims[i];
		lim->n_buckets = buckets_of(lim->desc);
		lim->seed = get_random_u32();
		lim->b = &l->buckets[total];
		total += lim->n_buckets;
		for (j = 0; j < lim->n_buckets; j++) {
			spin_lock_init(&lim->b[j].lock);
			lim->b[j].tokens = bucket_max(lim->desc);
			lim->b[j].stamp = now;
		}
	}
	return 0;
}

void pfw_limiters_free(struct pfw_limiters *l)
{
	kvfree(l->buckets);
	kvfree(l->lim);
	l->buckets = NULL;
	l->lim = NULL;
}

static struct pfw_bucket *bucket_of(struct pfw_limiter *lim, const u32 *saddr)
{
	if (lim->n_buckets == 1)
		return lim->b;
	return &lim->b[jhash2(saddr, 4, READ_ONCE(lim->seed)) % lim->n_buckets];
}

static int take_at(struct pfw_limiters *l, u32 idx, const u32 *saddr,
		   u32 len, u64 now)
{
	struct pfw_limiter *lim = &l->lim[idx];
	const struct pfw_lim_desc *d = lim->desc;
	struct pfw_bucket *b = bucket_of(lim, saddr);
	u64 max = bucket_max(d), cost, elapsed;
	int ok = 0;

	if (check_mul_overflow(period_ns(d), (u64)(d->flags & PFW_LIM_BYTES ? len : 1),
			       &cost))
		cost = U64_MAX;
	spin_lock(&b->lock);
	elapsed = now > b->stamp ? now - b->stamp : 0;
	b->stamp = now;
	if (elapsed >= max / d->rate)
		b->tokens = max;
	else
		b->tokens = min(b->tokens + elapsed * d->rate, max);
	if (b->tokens >= cost) {
		b->tokens -= cost;
		ok = 1;
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
	u32 i, j;

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
		/* Same hash, same bucket for a source. */
		WRITE_ONCE(lim->seed, old->seed);
		for (j = 0; j < lim->n_buckets; j++) {
			struct pfw_bucket *b = &lim->b[j];

			spin_lock_bh(&b->lock);
			b->tokens = old->b[j].tokens;
			b->stamp = old->b[j].stamp;
			spin_unlock_bh(&b->lock);
		}
	}
	kvfree(order);
}

#ifdef DEBUG
#include "selftest/limiter.c"
#endif

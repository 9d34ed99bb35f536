// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * The pfw_host_* callbacks of the shared interpreter (include/polyfw/
 * interp.h), called from pfw_interp_run() in the hook with bottom halves disabled;
 * run->host is the hook's struct pfw_ctx.
 */
#include "action.h"
#include "hook.h"
#include "lset.h"
#include "prog.h"
#include "route.h"
#include "state.h"

#include <linux/random.h>
#include <polyfw/interp.h>

__u32 pfw_host_random(struct pfw_run *run)
{
	return get_random_u32();
}

int pfw_host_limit(struct pfw_run *run, __u32 lim)
{
	struct pfw_ctx *ctx = run->host;

	return pfw_limiter_take(&ctx->rt->lims, lim, run->pkt->addr[0],
				run->pkt->len);
}

int pfw_host_rpf(struct pfw_run *run, __u32 mode)
{
	return pfw_route_rpf(run->host, run->pkt, mode);
}

void pfw_host_count(struct pfw_run *run, __u32 rule)
{
	struct pfw_ctx *ctx = run->host;

	pfw_counters_add(&ctx->rt->ctrs, rule, run->pkt->len, ctx->now);
}

void pfw_host_log(struct pfw_run *run, __u32 rule, const __u32 *op)
{
	pfw_action_log(run->host, run->pkt, op);
}

int pfw_host_state_lookup(struct pfw_run *run, __u32 *parent)
{
	struct pfw_ctx *ctx = run->host;
	struct pfw_runtime *rt = ctx->rt;
	long idx;
	u32 key;

	if (!rt->states || !pfw_state_lookup(rt->states, run->pkt, &key))
		return 0;
	/* The entry names its rule by key: the rule may have moved. */
	idx = pfw_prog_rule_by_key(rt, key);
	if (idx < 0)
		return 0;
	*parent = idx;
	return 1;
}

int pfw_host_state_add(struct pfw_run *run, __u32 parent, __u32 limit)
{
	struct pfw_ctx *ctx = run->host;
	struct pfw_runtime *rt = ctx->rt;

	if (!rt->states)
		return 0;
	return pfw_state_add(rt->states, run->pkt, rt->prog.rules[parent].key,
			     limit);
}

int pfw_host_set_lookup(struct pfw_run *run, __u32 set, const __u32 *key,
			__u32 *value)
{
	struct pfw_ctx *ctx = run->host;

	/* The verifier saw a live set; table.c bound every one before. */
	return pfw_lset_lookup(ctx->rt->lsets[set], key, value);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * A program of n rules gets, for every possible CPU, an array of n
 * counters.  Per-CPU arrays are allocated with kvcalloc() rather than
 * alloc_percpu(), which cannot hold more than a few thousand rules.  Resets
 * and carried-over values never touch the per-CPU arrays (the packet path
 * owns them): they move the base the sums are reported against.
 */
#include "counter.h"

#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched.h>

u64 pfw_counters_bytes(u32 n)
{
	return (u64)n * (sizeof(struct pfw_rule_ctr) * num_possible_cpus() +
			 sizeof(struct pfw_ctr_base));
}

int pfw_counters_alloc(struct pfw_counters *c, u32 n)
{
	int cpu;

	c->n = n;
	c->pcpu = NULL;
	c->base = NULL;
	if (!n)
		return 0;
	c->base = kvcalloc(n, sizeof(*c->base), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!c->base)
		return -ENOMEM;
	c->pcpu = alloc_percpu_gfp(struct pfw_ctr_cpu, GFP_KERNEL_ACCOUNT);
	if (!c->pcpu)
		goto err_free;
	for_each_possible_cpu(cpu) {
		struct pfw_ctr_cpu *pc = per_cpu_ptr(c->pcpu, cpu);

		u64_stats_init(&pc->syncp);
		pc->ctr = kvcalloc(n, sizeof(*pc->ctr),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!pc->ctr)
			goto err_free;
	}
	return 0;

err_free:
	pfw_counters_free(c);
	return -ENOMEM;
}

void pfw_counters_free(struct pfw_counters *c)
{
	int cpu;

	if (c->pcpu) {
		for_each_possible_cpu(cpu)
			kvfree(per_cpu_ptr(c->pcpu, cpu)->ctr);
		free_percpu(c->pcpu);
		c->pcpu = NULL;
	}
	kvfree(c->base);
	c->base = NULL;
}

void pfw_counters_add(struct pfw_counters *c, u32 rule, u32 bytes, u64 now)
{
	struct pfw_ctr_cpu *pc = this_cpu_ptr(c->pcpu);
	struct pfw_rule_ctr *r = &pc->ctr[rule];

	u64_stats_update_begin(&pc->syncp);
	r->packets++;
	r->bytes += bytes;
	r->last = now;
	u64_stats_update_end(&pc->syncp);
}

static void sum_cpus(const struct pfw_counters *c, u32 rule,
		     struct pfw_ctr_val *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct pfw_ctr_cpu *pc = per_cpu_ptr(c->pcpu, cpu);
		const struct pfw_rule_ctr *r = &pc->ctr[rule];
		u64 packets, bytes, last;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&pc->syncp);
			packets = r->packets;
			bytes = r->bytes;
			last = r->last;
		} while (u64_stats_fetch_retry(&pc->syncp, start));
		sum->packets += packets;
		sum->bytes += bytes;
		if (last > sum->last)
			sum->last = last;
	}
}

void pfw_counters_read(const struct pfw_counters *c, u32 rule,
		       struct pfw_ctr_val *val)
{
	const struct pfw_ctr_base *b = &c->base[rule];
	struct pfw_ctr_val sum;

	sum_cpus(c, rule, &sum);
	val->packets = sum.packets + b->packets;
	val->bytes = sum.bytes + b->bytes;
	/* The per-CPU time counts only if a packet came since the base. */
	val->last = sum.packets > b->snap ? sum.last : b->last;
}

void pfw_counters_zero(struct pfw_counters *c)
{
	struct pfw_ctr_val sum;
	u32 i;

	for (i = 0; i < c->n; i++) {
		struct pfw_ctr_base *b = &c->base[i];

		/* a million rules times every CPU: let others run */
		if (!(i & 1023))
			cond_resched();
		sum_cpus(c, i, &sum);
		b->packets = -(s64)sum.packets;
		b->bytes = -(s64)sum.bytes;
		b->last = 0;
		b->snap = sum.packets;
	}
}

void pfw_counters_carry(struct pfw_counters *c, u32 rule,
			const struct pfw_ctr_val *val)
{
	struct pfw_ctr_base *b = &c->base[rule];

	/*
	 * Whatever the new program counted already adds to the old values;
	 * its last-match time, when it has one, is the newer.
	 */
	b->packets = val->packets;
	b->bytes = val->bytes;
	b->last = val->last;
	b->snap = 0;
}

#ifdef DEBUG
#include "selftest/counter.c"
#endif

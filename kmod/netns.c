// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Per network namespace state: each namespace has its own program,
 * counters, dynamic states, transactions and generation.  Hooks are
 * registered in a namespace only while it has a program (see hook.c), so a
 * namespace that never loads one pays nothing.
 */
#include "netns.h"
#include "prog.h"
#include "state.h"
#include "txn.h"

#include <linux/percpu.h>
#include <net/netns/generic.h>

static unsigned int pfw_net_id __read_mostly;

struct pfw_net *pfw_net(const struct net *net)
{
	return net_generic(net, pfw_net_id);
}

void pfw_net_count_drop(struct pfw_net *pn, enum pfw_drop_reason why)
{
	struct pfw_drop_stats *st = this_cpu_ptr(pn->drops);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->n[why]);
	u64_stats_update_end(&st->syncp);
}

u64 pfw_net_drops(const struct pfw_net *pn, enum pfw_drop_reason why)
{
	u64 sum = 0, v;
	unsigned int start;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct pfw_drop_stats *st = per_cpu_ptr(pn->drops, cpu);

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			v = u64_stats_read(&st->n[why]);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum += v;
	}
	return sum;
}

static int __net_init pfw_net_init(struct net *net)
{
	struct pfw_net *pn = pfw_net(net);
	int cpu;

	pn->drops = alloc_percpu_gfp(struct pfw_drop_stats, GFP_KERNEL_ACCOUNT);
	if (!pn->drops)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(pn->drops, cpu)->syncp);
	pn->net = net;
	mutex_init(&pn->lock);
	RCU_INIT_POINTER(pn->active, NULL);
	pfw_txn_net_init(pn);
	return 0;
}

static void __net_exit pfw_net_exit(struct net *net)
{
	struct pfw_net *pn = pfw_net(net);

	pfw_txn_net_exit(pn);
	mutex_lock(&pn->lock);
	/* Unregisters the hooks, then frees the program after a grace period. */
	pfw_prog_flush(pn);
	mutex_unlock(&pn->lock);
	/*
	 * Nothing can reach the state table or the drop counters once the
	 * hooks are gone and the packets in them have left.
	 */
	synchronize_rcu();
	if (pn->states) {
		pfw_state_table_destroy(pn->states);
		pn->states = NULL;
	}
	free_percpu(pn->drops);
}

static struct pernet_operations pfw_net_ops = {
	.init = pfw_net_init,
	.exit = pfw_net_exit,
	.id = &pfw_net_id,
	.size = sizeof(struct pfw_net),
};

int pfw_netns_init(void)
{
	return register_pernet_subsys(&pfw_net_ops);
}

void pfw_netns_uninit(void)
{
	unregister_pernet_subsys(&pfw_net_ops);
}

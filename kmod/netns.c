// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Per network namespace state: each namespace has its own tables (table.c)
 * and load transactions.  Hooks are registered in a namespace only while
 * one of its tables has a program, so a namespace that never loads one pays
 * nothing.
 */
#include "netns.h"
#include "table.h"
#include "txn.h"

#include <net/netns/generic.h>

static unsigned int pfw_net_id __read_mostly;

struct pfw_net *pfw_net(const struct net *net)
{
	return net_generic(net, pfw_net_id);
}

static int __net_init pfw_net_init(struct net *net)
{
	struct pfw_net *pn = pfw_net(net);

	pn->net = net;
	mutex_init(&pn->lock);
	INIT_LIST_HEAD(&pn->tables);
	pfw_txn_net_init(pn);
	return 0;
}

static void __net_exit pfw_net_exit(struct net *net)
{
	struct pfw_net *pn = pfw_net(net);

	pfw_txn_net_exit(pn);
	/* Unregisters the hooks, then frees the programs and states. */
	pfw_tables_destroy(pn);
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

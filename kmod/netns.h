/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * What polyfw keeps per network namespace.
 */
#ifndef _PFW_NETNS_H
#define _PFW_NETNS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

struct pfw_runtime;
struct pfw_state_table;

/* Packets dropped outside any rule, per CPU. */
enum pfw_drop_reason {
	PFW_DROP_MALFORMED, /* headers not walkable to L4 */
	PFW_DROP_BUDGET, /* the run spent its whole budget */
	PFW_DROP_MAX,
};

struct pfw_drop_stats {
	struct u64_stats_sync syncp;
	u64_stats_t n[PFW_DROP_MAX];
};

struct pfw_net {
	struct net *net;
	/* Read by the packet path under RCU, written under lock. */
	struct pfw_runtime __rcu *active;
	/*
	 * Serialises every writer and the counter readers: active, generation,
	 * hooks, states (creation), the transaction list.
	 */
	struct mutex lock;
	u32 generation;
	u32 hooks; /* netfilter hooks registered: bit enum pfw_hook */
	/* Created with the first program that keeps state; lives with us. */
	struct pfw_state_table *states;
	/* Load transactions (struct pfw_txn), at most POLYFW_MAX_TXNS. */
	struct list_head txns;
	unsigned int n_txns;
	/* Bytes of transactions from BEGIN until verified and installed. */
	u64 txn_bytes;
	struct delayed_work txn_gc;
	struct pfw_drop_stats __percpu *drops;
};

struct pfw_net *pfw_net(const struct net *net);

/* Packet path, bottom halves disabled. */
void pfw_net_count_drop(struct pfw_net *pn, enum pfw_drop_reason why);
u64 pfw_net_drops(const struct pfw_net *pn, enum pfw_drop_reason why);

int pfw_netns_init(void);
void pfw_netns_uninit(void);

#endif /* _PFW_NETNS_H */

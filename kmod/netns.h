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
#include <linux/workqueue.h>
#include <net/net_namespace.h>

struct pfw_net {
	struct net *net;
	/*
	 * Serialises every writer and the readers of counters and lists: the
	 * tables and their programs, the generation, the transactions.
	 */
	struct mutex lock;
	/* struct pfw_table, sorted by name, at most POLYFW_MAX_TABLES. */
	struct list_head tables;
	unsigned int n_tables;
	/* The last generation given to a table (table.c). */
	u32 generation;
	/* Load transactions (struct pfw_txn), at most POLYFW_MAX_TXNS. */
	struct list_head txns;
	unsigned int n_txns;
	/* Bytes of transactions from BEGIN until verified and installed. */
	u64 txn_bytes;
	struct delayed_work txn_gc;
};

struct pfw_net *pfw_net(const struct net *net);

int pfw_netns_init(void);
void pfw_netns_uninit(void);

#endif /* _PFW_NETNS_H */

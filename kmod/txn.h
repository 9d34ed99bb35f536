/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Load transactions: a program arrives in chunks over one netlink socket
 * and becomes active all at once, or not at all.
 */
#ifndef _PFW_TXN_H
#define _PFW_TXN_H

#include <linux/list.h>
#include <linux/types.h>
#include "table.h"

struct netlink_ext_ack;
struct pfw_net;

struct pfw_txn {
	struct list_head list;
	u32 portid;
	u32 size;
	u32 received;
	struct pfw_load_target target;
	unsigned long deadline; /* jiffies: BEGIN + POLYFW_TXN_TIMEOUT_SEC */
	void *buf; /* size bytes, kvmalloc'ed */
};

void pfw_txn_net_init(struct pfw_net *pn);
void pfw_txn_net_exit(struct pfw_net *pn);

/* All under pn->lock. */
int pfw_txn_begin(struct pfw_net *pn, u32 portid, u32 size,
		  const struct pfw_load_target *target,
		  struct netlink_ext_ack *extack);
int pfw_txn_chunk(struct pfw_net *pn, u32 portid, u32 offset,
		  const void *data, u32 len, struct netlink_ext_ack *extack);
/*
 * Removes and returns portid's transaction, or NULL.  Its bytes still count
 * as in flight until pfw_txn_done(pn, t->size).
 */
struct pfw_txn *pfw_txn_take(struct pfw_net *pn, u32 portid);
void pfw_txn_done(struct pfw_net *pn, u32 size);
bool pfw_txn_abort(struct pfw_net *pn, u32 portid);
bool pfw_txn_exists(struct pfw_net *pn, u32 portid);
/* Frees t, and its buffer unless that was taken (t->buf = NULL). */
void pfw_txn_free(struct pfw_txn *t);

/* Aborts transactions of closed netlink sockets. */
int pfw_txn_init(void);
void pfw_txn_uninit(void);

#endif /* _PFW_TXN_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * The dynamic state table behind STATE_ADD / STATE_CHECK (ipfw's
 * keep-state and limit): one per network namespace.
 */
#ifndef _PFW_STATE_H
#define _PFW_STATE_H

#include <linux/types.h>
#include <polyfw/pkt.h>

struct pfw_state_table;

struct polyfw_state_timeouts;

struct pfw_state_table *pfw_state_table_create(
	const struct polyfw_state_timeouts *tmo);
/* From now on, for new and refreshed entries. */
void pfw_state_set_timeouts(struct pfw_state_table *t,
			    const struct polyfw_state_timeouts *tmo);
/* No packet may reach the table any more (hooks gone, grace period over). */
void pfw_state_table_destroy(struct pfw_state_table *t);
void pfw_state_table_flush(struct pfw_state_table *t);
unsigned int pfw_state_count(const struct pfw_state_table *t);
/* New flows refused because the table was full or memory short. */
u64 pfw_state_refused(const struct pfw_state_table *t);

/* One entry, as GET_STATES reports it. */
struct pfw_state_info {
	u32 flow[12]; /* family, proto, end A (addr[4], port), end B */
	u32 parent_key;
	u32 expires; /* seconds left */
};

typedef int (*pfw_state_put_fn)(void *arg, const struct pfw_state_info *info);

/*
 * Calls put() for the live entries from chain *bucket, entry *skip on, under
 * RCU (put must not sleep); stops at the first put() that fails, leaving
 * *bucket and *skip where to go on.  Returns that failure or 0 at the end.
 */
int pfw_state_dump(struct pfw_state_table *t, unsigned long *bucket,
		   unsigned long *skip, pfw_state_put_fn put, void *arg);
/* The number of hash chains: *bucket at this value means done. */
unsigned long pfw_state_chains(void);

/*
 * Packet path.  Lookup returns 1 and the key of the rule that created the
 * flow's entry; add returns 0 when the table is full or limit is exceeded.
 */
int pfw_state_lookup(struct pfw_state_table *t, const struct pfw_pkt *pkt,
		     u32 *parent_key);
int pfw_state_add(struct pfw_state_table *t, const struct pfw_pkt *pkt,
		  u32 parent_key, u32 limit);

#ifdef DEBUG
bool pfw_state_selftest(void);
#endif

#endif /* _PFW_STATE_H */

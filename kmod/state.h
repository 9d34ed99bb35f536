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

struct pfw_state_table *pfw_state_table_create(void);
/* No packet may reach the table any more (hooks gone, grace period over). */
void pfw_state_table_destroy(struct pfw_state_table *t);
void pfw_state_table_flush(struct pfw_state_table *t);
unsigned int pfw_state_count(const struct pfw_state_table *t);
/* New flows refused because the table was full or memory short. */
u64 pfw_state_refused(const struct pfw_state_table *t);

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

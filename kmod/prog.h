/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * A loaded program: the verified blob and everything the kernel keeps
 * beside it (counters, limiter buckets), replaced as one RCU-protected
 * object.
 */
#ifndef _PFW_PROG_H
#define _PFW_PROG_H

#include "counter.h"
#include "keysort.h"
#include "limiter.h"

#include <linux/rcupdate.h>
#include <polyfw/prog.h>

struct pfw_lset;
struct pfw_state_table;

/* Packet metadata a program reads that costs something to find out. */
enum pfw_uses {
	PFW_USES_ADDRTYPE = 1U << 0,
	PFW_USES_OWNER = 1U << 1,
	PFW_USES_PHYS = 1U << 2,
	PFW_USES_MAC = 1U << 3,
	PFW_USES_STATE = 1U << 4,
	PFW_USES_LOG = 1U << 5,
	PFW_USES_NFLOG = 1U << 6,
	PFW_USES_NAT = 1U << 7,
	PFW_USES_CT = 1U << 8, /* conntrack direction, mark, original tuple */
	PFW_USES_IIF = 1U << 9, /* the input interface's name */
	PFW_USES_OIF = 1U << 10, /* the output interface's name */
};

struct pfw_runtime {
	struct pfw_prog prog; /* typed view of blob, from pfw_verify() */
	void *blob;
	u32 size;
	u32 uses; /* enum pfw_uses */
	struct pfw_counters ctrs;
	struct pfw_limiters lims;
	struct pfw_key_idx *keys; /* rules sorted by key */
	struct pfw_state_table *states; /* its table's, when USES_STATE */
	/* By set index: the table's live set, bound by table.c; else NULL. */
	struct pfw_lset **lsets;
	u32 n_live; /* live sets the program declares */
};

/*
 * Verifies blob (size bytes, kvmalloc'ed; owned by the runtime from now on,
 * even on failure) and builds a runtime for it.  On failure returns an
 * ERR_PTR and, for a program the verifier refused, its log line in log.
 */
struct pfw_runtime *pfw_prog_create(void *blob, u32 size, char *log,
				    size_t log_len);
/* Frees a runtime that was never made active. */
void pfw_prog_destroy(struct pfw_runtime *rt);

/*
 * Carries rule counters (by key) and limiter levels over from old, which no
 * packet can reach any more, to rt.
 */
void pfw_prog_carry(struct pfw_runtime *rt, const struct pfw_runtime *old);
/* The netfilter hooks rt has an entry at: bit enum pfw_hook. */
u32 pfw_prog_hooks(const struct pfw_runtime *rt);

/* The index in rt of the rule with key, or -1. */
long pfw_prog_rule_by_key(const struct pfw_runtime *rt, u32 key);

#ifdef DEBUG
bool pfw_prog_selftest(void);
#endif

#endif /* _PFW_PROG_H */

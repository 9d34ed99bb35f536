/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Live sets: named sets of a table whose elements change through netlink
 * while packets look them up (include/polyfw/lib/lset.h has the semantics).
 */
#ifndef _PFW_LSET_H
#define _PFW_LSET_H

#include <linux/list.h>
#include <linux/types.h>
#include <polyfw/bytecode.h>

struct lset_data;

struct pfw_lset {
	struct list_head list; /* in its table's sets, while it is there */
	char name[PFW_LSET_NAMSIZ];
	u8 width;
	u8 has_value;
	u16 flags; /* PFW_SET_F_* */
	/* Under the namespace lock. */
	unsigned int refs; /* programs declaring it */
	u32 generation;
	struct lset_data *staging; /* a REPLACE being built */
	/* Read by packets under RCU. */
	struct lset_data __rcu *data;
};

/* One element as netlink carries it: 4 words a bound (width 1: {0,0,0,v}). */
struct pfw_lset_elem {
	u32 lo[4];
	u32 hi[4];
	u32 value;
};

struct pfw_lset *pfw_lset_create(const char *name, const struct pfw_set_desc *d,
				 gfp_t gfp);
/* No packet can reach s any more. */
void pfw_lset_destroy(struct pfw_lset *s);
/* Whether s is what desc d declares (width, value, flags). */
bool pfw_lset_same_type(const struct pfw_lset *s, const struct pfw_set_desc *d);

/*
 * Changes, under the namespace lock.  Each returns 0 or a negative errno
 * with the reason in log.
 */
int pfw_lset_add(struct pfw_lset *s, const struct pfw_lset_elem *e, char *log,
		 size_t log_len);
int pfw_lset_del(struct pfw_lset *s, const struct pfw_lset_elem *e, char *log,
		 size_t log_len);
int pfw_lset_flush(struct pfw_lset *s);
/* first: drop what is being built and start anew; last: put it in force. */
int pfw_lset_replace(struct pfw_lset *s, const struct pfw_lset_elem *e,
		     unsigned int n, bool first, bool last, char *log,
		     size_t log_len);

struct pfw_lset_stats {
	u32 elems;
	u32 prefixes;
	u64 bytes;
};

void pfw_lset_stats(const struct pfw_lset *s, struct pfw_lset_stats *st);

/*
 * Calls put() for elements from *pos on (the index in the set's element
 * list), under the namespace lock; stops at the first put() that fails,
 * leaving *pos there.  Returns that failure, or 0 at the end.
 */
int pfw_lset_dump(const struct pfw_lset *s, unsigned long *pos,
		  int (*put)(void *arg, const struct pfw_lset_elem *e),
		  void *arg);

/* Packet path, under RCU: 1 and *value when key is in s. */
int pfw_lset_lookup(const struct pfw_lset *s, const u32 *key, u32 *value);

#ifdef DEBUG
bool pfw_lset_selftest(void);
#endif

#endif /* _PFW_LSET_H */

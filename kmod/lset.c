// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * A live set keeps its elements in one hash table of prefixes: each element
 * (an interval of 128-bit keys) is split into the fewest aligned prefixes
 * (pfw_lset_split()), and every prefix is a node keyed by its bits and
 * length.  A lookup tries the prefix lengths the set has, longest first:
 * one hash probe each, at most PFW_LSET_PLENS, whatever the number of
 * elements, so a 100,000-element set costs what a 10-element set with as
 * many prefix lengths does.  rhashtable gives lock-free lookups under RCU
 * and resizes itself as the set grows and shrinks.
 *
 * Writers hold the namespace lock.  Adding or deleting one element touches
 * its nodes only: a packet sees the element or not (an interval of several
 * prefixes appears prefix by prefix).  FLUSH and REPLACE build the new
 * contents aside and swap them in with one pointer, then free the old ones
 * after a grace period.  Elements are charged to the writer's memory
 * cgroup and bounded by max_set_prefixes per set.
 */
#include "lset.h"

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <polyfw/lib/lset.h>

static unsigned int max_set_prefixes = 1 << 20;
module_param(max_set_prefixes, uint, 0644);
MODULE_PARM_DESC(max_set_prefixes,
		 "prefixes (an element is one or more) per live set (default 1048576)");

/*
 * Set generations come from one counter, so that a set replaced by another
 * of the same name (a reload that changed its type) never shows a dump the
 * generation it started at.
 */
static atomic_t lset_generation = ATOMIC_INIT(0);

static void move_generation(struct pfw_lset *s)
{
	s->generation = (u32)atomic_inc_return(&lset_generation);
}

struct lset_key {
	u32 w[4];
	u32 plen;
};

struct lset_elem;

struct lset_node {
	struct rhash_head hnode;
	struct lset_key key;
	struct lset_elem *elem;
};

struct lset_elem {
	struct list_head list;
	struct pfw_lset_elem e; /* e.value is read by packets: READ_ONCE */
	u32 n;
	struct rcu_head rcu;
	struct lset_node nodes[];
};

struct lset_data {
	struct rhashtable ht;
	struct list_head elems;
	u32 n_elems;
	u32 n_nodes;
	u64 bytes;
	u32 plen_count[PFW_LSET_PLENS];
	DECLARE_BITMAP(plens, PFW_LSET_PLENS);
};

static const struct rhashtable_params lset_params = {
	.key_len = sizeof(struct lset_key),
	.key_offset = offsetof(struct lset_node, key),
	.head_offset = offsetof(struct lset_node, hnode),
	.automatic_shrinking = true,
};

static struct lset_data *data_create(void)
{
	struct lset_data *d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);

	if (!d)
		return NULL;
	if (rhashtable_init(&d->ht, &lset_params)) {
		kfree(d);
		return NULL;
	}
	INIT_LIST_HEAD(&d->elems);
	return d;
}

/* No packet can reach d any more. */
static void data_destroy(struct lset_data *d)
{
	struct lset_elem *el, *tmp;

	if (!d)
		return;
	rhashtable_destroy(&d->ht);
	list_for_each_entry_safe(el, tmp, &d->elems, list) {
		kfree(el);
		cond_resched();
	}
	kfree(d);
}

static struct lset_data *data_of(const struct pfw_lset *s)
{
	/* writers hold the namespace lock */
	return rcu_dereference_protected(s->data, 1);
}

struct pfw_lset *pfw_lset_create(const char *name, const struct pfw_set_desc *d,
				 gfp_t gfp)
{
	struct pfw_lset *s = kzalloc(sizeof(*s), gfp);
	struct lset_data *data;

	if (!s)
		return NULL;
	data = data_create();
	if (!data) {
		kfree(s);
		return NULL;
	}
	strscpy(s->name, name, sizeof(s->name));
	s->width = d->width;
	s->has_value = d->has_value;
	s->flags = d->flags;
	INIT_LIST_HEAD(&s->list);
	RCU_INIT_POINTER(s->data, data);
	move_generation(s);
	return s;
}

void pfw_lset_destroy(struct pfw_lset *s)
{
	data_destroy(s->staging);
	data_destroy(data_of(s));
	kfree(s);
}

bool pfw_lset_same_type(const struct pfw_lset *s, const struct pfw_set_desc *d)
{
	return s->width == d->width && s->has_value == d->has_value &&
	       s->flags == d->flags;
}

struct split_fill {
	struct lset_elem *el;
	u32 n;
};

static int count_prefix(void *arg, const __u32 *key, unsigned int plen)
{
	(*(u32 *)arg)++;
	return 0;
}

static int fill_prefix(void *arg, const __u32 *key, unsigned int plen)
{
	struct split_fill *f = arg;
	struct lset_node *node = &f->el->nodes[f->n++];

	memcpy(node->key.w, key, sizeof(node->key.w));
	node->key.plen = plen;
	node->elem = f->el;
	return 0;
}

static int first_prefix(void *arg, const __u32 *key, unsigned int plen)
{
	struct lset_key *k = arg;

	memcpy(k->w, key, sizeof(k->w));
	k->plen = plen;
	return 1;
}

/* The element that is exactly e's interval, or NULL. */
static struct lset_elem *find_elem(struct lset_data *d,
				   const struct pfw_lset_elem *e)
{
	struct lset_node *node;
	struct lset_key k;

	pfw_lset_split(e->lo, e->hi, first_prefix, &k);
	node = rhashtable_lookup_fast(&d->ht, &k, lset_params);
	if (!node || memcmp(node->elem->e.lo, e->lo, sizeof(e->lo)) ||
	    memcmp(node->elem->e.hi, e->hi, sizeof(e->hi)))
		return NULL;
	return node->elem;
}

static void remove_nodes(struct lset_data *d, struct lset_elem *el, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		u32 plen = el->nodes[i].key.plen;

		rhashtable_remove_fast(&d->ht, &el->nodes[i].hnode, lset_params);
		if (!--d->plen_count[plen])
			clear_bit(plen, d->plens);
	}
}

static int bad_elem(const struct pfw_lset *s, const struct pfw_lset_elem *e,
		    char *log, size_t log_len)
{
	if (pfw_bound_cmp(e->lo, e->hi, 4) > 0) {
		snprintf(log, log_len, "set %s: an element has lo > hi", s->name);
		return -EINVAL;
	}
	/* a number set's keys are {0, 0, 0, v} */
	if (s->width == 1 && (e->lo[0] | e->lo[1] | e->lo[2] | e->hi[0] |
			      e->hi[1] | e->hi[2])) {
		snprintf(log, log_len, "set %s: a number element over 32 bits",
			 s->name);
		return -EINVAL;
	}
	if (!s->has_value && e->value) {
		snprintf(log, log_len, "set %s has no values", s->name);
		return -EINVAL;
	}
	return 0;
}

static int add_to(struct pfw_lset *s, struct lset_data *d,
		  const struct pfw_lset_elem *e, char *log, size_t log_len)
{
	struct split_fill f = {};
	struct lset_elem *el;
	u32 n = 0, i;
	int ret;

	ret = bad_elem(s, e, log, log_len);
	if (ret)
		return ret;
	el = find_elem(d, e);
	if (el) {
		WRITE_ONCE(el->e.value, e->value);
		return 0;
	}
	pfw_lset_split(e->lo, e->hi, count_prefix, &n);
	if (d->n_nodes + n > READ_ONCE(max_set_prefixes)) {
		snprintf(log, log_len,
			 "set %s is full: %u prefixes (module parameter max_set_prefixes)",
			 s->name, d->n_nodes);
		return -ENOSPC;
	}
	el = kzalloc(struct_size(el, nodes, n),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!el)
		return -ENOMEM;
	el->e = *e;
	el->n = n;
	f.el = el;
	pfw_lset_split(e->lo, e->hi, fill_prefix, &f);
	for (i = 0; i < n; i++) {
		u32 plen = el->nodes[i].key.plen;

		ret = rhashtable_lookup_insert_fast(&d->ht, &el->nodes[i].hnode,
						    lset_params);
		if (ret) {
			remove_nodes(d, el, i);
			/* packets may have seen the first nodes */
			kfree_rcu(el, rcu);
			if (ret == -EEXIST) {
				snprintf(log, log_len,
					 "set %s: the element overlaps another one in a way a lookup cannot tell apart",
					 s->name);
			}
			return ret;
		}
		if (!d->plen_count[plen]++)
			set_bit(plen, d->plens);
	}
	list_add_tail(&el->list, &d->elems);
	d->n_elems++;
	d->n_nodes += n;
	d->bytes += struct_size(el, nodes, n);
	return 0;
}

int pfw_lset_add(struct pfw_lset *s, const struct pfw_lset_elem *e, char *log,
		 size_t log_len)
{
	int ret = add_to(s, data_of(s), e, log, log_len);

	if (!ret)
		move_generation(s);
	return ret;
}

int pfw_lset_del(struct pfw_lset *s, const struct pfw_lset_elem *e, char *log,
		 size_t log_len)
{
	struct lset_data *d = data_of(s);
	struct lset_elem *el;
	int ret;

	ret = bad_elem(s, e, log, log_len);
	if (ret)
		return ret;
	el = find_elem(d, e);
	if (!el) {
		snprintf(log, log_len, "set %s has no such element", s->name);
		return -ENOENT;
	}
	remove_nodes(d, el, el->n);
	list_del(&el->list);
	d->n_elems--;
	d->n_nodes -= el->n;
	d->bytes -= struct_size(el, nodes, el->n);
	kfree_rcu(el, rcu);
	move_generation(s);
	return 0;
}

/* Puts d in force and frees the old contents once no packet holds them. */
static void swap_in(struct pfw_lset *s, struct lset_data *d)
{
	struct lset_data *old = data_of(s);

	rcu_assign_pointer(s->data, d);
	move_generation(s);
	synchronize_rcu();
	data_destroy(old);
}

int pfw_lset_flush(struct pfw_lset *s)
{
	struct lset_data *d = data_create();

	if (!d)
		return -ENOMEM;
	swap_in(s, d);
	return 0;
}

int pfw_lset_replace(struct pfw_lset *s, const struct pfw_lset_elem *e,
		     unsigned int n, bool first, bool last, char *log,
		     size_t log_len)
{
	unsigned int i;
	int ret;

	if (first) {
		data_destroy(s->staging);
		s->staging = data_create();
		if (!s->staging)
			return -ENOMEM;
	} else if (!s->staging) {
		snprintf(log, log_len,
			 "set %s: no replace in progress (the first message needs POLYFW_SET_F_FIRST)",
			 s->name);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		ret = add_to(s, s->staging, &e[i], log, log_len);
		if (ret) {
			/* a replace is all or nothing */
			data_destroy(s->staging);
			s->staging = NULL;
			return ret;
		}
		if (!(i & 255))
			cond_resched();
	}
	if (last) {
		swap_in(s, s->staging);
		s->staging = NULL;
	}
	return 0;
}

void pfw_lset_stats(const struct pfw_lset *s, struct pfw_lset_stats *st)
{
	const struct lset_data *d = data_of(s);

	st->elems = d->n_elems;
	st->prefixes = d->n_nodes;
	st->bytes = d->bytes;
}

int pfw_lset_dump(const struct pfw_lset *s, unsigned long *pos,
		  int (*put)(void *arg, const struct pfw_lset_elem *e),
		  void *arg)
{
	const struct lset_data *d = data_of(s);
	const struct lset_elem *el;
	unsigned long i = 0;
	int ret;

	list_for_each_entry(el, &d->elems, list) {
		if (i++ < *pos)
			continue;
		ret = put(arg, &el->e);
		if (ret)
			return ret;
		*pos = i;
	}
	return 0;
}

int pfw_lset_lookup(const struct pfw_lset *s, const u32 *key, u32 *value)
{
	struct lset_data *d = rcu_dereference(s->data);
	unsigned long p = PFW_LSET_PLENS, q;

	/* the prefix lengths present, longest first */
	while ((q = find_last_bit(d->plens, p)) < p) {
		struct lset_node *node;
		struct lset_key k;

		p = q;
		pfw_lset_mask(k.w, key, p);
		k.plen = p;
		node = rhashtable_lookup(&d->ht, &k, lset_params);
		if (node) {
			*value = READ_ONCE(node->elem->e.value);
			return 1;
		}
	}
	return 0;
}

#ifdef DEBUG
#include "selftest/lset.c"
#endif

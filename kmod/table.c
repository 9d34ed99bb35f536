// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * A namespace holds up to POLYFW_MAX_TABLES named tables.  Each is one
 * program with its own generation, counters, dynamic states and drop
 * counters, hooked into netfilter with nf_hook_ops of its own at its own
 * priority: netfilter orders the tables among themselves and among
 * iptables' and nftables' chains, and a packet goes on to the next table
 * only when this one accepts it (or a queue reinjects it accepted).
 *
 * This file owns the hooks.  Each table registers, for IPv4 and IPv6, only
 * the netfilter hooks its program has an entry for, so packets elsewhere
 * never enter polyfw, and holds a conntrack reference (nf_ct_netns_get())
 * while it has any.  Replacing a program is one rcu_assign_pointer(): a
 * packet sees the whole old program or the whole new one.  Hooks the new
 * program needs are added before it goes live; those only the old one used
 * are removed after it is gone, so no packet ever meets a hook without an
 * entry it should have had.
 *
 * Generations come from one counter per namespace, so a table that is
 * deleted and made again never reuses a generation a writer may hold.
 */
#include "table.h"
#include "hook.h"
#include "limits.h"
#include "lset.h"
#include "netns.h"
#include "prog.h"
#include "state.h"

#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netfilter/nf_conntrack.h>

bool pfw_table_name_ok(const char *name)
{
	size_t i, n = strnlen(name, POLYFW_TABLE_NAMSIZ);

	if (!n || n >= POLYFW_TABLE_NAMSIZ || !isalnum(name[0]))
		return false;
	for (i = 1; i < n; i++) {
		if (!isalnum(name[i]) && !strchr("_-.", name[i]))
			return false;
	}
	return true;
}

struct pfw_table *pfw_table_find(struct pfw_net *pn, const char *name)
{
	struct pfw_table *t;

	lockdep_assert_held(&pn->lock);
	list_for_each_entry(t, &pn->tables, list) {
		if (!strcmp(t->name, name))
			return t;
	}
	return NULL;
}

u32 pfw_table_generation(struct pfw_net *pn, const char *name)
{
	struct pfw_table *t = pfw_table_find(pn, name);

	return t ? t->generation : 0;
}

struct pfw_runtime *pfw_table_prog(const struct pfw_table *t)
{
	return rcu_dereference_protected(t->active,
					 lockdep_is_held(&t->pn->lock));
}

u64 pfw_table_drops(const struct pfw_table *t, enum pfw_drop_reason why)
{
	u64 sum = 0, v;
	unsigned int start;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct pfw_drop_stats *st = per_cpu_ptr(t->drops, cpu);

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			v = u64_stats_read(&st->n[why]);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum += v;
	}
	return sum;
}

static void move_generation(struct pfw_table *t)
{
	/* 0 means "no such table": skip it when the counter wraps. */
	if (!++t->pn->generation)
		++t->pn->generation;
	t->generation = t->pn->generation;
}

static struct pfw_table *create(struct pfw_net *pn, const char *name,
				s32 prio)
{
	struct pfw_table *t, *pos;
	unsigned int h, f;
	int cpu;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->drops = alloc_percpu_gfp(struct pfw_drop_stats, GFP_KERNEL_ACCOUNT);
	if (!t->drops) {
		kfree(t);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(t->drops, cpu)->syncp);
	t->pn = pn;
	strscpy(t->name, name, sizeof(t->name));
	t->priority = prio;
	t->timeouts = (struct polyfw_state_timeouts)POLYFW_STATE_TIMEOUTS_DEFAULT;
	INIT_LIST_HEAD(&t->sets);
	RCU_INIT_POINTER(t->active, NULL);
	/* The program's hook numbers are netfilter's. */
	BUILD_BUG_ON(NF_INET_PRE_ROUTING != (int)PFW_HOOK_PREROUTING ||
		     NF_INET_LOCAL_IN != (int)PFW_HOOK_INPUT ||
		     NF_INET_FORWARD != (int)PFW_HOOK_FORWARD ||
		     NF_INET_LOCAL_OUT != (int)PFW_HOOK_OUTPUT ||
		     NF_INET_POST_ROUTING != (int)PFW_HOOK_POSTROUTING);
	for (h = 0; h < PFW_HOOK_MAX; h++) {
		for (f = 0; f < 2; f++) {
			struct nf_hook_ops *ops = &t->ops[h][f];

			ops->hook = pfw_hook;
			ops->priv = t;
			ops->pf = f ? NFPROTO_IPV6 : NFPROTO_IPV4;
			ops->hooknum = h;
			ops->priority = prio;
		}
	}
	/* Sorted by name, so that listings are stable. */
	list_for_each_entry(pos, &pn->tables, list) {
		if (strcmp(pos->name, name) > 0)
			break;
	}
	list_add_tail(&t->list, &pos->list);
	pn->n_tables++;
	move_generation(t);
	return t;
}

static void unregister_hooks(struct pfw_table *t, u32 mask)
{
	unsigned int h;

	for (h = 0; h < PFW_HOOK_MAX; h++) {
		if (mask & BIT(h))
			nf_unregister_net_hooks(t->pn->net, t->ops[h], 2);
	}
}

/* Adds the hooks of mask that t is missing. */
static int want_hooks(struct pfw_table *t, u32 mask)
{
	u32 add = mask & ~t->hooks, done = 0;
	unsigned int h;
	int ret;

	if (!add)
		return 0;
	if (!t->hooks) {
		ret = nf_ct_netns_get(t->pn->net, NFPROTO_INET);
		if (ret)
			return ret;
	}
	for (h = 0; h < PFW_HOOK_MAX; h++) {
		if (!(add & BIT(h)))
			continue;
		ret = nf_register_net_hooks(t->pn->net, t->ops[h], 2);
		if (ret)
			goto err;
		done |= BIT(h);
	}
	t->hooks |= add;
	return 0;

err:
	unregister_hooks(t, done);
	if (!t->hooks)
		nf_ct_netns_put(t->pn->net, NFPROTO_INET);
	return ret;
}

/*
 * Removes t's hooks outside mask.  nf_unregister_net_hooks() waits until
 * no packet is in them any more.
 */
static void keep_hooks(struct pfw_table *t, u32 mask)
{
	u32 del = t->hooks & ~mask;

	if (!del)
		return;
	unregister_hooks(t, del);
	t->hooks &= mask;
	if (!t->hooks)
		nf_ct_netns_put(t->pn->net, NFPROTO_INET);
}

/* What the namespace's other tables take, for the caps of limits.c. */
static void usage_of_others(struct pfw_net *pn, const struct pfw_table *t,
			    struct pfw_usage *u)
{
	const struct pfw_table *o;

	memset(u, 0, sizeof(*u));
	list_for_each_entry(o, &pn->tables, list) {
		const struct pfw_runtime *rt = pfw_table_prog(o);

		if (o != t && rt)
			pfw_usage_add(u, &rt->prog, rt->size);
	}
}

struct pfw_lset *pfw_table_set(struct pfw_table *t, const char *name)
{
	struct pfw_lset *s;

	list_for_each_entry(s, &t->sets, list) {
		if (!strcmp(s->name, name))
			return s;
	}
	return NULL;
}

/*
 * Drops rt's references to live sets; a set no program declares any more
 * goes.  No packet may be running rt.
 */
static void unbind_sets(struct pfw_runtime *rt)
{
	u32 i;

	for (i = 0; rt->lsets && i < rt->prog.n_sets; i++) {
		struct pfw_lset *s = rt->lsets[i];

		if (!s || --s->refs)
			continue;
		list_del(&s->list);
		pfw_lset_destroy(s);
	}
}

/*
 * Gives rt's live sets their objects: the table's set of the same name and
 * type, which keeps its elements, or a new empty one, kept on made until rt
 * is in force.
 */
static int bind_sets(struct pfw_table *t, struct pfw_runtime *rt,
		     struct list_head *made)
{
	const struct pfw_prog *p = &rt->prog;
	u32 i;

	for (i = 0; rt->lsets && i < p->n_sets; i++) {
		const struct pfw_set_desc *d = &p->sets[i];
		const char *name = p->strtab + d->pool_off;
		struct pfw_lset *s;

		if (!(d->flags & PFW_SET_F_LIVE))
			continue;
		s = pfw_table_set(t, name);
		if (!s || !pfw_lset_same_type(s, d)) {
			s = pfw_lset_create(name, d, GFP_KERNEL_ACCOUNT);
			if (!s) {
				unbind_sets(rt);
				return -ENOMEM;
			}
			list_add_tail(&s->list, made);
		}
		s->refs++;
		rt->lsets[i] = s;
	}
	return 0;
}

static void destroy(struct pfw_table *t)
{
	list_del(&t->list);
	t->pn->n_tables--;
	/*
	 * No hook is registered any more; once the packets that were in them
	 * have left, nothing can reach t or its states.
	 */
	synchronize_rcu();
	if (t->states)
		pfw_state_table_destroy(t->states);
	free_percpu(t->drops);
	kfree(t);
}

int pfw_table_load(struct pfw_net *pn, const struct pfw_load_target *tg,
		   struct pfw_runtime *rt, char *log, size_t log_len)
{
	const char *name = tg->table;
	struct pfw_table *t = pfw_table_find(pn, name);
	bool has_prio = tg->has_prio;
	s32 prio = tg->prio;
	struct pfw_runtime *old;
	struct pfw_usage u;
	LIST_HEAD(new_sets);
	bool made = false;
	int ret;

	lockdep_assert_held(&pn->lock);
	if (t && has_prio && prio != t->priority) {
		snprintf(log, log_len,
			 "table %s hooks in at priority %d, not %d: delete it to change its priority",
			 name, t->priority, prio);
		ret = -EEXIST;
		goto err_rt;
	}
	if (!t) {
		if (pn->n_tables >= POLYFW_MAX_TABLES) {
			snprintf(log, log_len,
				 "too many tables: a namespace has at most %u",
				 POLYFW_MAX_TABLES);
			ret = -ENOSPC;
			goto err_rt;
		}
		t = create(pn, name, has_prio ? prio : POLYFW_PRIO_DEFAULT);
		if (!t) {
			ret = -ENOMEM;
			goto err_rt;
		}
		made = true;
	}
	usage_of_others(pn, t, &u);
	pfw_usage_add(&u, &rt->prog, rt->size);
	ret = pfw_limit_usage(&u, log, log_len);
	if (ret)
		goto err_table;
	if ((rt->uses & PFW_USES_STATE) && !t->states) {
		t->states = pfw_state_table_create(tg->has_timeouts ?
						   &tg->timeouts :
						   &t->timeouts);
		if (!t->states) {
			ret = -ENOMEM;
			goto err_table;
		}
	}
	rt->states = t->states;
	ret = bind_sets(t, rt, &new_sets);
	if (ret)
		goto err_table;
	ret = want_hooks(t, pfw_prog_hooks(rt));
	if (ret)
		goto err_sets;
	old = pfw_table_prog(t);
	rcu_assign_pointer(t->active, rt);
	move_generation(t);
	if (old) {
		/* After this, old's counters are final. */
		synchronize_rcu();
		pfw_prog_carry(rt, old);
		unbind_sets(old);
		pfw_prog_destroy(old);
	}
	list_splice_tail(&new_sets, &t->sets);
	/* Hooks only the old program used: its packets have left them. */
	keep_hooks(t, pfw_prog_hooks(rt));
	if (tg->has_timeouts) {
		t->timeouts = tg->timeouts;
		if (t->states)
			pfw_state_set_timeouts(t->states, &t->timeouts);
	}
	return 0;

err_sets:
	unbind_sets(rt);
err_table:
	/* a state table made for rt keeps the table's lifetimes */
	if (t->states)
		pfw_state_set_timeouts(t->states, &t->timeouts);
	if (made)
		destroy(t);
err_rt:
	pfw_prog_destroy(rt);
	return ret;
}

void pfw_table_flush(struct pfw_table *t)
{
	struct pfw_runtime *old = pfw_table_prog(t);

	RCU_INIT_POINTER(t->active, NULL);
	keep_hooks(t, 0);
	move_generation(t);
	if (old) {
		/* its live sets go with it: wait for its packets */
		synchronize_rcu();
		unbind_sets(old);
		pfw_prog_destroy(old);
	}
	if (t->states)
		pfw_state_table_flush(t->states);
}

void pfw_table_delete(struct pfw_table *t)
{
	pfw_table_flush(t);
	destroy(t);
}

void pfw_tables_destroy(struct pfw_net *pn)
{
	struct pfw_table *t, *tmp;

	mutex_lock(&pn->lock);
	list_for_each_entry_safe(t, tmp, &pn->tables, list)
		pfw_table_delete(t);
	mutex_unlock(&pn->lock);
}

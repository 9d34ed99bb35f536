// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * A flow is its family, protocol, addresses and ports, ordered so both
 * directions of a connection find the same entry.  An entry remembers the
 * rule that created it by its pfw_rule_desc.key, so states survive a reload
 * that keeps the rule.  Lookups walk RCU-protected hash chains without
 * locks; insertions and removals take the table's spinlock.  Entries expire
 * after a timeout refreshed by every packet of the flow, which the table
 * sets (struct polyfw_state_timeouts, as ipfw's dyn_*_lifetime sysctls):
 * after a lone SYN, once established, from the first FIN on, after an RST;
 * UDP; anything else.  A worker
 * reaps expired entries every 5 s.  The table is
 * bounded by max_states entries, and all tables together by
 * max_states_total.  Entries are charged to the memory cgroup of the writer
 * whose program created the table, although they are allocated in the
 * packet path (set_active_memcg()), so a namespace cannot make the kernel
 * hold memory nobody pays for.
 *
 * STATE_ADD's limit (ipfw's "limit src-addr N") counts live entries of the
 * same parent rule that agree on the chosen fields; the counts live in a
 * second hash, touched only under the lock.
 */
#include "state.h"

#include <polyfw/genl.h>

#include <linux/hash.h>
#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

static unsigned int max_states = 65536;
module_param(max_states, uint, 0644);
MODULE_PARM_DESC(max_states, "dynamic states per network namespace (default 65536)");

static unsigned int max_states_total = 1 << 20;
module_param(max_states_total, uint, 0644);
MODULE_PARM_DESC(max_states_total, "dynamic states in all network namespaces together (default 1048576)");

/* Entries alive in every table. */
static atomic_t states_total = ATOMIC_INIT(0);

#define STATE_HASH_BITS 12
#define LIMIT_HASH_BITS 10
#define GC_INTERVAL (5 * HZ)

#define KEY_WORDS 12

struct state_limit {
	struct hlist_node node;
	u32 key[KEY_WORDS];
	u32 count;
};

struct state {
	struct hlist_node node;
	struct rcu_head rcu;
	u32 key[KEY_WORDS];
	u32 parent;
	unsigned long expires;
	struct state_limit *lim;
	bool closing; /* a TCP FIN or RST was seen: short timeouts only */
};

struct pfw_state_table {
	spinlock_t lock; /* insertions and removals; lookups use RCU */
	atomic_t count;
	atomic64_t refused; /* new flows refused: table full, no memory */
	struct mem_cgroup *memcg; /* who pays for the entries */
	u32 seed;
	struct hlist_head *buckets;
	struct hlist_head *lim_buckets;
	struct delayed_work gc;
	/* jiffies, read by packets (READ_ONCE), set under the namespace lock */
	unsigned long tmo_syn, tmo_est, tmo_fin, tmo_rst, tmo_udp, tmo_other;
};

/* Flow key: family, proto, then the smaller (address, port) end first. */
static void flow_key(const struct pfw_pkt *pkt, u32 *key)
{
	const u32 *sa = pkt->addr[PFW_FLD_SADDR - PFW_FLD_SADDR];
	const u32 *da = pkt->addr[PFW_FLD_DADDR - PFW_FLD_SADDR];
	u32 sp = pkt->f[PFW_FLD_SPORT], dp = pkt->f[PFW_FLD_DPORT];
	int c = memcmp(sa, da, 16);

	key[0] = pkt->f[PFW_FLD_FAMILY];
	key[1] = pkt->f[PFW_FLD_L4PROTO];
	if (c > 0 || (c == 0 && sp > dp)) {
		swap(sa, da);
		swap(sp, dp);
	}
	memcpy(&key[2], sa, 16);
	key[6] = sp;
	memcpy(&key[7], da, 16);
	key[11] = dp;
}

static void limit_key(const struct pfw_pkt *pkt, u32 parent, u32 mask,
		      u32 *key)
{
	memset(key, 0, KEY_WORDS * 4);
	key[0] = parent;
	key[1] = mask;
	if (mask & PFW_STATE_LIM_SRCADDR)
		memcpy(&key[2], pkt->addr[0], 16);
	if (mask & PFW_STATE_LIM_SRCPORT)
		key[6] = pkt->f[PFW_FLD_SPORT];
	if (mask & PFW_STATE_LIM_DSTADDR)
		memcpy(&key[7], pkt->addr[1], 16);
	if (mask & PFW_STATE_LIM_DSTPORT)
		key[11] = pkt->f[PFW_FLD_DPORT];
}

static bool tcp_closing(const struct pfw_pkt *pkt)
{
	return pkt->f[PFW_FLD_L4PROTO] == IPPROTO_TCP &&
	       (pkt->f[PFW_FLD_TCPFLAGS] & (PFW_TCP_FIN | PFW_TCP_RST));
}

static unsigned long flow_timeout(const struct pfw_state_table *t,
				  const struct pfw_pkt *pkt, bool closing)
{
	u32 flags = pkt->f[PFW_FLD_TCPFLAGS];

	switch (pkt->f[PFW_FLD_L4PROTO]) {
	case IPPROTO_TCP:
		if (flags & PFW_TCP_RST)
			return READ_ONCE(t->tmo_rst);
		if (closing || (flags & PFW_TCP_FIN))
			return READ_ONCE(t->tmo_fin);
		if ((flags & (PFW_TCP_SYN | PFW_TCP_ACK)) == PFW_TCP_SYN)
			return READ_ONCE(t->tmo_syn);
		return READ_ONCE(t->tmo_est);
	case IPPROTO_UDP:
		return READ_ONCE(t->tmo_udp);
	default:
		return READ_ONCE(t->tmo_other);
	}
}

void pfw_state_set_timeouts(struct pfw_state_table *t,
			    const struct polyfw_state_timeouts *tmo)
{
	WRITE_ONCE(t->tmo_syn, tmo->syn * HZ);
	WRITE_ONCE(t->tmo_est, tmo->established * HZ);
	WRITE_ONCE(t->tmo_fin, tmo->fin * HZ);
	WRITE_ONCE(t->tmo_rst, tmo->rst * HZ);
	WRITE_ONCE(t->tmo_udp, tmo->udp * HZ);
	WRITE_ONCE(t->tmo_other, tmo->other * HZ);
}

static struct hlist_head *bucket(struct pfw_state_table *t, const u32 *key)
{
	return &t->buckets[jhash2(key, KEY_WORDS, t->seed) >> (32 - STATE_HASH_BITS)];
}

static struct hlist_head *lim_bucket(struct pfw_state_table *t, const u32 *key)
{
	return &t->lim_buckets[jhash2(key, KEY_WORDS, t->seed) >> (32 - LIMIT_HASH_BITS)];
}

/* Under t->lock. */
static void remove_state(struct pfw_state_table *t, struct state *s)
{
	hlist_del_rcu(&s->node);
	if (s->lim && !--s->lim->count) {
		hlist_del(&s->lim->node);
		kfree(s->lim);
	}
	atomic_dec(&t->count);
	atomic_dec(&states_total);
	kfree_rcu(s, rcu);
}

/* Packet path: memory charged to the table's writer. */
static void *state_zalloc(struct pfw_state_table *t, size_t size)
{
	struct mem_cgroup *old = set_active_memcg(t->memcg);
	void *p = kzalloc(size, GFP_ATOMIC | __GFP_NOWARN | __GFP_ACCOUNT);

	set_active_memcg(old);
	return p;
}

/* Under t->lock: drops the expired entries of one chain. */
static void reap_chain(struct pfw_state_table *t, struct hlist_head *h)
{
	struct hlist_node *tmp;
	struct state *s;

	hlist_for_each_entry_safe(s, tmp, h, node) {
		if (time_after_eq(jiffies, READ_ONCE(s->expires)))
			remove_state(t, s);
	}
}

static void gc_work(struct work_struct *work)
{
	struct pfw_state_table *t =
		container_of(to_delayed_work(work), struct pfw_state_table, gc);
	unsigned int i;

	for (i = 0; i < (1U << STATE_HASH_BITS); i++) {
		if (hlist_empty(&t->buckets[i]))
			continue;
		spin_lock_bh(&t->lock);
		reap_chain(t, &t->buckets[i]);
		spin_unlock_bh(&t->lock);
		if (!(i & 255))
			cond_resched();
	}
	if (atomic_read(&t->count))
		queue_delayed_work(system_power_efficient_wq, &t->gc,
				   GC_INTERVAL);
}

struct pfw_state_table *pfw_state_table_create(
	const struct polyfw_state_timeouts *tmo)
{
	struct pfw_state_table *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->buckets = kvcalloc(1U << STATE_HASH_BITS, sizeof(*t->buckets),
			      GFP_KERNEL_ACCOUNT);
	t->lim_buckets = kvcalloc(1U << LIMIT_HASH_BITS,
				  sizeof(*t->lim_buckets), GFP_KERNEL_ACCOUNT);
	if (!t->buckets || !t->lim_buckets) {
		kvfree(t->buckets);
		kvfree(t->lim_buckets);
		kfree(t);
		return NULL;
	}
	spin_lock_init(&t->lock);
	atomic_set(&t->count, 0);
	atomic64_set(&t->refused, 0);
	/* the writer installing the first stateful program: its cgroup */
	t->memcg = get_mem_cgroup_from_mm(current->mm);
	t->seed = get_random_u32();
	INIT_DELAYED_WORK(&t->gc, gc_work);
	pfw_state_set_timeouts(t, tmo);
	return t;
}

void pfw_state_table_flush(struct pfw_state_table *t)
{
	struct hlist_node *tmp;
	struct state *s;
	unsigned int i;

	for (i = 0; i < (1U << STATE_HASH_BITS); i++) {
		if (hlist_empty(&t->buckets[i]))
			continue;
		spin_lock_bh(&t->lock);
		hlist_for_each_entry_safe(s, tmp, &t->buckets[i], node)
			remove_state(t, s);
		spin_unlock_bh(&t->lock);
	}
}

void pfw_state_table_destroy(struct pfw_state_table *t)
{
	cancel_delayed_work_sync(&t->gc);
	pfw_state_table_flush(t);
	/* Any gc run queued by the flush's last words is gone too. */
	cancel_delayed_work_sync(&t->gc);
	kvfree(t->buckets);
	kvfree(t->lim_buckets);
	mem_cgroup_put(t->memcg);
	kfree(t);
}

unsigned int pfw_state_count(const struct pfw_state_table *t)
{
	return t ? atomic_read(&t->count) : 0;
}

u64 pfw_state_refused(const struct pfw_state_table *t)
{
	return t ? atomic64_read(&t->refused) : 0;
}

unsigned long pfw_state_chains(void)
{
	return 1UL << STATE_HASH_BITS;
}

int pfw_state_dump(struct pfw_state_table *t, unsigned long *bucket,
		   unsigned long *skip, pfw_state_put_fn put, void *arg)
{
	struct pfw_state_info info;
	struct state *s;
	unsigned long n;
	int ret = 0;

	if (!t)
		return 0;
	rcu_read_lock();
	for (; *bucket < (1UL << STATE_HASH_BITS); (*bucket)++, *skip = 0) {
		n = 0;
		hlist_for_each_entry_rcu(s, &t->buckets[*bucket], node) {
			unsigned long exp = READ_ONCE(s->expires);

			if (n++ < *skip || time_after_eq(jiffies, exp))
				continue;
			memcpy(info.flow, s->key, sizeof(info.flow));
			info.parent_key = s->parent;
			info.expires = (u32)((exp - jiffies) / HZ);
			ret = put(arg, &info);
			if (ret)
				goto out;
			*skip = n;
		}
	}
out:
	rcu_read_unlock();
	return ret;
}

static void refresh(const struct pfw_state_table *t, struct state *s,
		    const struct pfw_pkt *pkt)
{
	bool closing = READ_ONCE(s->closing);
	unsigned long exp;

	if (!closing && tcp_closing(pkt)) {
		closing = true;
		WRITE_ONCE(s->closing, true);
	}
	exp = jiffies + flow_timeout(t, pkt, closing);
	/* Write only when it moves by a second: the entry is shared. */
	if (abs((long)(exp - READ_ONCE(s->expires))) >= HZ)
		WRITE_ONCE(s->expires, exp);
}

int pfw_state_lookup(struct pfw_state_table *t, const struct pfw_pkt *pkt,
		     u32 *parent_key)
{
	u32 key[KEY_WORDS];
	struct state *s;

	flow_key(pkt, key);
	hlist_for_each_entry_rcu(s, bucket(t, key), node) {
		if (memcmp(s->key, key, sizeof(key)))
			continue;
		if (time_after_eq(jiffies, READ_ONCE(s->expires)))
			continue;
		refresh(t, s, pkt);
		*parent_key = s->parent;
		return 1;
	}
	return 0;
}

/* Under t->lock: the limit entry for key, created when absent. */
static struct state_limit *get_limit(struct pfw_state_table *t,
				     const u32 *key)
{
	struct hlist_head *h = lim_bucket(t, key);
	struct state_limit *l;

	hlist_for_each_entry(l, h, node) {
		if (!memcmp(l->key, key, sizeof(l->key)))
			return l;
	}
	l = state_zalloc(t, sizeof(*l));
	if (!l)
		return NULL;
	memcpy(l->key, key, sizeof(l->key));
	hlist_add_head(&l->node, h);
	return l;
}

int pfw_state_add(struct pfw_state_table *t, const struct pfw_pkt *pkt,
		  u32 parent_key, u32 limit)
{
	u32 key[KEY_WORDS], lkey[KEY_WORDS];
	struct state_limit *lim = NULL;
	struct hlist_head *h;
	struct state *s;
	int ret = 0;

	flow_key(pkt, key);
	h = bucket(t, key);
	spin_lock_bh(&t->lock);
	reap_chain(t, h);
	hlist_for_each_entry(s, h, node) {
		if (!memcmp(s->key, key, sizeof(key))) {
			refresh(t, s, pkt);
			ret = 1;
			goto out;
		}
	}
	if (atomic_read(&t->count) >= READ_ONCE(max_states) ||
	    atomic_read(&states_total) >= READ_ONCE(max_states_total)) {
		atomic64_inc(&t->refused);
		goto out;
	}
	if (limit & PFW_STATE_LIM_COUNT) {
		limit_key(pkt, parent_key, limit & ~PFW_STATE_LIM_COUNT, lkey);
		lim = get_limit(t, lkey);
		if (!lim || lim->count >= (limit & PFW_STATE_LIM_COUNT))
			goto out_lim;
	}
	s = state_zalloc(t, sizeof(*s));
	if (!s) {
		atomic64_inc(&t->refused);
		goto out_lim;
	}
	memcpy(s->key, key, sizeof(key));
	s->parent = parent_key;
	s->closing = tcp_closing(pkt);
	s->expires = jiffies + flow_timeout(t, pkt, s->closing);
	s->lim = lim;
	if (lim)
		lim->count++;
	hlist_add_head_rcu(&s->node, h);
	atomic_inc(&states_total);
	if (atomic_inc_return(&t->count) == 1)
		queue_delayed_work(system_power_efficient_wq, &t->gc,
				   GC_INTERVAL);
	ret = 1;
	goto out;
out_lim:
	/* A limit entry made for this packet alone goes again. */
	if (lim && !lim->count) {
		hlist_del(&lim->node);
		kfree(lim);
	}
out:
	spin_unlock_bh(&t->lock);
	return ret;
}

#ifdef DEBUG
#include "selftest/state.c"
#endif

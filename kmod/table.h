/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Tables: the named programs of a namespace, each hooked into netfilter at
 * its own priority, as nftables' tables and base chains are.
 */
#ifndef _PFW_TABLE_H
#define _PFW_TABLE_H

#include <linux/list.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <polyfw/bytecode.h>
#include <polyfw/genl.h>

struct pfw_net;
struct pfw_runtime;
struct pfw_state_table;

/* Packets a table dropped outside any rule, per CPU. */
enum pfw_drop_reason {
	PFW_DROP_MALFORMED, /* headers not walkable to L4 */
	PFW_DROP_BUDGET, /* the run spent its whole budget */
	PFW_DROP_MAX,
};

struct pfw_drop_stats {
	struct u64_stats_sync syncp;
	u64_stats_t n[PFW_DROP_MAX];
};

/* Where a load goes and what it sets, as LOAD_BEGIN said. */
struct pfw_load_target {
	char table[POLYFW_TABLE_NAMSIZ];
	bool has_prio;
	s32 prio;
	bool check_gen;
	u32 gen; /* the table's generation the writer expects */
	bool has_timeouts;
	struct polyfw_state_timeouts timeouts;
};

struct pfw_table {
	struct list_head list; /* in pn->tables, sorted by name */
	struct pfw_net *pn;
	char name[POLYFW_TABLE_NAMSIZ];
	s32 priority;
	/* Read by the packet path under RCU, written under pn->lock. */
	struct pfw_runtime __rcu *active;
	/* The rest under pn->lock. */
	u32 generation;
	u32 hooks; /* registered: bit enum pfw_hook, both families */
	/* Created with the first program that keeps state. */
	struct pfw_state_table *states;
	struct polyfw_state_timeouts timeouts;
	/* struct pfw_lset the program declares (lset.c). */
	struct list_head sets;
	struct pfw_drop_stats __percpu *drops;
	/* .priv of each is this table. */
	struct nf_hook_ops ops[PFW_HOOK_MAX][2];
};

/* Packet path, bottom halves disabled. */
static inline void pfw_table_count_drop(struct pfw_table *t,
					enum pfw_drop_reason why)
{
	struct pfw_drop_stats *st = this_cpu_ptr(t->drops);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->n[why]);
	u64_stats_update_end(&st->syncp);
}

/* All of the following under pn->lock. */

/* The table called name, or NULL. */
struct pfw_table *pfw_table_find(struct pfw_net *pn, const char *name);
/* Its generation, 0 when there is no such table. */
u32 pfw_table_generation(struct pfw_net *pn, const char *name);
u64 pfw_table_drops(const struct pfw_table *t, enum pfw_drop_reason why);
/* The active program, or NULL. */
struct pfw_runtime *pfw_table_prog(const struct pfw_table *t);

/*
 * Makes rt the program of table tg->table, creating the table at priority
 * tg->prio (without tg->has_prio: POLYFW_PRIO_DEFAULT) when there is none,
 * and sets its state lifetimes when tg has them.  Counters and limiter
 * levels carry over from the table's previous program; the generation
 * moves.  Returns 0, or a negative errno with rt freed and the reason in
 * log when it has one.
 */
int pfw_table_load(struct pfw_net *pn, const struct pfw_load_target *tg,
		   struct pfw_runtime *rt, char *log, size_t log_len);
/* No program in t: hooks unregistered, states flushed, generation moved. */
void pfw_table_flush(struct pfw_table *t);
/* Flushes t and removes it. */
void pfw_table_delete(struct pfw_table *t);
/* Every table of pn, when the namespace goes away. */
void pfw_tables_destroy(struct pfw_net *pn);

/* The live set called name, or NULL. */
struct pfw_lset *pfw_table_set(struct pfw_table *t, const char *name);

/* Whether name is a valid table name (POLYFW_A_TABLE). */
bool pfw_table_name_ok(const char *name);

#endif /* _PFW_TABLE_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Per-rule counters: packets, bytes and the time of the last match, kept
 * per CPU so the packet path never shares a cache line.
 */
#ifndef _PFW_COUNTER_H
#define _PFW_COUNTER_H

#include <linux/types.h>
#include <linux/u64_stats_sync.h>

/* One CPU's count for one rule. */
struct pfw_rule_ctr {
	u64 packets;
	u64 bytes;
	u64 last; /* seconds since the epoch */
};

struct pfw_ctr_cpu {
	struct u64_stats_sync syncp;
	struct pfw_rule_ctr *ctr; /* n entries */
};

/*
 * What the per-CPU sums are reported relative to: counts carried over from
 * the previous program, or minus the sums at the time of a reset.  Only
 * written under the namespace lock.
 */
struct pfw_ctr_base {
	s64 packets;
	s64 bytes;
	u64 last;
	u64 snap; /* per-CPU packets when this base was set */
};

struct pfw_counters {
	u32 n;
	struct pfw_ctr_cpu __percpu *pcpu;
	struct pfw_ctr_base *base;
};

/* A rule's reported value. */
struct pfw_ctr_val {
	u64 packets;
	u64 bytes;
	u64 last;
};

/* Memory the counters of n rules take. */
u64 pfw_counters_bytes(u32 n);
int pfw_counters_alloc(struct pfw_counters *c, u32 n);
void pfw_counters_free(struct pfw_counters *c);
/* Packet path, bottom halves disabled. */
void pfw_counters_add(struct pfw_counters *c, u32 rule, u32 bytes, u64 now);
void pfw_counters_read(const struct pfw_counters *c, u32 rule,
		       struct pfw_ctr_val *val);
/* Under the namespace lock (may sleep). */
void pfw_counters_zero(struct pfw_counters *c);
void pfw_counters_carry(struct pfw_counters *c, u32 rule,
			const struct pfw_ctr_val *val);

#ifdef DEBUG
bool pfw_counter_selftest(void);
#endif

#endif /* _PFW_COUNTER_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * What a writer may do and how much it may take: who may change a
 * namespace's program, and the memory caps each namespace is held to.  All
 * of it is set with module parameters (polyfw-netlink(7)).
 */
#ifndef _PFW_LIMITS_H
#define _PFW_LIMITS_H

#include <linux/types.h>

struct genl_info;
struct pfw_prog;
struct sk_buff;

/* Cost units one packet's run may spend (the interpreter's budget). */
u32 pfw_step_budget(void);
/* Whether packets whose headers cannot be walked to L4 are evaluated. */
bool pfw_accept_malformed(void);

/*
 * Whether the sender may change programs: CAP_NET_ADMIN in the initial user
 * namespace, or, with userns_write, in the namespace owning the network
 * namespace (which genetlink checked already).  Sends the reason when not.
 */
bool pfw_may_write(struct sk_buff *skb, struct genl_info *info);

/*
 * The caps, checked under the namespace lock.  Each returns 0, or -EFBIG
 * (or -ENOSPC) with the reason, naming its module parameter, in log.
 */
int pfw_limit_prog_bytes(u32 size, char *log, size_t log_len);
int pfw_limit_txn_bytes(u64 in_flight, u32 size, char *log, size_t log_len);
/* What programs take: the caps hold for all tables of a namespace. */
struct pfw_usage {
	u64 prog; /* bytes of blob */
	u64 ctrs; /* bytes of per-CPU rule counters */
	u64 lims; /* bytes of limiters */
};

void pfw_usage_add(struct pfw_usage *u, const struct pfw_prog *prog,
		   u32 size);
int pfw_limit_usage(const struct pfw_usage *u, char *log, size_t log_len);
/* The same for one verified program alone (before taking the lock). */
int pfw_limit_prog_memory(const struct pfw_prog *prog, char *log,
			  size_t log_len);

#endif /* _PFW_LIMITS_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Module parameters that bound what a writer can make the kernel do, and
 * their checks.  The defaults let any program the compiler makes for
 * 100,000 rules load, and keep a namespace whose admin is hostile from
 * taking more than a few hundred MiB, all of it charged to that writer's
 * memory cgroup.  Values are read once per check (READ_ONCE), so changing
 * a parameter takes effect at the next load.
 */
#include "limits.h"
#include "counter.h"
#include "limiter.h"

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/netlink.h>
#include <net/genetlink.h>
#include <polyfw/prog.h>

static bool userns_write;
module_param(userns_write, bool, 0644);
MODULE_PARM_DESC(userns_write,
		 "let CAP_NET_ADMIN of any user namespace write its network namespace's program (default N: initial user namespace only)");

static bool accept_malformed;
module_param(accept_malformed, bool, 0644);
MODULE_PARM_DESC(accept_malformed,
		 "evaluate packets whose headers cannot be walked to the L4 header instead of dropping them (default N)");

static unsigned int max_steps = PFW_MAX_COST;
module_param(max_steps, uint, 0644);
MODULE_PARM_DESC(max_steps,
		 "cost units one packet's run may spend before it is dropped (default and maximum 1048576)");

static unsigned int netns_prog_bytes = 64 << 20;
module_param(netns_prog_bytes, uint, 0644);
MODULE_PARM_DESC(netns_prog_bytes, "bytes of active program per network namespace (default 64 MiB)");

static unsigned int netns_txn_bytes = 64 << 20;
module_param(netns_txn_bytes, uint, 0644);
MODULE_PARM_DESC(netns_txn_bytes,
		 "bytes of load transactions in flight per network namespace, those being verified included (default 64 MiB)");

static unsigned int netns_counter_bytes = 64 << 20;
module_param(netns_counter_bytes, uint, 0644);
MODULE_PARM_DESC(netns_counter_bytes,
		 "bytes of per-CPU rule counters per network namespace (default 64 MiB)");

static unsigned int netns_limiter_bytes = 16 << 20;
module_param(netns_limiter_bytes, uint, 0644);
MODULE_PARM_DESC(netns_limiter_bytes, "bytes of rate limiters per network namespace (default 16 MiB)");

u32 pfw_step_budget(void)
{
	u32 b = READ_ONCE(max_steps);

	return b && b <= PFW_MAX_COST ? b : PFW_MAX_COST;
}

bool pfw_accept_malformed(void)
{
	return READ_ONCE(accept_malformed);
}

bool pfw_may_write(struct sk_buff *skb, struct genl_info *info)
{
	if (READ_ONCE(userns_write) || netlink_capable(skb, CAP_NET_ADMIN))
		return true;
	GENL_SET_ERR_MSG(info,
			 "permission denied: writing needs CAP_NET_ADMIN in the initial user namespace (module parameter userns_write=1 lets namespace admins write)");
	return false;
}

int pfw_limit_prog_bytes(u32 size, char *log, size_t log_len)
{
	u32 cap = READ_ONCE(netns_prog_bytes);

	if (size <= cap)
		return 0;
	snprintf(log, log_len,
		 "program of %u bytes is over this namespace's limit of %u bytes (module parameter netns_prog_bytes)",
		 size, cap);
	return -EFBIG;
}

int pfw_limit_txn_bytes(u64 in_flight, u32 size, char *log, size_t log_len)
{
	u32 cap = READ_ONCE(netns_txn_bytes);

	if (in_flight + size <= cap)
		return 0;
	snprintf(log, log_len,
		 "load transactions in flight would take %llu bytes, over this namespace's limit of %u bytes (module parameter netns_txn_bytes)",
		 in_flight + size, cap);
	return -ENOSPC;
}

void pfw_usage_add(struct pfw_usage *u, const struct pfw_prog *prog,
		   u32 size)
{
	u->prog += size;
	u->ctrs += pfw_counters_bytes(prog->n_rules);
	u->lims += pfw_limiters_bytes(prog);
}

int pfw_limit_usage(const struct pfw_usage *u, char *log, size_t log_len)
{
	u32 pcap = READ_ONCE(netns_prog_bytes);
	u32 ccap = READ_ONCE(netns_counter_bytes);
	u32 lcap = READ_ONCE(netns_limiter_bytes);

	if (u->prog > pcap) {
		snprintf(log, log_len,
			 "programs would take %llu bytes, over this namespace's limit of %u bytes (module parameter netns_prog_bytes)",
			 u->prog, pcap);
		return -EFBIG;
	}
	if (u->ctrs > ccap) {
		snprintf(log, log_len,
			 "rule counters would take %llu bytes, over this namespace's limit of %u bytes (module parameter netns_counter_bytes)",
			 u->ctrs, ccap);
		return -EFBIG;
	}
	if (u->lims > lcap) {
		snprintf(log, log_len,
			 "limiters would take %llu bytes, over this namespace's limit of %u bytes (module parameter netns_limiter_bytes)",
			 u->lims, lcap);
		return -EFBIG;
	}
	return 0;
}

int pfw_limit_prog_memory(const struct pfw_prog *prog, char *log,
			  size_t log_len)
{
	struct pfw_usage u = {};

	/* The blob's size was checked at BEGIN. */
	pfw_usage_add(&u, prog, 0);
	return pfw_limit_usage(&u, log, log_len);
}

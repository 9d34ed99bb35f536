/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * The netfilter hook function: where packets meet a table's program.
 */
#ifndef _PFW_HOOK_H
#define _PFW_HOOK_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>

struct pfw_runtime;

/* What the pfw_host_* callbacks get as run->host. */
struct pfw_ctx {
	struct sk_buff *skb;
	const struct nf_hook_state *state;
	struct pfw_runtime *rt;
	u64 now; /* seconds since the epoch */
};

/*
 * The netfilter hook function of every table (priv: its struct pfw_table),
 * IPv4 and IPv6, at every hook: runs the table's program on the packet.
 */
unsigned int pfw_hook(void *priv, struct sk_buff *skb,
		      const struct nf_hook_state *state);

#endif /* _PFW_HOOK_H */

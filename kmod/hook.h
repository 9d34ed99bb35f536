/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * The netfilter hooks: where packets meet the active program.
 */
#ifndef _PFW_HOOK_H
#define _PFW_HOOK_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>

struct pfw_net;
struct pfw_runtime;

/* What the pfw_host_* callbacks get as run->host. */
struct pfw_ctx {
	struct sk_buff *skb;
	const struct nf_hook_state *state;
	struct pfw_runtime *rt;
	u64 now; /* seconds since the epoch */
};

/*
 * Under pn->lock.  Hooks are registered, for IPv4 and IPv6, only at the
 * netfilter hooks some entry needs (mask: bit enum pfw_hook), so packets
 * elsewhere never enter polyfw; conntrack is enabled in the namespace while
 * any is.  want() adds the hooks of mask that are missing (before a program
 * that needs them goes live), keep() removes those outside mask (after the
 * program that needed them is gone).
 */
int pfw_hook_want(struct pfw_net *pn, u32 mask);
void pfw_hook_keep(struct pfw_net *pn, u32 mask);

#endif /* _PFW_HOOK_H */

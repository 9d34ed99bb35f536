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

/* Under pn->lock: start or stop seeing the namespace's packets. */
int pfw_hook_enable(struct pfw_net *pn);
void pfw_hook_disable(struct pfw_net *pn);

#endif /* _PFW_HOOK_H */

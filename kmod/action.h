/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * What a verdict or an action does to a packet beyond accept and drop.
 */
#ifndef _PFW_ACTION_H
#define _PFW_ACTION_H

#include <linux/types.h>

struct pfw_ctx;
struct pfw_pkt;
struct sk_buff;

/* Sends the TCP reset or ICMP error of REJECT arg param. */
void pfw_action_reject(struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		       u32 param);
/* LOG with the operand at op (PFW_LOG_WORDS pool words). */
void pfw_action_log(struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		    const u32 *op);
/* Sets the DSCP, keeping ECN; nonzero when the packet must be dropped. */
int pfw_action_dscp(struct sk_buff *skb, u8 pf, u32 dscp);

#endif /* _PFW_ACTION_H */

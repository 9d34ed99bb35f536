// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Reject goes through nf_reject_ipv4/6, as nft's reject does; log through
 * nf_log_packet(), so lines look like iptables' LOG ("IN= OUT= SRC= ...")
 * or go to NFLOG.  Logging is rate-limited by the LOG operand's limiter,
 * or else by net_ratelimit().
 */
#include "action.h"
#include "hook.h"
#include "prog.h"

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/net.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include <net/netfilter/nf_log.h>
#include <polyfw/pkt.h>

void pfw_action_reject(struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		       u32 param)
{
	const struct nf_hook_state *state = ctx->state;
	u32 kind = param >> 8, code = param & 0xff;
	bool tcp = pkt->f[PFW_FLD_L4PROTO] == IPPROTO_TCP &&
		   !(pkt->f[PFW_FLD_FRAG] & PFW_FRAG_LATER);
	int hook = state->hook;

	/* As nft: no reject after routing decided the packet's way out. */
	if (hook == NF_INET_POST_ROUTING)
		return;
	if (tcp && (kind == PFW_REJECT_TCP_RST || kind == PFW_REJECT_AUTO)) {
		if (state->pf == NFPROTO_IPV4)
			nf_send_reset(state->net, state->sk, ctx->skb, hook);
		else
			nf_send_reset6(state->net, state->sk, ctx->skb, hook);
		return;
	}
	if (state->pf == NFPROTO_IPV4) {
		if (kind != PFW_REJECT_ICMP || code > NR_ICMP_UNREACH)
			code = ICMP_PORT_UNREACH;
		nf_send_unreach(ctx->skb, code, hook);
	} else {
		if (kind != PFW_REJECT_ICMP6 || code > ICMPV6_REJECT_ROUTE)
			code = ICMPV6_PORT_UNREACH;
		nf_send_unreach6(state->net, ctx->skb, code, hook);
	}
}

void pfw_action_log(struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		    const u32 *op)
{
	const struct nf_hook_state *state = ctx->state;
	char prefix[PFW_LOG_PREFIX_LEN];
	struct nf_loginfo li = {};
	u32 lim = op[1], flags = op[2];

	if (lim != PFW_NONE32) {
		if (!pfw_limiter_take(&ctx->rt->lims, lim, pkt->addr[0],
				      pkt->len))
			return;
	} else if (!net_ratelimit()) {
		return;
	}
	/* The verifier made sure the prefix has its NUL. */
	memcpy(prefix, op + 3, sizeof(prefix));
	prefix[sizeof(prefix) - 1] = '\0';
	if (flags & PFW_LOG_NFLOG) {
		li.type = NF_LOG_TYPE_ULOG;
		li.u.ulog.group = flags >> 16;
	} else {
		li.type = NF_LOG_TYPE_LOG;
		li.u.log.level = op[0];
	}
	nf_log_packet(state->net, state->pf, state->hook, ctx->skb, state->in,
		      state->out, &li, "%s", prefix);
}

int pfw_action_dscp(struct sk_buff *skb, u8 pf, u32 dscp)
{
	unsigned int nhoff = skb_network_offset(skb);

	if (pf == NFPROTO_IPV4) {
		if (ipv4_get_dsfield(ip_hdr(skb)) >> 2 == dscp)
			return 0;
		if (skb_ensure_writable(skb, nhoff + sizeof(struct iphdr)))
			return -ENOMEM;
		ipv4_change_dsfield(ip_hdr(skb), INET_ECN_MASK, dscp << 2);
	} else {
		if (ipv6_get_dsfield(ipv6_hdr(skb)) >> 2 == dscp)
			return 0;
		if (skb_ensure_writable(skb, nhoff + sizeof(struct ipv6hdr)))
			return -ENOMEM;
		ipv6_change_dsfield(ipv6_hdr(skb), INET_ECN_MASK, dscp << 2);
	}
	return 0;
}

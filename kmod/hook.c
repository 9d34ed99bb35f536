// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * One hook function for IPv4 and IPv6 at all five hooks.  It fills a
 * struct pfw_pkt (the parser reads the packet through skb_header_pointer(),
 * so nothing is linearised), runs the program with bottom halves disabled
 * (per-CPU counters) and turns the interpreter's verdict into a netfilter
 * one.
 *
 * Each table registers this function at its own priority (table.c), within
 * POLYFW_PRIO_MIN..POLYFW_PRIO_MAX: after conntrack (-200), so the
 * conntrack state is known, and before conntrack confirmation (INT_MAX), so
 * a dropped packet never creates a confirmed connection.  The default, 0,
 * is where iptables' and nftables' filter chains sit: after destination NAT
 * in prerouting and output (-100), so rules see the address the packet is
 * really going to, and before source NAT in postrouting (100), so they see
 * the original source.
 */
#include "hook.h"
#include "action.h"
#include "limits.h"
#include "prog.h"
#include "route.h"
#include "table.h"

#include <linux/cred.h>
#include <linux/etherdevice.h>
#include <linux/file.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/timekeeping.h>
#include <asm/word-at-a-time.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_ecache.h>
#include <net/sock.h>
#include <polyfw/interp.h>

static const void *read_skb(const void *src, __u32 off, __u32 len, void *buf)
{
	const struct sk_buff *skb = src;

	return skb_header_pointer(skb, skb_network_offset(skb) + off, len, buf);
}

static u32 ct_bits(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (!ct)
		return ctinfo == IP_CT_UNTRACKED ? PFW_CT_UNTRACKED :
						   PFW_CT_INVALID;
	switch (ctinfo) {
	case IP_CT_NEW:
		return PFW_CT_NEW;
	case IP_CT_ESTABLISHED:
	case IP_CT_ESTABLISHED_REPLY:
		return PFW_CT_ESTABLISHED;
	case IP_CT_RELATED:
	case IP_CT_RELATED_REPLY:
		return PFW_CT_RELATED;
	default:
		return PFW_CT_INVALID;
	}
}

/*
 * The connection's direction and mark, and where its first packet was going
 * before any DNAT (Shorewall's ORIGINAL DEST), as xt_conntrack reads them.
 */
static void set_ct(struct pfw_pkt *pkt, const struct sk_buff *skb)
{
	const struct nf_conntrack_tuple *t;
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	u32 *a = pkt->addr[PFW_FLD_ODADDR - PFW_FLD_SADDR];
	unsigned int i;

	if (!ct)
		return;
	pkt->f[PFW_FLD_CTDIR] = CTINFO2DIR(ctinfo);
#if IS_ENABLED(CONFIG_NF_CONNTRACK_MARK)
	pkt->f[PFW_FLD_CTMARK] = READ_ONCE(ct->mark);
#endif
	t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (t->src.l3num == NFPROTO_IPV4) {
		a[2] = 0xffff;
		a[3] = ntohl(t->dst.u3.ip);
	} else {
		for (i = 0; i < 4; i++)
			a[i] = ntohl(t->dst.u3.ip6[i]);
	}
	switch (t->dst.protonum) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		pkt->f[PFW_FLD_ODPORT] = ntohs(t->dst.u.all);
		break;
	default:
		break;
	}
}

/* SET_CTMARK's value goes to the connection, as xt_CONNMARK does. */
static void apply_ctmark(struct sk_buff *skb, const struct pfw_run *run)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK_MARK)
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	u32 mark;

	if (!run->ctmark_set)
		return;
	ct = nf_ct_get(skb, &ctinfo);
	mark = run->pkt->f[PFW_FLD_CTMARK];
	if (ct && READ_ONCE(ct->mark) != mark) {
		WRITE_ONCE(ct->mark, mark);
		nf_conntrack_event_cache(IPCT_MARK, ct);
	}
#endif
}

/*
 * The name NUL-padded to 16 bytes, as programs compare it, a word at a
 * time: the bytes after a name's NUL may be left from an older, longer
 * name.  Cheaper than strscpy(), which the profile showed at a tenth of
 * polyfw's cost per packet.
 */
static void set_ifname(struct pfw_pkt *pkt, unsigned int f,
		       const struct net_device *dev)
{
	const struct word_at_a_time zero = WORD_AT_A_TIME_CONSTANTS;
	unsigned long w[PFW_IFNAMSIZ / sizeof(long)], data;
	unsigned int i;

	BUILD_BUG_ON(sizeof(dev->name) != sizeof(w));
	if (!dev)
		return;
	memcpy(w, dev->name, sizeof(w));
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		if (has_zero(w[i], &data, &zero)) {
			data = prep_zero_mask(w[i], data, &zero);
			w[i] &= zero_bytemask(create_zero_mask(data));
			for (i++; i < ARRAY_SIZE(w); i++)
				w[i] = 0;
		}
	}
	memcpy(pkt->ifn[f - PFW_FLD_IIF], w, sizeof(w));
}

/* MAC addresses, as xt_mac finds them: only with an Ethernet header. */
static void set_macs(struct pfw_pkt *pkt, const struct sk_buff *skb)
{
	const struct ethhdr *eth;
	unsigned int i;

	if (!skb->dev || skb->dev->type != ARPHRD_ETHER ||
	    !skb_mac_header_was_set(skb) ||
	    skb_mac_header(skb) < skb->head ||
	    skb_mac_header(skb) + ETH_HLEN > skb->data)
		return;
	eth = eth_hdr(skb);
	for (i = 0; i < 2; i++) {
		const u8 *m = i ? eth->h_dest : eth->h_source;
		u32 *w = pkt->addr[PFW_FLD_SMAC - PFW_FLD_SADDR + i];

		w[2] = m[0] << 8 | m[1];
		w[3] = (u32)m[2] << 24 | m[3] << 16 | m[4] << 8 | m[5];
	}
}

/* The owner of a local socket, as xt_owner reads it. */
static void set_owner(struct pfw_pkt *pkt, const struct sk_buff *skb,
		      struct net *net)
{
	struct sock *sk = skb_to_full_sk(skb);
	const struct file *filp;

	if (!sk || !sk_fullsock(sk) || !net_eq(net, sock_net(sk)))
		return;
	read_lock_bh(&sk->sk_callback_lock);
	filp = sk->sk_socket ? sk->sk_socket->file : NULL;
	if (filp) {
		pkt->f[PFW_FLD_UID] =
			from_kuid_munged(net->user_ns, filp->f_cred->fsuid);
		pkt->f[PFW_FLD_GID] =
			from_kgid_munged(net->user_ns, filp->f_cred->fsgid);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void set_phys(struct pfw_pkt *pkt, const struct sk_buff *skb,
		     struct net *net)
{
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	set_ifname(pkt, PFW_FLD_PHYSIN, nf_bridge_get_physindev(skb, net));
	set_ifname(pkt, PFW_FLD_PHYSOUT, nf_bridge_get_physoutdev(skb));
#endif
}

static void fill_meta(struct pfw_ctx *ctx, struct pfw_pkt *pkt)
{
	const struct nf_hook_state *state = ctx->state;
	const struct sk_buff *skb = ctx->skb;
	unsigned int hook = state->hook;
	u32 uses = ctx->rt->uses;
	bool out = hook == NF_INET_LOCAL_OUT || hook == NF_INET_POST_ROUTING;

	/* The names only the program reads: a copy costs what a test does. */
	if (uses & PFW_USES_IIF)
		set_ifname(pkt, PFW_FLD_IIF, state->in);
	if (uses & PFW_USES_OIF)
		set_ifname(pkt, PFW_FLD_OIF, state->out);
	pkt->f[PFW_FLD_MARK] = skb->mark;
	pkt->f[PFW_FLD_CTSTATE] = ct_bits(skb);
	pkt->f[PFW_FLD_HOOK] = hook;
	pkt->f[PFW_FLD_DIR] = out;
	pkt->f[PFW_FLD_TIME] = (u32)ctx->now;
	pkt->f[PFW_FLD_ETHERTYPE] = ntohs(skb->protocol);
	if ((uses & PFW_USES_MAC) && !out)
		set_macs(pkt, skb);
	if ((uses & PFW_USES_OWNER) && out)
		set_owner(pkt, skb, state->net);
	if (uses & PFW_USES_PHYS)
		set_phys(pkt, skb, state->net);
	if (uses & PFW_USES_ADDRTYPE)
		pfw_route_addrtypes(ctx, pkt);
	if (uses & PFW_USES_CT)
		set_ct(pkt, skb);
}

static void apply_mark(struct sk_buff *skb, const struct pfw_run *run)
{
	if (run->mark_set)
		skb->mark = run->pkt->f[PFW_FLD_MARK];
}

/*
 * Runs the program on one packet.  Kept out of line: the kernel may zero
 * every local on entry (CONFIG_INIT_STACK_ALL_ZERO), and the packet context
 * is a few hundred bytes that hooks without an entry should not pay for.
 */
static noinline unsigned int pfw_hook_run(struct pfw_table *t,
					  struct pfw_runtime *rt,
					  struct sk_buff *skb,
					  const struct nf_hook_state *state)
{
	/*
	 * Each is filled before it is read (pfw_pkt_parse() clears the packet,
	 * run is cleared below): spare them the kernel's zeroing of every
	 * local (CONFIG_INIT_STACK_ALL_ZERO), a third of this hook's work.
	 */
	struct pfw_ctx ctx __uninitialized;
	struct pfw_pkt pkt __uninitialized;
	struct pfw_run run __uninitialized;
	u32 len;
	int ret;

	ctx.skb = skb;
	ctx.state = state;
	ctx.rt = rt;
	ctx.now = ktime_get_real_seconds();
	len = skb->len - skb_network_offset(skb);
	ret = pfw_pkt_parse(&pkt, read_skb, skb, len,
			    state->pf == NFPROTO_IPV4 ? 4 : 6);
	/*
	 * Fail closed: a packet whose L4 header we cannot reach could slip
	 * past a rule on its ports while the stack still delivers it.
	 */
	if (unlikely(ret) && !pfw_accept_malformed()) {
		local_bh_disable();
		pfw_table_count_drop(t, PFW_DROP_MALFORMED);
		local_bh_enable();
		return NF_DROP;
	}
	fill_meta(&ctx, &pkt);

	memset(&run, 0, sizeof(run));
	run.prog = &rt->prog;
	run.pkt = &pkt;
	run.host = &ctx;
	run.budget = pfw_step_budget();
	local_bh_disable();
	pfw_interp_run(&run, state->hook);
	if (unlikely(run.verdict == PFW_V_ERROR))
		pfw_table_count_drop(t, PFW_DROP_BUDGET);
	local_bh_enable();

	switch (run.verdict) {
	case PFW_V_ACCEPT:
		break;
	case PFW_V_DROP:
		return NF_DROP;
	case PFW_V_REJECT:
		pfw_action_reject(&ctx, &pkt, run.param);
		return NF_DROP;
	case PFW_V_QUEUE:
		apply_mark(skb, &run);
		apply_ctmark(skb, &run);
		if (run.dscp != PFW_NONE32 &&
		    pfw_action_dscp(skb, state->pf, run.dscp))
			return NF_DROP;
		return NF_QUEUE_NR(run.param & 0xffff) |
		       (run.param & PFW_QUEUE_BYPASS ?
			NF_VERDICT_FLAG_QUEUE_BYPASS : 0);
	default:
		/* errors (over budget), and NAT, which no loaded program has */
		return NF_DROP;
	}
	apply_mark(skb, &run);
	apply_ctmark(skb, &run);
	if (run.dscp != PFW_NONE32 && pfw_action_dscp(skb, state->pf, run.dscp))
		return NF_DROP;
	return NF_ACCEPT;
}

unsigned int pfw_hook(void *priv, struct sk_buff *skb,
		      const struct nf_hook_state *state)
{
	struct pfw_table *t = priv;
	struct pfw_runtime *rt;

	/* Hooks run under rcu_read_lock(). */
	rt = rcu_dereference(t->active);
	if (!rt || rt->prog.hdr->entry[state->hook] == PFW_NO_ENTRY)
		return NF_ACCEPT;
	return pfw_hook_run(t, rt, skb, state);
}

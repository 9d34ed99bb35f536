// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Reverse-path tests, with ipfw's meanings, by a FIB lookup of the source
 * address done the way xt_rpfilter does it:
 *   PFW_RPF_VERREVPATH  the route back to the source leaves through the
 *                       interface the packet came in on;
 *   PFW_RPF_VERSRCREACH some route other than a default, blackhole or
 *                       reject route reaches the source;
 *   PFW_RPF_ANTISPOOF   a source on a directly connected network (or one of
 *                       our own addresses) came in on that network's
 *                       interface (loopback for our own).
 * Packets without an input interface (output, locally generated) and from
 * loopback pass every test.
 *
 * Address types: inet_addr_type() for IPv4 (xt_addrtype's bits are
 * 1 << RTN_*); for IPv6 the address's own class plus LOCAL when it is one
 * of ours (ipv6_chk_addr()); IPv6 BLACKHOLE/UNREACHABLE/PROHIBIT are never
 * set.  Both are computed only for programs that test them.
 */
#include "route.h"
#include "hook.h"

#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ip_fib.h>
#include <net/l3mdev.h>
#include <net/route.h>
#include <polyfw/pkt.h>

static bool from_outside(const struct net_device *in)
{
	return in && !(in->flags & IFF_LOOPBACK);
}

static int rpf4(const struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		u32 mode)
{
	const struct net_device *in = ctx->state->in;
	__be32 saddr = htonl(pkt->addr[0][3]);
	__be32 daddr = htonl(pkt->addr[1][3]);
	struct fib_result res;
	struct flowi4 fl4;

	if (ipv4_is_zeronet(saddr))
		return ipv4_is_lbcast(daddr) || ipv4_is_local_multicast(daddr);
	if (ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr))
		return mode == PFW_RPF_ANTISPOOF;
	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_iif = LOOPBACK_IFINDEX;
	fl4.flowi4_oif = l3mdev_master_ifindex_rcu(in);
	fl4.daddr = saddr;
	if (!ipv4_is_multicast(daddr) && !ipv4_is_lbcast(daddr) &&
	    !ipv4_is_zeronet(daddr))
		fl4.saddr = daddr;
	fl4.flowi4_tos = pkt->f[PFW_FLD_TOS] & IPTOS_RT_MASK;
	fl4.flowi4_scope = RT_SCOPE_UNIVERSE;
	if (fib_lookup(ctx->state->net, &fl4, &res,
		       FIB_LOOKUP_IGNORE_LINKSTATE))
		return mode == PFW_RPF_ANTISPOOF;

	switch (mode) {
	case PFW_RPF_VERREVPATH:
		if (res.type == RTN_LOCAL)
			return 0;
		return res.type == RTN_UNICAST &&
		       fib_info_nh_uses_dev(res.fi, in);
	case PFW_RPF_VERSRCREACH:
		return res.type == RTN_LOCAL ||
		       (res.type == RTN_UNICAST && res.prefixlen);
	default:
		if (res.type == RTN_LOCAL)
			return 0;
		if (res.type == RTN_UNICAST && res.scope >= RT_SCOPE_LINK)
			return fib_info_nh_uses_dev(res.fi, in);
		return 1;
	}
}

static int rpf6(const struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		u32 mode)
{
	const struct net_device *in = ctx->state->in;
	struct flowi6 fl6;
	struct rt6_info *rt;
	int type, ret = 0;
	unsigned int i;

	memset(&fl6, 0, sizeof(fl6));
	for (i = 0; i < 4; i++)
		fl6.daddr.s6_addr32[i] = htonl(pkt->addr[0][i]);
	type = ipv6_addr_type(&fl6.daddr);
	if (type == IPV6_ADDR_ANY)
		return 1; /* not routable: the forward path drops it */
	if (type & IPV6_ADDR_MULTICAST)
		return mode == PFW_RPF_ANTISPOOF;
	if (type & IPV6_ADDR_LINKLOCAL)
		return 1; /* only ever from the link it came in on */
	fl6.flowi6_iif = LOOPBACK_IFINDEX;
	rt = (struct rt6_info *)ip6_route_lookup(ctx->state->net, &fl6,
						 ctx->skb, 0);
	if (rt->dst.error) {
		ret = mode == PFW_RPF_ANTISPOOF;
		goto out;
	}
	if (rt->rt6i_flags & RTF_REJECT) {
		ret = 0;
		goto out;
	}
	if (rt->rt6i_flags & RTF_LOCAL) {
		ret = mode == PFW_RPF_VERSRCREACH;
		goto out;
	}
	switch (mode) {
	case PFW_RPF_VERREVPATH:
		ret = rt->rt6i_idev && rt->rt6i_idev->dev == in;
		break;
	case PFW_RPF_VERSRCREACH:
		ret = rt->rt6i_dst.plen != 0;
		break;
	default:
		if (!(rt->rt6i_flags & RTF_GATEWAY) && rt->rt6i_dst.plen)
			ret = rt->rt6i_idev && rt->rt6i_idev->dev == in;
		else
			ret = 1;
		break;
	}
out:
	ip6_rt_put(rt);
	return ret;
}

int pfw_route_rpf(const struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		  u32 mode)
{
	if (!from_outside(ctx->state->in))
		return 1;
	if (pkt->f[PFW_FLD_FAMILY] == 4)
		return rpf4(ctx, pkt, mode);
	if (pkt->f[PFW_FLD_FAMILY] == 6)
		return rpf6(ctx, pkt, mode);
	return 0;
}

static u32 addrtype4(struct net *net, u32 addr)
{
	unsigned int type = inet_addr_type(net, htonl(addr));

	return type <= RTN_PROHIBIT ? 1U << type : 0;
}

static u32 addrtype6(struct net *net, const u32 *w)
{
	struct in6_addr a;
	unsigned int i;
	int type;

	for (i = 0; i < 4; i++)
		a.s6_addr32[i] = htonl(w[i]);
	type = ipv6_addr_type(&a);
	if (type == IPV6_ADDR_ANY)
		return PFW_ADDRTYPE_UNSPEC;
	if (type & IPV6_ADDR_MULTICAST)
		return PFW_ADDRTYPE_MULTICAST;
	if ((type & IPV6_ADDR_LOOPBACK) || ipv6_chk_addr(net, &a, NULL, 0))
		return PFW_ADDRTYPE_LOCAL;
	return PFW_ADDRTYPE_UNICAST;
}

void pfw_route_addrtypes(const struct pfw_ctx *ctx, struct pfw_pkt *pkt)
{
	struct net *net = ctx->state->net;

	if (pkt->f[PFW_FLD_FAMILY] == 4) {
		pkt->f[PFW_FLD_SADDRTYPE] = addrtype4(net, pkt->addr[0][3]);
		pkt->f[PFW_FLD_DADDRTYPE] = addrtype4(net, pkt->addr[1][3]);
	} else if (pkt->f[PFW_FLD_FAMILY] == 6) {
		pkt->f[PFW_FLD_SADDRTYPE] = addrtype6(net, pkt->addr[0]);
		pkt->f[PFW_FLD_DADDRTYPE] = addrtype6(net, pkt->addr[1]);
	}
}

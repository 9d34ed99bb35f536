// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Packet parsing for the interpreter, shared by kernel and userspace.
 *
 * Every read goes through the host's read function with an explicit offset
 * and length, so a truncated or lying header can only make a field unknown,
 * never make us read past the packet.  Lengths inside headers (IHL, IPv6
 * extension header lengths, TCP data offset) are trusted only as far as the
 * packet really reaches.
 */
#include "../compat.h"
#include "../pkt.h"

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ESP_ 50
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_SCTP_ 132
#define IPPROTO_UDPLITE_ 136
#define IPPROTO_DCCP_ 33
/* Bounds the IPv6 extension header walk. */
#define MAX_EXTHDRS 16

static __u16 be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

void pfw_pkt_init(struct pfw_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->f[PFW_FLD_SPORT] = PFW_NONE16;
	pkt->f[PFW_FLD_DPORT] = PFW_NONE16;
	pkt->f[PFW_FLD_ICMPTYPE] = PFW_NONE16;
	pkt->f[PFW_FLD_ICMPCODE] = PFW_NONE16;
	pkt->f[PFW_FLD_UID] = PFW_NONE32;
	pkt->f[PFW_FLD_GID] = PFW_NONE32;
	pkt->f[PFW_FLD_TABLEARG] = 0;
}

static void parse_ipv4_options(struct pfw_pkt *pkt, const __u8 *o,
			       unsigned int len)
{
	unsigned int i = 0;

	while (i < len) {
		__u8 type = o[i];
		unsigned int olen;

		if (type == 0) /* end of options */
			break;
		if (type == 1) { /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			break;
		switch (type) {
		case 137:
			pkt->f[PFW_FLD_IPOPTS] |= PFW_IPOPT_SSRR;
			break;
		case 131:
			pkt->f[PFW_FLD_IPOPTS] |= PFW_IPOPT_LSRR;
			break;
		case 7:
			pkt->f[PFW_FLD_IPOPTS] |= PFW_IPOPT_RR;
			break;
		case 68:
			pkt->f[PFW_FLD_IPOPTS] |= PFW_IPOPT_TS;
			break;
		default:
			pkt->f[PFW_FLD_IPOPTS] |= PFW_IPOPT_OTHER;
			break;
		}
		i += olen;
	}
}

static void parse_tcp_options(struct pfw_pkt *pkt, const __u8 *o,
			      unsigned int len)
{
	unsigned int i = 0;

	while (i < len) {
		__u8 kind = o[i];
		unsigned int olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			break;
		switch (kind) {
		case 2:
			pkt->f[PFW_FLD_TCPOPTS] |= PFW_TCPOPT_MSS;
			if (olen == 4)
				pkt->f[PFW_FLD_TCPMSS] = be16(o + i + 2);
			break;
		case 3:
			pkt->f[PFW_FLD_TCPOPTS] |= PFW_TCPOPT_WINDOW;
			break;
		case 4:
			pkt->f[PFW_FLD_TCPOPTS] |= PFW_TCPOPT_SACKOK;
			break;
		case 5:
			pkt->f[PFW_FLD_TCPOPTS] |= PFW_TCPOPT_SACK;
			break;
		case 8:
			pkt->f[PFW_FLD_TCPOPTS] |= PFW_TCPOPT_TS;
			break;
		default:
			pkt->f[PFW_FLD_TCPOPTS] |= PFW_TCPOPT_OTHER;
			break;
		}
		i += olen;
	}
}

/* Reads the L4 header at off (l4len bytes of datagram remain). */
static void parse_l4(struct pfw_pkt *pkt, pfw_read_fn read, const void *src,
		     __u32 off, __u32 l4len)
{
	__u8 buf[60];
	const __u8 *h;
	__u32 proto = pkt->f[PFW_FLD_L4PROTO];
	__u32 doff;

	switch (proto) {
	case IPPROTO_TCP_:
		h = read(src, off, 20, buf);
		if (!h || l4len < 20)
			return;
		pkt->f[PFW_FLD_SPORT] = be16(h);
		pkt->f[PFW_FLD_DPORT] = be16(h + 2);
		pkt->f[PFW_FLD_TCPSEQ] = be32(h + 4);
		pkt->f[PFW_FLD_TCPACK] = be32(h + 8);
		pkt->f[PFW_FLD_TCPFLAGS] = h[13];
		pkt->f[PFW_FLD_TCPWIN] = be16(h + 14);
		doff = (__u32)(h[12] >> 4) * 4;
		if (doff < 20 || doff > l4len)
			return; /* header fields known, but not "whole" */
		pkt->f[PFW_FLD_TCPDATALEN] = l4len - doff;
		if (doff > 20) {
			h = read(src, off + 20, doff - 20, buf);
			if (!h)
				return;
			parse_tcp_options(pkt, h, doff - 20);
		}
		pkt->f[PFW_FLD_L4OK] = 1;
		return;
	case IPPROTO_UDP_:
	case IPPROTO_UDPLITE_:
	case IPPROTO_SCTP_:
	case IPPROTO_DCCP_:
		h = read(src, off, 4, buf);
		if (!h || l4len < 4)
			return;
		pkt->f[PFW_FLD_SPORT] = be16(h);
		pkt->f[PFW_FLD_DPORT] = be16(h + 2);
		pkt->f[PFW_FLD_L4OK] = 1;
		return;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		h = read(src, off, 2, buf);
		if (!h || l4len < 2)
			return;
		pkt->f[PFW_FLD_ICMPTYPE] = h[0];
		pkt->f[PFW_FLD_ICMPCODE] = h[1];
		pkt->f[PFW_FLD_L4OK] = 1;
		return;
	default:
		return;
	}
}

static int parse_ipv4(struct pfw_pkt *pkt, pfw_read_fn read, const void *src,
		      __u32 pkt_len)
{
	__u8 buf[60];
	const __u8 *h = read(src, 0, 20, buf);
	__u32 ihl, tot, fragoff;

	if (!h || (h[0] >> 4) != 4)
		return -EINVAL;
	ihl = (__u32)(h[0] & 0xf) * 4;
	tot = be16(h + 2);
	if (ihl < 20 || tot < ihl || tot > pkt_len)
		return -EINVAL;
	pkt->f[PFW_FLD_FAMILY] = 4;
	pkt->f[PFW_FLD_TOS] = h[1];
	pkt->f[PFW_FLD_DSCP] = h[1] >> 2;
	pkt->f[PFW_FLD_IPLEN] = tot;
	pkt->f[PFW_FLD_IPID] = be16(h + 4);
	pkt->f[PFW_FLD_TTL] = h[8];
	pkt->f[PFW_FLD_L4PROTO] = h[9];
	pkt->addr[0][2] = 0xffff;
	pkt->addr[0][3] = be32(h + 12);
	pkt->addr[1][2] = 0xffff;
	pkt->addr[1][3] = be32(h + 16);
	fragoff = be16(h + 6);
	if (fragoff & 0x3fff)
		pkt->f[PFW_FLD_FRAG] |= PFW_FRAG_ANY;
	if (fragoff & 0x1fff)
		pkt->f[PFW_FLD_FRAG] |= PFW_FRAG_LATER;
	if (fragoff & 0x2000)
		pkt->f[PFW_FLD_FRAG] |= PFW_FRAG_MORE;
	if (ihl > 20) {
		h = read(src, 20, ihl - 20, buf);
		if (!h)
			return -EINVAL;
		parse_ipv4_options(pkt, h, ihl - 20);
	}
	if (!(pkt->f[PFW_FLD_FRAG] & PFW_FRAG_LATER))
		parse_l4(pkt, read, src, ihl, tot - ihl);
	return 0;
}

static int parse_ipv6(struct pfw_pkt *pkt, pfw_read_fn read, const void *src,
		      __u32 pkt_len)
{
	__u8 buf[40];
	const __u8 *h = read(src, 0, 40, buf);
	__u32 off = 40, end, nexthdr, i, w;

	if (!h || (h[0] >> 4) != 6)
		return -EINVAL;
	pkt->f[PFW_FLD_FAMILY] = 6;
	pkt->f[PFW_FLD_TOS] = (__u32)((h[0] & 0xf) << 4 | h[1] >> 4);
	pkt->f[PFW_FLD_DSCP] = pkt->f[PFW_FLD_TOS] >> 2;
	pkt->f[PFW_FLD_IPLEN] = 40 + be16(h + 4);
	pkt->f[PFW_FLD_TTL] = h[7];
	for (w = 0; w < 4; w++) {
		pkt->addr[0][w] = be32(h + 8 + 4 * w);
		pkt->addr[1][w] = be32(h + 24 + 4 * w);
	}
	end = pkt->f[PFW_FLD_IPLEN];
	if (end > pkt_len)
		end = pkt_len; /* jumbograms and lies: trust what is there */
	nexthdr = h[6];
	for (i = 0; i < MAX_EXTHDRS; i++) {
		const __u8 *e;
		__u32 elen;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS_:
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_HOPOPTS;
			break;
		case IPPROTO_ROUTING_:
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_ROUTING;
			break;
		case IPPROTO_DSTOPTS_:
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_DSTOPTS;
			break;
		case IPPROTO_FRAGMENT_:
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_FRAG;
			break;
		case IPPROTO_AH_:
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_AH;
			break;
		case IPPROTO_ESP_:
			/* encrypted: the walk ends here, ESP is the protocol */
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_ESP;
			goto done;
		default:
			goto done;
		}
		e = read(src, off, 8, buf);
		if (!e || off + 8 > end) {
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_TRUNC;
			pkt->f[PFW_FLD_L4PROTO] = nexthdr;
			return 0;
		}
		if (nexthdr == IPPROTO_FRAGMENT_) {
			__u32 fo = be16(e + 2);

			pkt->f[PFW_FLD_FRAG] |= PFW_FRAG_ANY;
			if (fo & 0xfff8)
				pkt->f[PFW_FLD_FRAG] |= PFW_FRAG_LATER;
			if (fo & 1)
				pkt->f[PFW_FLD_FRAG] |= PFW_FRAG_MORE;
			pkt->f[PFW_FLD_IPID] = be32(e + 4);
			elen = 8;
		} else if (nexthdr == IPPROTO_AH_) {
			elen = ((__u32)e[1] + 2) * 4;
		} else {
			elen = ((__u32)e[1] + 1) * 8;
		}
		nexthdr = e[0];
		off += elen;
		if (off > end) {
			pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_TRUNC;
			pkt->f[PFW_FLD_L4PROTO] = nexthdr;
			return 0;
		}
	}
	/* too long a chain: the protocol is what we stopped at */
	pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_TRUNC;
done:
	pkt->f[PFW_FLD_L4PROTO] = nexthdr;
	if (!(pkt->f[PFW_FLD_FRAG] & PFW_FRAG_LATER) &&
	    !(pkt->f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC) && nexthdr != IPPROTO_NONE_)
		parse_l4(pkt, read, src, off, end - off);
	return 0;
}

int pfw_pkt_parse(struct pfw_pkt *pkt, pfw_read_fn read, const void *src,
		  __u32 pkt_len, unsigned int family)
{
	__u8 b;
	const __u8 *v;
	int ret;

	pfw_pkt_init(pkt);
	pkt->len = pkt_len;
	if (!family) {
		v = read(src, 0, 1, &b);
		if (!v)
			return -EINVAL;
		family = *v >> 4;
	}
	if (family == 4)
		ret = parse_ipv4(pkt, read, src, pkt_len);
	else if (family == 6)
		ret = parse_ipv6(pkt, read, src, pkt_len);
	else
		ret = -EINVAL;
	if (ret) {
		/* nothing half-parsed: an unparsed packet matches no field */
		pfw_pkt_init(pkt);
		pkt->len = pkt_len;
	}
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Packet parsing for the interpreter, shared by kernel and userspace.
 *
 * Every read goes through the host's read function with an explicit offset
 * and length, so a truncated or lying header can only make a field unknown,
 * never make us read past the packet.  Lengths inside headers (IHL, IPv6
 * extension header lengths, TCP data offset) are trusted only as far as the
 * packet really reaches.
 *
 * A packet whose headers cannot be walked to its L4 header is reported
 * malformed (PFW_PARSE_MALFORMED): its L4 fields may be unknown, so rules on
 * ports or flags could miss it.  Hosts fail closed on it (the kernel drops
 * and counts it unless told otherwise).
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
/* Bounds the IPv6 extension header walk: more is malformed. */
#define MAX_EXTHDRS 16
/* Hop-by-hop option carrying a jumbogram's length (RFC 2675). */
#define IPV6_TLV_JUMBO_ 0xc2

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
	pkt->f[PFW_FLD_CTDIR] = PFW_NONE32;
	pkt->f[PFW_FLD_ODPORT] = PFW_NONE16;
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

/*
 * Reads the L4 header at off (l4len bytes of datagram remain).  Returns
 * PFW_PARSE_MALFORMED when a protocol whose header we read is cut short.
 */
static int parse_l4(struct pfw_pkt *pkt, pfw_read_fn read, const void *src,
		    __u32 off, __u32 l4len)
{
	__u8 buf[60];
	const __u8 *h;
	__u32 proto = pkt->f[PFW_FLD_L4PROTO];
	__u32 doff, need;

	switch (proto) {
	case IPPROTO_TCP_:
		h = read(src, off, 20, buf);
		if (!h || l4len < 20)
			return PFW_PARSE_MALFORMED;
		pkt->f[PFW_FLD_SPORT] = be16(h);
		pkt->f[PFW_FLD_DPORT] = be16(h + 2);
		pkt->f[PFW_FLD_TCPSEQ] = be32(h + 4);
		pkt->f[PFW_FLD_TCPACK] = be32(h + 8);
		pkt->f[PFW_FLD_TCPFLAGS] = h[13];
		pkt->f[PFW_FLD_TCPWIN] = be16(h + 14);
		doff = (__u32)(h[12] >> 4) * 4;
		if (doff < 20 || doff > l4len)
			return PFW_PARSE_MALFORMED; /* fields known, not whole */
		pkt->f[PFW_FLD_TCPDATALEN] = l4len - doff;
		if (doff > 20) {
			h = read(src, off + 20, doff - 20, buf);
			if (!h)
				return PFW_PARSE_MALFORMED;
			parse_tcp_options(pkt, h, doff - 20);
		}
		pkt->f[PFW_FLD_L4OK] = 1;
		return 0;
	case IPPROTO_UDP_:
	case IPPROTO_UDPLITE_:
	case IPPROTO_SCTP_:
	case IPPROTO_DCCP_:
		/* the fixed header: UDP's 8 bytes, SCTP's and DCCP's 12 */
		need = proto == IPPROTO_UDP_ || proto == IPPROTO_UDPLITE_ ? 8 : 12;
		h = read(src, off, 4, buf);
		if (!h || l4len < need)
			return PFW_PARSE_MALFORMED;
		pkt->f[PFW_FLD_SPORT] = be16(h);
		pkt->f[PFW_FLD_DPORT] = be16(h + 2);
		pkt->f[PFW_FLD_L4OK] = 1;
		return 0;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		h = read(src, off, 4, buf);
		if (!h || l4len < 4)
			return PFW_PARSE_MALFORMED;
		pkt->f[PFW_FLD_ICMPTYPE] = h[0];
		pkt->f[PFW_FLD_ICMPCODE] = h[1];
		pkt->f[PFW_FLD_L4OK] = 1;
		return 0;
	default:
		return 0;
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
		return parse_l4(pkt, read, src, ihl, tot - ihl);
	return 0;
}

/*
 * The payload length of a jumbogram: the hop-by-hop header that must follow
 * the IPv6 header holds a jumbo payload option.  0 when there is none.
 */
static __u32 jumbo_length(pfw_read_fn read, const void *src)
{
	__u8 buf[8];
	const __u8 *e = read(src, 40, 2, buf);
	__u32 off, end;

	if (!e)
		return 0;
	off = 42;
	end = 40 + ((__u32)e[1] + 1) * 8;
	while (off < end) {
		const __u8 *o = read(src, off, 1, buf);

		if (!o)
			return 0;
		if (o[0] == 0) { /* Pad1 */
			off++;
			continue;
		}
		o = read(src, off, 2, buf);
		if (!o || off + 2 + o[1] > end)
			return 0;
		if (o[0] == IPV6_TLV_JUMBO_) {
			if (o[1] != 4)
				return 0;
			o = read(src, off + 2, 4, buf);
			return o ? be32(o) : 0;
		}
		off += 2 + o[1];
	}
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
	nexthdr = h[6];
	if (be16(h + 4) == 0 && nexthdr == IPPROTO_HOPOPTS_) {
		__u32 jumbo = jumbo_length(read, src);

		/* without the option the payload is empty: the walk fails */
		if (jumbo && jumbo <= 0xffffffffu - 40)
			pkt->f[PFW_FLD_IPLEN] = 40 + jumbo;
	}
	end = pkt->f[PFW_FLD_IPLEN];
	if (end > pkt_len)
		end = pkt_len; /* lies: trust what is there */
	for (i = 0;; i++) {
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
		if (i == MAX_EXTHDRS)
			goto too_long;
		e = read(src, off, 8, buf);
		if (!e || off + 8 > end)
			goto too_long;
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
		if (off > end)
			goto too_long;
	}
done:
	pkt->f[PFW_FLD_L4PROTO] = nexthdr;
	if (!(pkt->f[PFW_FLD_FRAG] & PFW_FRAG_LATER) && nexthdr != IPPROTO_NONE_)
		return parse_l4(pkt, read, src, off, end - off);
	return 0;
too_long:
	/* truncated, or too long a chain: the protocol is where we stopped */
	pkt->f[PFW_FLD_EXTHDRS] |= PFW_EXT_TRUNC;
	pkt->f[PFW_FLD_L4PROTO] = nexthdr;
	return PFW_PARSE_MALFORMED;
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
	if (ret < 0) {
		/* nothing half-parsed: an unparsed packet matches no field */
		pfw_pkt_init(pkt);
		pkt->len = pkt_len;
	}
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The packet as the interpreter sees it: every field a program can test,
 * parsed once, bounds-checked, before the first instruction runs.
 */
#ifndef _POLYFW_PKT_H
#define _POLYFW_PKT_H

#include "bytecode.h"

struct pfw_pkt {
	__u32 f[PFW_NSCALARS];
	__u32 addr[PFW_NADDRS][4];
	char ifn[PFW_NIFNS][PFW_IFNAMSIZ];
	__u16 tags[PFW_MAX_TAGS];
	__u32 n_tags;
	__u32 len; /* bytes, for byte counters and byte limiters */
};

/*
 * Reads len bytes at off of the packet behind src into buf (or returns a
 * pointer straight into the packet) and NULL when the packet is shorter.
 * The kernel passes skb_header_pointer() behind this; userspace a buffer.
 */
/* pfw_pkt_parse(): the headers stop before a whole L4 header. */
#define PFW_PARSE_MALFORMED 1

typedef const void *(*pfw_read_fn)(const void *src, __u32 off, __u32 len,
				   void *buf);

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Clears *pkt to "nothing known" (ports and ICMP type/code PFW_NONE16,
 * uid/gid PFW_NONE32) and fills the fields found in the layer-3 packet of
 * pkt_len bytes at src: family 4 or 6, or 0 to take it from the version
 * nibble.  Metadata fields (interfaces, mark, conntrack state, hook, time,
 * uid/gid, address types, MACs) are the caller's to fill afterwards.
 * Returns 0 when the headers were walked to the L4 header (or to a
 * protocol whose header is not read), PFW_PARSE_MALFORMED when the IP header
 * was read but not the way to a whole L4 header (an IPv6 extension header
 * chain of more than 16 headers or running past the packet, a TCP, UDP,
 * UDP-Lite, SCTP, DCCP or ICMP header cut short in a packet that is not a
 * later fragment; L4OK is then 0 and the fields not reached unknown), or
 * -EINVAL when not even the IP header could be read (the fields then say
 * family 0 and nothing matches them).  Hosts treat both failures as
 * malformed: docs/bytecode.md section 3.
 */
int pfw_pkt_parse(struct pfw_pkt *pkt, pfw_read_fn read, const void *src,
		  __u32 pkt_len, unsigned int family);

void pfw_pkt_init(struct pfw_pkt *pkt);

#ifdef __cplusplus
}
#endif

#endif /* _POLYFW_PKT_H */

/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * polyfw program format: the contract between the compiler and the kernel.
 *
 * A program is one flat, position-independent blob of 32-bit words:
 *
 *   struct pfw_prog_hdr
 *   struct pfw_insn       insns[n_insns]       8 bytes each
 *   __u32                 pool[n_pool]         constants and tables
 *   struct pfw_rule_desc  rules[n_rules]       one per source rule
 *   struct pfw_set_desc   sets[n_sets]
 *   struct pfw_cls_desc   cls[n_cls]
 *   struct pfw_lim_desc   lims[n_lims]
 *   char                  strtab[n_strtab]     rule locations, NUL-separated
 *
 * All integers are in host byte order (the blob never leaves the machine it
 * was compiled on); PFW_PROG_MAGIC read back byte-swapped tells a mismatch.
 * docs/bytecode.md is the specification; this header is its C form.
 */
#ifndef _POLYFW_BYTECODE_H
#define _POLYFW_BYTECODE_H

#include <linux/types.h>

#define PFW_PROG_MAGIC 0x31574650u /* "PFW1" */
#define PFW_PROG_VERSION 1

/* Hard limits: the verifier rejects anything larger. */
#define PFW_MAX_INSNS (1u << 22)
#define PFW_MAX_POOL (1u << 26)
#define PFW_MAX_RULES (1u << 20)
#define PFW_MAX_SETS 65536u
#define PFW_MAX_LIVE_SETS 256u /* of those, live (per program and table) */
#define PFW_MAX_CLS 65536u
#define PFW_MAX_LIMS 65536u
#define PFW_MAX_STRTAB (1u << 24)
#define PFW_MAX_PROG_BYTES (256u << 20)
#define PFW_CLS_MAX_DEPTH 24 /* inner nodes on a root-to-leaf path */
#define PFW_CLS_MAX_LEAF 4096 /* entries in one leaf */
#define PFW_MAX_STATE_PAIRS 65536 /* (rule, target) pairs of a STATE_CHECK */
#define PFW_MAX_SWITCH 65536 /* (lo, target) pairs of a SWITCH */

/*
 * The cost budget (docs/bytecode.md section 6, "Cost").  The verifier
 * computes, for every hook entry, the worst-case cost of one run: the
 * costliest path through the instructions, where an instruction costs 1, a
 * CLASSIFY 1 plus the costliest root-to-leaf walk of each tree (a node costs
 * 1, a cut node 1 + ceil(log2 n) more, a leaf 1 per entry), an INSET 1 plus
 * its binary search (PFW_COST_LIVESET for a live set), a STATE_CHECK or
 * STATE_ADD PFW_COST_STATE plus its pairs.  A program over PFW_MAX_COST at any entry is refused.  The
 * interpreter counts the same units (never more than the verifier's bound)
 * and ends a run that spends more than its budget with PFW_V_ERROR.
 */
#define PFW_MAX_COST (1u << 20)
#define PFW_COST_STATE 16
/* A live set lookup: at most PFW_LSET_PLENS hash probes of 2 units. */
#define PFW_COST_LIVESET (2 * PFW_LSET_PLENS)

/* Netfilter hooks a program has an entry for. */
enum pfw_hook {
	PFW_HOOK_PREROUTING = 0,
	PFW_HOOK_INPUT = 1,
	PFW_HOOK_FORWARD = 2,
	PFW_HOOK_OUTPUT = 3,
	PFW_HOOK_POSTROUTING = 4,
	PFW_HOOK_MAX = 5,
};
#define PFW_NO_ENTRY 0xffffffffu

struct pfw_prog_hdr {
	__u32 magic;
	__u16 version;
	__u16 hdr_words; /* sizeof(struct pfw_prog_hdr) / 4 */
	__u32 n_insns;
	__u32 n_pool;
	__u32 n_rules;
	__u32 n_sets;
	__u32 n_cls;
	__u32 n_lims;
	__u32 n_strtab; /* bytes, a multiple of 4 */
	__u32 entry[PFW_HOOK_MAX]; /* insn index or PFW_NO_ENTRY */
	__u32 generation; /* the kernel's generation this was built against */
	__u32 flags; /* none defined: must be 0 */
};

/*
 * One instruction.  Tests fall through when they hold and jump forward by jf
 * instructions (counted from the next one) when they do not.  field bit 7
 * inverts a test.
 */
struct pfw_insn {
	__u8 op;
	__u8 field;
	__u16 jf;
	__u32 arg;
};
#define PFW_F_INV 0x80
#define PFW_F_MASK 0x7f

enum pfw_opcode {
#define PFW_INSN(name, val, cls, kind) PFW_OP_##name = val,
#include "insn.def"
#undef PFW_INSN
	PFW_OP_MAX = 0x40,
};

/*
 * Packet fields.  Scalars are 32-bit; address fields are 128-bit, stored as
 * four words, most significant first (IPv4 as ::ffff:a.b.c.d, MAC addresses
 * in the low 48 bits).  Interface names are 16-byte strings.
 */
enum pfw_field {
	/* scalars */
	PFW_FLD_FAMILY = 0, /* 4 or 6 */
	PFW_FLD_L4PROTO, /* after IPv6 extension headers */
	PFW_FLD_SPORT, /* PFW_NONE16 when the packet has no port */
	PFW_FLD_DPORT,
	PFW_FLD_ICMPTYPE, /* PFW_NONE16 when not ICMP/ICMPv6 */
	PFW_FLD_ICMPCODE,
	PFW_FLD_TCPFLAGS, /* low 8 bits: FIN SYN RST PSH ACK URG ECE CWR */
	PFW_FLD_FRAG, /* PFW_FRAG_* bits */
	PFW_FLD_IPLEN, /* IPv4 total length / IPv6 40 + payload length */
	PFW_FLD_TTL, /* TTL / hop limit */
	PFW_FLD_TOS, /* TOS / traffic class byte */
	PFW_FLD_DSCP, /* TOS >> 2 */
	PFW_FLD_IPID, /* IPv4 id, IPv6 fragment id */
	PFW_FLD_TCPSEQ,
	PFW_FLD_TCPACK,
	PFW_FLD_TCPWIN,
	PFW_FLD_TCPDATALEN,
	PFW_FLD_TCPMSS, /* 0 when the option is absent */
	PFW_FLD_IPOPTS, /* PFW_IPOPT_* bits */
	PFW_FLD_TCPOPTS, /* PFW_TCPOPT_* bits */
	PFW_FLD_EXTHDRS, /* PFW_EXT_* bits */
	PFW_FLD_ETHERTYPE,
	PFW_FLD_MARK,
	PFW_FLD_UID, /* PFW_NONE32 without a local socket */
	PFW_FLD_GID,
	PFW_FLD_CTSTATE, /* PFW_CT_* bits */
	PFW_FLD_HOOK, /* enum pfw_hook */
	PFW_FLD_DIR, /* 0 in (prerouting/input/forward), 1 out */
	PFW_FLD_TIME, /* seconds since the epoch */
	PFW_FLD_SADDRTYPE, /* PFW_ADDRTYPE_* bits */
	PFW_FLD_DADDRTYPE,
	PFW_FLD_TABLEARG, /* value of the last INSET that matched */
	PFW_FLD_L4OK, /* 1 when the L4 header was read whole */
	PFW_FLD_CTDIR, /* 0 original, 1 reply; PFW_NONE32 without conntrack */
	PFW_FLD_CTMARK, /* the connection's mark (SET_CTMARK), 0 without one */
	PFW_FLD_ODPORT, /* the original direction's destination port (before DNAT) */
	PFW_NSCALARS,
	/* 128-bit */
	PFW_FLD_SADDR = 0x40,
	PFW_FLD_DADDR,
	PFW_FLD_SMAC,
	PFW_FLD_DMAC,
	PFW_FLD_ODADDR, /* the original direction's destination (before DNAT) */
	PFW_FLD_ADDR_END,
	/* interface names */
	PFW_FLD_IIF = 0x50,
	PFW_FLD_OIF,
	PFW_FLD_PHYSIN,
	PFW_FLD_PHYSOUT,
	PFW_FLD_IFN_END,
};
#define PFW_NADDRS (PFW_FLD_ADDR_END - PFW_FLD_SADDR)
#define PFW_NIFNS (PFW_FLD_IFN_END - PFW_FLD_IIF)
#define PFW_NONE16 0x10000u
#define PFW_NONE32 0xffffffffu

#define PFW_FRAG_ANY 0x1 /* part of a fragmented datagram */
#define PFW_FRAG_LATER 0x2 /* not the first fragment */
#define PFW_FRAG_MORE 0x4 /* more fragments follow */

#define PFW_TCP_FIN 0x01
#define PFW_TCP_SYN 0x02
#define PFW_TCP_RST 0x04
#define PFW_TCP_PSH 0x08
#define PFW_TCP_ACK 0x10
#define PFW_TCP_URG 0x20
#define PFW_TCP_ECE 0x40
#define PFW_TCP_CWR 0x80

#define PFW_IPOPT_SSRR 0x1
#define PFW_IPOPT_LSRR 0x2
#define PFW_IPOPT_RR 0x4
#define PFW_IPOPT_TS 0x8
#define PFW_IPOPT_OTHER 0x10

#define PFW_TCPOPT_MSS 0x1
#define PFW_TCPOPT_WINDOW 0x2
#define PFW_TCPOPT_SACKOK 0x4
#define PFW_TCPOPT_SACK 0x8
#define PFW_TCPOPT_TS 0x10
#define PFW_TCPOPT_OTHER 0x20

#define PFW_EXT_HOPOPTS 0x01
#define PFW_EXT_ROUTING 0x02
#define PFW_EXT_FRAG 0x04
#define PFW_EXT_DSTOPTS 0x08
#define PFW_EXT_AH 0x10
#define PFW_EXT_ESP 0x20
#define PFW_EXT_TRUNC 0x80 /* the chain could not be walked to its end */

#define PFW_CT_NEW 0x01
#define PFW_CT_ESTABLISHED 0x02
#define PFW_CT_RELATED 0x04
#define PFW_CT_INVALID 0x08
#define PFW_CT_UNTRACKED 0x10

#define PFW_ADDRTYPE_UNSPEC 0x001
#define PFW_ADDRTYPE_UNICAST 0x002
#define PFW_ADDRTYPE_LOCAL 0x004
#define PFW_ADDRTYPE_BROADCAST 0x008
#define PFW_ADDRTYPE_ANYCAST 0x010
#define PFW_ADDRTYPE_MULTICAST 0x020
#define PFW_ADDRTYPE_BLACKHOLE 0x040
#define PFW_ADDRTYPE_UNREACHABLE 0x080
#define PFW_ADDRTYPE_PROHIBIT 0x100

/* RPF test modes (arg of PFW_OP_RPF). */
#define PFW_RPF_VERREVPATH 1
#define PFW_RPF_VERSRCREACH 2
#define PFW_RPF_ANTISPOOF 3

/* REJECT arg: kind << 8 | code. */
#define PFW_REJECT_ICMP 0 /* ICMP unreachable, code from arg */
#define PFW_REJECT_ICMP6 1 /* ICMPv6 unreachable, code from arg */
#define PFW_REJECT_TCP_RST 2
#define PFW_REJECT_AUTO 3 /* RST for TCP, else port unreachable */

/* QUEUE arg: queue number in bits 0-15, PFW_QUEUE_BYPASS. */
#define PFW_QUEUE_BYPASS 0x10000u

/* TAG arg: tag in bits 0-15, PFW_TAG_UNTAG removes it. */
#define PFW_TAG_UNTAG 0x10000u
#define PFW_MAX_TAGS 8

/*
 * IFNAME operand, 5 pool words: word 0 is the number of bytes compared
 * (16 for an exact name including its NUL, fewer for a "eth+" prefix),
 * words 1-4 the name, NUL-padded.
 */
#define PFW_IFN_WORDS 5
#define PFW_IFNAMSIZ 16

/*
 * LOG operand, 11 pool words: level (0-7), limiter index or PFW_NONE32,
 * flags (PFW_LOG_*), then a 32-byte NUL-terminated prefix.
 */
#define PFW_LOG_WORDS 11
#define PFW_LOG_PREFIX_LEN 32
#define PFW_LOG_NFLOG 0x1 /* nflog group in bits 16-31 of flags */

/*
 * NAT operand, 12 pool words: kind, flags, min address (4), max address (4),
 * min port, max port.
 */
#define PFW_NAT_WORDS 12
enum pfw_nat_kind {
	PFW_NAT_DNAT = 1,
	PFW_NAT_SNAT = 2,
	PFW_NAT_MASQUERADE = 3,
	PFW_NAT_REDIRECT = 4,
};
#define PFW_NAT_F_ADDR 0x1 /* an address range is given */
#define PFW_NAT_F_PORT 0x2 /* a port range is given */
#define PFW_NAT_F_RANDOM 0x4

/* STATE_ADD operand, 2 pool words: parent rule index, limit spec. */
#define PFW_STATE_LIM_SRCADDR 0x01000000u
#define PFW_STATE_LIM_SRCPORT 0x02000000u
#define PFW_STATE_LIM_DSTADDR 0x04000000u
#define PFW_STATE_LIM_DSTPORT 0x08000000u
#define PFW_STATE_LIM_COUNT 0x00ffffffu /* 0: no limit */
#define PFW_STATE_LIM_FIELDS 0x0f000000u /* given exactly when COUNT is */

/*
 * One entry per rule of the source.  loc is a byte offset into strtab of the
 * rule's location ("qvm:work:3", "rules:12"), id is the language's own rule
 * number (ipfw rule number, qvm rule index) and key identifies the rule
 * across reloads so its counters survive.
 */
struct pfw_rule_desc {
	__u32 id;
	__u32 loc;
	__u32 key;
	__u32 flags;
};
#define PFW_RULE_F_DEFAULT 0x1 /* a policy, not a written rule */
#define PFW_RULE_F_ALL PFW_RULE_F_DEFAULT

/*
 * A set: sorted, disjoint, inclusive intervals over a scalar (1 word a
 * bound) or an address (4 words a bound) field, optionally each with a
 * 32-bit value (longest-prefix tables compile to this form).
 *
 * A live set (PFW_SET_F_LIVE) has no elements in the program: it names a
 * set of the program's table, whose elements the kernel keeps and changes
 * through netlink without a reload (docs/bytecode.md, "Live sets").  Its
 * n_elems is 0 and pool_off is the strtab offset of its name (a valid table
 * name, NUL-terminated).  Width 1: number and port intervals, matched
 * against a scalar field; width 4: address prefixes and ranges, against an
 * address field, or with PFW_SET_F_IFNAME interface names (exact, or a
 * prefix for "eth+"), against an interface field.  A lookup returns the
 * longest matching prefix of the elements' prefix split
 * (pfw_lset_split()) and its value.
 */
struct pfw_set_desc {
	__u8 width; /* words per bound: 1 or 4 */
	__u8 has_value;
	__u16 flags; /* PFW_SET_F_* */
	__u32 n_elems;
	__u32 pool_off; /* elements: lo, hi[, value]; live: name in strtab */
};
#define PFW_SET_F_LIVE 0x1
#define PFW_SET_F_IFNAME 0x2 /* live, width 4: interface names */
#define PFW_SET_F_ALL (PFW_SET_F_LIVE | PFW_SET_F_IFNAME)
/* Prefix lengths a live set's keys can have: 0..128. */
#define PFW_LSET_PLENS 129
/* Bytes of a live set's name with its NUL (as a table's). */
#define PFW_LSET_NAMSIZ 32

/*
 * A classifier: decision trees over the dimensions below, whose leaves list
 * candidate entries in rule order; CLASSIFY returns the smallest result (at
 * or after the site's start) of an entry whose ranges all hold, over all
 * trees.  Entries that are wide in different dimensions go to different
 * trees so that no tree has to copy them into many leaves.  Everything lives
 * in the pool.
 */
enum pfw_cls_dim {
	PFW_DIM_FAMILY = 0,
	PFW_DIM_L4PROTO,
	PFW_DIM_SPORT,
	PFW_DIM_DPORT,
	PFW_DIM_ICMPTYPE,
	PFW_DIM_ICMPCODE,
	PFW_DIM_SADDR,
	PFW_DIM_DADDR,
	PFW_NDIMS,
};
#define PFW_DIM_NSCALAR 6
/* entry: result, 6 scalar lo/hi pairs, 2 address lo/hi pairs */
#define PFW_CLS_ENTRY_WORDS (1 + 2 * PFW_DIM_NSCALAR + 2 * 8)

struct pfw_cls_desc {
	__u32 n_results; /* results are 0..n_results-1 */
	__u32 jt_off; /* pool: n_results absolute jump targets */
	__u32 n_entries;
	__u32 entry_off; /* pool: n_entries * PFW_CLS_ENTRY_WORDS */
	__u32 node_off; /* pool: the trees' nodes */
	__u32 node_words;
	__u32 n_trees; /* 1..PFW_CLS_MAX_TREES */
	__u32 roots_off; /* pool: n_trees node offsets */
};
#define PFW_CLS_MAX_TREES 16
/*
 * Tree nodes, at word offsets relative to node_off:
 *   leaf:  PFW_CLS_LEAF, n, then n entry indices in increasing order
 *   cut:   PFW_CLS_CUT | dim << 8, n (>= 2), then n-1 ascending lower bounds
 *          of children 1..n-1 (1 or 4 words each), then n child offsets;
 *          a binary search picks the child
 *   slice: PFW_CLS_SLICE | dim << 8 | word << 16, n (>= 1), shift, lo, hi
 *          (1 or 4 words each), then n + 1 child offsets; a value in
 *          [lo, hi] goes to child min((v[word] - lo[word]) >> shift, n - 1),
 *          any other value to child n: one step, whatever the rule count
 * A child offset is always greater than its node's own offset.
 */
#define PFW_CLS_LEAF 1u
#define PFW_CLS_CUT 2u
#define PFW_CLS_SLICE 3u

/* CLASSIFY site, 2 pool words: classifier index, first result to consider. */

/*
 * SWITCH operand: n (1..PFW_MAX_SWITCH), then n pairs (lo, target), lo
 * strictly ascending, targets absolute later instructions.  The scalar
 * field's value v selects the last pair with lo <= v; a v below the first
 * lo falls through.  An indirect forward jump through a value (ipfw's
 * "skipto tablearg", "call tablearg") whose every target the verifier sees.
 */

/*
 * A token bucket: rate packets (or bytes) per period (PFW_LIM_PERIOD_*: a
 * second, minute, hour or day), burst.  burst times the period in seconds
 * is at most PFW_LIM_MAX_BURST_SECONDS (the kernel counts in nanoseconds).
 */
struct pfw_lim_desc {
	__u32 rate;
	__u32 burst;
	__u32 flags; /* PFW_LIM_* */
	__u32 key; /* identifies the limiter across reloads */
};
#define PFW_LIM_BYTES 0x1
#define PFW_LIM_PER_SRC 0x2 /* one bucket per source address */
#define PFW_LIM_PERIOD_SHIFT 8
#define PFW_LIM_PERIOD_MASK (3u << PFW_LIM_PERIOD_SHIFT)
#define PFW_LIM_PERIOD_SECOND (0u << PFW_LIM_PERIOD_SHIFT)
#define PFW_LIM_PERIOD_MINUTE (1u << PFW_LIM_PERIOD_SHIFT)
#define PFW_LIM_PERIOD_HOUR (2u << PFW_LIM_PERIOD_SHIFT)
#define PFW_LIM_PERIOD_DAY (3u << PFW_LIM_PERIOD_SHIFT)
#define PFW_LIM_FLAGS (PFW_LIM_BYTES | PFW_LIM_PER_SRC | PFW_LIM_PERIOD_MASK)
#define PFW_LIM_MAX_BURST_SECONDS 18446744073ull /* U64_MAX / 10^9 */

/* The period of a limiter's rate, in seconds. */
static inline __u32 pfw_lim_period(__u32 flags)
{
	static const __u32 secs[4] = { 1, 60, 3600, 86400 };

	return secs[(flags & PFW_LIM_PERIOD_MASK) >> PFW_LIM_PERIOD_SHIFT];
}

/* Verdicts the interpreter returns. */
enum pfw_verdict {
	PFW_V_ACCEPT = 0,
	PFW_V_DROP = 1,
	PFW_V_REJECT = 2,
	PFW_V_QUEUE = 3,
	PFW_V_NAT = 4,
	PFW_V_ERROR = 5, /* a run-time check failed: treated as drop */
};

/* Why a run ended with PFW_V_ERROR (struct pfw_run.error). */
enum pfw_run_error {
	PFW_ERR_NONE = 0,
	PFW_ERR_BUDGET = 1, /* it spent more than its cost budget */
	PFW_ERR_INSN = 2, /* an opcode the interpreter does not know */
};

#endif /* _POLYFW_BYTECODE_H */

/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * polyfw generic netlink interface: the contract between polyfw.ko and
 * userspace (userspace/netlink/, "polyfw load/show/counters/flush").
 *
 * The family is POLYFW_GENL_NAME, version POLYFW_GENL_VERSION.  Everything it
 * does is per network namespace: the namespace of the netlink socket that
 * sends the command has its own tables.
 *
 * Tables.  A namespace holds up to POLYFW_MAX_TABLES named tables, as
 * nftables does.  Each is one program with its own generation, counters,
 * dynamic states and drop counters, loaded, replaced and flushed atomically
 * on its own, and hooked into netfilter at the priority it was created with
 * (POLYFW_A_PRIORITY, POLYFW_PRIO_MIN..POLYFW_PRIO_MAX, default
 * POLYFW_PRIO_DEFAULT), so that netfilter orders the tables among
 * themselves and among iptables' and nftables' chains (equal priorities run
 * in the order they were registered).  A packet passes a hook only if every
 * table with an entry at that hook lets it through: the first table that
 * drops or rejects it ends its way; a table that accepts it hands it to the
 * next; a packet a table queues to userspace and that comes back accepted
 * goes on with the next table.  Marks and DSCP a table sets are seen by the
 * tables after it.  Every command that concerns one table names it with
 * POLYFW_A_TABLE (1..POLYFW_TABLE_NAMSIZ-1 characters of [A-Za-z0-9_.-],
 * starting with a letter or digit); without it, the command concerns the
 * table POLYFW_TABLE_DEFAULT.  A table is created by its first load and
 * removed by DELETE_TABLE; FLUSH empties it.  Reads (GET_INFO, GET_PROGRAM, GET_COUNTERS) need
 * CAP_NET_ADMIN in the user namespace that owns that network namespace
 * (GENL_UNS_ADMIN_PERM), as listing iptables or nftables rules does.  Writes
 * (LOAD_*, FLUSH, ZERO_COUNTERS) need CAP_NET_ADMIN in the initial user
 * namespace unless the module parameter userns_write is set (-EPERM
 * otherwise); polyfw-netlink(7) lists the memory caps every namespace is
 * held to, whoever writes.  Attributes are validated
 * strictly: an unknown attribute, a wrong length or an attribute that is only
 * ever sent by the kernel (POLYFW_A_ERROR, POLYFW_A_RULE) fails the command
 * with -EINVAL and an extended-ack message.
 *
 * The generation is a 32-bit number per table, moved by every change of the
 * table's program (a committed load, a flush).  The numbers come from one
 * counter per namespace, so they only grow and a table that is deleted and
 * made again does not reuse one; a table that does not exist has generation
 * 0.  A writer that read the table at generation G sends G as
 * POLYFW_A_GENERATION; if another writer changed the table in between, the
 * command fails with -ESTALE and the message "program changed since
 * generation G (now H)".
 *
 * Error text: the kernel sets a fixed extended-ack message (NLMSGERR_ATTR_MSG)
 * for every failure it can name.  When the text is dynamic (the verifier's
 * one-line log, a generation conflict), the kernel additionally sends, just
 * before the error ack, one message of the same command carrying
 * POLYFW_A_ERROR with the full text, because Linux 6.1's extended ack only
 * carries static strings.  Clients print POLYFW_A_ERROR when they got one,
 * otherwise the extack message, otherwise strerror().
 *
 * POLYFW_CMD_GET_INFO: doit.  One table, existing or not.
 *   Request:
 *     POLYFW_A_TABLE: NLA_NUL_STRING, optional
 *   Reply:
 *     POLYFW_A_TABLE: NLA_NUL_STRING, the table's name
 *     POLYFW_A_PRIORITY: NLA_S32, its priority (only when it exists)
 *     POLYFW_A_GENERATION: NLA_U32, current generation
 *     POLYFW_A_SIZE: NLA_U32, size in bytes of the active program, 0 when none
 *     POLYFW_A_N_RULES: NLA_U32, rules in the active program
 *     POLYFW_A_N_STATES: NLA_U32, dynamic (keep-state) entries alive
 *     POLYFW_A_FLAGS: NLA_U32, POLYFW_INFO_F_* bits
 *     POLYFW_A_COST: NLA_U32, the active program's worst-case cost per
 *                    packet (bytecode.h PFW_MAX_COST), 0 when none
 *     POLYFW_A_DROPS_MALFORMED: NLA_U64, packets this table dropped because
 *                    their headers could not be walked to the L4 header
 *                    (module parameter accept_malformed)
 *     POLYFW_A_DROPS_BUDGET: NLA_U64, packets dropped because a run spent
 *                    its whole cost budget (module parameter max_steps)
 *     POLYFW_A_HOOKS: NLA_U32, the netfilter hooks the table is registered
 *                    at (bit 1 << enum pfw_hook, for IPv4 and IPv6 alike):
 *                    exactly those its program has an entry for
 *     POLYFW_A_STATES_REFUSED: NLA_U64, new flows the dynamic state table
 *                    refused because it was full (max_states,
 *                    max_states_total) or out of memory
 *     POLYFW_A_STATE_TIMEOUTS: NLA_BINARY, struct polyfw_state_timeouts,
 *                    the table's state lifetimes (only when it exists)
 *
 * POLYFW_CMD_LOAD_BEGIN: doit.  Starts a load transaction for the sending
 * socket (its netlink port id).  A socket has at most one transaction: a new
 * BEGIN aborts the previous one, even when the new one is refused.  A
 * transaction is aborted when its socket is closed, and
 * POLYFW_TXN_TIMEOUT_SEC seconds after its BEGIN if it is not committed by
 * then (chunks do not extend it).  A namespace has at most POLYFW_MAX_TXNS
 * transactions at once (-EBUSY) and its caps on program and in-flight bytes
 * (-EFBIG, -ENOSPC, with a POLYFW_A_ERROR text naming the module parameter).
 *   Request:
 *     POLYFW_A_SIZE: NLA_U32, required, total program size in bytes,
 *                    1..PFW_MAX_PROG_BYTES (bytecode.h), a multiple of 4
 *     POLYFW_A_TABLE: NLA_NUL_STRING, optional, the table to load into
 *     POLYFW_A_PRIORITY: NLA_S32, optional, the priority of the table if
 *                    the load creates it; for an existing table it must be
 *                    the table's own (-EEXIST otherwise: delete the table
 *                    to change it)
 *     POLYFW_A_GENERATION: NLA_U32, optional, the generation the writer
 *                          expects; checked now and again at COMMIT
 *     POLYFW_A_STATE_TIMEOUTS: NLA_BINARY, optional, a struct
 *                    polyfw_state_timeouts: the lifetimes of the table's
 *                    dynamic states from this load on (each 1..604800
 *                    seconds); without it the table keeps its own (a new
 *                    table starts with POLYFW_STATE_TIMEOUTS_DEFAULT)
 *
 * POLYFW_CMD_LOAD_CHUNK: doit.  Appends bytes to the sender's transaction.
 *   Request:
 *     POLYFW_A_OFFSET: NLA_U32, required, must equal the number of bytes
 *                      received so far (chunks come in order)
 *     POLYFW_A_DATA: NLA_BINARY, required, 1..POLYFW_CHUNK_MAX bytes, not
 *                    past POLYFW_A_SIZE
 *
 * POLYFW_CMD_LOAD_COMMIT: doit.  Ends the sender's transaction: all bytes
 * must have arrived; the kernel verifies the program (pfw_verify(), the same
 * code the compiler runs), checks the expected generation, and makes it the
 * program of the table BEGIN named in one step, creating the table if need
 * be.  Rule counters whose pfw_rule_desc.key exists in the table's old
 * program keep their values; so do limiters with the same key and
 * parameters.  The caps on program, counter and limiter bytes hold for all
 * tables of the namespace together.  Whatever happens, the transaction is
 * over.
 *   Request: no attributes.
 *   Reply:
 *     POLYFW_A_GENERATION: NLA_U32, the new generation
 *   On failure: -EINVAL (verifier; POLYFW_A_ERROR holds its log line; -E2BIG
 *   for a program over the cost budget, -EFBIG over a counter or limiter
 *   cap, -EOPNOTSUPP for NAT verdicts),
 *   -ESTALE (generation), -ENOENT (no transaction), -EMSGSIZE (bytes missing),
 *   -EEXIST (another priority), -ENOSPC (POLYFW_MAX_TABLES tables).
 *
 * POLYFW_CMD_LOAD_ABORT: doit.  Drops the sender's transaction, if any.
 *   Request: no attributes.
 *
 * POLYFW_CMD_GET_PROGRAM, GET_COUNTERS, ZERO_COUNTERS, GET_STATES and FLUSH
 * take POLYFW_A_TABLE (optional) as GET_INFO does.
 *
 * POLYFW_CMD_GET_PROGRAM: dump.  The table's program's blob, in order, one
 * piece per message; no message at all when there is no program.  The rule
 * table (struct pfw_rule_desc) and the rule locations (strtab) are in it.
 *   Each message:
 *     POLYFW_A_GENERATION: NLA_U32
 *     POLYFW_A_SIZE: NLA_U32, the whole program's size
 *     POLYFW_A_OFFSET: NLA_U32, where POLYFW_A_DATA starts
 *     POLYFW_A_DATA: NLA_BINARY, up to POLYFW_CHUNK_MAX bytes
 *   If the program changes during the dump, the dump is marked interrupted
 *   (NLM_F_DUMP_INTR): start again.
 *
 * POLYFW_CMD_GET_COUNTERS: dump.  One POLYFW_A_RULE per rule of the active
 * program, in rule order, many per message.
 *   Each message:
 *     POLYFW_A_GENERATION: NLA_U32
 *     POLYFW_A_RULE: NLA_NESTED, repeated
 *       POLYFW_RULE_A_INDEX: NLA_U32, index in the rule table
 *       POLYFW_RULE_A_ID: NLA_U32, pfw_rule_desc.id
 *       POLYFW_RULE_A_KEY: NLA_U32, pfw_rule_desc.key
 *       POLYFW_RULE_A_PACKETS: NLA_U64
 *       POLYFW_RULE_A_BYTES: NLA_U64, layer-3 bytes
 *       POLYFW_RULE_A_LAST_SEEN: NLA_U64, seconds since the epoch of the
 *                                last match, 0 for never
 *   Interrupted dumps are flagged as for GET_PROGRAM.
 *
 * POLYFW_CMD_ZERO_COUNTERS: doit.  Sets every rule counter of the active
 * program to zero (packets, bytes and last-seen).
 *   Request: no attributes.
 *
 * POLYFW_CMD_GET_STATES: dump.  The table's dynamic (keep-state) entries,
 * many POLYFW_A_STATE per message, read under RCU while packets go on: an
 * entry added or removed during the dump may be missed or seen.
 *   Each POLYFW_A_STATE: NLA_NESTED
 *     POLYFW_STATE_A_FLOW: NLA_BINARY, 12 host-order u32: family, protocol,
 *         then the flow's two ends, the smaller first: address (4 words,
 *         IPv4 as ::ffff:a.b.c.d) and port (PFW_NONE16 without ports) each
 *     POLYFW_STATE_A_PARENT_KEY: NLA_U32
 *     POLYFW_STATE_A_RULE: NLA_U32, only when the active program has the rule
 *     POLYFW_STATE_A_EXPIRES: NLA_U32, seconds until the entry expires
 *
 * POLYFW_CMD_FLUSH: doit.  Removes the table's program (the table lets
 * every packet through afterwards: its hooks are unregistered) and its
 * dynamic states; the table stays, with its priority.  Moves the generation
 * even when there was no program.  For a table that does not exist it does
 * nothing and replies generation 0.
 *   Request:
 *     POLYFW_A_TABLE: NLA_NUL_STRING, optional
 *     POLYFW_A_GENERATION: NLA_U32, optional, as for LOAD_BEGIN
 *   Reply:
 *     POLYFW_A_GENERATION: NLA_U32, the new generation
 *
 * POLYFW_CMD_DELETE_TABLE: doit.  Flushes the table and removes it.
 *   Request:
 *     POLYFW_A_TABLE: NLA_NUL_STRING, required
 *     POLYFW_A_GENERATION: NLA_U32, optional, as for LOAD_BEGIN
 *   On failure: -ENOENT (no such table), -ESTALE.
 *
 * POLYFW_CMD_GET_TABLES: dump.  One message per table, in name order:
 *     POLYFW_A_TABLE, POLYFW_A_PRIORITY, POLYFW_A_GENERATION, POLYFW_A_SIZE,
 *     POLYFW_A_N_RULES, POLYFW_A_N_STATES, POLYFW_A_COST, POLYFW_A_HOOKS,
 *     POLYFW_A_FLAGS (POLYFW_INFO_F_LOADED), POLYFW_A_DROPS_MALFORMED,
 *     POLYFW_A_DROPS_BUDGET, as GET_INFO has them.  If a table is added or
 *     removed during the dump, the dump is marked interrupted.
 *
 * Live sets.  A table's program declares its live sets (bytecode.h, struct
 * pfw_set_desc with PFW_SET_F_LIVE): a name and a type.  The kernel keeps
 * their elements beside the program; a set that keeps its name and type
 * across a reload of its table keeps its elements, one whose type changes
 * starts empty, and one the new program does not declare goes away with the
 * old program.  Elements change without a reload:
 *
 * POLYFW_CMD_SET_ELEMS: doit.
 *   Request:
 *     POLYFW_A_TABLE: NLA_NUL_STRING, optional
 *     POLYFW_A_SET: NLA_NUL_STRING, required, the set's name
 *     POLYFW_A_SET_OP: NLA_U32, required, enum polyfw_set_op
 *     POLYFW_A_SET_FLAGS: NLA_U32, optional, POLYFW_SET_F_* (REPLACE only)
 *     POLYFW_A_SET_ELEM: NLA_NESTED, repeated (ADD, DEL, REPLACE):
 *       POLYFW_SETEL_A_LO: NLA_BINARY, the interval's low end: 4 bytes (a
 *           host-order u32) for a set of width 1, 16 (4 such words, most
 *           significant first) for width 4
 *       POLYFW_SETEL_A_HI: NLA_BINARY, optional, the high end (lo when
 *           absent), lo <= hi
 *       POLYFW_SETEL_A_VALUE: NLA_U32, optional, 0 when absent
 *   ADD adds each element in order (an element that is already there, with
 *   the same interval, gets the new value); DEL removes each; both stop at
 *   the first element that fails (-EEXIST: its split shares a prefix with
 *   another element; -ENOENT: not in the set; -ENOSPC: over max_set_elems),
 *   with the elements before it done.  Each element is added or removed in
 *   one step for packets.  FLUSH empties the set in one step.  REPLACE
 *   builds new contents across messages (POLYFW_SET_F_FIRST starts them,
 *   dropping contents being built; POLYFW_SET_F_LAST puts them in force in
 *   one step; a one-message replace has both).  Every change moves the
 *   set's generation.
 *   Reply: POLYFW_A_SET_GENERATION: NLA_U32
 *
 * POLYFW_CMD_GET_SETS: dump.  The table's live sets (POLYFW_A_TABLE), one
 * message each: POLYFW_A_TABLE, POLYFW_A_SET, POLYFW_A_SET_TYPE (NLA_U32:
 * width | has_value << 8 | pfw_set_desc flags << 16),
 * POLYFW_A_SET_GENERATION, POLYFW_A_SET_N_ELEMS (NLA_U32: elements),
 * POLYFW_A_SET_N_PREFIXES (NLA_U32: prefixes of their split),
 * POLYFW_A_SET_BYTES (NLA_U64: memory of the elements).
 *
 * POLYFW_CMD_GET_SET_ELEMS: dump.  One set's elements (POLYFW_A_TABLE,
 * POLYFW_A_SET), many POLYFW_A_SET_ELEM per message, in no particular
 * order; each message carries POLYFW_A_SET_GENERATION, and a dump during
 * which the set changed is marked interrupted.
 */
#ifndef _POLYFW_GENL_H
#define _POLYFW_GENL_H

#include <linux/types.h>

#define POLYFW_GENL_NAME "polyfw"
#define POLYFW_GENL_VERSION 1

/* Largest POLYFW_A_DATA (netlink attribute lengths are 16-bit). */
#define POLYFW_CHUNK_MAX 32768
/* Concurrent load transactions per network namespace. */
#define POLYFW_MAX_TXNS 4
/* A load transaction is aborted this many seconds after its BEGIN. */
#define POLYFW_TXN_TIMEOUT_SEC 30
/* Tables per network namespace, and the size of a name with its NUL. */
#define POLYFW_MAX_TABLES 32
#define POLYFW_TABLE_NAMSIZ 32
/* The table of commands that name none. */
#define POLYFW_TABLE_DEFAULT "default"
/*
 * Table priorities: after conntrack (NF_IP_PRI_CONNTRACK, -200) so that
 * conntrack state is known, well before conntrack confirmation.  0 is
 * NF_IP_PRI_FILTER, where iptables' filter table sits.
 */
#define POLYFW_PRIO_MIN (-199)
#define POLYFW_PRIO_MAX 199
#define POLYFW_PRIO_DEFAULT 0

enum polyfw_cmd {
	POLYFW_CMD_UNSPEC,
	POLYFW_CMD_GET_INFO,
	POLYFW_CMD_LOAD_BEGIN,
	POLYFW_CMD_LOAD_CHUNK,
	POLYFW_CMD_LOAD_COMMIT,
	POLYFW_CMD_LOAD_ABORT,
	POLYFW_CMD_GET_PROGRAM,
	POLYFW_CMD_GET_COUNTERS,
	POLYFW_CMD_ZERO_COUNTERS,
	POLYFW_CMD_FLUSH,
	POLYFW_CMD_GET_STATES,
	POLYFW_CMD_GET_TABLES,
	POLYFW_CMD_DELETE_TABLE,
	POLYFW_CMD_SET_ELEMS,
	POLYFW_CMD_GET_SETS,
	POLYFW_CMD_GET_SET_ELEMS,
	__POLYFW_CMD_MAX
};

#define POLYFW_CMD_MAX (__POLYFW_CMD_MAX - 1)

enum polyfw_attr {
	POLYFW_A_UNSPEC,
	POLYFW_A_GENERATION,
	POLYFW_A_SIZE,
	POLYFW_A_OFFSET,
	POLYFW_A_DATA,
	POLYFW_A_ERROR,
	POLYFW_A_N_RULES,
	POLYFW_A_N_STATES,
	POLYFW_A_FLAGS,
	POLYFW_A_RULE,
	POLYFW_A_COST,
	POLYFW_A_DROPS_MALFORMED,
	POLYFW_A_DROPS_BUDGET,
	POLYFW_A_PAD,
	POLYFW_A_HOOKS,
	POLYFW_A_STATES_REFUSED,
	POLYFW_A_STATE,
	POLYFW_A_TABLE,
	POLYFW_A_PRIORITY,
	POLYFW_A_SET,
	POLYFW_A_SET_OP,
	POLYFW_A_SET_FLAGS,
	POLYFW_A_SET_ELEM,
	POLYFW_A_SET_GENERATION,
	POLYFW_A_SET_TYPE,
	POLYFW_A_SET_N_ELEMS,
	POLYFW_A_SET_N_PREFIXES,
	POLYFW_A_SET_BYTES,
	POLYFW_A_STATE_TIMEOUTS,
	__POLYFW_A_LAST
};

#define POLYFW_A_MAX (__POLYFW_A_LAST - 1)

enum polyfw_rule_attr {
	POLYFW_RULE_A_UNSPEC,
	POLYFW_RULE_A_INDEX,
	POLYFW_RULE_A_ID,
	POLYFW_RULE_A_KEY,
	POLYFW_RULE_A_PACKETS,
	POLYFW_RULE_A_BYTES,
	POLYFW_RULE_A_LAST_SEEN,
	POLYFW_RULE_A_PAD,
	__POLYFW_RULE_A_LAST
};

#define POLYFW_RULE_A_MAX (__POLYFW_RULE_A_LAST - 1)

/* Nested in POLYFW_A_STATE (GET_STATES). */
enum polyfw_state_attr {
	POLYFW_STATE_A_UNSPEC,
	POLYFW_STATE_A_FLOW, /* binary: 12 u32, see GET_STATES */
	POLYFW_STATE_A_PARENT_KEY, /* u32: the parent rule's pfw_rule_desc.key */
	POLYFW_STATE_A_RULE, /* u32: its index in the active program, if any */
	POLYFW_STATE_A_EXPIRES, /* u32: seconds left */
	__POLYFW_STATE_A_LAST
};

#define POLYFW_STATE_A_MAX (__POLYFW_STATE_A_LAST - 1)

/*
 * POLYFW_A_STATE_TIMEOUTS: how long a dynamic state lives after the last
 * packet of its flow, in seconds, as ipfw's dyn_*_lifetime sysctls: a TCP
 * flow after a lone SYN, once established, after a FIN, after an RST; a UDP
 * flow; any other.
 */
struct polyfw_state_timeouts {
	__u32 syn;
	__u32 established;
	__u32 fin;
	__u32 rst;
	__u32 udp;
	__u32 other;
};

#define POLYFW_STATE_TIMEOUT_MAX 604800
/* polyfw's defaults; ipfw's own are 20, 300, 1, 1, 10, 5. */
#define POLYFW_STATE_TIMEOUTS_DEFAULT { 20, 300, 5, 5, 60, 30 }

/* Nested in POLYFW_A_SET_ELEM. */
enum polyfw_setel_attr {
	POLYFW_SETEL_A_UNSPEC,
	POLYFW_SETEL_A_LO,
	POLYFW_SETEL_A_HI,
	POLYFW_SETEL_A_VALUE,
	__POLYFW_SETEL_A_LAST
};

#define POLYFW_SETEL_A_MAX (__POLYFW_SETEL_A_LAST - 1)

/* POLYFW_A_SET_OP of SET_ELEMS. */
enum polyfw_set_op {
	POLYFW_SET_OP_ADD = 1,
	POLYFW_SET_OP_DEL,
	POLYFW_SET_OP_FLUSH,
	POLYFW_SET_OP_REPLACE,
	__POLYFW_SET_OP_MAX
};

/* POLYFW_A_SET_FLAGS of a REPLACE. */
enum polyfw_set_flag {
	POLYFW_SET_F_FIRST = 1U << 0,
	POLYFW_SET_F_LAST = 1U << 1,
	__POLYFW_SET_F_ALL = POLYFW_SET_F_FIRST | POLYFW_SET_F_LAST
};

/* POLYFW_A_FLAGS of GET_INFO. */
enum polyfw_info_flag {
	POLYFW_INFO_F_LOADED = 1U << 0, /* a program is active */
	POLYFW_INFO_F_TXN = 1U << 1, /* the asking socket has a transaction */
	__POLYFW_INFO_F_ALL = POLYFW_INFO_F_LOADED | POLYFW_INFO_F_TXN
};

#endif /* _POLYFW_GENL_H */

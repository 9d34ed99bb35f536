/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A verified program seen through typed pointers into its blob.  Only
 * pfw_verify() fills one in, so holding a struct pfw_prog means the blob
 * passed every check in docs/bytecode.md.
 */
#ifndef _POLYFW_PROG_H
#define _POLYFW_PROG_H

#include "bytecode.h"
#ifndef __KERNEL__
#include <stddef.h>
#endif

struct pfw_prog {
	const struct pfw_prog_hdr *hdr;
	const struct pfw_insn *insns;
	const __u32 *pool;
	const struct pfw_rule_desc *rules;
	const struct pfw_set_desc *sets;
	const struct pfw_cls_desc *cls;
	const struct pfw_lim_desc *lims;
	const char *strtab;
	__u32 n_insns, n_pool, n_rules, n_sets, n_cls, n_lims, n_strtab;
	/* The worst-case cost of a run over all hook entries (<= PFW_MAX_COST). */
	__u32 cost;
	/* The worst-case cost from each hook's entry, 0 for none. */
	__u32 hook_cost[PFW_HOOK_MAX];
};

#define PFW_VERIFY_LOG_LEN 256

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Checks blob (len bytes, 4-byte aligned) and, when it is a valid program,
 * fills *prog and returns 0.  Otherwise returns -EINVAL (-E2BIG for a
 * program over the cost budget, -ENOMEM) and writes one line saying why,
 * with the instruction index where there is one, into log.
 */
int pfw_verify(const void *blob, size_t len, struct pfw_prog *prog, char *log,
	       size_t log_len);

/* An opcode's class in insn.def, or 0 for one that does not exist. */
enum pfw_op_class {
	PFW_OPC_TEST = 1, /* T: falls through when true, jumps by jf */
	PFW_OPC_ACTION, /* A: an effect, then the next instruction */
	PFW_OPC_TERMINAL, /* X: ends the run */
	PFW_OPC_CONTROL, /* C: jumps */
};
unsigned int pfw_op_class(unsigned int op);

/* The name of an opcode, or NULL for one that does not exist. */
const char *pfw_op_name(unsigned int op);
/* The name of a field ("dport", "saddr", "iif"), or NULL. */
const char *pfw_field_name(unsigned int field);

#ifdef __cplusplus
}
#endif

#endif /* _POLYFW_PROG_H */

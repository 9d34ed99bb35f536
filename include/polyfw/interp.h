/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The interpreter: runs a verified program on a parsed packet.
 */
#ifndef _POLYFW_INTERP_H
#define _POLYFW_INTERP_H

#include "prog.h"
#include "pkt.h"

struct pfw_run {
	const struct pfw_prog *prog;
	struct pfw_pkt *pkt;
	void *host; /* the host's own state for the pfw_host_* hooks */
	/*
	 * Cost units the run may spend (bytecode.h, PFW_MAX_COST); 0 means
	 * PFW_MAX_COST.  A verified program never needs more than its verified
	 * cost: the budget is a second line of defence.
	 */
	__u32 budget;
	/* results */
	__u32 verdict; /* enum pfw_verdict */
	__u32 rule; /* rule that decided, PFW_NONE32 when none did */
	__u32 param; /* REJECT/QUEUE arg, NAT operand pool index */
	__u32 dscp; /* DSCP to set, PFW_NONE32 to leave it */
	__u32 mark_set; /* 1 when SET_MARK changed pkt->f[PFW_FLD_MARK] */
	__u32 ctmark_set; /* 1 when SET_CTMARK changed pkt->f[PFW_FLD_CTMARK] */
	__u32 steps; /* cost units spent: instructions, tree nodes, entries */
	__u32 error; /* enum pfw_run_error, with PFW_V_ERROR */
};

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Runs the chain of hook on run->pkt.  Fills the results of *run and returns
 * run->verdict.  A hook without an entry accepts.  A run that would spend
 * more than run->budget ends with PFW_V_ERROR and PFW_ERR_BUDGET: hosts
 * treat it as a drop.
 */
unsigned int pfw_interp_run(struct pfw_run *run, unsigned int hook);

/* Looks up a value in a set; returns 1 and *value when found. */
int pfw_set_lookup(const struct pfw_prog *prog, __u32 set, const __u32 *key,
		   __u32 *value);

/*
 * Hooks the host provides (kernel: kmod/host.c; userspace: the simulator).
 * They are called only from pfw_interp_run().
 */
__u32 pfw_host_random(struct pfw_run *run);
/* 1 when limiter lim has a token for this packet (and takes it). */
int pfw_host_limit(struct pfw_run *run, __u32 lim);
/* 1 when the packet passes reverse-path check mode (PFW_RPF_*). */
int pfw_host_rpf(struct pfw_run *run, __u32 mode);
/* The packet is counted against rule. */
void pfw_host_count(struct pfw_run *run, __u32 rule);
/* Log the packet for rule with the LOG operand at op. */
void pfw_host_log(struct pfw_run *run, __u32 rule, const __u32 *op);
/* 1 and *parent when the packet's flow has a dynamic state entry. */
int pfw_host_state_lookup(struct pfw_run *run, __u32 *parent);
/* Create a state entry for the flow; 0 when its limit is exceeded. */
int pfw_host_state_add(struct pfw_run *run, __u32 parent, __u32 limit);
/*
 * Live set set (an index into the program's sets, PFW_SET_F_LIVE): 1 and
 * *value when key (4 words, lib/lset.h) is in it.
 */
int pfw_host_set_lookup(struct pfw_run *run, __u32 set, const __u32 *key,
			__u32 *value);

#ifdef __cplusplus
}
#endif

#endif /* _POLYFW_INTERP_H */

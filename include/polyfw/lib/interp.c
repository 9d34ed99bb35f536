// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The interpreter, compiled unchanged into the kernel module and userspace.
 *
 * It trusts everything the verifier checked (operands in range, forward
 * jumps, terminal last instruction) and nothing else.  Since every jump goes
 * forward, a run executes at most n_insns instructions; a classifier walk
 * moves strictly forward through its node area, so it is bounded too.  The
 * verifier also bounds the cost of the costliest run; the interpreter counts
 * the same units (an instruction, a tree node, a leaf entry, a state pair)
 * in run->steps and stops, failing closed, when they pass run->budget.  For
 * a verified program that never happens.
 */
#include "../compat.h"
#include "bounds.h"
#include "../interp.h"

/*
 * Finds the element of a sorted, disjoint interval list containing key.
 * Returns its index or -1.
 */
static long interval_search(const __u32 *el, __u32 n, unsigned int width,
			    unsigned int stride, const __u32 *key)
{
	__u32 lo = 0, hi = n;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;
		const __u32 *e = el + (unsigned long)mid * stride;

		if (pfw_bound_cmp(key, e, width) < 0)
			hi = mid;
		else if (pfw_bound_cmp(key, e + width, width) > 0)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

int pfw_set_lookup(const struct pfw_prog *prog, __u32 set, const __u32 *key,
		   __u32 *value)
{
	const struct pfw_set_desc *s = &prog->sets[set];
	unsigned int stride = 2 * s->width + s->has_value;
	const __u32 *el = prog->pool + s->pool_off;
	long i = interval_search(el, s->n_elems, s->width, stride, key);

	if (i < 0)
		return 0;
	if (s->has_value && value)
		*value = el[(unsigned long)i * stride + 2 * s->width];
	return 1;
}

static const __u32 *field_words(const struct pfw_pkt *pkt, unsigned int f)
{
	if (f < PFW_NSCALARS)
		return &pkt->f[f];
	return pkt->addr[f - PFW_FLD_SADDR];
}

/*
 * A live set's key for field f (lib/lset.h): a scalar as {0, 0, 0, v}, an
 * address as it is, an interface name as big-endian words of its bytes.
 */
static int live_lookup(struct pfw_run *run, __u32 set, unsigned int f,
		       __u32 *val)
{
	const struct pfw_pkt *pkt = run->pkt;
	__u32 key[4] = { 0, 0, 0, 0 };
	unsigned int i;

	if (f < PFW_NSCALARS) {
		key[3] = pkt->f[f];
	} else if (f >= PFW_FLD_IIF) {
		const unsigned char *n =
			(const unsigned char *)pkt->ifn[f - PFW_FLD_IIF];

		/* up to the NUL: the host may leave bytes after it */
		for (i = 0; i < PFW_IFNAMSIZ && n[i]; i++)
			key[i / 4] |= (__u32)n[i] << (24 - 8 * (i % 4));
	} else {
		for (i = 0; i < 4; i++)
			key[i] = pkt->addr[f - PFW_FLD_SADDR][i];
	}
	return pfw_host_set_lookup(run, set, key, val);
}

/* The packet's value in classifier dimension dim (1 or 4 words). */
static const __u32 *dim_value(const struct pfw_pkt *pkt, unsigned int dim)
{
	static const unsigned char dim_field[PFW_DIM_NSCALAR] = {
		PFW_FLD_FAMILY, PFW_FLD_L4PROTO, PFW_FLD_SPORT,
		PFW_FLD_DPORT, PFW_FLD_ICMPTYPE, PFW_FLD_ICMPCODE,
	};

	if (dim < PFW_DIM_NSCALAR)
		return &pkt->f[dim_field[dim]];
	return pkt->addr[dim - PFW_DIM_SADDR];
}

static int entry_matches(const struct pfw_pkt *pkt, const __u32 *e)
{
	const __u32 *r = e + 1;
	unsigned int d;

	for (d = 0; d < PFW_DIM_NSCALAR; d++, r += 2) {
		__u32 v = *dim_value(pkt, d);

		if (v < r[0] || v > r[1])
			return 0;
	}
	for (d = PFW_DIM_SADDR; d < PFW_NDIMS; d++, r += 8) {
		const __u32 *v = dim_value(pkt, d);

		if (pfw_bound_cmp(v, r, 4) < 0 || pfw_bound_cmp(v, r + 4, 4) > 0)
			return 0;
	}
	return 1;
}

/* Spends n cost units; 0 when the budget is exhausted. */
static int spend(struct pfw_run *run, __u32 n)
{
	run->steps += n;
	return pfw_likely(run->steps <= run->budget);
}

/*
 * Walks one tree from the node at off to a leaf and returns the first result
 * in [start, best) whose entry holds, or best.  Returns -1 when the walk ran
 * out of budget.
 */
static long walk_tree(struct pfw_run *run, const struct pfw_cls_desc *c,
		      __u32 off, __u32 start, __u32 best)
{
	const struct pfw_prog *prog = run->prog;
	const struct pfw_pkt *pkt = run->pkt;
	const __u32 *nodes = prog->pool + c->node_off;
	const __u32 *entries = prog->pool + c->entry_off;
	__u32 i;

	for (;;) {
		const __u32 *node = nodes + off;
		__u32 n = node[1];
		unsigned int dim, width;
		const __u32 *v, *b;
		__u32 lo, hi;

		if (!spend(run, 1))
			return -1;
		if ((node[0] & 0xff) == PFW_CLS_LEAF) {
			for (i = 0; i < n; i++) {
				const __u32 *e = entries +
					(unsigned long)node[2 + i] *
					PFW_CLS_ENTRY_WORDS;

				/* entries ascend by result: stop at best */
				if (e[0] >= best)
					break;
				if (e[0] >= start && entry_matches(pkt, e))
					return spend(run, i + 1) ? (long)e[0] : -1;
			}
			return spend(run, i) ? (long)best : -1;
		}
		dim = (node[0] >> 8) & 0xff;
		width = dim >= PFW_DIM_SADDR ? 4 : 1;
		v = dim_value(pkt, dim);
		if ((node[0] & 0xff) == PFW_CLS_SLICE) {
			const __u32 *slo = node + 3, *shi = node + 3 + width;
			__u32 word = node[0] >> 16, idx;

			if (pfw_bound_cmp(v, slo, width) < 0 ||
			    pfw_bound_cmp(v, shi, width) > 0) {
				idx = n;
			} else {
				idx = (v[word] - slo[word]) >> node[2];
				if (idx >= n)
					idx = n - 1;
			}
			off = node[3 + 2 * width + idx];
			continue;
		}
		b = node + 2;
		lo = 0;
		hi = n - 1;
		/* child = number of lower bounds <= v */
		while (lo < hi) {
			__u32 mid = lo + (hi - lo) / 2;

			if (pfw_bound_cmp(b + mid * width, v, width) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		off = node[2 + (n - 1) * width + lo];
	}
}

/*
 * The smallest result at or after start over all trees, -1 for none, -2
 * when the lookup ran out of budget.
 */
static long classify(struct pfw_run *run, const struct pfw_cls_desc *c,
		     __u32 start)
{
	const __u32 *roots = run->prog->pool + c->roots_off;
	long best = c->n_results;
	__u32 t;

	for (t = 0; t < c->n_trees; t++) {
		best = walk_tree(run, c, roots[t], start, (__u32)best);
		if (best < 0)
			return -2;
	}
	return best < c->n_results ? best : -1;
}

/* The target of the last (lo, target) pair with lo <= v, or pc + 1. */
static __u32 switch_target(const __u32 *op, __u32 v, __u32 pc)
{
	__u32 lo = 0, hi = op[0];

	/* count of bounds <= v */
	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (op[1 + 2 * mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? op[2 * lo] : pc + 1;
}

/* The first op[0] (at most 16) bytes of the name, a word at a time. */
static int ifname_matches(const struct pfw_pkt *pkt, unsigned int f,
			  const __u32 *op)
{
	const unsigned char *want = (const unsigned char *)(op + 1);
	const char *name = pkt->ifn[f - PFW_FLD_IIF];
	__u32 have[PFW_IFNAMSIZ / 4], n = op[0], i;

	memcpy(have, name, sizeof(have));
	for (i = 0; i + 4 <= n; i += 4) {
		if (have[i / 4] != op[1 + i / 4])
			return 0;
	}
	for (; i < n; i++) {
		if ((unsigned char)name[i] != want[i])
			return 0;
	}
	return 1;
}

static int tagged(const struct pfw_pkt *pkt, __u32 lo, __u32 hi)
{
	__u32 i;

	for (i = 0; i < pkt->n_tags; i++) {
		if (pkt->tags[i] >= lo && pkt->tags[i] <= hi)
			return 1;
	}
	return 0;
}

static void tag(struct pfw_pkt *pkt, __u32 arg)
{
	__u16 t = arg & 0xffff;
	__u32 i;

	for (i = 0; i < pkt->n_tags; i++) {
		if (pkt->tags[i] == t)
			break;
	}
	if (arg & PFW_TAG_UNTAG) {
		if (i < pkt->n_tags)
			pkt->tags[i] = pkt->tags[--pkt->n_tags];
	} else if (i == pkt->n_tags && pkt->n_tags < PFW_MAX_TAGS) {
		pkt->tags[pkt->n_tags++] = t;
	}
}

/* Evaluates test instruction in; returns 1 when it holds (before PFW_F_INV). */
static int test(struct pfw_run *run, const struct pfw_insn *in)
{
	const struct pfw_prog *prog = run->prog;
	struct pfw_pkt *pkt = run->pkt;
	unsigned int f = in->field & PFW_F_MASK;
	const __u32 *op = prog->pool + in->arg;
	const __u32 *v;
	__u32 val;

	switch (in->op) {
	case PFW_OP_CMP:
		return pkt->f[f] == in->arg;
	case PFW_OP_RANGE:
		return pkt->f[f] >= op[0] && pkt->f[f] <= op[1];
	case PFW_OP_MASK:
		return (pkt->f[f] & op[0]) == op[1];
	case PFW_OP_ANYBITS:
		return (pkt->f[f] & in->arg) != 0;
	case PFW_OP_ADDR_MASK:
		v = pkt->addr[f - PFW_FLD_SADDR];
		return (v[0] & op[4]) == op[0] && (v[1] & op[5]) == op[1] &&
		       (v[2] & op[6]) == op[2] && (v[3] & op[7]) == op[3];
	case PFW_OP_ADDR_RANGE:
		v = pkt->addr[f - PFW_FLD_SADDR];
		return pfw_bound_cmp(v, op, 4) >= 0 && pfw_bound_cmp(v, op + 4, 4) <= 0;
	case PFW_OP_IFNAME:
		return ifname_matches(pkt, f, op);
	case PFW_OP_INSET:
		if (prog->sets[in->arg].flags & PFW_SET_F_LIVE) {
			if (!live_lookup(run, in->arg, f, &val))
				return 0;
		} else if (!pfw_set_lookup(prog, in->arg, field_words(pkt, f),
					   &val)) {
			return 0;
		}
		if (prog->sets[in->arg].has_value)
			pkt->f[PFW_FLD_TABLEARG] = val;
		return 1;
	case PFW_OP_PROB:
		return pfw_host_random(run) < in->arg;
	case PFW_OP_LIMIT:
		return pfw_host_limit(run, in->arg);
	case PFW_OP_RPF:
		return pfw_host_rpf(run, in->arg);
	case PFW_OP_TAGGED:
		return tagged(pkt, op[0], op[1]);
	case PFW_OP_STATE_ADD:
		return pfw_host_state_add(run, op[0], op[1]);
	default:
		return 0;
	}
}

static void finish(struct pfw_run *run, __u32 verdict, __u32 param)
{
	run->verdict = verdict;
	run->param = param;
}

unsigned int pfw_interp_run(struct pfw_run *run, unsigned int hook)
{
	const struct pfw_prog *prog = run->prog;
	const struct pfw_insn *insns = prog->insns;
	__u32 pc, i, parent;

	run->rule = PFW_NONE32;
	run->dscp = PFW_NONE32;
	run->mark_set = 0;
	run->ctmark_set = 0;
	run->steps = 0;
	run->error = PFW_ERR_NONE;
	if (!run->budget || run->budget > PFW_MAX_COST)
		run->budget = PFW_MAX_COST;
	finish(run, PFW_V_ACCEPT, 0);
	if (hook >= PFW_HOOK_MAX || prog->hdr->entry[hook] == PFW_NO_ENTRY)
		return run->verdict;
	pc = prog->hdr->entry[hook];
	for (;;) {
		const struct pfw_insn *in = &insns[pc];
		const __u32 *op;
		long r;

		if (!spend(run, 1))
			goto over_budget;
		switch (in->op) {
		case PFW_OP_CMP:
		case PFW_OP_RANGE:
		case PFW_OP_MASK:
		case PFW_OP_ANYBITS:
		case PFW_OP_ADDR_MASK:
		case PFW_OP_ADDR_RANGE:
		case PFW_OP_IFNAME:
		case PFW_OP_INSET:
		case PFW_OP_PROB:
		case PFW_OP_LIMIT:
		case PFW_OP_RPF:
		case PFW_OP_TAGGED:
		case PFW_OP_STATE_ADD:
			if (test(run, in) ^ !!(in->field & PFW_F_INV))
				pc++;
			else
				pc += 1 + in->jf;
			break;
		case PFW_OP_CLASSIFY:
			op = prog->pool + in->arg;
			r = classify(run, &prog->cls[op[0]], op[1]);
			if (r == -2)
				goto over_budget;
			if (r < 0)
				pc += 1 + in->jf;
			else
				pc = prog->pool[prog->cls[op[0]].jt_off + r];
			break;
		case PFW_OP_STATE_CHECK:
			pc++;
			if (!pfw_host_state_lookup(run, &parent))
				break;
			op = prog->pool + in->arg;
			for (i = 0; i < op[0]; i++) {
				if (op[1 + 2 * i] == parent) {
					pc = op[2 + 2 * i];
					break;
				}
			}
			if (!spend(run, i))
				goto over_budget;
			break;
		case PFW_OP_JMP:
			pc += 1 + in->arg;
			break;
		case PFW_OP_SWITCH:
			pc = switch_target(prog->pool + in->arg,
					   run->pkt->f[in->field], pc);
			break;
		case PFW_OP_RULE:
			run->rule = in->arg;
			pfw_host_count(run, in->arg);
			pc++;
			break;
		case PFW_OP_LOG:
			pfw_host_log(run, run->rule, prog->pool + in->arg);
			pc++;
			break;
		case PFW_OP_SET_MARK:
			op = prog->pool + in->arg;
			run->pkt->f[PFW_FLD_MARK] =
				(run->pkt->f[PFW_FLD_MARK] & ~op[0]) | op[1];
			run->mark_set = 1;
			pc++;
			break;
		case PFW_OP_SET_CTMARK:
			op = prog->pool + in->arg;
			run->pkt->f[PFW_FLD_CTMARK] =
				(run->pkt->f[PFW_FLD_CTMARK] & ~op[0]) | op[1];
			run->ctmark_set = 1;
			pc++;
			break;
		case PFW_OP_SET_DSCP:
			run->dscp = in->arg;
			pc++;
			break;
		case PFW_OP_TAG:
			tag(run->pkt, in->arg);
			pc++;
			break;
		case PFW_OP_ACCEPT:
			if (!in->arg)
				return run->verdict;
			pc = in->arg;
			break;
		case PFW_OP_DROP:
			finish(run, PFW_V_DROP, 0);
			return run->verdict;
		case PFW_OP_REJECT:
			finish(run, PFW_V_REJECT, in->arg);
			return run->verdict;
		case PFW_OP_QUEUE:
			finish(run, PFW_V_QUEUE, in->arg);
			return run->verdict;
		case PFW_OP_NAT:
			finish(run, PFW_V_NAT, in->arg);
			return run->verdict;
		default:
			/* unreachable for a verified program */
			run->error = PFW_ERR_INSN;
			finish(run, PFW_V_ERROR, 0);
			return run->verdict;
		}
	}
over_budget:
	/* Fail closed: the host drops the packet and counts it. */
	run->error = PFW_ERR_BUDGET;
	finish(run, PFW_V_ERROR, 0);
	return run->verdict;
}

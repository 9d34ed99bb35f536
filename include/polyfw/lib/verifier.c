// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The program verifier, compiled unchanged into the kernel module and the
 * userspace compiler.
 *
 * A program is accepted only when every path through it ends in a terminal
 * instruction, every jump goes forward to an instruction inside the program,
 * every operand (pool words, set, classifier, limiter, rule, string) lies
 * inside the blob, and the costliest run from any hook entry stays within
 * PFW_MAX_COST.  The interpreter relies on these facts and checks nothing of
 * them again; it only bounds-checks packet reads (and counts its budget, as
 * a second line of defence).
 *
 * Verification is linear in the size of the blob, whatever the blob says:
 * the pool regions that are walked (set elements, a classifier's tables and
 * nodes, STATE_CHECK pair lists) may not overlap, so each pool word is
 * walked once; tree costs and path costs are computed by one backward pass
 * each (every edge goes forward).  Scratch memory is at most about 1.3 times
 * the blob and is allocated with pfw_zalloc() (charged to the writer's
 * memory cgroup in the kernel).
 */
#include "../compat.h"
#include "bounds.h"
#include "../prog.h"

struct vctx {
	struct pfw_prog *p;
	char *log;
	size_t log_len;
	__u32 *claimed; /* bitmap of the pool words some walked region owns */
	__u32 *cls_cost; /* per classifier: the sum of its trees' worst walks */
	__u32 *nodes; /* per node word of one classifier: 0, or cost | depth */
	__u32 *dp; /* per instruction: worst cost from it on | PATH_REJECT */
	__u32 *sm; /* per jump table entry: the worst dp[] from it on */
	__u32 *sm_base; /* per classifier: its first entry in sm */
	__u32 *sm_low; /* per classifier: the lowest entry of sm filled in */
};

/* Costs saturate just over the budget: only "within it or not" matters. */
#define COST_CAP (PFW_MAX_COST + 1)
/* dp[] bit: a REJECT can be reached from this instruction. */
#define PATH_REJECT 0x80000000u
/* nodes[]: the cost in the low 24 bits, the depth above. */
#define NODE_COST(x) ((x) & 0xffffffu)
#define NODE_DEPTH(x) ((x) >> 24)
#define NODE_DEPTH_CAP 255u
/* Yield every this many steps of a long loop (kernel only). */
#define RESCHED_MASK 0xffffu

static __u32 cost_add(__u32 a, __u32 b)
{
	__u64 s = (__u64)a + b;

	return s > COST_CAP ? COST_CAP : (__u32)s;
}

static __u32 ceil_log2(__u32 n)
{
	__u32 k = 0;

	while (k < 32 && ((__u64)1 << k) < n)
		k++;
	return k;
}

#ifdef __KERNEL__
#define vlog(v, ...) snprintf((v)->log, (v)->log_len, __VA_ARGS__)
#else
#define vlog(v, ...)                                                   \
	do {                                                           \
		if ((v)->log && (v)->log_len)                          \
			snprintf((v)->log, (v)->log_len, __VA_ARGS__); \
	} while (0)
#endif

#define CLS_T PFW_OPC_TEST
#define CLS_A PFW_OPC_ACTION
#define CLS_X PFW_OPC_TERMINAL
#define CLS_C PFW_OPC_CONTROL
enum arg_kind {
	ARG_NONE = 1, ARG_IMM, ARG_POOL2, ARG_POOL4, ARG_POOL8, ARG_IFN,
	ARG_SET, ARG_CLS, ARG_RULE, ARG_LIM, ARG_LOG, ARG_NAT, ARG_JMP,
	ARG_NEXT, ARG_DYN, ARG_SW,
};

struct op_info {
	const char *name;
	unsigned char cls;
	unsigned char arg;
};

static const struct op_info op_table[PFW_OP_MAX] = {
#define PFW_INSN(n, val, c, kind) [val] = { #n, CLS_##c, ARG_##kind },
#include "../insn.def"
#undef PFW_INSN
};

unsigned int pfw_op_class(unsigned int op)
{
	return op < PFW_OP_MAX ? op_table[op].cls : 0;
}

const char *pfw_op_name(unsigned int op)
{
	return op < PFW_OP_MAX ? op_table[op].name : NULL;
}

static const char *const scalar_names[PFW_NSCALARS] = {
	"family", "l4proto", "sport", "dport", "icmptype", "icmpcode",
	"tcpflags", "frag", "iplen", "ttl", "tos", "dscp", "ipid", "tcpseq",
	"tcpack", "tcpwin", "tcpdatalen", "tcpmss", "ipopts", "tcpopts",
	"exthdrs", "ethertype", "mark", "uid", "gid", "ctstate", "hook",
	"dir", "time", "saddrtype", "daddrtype", "tablearg", "l4ok",
	"ctdir", "ctmark", "odport",
};

static const char *const addr_names[PFW_NADDRS] = {
	"saddr", "daddr", "smac", "dmac", "odaddr",
};

static const char *const ifn_names[PFW_NIFNS] = {
	"iif", "oif", "physin", "physout",
};

const char *pfw_field_name(unsigned int field)
{
	if (field < PFW_NSCALARS)
		return scalar_names[field];
	if (field >= PFW_FLD_SADDR && field < PFW_FLD_ADDR_END)
		return addr_names[field - PFW_FLD_SADDR];
	if (field >= PFW_FLD_IIF && field < PFW_FLD_IFN_END)
		return ifn_names[field - PFW_FLD_IIF];
	return NULL;
}

static int pool_ok(const struct pfw_prog *p, __u64 off, __u64 words)
{
	return off + words <= p->n_pool;
}

/*
 * Marks pool words [off, off + words) as walked by one table.  Regions
 * that are walked may not share words: otherwise a small pool could be
 * walked again by every descriptor pointing at it.  The caller checked that
 * the region lies inside the pool.
 */
static int claim(struct vctx *v, __u32 off, __u32 words, const char *what,
		 __u32 idx)
{
	__u32 i;

	for (i = 0; i < words; i++) {
		__u32 w = off + i;

		if (v->claimed[w / 32] & (1u << (w % 32))) {
			vlog(v, "%s %u: pool word %u is already used by another table",
			     what, idx, w);
			return -EINVAL;
		}
		v->claimed[w / 32] |= 1u << (w % 32);
		if (!(i & RESCHED_MASK))
			pfw_cond_resched();
	}
	return 0;
}

/* Lays the sections out over the blob; checks the header and the sizes. */
static int check_layout(struct vctx *v, const void *blob, size_t len)
{
	struct pfw_prog *p = v->p;
	const struct pfw_prog_hdr *h = blob;
	__u64 words, need;
	const __u32 *w;
	unsigned int i;

	if (len < sizeof(*h)) {
		vlog(v, "truncated program: %zu bytes, header needs %zu", len,
		     sizeof(*h));
		return -EINVAL;
	}
	if (len % 4 || ((unsigned long)blob) % 4) {
		vlog(v, "program length %zu is not a multiple of 4", len);
		return -EINVAL;
	}
	if (len > PFW_MAX_PROG_BYTES) {
		vlog(v, "oversize program: %zu bytes, limit %u", len,
		     PFW_MAX_PROG_BYTES);
		return -EINVAL;
	}
	if (h->magic != PFW_PROG_MAGIC) {
		vlog(v, "bad magic 0x%08x", h->magic);
		return -EINVAL;
	}
	if (h->version != PFW_PROG_VERSION ||
	    h->hdr_words != sizeof(*h) / 4) {
		vlog(v, "unsupported program version %u (header %u words)",
		     h->version, h->hdr_words);
		return -EINVAL;
	}
	if (h->flags) {
		vlog(v, "unknown header flags 0x%x", h->flags);
		return -EINVAL;
	}
	if (h->n_insns == 0 || h->n_insns > PFW_MAX_INSNS ||
	    h->n_pool > PFW_MAX_POOL || h->n_rules > PFW_MAX_RULES ||
	    h->n_sets > PFW_MAX_SETS || h->n_cls > PFW_MAX_CLS ||
	    h->n_lims > PFW_MAX_LIMS || h->n_strtab > PFW_MAX_STRTAB ||
	    h->n_strtab % 4) {
		vlog(v, "oversize program: a section count is out of range");
		return -EINVAL;
	}
	words = sizeof(*h) / 4;
	words += (__u64)h->n_insns * (sizeof(struct pfw_insn) / 4);
	words += h->n_pool;
	words += (__u64)h->n_rules * (sizeof(struct pfw_rule_desc) / 4);
	words += (__u64)h->n_sets * (sizeof(struct pfw_set_desc) / 4);
	words += (__u64)h->n_cls * (sizeof(struct pfw_cls_desc) / 4);
	words += (__u64)h->n_lims * (sizeof(struct pfw_lim_desc) / 4);
	words += h->n_strtab / 4;
	need = words * 4;
	if (need != len) {
		vlog(v, "%s program: sections need %llu bytes, got %zu",
		     need > len ? "truncated" : "oversize",
		     (unsigned long long)need, len);
		return -EINVAL;
	}
	w = (const __u32 *)(h + 1);
	p->hdr = h;
	p->insns = (const struct pfw_insn *)w;
	w += h->n_insns * (sizeof(struct pfw_insn) / 4);
	p->pool = w;
	w += h->n_pool;
	p->rules = (const struct pfw_rule_desc *)w;
	w += h->n_rules * (sizeof(struct pfw_rule_desc) / 4);
	p->sets = (const struct pfw_set_desc *)w;
	w += h->n_sets * (sizeof(struct pfw_set_desc) / 4);
	p->cls = (const struct pfw_cls_desc *)w;
	w += h->n_cls * (sizeof(struct pfw_cls_desc) / 4);
	p->lims = (const struct pfw_lim_desc *)w;
	w += h->n_lims * (sizeof(struct pfw_lim_desc) / 4);
	p->strtab = (const char *)w;
	p->n_insns = h->n_insns;
	p->n_pool = h->n_pool;
	p->n_rules = h->n_rules;
	p->n_sets = h->n_sets;
	p->n_cls = h->n_cls;
	p->n_lims = h->n_lims;
	p->n_strtab = h->n_strtab;
	if (p->n_strtab && p->strtab[p->n_strtab - 1] != '\0') {
		vlog(v, "string table is not NUL-terminated");
		return -EINVAL;
	}
	for (i = 0; i < PFW_HOOK_MAX; i++) {
		if (h->entry[i] != PFW_NO_ENTRY && h->entry[i] >= h->n_insns) {
			vlog(v, "hook %u entry %u is past the end (%u insns)",
			     i, h->entry[i], h->n_insns);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_rules(struct vctx *v)
{
	const struct pfw_prog *p = v->p;
	__u32 i;

	for (i = 0; i < p->n_rules; i++) {
		if (p->rules[i].loc >= p->n_strtab && p->n_strtab) {
			vlog(v, "rule %u: location %u is outside the string table",
			     i, p->rules[i].loc);
			return -EINVAL;
		}
		if (!p->n_strtab && p->rules[i].loc) {
			vlog(v, "rule %u: location without a string table", i);
			return -EINVAL;
		}
		if (p->rules[i].flags & ~PFW_RULE_F_ALL) {
			vlog(v, "rule %u: unknown flags 0x%x", i, p->rules[i].flags);
			return -EINVAL;
		}
	}
	return 0;
}

/* A valid table or set name (as kmod/table.c checks a table's). */
static int name_ok(const char *name, __u32 room)
{
	__u32 i;

	if (!room || !((name[0] >= 'a' && name[0] <= 'z') ||
		       (name[0] >= 'A' && name[0] <= 'Z') ||
		       (name[0] >= '0' && name[0] <= '9')))
		return 0;
	for (i = 1; i < room && name[i]; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return i < room && i < PFW_LSET_NAMSIZ;
}

/*
 * A live set: no elements, a valid name in the strtab, and no other live
 * set of the program with that name.
 */
static int check_live_set(struct vctx *v, __u32 i)
{
	const struct pfw_prog *p = v->p;
	const struct pfw_set_desc *s = &p->sets[i];
	const char *name;
	__u32 j, live = 0;

	if (s->n_elems) {
		vlog(v, "set %u: a live set has no elements in the program", i);
		return -EINVAL;
	}
	if (s->pool_off >= p->n_strtab ||
	    !name_ok(p->strtab + s->pool_off, p->n_strtab - s->pool_off)) {
		vlog(v, "set %u: live set name at strtab %u is not a valid name",
		     i, s->pool_off);
		return -EINVAL;
	}
	name = p->strtab + s->pool_off;
	for (j = 0; j < i; j++) {
		const struct pfw_set_desc *o = &p->sets[j];

		if (!(o->flags & PFW_SET_F_LIVE))
			continue;
		if (++live >= PFW_MAX_LIVE_SETS) {
			vlog(v, "set %u: more than %u live sets", i,
			     PFW_MAX_LIVE_SETS);
			return -EINVAL;
		}
		if (!strcmp(p->strtab + o->pool_off, name)) {
			vlog(v, "set %u: live set %s is declared twice (set %u)",
			     i, name, j);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_sets(struct vctx *v)
{
	const struct pfw_prog *p = v->p;
	__u32 i, e;

	for (i = 0; i < p->n_sets; i++) {
		const struct pfw_set_desc *s = &p->sets[i];
		unsigned int w = s->width;
		unsigned int stride;
		const __u32 *el;

		if ((w != 1 && w != 4) || s->has_value > 1 ||
		    (s->flags & ~PFW_SET_F_ALL) ||
		    (s->flags & PFW_SET_F_IFNAME &&
		     (!(s->flags & PFW_SET_F_LIVE) || w != 4))) {
			vlog(v, "set %u: bad width %u or flags", i, w);
			return -EINVAL;
		}
		if (s->flags & PFW_SET_F_LIVE) {
			if (check_live_set(v, i))
				return -EINVAL;
			continue;
		}
		stride = 2 * w + s->has_value;
		if (!pool_ok(p, s->pool_off, (__u64)s->n_elems * stride)) {
			vlog(v, "set %u: %u elements at pool %u run past the pool (%u words)",
			     i, s->n_elems, s->pool_off, p->n_pool);
			return -EINVAL;
		}
		if (claim(v, s->pool_off, s->n_elems * stride, "set", i))
			return -EINVAL;
		el = p->pool + s->pool_off;
		for (e = 0; e < s->n_elems; e++, el += stride) {
			if (pfw_bound_cmp(el, el + w, w) > 0) {
				vlog(v, "set %u: element %u has lo > hi", i, e);
				return -EINVAL;
			}
			if (e && pfw_bound_cmp(el - stride + w, el, w) >= 0) {
				vlog(v, "set %u: element %u is not above element %u",
				     i, e, e - 1);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static unsigned int dim_width(unsigned int dim)
{
	return dim >= PFW_DIM_SADDR ? 4 : 1;
}

/* The child offsets of the inner node at off (cut or slice), and their count. */
static const __u32 *node_children(const __u32 *nodes, __u32 off, __u32 *count)
{
	__u32 n = nodes[off + 1];
	unsigned int width;

	if ((nodes[off] & 0xff) == PFW_CLS_SLICE) {
		width = dim_width((nodes[off] >> 8) & 0xff);
		*count = n + 1;
		return nodes + off + 3 + 2 * width;
	}
	width = dim_width(nodes[off] >> 8);
	*count = n;
	return nodes + off + 2 + (n - 1) * width;
}

/*
 * Pass 1: the node area is a packed sequence of well-formed nodes; marks
 * each node's first word in v->nodes.
 */
static int check_nodes(struct vctx *v, __u32 ci, const struct pfw_cls_desc *c)
{
	const __u32 *nodes = v->p->pool + c->node_off;
	__u32 off = 0, i, steps = 0;

	while (off < c->node_words) {
		__u32 kind, n, width, need;

		if (!(++steps & RESCHED_MASK))
			pfw_cond_resched();
		if (c->node_words - off < 2)
			goto bad_node;
		v->nodes[off] = 1;
		kind = nodes[off] & 0xff;
		n = nodes[off + 1];
		if (kind == PFW_CLS_LEAF) {
			if (nodes[off] >> 8 || n > c->n_entries ||
			    n > c->node_words - off - 2)
				goto bad_node;
			if (n > PFW_CLS_MAX_LEAF) {
				vlog(v, "classifier %u: leaf at word %u has %u entries, limit %u",
				     ci, off, n, PFW_CLS_MAX_LEAF);
				return -EINVAL;
			}
			for (i = 0; i < n; i++) {
				__u32 e = nodes[off + 2 + i];

				if (e >= c->n_entries ||
				    (i && e <= nodes[off + 1 + i]))
					goto bad_node;
			}
			off += 2 + n;
			continue;
		}
		if (kind == PFW_CLS_SLICE) {
			__u32 dim = (nodes[off] >> 8) & 0xff;
			__u32 word = nodes[off] >> 16;
			const __u32 *lo, *hi;

			if (dim >= PFW_NDIMS || c->node_words - off < 3)
				goto bad_node;
			width = dim_width(dim);
			if (word >= width || nodes[off + 2] >= 32 || n < 1 ||
			    n >= c->node_words)
				goto bad_node;
			need = 1 + 2 * width + n + 1;
			if ((__u64)need > c->node_words - off - 2)
				goto bad_node;
			lo = nodes + off + 3;
			hi = lo + width;
			if (pfw_bound_cmp(lo, hi, width) > 0)
				goto bad_node;
			/* words above the sliced one: one value for the range */
			for (i = 0; i < word; i++) {
				if (lo[i] != hi[i]) {
					vlog(v, "classifier %u: slice at word %u: lo and hi differ above word %u",
					     ci, off, word);
					return -EINVAL;
				}
			}
			for (i = 0; i <= n; i++) {
				__u32 child = nodes[off + 3 + 2 * width + i];

				if (child <= off || child >= c->node_words)
					goto bad_node;
			}
			off += 2 + need;
			continue;
		}
		if (kind != PFW_CLS_CUT || (nodes[off] >> 8) >= PFW_NDIMS ||
		    n < 2 || n > c->node_words)
			goto bad_node;
		width = dim_width(nodes[off] >> 8);
		need = (n - 1) * width + n;
		if ((__u64)need > c->node_words - off - 2)
			goto bad_node;
		for (i = 1; i + 1 < n; i++) {
			const __u32 *b = nodes + off + 2 + (i - 1) * width;

			if (pfw_bound_cmp(b, b + width, width) >= 0)
				goto bad_node;
		}
		for (i = 0; i < n; i++) {
			__u32 child = nodes[off + 2 + (n - 1) * width + i];

			if (child <= off || child >= c->node_words)
				goto bad_node;
		}
		off += 2 + need;
	}
	return 0;
bad_node:
	vlog(v, "classifier %u: malformed node at word %u", ci, off);
	return -EINVAL;
}

/*
 * Pass 2, from the last node back to the first (children come after their
 * parent): every child offset names a node, and each node gets the cost of
 * its worst walk to a leaf and its depth (inner nodes on that walk).
 */
static int cost_nodes(struct vctx *v, __u32 ci, const struct pfw_cls_desc *c)
{
	const __u32 *nodes = v->p->pool + c->node_off;
	__u32 off = c->node_words, i;

	while (off-- > 0) {
		const __u32 *kids;
		__u32 n, cost = 0, depth = 0, own;

		if (!(off & RESCHED_MASK))
			pfw_cond_resched();
		if (!v->nodes[off])
			continue;
		if ((nodes[off] & 0xff) == PFW_CLS_LEAF) {
			v->nodes[off] = 1 + nodes[off + 1];
			continue;
		}
		kids = node_children(nodes, off, &n);
		for (i = 0; i < n; i++) {
			__u32 k = v->nodes[kids[i]];

			if (!k) {
				vlog(v, "classifier %u: node %u: child %u is not a node",
				     ci, off, kids[i]);
				return -EINVAL;
			}
			if (NODE_COST(k) > cost)
				cost = NODE_COST(k);
			if (NODE_DEPTH(k) > depth)
				depth = NODE_DEPTH(k);
		}
		own = 1;
		if ((nodes[off] & 0xff) == PFW_CLS_CUT)
			own += ceil_log2(nodes[off + 1]);
		cost = cost_add(cost, own);
		depth = depth + 1 > NODE_DEPTH_CAP ? NODE_DEPTH_CAP : depth + 1;
		v->nodes[off] = depth << 24 | cost;
	}
	return 0;
}

/*
 * A classifier's trees: well formed, at most PFW_CLS_MAX_DEPTH deep, with
 * distinct roots; v->cls_cost[ci] gets the sum of their worst walks.
 */
static int check_tree(struct vctx *v, __u32 ci, const struct pfw_cls_desc *c)
{
	const __u32 *roots = v->p->pool + c->roots_off;
	__u32 i, j, total = 0;
	int ret;

	if (!c->node_words) {
		vlog(v, "classifier %u: empty tree", ci);
		return -EINVAL;
	}
	memset(v->nodes, 0, (size_t)c->node_words * sizeof(*v->nodes));
	ret = check_nodes(v, ci, c);
	if (!ret)
		ret = cost_nodes(v, ci, c);
	if (ret)
		return ret;
	for (i = 0; i < c->n_trees; i++) {
		__u32 x;

		if (roots[i] >= c->node_words || !v->nodes[roots[i]]) {
			vlog(v, "classifier %u: root %u is not a node", ci, i);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (roots[j] == roots[i]) {
				vlog(v, "classifier %u: roots %u and %u are the same tree",
				     ci, j, i);
				return -EINVAL;
			}
		}
		x = v->nodes[roots[i]];
		if (NODE_DEPTH(x) > PFW_CLS_MAX_DEPTH) {
			vlog(v, "classifier %u: tree %u is %s%u deep, limit %u", ci,
			     i, NODE_DEPTH(x) == NODE_DEPTH_CAP ? "over " : "",
			     NODE_DEPTH(x), PFW_CLS_MAX_DEPTH);
			return -EINVAL;
		}
		total = cost_add(total, NODE_COST(x));
	}
	v->cls_cost[ci] = total;
	return 0;
}

static int check_classifiers(struct vctx *v)
{
	const struct pfw_prog *p = v->p;
	__u64 results = 0;
	__u32 i, e, max_words = 0;
	int ret;

	for (i = 0; i < p->n_cls; i++) {
		const struct pfw_cls_desc *c = &p->cls[i];
		const __u32 *jt, *ent;

		if (!c->n_results || !c->n_trees ||
		    c->n_trees > PFW_CLS_MAX_TREES ||
		    !pool_ok(p, c->roots_off, c->n_trees) ||
		    !pool_ok(p, c->jt_off, c->n_results) ||
		    !pool_ok(p, c->entry_off,
			     (__u64)c->n_entries * PFW_CLS_ENTRY_WORDS) ||
		    !pool_ok(p, c->node_off, c->node_words)) {
			vlog(v, "classifier %u: a table runs past the pool", i);
			return -EINVAL;
		}
		if (claim(v, c->roots_off, c->n_trees, "classifier", i) ||
		    claim(v, c->jt_off, c->n_results, "classifier", i) ||
		    claim(v, c->entry_off, c->n_entries * PFW_CLS_ENTRY_WORDS,
			  "classifier", i) ||
		    claim(v, c->node_off, c->node_words, "classifier", i))
			return -EINVAL;
		jt = p->pool + c->jt_off;
		for (e = 0; e < c->n_results; e++) {
			if (jt[e] >= p->n_insns || (e && jt[e] <= jt[e - 1])) {
				vlog(v, "classifier %u: jump table entry %u (%u) is not ascending inside the program",
				     i, e, jt[e]);
				return -EINVAL;
			}
		}
		ent = p->pool + c->entry_off;
		for (e = 0; e < c->n_entries; e++, ent += PFW_CLS_ENTRY_WORDS) {
			if (ent[0] >= c->n_results ||
			    (e && ent[0] < ent[-(int)PFW_CLS_ENTRY_WORDS])) {
				vlog(v, "classifier %u: entry %u has result %u out of order or range",
				     i, e, ent[0]);
				return -EINVAL;
			}
		}
		if (c->node_words > max_words)
			max_words = c->node_words;
		results += c->n_results;
	}
	/* Regions are disjoint: these are bounded by the pool. */
	v->nodes = pfw_zalloc((size_t)max_words * sizeof(*v->nodes));
	v->cls_cost = pfw_zalloc((size_t)p->n_cls * sizeof(*v->cls_cost));
	v->sm = pfw_zalloc((size_t)results * sizeof(*v->sm));
	v->sm_base = pfw_zalloc((size_t)p->n_cls * sizeof(*v->sm_base));
	v->sm_low = pfw_zalloc((size_t)p->n_cls * sizeof(*v->sm_low));
	if (!v->nodes || !v->cls_cost || !v->sm || !v->sm_base || !v->sm_low)
		return -ENOMEM;
	results = 0;
	for (i = 0; i < p->n_cls; i++) {
		v->sm_base[i] = (__u32)results;
		v->sm_low[i] = p->cls[i].n_results;
		results += p->cls[i].n_results;
		pfw_cond_resched();
		ret = check_tree(v, i, &p->cls[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_limiters(struct vctx *v)
{
	const struct pfw_prog *p = v->p;
	__u32 i;

	for (i = 0; i < p->n_lims; i++) {
		const struct pfw_lim_desc *l = &p->lims[i];

		if (!l->rate || !l->burst || (l->flags & ~PFW_LIM_FLAGS)) {
			vlog(v, "limiter %u: rate and burst must be non-zero, flags known",
			     i);
			return -EINVAL;
		}
		if ((__u64)l->burst * pfw_lim_period(l->flags) >
		    PFW_LIM_MAX_BURST_SECONDS) {
			vlog(v, "limiter %u: a burst of %u over a period of %u s is too large",
			     i, l->burst, pfw_lim_period(l->flags));
			return -EINVAL;
		}
	}
	return 0;
}

static int field_is_scalar(unsigned int f)
{
	return f < PFW_NSCALARS;
}

static int field_is_addr(unsigned int f)
{
	return f >= PFW_FLD_SADDR && f < PFW_FLD_ADDR_END;
}

static int field_is_ifn(unsigned int f)
{
	return f >= PFW_FLD_IIF && f < PFW_FLD_IFN_END;
}

/* A forward target must be after pc and inside the program. */
static int target_ok(const struct pfw_prog *p, __u32 pc, __u64 target)
{
	return target > pc && target < p->n_insns;
}

static int check_field(struct vctx *v, __u32 pc, const struct pfw_insn *in)
{
	const struct pfw_prog *p = v->p;
	unsigned int f = in->field & PFW_F_MASK;
	int ok;

	switch (in->op) {
	case PFW_OP_CMP:
	case PFW_OP_RANGE:
	case PFW_OP_MASK:
	case PFW_OP_ANYBITS:
		ok = field_is_scalar(f);
		break;
	case PFW_OP_ADDR_MASK:
	case PFW_OP_ADDR_RANGE:
		ok = field_is_addr(f);
		break;
	case PFW_OP_IFNAME:
		ok = field_is_ifn(f);
		break;
	case PFW_OP_SWITCH:
		ok = field_is_scalar(in->field);
		break;
	case PFW_OP_INSET:
		if (in->arg >= p->n_sets)
			ok = 0;
		else if (p->sets[in->arg].flags & PFW_SET_F_IFNAME)
			ok = field_is_ifn(f);
		else
			ok = (field_is_scalar(f) || field_is_addr(f)) &&
			     p->sets[in->arg].width ==
				     (field_is_addr(f) ? 4 : 1);
		break;
	case PFW_OP_PROB:
	case PFW_OP_LIMIT:
	case PFW_OP_RPF:
	case PFW_OP_TAGGED:
	case PFW_OP_STATE_ADD:
		/* field-less tests may still be inverted */
		ok = f == 0;
		break;
	default:
		/* actions and control flow take no field */
		ok = in->field == 0;
		break;
	}
	if (!ok) {
		vlog(v, "insn %u: %s: bad field %u", pc, pfw_op_name(in->op),
		     in->field);
		return -EINVAL;
	}
	return 0;
}

static int check_insn(struct vctx *v, __u32 pc)
{
	const struct pfw_prog *p = v->p;
	const struct pfw_insn *in = &p->insns[pc];
	const struct op_info *oi;
	const __u32 *op;
	__u32 i, n;

	/* Basic sanity first: the opcode must exist. */
	if (in->op >= PFW_OP_MAX || !op_table[in->op].name) {
		vlog(v, "insn %u: unknown opcode 0x%02x", pc, in->op);
		return -EINVAL;
	}
	oi = &op_table[in->op];
	if (check_field(v, pc, in))
		return -EINVAL;
	if (oi->cls == CLS_T || in->op == PFW_OP_CLASSIFY) {
		if (!target_ok(p, pc, (__u64)pc + 1 + in->jf)) {
			vlog(v, "insn %u: jump of %u goes past the end", pc,
			     in->jf);
			return -EINVAL;
		}
	} else if (in->jf) {
		vlog(v, "insn %u: %s takes no jump offset", pc, oi->name);
		return -EINVAL;
	}
	if (oi->cls != CLS_X && pc + 1 >= p->n_insns) {
		vlog(v, "insn %u: %s falls off the end of the program", pc,
		     oi->name);
		return -EINVAL;
	}

	switch (oi->arg) {
	case ARG_NONE:
		if (in->arg)
			goto bad_arg;
		break;
	case ARG_IMM:
		break;
	case ARG_POOL2:
		if (!pool_ok(p, in->arg, 2))
			goto bad_pool;
		break;
	case ARG_POOL4:
		if (!pool_ok(p, in->arg, 4))
			goto bad_pool;
		break;
	case ARG_POOL8:
		if (!pool_ok(p, in->arg, 8))
			goto bad_pool;
		break;
	case ARG_IFN:
		if (!pool_ok(p, in->arg, PFW_IFN_WORDS))
			goto bad_pool;
		if (p->pool[in->arg] > PFW_IFNAMSIZ)
			goto bad_arg;
		break;
	case ARG_SET:
		if (in->arg >= p->n_sets)
			goto bad_arg;
		break;
	case ARG_RULE:
		if (in->arg >= p->n_rules)
			goto bad_arg;
		break;
	case ARG_LIM:
		if (in->arg >= p->n_lims)
			goto bad_arg;
		break;
	case ARG_LOG:
		if (!pool_ok(p, in->arg, PFW_LOG_WORDS))
			goto bad_pool;
		op = p->pool + in->arg;
		if (op[0] > 7 || (op[1] != PFW_NONE32 && op[1] >= p->n_lims) ||
		    (op[2] & 0xfffe) ||
		    !memchr(op + 3, 0, PFW_LOG_PREFIX_LEN))
			goto bad_arg;
		break;
	case ARG_NAT:
		if (!pool_ok(p, in->arg, PFW_NAT_WORDS))
			goto bad_pool;
		op = p->pool + in->arg;
		if (op[0] < PFW_NAT_DNAT || op[0] > PFW_NAT_REDIRECT ||
		    (op[1] & ~7u) || op[10] > op[11] || op[11] > 65535)
			goto bad_arg;
		break;
	case ARG_JMP:
		if (!target_ok(p, pc, (__u64)pc + 1 + in->arg)) {
			vlog(v, "insn %u: jump of %u goes past the end", pc,
			     in->arg);
			return -EINVAL;
		}
		break;
	case ARG_NEXT:
		if (in->arg && !target_ok(p, pc, in->arg)) {
			vlog(v, "insn %u: continuation %u is not a later instruction",
			     pc, in->arg);
			return -EINVAL;
		}
		break;
	case ARG_CLS:
		if (!pool_ok(p, in->arg, 2))
			goto bad_pool;
		op = p->pool + in->arg;
		if (op[0] >= p->n_cls || op[1] >= p->cls[op[0]].n_results)
			goto bad_arg;
		/* the jump table ascends: its first live target decides */
		if (!target_ok(p, pc, p->pool[p->cls[op[0]].jt_off + op[1]])) {
			vlog(v, "insn %u: classifier target is not a later instruction",
			     pc);
			return -EINVAL;
		}
		break;
	case ARG_DYN:
		if (!pool_ok(p, in->arg, 1))
			goto bad_pool;
		n = p->pool[in->arg];
		if (!pool_ok(p, (__u64)in->arg + 1, (__u64)n * 2))
			goto bad_pool;
		if (n > PFW_MAX_STATE_PAIRS) {
			vlog(v, "insn %u: STATE_CHECK has %u pairs, limit %u", pc,
			     n, PFW_MAX_STATE_PAIRS);
			return -EINVAL;
		}
		if (claim(v, in->arg, 1 + 2 * n, "insn", pc))
			return -EINVAL;
		op = p->pool + in->arg + 1;
		for (i = 0; i < n; i++) {
			if (op[2 * i] >= p->n_rules ||
			    !target_ok(p, pc, op[2 * i + 1])) {
				vlog(v, "insn %u: state target %u is not a later instruction",
				     pc, i);
				return -EINVAL;
			}
		}
		break;
	case ARG_SW:
		if (!pool_ok(p, in->arg, 1))
			goto bad_pool;
		n = p->pool[in->arg];
		if (!n || n > PFW_MAX_SWITCH) {
			vlog(v, "insn %u: SWITCH has %u pairs, 1 to %u allowed", pc,
			     n, PFW_MAX_SWITCH);
			return -EINVAL;
		}
		if (!pool_ok(p, (__u64)in->arg + 1, (__u64)n * 2))
			goto bad_pool;
		if (claim(v, in->arg, 1 + 2 * n, "insn", pc))
			return -EINVAL;
		op = p->pool + in->arg + 1;
		for (i = 0; i < n; i++) {
			if (i && op[2 * i] <= op[2 * i - 2]) {
				vlog(v, "insn %u: SWITCH bound %u is not above the one before",
				     pc, i);
				return -EINVAL;
			}
			if (!target_ok(p, pc, op[2 * i + 1])) {
				vlog(v, "insn %u: switch target %u is not a later instruction",
				     pc, i);
				return -EINVAL;
			}
		}
		break;
	default:
		goto bad_arg;
	}
	if (in->op == PFW_OP_STATE_ADD) {
		__u32 lim = p->pool[in->arg + 1];

		if (p->pool[in->arg] >= p->n_rules)
			goto bad_arg;
		/* fields to count by exactly when there is a count */
		if ((lim & ~(PFW_STATE_LIM_FIELDS | PFW_STATE_LIM_COUNT)) ||
		    !(lim & PFW_STATE_LIM_FIELDS) != !(lim & PFW_STATE_LIM_COUNT)) {
			vlog(v, "insn %u: STATE_ADD: bad limit 0x%08x", pc, lim);
			return -EINVAL;
		}
	}
	if (in->op == PFW_OP_RPF &&
	    (in->arg < PFW_RPF_VERREVPATH || in->arg > PFW_RPF_ANTISPOOF))
		goto bad_arg;
	if (in->op == PFW_OP_REJECT && (in->arg >> 8) > PFW_REJECT_AUTO)
		goto bad_arg;
	if (in->op == PFW_OP_QUEUE && (in->arg & ~(PFW_QUEUE_BYPASS | 0xffff)))
		goto bad_arg;
	if (in->op == PFW_OP_TAG && (in->arg & ~(PFW_TAG_UNTAG | 0xffff)))
		goto bad_arg;
	if (in->op == PFW_OP_SET_DSCP && in->arg > 63)
		goto bad_arg;
	return 0;
bad_pool:
	vlog(v, "insn %u: %s: pool index %u out of range (%u words)", pc,
	     oi->name, in->arg, p->n_pool);
	return -EINVAL;
bad_arg:
	vlog(v, "insn %u: %s: bad operand %u", pc, oi->name, in->arg);
	return -EINVAL;
}

/* The worse of two continuations: the larger cost, either's REJECT. */
static __u32 worse(__u32 a, __u32 b)
{
	__u32 ca = a & ~PATH_REJECT, cb = b & ~PATH_REJECT;

	return (ca > cb ? ca : cb) | ((a | b) & PATH_REJECT);
}

/*
 * The worst dp[] over classifier ci's jump table entries from start on.
 * Filled lazily from the top: every entry from start on jumps past the
 * CLASSIFY asking, whose dp[] is being computed, so theirs are known.
 */
static __u32 table_worst(struct vctx *v, __u32 ci, __u32 start)
{
	const struct pfw_cls_desc *c = &v->p->cls[ci];
	const __u32 *jt = v->p->pool + c->jt_off;
	__u32 *sm = v->sm + v->sm_base[ci];

	while (v->sm_low[ci] > start) {
		__u32 k = --v->sm_low[ci];

		sm[k] = v->dp[jt[k]];
		if (k + 1 < c->n_results)
			sm[k] = worse(sm[k], sm[k + 1]);
	}
	return sm[start];
}

/*
 * One backward pass: dp[pc] is the worst cost of a run from pc to its end
 * (saturated at COST_CAP) and whether a REJECT can be reached.  Every
 * successor of pc is after pc, so it is known when pc is computed.
 */
static void cost_insns(struct vctx *v)
{
	const struct pfw_prog *p = v->p;
	__u32 pc = p->n_insns;

	while (pc-- > 0) {
		const struct pfw_insn *in = &p->insns[pc];
		const __u32 *op;
		__u32 w = 1, next = 0, i;

		if (!(pc & RESCHED_MASK))
			pfw_cond_resched();
		switch (op_table[in->op].cls) {
		case CLS_T:
			next = worse(v->dp[pc + 1], v->dp[pc + 1 + in->jf]);
			if (in->op == PFW_OP_INSET &&
			    (p->sets[in->arg].flags & PFW_SET_F_LIVE))
				w += PFW_COST_LIVESET;
			else if (in->op == PFW_OP_INSET)
				w += 1 + ceil_log2(p->sets[in->arg].n_elems + 1);
			else if (in->op == PFW_OP_STATE_ADD)
				w += PFW_COST_STATE;
			break;
		case CLS_A:
			next = v->dp[pc + 1];
			break;
		case CLS_X:
			if (in->op == PFW_OP_ACCEPT && in->arg)
				next = v->dp[in->arg];
			else if (in->op == PFW_OP_REJECT)
				next = PATH_REJECT;
			break;
		default:
			op = p->pool + in->arg;
			if (in->op == PFW_OP_JMP) {
				next = v->dp[pc + 1 + in->arg];
			} else if (in->op == PFW_OP_CLASSIFY) {
				w = cost_add(w, v->cls_cost[op[0]]);
				next = worse(v->dp[pc + 1 + in->jf],
					     table_worst(v, op[0], op[1]));
			} else if (in->op == PFW_OP_SWITCH) {
				w += 1 + ceil_log2(op[0]);
				next = v->dp[pc + 1];
				for (i = 0; i < op[0]; i++)
					next = worse(next, v->dp[op[2 + 2 * i]]);
			} else { /* STATE_CHECK */
				w = cost_add(w, PFW_COST_STATE + op[0]);
				next = v->dp[pc + 1];
				for (i = 0; i < op[0]; i++)
					next = worse(next, v->dp[op[2 + 2 * i]]);
			}
			break;
		}
		v->dp[pc] = cost_add(w, next & ~PATH_REJECT) |
			    (next & PATH_REJECT);
	}
}

static const char *const hook_names[PFW_HOOK_MAX] = {
	"prerouting", "input", "forward", "output", "postrouting",
};

/* Every hook entry within the budget; no REJECT where it cannot be sent. */
static int check_costs(struct vctx *v)
{
	struct pfw_prog *p = v->p;
	unsigned int h;

	cost_insns(v);
	p->cost = 0;
	for (h = 0; h < PFW_HOOK_MAX; h++) {
		__u32 e = p->hdr->entry[h], d, cost;

		p->hook_cost[h] = 0;
		if (e == PFW_NO_ENTRY)
			continue;
		d = v->dp[e];
		cost = d & ~PATH_REJECT;
		if (cost > PFW_MAX_COST) {
			vlog(v, "program too costly: a run at %s can cost more than the budget of %u (PFW_MAX_COST)",
			     hook_names[h], PFW_MAX_COST);
			return -E2BIG;
		}
		if (h == PFW_HOOK_POSTROUTING && (d & PATH_REJECT)) {
			vlog(v, "REJECT is reachable from the postrouting entry, where no reply can be sent");
			return -EINVAL;
		}
		p->hook_cost[h] = cost;
		if (cost > p->cost)
			p->cost = cost;
	}
	return 0;
}

static void free_scratch(struct vctx *v)
{
	pfw_free(v->claimed);
	pfw_free(v->cls_cost);
	pfw_free(v->nodes);
	pfw_free(v->dp);
	pfw_free(v->sm);
	pfw_free(v->sm_base);
	pfw_free(v->sm_low);
}

int pfw_verify(const void *blob, size_t len, struct pfw_prog *prog, char *log,
	       size_t log_len)
{
	struct pfw_prog p;
	struct vctx v = { .p = &p, .log = log, .log_len = log_len };
	__u32 pc;
	int ret;

	memset(&p, 0, sizeof(p));
	if (log && log_len)
		log[0] = '\0';
	ret = check_layout(&v, blob, len);
	if (ret)
		return ret;
	v.claimed = pfw_zalloc(((size_t)p.n_pool + 31) / 32 * 4);
	v.dp = pfw_zalloc((size_t)p.n_insns * sizeof(*v.dp));
	if (!v.claimed || !v.dp) {
		ret = -ENOMEM;
		goto out;
	}
	ret = check_rules(&v);
	pfw_cond_resched();
	if (!ret)
		ret = check_sets(&v);
	pfw_cond_resched();
	if (!ret)
		ret = check_limiters(&v);
	if (!ret)
		ret = check_classifiers(&v);
	pfw_cond_resched();
	for (pc = 0; !ret && pc < p.n_insns; pc++) {
		ret = check_insn(&v, pc);
		if (!(pc & RESCHED_MASK))
			pfw_cond_resched();
	}
	pfw_cond_resched();
	if (!ret)
		ret = check_costs(&v);
	if (ret == -ENOMEM)
		vlog(&v, "out of memory while verifying");
out:
	free_scratch(&v);
	if (ret)
		return ret;
	*prog = p;
	return 0;
}

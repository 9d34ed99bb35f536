// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The program verifier, compiled unchanged into the kernel module and the
 * userspace compiler.
 *
 * A program is accepted only when every path through it ends in a terminal
 * instruction, every jump goes forward to an instruction inside the program,
 * and every operand (pool words, set, classifier, limiter, rule, string)
 * lies inside the blob.  The interpreter relies on these facts and checks
 * nothing of them again; it only bounds-checks packet reads.  Checks run in
 * one pass over the sections and one over the instructions, so verification
 * is linear in the size of the program.
 */
#include "../compat.h"
#include "bounds.h"
#include "../prog.h"

struct vctx {
	struct pfw_prog *p;
	char *log;
	size_t log_len;
};

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
	ARG_NEXT, ARG_DYN,
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
};

static const char *const addr_names[PFW_NADDRS] = {
	"saddr", "daddr", "smac", "dmac",
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

		if ((w != 1 && w != 4) || s->has_value > 1 || s->flags) {
			vlog(v, "set %u: bad width %u or flags", i, w);
			return -EINVAL;
		}
		stride = 2 * w + s->has_value;
		if (!pool_ok(p, s->pool_off, (__u64)s->n_elems * stride)) {
			vlog(v, "set %u: %u elements at pool %u run past the pool (%u words)",
			     i, s->n_elems, s->pool_off, p->n_pool);
			return -EINVAL;
		}
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

static int check_tree(struct vctx *v, __u32 ci, const struct pfw_cls_desc *c)
{
	const struct pfw_prog *p = v->p;
	const __u32 *nodes = p->pool + c->node_off;
	unsigned char *start;
	__u32 off = 0, i;
	int ret = -EINVAL;

	if (!c->node_words) {
		vlog(v, "classifier %u: empty tree", ci);
		return -EINVAL;
	}
	start = pfw_zalloc(c->node_words);
	if (!start)
		return -ENOMEM;
	/* Pass 1: the node area is a packed sequence of well-formed nodes. */
	while (off < c->node_words) {
		__u32 kind, n, width, need;

		if (c->node_words - off < 2)
			goto bad_node;
		start[off] = 1;
		kind = nodes[off] & 0xff;
		n = nodes[off + 1];
		if (kind == PFW_CLS_LEAF) {
			if (nodes[off] >> 8 || n > c->n_entries ||
			    n > c->node_words - off - 2)
				goto bad_node;
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

			if (dim >= PFW_NDIMS || c->node_words - off < 3)
				goto bad_node;
			width = dim_width(dim);
			if (word >= width || nodes[off + 2] >= 32 || n < 1 ||
			    n >= c->node_words)
				goto bad_node;
			need = 1 + 2 * width + n + 1;
			if ((__u64)need > c->node_words - off - 2)
				goto bad_node;
			if (pfw_bound_cmp(nodes + off + 3, nodes + off + 3 + width,
				      width) > 0)
				goto bad_node;
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
	/* Pass 2: every root and child offset names the start of a node. */
	for (i = 0; i < c->n_trees; i++) {
		__u32 root = p->pool[c->roots_off + i];

		if (root >= c->node_words || !start[root]) {
			vlog(v, "classifier %u: root %u is not a node", ci, i);
			goto out;
		}
	}
	for (off = 0; off < c->node_words;) {
		__u32 n = nodes[off + 1];
		__u32 width;

		if ((nodes[off] & 0xff) == PFW_CLS_LEAF) {
			off += 2 + n;
			continue;
		}
		if ((nodes[off] & 0xff) == PFW_CLS_SLICE) {
			const __u32 *kids;

			width = dim_width((nodes[off] >> 8) & 0xff);
			kids = nodes + off + 3 + 2 * width;
			for (i = 0; i <= n; i++) {
				if (!start[kids[i]]) {
					vlog(v, "classifier %u: node %u: child %u is not a node",
					     ci, off, kids[i]);
					goto out;
				}
			}
			off += 3 + 2 * width + n + 1;
			continue;
		}
		width = dim_width(nodes[off] >> 8);
		for (i = 0; i < n; i++) {
			__u32 child = nodes[off + 2 + (n - 1) * width + i];

			if (!start[child]) {
				vlog(v, "classifier %u: node %u: child %u is not a node",
				     ci, off, child);
				goto out;
			}
		}
		off += 2 + (n - 1) * width + n;
	}
	ret = 0;
	goto out;
bad_node:
	vlog(v, "classifier %u: malformed node at word %u", ci, off);
out:
	pfw_free(start);
	return ret;
}

static int check_classifiers(struct vctx *v)
{
	const struct pfw_prog *p = v->p;
	__u32 i, e;
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
		ret = check_tree(v, i, c);
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

		if (!l->rate || !l->burst ||
		    (l->flags & ~(PFW_LIM_BYTES | PFW_LIM_PER_SRC))) {
			vlog(v, "limiter %u: rate and burst must be non-zero, flags known",
			     i);
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
	case PFW_OP_INSET:
		ok = (field_is_scalar(f) || field_is_addr(f)) &&
		     in->arg < p->n_sets &&
		     p->sets[in->arg].width == (field_is_addr(f) ? 4 : 1);
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
	default:
		goto bad_arg;
	}
	if (in->op == PFW_OP_STATE_ADD && p->pool[in->arg] >= p->n_rules)
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
	if (!ret)
		ret = check_rules(&v);
	if (!ret)
		ret = check_sets(&v);
	if (!ret)
		ret = check_limiters(&v);
	if (!ret)
		ret = check_classifiers(&v);
	for (pc = 0; !ret && pc < p.n_insns; pc++)
		ret = check_insn(&v, pc);
	if (ret)
		return ret;
	*prog = p;
	return 0;
}

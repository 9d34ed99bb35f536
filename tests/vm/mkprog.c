// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mkprog: hand-assembled polyfw programs for the kernel module's VM tests
 * (tests/vm/t-kmod-*.sh), independent of the compiler.  Every program is
 * checked with the shared verifier before it is written.
 *
 *   mkprog accept OUT                  accept all (rule 0 counts forward,
 *                                      input and output)
 *   mkprog drop-udp OUT PORT           forward: udp dport PORT drop
 *   mkprog reject OUT PORT             forward: tcp dport PORT reset;
 *                                      tcp dport PORT+1 ICMP admin-prohibited
 *                                      (v4) / no-route (v6); icmp echo to
 *                                      anything: ICMP port unreachable
 *   mkprog log OUT PORT PREFIX         forward: tcp dport PORT log, accept
 *   mkprog count OUT [SHIFT]           forward: tcp 8080 / udp 5353 / icmp
 *                                      rules with fixed keys; SHIFT extra
 *                                      rules in front move their indices
 *   mkprog state OUT PORT [LIMIT]      forward: keep-state for tcp dport
 *                                      PORT (at most LIMIT per source),
 *                                      everything else dropped
 *   mkprog limit OUT RATE BURST        forward: icmp limited, then dropped
 *   mkprog big OUT N                   N tcp dport rules (a program of
 *                                      megabytes, loaded in many chunks)
 *   mkprog mark OUT MARK DSCP          forward: set mark and DSCP, accept
 *   mkprog queue OUT NUM BYPASS        forward: icmp to queue NUM (with the
 *                                      bypass flag when BYPASS is 1)
 *   mkprog rpf OUT MODE                forward: drop what fails reverse-path
 *                                      test MODE (1 verrevpath, 2 versrcreach,
 *                                      3 antispoof)
 *   mkprog ct OUT PORT                 forward: conntrack fields (reply
 *                                      direction, connection mark 0x42 set
 *                                      and matched, original dport PORT)
 *   mkprog nat OUT                     forward: tcp DNAT (a valid program the
 *                                      kernel refuses until NAT is carried out)
 *   mkprog lset OUT                    forward: live sets "block" (addresses
 *                                      with values: saddr in it with value
 *                                      7 drops, key 300), "ports" (numbers:
 *                                      udp dport in it drops, key 301) and
 *                                      "ifs" (interfaces: tcp 7777 from an
 *                                      iif in it drops, key 302), else
 *                                      accept (key 303)
 *   mkprog bad OUT                     a program the verifier refuses
 *                                      (written without checking)
 *   mkprog drop-tcp OUT PORT           forward, input and output: tcp dport
 *                                      PORT drop (key 1100), else accept (1101)
 *   mkprog budget OUT N                forward: a UDP packet runs through N
 *                                      tests in a row (a run of about N + 3
 *                                      cost units), then is accepted (key
 *                                      1300); anything else is accepted at
 *                                      once (key 1301, 3 units)
 *   mkprog hostile OUT KIND            a program the verifier must refuse
 *                                      (t-kmod-bounds.sh), written as it is;
 *                                      the shared verifier's reason goes to
 *                                      stderr as "mkprog: hostile KIND:
 *                                      refused: REASON".  Exit 0 when it was
 *                                      refused, 1 when the verifier took it.
 *                                      KIND: see hostile_kinds[] below.
 *   mkprog verify FILE                 runs the shared verifier over FILE:
 *                                      prints "ok, cost C" (exit 0) or
 *                                      "refused: REASON" (exit 1)
 *
 * Build: cc -O2 -I include -o mkprog tests/vm/mkprog.c \
 *           include/polyfw/lib/verifier.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polyfw/compat.h"
#include "polyfw/prog.h"

#define MAXW (1u << 22)

static struct pfw_insn *insns;
static uint32_t n_insns;
static uint32_t *pool; /* grows: hostile programs take millions of words */
static uint32_t n_pool, pool_cap;
static struct pfw_rule_desc *rules;
static uint32_t n_rules;
static struct pfw_set_desc *sets;
static uint32_t n_sets;
static struct pfw_cls_desc *cls;
static uint32_t n_cls;
static struct pfw_lim_desc lims[16];
static uint32_t n_lims;
static char *strtab;
static uint32_t n_strtab;
static uint32_t entry[PFW_HOOK_MAX];

static void die(const char *msg)
{
	fprintf(stderr, "mkprog: %s\n", msg);
	exit(2);
}

static uint32_t emit(uint8_t op, uint8_t field, uint16_t jf, uint32_t arg)
{
	if (n_insns >= MAXW / 2)
		die("too many instructions");
	insns[n_insns] = (struct pfw_insn){ op, field, jf, arg };
	return n_insns++;
}

/* Points the test at pc to jump to target when it fails. */
static void patch(uint32_t pc, uint32_t target)
{
	insns[pc].jf = (uint16_t)(target - pc - 1);
}

static uint32_t rule(uint32_t key, const char *loc)
{
	size_t len = strlen(loc) + 1;

	rules[n_rules] = (struct pfw_rule_desc){ n_rules + 1, n_strtab, key, 0 };
	memcpy(strtab + n_strtab, loc, len);
	n_strtab += len;
	return n_rules++;
}

/* n zeroed pool words; returns their offset (pool may move: keep offsets). */
static uint32_t pool_reserve(uint32_t n)
{
	uint32_t at = n_pool;

	if ((uint64_t)n_pool + n > PFW_MAX_POOL)
		die("pool full");
	if (n_pool + n > pool_cap) {
		uint32_t cap = pool_cap ? pool_cap : 4096;

		while (cap < n_pool + n)
			cap *= 2;
		pool = realloc(pool, (size_t)cap * 4);
		if (!pool)
			die("out of memory");
		memset(pool + pool_cap, 0, (size_t)(cap - pool_cap) * 4);
		pool_cap = cap;
	}
	n_pool += n;
	return at;
}

static uint32_t pool_add(const uint32_t *w, uint32_t n)
{
	uint32_t at = pool_reserve(n);

	memcpy(pool + at, w, (size_t)n * 4);
	return at;
}

/* One rule: tests (already emitted, listed in fails[]), RULE, verdict. */
struct cond {
	uint8_t op, field;
	uint32_t arg;
};

static void simple_rule(const struct cond *c, unsigned int n, uint32_t key,
			const char *loc, uint8_t verdict, uint32_t varg)
{
	uint32_t fails[8], i, r = rule(key, loc);

	for (i = 0; i < n; i++)
		fails[i] = emit(c[i].op, c[i].field, 0, c[i].arg);
	emit(PFW_OP_RULE, 0, 0, r);
	emit(verdict, 0, 0, varg);
	for (i = 0; i < n; i++)
		patch(fails[i], n_insns);
}

static void default_rule(uint32_t key, uint8_t verdict)
{
	emit(PFW_OP_RULE, 0, 0, rule(key, "mkprog:default"));
	emit(verdict, 0, 0, 0);
}

/* What write_blob() does with the verifier. */
enum check_mode {
	CHECK_NONE, /* write as it is */
	CHECK_PASS, /* must verify, else nothing is written */
	CHECK_FAIL, /* written as it is; must be refused (the reason to stderr) */
};
static const char *hostile_kind;

static int write_blob(const char *out, enum check_mode check)
{
	struct pfw_prog_hdr h;
	size_t bytes;
	uint32_t *blob, *w;
	uint32_t i;
	FILE *f;
	int rc = 0;

	while (n_strtab % 4)
		strtab[n_strtab++] = '\0';
	memset(&h, 0, sizeof(h));
	h.magic = PFW_PROG_MAGIC;
	h.version = PFW_PROG_VERSION;
	h.hdr_words = sizeof(h) / 4;
	h.n_insns = n_insns;
	h.n_pool = n_pool;
	h.n_rules = n_rules;
	h.n_sets = n_sets;
	h.n_cls = n_cls;
	h.n_lims = n_lims;
	h.n_strtab = n_strtab;
	for (i = 0; i < PFW_HOOK_MAX; i++)
		h.entry[i] = entry[i];
	bytes = sizeof(h) + (size_t)n_insns * 8 + (size_t)n_pool * 4 +
		(size_t)n_rules * 16 + (size_t)n_sets * sizeof(*sets) +
		(size_t)n_cls * sizeof(*cls) + (size_t)n_lims * 16 + n_strtab;
	blob = calloc(1, bytes);
	if (!blob)
		die("out of memory");
	w = blob;
	memcpy(w, &h, sizeof(h));
	w += sizeof(h) / 4;
	memcpy(w, insns, n_insns * 8);
	w += n_insns * 2;
	memcpy(w, pool, n_pool * 4);
	w += n_pool;
	memcpy(w, rules, (size_t)n_rules * 16);
	w += (size_t)n_rules * 4;
	memcpy(w, sets, (size_t)n_sets * sizeof(*sets));
	w += (size_t)n_sets * sizeof(*sets) / 4;
	memcpy(w, cls, (size_t)n_cls * sizeof(*cls));
	w += (size_t)n_cls * sizeof(*cls) / 4;
	memcpy(w, lims, (size_t)n_lims * 16);
	w += (size_t)n_lims * 4;
	memcpy(w, strtab, n_strtab);
	if (check != CHECK_NONE) {
		char log[PFW_VERIFY_LOG_LEN];
		struct pfw_prog p;
		int ret = pfw_verify(blob, bytes, &p, log, sizeof(log));

		if (check == CHECK_PASS && ret) {
			fprintf(stderr, "mkprog: does not verify: %s\n", log);
			return 1;
		}
		if (check == CHECK_FAIL) {
			if (!ret) {
				fprintf(stderr, "mkprog: hostile %s: the verifier accepts it (cost %u)\n",
					hostile_kind, p.cost);
				rc = 1;
			} else {
				fprintf(stderr, "mkprog: hostile %s: refused: %s\n",
					hostile_kind, log);
			}
		}
	}
	f = fopen(out, "wb");
	if (!f || fwrite(blob, 1, bytes, f) != bytes || fclose(f)) {
		perror(out);
		return 1;
	}
	free(blob);
	return rc;
}

static uint32_t num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end)
		die("not a number");
	return (uint32_t)v;
}

#define C(op, f, a) { PFW_OP_##op, PFW_FLD_##f, (a) }
#define REJ(kind, code) ((PFW_REJECT_##kind) << 8 | (code))

/* --- hostile programs (mkprog hostile OUT KIND) ------------------------- */

/* RULE, ACCEPT: the end every hostile chain falls into; returns its pc. */
static uint32_t tail(void)
{
	uint32_t pc = emit(PFW_OP_RULE, 0, 0, rule(1200, "mkprog:hostile"));

	emit(PFW_OP_ACCEPT, 0, 0, 0);
	return pc;
}

/* One classifier entry no packet matches (family 0xffffffff). */
static void entry_none(uint32_t at, uint32_t result)
{
	uint32_t *e = pool + at, d;

	e[0] = result;
	for (d = 0; d < PFW_DIM_NSCALAR; d++) {
		e[1 + 2 * d] = d == PFW_DIM_FAMILY ? 0xffffffff : 0;
		e[2 + 2 * d] = 0xffffffff;
	}
	for (d = 1 + 2 * PFW_DIM_NSCALAR; d < PFW_CLS_ENTRY_WORDS; d++)
		e[d] = (d - 1 - 2 * PFW_DIM_NSCALAR) % 8 < 4 ? 0 : 0xffffffff;
}

/* n never-matching entries with result 0; returns their offset. */
static uint32_t entries_none(uint32_t n)
{
	uint32_t at = pool_reserve(n * PFW_CLS_ENTRY_WORDS), i;

	for (i = 0; i < n; i++)
		entry_none(at + i * PFW_CLS_ENTRY_WORDS, 0);
	return at;
}

/*
 * A classifier with one result jumping to target; node area and roots as
 * given (offsets into the pool).  Returns its index.
 */
static uint32_t classifier(uint32_t target, uint32_t n_entries,
			   uint32_t entry_off, uint32_t node_off,
			   uint32_t node_words, uint32_t n_trees,
			   uint32_t roots_off)
{
	uint32_t jt = pool_add(&target, 1);

	cls[n_cls] = (struct pfw_cls_desc){
		.n_results = 1, .jt_off = jt, .n_entries = n_entries,
		.entry_off = entry_off, .node_off = node_off,
		.node_words = node_words, .n_trees = n_trees,
		.roots_off = roots_off,
	};
	return n_cls++;
}

/* A chain of n cut nodes, each child the next node, then an empty leaf. */
static uint32_t cut_chain(uint32_t n, uint32_t *words)
{
	uint32_t at = pool_reserve(n * 5 + 2), i;

	for (i = 0; i < n; i++) {
		uint32_t *w = pool + at + i * 5;

		w[0] = PFW_CLS_CUT | PFW_DIM_DPORT << 8;
		w[1] = 2;
		w[2] = 1000;
		w[3] = w[4] = i * 5 + 5;
	}
	pool[at + n * 5] = PFW_CLS_LEAF;
	*words = n * 5 + 2;
	return at;
}

/* CLASSIFY site (c, 0), then RULE, ACCEPT: the classifier is reached. */
static void classify_once(uint32_t (*build)(uint32_t target))
{
	uint32_t site[2] = { 0, 0 }, at = pool_add(site, 2);

	emit(PFW_OP_CLASSIFY, 0, 0, at);
	pool[at] = build(tail());
}

static uint32_t build_same_roots(uint32_t target)
{
	uint32_t leaf[2] = { PFW_CLS_LEAF, 0 }, nodes = pool_add(leaf, 2);
	uint32_t roots = pool_reserve(PFW_CLS_MAX_TREES); /* all 0: one node */

	return classifier(target, 0, n_pool, nodes, 2, PFW_CLS_MAX_TREES, roots);
}

static uint32_t build_cut_chain(uint32_t target)
{
	uint32_t words, nodes = cut_chain(1u << 20, &words);
	uint32_t roots = pool_reserve(1);

	return classifier(target, 0, n_pool, nodes, words, 1, roots);
}

static uint32_t build_deep_tree(uint32_t target)
{
	uint32_t words, nodes = cut_chain(PFW_CLS_MAX_DEPTH + 1, &words);
	uint32_t roots = pool_reserve(1);

	return classifier(target, 0, n_pool, nodes, words, 1, roots);
}

static uint32_t build_big_leaf(uint32_t target)
{
	uint32_t n = PFW_CLS_MAX_LEAF + 1, ent = entries_none(n), i;
	uint32_t nodes = pool_reserve(2 + n), roots = pool_reserve(1);

	pool[nodes] = PFW_CLS_LEAF;
	pool[nodes + 1] = n;
	for (i = 0; i < n; i++)
		pool[nodes + 2 + i] = i;
	return classifier(target, n, ent, nodes, 2 + n, 1, roots);
}

static uint32_t build_slice_words(uint32_t target)
{
	/* saddr sliced at word 2, but lo and hi differ at word 1 */
	uint32_t node[15] = {
		PFW_CLS_SLICE | PFW_DIM_SADDR << 8 | 2 << 16, 1, 0,
		0x20010db8, 0, 0, 0,
		0x20010db8, 1, 0xffffffff, 0xffffffff,
		13, 13,
		PFW_CLS_LEAF, 0,
	};
	uint32_t nodes = pool_add(node, 15), roots = pool_reserve(1);

	return classifier(target, 0, n_pool, nodes, 15, 1, roots);
}

/*
 * A million CLASSIFY instructions in a row, each walking 16 leaves of 64
 * entries that never match and falling through: cheap to send (8 MiB),
 * about a billion cost units to run.
 */
static void hostile_classify_chain(void)
{
	uint32_t n = 1u << 20, site[2] = { 0, 0 }, at = pool_add(site, 2);
	uint32_t ent = entries_none(64), nodes, roots, i, j;

	nodes = pool_reserve(PFW_CLS_MAX_TREES * 66);
	roots = pool_reserve(PFW_CLS_MAX_TREES);
	for (i = 0; i < PFW_CLS_MAX_TREES; i++) {
		pool[nodes + i * 66] = PFW_CLS_LEAF;
		pool[nodes + i * 66 + 1] = 64;
		for (j = 0; j < 64; j++)
			pool[nodes + i * 66 + 2 + j] = j;
		pool[roots + i] = i * 66;
	}
	for (i = 0; i < n; i++)
		emit(PFW_OP_CLASSIFY, 0, 0, at);
	pool[at] = classifier(tail(), 64, ent, nodes,
			      PFW_CLS_MAX_TREES * 66, PFW_CLS_MAX_TREES, roots);
}

/* 1.1 million plain tests in a row: over PFW_MAX_COST by itself. */
static void hostile_long_chain(void)
{
	uint32_t i;

	for (i = 0; i < 1100000; i++)
		emit(PFW_OP_CMP, PFW_FLD_L4PROTO, 0, 17);
	tail();
}

/* 65536 classifiers, each with its own root and jump table, one node area. */
static void hostile_alias(void)
{
	uint32_t target = tail(), nodes = pool_reserve(2 * 4096), i;

	for (i = 0; i < 4096; i++)
		pool[nodes + 2 * i] = PFW_CLS_LEAF;
	for (i = 0; i < PFW_MAX_CLS; i++)
		classifier(target, 0, n_pool, nodes, 2 * 4096, 1,
			   pool_reserve(1));
}

/* 65536 sets of 4096 elements, all over the same pool words. */
static void hostile_alias_sets(void)
{
	uint32_t el = pool_reserve(2 * 4096), i;

	for (i = 0; i < 4096; i++)
		pool[el + 2 * i] = pool[el + 2 * i + 1] = 2 * i;
	for (i = 0; i < PFW_MAX_SETS; i++)
		sets[n_sets++] = (struct pfw_set_desc){ 1, 0, 0, 4096, el };
	emit(PFW_OP_INSET, PFW_FLD_DPORT, 0, 1);
	tail();
}

/* 65536 STATE_CHECKs sharing one list of 65536 pairs. */
static void hostile_alias_state(void)
{
	uint32_t n = PFW_MAX_STATE_PAIRS, m = 65536, i;
	uint32_t list = pool_reserve(1 + 2 * n);

	pool[list] = n;
	for (i = 0; i < m; i++)
		emit(PFW_OP_STATE_CHECK, 0, 0, list);
	tail();
	for (i = 0; i < n; i++) {
		pool[list + 1 + 2 * i] = 0; /* the rule tail() made */
		pool[list + 2 + 2 * i] = m; /* tail()'s RULE */
	}
}

static void hostile_state_pairs(void)
{
	uint32_t n = PFW_MAX_STATE_PAIRS + 1, i;
	uint32_t list = pool_reserve(1 + 2 * n);

	pool[list] = n;
	emit(PFW_OP_STATE_CHECK, 0, 0, list);
	tail();
	for (i = 0; i < n; i++)
		pool[list + 2 + 2 * i] = 1;
}

static void hostile_state_add(uint32_t limit)
{
	uint32_t op[2] = { 0, limit };

	emit(PFW_OP_STATE_ADD, 0, 0, pool_add(op, 2));
	tail();
}

static const char *const hostile_kinds[] = {
	"same-roots",	/* 16 roots at one node */
	"cut-chain",	/* a million cut nodes in a chain (20 MiB) */
	"deep-tree",	/* 25 cut nodes in a chain: one over the depth limit */
	"classify-chain", /* a million CLASSIFYs that find nothing */
	"long-chain",	/* 1.1 million CMPs in a row */
	"alias",	/* 65536 classifiers over one node area */
	"alias-sets",	/* 65536 sets over one element array */
	"alias-state",	/* 65536 STATE_CHECKs over one pair list */
	"big-leaf",	/* a leaf of 4097 entries */
	"state-pairs",	/* a STATE_CHECK of 65537 pairs */
	"rpf-mode",	/* RPF mode 4 */
	"state-limit",	/* STATE_ADD limit with an unknown bit */
	"state-limit-nofields", /* a count, no fields to count by */
	"state-limit-nocount", /* fields, no count */
	"rule-flags",	/* a rule descriptor with flag 0x2 */
	"slice-words",	/* a 4-word slice whose lo, hi differ above its word */
	"reject-postrouting", /* REJECT reachable from postrouting */
	NULL,
};

static int hostile(const char *kind)
{
	if (!strcmp(kind, "same-roots")) {
		classify_once(build_same_roots);
	} else if (!strcmp(kind, "cut-chain")) {
		classify_once(build_cut_chain);
	} else if (!strcmp(kind, "deep-tree")) {
		classify_once(build_deep_tree);
	} else if (!strcmp(kind, "classify-chain")) {
		hostile_classify_chain();
	} else if (!strcmp(kind, "long-chain")) {
		hostile_long_chain();
	} else if (!strcmp(kind, "alias")) {
		hostile_alias();
	} else if (!strcmp(kind, "alias-sets")) {
		hostile_alias_sets();
	} else if (!strcmp(kind, "alias-state")) {
		hostile_alias_state();
	} else if (!strcmp(kind, "big-leaf")) {
		classify_once(build_big_leaf);
	} else if (!strcmp(kind, "state-pairs")) {
		hostile_state_pairs();
	} else if (!strcmp(kind, "rpf-mode")) {
		emit(PFW_OP_RPF, 0, 0, 4);
		tail();
	} else if (!strcmp(kind, "state-limit")) {
		hostile_state_add(0x10000000 | PFW_STATE_LIM_SRCADDR | 1);
	} else if (!strcmp(kind, "state-limit-nofields")) {
		hostile_state_add(3);
	} else if (!strcmp(kind, "state-limit-nocount")) {
		hostile_state_add(PFW_STATE_LIM_SRCADDR);
	} else if (!strcmp(kind, "rule-flags")) {
		tail();
		rules[0].flags = 0x2;
	} else if (!strcmp(kind, "slice-words")) {
		classify_once(build_slice_words);
	} else if (!strcmp(kind, "reject-postrouting")) {
		entry[PFW_HOOK_POSTROUTING] = 0;
		emit(PFW_OP_RULE, 0, 0, rule(1201, "mkprog:reject"));
		emit(PFW_OP_REJECT, 0, 0, REJ(AUTO, 0));
	} else {
		return -1;
	}
	return 0;
}

static int verify_file(const char *path)
{
	char log[PFW_VERIFY_LOG_LEN];
	struct pfw_prog p;
	uint32_t *blob;
	size_t len;
	long size;
	FILE *f = fopen(path, "rb");

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		perror(path);
		return 2;
	}
	blob = malloc(size ? (size_t)size : 4);
	if (!blob)
		die("out of memory");
	len = fread(blob, 1, (size_t)size, f);
	fclose(f);
	if (pfw_verify(blob, len, &p, log, sizeof(log))) {
		printf("refused: %s\n", log);
		return 1;
	}
	printf("ok, cost %u\n", p.cost);
	return 0;
}


int main(int argc, char **argv)
{
	const char *what, *out;
	uint32_t i;
	enum check_mode check = CHECK_PASS;

	if (argc < 3)
		die("usage: mkprog accept|drop-udp|drop-tcp|reject|log|count|state|limit|big|mark|queue|rpf|budget|bad OUT [ARGS]\n"
		    "       mkprog hostile OUT KIND\n"
		    "       mkprog verify FILE");
	what = argv[1];
	out = argv[2];
	if (!strcmp(what, "verify") && argc == 3)
		return verify_file(out);
	insns = calloc(MAXW / 2, sizeof(*insns));
	rules = calloc(1u << 20, sizeof(*rules));
	strtab = calloc(1u << 24, 1);
	sets = calloc(PFW_MAX_SETS, sizeof(*sets));
	cls = calloc(PFW_MAX_CLS, sizeof(*cls));
	if (!insns || !rules || !strtab || !sets || !cls)
		die("out of memory");
	for (i = 0; i < PFW_HOOK_MAX; i++)
		entry[i] = PFW_NO_ENTRY;
	entry[PFW_HOOK_FORWARD] = 0;

	if (!strcmp(what, "accept")) {
		entry[PFW_HOOK_INPUT] = 0;
		entry[PFW_HOOK_OUTPUT] = 0;
		default_rule(1, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "lset")) {
		static const char *const names[] = { "block", "ports", "ifs" };
		struct cond blk[] = { C(INSET, SADDR, 0), C(CMP, TABLEARG, 7) };
		struct cond prt[] = { C(CMP, L4PROTO, 17), C(INSET, DPORT, 1) };
		struct cond ifs[] = { C(CMP, L4PROTO, 6), C(CMP, DPORT, 7777),
				      C(INSET, IIF, 2) };
		unsigned int k;

		for (k = 0; k < 3; k++) {
			sets[n_sets++] = (struct pfw_set_desc){
				k == 1 ? 1 : 4, k == 0,
				PFW_SET_F_LIVE | (k == 2 ? PFW_SET_F_IFNAME : 0),
				0, n_strtab };
			memcpy(strtab + n_strtab, names[k], strlen(names[k]) + 1);
			n_strtab += strlen(names[k]) + 1;
		}
		simple_rule(blk, 2, 300, "mkprog:lset-block", PFW_OP_DROP, 0);
		simple_rule(prt, 2, 301, "mkprog:lset-ports", PFW_OP_DROP, 0);
		simple_rule(ifs, 3, 302, "mkprog:lset-ifs", PFW_OP_DROP, 0);
		default_rule(303, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "drop-udp") && argc == 4) {
		struct cond c[] = { C(CMP, L4PROTO, 17), C(CMP, DPORT, num(argv[3])) };

		simple_rule(c, 2, 100, "mkprog:drop-udp", PFW_OP_DROP, 0);
		default_rule(101, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "reject") && argc == 4) {
		uint32_t port = num(argv[3]);
		struct cond rst[] = { C(CMP, L4PROTO, 6), C(CMP, DPORT, port) };
		struct cond ic4[] = { C(CMP, FAMILY, 4), C(CMP, L4PROTO, 6),
				      C(CMP, DPORT, port + 1) };
		struct cond ic6[] = { C(CMP, FAMILY, 6), C(CMP, L4PROTO, 6),
				      C(CMP, DPORT, port + 1) };
		struct cond echo[] = { C(CMP, L4PROTO, 1), C(CMP, ICMPTYPE, 8) };

		simple_rule(rst, 2, 200, "mkprog:reject-rst", PFW_OP_REJECT,
			    REJ(TCP_RST, 0));
		simple_rule(ic4, 3, 201, "mkprog:reject-icmp",
			    PFW_OP_REJECT, REJ(ICMP, 13));
		simple_rule(ic6, 3, 202, "mkprog:reject-icmp6",
			    PFW_OP_REJECT, REJ(ICMP6, 0));
		simple_rule(echo, 2, 203, "mkprog:reject-echo",
			    PFW_OP_REJECT, REJ(AUTO, 0));
		default_rule(204, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "log") && argc == 5) {
		uint32_t op[PFW_LOG_WORDS] = { 4, PFW_NONE32, 0 };
		uint32_t f1, f2, r = rule(300, "mkprog:log");

		strncpy((char *)(op + 3), argv[4], PFW_LOG_PREFIX_LEN - 1);
		f1 = emit(PFW_OP_CMP, PFW_FLD_L4PROTO, 0, 6);
		f2 = emit(PFW_OP_CMP, PFW_FLD_DPORT, 0, num(argv[3]));
		emit(PFW_OP_RULE, 0, 0, r);
		emit(PFW_OP_LOG, 0, 0, pool_add(op, PFW_LOG_WORDS));
		emit(PFW_OP_ACCEPT, 0, 0, 0);
		patch(f1, n_insns);
		patch(f2, n_insns);
		default_rule(301, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "count") && (argc == 3 || argc == 4)) {
		uint32_t shift = argc == 4 ? num(argv[3]) : 0;
		struct cond tcp[] = { C(CMP, L4PROTO, 6), C(CMP, DPORT, 8080) };
		struct cond udp[] = { C(CMP, L4PROTO, 17), C(CMP, DPORT, 5353) };
		struct cond icmp[] = { C(CMP, L4PROTO, 1) };

		for (i = 0; i < shift; i++) {
			struct cond c[] = { C(CMP, L4PROTO, 6),
					    C(CMP, DPORT, 1 + i) };

			simple_rule(c, 2, 900 + i, "mkprog:shift",
				    PFW_OP_DROP, 0);
		}
		simple_rule(tcp, 2, 400, "mkprog:count-tcp", PFW_OP_ACCEPT, 0);
		simple_rule(udp, 2, 401, "mkprog:count-udp", PFW_OP_ACCEPT, 0);
		simple_rule(icmp, 1, 402, "mkprog:count-icmp", PFW_OP_ACCEPT, 0);
		default_rule(403, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "state") && (argc == 4 || argc == 5)) {
		uint32_t limit = argc == 5 ? PFW_STATE_LIM_SRCADDR | num(argv[4]) : 0;
		uint32_t site[3] = { 1, 0, 6 }, add[2] = { 0, limit };

		rule(500, "mkprog:state-add");
		rule(501, "mkprog:default");
		rule(502, "mkprog:state-hit");
		emit(PFW_OP_STATE_CHECK, 0, 0, pool_add(site, 3));
		emit(PFW_OP_CMP, PFW_FLD_L4PROTO, 6 - 2, 6);
		emit(PFW_OP_CMP, PFW_FLD_DPORT, 8 - 3, num(argv[3]));
		emit(PFW_OP_STATE_ADD, 0, 8 - 4, pool_add(add, 2));
		emit(PFW_OP_RULE, 0, 0, 0);
		emit(PFW_OP_ACCEPT, 0, 0, 0);
		emit(PFW_OP_RULE, 0, 0, 2);
		emit(PFW_OP_ACCEPT, 0, 0, 0);
		emit(PFW_OP_RULE, 0, 0, 1);
		emit(PFW_OP_DROP, 0, 0, 0);
		insns[1].jf = 8 - 2;
	} else if (!strcmp(what, "limit") && argc == 5) {
		struct cond icmp[] = { C(CMP, L4PROTO, 1), C(LIMIT, FAMILY, 0) };
		struct cond icmp2[] = { C(CMP, L4PROTO, 1) };

		lims[n_lims++] = (struct pfw_lim_desc){ num(argv[3]),
							num(argv[4]), 0, 7 };
		simple_rule(icmp, 2, 600, "mkprog:limit-pass", PFW_OP_ACCEPT, 0);
		simple_rule(icmp2, 1, 601, "mkprog:limit-drop", PFW_OP_DROP, 0);
		default_rule(602, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "big") && argc == 4) {
		uint32_t n = num(argv[3]);

		for (i = 0; i < n; i++) {
			struct cond c[] = { C(CMP, L4PROTO, 6),
					    C(CMP, DPORT, 10000 + i % 50000) };

			simple_rule(c, 2, 10000 + i, "mkprog:big", PFW_OP_DROP, 0);
		}
		default_rule(9999, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "mark") && argc == 5) {
		uint32_t m[2] = { 0xffffffff, num(argv[3]) };

		emit(PFW_OP_RULE, 0, 0, rule(700, "mkprog:mark"));
		emit(PFW_OP_SET_MARK, 0, 0, pool_add(m, 2));
		emit(PFW_OP_SET_DSCP, 0, 0, num(argv[4]));
		emit(PFW_OP_ACCEPT, 0, 0, 0);
	} else if (!strcmp(what, "queue") && argc == 5) {
		struct cond icmp[] = { C(CMP, L4PROTO, 1) };

		simple_rule(icmp, 1, 810, "mkprog:queue", PFW_OP_QUEUE,
			    num(argv[3]) | (num(argv[4]) ? PFW_QUEUE_BYPASS : 0));
		default_rule(811, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "rpf") && argc == 4) {
		struct cond c[] = { { PFW_OP_RPF, PFW_F_INV, num(argv[3]) } };

		simple_rule(c, 1, 800, "mkprog:rpf-drop", PFW_OP_DROP, 0);
		default_rule(801, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "bad")) {
		/* A jump past the end: the kernel must refuse it too. */
		emit(PFW_OP_JMP, 0, 0, 5);
		emit(PFW_OP_ACCEPT, 0, 0, 0);
		check = CHECK_NONE;
	} else if (!strcmp(what, "drop-tcp") && argc == 4) {
		struct cond c[] = { C(CMP, L4PROTO, 6), C(CMP, DPORT, num(argv[3])) };

		entry[PFW_HOOK_INPUT] = 0;
		entry[PFW_HOOK_OUTPUT] = 0;
		simple_rule(c, 2, 1100, "mkprog:drop-tcp", PFW_OP_DROP, 0);
		default_rule(1101, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "budget") && argc == 4) {
		uint32_t n = num(argv[3]), udp = rule(1300, "mkprog:budget-udp");
		uint32_t other = rule(1301, "mkprog:budget-other");

		if (n < 1 || n > PFW_MAX_COST - 8)
			die("budget: N out of range");
		/* not UDP: accepted at once; UDP: skips to the chain */
		emit(PFW_OP_CMP, PFW_FLD_L4PROTO | PFW_F_INV, 2, 17);
		emit(PFW_OP_RULE, 0, 0, other);
		emit(PFW_OP_ACCEPT, 0, 0, 0);
		for (i = 0; i < n; i++)
			emit(PFW_OP_CMP, PFW_FLD_DPORT, 0, 0);
		emit(PFW_OP_RULE, 0, 0, udp);
		emit(PFW_OP_ACCEPT, 0, 0, 0);
	} else if (!strcmp(what, "ct") && argc == 4) {
		/*
		 * forward: 0 replies accepted; 1 udp on a connection marked
		 * 0x42 accepted; 2 udp whose original destination port (before
		 * DNAT) is PORT: mark the connection 0x42, accept; 3 other udp
		 * dropped; 4 the rest accepted
		 */
		struct cond reply[] = { C(CMP, CTDIR, 1) };
		struct cond marked[] = { C(CMP, L4PROTO, 17), C(CMP, CTMARK, 0x42) };
		struct cond udp[] = { C(CMP, L4PROTO, 17) };
		uint32_t m[2] = { 0xffffffff, 0x42 }, f1, f2, r;

		simple_rule(reply, 1, 1500, "mkprog:ct-reply", PFW_OP_ACCEPT, 0);
		simple_rule(marked, 2, 1501, "mkprog:ct-marked", PFW_OP_ACCEPT, 0);
		r = rule(1502, "mkprog:ct-forwarded");
		f1 = emit(PFW_OP_CMP, PFW_FLD_L4PROTO, 0, 17);
		f2 = emit(PFW_OP_CMP, PFW_FLD_ODPORT, 0, num(argv[3]));
		emit(PFW_OP_RULE, 0, 0, r);
		emit(PFW_OP_SET_CTMARK, 0, 0, pool_add(m, 2));
		emit(PFW_OP_ACCEPT, 0, 0, 0);
		patch(f1, n_insns);
		patch(f2, n_insns);
		simple_rule(udp, 1, 1503, "mkprog:ct-udp-drop", PFW_OP_DROP, 0);
		default_rule(1504, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "nat") && argc == 3) {
		/* forward: tcp dnat to ::ffff:10.9.9.9 port 80 (valid, not run) */
		uint32_t op[PFW_NAT_WORDS] = { PFW_NAT_DNAT,
					       PFW_NAT_F_ADDR | PFW_NAT_F_PORT,
					       0, 0, 0xffff, 0x0a090909,
					       0, 0, 0xffff, 0x0a090909, 80, 80 };
		struct cond c[] = { C(CMP, L4PROTO, 6) };

		simple_rule(c, 1, 1400, "mkprog:nat", PFW_OP_NAT,
			    pool_add(op, PFW_NAT_WORDS));
		default_rule(1401, PFW_OP_ACCEPT);
	} else if (!strcmp(what, "hostile") && argc == 4) {
		hostile_kind = argv[3];
		if (hostile(hostile_kind)) {
			fprintf(stderr, "mkprog: hostile kinds:");
			for (i = 0; hostile_kinds[i]; i++)
				fprintf(stderr, " %s", hostile_kinds[i]);
			fprintf(stderr, "\n");
			die("unknown hostile kind");
		}
		check = CHECK_FAIL;
	} else {
		die("unknown program or wrong arguments");
	}
	return write_blob(out, check);
}

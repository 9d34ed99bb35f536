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
 *   mkprog bad OUT                     a program the verifier refuses
 *                                      (written without checking)
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
static uint32_t pool[4096];
static uint32_t n_pool;
static struct pfw_rule_desc *rules;
static uint32_t n_rules;
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

static uint32_t pool_add(const uint32_t *w, uint32_t n)
{
	uint32_t at = n_pool;

	if (n_pool + n > sizeof(pool) / 4)
		die("pool full");
	memcpy(pool + n_pool, w, n * 4);
	n_pool += n;
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

static int write_blob(const char *out, int check)
{
	struct pfw_prog_hdr h;
	size_t bytes;
	uint32_t *blob, *w;
	uint32_t i;
	FILE *f;

	while (n_strtab % 4)
		strtab[n_strtab++] = '\0';
	memset(&h, 0, sizeof(h));
	h.magic = PFW_PROG_MAGIC;
	h.version = PFW_PROG_VERSION;
	h.hdr_words = sizeof(h) / 4;
	h.n_insns = n_insns;
	h.n_pool = n_pool;
	h.n_rules = n_rules;
	h.n_lims = n_lims;
	h.n_strtab = n_strtab;
	for (i = 0; i < PFW_HOOK_MAX; i++)
		h.entry[i] = entry[i];
	bytes = sizeof(h) + n_insns * 8 + n_pool * 4 + n_rules * 16 +
		n_lims * 16 + n_strtab;
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
	memcpy(w, rules, n_rules * 16);
	w += n_rules * 4;
	memcpy(w, lims, n_lims * 16);
	w += n_lims * 4;
	memcpy(w, strtab, n_strtab);
	if (check) {
		char log[PFW_VERIFY_LOG_LEN];
		struct pfw_prog p;

		if (pfw_verify(blob, bytes, &p, log, sizeof(log))) {
			fprintf(stderr, "mkprog: does not verify: %s\n", log);
			return 1;
		}
	}
	f = fopen(out, "wb");
	if (!f || fwrite(blob, 1, bytes, f) != bytes || fclose(f)) {
		perror(out);
		return 1;
	}
	free(blob);
	return 0;
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

int main(int argc, char **argv)
{
	const char *what, *out;
	uint32_t i;
	int check = 1;

	if (argc < 3)
		die("usage: mkprog accept|drop-udp|reject|log|count|state|limit|big|mark|queue|rpf|bad OUT [ARGS]");
	what = argv[1];
	out = argv[2];
	insns = calloc(MAXW / 2, sizeof(*insns));
	rules = calloc(1u << 20, sizeof(*rules));
	strtab = calloc(1u << 24, 1);
	if (!insns || !rules || !strtab)
		die("out of memory");
	for (i = 0; i < PFW_HOOK_MAX; i++)
		entry[i] = PFW_NO_ENTRY;
	entry[PFW_HOOK_FORWARD] = 0;

	if (!strcmp(what, "accept")) {
		entry[PFW_HOOK_INPUT] = 0;
		entry[PFW_HOOK_OUTPUT] = 0;
		default_rule(1, PFW_OP_ACCEPT);
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
		check = 0;
	} else {
		die("unknown program or wrong arguments");
	}
	return write_blob(out, check);
}

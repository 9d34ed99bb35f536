// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * The kernel build of the shared verifier and interpreter: a small program
 * is accepted and runs, counting its rule; junk is refused with a reason.
 */
#include "../hook.h"

#include <polyfw/interp.h>

static void *__init blob_of(const void *src, size_t len)
{
	void *blob = kvmalloc(len, GFP_KERNEL);

	if (blob)
		memcpy(blob, src, len);
	return blob;
}

bool __init pfw_prog_selftest(void)
{
	/* forward: RULE 0; ACCEPT.  One rule, key 42, at "t". */
	struct {
		struct pfw_prog_hdr h;
		struct pfw_insn insns[2];
		struct pfw_rule_desc rules[1];
		char strtab[4];
	} src = {
		.h = {
			.magic = PFW_PROG_MAGIC,
			.version = PFW_PROG_VERSION,
			.hdr_words = sizeof(struct pfw_prog_hdr) / 4,
			.n_insns = 2,
			.n_rules = 1,
			.n_strtab = 4,
			.entry = { PFW_NO_ENTRY, PFW_NO_ENTRY, 0, PFW_NO_ENTRY,
				   PFW_NO_ENTRY },
		},
		.insns = { { PFW_OP_RULE, 0, 0, 0 }, { PFW_OP_ACCEPT, 0, 0, 0 } },
		.rules = { { 1, 0, 42, 0 } },
		.strtab = "t",
	};
	char log[PFW_VERIFY_LOG_LEN];
	struct pfw_runtime *rt;
	struct pfw_ctr_val val;
	struct pfw_ctx ctx = {};
	struct pfw_run run = {};
	struct pfw_pkt pkt;
	bool ok = true;
	void *blob;

#define CHECK(cond) do {						\
		if (!(cond)) {						\
			pr_err("prog self-test %d failed\n", __LINE__); \
			ok = false;					\
		}							\
	} while (0)

	BUILD_BUG_ON(sizeof(src) != sizeof(src.h) + 16 + 16 + 4);
	blob = blob_of(&src, sizeof(src));
	if (!blob)
		return false;
	rt = pfw_prog_create(blob, sizeof(src), log, sizeof(log));
	if (IS_ERR(rt)) {
		pr_err("prog self-test: %s\n", log);
		return false;
	}
	CHECK(pfw_prog_rule_by_key(rt, 42) == 0);
	CHECK(pfw_prog_rule_by_key(rt, 43) == -1);

	pfw_pkt_init(&pkt);
	pkt.len = 60;
	ctx.rt = rt;
	ctx.now = 1000;
	run.prog = &rt->prog;
	run.pkt = &pkt;
	run.host = &ctx;
	local_bh_disable();
	CHECK(pfw_interp_run(&run, PFW_HOOK_FORWARD) == PFW_V_ACCEPT);
	local_bh_enable();
	CHECK(run.rule == 0);
	pfw_counters_read(&rt->ctrs, 0, &val);
	CHECK(val.packets == 1 && val.bytes == 60 && val.last == 1000);
	CHECK(pfw_interp_run(&run, PFW_HOOK_INPUT) == PFW_V_ACCEPT &&
	      run.rule == PFW_NONE32);
	pfw_prog_destroy(rt);

	src.h.magic = 0x12345678;
	blob = blob_of(&src, sizeof(src));
	if (!blob)
		return false;
	rt = pfw_prog_create(blob, sizeof(src), log, sizeof(log));
	CHECK(IS_ERR(rt) && PTR_ERR(rt) == -EINVAL);
	CHECK(!strcmp(log, "bad magic 0x12345678"));
#undef CHECK
	if (ok)
		pr_info("prog self-tests: pass\n");
	return ok;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Program objects: a verified blob and what the kernel keeps beside it.
 * table.c makes them active and replaces them; a replaced program is kept
 * until a grace period has passed, so that packets still running it finish
 * and its counters are final when they are carried over.
 */
#include "prog.h"
#include "keysort.h"
#include "limits.h"

#include <linux/err.h>
#include <linux/kmod.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <net/netfilter/nf_log.h>

static u32 scan_uses(const struct pfw_prog *p)
{
	u32 uses = 0, pc;

	for (pc = 0; pc < p->n_insns; pc++) {
		const struct pfw_insn *in = &p->insns[pc];
		unsigned int f = in->field & PFW_F_MASK;

		switch (in->op) {
		case PFW_OP_CMP:
		case PFW_OP_RANGE:
		case PFW_OP_MASK:
		case PFW_OP_ANYBITS:
		case PFW_OP_ADDR_MASK:
		case PFW_OP_ADDR_RANGE:
		case PFW_OP_IFNAME:
		case PFW_OP_INSET:
		case PFW_OP_SWITCH:
			if (f == PFW_FLD_SADDRTYPE || f == PFW_FLD_DADDRTYPE)
				uses |= PFW_USES_ADDRTYPE;
			else if (f == PFW_FLD_UID || f == PFW_FLD_GID)
				uses |= PFW_USES_OWNER;
			else if (f == PFW_FLD_PHYSIN || f == PFW_FLD_PHYSOUT)
				uses |= PFW_USES_PHYS;
			else if (f == PFW_FLD_SMAC || f == PFW_FLD_DMAC)
				uses |= PFW_USES_MAC;
			else if (f == PFW_FLD_CTDIR || f == PFW_FLD_CTMARK ||
				 f == PFW_FLD_ODPORT || f == PFW_FLD_ODADDR)
				uses |= PFW_USES_CT;
			else if (f == PFW_FLD_IIF)
				uses |= PFW_USES_IIF;
			else if (f == PFW_FLD_OIF)
				uses |= PFW_USES_OIF;
			break;
		case PFW_OP_SET_CTMARK:
			uses |= PFW_USES_CT;
			break;
		case PFW_OP_STATE_ADD:
		case PFW_OP_STATE_CHECK:
			uses |= PFW_USES_STATE;
			break;
		case PFW_OP_NAT:
			uses |= PFW_USES_NAT;
			break;
		case PFW_OP_LOG:
			if (p->pool[in->arg + 2] & PFW_LOG_NFLOG)
				uses |= PFW_USES_NFLOG;
			else
				uses |= PFW_USES_LOG;
			break;
		default:
			break;
		}
	}
	return uses;
}

static int build_keys(struct pfw_runtime *rt)
{
	u32 i, n = rt->prog.n_rules;

	if (!n)
		return 0;
	rt->keys = kvmalloc_array(n, sizeof(*rt->keys),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!rt->keys)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		rt->keys[i].key = rt->prog.rules[i].key;
		rt->keys[i].idx = i;
	}
	return pfw_sort_keys(rt->keys, n);
}

/* Room for the live set pointers, when the program declares any. */
static int alloc_lsets(struct pfw_runtime *rt)
{
	u32 i;

	for (i = 0; i < rt->prog.n_sets; i++) {
		if (rt->prog.sets[i].flags & PFW_SET_F_LIVE)
			rt->n_live++;
	}
	if (!rt->n_live)
		return 0;
	rt->lsets = kvcalloc(rt->prog.n_sets, sizeof(*rt->lsets),
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	return rt->lsets ? 0 : -ENOMEM;
}

long pfw_prog_rule_by_key(const struct pfw_runtime *rt, u32 key)
{
	long at = pfw_find_key(rt->keys, rt->prog.n_rules, key);

	return at < 0 ? -1L : (long)rt->keys[at].idx;
}

/*
 * A logger reference per family, as xt_LOG and nft_log take them; the
 * logger module (nf_log_syslog, nfnetlink_log) is loaded on demand.
 */
static int get_family_logger(u8 pf, int type)
{
	if (!nf_logger_find_get(pf, type))
		return 0;
	request_module("nf-logger-%u-%u", pf, type);
	return nf_logger_find_get(pf, type);
}

static int get_logger(int type)
{
	int ret;

	ret = get_family_logger(NFPROTO_IPV4, type);
	if (ret)
		return ret;
	ret = get_family_logger(NFPROTO_IPV6, type);
	if (ret)
		nf_logger_put(NFPROTO_IPV4, type);
	return ret;
}

static void put_logger(int type)
{
	nf_logger_put(NFPROTO_IPV4, type);
	nf_logger_put(NFPROTO_IPV6, type);
}

static int get_loggers(struct pfw_runtime *rt, char *log, size_t log_len)
{
	int ret;

	if (rt->uses & PFW_USES_LOG) {
		ret = get_logger(NF_LOG_TYPE_LOG);
		if (ret) {
			snprintf(log, log_len,
				 "LOG needs a kernel logger (nf_log_syslog): error %d",
				 ret);
			rt->uses &= ~(PFW_USES_LOG | PFW_USES_NFLOG);
			return ret;
		}
	}
	if (rt->uses & PFW_USES_NFLOG) {
		ret = get_logger(NF_LOG_TYPE_ULOG);
		if (ret) {
			snprintf(log, log_len, "NFLOG needs nfnetlink_log: error %d",
				 ret);
			if (rt->uses & PFW_USES_LOG)
				put_logger(NF_LOG_TYPE_LOG);
			rt->uses &= ~(PFW_USES_LOG | PFW_USES_NFLOG);
			return ret;
		}
	}
	return 0;
}

static void put_loggers(struct pfw_runtime *rt)
{
	if (rt->uses & PFW_USES_LOG)
		put_logger(NF_LOG_TYPE_LOG);
	if (rt->uses & PFW_USES_NFLOG)
		put_logger(NF_LOG_TYPE_ULOG);
}

struct pfw_runtime *pfw_prog_create(void *blob, u32 size, char *log,
				    size_t log_len)
{
	struct pfw_runtime *rt;
	int ret;

	rt = kzalloc(sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt) {
		kvfree(blob);
		return ERR_PTR(-ENOMEM);
	}
	rt->blob = blob;
	rt->size = size;
	ret = pfw_verify(blob, size, &rt->prog, log, log_len);
	if (ret)
		goto err_blob;
	ret = pfw_limit_prog_memory(&rt->prog, log, log_len);
	if (ret)
		goto err_blob;
	rt->uses = scan_uses(&rt->prog);
	if (rt->uses & PFW_USES_NAT) {
		/* Accepting them unchanged would let through what NAT guards. */
		snprintf(log, log_len,
			 "NAT is not carried out by this kernel module yet: a program with NAT verdicts is refused");
		ret = -EOPNOTSUPP;
		goto err_blob;
	}
	ret = get_loggers(rt, log, log_len);
	if (ret)
		goto err_blob;
	ret = pfw_counters_alloc(&rt->ctrs, rt->prog.n_rules);
	if (ret)
		goto err_loggers;
	ret = pfw_limiters_alloc(&rt->lims, &rt->prog);
	if (ret)
		goto err_counters;
	ret = build_keys(rt);
	if (ret)
		goto err_limiters;
	ret = alloc_lsets(rt);
	if (ret)
		goto err_keys;
	return rt;

err_keys:
	kvfree(rt->keys);
err_limiters:
	pfw_limiters_free(&rt->lims);
err_counters:
	pfw_counters_free(&rt->ctrs);
err_loggers:
	put_loggers(rt);
err_blob:
	kvfree(rt->blob);
	kfree(rt);
	return ERR_PTR(ret);
}

void pfw_prog_destroy(struct pfw_runtime *rt)
{
	kvfree(rt->lsets);
	kvfree(rt->keys);
	pfw_limiters_free(&rt->lims);
	pfw_counters_free(&rt->ctrs);
	put_loggers(rt);
	kvfree(rt->blob);
	kfree(rt);
}

void pfw_prog_carry(struct pfw_runtime *rt, const struct pfw_runtime *old)
{
	struct pfw_ctr_val val;
	u32 i;

	for (i = 0; i < rt->prog.n_rules; i++) {
		long j = pfw_prog_rule_by_key(old, rt->prog.rules[i].key);

		if (j < 0)
			continue;
		pfw_counters_read(&old->ctrs, j, &val);
		pfw_counters_carry(&rt->ctrs, i, &val);
		if (!(i & 1023))
			cond_resched();
	}
	pfw_limiters_carry(&rt->lims, &old->lims);
}

u32 pfw_prog_hooks(const struct pfw_runtime *rt)
{
	u32 mask = 0;
	unsigned int h;

	for (h = 0; h < PFW_HOOK_MAX; h++) {
		if (rt->prog.hdr->entry[h] != PFW_NO_ENTRY)
			mask |= BIT(h);
	}
	return mask;
}

#ifdef DEBUG
#include "selftest/prog.c"
#endif

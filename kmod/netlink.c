// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * The generic netlink family "polyfw"; include/polyfw/genl.h documents the
 * commands and attributes.  Handlers run in parallel (parallel_ops), each
 * namespace's mutex serialises what must be.  Texts that Linux 6.1's
 * extended ack cannot carry (it takes static strings only) go back in a
 * POLYFW_A_ERROR message sent just before the error.
 */
#include "netlink.h"
#include "limits.h"
#include "lset.h"
#include "netns.h"
#include "prog.h"
#include "state.h"
#include "table.h"
#include "txn.h"

#include <linux/err.h>
#include <linux/stdarg.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <polyfw/genl.h>

static struct genl_family pfw_genl_family;

static struct netlink_range_validation size_range = {
	.min = 4,
	.max = PFW_MAX_PROG_BYTES,
};

static const struct nla_policy pfw_setel_policy[POLYFW_SETEL_A_MAX + 1] = {
	[POLYFW_SETEL_A_LO] = { .type = NLA_BINARY, .len = 16 },
	[POLYFW_SETEL_A_HI] = { .type = NLA_BINARY, .len = 16 },
	[POLYFW_SETEL_A_VALUE] = { .type = NLA_U32 },
};

static const struct nla_policy pfw_nl_policy[POLYFW_A_MAX + 1] = {
	[POLYFW_A_GENERATION] = { .type = NLA_U32 },
	[POLYFW_A_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32, &size_range),
	[POLYFW_A_OFFSET] = { .type = NLA_U32 },
	[POLYFW_A_DATA] = { .type = NLA_BINARY, .len = POLYFW_CHUNK_MAX },
	[POLYFW_A_ERROR] = { .type = NLA_REJECT },
	[POLYFW_A_N_RULES] = { .type = NLA_REJECT },
	[POLYFW_A_N_STATES] = { .type = NLA_REJECT },
	[POLYFW_A_FLAGS] = { .type = NLA_REJECT },
	[POLYFW_A_RULE] = { .type = NLA_REJECT },
	[POLYFW_A_COST] = { .type = NLA_REJECT },
	[POLYFW_A_DROPS_MALFORMED] = { .type = NLA_REJECT },
	[POLYFW_A_DROPS_BUDGET] = { .type = NLA_REJECT },
	[POLYFW_A_PAD] = { .type = NLA_REJECT },
	[POLYFW_A_HOOKS] = { .type = NLA_REJECT },
	[POLYFW_A_STATES_REFUSED] = { .type = NLA_REJECT },
	[POLYFW_A_STATE] = { .type = NLA_REJECT },
	[POLYFW_A_TABLE] = { .type = NLA_NUL_STRING,
			     .len = POLYFW_TABLE_NAMSIZ - 1 },
	[POLYFW_A_PRIORITY] = NLA_POLICY_RANGE(NLA_S32, POLYFW_PRIO_MIN,
					       POLYFW_PRIO_MAX),
	[POLYFW_A_SET] = { .type = NLA_NUL_STRING,
			   .len = PFW_LSET_NAMSIZ - 1 },
	[POLYFW_A_SET_OP] = NLA_POLICY_RANGE(NLA_U32, POLYFW_SET_OP_ADD,
					     __POLYFW_SET_OP_MAX - 1),
	[POLYFW_A_SET_FLAGS] = NLA_POLICY_MASK(NLA_U32, __POLYFW_SET_F_ALL),
	[POLYFW_A_SET_ELEM] = NLA_POLICY_NESTED(pfw_setel_policy),
	[POLYFW_A_SET_GENERATION] = { .type = NLA_REJECT },
	[POLYFW_A_SET_TYPE] = { .type = NLA_REJECT },
	[POLYFW_A_SET_N_ELEMS] = { .type = NLA_REJECT },
	[POLYFW_A_SET_N_PREFIXES] = { .type = NLA_REJECT },
	[POLYFW_A_SET_BYTES] = { .type = NLA_REJECT },
	[POLYFW_A_STATE_TIMEOUTS] = NLA_POLICY_EXACT_LEN(
		sizeof(struct polyfw_state_timeouts)),
};

/* The text of an error, in a message of its own before the error ack. */
static __printf(3, 4) void reply_error(struct genl_info *info, u8 cmd,
				       const char *fmt, ...)
{
	struct sk_buff *msg;
	char text[PFW_VERIFY_LOG_LEN];
	va_list args;
	void *hdr;

	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put_reply(msg, info, &pfw_genl_family, 0, cmd);
	if (!hdr || nla_put_string(msg, POLYFW_A_ERROR, text)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_reply(msg, info);
}

/*
 * The table a command names (POLYFW_A_TABLE, already NUL-terminated and
 * short enough by the policy), or the default one; NULL for a bad name.
 */
static const char *table_name(struct nlattr **attrs,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *a = attrs[POLYFW_A_TABLE];
	const char *name;

	if (!a)
		return POLYFW_TABLE_DEFAULT;
	name = nla_data(a);
	if (pfw_table_name_ok(name))
		return name;
	NL_SET_ERR_MSG_ATTR(extack, a,
			    "bad table name: 1 to 31 of A-Z a-z 0-9 _ . -, starting with a letter or digit");
	return NULL;
}

/* Under pn->lock: -ESTALE when the writer's view of table is out of date. */
static int check_generation(struct pfw_net *pn, struct genl_info *info,
			    u8 cmd, const char *table, bool check, u32 gen)
{
	u32 now = pfw_table_generation(pn, table);

	if (!check || gen == now)
		return 0;
	reply_error(info, cmd, "program changed since generation %u (now %u)",
		    gen, now);
	NL_SET_ERR_MSG(info->extack, "program changed since the expected generation");
	return -ESTALE;
}

static int reply_u32(struct genl_info *info, u8 cmd, int type, u32 v)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &pfw_genl_family, 0, cmd);
	if (!hdr || nla_put_u32(msg, type, v)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* A table's figures, as GET_INFO and GET_TABLES send them. */
static int put_table(struct sk_buff *msg, struct pfw_table *t,
		     const char *name)
{
	const struct pfw_runtime *rt = t ? pfw_table_prog(t) : NULL;
	const struct pfw_state_table *st = t ? t->states : NULL;

	if (nla_put_string(msg, POLYFW_A_TABLE, name) ||
	    (t && nla_put_s32(msg, POLYFW_A_PRIORITY, t->priority)) ||
	    nla_put_u32(msg, POLYFW_A_GENERATION, t ? t->generation : 0) ||
	    nla_put_u32(msg, POLYFW_A_SIZE, rt ? rt->size : 0) ||
	    nla_put_u32(msg, POLYFW_A_N_RULES, rt ? rt->prog.n_rules : 0) ||
	    nla_put_u32(msg, POLYFW_A_N_STATES, pfw_state_count(st)) ||
	    nla_put_u32(msg, POLYFW_A_COST, rt ? rt->prog.cost : 0) ||
	    nla_put_u32(msg, POLYFW_A_HOOKS, t ? t->hooks : 0) ||
	    nla_put_u64_64bit(msg, POLYFW_A_STATES_REFUSED,
			      pfw_state_refused(st), POLYFW_A_PAD) ||
	    nla_put_u64_64bit(msg, POLYFW_A_DROPS_MALFORMED,
			      t ? pfw_table_drops(t, PFW_DROP_MALFORMED) : 0,
			      POLYFW_A_PAD) ||
	    nla_put_u64_64bit(msg, POLYFW_A_DROPS_BUDGET,
			      t ? pfw_table_drops(t, PFW_DROP_BUDGET) : 0,
			      POLYFW_A_PAD) ||
	    (t && nla_put(msg, POLYFW_A_STATE_TIMEOUTS, sizeof(t->timeouts),
			  &t->timeouts)))
		return -EMSGSIZE;
	return 0;
}

static int reply_generation(struct genl_info *info, u8 cmd, u32 gen)
{
	return reply_u32(info, cmd, POLYFW_A_GENERATION, gen);
}

static int pfw_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));
	const char *name = table_name(info->attrs, info->extack);
	struct pfw_table *t;
	struct sk_buff *msg;
	u32 flags = 0;
	void *hdr;
	int ret = -EMSGSIZE;

	if (!name)
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &pfw_genl_family, 0,
				POLYFW_CMD_GET_INFO);
	if (!hdr)
		goto err;
	mutex_lock(&pn->lock);
	t = pfw_table_find(pn, name);
	if (t && pfw_table_prog(t))
		flags |= POLYFW_INFO_F_LOADED;
	if (pfw_txn_exists(pn, info->snd_portid))
		flags |= POLYFW_INFO_F_TXN;
	if (put_table(msg, t, name) ||
	    nla_put_u32(msg, POLYFW_A_FLAGS, flags)) {
		mutex_unlock(&pn->lock);
		goto err;
	}
	mutex_unlock(&pn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	return ret;
}

/* POLYFW_A_STATE_TIMEOUTS of a LOAD_BEGIN, each within its bounds. */
static int get_timeouts(struct genl_info *info, struct pfw_load_target *tg)
{
	struct nlattr *a = info->attrs[POLYFW_A_STATE_TIMEOUTS];
	const u32 *v;
	unsigned int i;

	if (!a)
		return 0;
	memcpy(&tg->timeouts, nla_data(a), sizeof(tg->timeouts));
	v = (const u32 *)&tg->timeouts;
	for (i = 0; i < sizeof(tg->timeouts) / 4; i++) {
		if (!v[i] || v[i] > POLYFW_STATE_TIMEOUT_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "a state lifetime is not within 1..604800 seconds");
			return -EINVAL;
		}
	}
	tg->has_timeouts = true;
	return 0;
}

static int pfw_load_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));
	struct nlattr *gen = info->attrs[POLYFW_A_GENERATION];
	struct nlattr *prio = info->attrs[POLYFW_A_PRIORITY];
	char log[PFW_VERIFY_LOG_LEN] = "";
	struct pfw_load_target target = {};
	const char *name;
	u32 size;
	int ret;

	if (!pfw_may_write(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, POLYFW_A_SIZE))
		return -EINVAL;
	name = table_name(info->attrs, info->extack);
	if (!name)
		return -EINVAL;
	size = nla_get_u32(info->attrs[POLYFW_A_SIZE]);
	strscpy(target.table, name, sizeof(target.table));
	target.has_prio = prio;
	target.prio = prio ? nla_get_s32(prio) : POLYFW_PRIO_DEFAULT;
	target.check_gen = gen;
	target.gen = gen ? nla_get_u32(gen) : 0;
	ret = get_timeouts(info, &target);
	if (ret)
		return ret;
	mutex_lock(&pn->lock);
	/* A new BEGIN ends this socket's previous transaction, come what may. */
	pfw_txn_abort(pn, info->snd_portid);
	ret = check_generation(pn, info, POLYFW_CMD_LOAD_BEGIN, name,
			       target.check_gen, target.gen);
	if (!ret)
		ret = pfw_limit_prog_bytes(size, log, sizeof(log));
	if (!ret)
		ret = pfw_limit_txn_bytes(pn->txn_bytes, size, log, sizeof(log));
	if (!ret)
		ret = pfw_txn_begin(pn, info->snd_portid, size, &target,
				    info->extack);
	mutex_unlock(&pn->lock);
	if (log[0]) {
		reply_error(info, POLYFW_CMD_LOAD_BEGIN, "%s", log);
		NL_SET_ERR_MSG(info->extack, "over a memory limit of this namespace");
	}
	return ret;
}

static int pfw_load_chunk(struct sk_buff *skb, struct genl_info *info)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));
	struct nlattr *data = info->attrs[POLYFW_A_DATA];
	int ret;

	if (!pfw_may_write(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, POLYFW_A_OFFSET) ||
	    GENL_REQ_ATTR_CHECK(info, POLYFW_A_DATA))
		return -EINVAL;
	if (!nla_len(data)) {
		NL_SET_ERR_MSG_ATTR(info->extack, data, "empty chunk");
		return -EINVAL;
	}
	mutex_lock(&pn->lock);
	ret = pfw_txn_chunk(pn, info->snd_portid,
			    nla_get_u32(info->attrs[POLYFW_A_OFFSET]),
			    nla_data(data), nla_len(data), info->extack);
	mutex_unlock(&pn->lock);
	return ret;
}

static int pfw_load_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));
	char log[PFW_VERIFY_LOG_LEN] = "";
	struct pfw_load_target target;
	struct pfw_runtime *rt;
	struct pfw_txn *t;
	void *blob;
	u32 size;
	int ret;

	if (!pfw_may_write(skb, info))
		return -EPERM;
	mutex_lock(&pn->lock);
	t = pfw_txn_take(pn, info->snd_portid);
	if (t && t->received != t->size)
		pfw_txn_done(pn, t->size);
	mutex_unlock(&pn->lock);
	if (!t) {
		NL_SET_ERR_MSG(info->extack, "no load transaction on this socket");
		return -ENOENT;
	}
	if (t->received != t->size) {
		reply_error(info, POLYFW_CMD_LOAD_COMMIT,
			    "program incomplete: %u of %u bytes arrived",
			    t->received, t->size);
		NL_SET_ERR_MSG(info->extack, "program incomplete");
		pfw_txn_free(t);
		return -EMSGSIZE;
	}
	blob = t->buf;
	size = t->size;
	target = t->target;
	t->buf = NULL;
	pfw_txn_free(t);

	/*
	 * The verifier runs outside the lock: packets and readers go on.  The
	 * blob still counts as in flight until it is installed or freed.
	 */
	rt = pfw_prog_create(blob, size, log, sizeof(log));
	mutex_lock(&pn->lock);
	pfw_txn_done(pn, size);
	if (IS_ERR(rt)) {
		mutex_unlock(&pn->lock);
		ret = PTR_ERR(rt);
		if (log[0]) {
			reply_error(info, POLYFW_CMD_LOAD_COMMIT,
				    "program rejected by the kernel: %s", log);
			NL_SET_ERR_MSG(info->extack, "program rejected by the kernel verifier");
		}
		return ret;
	}
	ret = check_generation(pn, info, POLYFW_CMD_LOAD_COMMIT, target.table,
			       target.check_gen, target.gen);
	if (ret) {
		pfw_prog_destroy(rt);
		mutex_unlock(&pn->lock);
		return ret;
	}
	ret = pfw_table_load(pn, &target, rt, log, sizeof(log));
	size = pfw_table_generation(pn, target.table);
	mutex_unlock(&pn->lock);
	if (ret) {
		if (log[0])
			reply_error(info, POLYFW_CMD_LOAD_COMMIT, "%s", log);
		NL_SET_ERR_MSG(info->extack, "cannot activate the program");
		return ret;
	}
	return reply_generation(info, POLYFW_CMD_LOAD_COMMIT, size);
}

static int pfw_load_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));

	if (!pfw_may_write(skb, info))
		return -EPERM;
	mutex_lock(&pn->lock);
	pfw_txn_abort(pn, info->snd_portid);
	mutex_unlock(&pn->lock);
	return 0;
}

static int pfw_zero_counters(struct sk_buff *skb, struct genl_info *info)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));
	const char *name = table_name(info->attrs, info->extack);
	struct pfw_runtime *rt = NULL;
	struct pfw_table *t;

	if (!pfw_may_write(skb, info))
		return -EPERM;
	if (!name)
		return -EINVAL;
	mutex_lock(&pn->lock);
	t = pfw_table_find(pn, name);
	if (t)
		rt = pfw_table_prog(t);
	if (rt)
		pfw_counters_zero(&rt->ctrs);
	mutex_unlock(&pn->lock);
	return 0;
}

static int flush_or_delete(struct sk_buff *skb, struct genl_info *info,
			   u8 cmd)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));
	struct nlattr *gen = info->attrs[POLYFW_A_GENERATION];
	const char *name;
	struct pfw_table *t;
	u32 now = 0;
	int ret;

	if (!pfw_may_write(skb, info))
		return -EPERM;
	if (cmd == POLYFW_CMD_DELETE_TABLE &&
	    GENL_REQ_ATTR_CHECK(info, POLYFW_A_TABLE))
		return -EINVAL;
	name = table_name(info->attrs, info->extack);
	if (!name)
		return -EINVAL;
	mutex_lock(&pn->lock);
	ret = check_generation(pn, info, cmd, name, gen,
			       gen ? nla_get_u32(gen) : 0);
	t = ret ? NULL : pfw_table_find(pn, name);
	if (t && cmd == POLYFW_CMD_FLUSH) {
		pfw_table_flush(t);
		now = t->generation;
	} else if (t) {
		pfw_table_delete(t);
	} else if (!ret && cmd == POLYFW_CMD_DELETE_TABLE) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[POLYFW_A_TABLE],
				    "no such table");
		ret = -ENOENT;
	}
	mutex_unlock(&pn->lock);
	if (ret)
		return ret;
	return reply_generation(info, cmd, now);
}

static int pfw_flush(struct sk_buff *skb, struct genl_info *info)
{
	return flush_or_delete(skb, info, POLYFW_CMD_FLUSH);
}

static int pfw_delete_table(struct sk_buff *skb, struct genl_info *info)
{
	return flush_or_delete(skb, info, POLYFW_CMD_DELETE_TABLE);
}

/*
 * Dumps: cb->args[0] is the position (byte offset or rule index), args[1]
 * says whether args[2] holds the generation the dump started at.  When the
 * table's program changes under a dump, one last message says so with
 * NLM_F_DUMP_INTR and the dump ends.  The table is looked up again by name
 * in every round: it may have gone (generation 0).
 */
enum { DUMP_POS, DUMP_STARTED, DUMP_GEN };

static void *dump_hdr(struct sk_buff *skb, struct netlink_callback *cb,
		      u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &pfw_genl_family, NLM_F_MULTI, cmd);
}

/* The start of every table dump: a bad table name ends it before it begins. */
static int pfw_dump_start(struct netlink_callback *cb)
{
	return table_name(genl_dumpit_info(cb)->attrs, cb->extack) ? 0 : -EINVAL;
}

/*
 * The table a dump is about (its name checked by pfw_dump_start()), under
 * pn->lock: NULL when there is none.
 */
static struct pfw_table *dump_table(struct netlink_callback *cb,
				    struct pfw_net *pn)
{
	return pfw_table_find(pn, table_name(genl_dumpit_info(cb)->attrs, NULL));
}

/* Under pn->lock: 1 when the dump may go on, 0 when it ended. */
static int dump_check(struct sk_buff *skb, struct netlink_callback *cb,
		      u32 now, u8 cmd)
{
	void *hdr;

	if (!cb->args[DUMP_STARTED]) {
		cb->args[DUMP_STARTED] = 1;
		cb->args[DUMP_GEN] = now;
		return 1;
	}
	if (cb->args[DUMP_GEN] == now)
		return 1;
	if (cb->args[DUMP_STARTED] == 2)
		return 0;
	hdr = dump_hdr(skb, cb, cmd);
	if (!hdr)
		return 0;
	if (nla_put_u32(skb, POLYFW_A_GENERATION, now)) {
		genlmsg_cancel(skb, hdr);
		return 0;
	}
	genlmsg_end(skb, hdr);
	nlmsg_hdr(skb)->nlmsg_flags |= NLM_F_DUMP_INTR;
	cb->args[DUMP_STARTED] = 2;
	return 0;
}

static int pfw_get_program(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pfw_net *pn = pfw_net(sock_net(skb->sk));
	const struct pfw_runtime *rt = NULL;
	struct pfw_table *t;
	u32 off;

	mutex_lock(&pn->lock);
	t = dump_table(cb, pn);
	if (!dump_check(skb, cb, t ? t->generation : 0, POLYFW_CMD_GET_PROGRAM))
		goto out;
	if (t)
		rt = pfw_table_prog(t);
	off = cb->args[DUMP_POS];
	while (rt && off < rt->size) {
		int room = skb_tailroom(skb) - GENL_HDRLEN - NLMSG_HDRLEN -
			   4 * nla_total_size(sizeof(u32)) - NLA_HDRLEN - 16;
		u32 len = min_t(u32, rt->size - off, POLYFW_CHUNK_MAX);
		void *hdr;

		if (room < 256)
			break;
		len = min_t(u32, len, room & ~3);
		hdr = dump_hdr(skb, cb, POLYFW_CMD_GET_PROGRAM);
		if (!hdr)
			break;
		if (nla_put_u32(skb, POLYFW_A_GENERATION, t->generation) ||
		    nla_put_u32(skb, POLYFW_A_SIZE, rt->size) ||
		    nla_put_u32(skb, POLYFW_A_OFFSET, off) ||
		    nla_put(skb, POLYFW_A_DATA, len, rt->blob + off)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		off += len;
	}
	cb->args[DUMP_POS] = off;
out:
	mutex_unlock(&pn->lock);
	return skb->len;
}

static int put_rule(struct sk_buff *skb, const struct pfw_runtime *rt, u32 i)
{
	const struct pfw_rule_desc *r = &rt->prog.rules[i];
	struct pfw_ctr_val val;
	struct nlattr *nest;

	pfw_counters_read(&rt->ctrs, i, &val);
	nest = nla_nest_start(skb, POLYFW_A_RULE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, POLYFW_RULE_A_INDEX, i) ||
	    nla_put_u32(skb, POLYFW_RULE_A_ID, r->id) ||
	    nla_put_u32(skb, POLYFW_RULE_A_KEY, r->key) ||
	    nla_put_u64_64bit(skb, POLYFW_RULE_A_PACKETS, val.packets,
			      POLYFW_RULE_A_PAD) ||
	    nla_put_u64_64bit(skb, POLYFW_RULE_A_BYTES, val.bytes,
			      POLYFW_RULE_A_PAD) ||
	    nla_put_u64_64bit(skb, POLYFW_RULE_A_LAST_SEEN, val.last,
			      POLYFW_RULE_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int pfw_get_counters(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pfw_net *pn = pfw_net(sock_net(skb->sk));
	const struct pfw_runtime *rt = NULL;
	struct pfw_table *t;
	void *hdr;
	u32 i;

	mutex_lock(&pn->lock);
	t = dump_table(cb, pn);
	if (!dump_check(skb, cb, t ? t->generation : 0,
			POLYFW_CMD_GET_COUNTERS))
		goto out;
	if (t)
		rt = pfw_table_prog(t);
	i = cb->args[DUMP_POS];
	if (!rt || i >= rt->prog.n_rules)
		goto out;
	hdr = dump_hdr(skb, cb, POLYFW_CMD_GET_COUNTERS);
	if (!hdr)
		goto out;
	if (nla_put_u32(skb, POLYFW_A_GENERATION, t->generation)) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	for (; i < rt->prog.n_rules; i++) {
		if (put_rule(skb, rt, i))
			break;
	}
	genlmsg_end(skb, hdr);
	cb->args[DUMP_POS] = i;
out:
	mutex_unlock(&pn->lock);
	return skb->len;
}

struct state_dump {
	struct sk_buff *skb;
	const struct pfw_runtime *rt;
};

static int put_state(void *arg, const struct pfw_state_info *info)
{
	struct state_dump *d = arg;
	struct nlattr *nest;
	long idx = d->rt ? pfw_prog_rule_by_key(d->rt, info->parent_key) : -1;

	nest = nla_nest_start(d->skb, POLYFW_A_STATE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(d->skb, POLYFW_STATE_A_FLOW, sizeof(info->flow), info->flow) ||
	    nla_put_u32(d->skb, POLYFW_STATE_A_PARENT_KEY, info->parent_key) ||
	    (idx >= 0 && nla_put_u32(d->skb, POLYFW_STATE_A_RULE, idx)) ||
	    nla_put_u32(d->skb, POLYFW_STATE_A_EXPIRES, info->expires)) {
		nla_nest_cancel(d->skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(d->skb, nest);
	return 0;
}

/* cb->args[0]: hash chain, args[1]: entries of it already sent. */
static int pfw_get_states(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pfw_net *pn = pfw_net(sock_net(skb->sk));
	struct state_dump d = { .skb = skb };
	struct pfw_table *t;
	void *hdr;

	mutex_lock(&pn->lock);
	t = dump_table(cb, pn);
	/* every chain walked: the dump is over */
	if (!t || !t->states || cb->args[0] >= pfw_state_chains())
		goto out;
	d.rt = pfw_table_prog(t);
	hdr = dump_hdr(skb, cb, POLYFW_CMD_GET_STATES);
	if (!hdr)
		goto out;
	pfw_state_dump(t->states, &cb->args[0], &cb->args[1], put_state, &d);
	genlmsg_end(skb, hdr);
out:
	mutex_unlock(&pn->lock);
	return skb->len;
}

/*
 * cb->args[0]: tables already sent; args[1]/[2]: the namespace generation
 * the dump started at, so that a table made or deleted meanwhile
 * interrupts it.
 */
static int pfw_get_tables(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pfw_net *pn = pfw_net(sock_net(skb->sk));
	struct pfw_table *t;
	unsigned long i = 0;
	void *hdr;

	mutex_lock(&pn->lock);
	if (!dump_check(skb, cb, pn->generation, POLYFW_CMD_GET_TABLES))
		goto out;
	list_for_each_entry(t, &pn->tables, list) {
		u32 flags = pfw_table_prog(t) ? POLYFW_INFO_F_LOADED : 0;

		if (i++ < cb->args[DUMP_POS])
			continue;
		hdr = dump_hdr(skb, cb, POLYFW_CMD_GET_TABLES);
		if (!hdr)
			break;
		if (put_table(skb, t, t->name) ||
		    nla_put_u32(skb, POLYFW_A_FLAGS, flags)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[DUMP_POS] = i;
	}
out:
	mutex_unlock(&pn->lock);
	return skb->len;
}

/* An element of set s from a POLYFW_A_SET_ELEM (validated by policy). */
static int parse_elem(const struct pfw_lset *s, const struct nlattr *nest,
		      struct pfw_lset_elem *e, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[POLYFW_SETEL_A_MAX + 1];
	unsigned int w = s->width, i;
	int ret;

	ret = nla_parse_nested(tb, POLYFW_SETEL_A_MAX, nest, pfw_setel_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[POLYFW_SETEL_A_LO]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "element without its low end");
		return -EINVAL;
	}
	if (nla_len(tb[POLYFW_SETEL_A_LO]) != 4 * w ||
	    (tb[POLYFW_SETEL_A_HI] && nla_len(tb[POLYFW_SETEL_A_HI]) != 4 * w)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "element bounds are not the set's width");
		return -EINVAL;
	}
	memset(e, 0, sizeof(*e));
	/* a number set's bound is the low word of the 128-bit key */
	memcpy(e->lo + 4 - w, nla_data(tb[POLYFW_SETEL_A_LO]), 4 * w);
	if (tb[POLYFW_SETEL_A_HI])
		memcpy(e->hi + 4 - w, nla_data(tb[POLYFW_SETEL_A_HI]), 4 * w);
	else
		for (i = 0; i < 4; i++)
			e->hi[i] = e->lo[i];
	if (tb[POLYFW_SETEL_A_VALUE])
		e->value = nla_get_u32(tb[POLYFW_SETEL_A_VALUE]);
	return 0;
}

static int count_elems(struct genl_info *info)
{
	const struct nlattr *a;
	int rem, n = 0;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) == POLYFW_A_SET_ELEM)
			n++;
	}
	return n;
}

/* Under pn->lock: the set a command names, or NULL with the reason sent. */
static struct pfw_lset *named_set(struct pfw_net *pn, struct genl_info *info,
				  u8 cmd)
{
	const char *table = table_name(info->attrs, info->extack);
	const char *name = nla_data(info->attrs[POLYFW_A_SET]);
	struct pfw_table *t;
	struct pfw_lset *s;

	if (!table)
		return NULL;
	t = pfw_table_find(pn, table);
	s = t ? pfw_table_set(t, name) : NULL;
	if (!s) {
		reply_error(info, cmd, "no set %s in table %s", name, table);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[POLYFW_A_SET],
				    "no such set");
	}
	return s;
}

static int pfw_set_elems(struct sk_buff *skb, struct genl_info *info)
{
	struct pfw_net *pn = pfw_net(genl_info_net(info));
	char log[PFW_VERIFY_LOG_LEN] = "";
	struct pfw_lset_elem *elems = NULL;
	const struct nlattr *a;
	struct pfw_lset *s;
	u32 op, flags, gen = 0;
	int rem, n = 0, i = 0, ret = 0;

	if (!pfw_may_write(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, POLYFW_A_SET) ||
	    GENL_REQ_ATTR_CHECK(info, POLYFW_A_SET_OP))
		return -EINVAL;
	op = nla_get_u32(info->attrs[POLYFW_A_SET_OP]);
	flags = info->attrs[POLYFW_A_SET_FLAGS] ?
		nla_get_u32(info->attrs[POLYFW_A_SET_FLAGS]) : 0;
	if (op == POLYFW_SET_OP_REPLACE) {
		n = count_elems(info);
		elems = kvmalloc_array(n ?: 1, sizeof(*elems),
				       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!elems)
			return -ENOMEM;
	}
	mutex_lock(&pn->lock);
	s = named_set(pn, info, POLYFW_CMD_SET_ELEMS);
	if (!s) {
		ret = -ENOENT;
		goto out;
	}
	if (op == POLYFW_SET_OP_FLUSH) {
		ret = pfw_lset_flush(s);
		goto out;
	}
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		struct pfw_lset_elem e;

		if (nla_type(a) != POLYFW_A_SET_ELEM)
			continue;
		ret = parse_elem(s, a, op == POLYFW_SET_OP_REPLACE ?
				 &elems[i] : &e, info->extack);
		if (ret)
			break;
		if (op == POLYFW_SET_OP_ADD)
			ret = pfw_lset_add(s, &e, log, sizeof(log));
		else if (op == POLYFW_SET_OP_DEL)
			ret = pfw_lset_del(s, &e, log, sizeof(log));
		if (ret)
			break;
		i++;
		if (!(i & 1023))
			cond_resched();
	}
	if (!ret && op == POLYFW_SET_OP_REPLACE)
		ret = pfw_lset_replace(s, elems, n, flags & POLYFW_SET_F_FIRST,
				       flags & POLYFW_SET_F_LAST, log,
				       sizeof(log));
out:
	if (s)
		gen = s->generation;
	mutex_unlock(&pn->lock);
	kvfree(elems);
	if (ret) {
		if (log[0]) {
			if (op == POLYFW_SET_OP_REPLACE)
				reply_error(info, POLYFW_CMD_SET_ELEMS, "%s", log);
			else
				reply_error(info, POLYFW_CMD_SET_ELEMS,
					    "element %d: %s", i, log);
		}
		return ret;
	}
	return reply_u32(info, POLYFW_CMD_SET_ELEMS, POLYFW_A_SET_GENERATION,
			 gen);
}

static int put_set(struct sk_buff *skb, const char *table,
		   const struct pfw_lset *s)
{
	struct pfw_lset_stats st;

	pfw_lset_stats(s, &st);
	if (nla_put_string(skb, POLYFW_A_TABLE, table) ||
	    nla_put_string(skb, POLYFW_A_SET, s->name) ||
	    nla_put_u32(skb, POLYFW_A_SET_TYPE,
			s->width | s->has_value << 8 | (u32)s->flags << 16) ||
	    nla_put_u32(skb, POLYFW_A_SET_GENERATION, s->generation) ||
	    nla_put_u32(skb, POLYFW_A_SET_N_ELEMS, st.elems) ||
	    nla_put_u32(skb, POLYFW_A_SET_N_PREFIXES, st.prefixes) ||
	    nla_put_u64_64bit(skb, POLYFW_A_SET_BYTES, st.bytes, POLYFW_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* cb->args[0]: sets already sent. */
static int pfw_get_sets(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pfw_net *pn = pfw_net(sock_net(skb->sk));
	struct pfw_table *t;
	struct pfw_lset *s;
	unsigned long i = 0;
	void *hdr;

	mutex_lock(&pn->lock);
	t = dump_table(cb, pn);
	if (!t)
		goto out;
	list_for_each_entry(s, &t->sets, list) {
		if (i++ < cb->args[0])
			continue;
		hdr = dump_hdr(skb, cb, POLYFW_CMD_GET_SETS);
		if (!hdr)
			break;
		if (put_set(skb, t->name, s)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = i;
	}
out:
	mutex_unlock(&pn->lock);
	return skb->len;
}

struct elem_dump {
	struct sk_buff *skb;
	unsigned int width;
};

static int put_elem(void *arg, const struct pfw_lset_elem *e)
{
	struct elem_dump *d = arg;
	unsigned int w = d->width;
	struct nlattr *nest = nla_nest_start(d->skb, POLYFW_A_SET_ELEM);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(d->skb, POLYFW_SETEL_A_LO, 4 * w, e->lo + 4 - w) ||
	    nla_put(d->skb, POLYFW_SETEL_A_HI, 4 * w, e->hi + 4 - w) ||
	    nla_put_u32(d->skb, POLYFW_SETEL_A_VALUE, READ_ONCE(e->value))) {
		nla_nest_cancel(d->skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(d->skb, nest);
	return 0;
}

/*
 * cb->args[0]: elements already sent; args[1]/[2] as for dump_check(), on
 * the set's generation.
 */
static int pfw_get_set_elems(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pfw_net *pn = pfw_net(sock_net(skb->sk));
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct elem_dump d = { .skb = skb };
	struct pfw_lset_stats st;
	struct pfw_table *t;
	struct pfw_lset *s = NULL;
	void *hdr;

	if (!attrs[POLYFW_A_SET]) {
		NL_SET_ERR_MSG(cb->extack, "no set named");
		return -EINVAL;
	}
	mutex_lock(&pn->lock);
	t = dump_table(cb, pn);
	if (t)
		s = pfw_table_set(t, nla_data(attrs[POLYFW_A_SET]));
	if (!s || !dump_check(skb, cb, s->generation,
			      POLYFW_CMD_GET_SET_ELEMS))
		goto out;
	pfw_lset_stats(s, &st);
	/* every element sent: the dump is over */
	if (cb->args[DUMP_POS] >= st.elems)
		goto out;
	hdr = dump_hdr(skb, cb, POLYFW_CMD_GET_SET_ELEMS);
	if (!hdr)
		goto out;
	if (nla_put_u32(skb, POLYFW_A_SET_GENERATION, s->generation)) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	d.width = s->width;
	pfw_lset_dump(s, &cb->args[DUMP_POS], put_elem, &d);
	genlmsg_end(skb, hdr);
out:
	mutex_unlock(&pn->lock);
	return skb->len;
}

static const struct genl_ops pfw_genl_ops[] = {
	{
		.cmd = POLYFW_CMD_GET_INFO,
		.doit = pfw_get_info,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_LOAD_BEGIN,
		.doit = pfw_load_begin,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_LOAD_CHUNK,
		.doit = pfw_load_chunk,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_LOAD_COMMIT,
		.doit = pfw_load_commit,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_LOAD_ABORT,
		.doit = pfw_load_abort,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_GET_PROGRAM,
		.start = pfw_dump_start,
		.dumpit = pfw_get_program,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_GET_COUNTERS,
		.start = pfw_dump_start,
		.dumpit = pfw_get_counters,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_ZERO_COUNTERS,
		.doit = pfw_zero_counters,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_GET_STATES,
		.start = pfw_dump_start,
		.dumpit = pfw_get_states,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_FLUSH,
		.doit = pfw_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_GET_TABLES,
		.dumpit = pfw_get_tables,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_DELETE_TABLE,
		.doit = pfw_delete_table,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_SET_ELEMS,
		.doit = pfw_set_elems,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_GET_SETS,
		.start = pfw_dump_start,
		.dumpit = pfw_get_sets,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = POLYFW_CMD_GET_SET_ELEMS,
		.start = pfw_dump_start,
		.dumpit = pfw_get_set_elems,
		.flags = GENL_UNS_ADMIN_PERM,
	}
};

static struct genl_family pfw_genl_family = {
	.ops = pfw_genl_ops,
	.n_ops = ARRAY_SIZE(pfw_genl_ops),
	.name = POLYFW_GENL_NAME,
	.version = POLYFW_GENL_VERSION,
	.maxattr = POLYFW_A_MAX,
	.policy = pfw_nl_policy,
	.module = THIS_MODULE,
	.netnsok = true,
	.parallel_ops = true,
};

int pfw_genetlink_init(void)
{
	return genl_register_family(&pfw_genl_family);
}

void pfw_genetlink_uninit(void)
{
	genl_unregister_family(&pfw_genl_family);
}

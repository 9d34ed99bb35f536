// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Both directions of a flow find its entry; limits count per source;
 * expired entries are not found; flush empties the table.
 */

static void __init test_pkt(struct pfw_pkt *pkt, u32 src, u32 sport, u32 dst,
			    u32 dport, u32 flags)
{
	pfw_pkt_init(pkt);
	pkt->f[PFW_FLD_FAMILY] = 4;
	pkt->f[PFW_FLD_L4PROTO] = IPPROTO_TCP;
	pkt->f[PFW_FLD_TCPFLAGS] = flags;
	pkt->addr[0][2] = 0xffff;
	pkt->addr[0][3] = src;
	pkt->addr[1][2] = 0xffff;
	pkt->addr[1][3] = dst;
	pkt->f[PFW_FLD_SPORT] = sport;
	pkt->f[PFW_FLD_DPORT] = dport;
}

bool __init pfw_state_selftest(void)
{
	u32 lim1 = PFW_STATE_LIM_SRCADDR | 1, parent = 0;
	struct pfw_state_table *t;
	struct pfw_pkt pkt;
	struct state *s;
	u32 key[KEY_WORDS];
	const struct polyfw_state_timeouts tmo = POLYFW_STATE_TIMEOUTS_DEFAULT;
	bool ok = true;

#define CHECK(cond) do {						\
		if (!(cond)) {						\
			pr_err("state self-test %d failed\n", __LINE__); \
			ok = false;					\
		}							\
	} while (0)

	t = pfw_state_table_create(&tmo);
	if (!t)
		return false;
	rcu_read_lock();
	test_pkt(&pkt, 0x0a000001, 1000, 0x0a000002, 80, PFW_TCP_SYN);
	CHECK(pfw_state_add(t, &pkt, 7, 0));
	test_pkt(&pkt, 0x0a000002, 80, 0x0a000001, 1000, PFW_TCP_SYN | PFW_TCP_ACK);
	CHECK(pfw_state_lookup(t, &pkt, &parent) && parent == 7);
	test_pkt(&pkt, 0x0a000002, 81, 0x0a000001, 1000, PFW_TCP_ACK);
	CHECK(!pfw_state_lookup(t, &pkt, &parent));

	test_pkt(&pkt, 0x0a000003, 2000, 0x0a000002, 80, PFW_TCP_SYN);
	CHECK(pfw_state_add(t, &pkt, 8, lim1));
	test_pkt(&pkt, 0x0a000003, 2001, 0x0a000002, 80, PFW_TCP_SYN);
	CHECK(!pfw_state_add(t, &pkt, 8, lim1));
	test_pkt(&pkt, 0x0a000004, 2001, 0x0a000002, 80, PFW_TCP_SYN);
	CHECK(pfw_state_add(t, &pkt, 8, lim1));
	CHECK(pfw_state_count(t) == 3);

	/* A FIN makes the flow short-lived; an expired entry is gone. */
	test_pkt(&pkt, 0x0a000001, 1000, 0x0a000002, 80, PFW_TCP_FIN | PFW_TCP_ACK);
	CHECK(pfw_state_lookup(t, &pkt, &parent));
	flow_key(&pkt, key);
	hlist_for_each_entry_rcu(s, bucket(t, key), node) {
		if (!memcmp(s->key, key, sizeof(key))) {
			CHECK(s->closing);
			CHECK(time_before_eq(s->expires, jiffies + 5 * HZ));
			WRITE_ONCE(s->expires, jiffies - 1);
		}
	}
	CHECK(!pfw_state_lookup(t, &pkt, &parent));
	rcu_read_unlock();

	pfw_state_table_flush(t);
	CHECK(pfw_state_count(t) == 0);
	rcu_read_lock();
	test_pkt(&pkt, 0x0a000003, 2001, 0x0a000002, 80, PFW_TCP_SYN);
	CHECK(pfw_state_add(t, &pkt, 8, lim1));
	rcu_read_unlock();
	pfw_state_table_destroy(t);
#undef CHECK
	if (ok)
		pr_info("state self-tests: pass\n");
	return ok;
}

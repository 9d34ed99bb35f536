// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Live sets: nested prefixes give the longest match and its value; an
 * interval is found at both ends and not past them; deletion, an
 * overlapping element, flush and replace.
 */

static void __init v4(u32 *w, u32 a)
{
	w[0] = 0;
	w[1] = 0;
	w[2] = 0xffff;
	w[3] = a;
}

static bool __init found(struct pfw_lset *s, u32 a, u32 want)
{
	u32 key[4], val = ~0u;
	int hit;

	v4(key, a);
	rcu_read_lock();
	hit = pfw_lset_lookup(s, key, &val);
	rcu_read_unlock();
	return want == ~0u ? !hit : hit && val == want;
}

bool __init pfw_lset_selftest(void)
{
	struct pfw_set_desc d = { .width = 4, .has_value = 1,
				  .flags = PFW_SET_F_LIVE };
	struct pfw_lset_elem e[2] = {};
	char log[128];
	struct pfw_lset_stats st;
	struct pfw_lset *s;
	bool ok = true;

	s = pfw_lset_create("selftest", &d, GFP_KERNEL);
	if (!s)
		return false;
	/* 10.0.0.0/8 = 1, 10.1.0.0/16 = 2 */
	v4(e[0].lo, 0x0a000000);
	v4(e[0].hi, 0x0affffff);
	e[0].value = 1;
	v4(e[1].lo, 0x0a010000);
	v4(e[1].hi, 0x0a01ffff);
	e[1].value = 2;
	ok &= !pfw_lset_add(s, &e[0], log, sizeof(log));
	ok &= !pfw_lset_add(s, &e[1], log, sizeof(log));
	ok &= found(s, 0x0a020304, 1) && found(s, 0x0a010203, 2) &&
	      found(s, 0x0b000000, ~0u);
	/* an interval of several prefixes: 10.2.0.1-10.2.0.6, inside the /8 */
	v4(e[1].lo, 0x0a020001);
	v4(e[1].hi, 0x0a020006);
	e[1].value = 3;
	ok &= !pfw_lset_add(s, &e[1], log, sizeof(log));
	ok &= found(s, 0x0a020001, 3) && found(s, 0x0a020006, 3) &&
	      found(s, 0x0a020007, 1) && found(s, 0x0a020000, 1);
	pfw_lset_stats(s, &st);
	ok &= st.elems == 3 && st.prefixes == 2 + 4;
	/* 10.2.0.2-10.2.0.3 is one of the prefixes of .1-.6 (.1, .2/31, .4/31, .6) */
	v4(e[0].lo, 0x0a020002);
	v4(e[0].hi, 0x0a020003);
	ok &= pfw_lset_add(s, &e[0], log, sizeof(log)) == -EEXIST;
	ok &= !pfw_lset_del(s, &e[1], log, sizeof(log));
	ok &= pfw_lset_del(s, &e[1], log, sizeof(log)) == -ENOENT;
	ok &= found(s, 0x0a020001, 1);
	ok &= !pfw_lset_replace(s, &e[1], 1, true, true, log, sizeof(log));
	ok &= found(s, 0x0a020001, 3) && found(s, 0x0a010203, ~0u);
	ok &= !pfw_lset_flush(s) && found(s, 0x0a020001, ~0u);
	pfw_lset_destroy(s);
	if (!ok)
		pr_err("live set self-test: failed\n");
	return ok;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Counts, resets and carried-over values as readers see them.
 */

bool __init pfw_counter_selftest(void)
{
	struct pfw_ctr_val v, carried = { 5, 500, 40 };
	struct pfw_counters c;
	bool ok = true;

#define CHECK(cond) do {						\
		if (!(cond)) {						\
			pr_err("counter self-test %d failed\n", __LINE__); \
			ok = false;					\
		}							\
	} while (0)

	if (pfw_counters_alloc(&c, 3))
		return false;
	local_bh_disable();
	pfw_counters_add(&c, 1, 100, 50);
	pfw_counters_add(&c, 1, 100, 51);
	local_bh_enable();
	pfw_counters_read(&c, 1, &v);
	CHECK(v.packets == 2 && v.bytes == 200 && v.last == 51);
	pfw_counters_read(&c, 0, &v);
	CHECK(v.packets == 0 && v.bytes == 0 && v.last == 0);

	pfw_counters_zero(&c);
	pfw_counters_read(&c, 1, &v);
	CHECK(v.packets == 0 && v.bytes == 0 && v.last == 0);
	local_bh_disable();
	pfw_counters_add(&c, 1, 10, 60);
	local_bh_enable();
	pfw_counters_read(&c, 1, &v);
	CHECK(v.packets == 1 && v.bytes == 10 && v.last == 60);

	pfw_counters_carry(&c, 2, &carried);
	pfw_counters_read(&c, 2, &v);
	CHECK(v.packets == 5 && v.bytes == 500 && v.last == 40);
	local_bh_disable();
	pfw_counters_add(&c, 2, 1, 70);
	local_bh_enable();
	pfw_counters_read(&c, 2, &v);
	CHECK(v.packets == 6 && v.bytes == 501 && v.last == 70);
	pfw_counters_free(&c);
#undef CHECK
	if (ok)
		pr_info("counter self-tests: pass\n");
	return ok;
}

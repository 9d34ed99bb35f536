// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Token bucket arithmetic with a clock the test drives (take_at()).
 */

bool __init pfw_limiter_selftest(void)
{
	static const u32 src_a[4] = { 0, 0, 0xffff, 0x0a000001 };
	struct pfw_lim_desc d[3] = {
		{ .rate = 10, .burst = 5, .key = 1 },
		{ .rate = 1000, .burst = 1500, .flags = PFW_LIM_BYTES, .key = 2 },
		{ .rate = 1, .burst = 1, .flags = PFW_LIM_PER_SRC, .key = 3 },
	};
	struct pfw_lim_desc d2[3];
	struct pfw_prog p = { .lims = d, .n_lims = 3 };
	struct pfw_prog p2 = { .lims = d2, .n_lims = 3 };
	struct pfw_limiters l, l2;
	u32 src_b[4] = { 0, 0, 0xffff, 0x0a000002 };
	bool ok = true;
	u64 t0;
	int i, n;

#define CHECK(cond) do {						\
		if (!(cond)) {						\
			pr_err("limiter self-test %d failed\n", __LINE__); \
			ok = false;					\
		}							\
	} while (0)

	if (pfw_limiters_alloc(&l, &p))
		return false;
	t0 = l.lim[0].b[0].stamp;
	for (n = 0, i = 0; i < 8; i++)
		n += take_at(&l, 0, src_a, 1, t0);
	CHECK(n == 5);
	CHECK(take_at(&l, 0, src_a, 1, t0 + NSEC_PER_SEC / 10));
	CHECK(!take_at(&l, 0, src_a, 1, t0 + NSEC_PER_SEC / 10));
	for (n = 0, i = 0; i < 8; i++)
		n += take_at(&l, 0, src_a, 1, t0 + 10 * NSEC_PER_SEC);
	CHECK(n == 5);

	t0 = l.lim[1].b[0].stamp;
	CHECK(take_at(&l, 1, src_a, 1000, t0));
	CHECK(!take_at(&l, 1, src_a, 600, t0));
	CHECK(take_at(&l, 1, src_a, 500, t0));
	CHECK(take_at(&l, 1, src_a, 100, t0 + NSEC_PER_SEC / 10));

	/*
	 * Per source, exactly: every source has its own rate, until the
	 * probe window is full of busy sources; an idle one makes room.
	 */
	t0 = l.lim[2].b[0].stamp;
	CHECK(take_at(&l, 2, src_a, 1, t0));
	CHECK(!take_at(&l, 2, src_a, 1, t0));
	for (n = 0, i = 0; i < 2 * PFW_LIM_SRC_SLOTS; i++) {
		src_b[3] = 0x0b000000 + i;
		n += take_at(&l, 2, src_b, 1, t0);
	}
	CHECK(n >= PFW_LIM_SRC_SLOTS / 2 && n < PFW_LIM_SRC_SLOTS);
	CHECK(atomic64_read(&l.lim[2].full) == 2 * PFW_LIM_SRC_SLOTS - n);
	CHECK(!take_at(&l, 2, src_a, 1, t0));
	/* a second later every bucket is full again: sources are forgotten */
	src_b[3] = 0x0c000000;
	CHECK(take_at(&l, 2, src_b, 1, t0 + NSEC_PER_SEC));
	CHECK(take_at(&l, 2, src_a, 1, t0 + NSEC_PER_SEC));

	/* Rates a period: 60 a minute is one a second. */
	{
		struct pfw_lim_desc dm[2] = {
			{ .rate = 60, .burst = 2, .flags = PFW_LIM_PERIOD_MINUTE,
			  .key = 4 },
			{ .rate = 1, .burst = 213503, .flags = PFW_LIM_PERIOD_DAY,
			  .key = 5 },
		};
		struct pfw_prog pm = { .lims = dm, .n_lims = 2 };
		struct pfw_limiters lm;

		if (!pfw_limiters_alloc(&lm, &pm)) {
			t0 = lm.lim[0].b[0].stamp;
			CHECK(take_at(&lm, 0, src_a, 1, t0));
			CHECK(take_at(&lm, 0, src_a, 1, t0));
			CHECK(!take_at(&lm, 0, src_a, 1, t0));
			CHECK(!take_at(&lm, 0, src_a, 1, t0 + NSEC_PER_SEC / 2));
			CHECK(take_at(&lm, 0, src_a, 1, t0 + NSEC_PER_SEC));
			/* the largest day burst: no overflow, a full bucket */
			t0 = lm.lim[1].b[0].stamp;
			for (n = 0, i = 0; i < 3; i++)
				n += take_at(&lm, 1, src_a, 1, t0);
			CHECK(n == 3);
			CHECK(!take_at(&lm, 1, src_a, 1, t0) ||
			      lm.lim[1].b[0].tokens < bucket_max(&dm[1]));
			pfw_limiters_free(&lm);
		}
	}

	/* A reload keeps the levels of limiters with the same key. */
	memcpy(d2, d, sizeof(d2));
	d2[1].rate = 999;
	if (!pfw_limiters_alloc(&l2, &p2)) {
		pfw_limiters_carry(&l2, &l);
		CHECK(l2.lim[0].b[0].tokens == l.lim[0].b[0].tokens);
		CHECK(l2.lim[1].b[0].tokens == bucket_max(&d2[1]));
		CHECK(l2.lim[2].seed == l.lim[2].seed);
		pfw_limiters_free(&l2);
	}
	pfw_limiters_free(&l);
#undef CHECK
	if (ok)
		pr_info("limiter self-tests: pass\n");
	return ok;
}

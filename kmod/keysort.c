// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * An LSD radix sort over the 32-bit key, a byte per pass: four linear,
 * stable passes instead of lib/sort's n log n comparisons with no chance
 * to reschedule, so sorting a million keys never stalls the CPU.
 */
#include "keysort.h"

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#define RESCHED_EVERY 4096

int pfw_sort_keys(struct pfw_key_idx *a, u32 n)
{
	struct pfw_key_idx *tmp, *from = a, *to;
	unsigned int shift;
	u32 count[256];
	u32 i;

	if (n < 2)
		return 0;
	tmp = kvmalloc_array(n, sizeof(*tmp), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!tmp)
		return -ENOMEM;
	to = tmp;
	for (shift = 0; shift < 32; shift += 8) {
		u32 sum = 0;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(from[i].key >> shift) & 0xff]++;
		for (i = 0; i < 256; i++) {
			u32 c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			to[count[(from[i].key >> shift) & 0xff]++] = from[i];
			if (!(i % RESCHED_EVERY))
				cond_resched();
		}
		swap(from, to);
	}
	/* an even number of passes: the result is back in a */
	kvfree(tmp);
	return 0;
}

long pfw_find_key(const struct pfw_key_idx *a, u32 n, u32 key)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (a[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && a[lo].key == key ? (long)lo : -1L;
}

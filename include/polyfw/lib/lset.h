/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Live sets as the kernel stores them and the userspace simulator mirrors
 * them: a key is 128 bits (4 words, most significant first; a scalar is
 * {0, 0, 0, v}, an interface name its 16 bytes read as big-endian words),
 * an element is an inclusive interval [lo, hi] of keys with a value, split
 * into the fewest aligned prefixes, and a lookup returns the element of the
 * longest prefix that holds the key.  For elements that are prefixes (the
 * usual address sets) that is longest-prefix match; for nested intervals,
 * the innermost.  Written once here so that both sides agree.
 */
#ifndef _POLYFW_LIB_LSET_H
#define _POLYFW_LIB_LSET_H

#include "../bytecode.h"
#include "bounds.h"

/* The most prefixes an interval splits into. */
#define PFW_LSET_MAX_SPLIT 254

/* key with its low 128 - plen bits cleared. */
static inline void pfw_lset_mask(__u32 *out, const __u32 *key,
				 unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		unsigned int keep = plen > 32 * i ? plen - 32 * i : 0;

		if (keep >= 32)
			out[i] = key[i];
		else if (keep == 0)
			out[i] = 0;
		else
			out[i] = key[i] & ~(0xffffffffu >> keep);
	}
}

/* Whether key's low 128 - plen bits are all clear / all set. */
static inline int pfw_lset_low_bits(const __u32 *key, unsigned int plen,
				    __u32 want)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		unsigned int keep = plen > 32 * i ? plen - 32 * i : 0;
		__u32 low = keep >= 32 ? 0 : 0xffffffffu >> keep;

		if ((key[i] & low) != (want & low))
			return 0;
	}
	return 1;
}

typedef int (*pfw_lset_emit_fn)(void *arg, const __u32 *key,
				unsigned int plen);

/*
 * Splits [lo, hi] (lo <= hi, as pfw_bound_cmp() orders 4 words) into the
 * fewest aligned prefixes, in ascending order, calling emit() for each;
 * stops at the first emit() that returns nonzero and returns that.
 */
static inline int pfw_lset_split(const __u32 *lo, const __u32 *hi,
				 pfw_lset_emit_fn emit, void *arg)
{
	__u32 cur[4], end[4];
	unsigned int i, plen;
	int ret;

	for (i = 0; i < 4; i++)
		cur[i] = lo[i];
	for (;;) {
		/* The widest block aligned at cur that ends at or before hi. */
		for (plen = 0; plen < 128; plen++) {
			if (!pfw_lset_low_bits(cur, plen, 0))
				continue;
			for (i = 0; i < 4; i++) {
				unsigned int keep = plen > 32 * i ?
						    plen - 32 * i : 0;
				__u32 low = keep >= 32 ? 0 : 0xffffffffu >> keep;

				end[i] = cur[i] | low;
			}
			if (pfw_bound_cmp(end, hi, 4) <= 0)
				break;
		}
		if (plen == 128)
			for (i = 0; i < 4; i++)
				end[i] = cur[i];
		ret = emit(arg, cur, plen);
		if (ret)
			return ret;
		if (!pfw_bound_cmp(end, hi, 4))
			return 0;
		/* cur = end + 1; end < hi, so this cannot wrap */
		for (i = 4; i-- > 0;) {
			cur[i] = end[i] + 1;
			if (cur[i])
				break;
		}
		for (; i-- > 0;)
			cur[i] = end[i];
	}
}

#endif /* _POLYFW_LIB_LSET_H */

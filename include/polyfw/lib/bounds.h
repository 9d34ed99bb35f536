/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Multi-word bounds (1 word for scalars, 4 for addresses, most significant
 * first), compared the same way by the verifier and the interpreter.
 */
#ifndef _POLYFW_LIB_BOUNDS_H
#define _POLYFW_LIB_BOUNDS_H

#include "../bytecode.h"

static inline int pfw_bound_cmp(const __u32 *a, const __u32 *b,
				unsigned int width)
{
	unsigned int i;

	for (i = 0; i < width; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

#endif /* _POLYFW_LIB_BOUNDS_H */

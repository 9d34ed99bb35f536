/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Sorting (key, index) pairs, as programs of up to a million rules need for
 * finding rules and limiters by key, without holding the CPU.
 */
#ifndef _PFW_KEYSORT_H
#define _PFW_KEYSORT_H

#include <linux/types.h>

struct pfw_key_idx {
	u32 key;
	u32 idx;
};

/*
 * Sorts a[0..n) by key, keeping the order of equal keys (so pairs filled in
 * index order come out by key, then index).  Linear (a radix sort), yields
 * the CPU as it goes; may sleep.  Returns 0 or -ENOMEM.
 */
int pfw_sort_keys(struct pfw_key_idx *a, u32 n);

/* The index of the first pair with key in a sorted array, or -1. */
long pfw_find_key(const struct pfw_key_idx *a, u32 n, u32 key);

#endif /* _PFW_KEYSORT_H */

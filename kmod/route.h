/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * Questions for the routing tables: reverse-path checks and address types.
 */
#ifndef _PFW_ROUTE_H
#define _PFW_ROUTE_H

#include <linux/types.h>

struct pfw_ctx;
struct pfw_pkt;

/* 1 when the packet passes RPF test mode (PFW_RPF_*). */
int pfw_route_rpf(const struct pfw_ctx *ctx, const struct pfw_pkt *pkt,
		  u32 mode);
/* Fills PFW_FLD_SADDRTYPE and PFW_FLD_DADDRTYPE. */
void pfw_route_addrtypes(const struct pfw_ctx *ctx, struct pfw_pkt *pkt);

#endif /* _PFW_ROUTE_H */

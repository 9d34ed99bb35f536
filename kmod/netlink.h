/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 */
#ifndef _PFW_NETLINK_H
#define _PFW_NETLINK_H

int pfw_genetlink_init(void);
void pfw_genetlink_uninit(void);

#endif /* _PFW_NETLINK_H */

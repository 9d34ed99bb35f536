// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 */
#include "counter.h"
#include "limiter.h"
#include "lset.h"
#include "netlink.h"
#include "netns.h"
#include "prog.h"
#include "state.h"
#include "txn.h"

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <polyfw/genl.h>

static int __init pfw_mod_init(void)
{
	int ret;

#ifdef DEBUG
	/* Before anything is registered, as WireGuard does. */
	if (!pfw_counter_selftest() || !pfw_limiter_selftest() ||
	    !pfw_state_selftest() || !pfw_prog_selftest() ||
	    !pfw_lset_selftest())
		return -ENOTRECOVERABLE;
#endif
	ret = pfw_netns_init();
	if (ret)
		goto err_netns;
	ret = pfw_txn_init();
	if (ret)
		goto err_txn;
	ret = pfw_genetlink_init();
	if (ret)
		goto err_netlink;
	pr_info("loaded\n");
	return 0;

err_netlink:
	pfw_txn_uninit();
err_txn:
	pfw_netns_uninit();
err_netns:
	return ret;
}

static void __exit pfw_mod_exit(void)
{
	pfw_genetlink_uninit();
	pfw_txn_uninit();
	/* Unregisters every namespace's hooks and frees its program. */
	pfw_netns_uninit();
	/*
	 * No packet is still in our hook; programs freed with call_rcu()
	 * run our code: wait for them.
	 */
	synchronize_net();
	rcu_barrier();
	pr_info("unloaded\n");
}

module_init(pfw_mod_init);
module_exit(pfw_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("polyfw: verified bytecode packet filter");
MODULE_AUTHOR("The polyfw authors");
MODULE_ALIAS_GENL_FAMILY(POLYFW_GENL_NAME);

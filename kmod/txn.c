// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Copyright (C) 2025 The polyfw authors. All Rights Reserved.
 *
 * A transaction belongs to one netlink socket (port id) of one namespace.
 * BEGIN allocates the whole buffer (charged to the caller's memory cgroup),
 * CHUNKs fill it in order, COMMIT takes it out of the list (netlink.c hands
 * it to the verifier).  It is aborted by a new BEGIN on the same socket, by
 * ABORT, by the socket's release (a netlink notifier), by its deadline
 * (POLYFW_TXN_TIMEOUT_SEC after BEGIN, not renewed by chunks, so a writer
 * trickling bytes cannot pin the buffer; a delayed work reaps it), and when
 * the namespace goes away.  Its bytes count against the namespace's
 * in-flight cap from BEGIN until COMMIT is done with them (pfw_txn_done()).
 */
#include "txn.h"
#include "netns.h"

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <polyfw/bytecode.h>
#include <polyfw/genl.h>

#define TXN_TIMEOUT (POLYFW_TXN_TIMEOUT_SEC * HZ)

static struct pfw_txn *find(struct pfw_net *pn, u32 portid)
{
	struct pfw_txn *t;

	list_for_each_entry(t, &pn->txns, list) {
		if (t->portid == portid)
			return t;
	}
	return NULL;
}

void pfw_txn_free(struct pfw_txn *t)
{
	kvfree(t->buf);
	kfree(t);
}

static void drop(struct pfw_net *pn, struct pfw_txn *t)
{
	list_del(&t->list);
	pn->n_txns--;
	pn->txn_bytes -= t->size;
	pfw_txn_free(t);
}

void pfw_txn_done(struct pfw_net *pn, u32 size)
{
	lockdep_assert_held(&pn->lock);
	pn->txn_bytes -= size;
}

static void gc_work(struct work_struct *work)
{
	struct pfw_net *pn = container_of(to_delayed_work(work),
					  struct pfw_net, txn_gc);
	struct pfw_txn *t, *tmp;

	mutex_lock(&pn->lock);
	list_for_each_entry_safe(t, tmp, &pn->txns, list) {
		if (time_after_eq(jiffies, t->deadline))
			drop(pn, t);
	}
	if (pn->n_txns)
		schedule_delayed_work(&pn->txn_gc, HZ);
	mutex_unlock(&pn->lock);
}

void pfw_txn_net_init(struct pfw_net *pn)
{
	INIT_LIST_HEAD(&pn->txns);
	pn->n_txns = 0;
	pn->txn_bytes = 0;
	INIT_DELAYED_WORK(&pn->txn_gc, gc_work);
}

void pfw_txn_net_exit(struct pfw_net *pn)
{
	struct pfw_txn *t, *tmp;

	cancel_delayed_work_sync(&pn->txn_gc);
	mutex_lock(&pn->lock);
	list_for_each_entry_safe(t, tmp, &pn->txns, list)
		drop(pn, t);
	mutex_unlock(&pn->lock);
}

int pfw_txn_begin(struct pfw_net *pn, u32 portid, u32 size,
		  const struct pfw_load_target *target,
		  struct netlink_ext_ack *extack)
{
	struct pfw_txn *t;

	lockdep_assert_held(&pn->lock);
	t = find(pn, portid);
	if (t)
		drop(pn, t);
	if (size % 4) {
		NL_SET_ERR_MSG(extack, "program size is not a multiple of 4");
		return -EINVAL;
	}
	if (pn->n_txns >= POLYFW_MAX_TXNS) {
		NL_SET_ERR_MSG(extack, "too many load transactions in progress");
		return -EBUSY;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	/* A user asking for too much gets ENOMEM, not a splat. */
	t->buf = kvmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!t->buf) {
		kfree(t);
		NL_SET_ERR_MSG(extack, "no memory for the program");
		return -ENOMEM;
	}
	t->portid = portid;
	t->size = size;
	t->target = *target;
	t->deadline = jiffies + TXN_TIMEOUT;
	list_add(&t->list, &pn->txns);
	pn->n_txns++;
	pn->txn_bytes += size;
	schedule_delayed_work(&pn->txn_gc, HZ);
	return 0;
}

int pfw_txn_chunk(struct pfw_net *pn, u32 portid, u32 offset,
		  const void *data, u32 len, struct netlink_ext_ack *extack)
{
	struct pfw_txn *t;

	lockdep_assert_held(&pn->lock);
	t = find(pn, portid);
	if (!t) {
		NL_SET_ERR_MSG(extack, "no load transaction on this socket");
		return -ENOENT;
	}
	if (offset != t->received) {
		NL_SET_ERR_MSG(extack, "chunk offset is not where the previous chunk ended");
		drop(pn, t);
		return -EINVAL;
	}
	if (len > t->size - t->received) {
		NL_SET_ERR_MSG(extack, "chunk runs past the announced program size");
		drop(pn, t);
		return -EMSGSIZE;
	}
	memcpy(t->buf + offset, data, len);
	t->received += len;
	return 0;
}

struct pfw_txn *pfw_txn_take(struct pfw_net *pn, u32 portid)
{
	struct pfw_txn *t;

	lockdep_assert_held(&pn->lock);
	t = find(pn, portid);
	if (t) {
		list_del(&t->list);
		pn->n_txns--;
	}
	return t;
}

bool pfw_txn_abort(struct pfw_net *pn, u32 portid)
{
	struct pfw_txn *t;

	lockdep_assert_held(&pn->lock);
	t = find(pn, portid);
	if (t)
		drop(pn, t);
	return t;
}

bool pfw_txn_exists(struct pfw_net *pn, u32 portid)
{
	lockdep_assert_held(&pn->lock);
	return find(pn, portid);
}

static int release_event(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	struct netlink_notify *n = ptr;
	struct pfw_net *pn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;
	pn = pfw_net(n->net);
	mutex_lock(&pn->lock);
	pfw_txn_abort(pn, n->portid);
	mutex_unlock(&pn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block release_nb = {
	.notifier_call = release_event,
};

int pfw_txn_init(void)
{
	return netlink_register_notifier(&release_nb);
}

void pfw_txn_uninit(void)
{
	netlink_unregister_notifier(&release_nb);
}

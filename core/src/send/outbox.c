/* Cadre: the outbox: coalesced delivery (docs/architecture.md, "The
 * outbox"). A run's sends beyond its first few are chained per receiver in
 * the worker's outbox and linked into the receiver's mailbox a chain at a
 * time. */
#include "cadre__send.h"

/* ---- the outbox -------------------------------------------------------------
 * Coalescing: after its first CADRE__COALESCE_AFTER sends, a run's messages
 * to an unbounded mailbox wait in its worker's outbox, chained per
 * receiver, and go into the mailbox a chain at a time (one exchange), when
 * the chain is CADRE__OUTBOX_CHAIN long, when another receiver needs its
 * way, before the sender sends a signal, and at the end of the run. The
 * receiver's pointer stays valid meanwhile: the worker is not quiescent
 * during a run (worker.c, reclamation). */
static void
outbox_link(struct cadre_system *sys, struct cadre__worker *w, unsigned i)
{
	struct cadre__outbox *o = &w->outbox[i];
	struct cadre__actor *a = o->to;
	o->to = NULL;
	w->outbox_used &= ~(UINT64_C(1) << i);
	if (cadre__mb_link(&a->mb, o->first, o->last) == 1)
		cadre__schedule(sys, a, CADRE__SCHED_WOKEN);
}

void
cadre__outbox_put(struct cadre_system *sys, struct cadre__worker *w, struct cadre__actor *a,
                  cadre_mb_node *n)
{
	unsigned i = a->index & (CADRE__OUTBOX_WAYS - 1u);
	struct cadre__outbox *o = &w->outbox[i];
	if (o->to != a) {
		if (o->to != NULL)
			outbox_link(sys, w, i);
		o->to = a;
		o->first = n;
		o->n = 0;
		w->outbox_used |= UINT64_C(1) << i;
	} else {
		/* Relaxed: the chain is ours until cadre__mb_link publishes it
		 * with its release store. */
		cadre__store_rlx_ptr((void **)&o->last->next, n);
	}
	o->last = n;
	if (++o->n >= CADRE__OUTBOX_CHAIN)
		outbox_link(sys, w, i);
}

void
cadre__outbox_flush(struct cadre_system *sys, struct cadre__worker *w)
{
	while (w->outbox_used != 0)
		outbox_link(sys, w, (unsigned)__builtin_ctzll(w->outbox_used));
}

/* Cadre: backpressure by muting (Pony's), on signals.
 *
 * Design notes: docs/architecture.md, "Bounded mailboxes and backpressure".
 */
#include "cadre__signal.h"

/* ---- backpressure -------------------------------------------------------------
 * Pony-style muting. A run that uses its whole batch and leaves mail behind
 * marks the actor overloaded (a bit in its sig word that senders read). An
 * actor that sends to an overloaded one, and is not overloaded itself (the
 * rule that keeps muting free of deadlock: an overloaded actor is never
 * muted, so it always drains), is muted at the end of its run if it still
 * has mail: instead of being requeued it sends a MUTE signal to the
 * receiver and stays out of every run queue, its mailbox active, so no push
 * can schedule it. The receiver, on its own thread, keeps the muted sender
 * in a list while it is overloaded and schedules it again (exactly once)
 * when a run of it ends without a full batch, or when it dies. A sender
 * whose receiver is already gone is not muted. Outside threads are never
 * muted (they cannot be descheduled); bounded mailboxes push back on them. */
void
cadre__unmute(struct cadre__worker *w, cadre_ref who)
{
	/* Inside a run (QSBR protects the pointer); the muted actor has mail
	 * and an active mailbox that nobody else schedules: we own it. */
	struct cadre__actor *s = cadre__table_get(&w->sys->table, who);
	if (s != NULL)
		cadre__schedule(w->sys, s, CADRE__SCHED_SPAWNED);
	cadre__count(&w->st.unmutes, 1);
}

void
cadre__unmute_all(struct cadre__worker *w, struct cadre__actor *a)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL)
		return;
	for (uint32_t i = 0; i < x->nmuted; i++)
		cadre__unmute(w, x->muted[i]);
	x->nmuted = 0;
}

bool
cadre__mute(struct cadre__worker *w, struct cadre__actor *a)
{
	w->mute_pending = false;
	/* Relaxed: the overloaded bit is set and cleared only by a's own runs
	 * (actor/run.c), i.e. on this thread; nothing to pair with. */
	if (cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED)
		return false; /* an overloaded actor is never muted */
	struct cadre__sig_ref mu = {cadre__ref_of(w->sys, a), 0};
	if (cadre__signal(w->sys, w, w->mute_on, CADRE__SIG_MUTE, &mu, sizeof mu) != 0)
		return false; /* the receiver is gone: nothing to wait for */
	cadre__count(&w->st.mutes, 1);
	return true;
}

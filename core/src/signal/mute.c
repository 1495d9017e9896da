/* Cadre: backpressure by muting (Pony's), on signals.
 *
 * Design notes: docs/architecture.md, "Bounded mailboxes and backpressure".
 */
#include "cadre__signal.h"

/* ---- backpressure -------------------------------------------------------------
 * Pony-style muting. A run that uses its whole batch and leaves mail behind
 * marks the actor overloaded (a bit in its sig word that senders read). An
 * actor that sends to an overloaded one, and is not overloaded itself (an
 * overloaded actor is never muted, so it always drains; and a muted actor
 * never holds an unhandled MUTE, see cadre__mute: together they keep muting
 * free of deadlock), and whose run sent more messages than it handled (a
 * forwarder adds nothing in flight: runtime/loop.c), is muted at the end
 * of its run if it still has mail: instead of being requeued it sends a
 * MUTE signal to the receiver and stays out of every run queue, its
 * mailbox active, so no push can schedule it. The receiver, on its own thread, keeps the muted sender
 * in a list while it is overloaded and schedules it again (exactly once)
 * when a run of it ends without a full batch, or when it dies. A sender
 * whose receiver is already gone is not muted. Outside threads are never
 * muted (they cannot be descheduled); bounded mailboxes push back on them.
 *
 * Every mute has exactly one unmute (stats: mutes == unmutes once quiet):
 * the one that clears the actor's MUTED bit.
 * The MUTE signal is consumed exactly once, by one of:
 *   - the live receiver (handle_mute, signal.c): woken at once, or kept in
 *     its list and woken when it copes or dies (cadre__signals_on_death);
 *   - the receiver's reclamation, when the MUTE reached its mailbox after
 *     it stopped taking signals (cadre__signal_to_dead): woken then, also
 *     while the system is closing. A muted sender stays out of every run
 *     queue with an active mailbox, so not even its stop request schedules
 *     it: a MUTE dropped during shutdown left it alive for ever, and
 *     shutdown (whose workers exit only when no actor is alive) never
 *     returned.
 * Shutdown's final reclamation runs after the workers exit, so when no
 * actor is alive: every muted sender was woken before (its MUTE was
 * consumed on a worker), ran its stop request and its stop callback once
 * (OTP: every process gets its shutdown exit; Pony: a muted actor is
 * unmuted when its receiver is gone). A MUTE found then only counts its
 * unmute: the sender's lookup finds it dead. */
void
cadre__unmute(struct cadre__worker *w, cadre_ref who)
{
	/* On a worker, inside a run or at reclamation. Whoever clears the
	 * MUTED bit wakes the actor, exactly once: this MUTE's receiver, or
	 * the muted actor itself when it took its mute back (cadre__mute). A
	 * muted actor has mail and an active mailbox that nobody else
	 * schedules, so it cannot stop while the bit is set: if the bit is
	 * set, it is alive. seq_cst RMW: as in cadre__mute. */
	struct cadre__actor *s = cadre__table_get(&w->sys->table, who);
	if (s == NULL ||
	    !(cadre__fetch_and_sc_u32(&s->sig, ~(uint32_t)CADRE__SIG_F_MUTED) & CADRE__SIG_F_MUTED))
		return; /* taken back, or already woken */
	cadre__schedule(w->sys, s, CADRE__SCHED_UNMUTED);
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

/* Takes a's mute back if nobody woke it yet: true if a is runnable again
 * by this call (the caller requeues it). */
static bool
take_back(struct cadre__worker *w, struct cadre__actor *a)
{
	/* seq_cst RMW: the same bit cadre__unmute clears; one of us wins. */
	if (!(cadre__fetch_and_sc_u32(&a->sig, ~(uint32_t)CADRE__SIG_F_MUTED) & CADRE__SIG_F_MUTED))
		return false;
	cadre__count(&w->st.unmutes, 1);
	return true;
}

bool
cadre__mute(struct cadre__worker *w, struct cadre__actor *a)
{
	w->mute_pending = false;
	/* Relaxed: the overloaded bit is set and cleared only by a's own runs
	 * (actor/run.c), i.e. on this thread; nothing to pair with. */
	if (cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED)
		return false; /* an overloaded actor is never muted */
	/* seq_cst RMW: our half of the Dekker pairs below (set, then look). */
	cadre__fetch_or_sc_u32(&a->sig, CADRE__SIG_F_MUTED);
	struct cadre__sig_ref mu = {cadre__ref_of(w->sys, a), 0};
	if (cadre__signal(w->sys, w, w->mute_on, CADRE__SIG_MUTE, &mu, sizeof mu) != 0) {
		/* the receiver is gone: nothing to wait for. seq_cst: as above. */
		cadre__fetch_and_sc_u32(&a->sig, ~(uint32_t)CADRE__SIG_F_MUTED);
		return false;
	}
	cadre__count(&w->st.mutes, 1);
	/* A MUTE is handled by its receiver in a run, and a muted actor does
	 * not run: a muted actor must not hold one unhandled, or a cycle of
	 * them waits for ever. Two Dekker pairs, every step seq_cst:
	 *   - a MUTE pushed to us before we set MUTED: we see our system lane
	 *     non-empty below (its pusher's CAS on sys_head, then its load of
	 *     our bit in the next check) and take our mute back, to run and
	 *     handle it;
	 *   - our receiver muted itself (set its MUTED, then looked at its own
	 *     lane) before our MUTE arrived: we see its bit and take ours back.
	 * Either side may take back; the bit makes it happen once. */
	if (cadre__load_sc_ptr(&a->mb.sys_head) != NULL)
		return !take_back(w, a);
	struct cadre__actor *r = cadre__table_get(&w->sys->table, w->mute_on);
	if (r != NULL && (cadre__load_sc_u32(&r->sig) & CADRE__SIG_F_MUTED))
		return !take_back(w, a);
	return true;
}

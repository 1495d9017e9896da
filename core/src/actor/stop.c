/* Cadre: stopping and starting, as seen from inside an actor (cadre/links.h
 * and cadre/actor.h): stop with a reason, fail, the STARTED notice. */
#include "cadre__actor.h"

/* The running actor a stops with reason when its callback returns; the
 * first stop asked for wins. */
static void
stop_running(struct cadre__actor *a, cadre_exit reason)
{
	if (a->state == CADRE__A_NEW || a->state == CADRE__A_RUNNING) {
		a->state = CADRE__A_STOPPING;
		cadre__tls_worker->exit = reason;
	}
}

int
cadre_stop_with(cadre_actor *self, const cadre_exit *reason)
{
	if (self == NULL || reason == NULL || reason->kind > CADRE_EXIT_NOCONNECTION)
		return CADRE_EINVAL;
	struct cadre__actor *a = cadre__running(self);
	if (a == NULL)
		return CADRE_ESTATE;
	stop_running(a, *reason);
	return 0;
}

int
cadre_started_later(cadre_actor *self)
{
	if (self == NULL)
		return CADRE_EINVAL;
	struct cadre__actor *a = cadre__running(self);
	if (a == NULL || a->state != CADRE__A_RUNNING || !(a->flags & CADRE__F_IN_START))
		return CADRE_ESTATE;
	a->flags |= CADRE__F_STARTED_LATER;
	return 0;
}

int
cadre_started(cadre_actor *self)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	a->flags &= (uint8_t)~CADRE__F_STARTED_LATER;
	cadre__notify_started(cadre__tls_worker, a);
	return 0;
}

cadre_ref
cadre_parent(const cadre_actor *self)
{
	struct cadre__actor *a = cadre__running(self);
	struct cadre__ext *x = a == NULL ? NULL : cadre__ext_of(a, false);
	return x == NULL ? CADRE_REF_NONE : x->parent;
}

int
cadre_fail(cadre_actor *self, int code, const char *detail)
{
	if (self == NULL || code == 0)
		return CADRE_EINVAL;
	struct cadre__actor *a = cadre__running(self);
	if (a == NULL)
		return CADRE_ESTATE;
	stop_running(a, (cadre_exit){CADRE_EXIT_FAILURE, code, detail});
	return 0;
}

int
cadre_ignore(cadre_actor *self)
{
	static const cadre_exit ignore = {CADRE_EXIT_NORMAL, CADRE_IGNORE_CODE, "ignore"};
	return cadre_stop_with(self, &ignore);
}

int
cadre_trap_stop(cadre_actor *self, bool on)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	/* acq_rel RMWs: the word's other bits are set concurrently by RMW; the
	 * bit pairs with the acquire load of shutdown's first walk (runtime/). */
	if (on)
		cadre__fetch_or_acqrel_u32(&a->sig, CADRE__SIG_F_TRAP_STOP);
	else
		cadre__fetch_and_acqrel_u32(&a->sig, ~(uint32_t)CADRE__SIG_F_TRAP_STOP);
	return 0;
}

/* The embedded stop request, popped by a's run: a stops (SHUTDOWN), or, if
 * it traps its stop request and the system is not closing, gets it as an
 * exit signal from no one. The STOP bit is cleared first, so that a
 * request made after it (shutdown's second walk) is pushed again: either
 * that walk's fetch-or comes after our fetch-and, and pushes the node
 * anew, or it comes before, and our fetch-and, reading it, sees `closing`
 * set before it (acq_rel RMW chain on sig, then the acquire load). */
int
cadre__stop_request(struct cadre__worker *w, struct cadre__actor *a)
{
	static const cadre_exit shutdown = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	/* Relaxed: the TRAP_STOP bit is only changed by a itself (its own
	 * earlier RMW, ordered before this run); pairs with nothing. */
	if (cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_TRAP_STOP) {
		/* acq_rel fetch-and: pairs with cadre__request_stop's acq_rel
		 * fetch-or of the STOP bit (see above). */
		cadre__fetch_and_acqrel_u32(&a->sig, ~(uint32_t)CADRE__SIG_F_STOP);
		/* Acquire: pairs with shutdown's seq_cst exchange of closing. */
		if (!cadre__load_acq_u32(&w->sys->closing)) {
			cadre_exit_msg em = {CADRE_REF_NONE, shutdown, false, NULL};
			cadre_msg view = {CADRE_MSG_EXIT, sizeof em, &em, CADRE_REF_NONE};
			return cadre__deliver_view(w, a, &view);
		}
	}
	/* Acquire: pairs with shutdown's release store of killing (runtime/):
	 * past its deadline, the request kills. */
	if (cadre__load_acq_u32(&w->sys->killing)) {
		static const cadre_exit killed = {CADRE_EXIT_KILLED, 0, "killed"};
		return cadre__finish(w, a, killed);
	}
	return cadre__finish(w, a, shutdown);
}

int
cadre_stop_ref(cadre_system *sys, cadre_ref target)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, target, &a);
	if (rc == CADRE_ENOACTOR && cadre__ref_remote(sys, target))
		return cadre__signal_stop_remote(sys, w, target); /* another node's */
	if (rc != 0)
		return rc;
	rc = cadre__request_stop(sys, a);
	cadre__leave(sys, w);
	return rc;
}

int
cadre_stop(cadre_actor *self)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	if (a->state == CADRE__A_NEW || a->state == CADRE__A_RUNNING) {
		a->state = CADRE__A_STOPPING;
		cadre__tls_worker->exit = (cadre_exit){CADRE_EXIT_NORMAL, 0, NULL};
	}
	return 0;
}

cadre_ref
cadre_self(const cadre_actor *self)
{
	struct cadre__actor *a = cadre__running(self);
	return a == NULL ? CADRE_REF_NONE : cadre__ref_of(cadre__tls_worker->sys, a);
}

cadre_system *
cadre_actor_system(const cadre_actor *self)
{
	return cadre__running(self) == NULL ? NULL : cadre__tls_worker->sys;
}

const cadre_behaviour *
cadre_actor_behaviour(const cadre_actor *self)
{
	struct cadre__actor *a = cadre__running(self);
	return a == NULL ? NULL : a->beh;
}

/* The crash report (cadre/log.h) of an actor that ends with FAILURE or
 * ERROR, before its links and watchers are told (they are counted here).
 * A kill is not reported (OTP does not report it either). */
static void
report_failure(struct cadre__worker *w, struct cadre__actor *a, const cadre_exit *why)
{
	bool signalled = w->exit_signalled;
	w->exit_signalled = false;
	if (why->kind != CADRE_EXIT_FAILURE && why->kind != CADRE_EXIT_ERROR)
		return;
	struct cadre__ext *x = cadre__ext_of(a, false);
	bool heard =
	        x != NULL && (x->nlinks > 0 || x->nwatchers > 0 || !cadre_ref_is_none(x->parent));
	const char *name = a->beh->name;
	cadre_log_event ev = {
	        .kind = CADRE_LOG_ACTOR_FAILED,
	        .level = CADRE_LOG_LEVEL_ERROR,
	        .system = w->sys,
	        .actor = cadre__ref_of(w->sys, a),
	        .name = name != NULL ? name : "?",
	        .reason = *why,
	        .unhandled = !heard,
	        .signalled = signalled,
	        .child_id = "",
	};
	cadre__log(w->sys, &ev);
}

/* Ends the actor's life on its worker: stop(), the crash report, exit and
 * down signals to its links and watchers, slot, counters. */
int
cadre__finish(struct cadre__worker *w, struct cadre__actor *a, cadre_exit reason)
{
	struct cadre_system *sys = w->sys;
	CADRE__TRACE_AT(sys, &w->trace, CADRE__TEV_EXIT, CADRE__TRACE_REF(a->index, a->gen),
	                ((uint64_t)(unsigned)reason.kind << 32) | (uint32_t)reason.code);
	a->state = CADRE__A_DEAD;
	w->exit = reason;
	if (a->beh->stop != NULL)
		a->beh->stop(cadre__user_of(a), &w->exit);
	report_failure(w, a, &w->exit);
	/* Its I/O handles close (io/, after stop(), which may still use them).
	 * acq_rel fetch-or: pairs with io/engine.c own_add's acq_rel fetch-or
	 * of CADRE__SIG_F_IO on the same word: one of the two sees the other. */
	if (sys->io_finish != NULL &&
	    (cadre__fetch_or_acqrel_u32(&a->sig, CADRE__SIG_F_IO_DONE) & CADRE__SIG_F_IO))
		sys->io_finish(sys, cadre__ref_of(sys, a));
	cadre__stash_drop_all(w, a);
	cadre__signals_on_death(w, a, &w->exit);
	cadre__tls_actor = NULL;
	cadre__slot_clear(&sys->table, a->index, a->gen + 1);
	cadre__slot_free(&sys->table, &w->slots, a->index, a->gen + 1);
	/* Release: cadre__alive() reads stops with acquire; this stop's spawn was
	 * counted before the actor could run. */
	cadre__store_rel_u64(&w->st.stopped, w->st.stopped + 1);
	return CADRE__RUN_DEAD;
}

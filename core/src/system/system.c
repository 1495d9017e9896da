/* Cadre: the system's shared services: who the calling thread is, holding
 * an actor, dead letters and counters (system/cadre__system.h). */
#include <string.h>

#include "cadre__system.h"

/* initial-exec: a direct %fs-relative access instead of a __tls_get_addr
 * call on every send (the library is linked at start-up, not dlopen'ed late;
 * two pointers of static TLS are within glibc's reserve even then). */
__attribute__((tls_model("initial-exec"))) _Thread_local struct cadre__worker *cadre__tls_worker;
__attribute__((tls_model("initial-exec"))) _Thread_local struct cadre__actor *cadre__tls_actor;

/* ---- dead letters --------------------------------------------------------- */
void
cadre__dead_letter(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to,
                   struct cadre__msg *m, int why)
{
	if (sys->dead_letter != NULL) {
		cadre_msg view;
		cadre__msg_view(m, &view);
		sys->dead_letter(sys->dead_letter_ctx, to, &view, why);
	}
	cadre__msg_free(m);
	/* Counted last, with release: whoever reads the count (acquire) sees
	 * the hook call and the payload's destructor done. */
	if (w != NULL)
		cadre__store_rel_u64(&w->st.dead_letters, w->st.dead_letters + 1);
	else
		cadre__faa_acqrel_u64(&sys->outside_st.dead_letters, 1);
	cadre__dead_letter_rate(sys, to);
}

/* ---- counters ------------------------------------------------------------- */
static void
add_stats(cadre_stats *acc, const cadre_stats *s)
{
	/* Relaxed loads: each counter has one writer or is an atomic add. */
	acc->sent += cadre__load_rlx_u64(&s->sent);
	acc->handled += cadre__load_rlx_u64(&s->handled);
	acc->dead_letters += cadre__load_rlx_u64(&s->dead_letters);
	acc->batches += cadre__load_rlx_u64(&s->batches);
	acc->steals += cadre__load_rlx_u64(&s->steals);
	acc->parks += cadre__load_rlx_u64(&s->parks);
	acc->wakeups += cadre__load_rlx_u64(&s->wakeups);
	acc->spawned += cadre__load_rlx_u64(&s->spawned);
	acc->stopped += cadre__load_rlx_u64(&s->stopped);
	acc->mutes += cadre__load_rlx_u64(&s->mutes);
	acc->unmutes += cadre__load_rlx_u64(&s->unmutes);
	acc->restarts += cadre__load_rlx_u64(&s->restarts);
}

/* A per-core worker's counters with its time: busy_ns and idle_ns with the
 * phase in progress added (sched/sched.c accounts them at the changes
 * only), and its run queue's length now. */
static void
add_worker(cadre_stats *acc, const struct cadre__worker *w, uint64_t now)
{
	/* Acquire: pairs with the release store of the phase; the counters
	 * then include every phase that ended before it. */
	uint64_t ph = cadre__load_acq_u64(&w->phase);
	add_stats(acc, &w->st);
	uint64_t since = ph >> 1, cur = now > since ? now - since : 0;
	/* Relaxed: owner-written counters, ordered by the acquire above. */
	acc->busy_ns += cadre__load_rlx_u64(&w->st.busy_ns) + ((ph & 1u) ? 0 : cur);
	acc->idle_ns += cadre__load_rlx_u64(&w->st.idle_ns) + ((ph & 1u) ? cur : 0);
	/* Relaxed: a gauge, as thieves read it (tail - head, sched.c). */
	uint32_t n = cadre__load_rlx_u32(&w->runq_tail) - cadre__load_rlx_u32(&w->runq_head);
	acc->runq += n <= CADRE__RUNQ_SIZE ? n : 0;
}

int
cadre_system_stats(const cadre_system *sys, int worker, cadre_stats *out)
{
	if (sys == NULL || out == NULL || worker < -1 || worker >= (int)sys->nworkers)
		return CADRE_EINVAL;
	memset(out, 0, sizeof *out);
	uint64_t now = cadre__now_ns();
	if (worker >= 0) {
		add_worker(out, &sys->workers[worker], now);
		return 0;
	}
	for (unsigned i = 0; i < sys->nworkers; i++)
		add_worker(out, &sys->workers[i], now);
	for (unsigned i = sys->nworkers; i < sys->nall; i++)
		add_stats(out, &sys->workers[i].st); /* the blocking pool: no time, no runq */
	add_stats(out, &sys->outside_st);
	out->actors_alive = out->spawned - out->stopped;
	return 0;
}

/* Live actors. Spawns are counted before an actor can stop, so a snapshot
 * can only over-count stops' lag: 0 here means 0 once spawns are closed. */
uint64_t
cadre__alive(struct cadre_system *sys)
{
	uint64_t spawned = 0, stopped = 0;
	for (unsigned i = 0; i < sys->nall; i++) {
		/* Stops first (acquire: pairs with the owner's counting), so a
		 * stop counted here had its spawn counted already. */
		stopped += cadre__load_acq_u64(&sys->workers[i].st.stopped);
	}
	stopped += cadre__load_acq_u64(&sys->outside_st.stopped); /* as above */
	/* Then spawns (acquire): the stops' acquire above already makes the
	 * spawn of every counted stop visible here. */
	for (unsigned i = 0; i < sys->nall; i++)
		spawned += cadre__load_acq_u64(&sys->workers[i].st.spawned);
	spawned +=
	        cadre__load_acq_u64(&sys->outside_st.spawned); /* pairs with spawn's acq_rel add */
	return spawned > stopped ? spawned - stopped : 0;
}

/* Spawns in progress anywhere. seq_cst loads: the other half of spawn's
 * Dekker pair [RMW spawning ; load closing]. */
uint32_t
cadre__spawning(struct cadre_system *sys)
{
	uint32_t n = cadre__load_sc_u32(&sys->spawning);
	for (unsigned i = 0; i < sys->nall; i++)
		n += cadre__load_sc_u32(&sys->workers[i].spawning);
	return n;
}

/* Dead actors not yet reclaimed (their queued mail not yet dead-lettered). */
uint64_t
cadre__unreclaimed(struct cadre_system *sys)
{
	uint64_t stopped = 0, reclaimed = 0;
	for (unsigned i = 0; i < sys->nall; i++) {
		/* Reclaims first (acquire: pairs with the reclaimer's release), so
		 * every reclaim counted here has its stop counted below. */
		reclaimed += cadre__load_acq_u64(&sys->workers[i].reclaimed);
	}
	for (unsigned i = 0; i < sys->nall; i++)
		stopped += cadre__load_acq_u64(&sys->workers[i].st.stopped);
	return stopped > reclaimed ? stopped - reclaimed : 0;
}

/* Finished work items: each settled run and each reclaimed dead actor.
 * Acquire loads, pairing with the owners' release stores: a finished item
 * seen here makes visible whatever was begun before it on that thread
 * (the runs it woke, the stop it counted), for cadre__woken read after. */
uint64_t
cadre__settled(struct cadre_system *sys)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < sys->nall; i++) {
		n += cadre__load_acq_u64(&sys->workers[i].settled);   /* as above */
		n += cadre__load_acq_u64(&sys->workers[i].reclaimed); /* as above */
	}
	return n;
}

/* Begun work items: each actor made runnable and each actor stopped.
 * Acquire loads, pairing with the owners' release stores and the outside
 * threads' acq_rel adds. */
uint64_t
cadre__woken(struct cadre_system *sys)
{
	uint64_t n = cadre__load_acq_u64(&sys->outside_woken); /* as above */
	for (unsigned i = 0; i < sys->nall; i++) {
		n += cadre__load_acq_u64(&sys->workers[i].woken);      /* as above */
		n += cadre__load_acq_u64(&sys->workers[i].st.stopped); /* as above */
	}
	n += cadre__load_acq_u64(&sys->outside_st.stopped); /* as above */
	return n;
}

/* ---- life cycle ----------------------------------------------------------- */
bool
cadre_is_worker_thread(void)
{
	/* A blocking-pool thread runs actors that are spawned to block. */
	struct cadre__worker *w = cadre__tls_worker;
	return w != NULL && !w->blocking;
}

unsigned
cadre_system_workers(const cadre_system *sys)
{
	return sys == NULL ? 0 : sys->nworkers;
}

/* The running actor of this thread, if self is it. */
struct cadre__actor *
cadre__running(const cadre_actor *self)
{
	if (self == NULL || cadre__tls_worker == NULL)
		return NULL;
	struct cadre__actor *a = cadre__actor_of(self);
	return a == cadre__tls_actor ? a : NULL;
}

/* The running actor behind self: 0, CADRE_EINVAL (NULL) or CADRE_ESTATE
 * (not called from self's callback). */
int
cadre__self_check(const cadre_actor *self, struct cadre__actor **a)
{
	if (self == NULL)
		return CADRE_EINVAL;
	*a = cadre__running(self);
	return *a == NULL ? CADRE_ESTATE : 0;
}

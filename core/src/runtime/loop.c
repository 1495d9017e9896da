/* Cadre: the threads that run actors: the main loops of per-core workers
 * and blocking-pool threads, their start and their end. The mechanisms
 * they use live below: sched/ (queues, stealing, parking), actor/ (a run),
 * signal/ (backpressure), reclaim/ (grace periods). */
#include <stdio.h>
#include <string.h>

#include "cadre__actor.h"
#include "cadre__runtime.h"
#include "cadre__sched.h"
#include "cadre__send.h"
#include "cadre__signal.h"

static bool
should_exit(struct cadre__worker *w)
{
	struct cadre_system *sys = w->sys;
	if (cadre__load_acq_u32(&sys->exiting)) /* pairs with the release store below */
		return true;
	/* closing, no spawn in flight (seq_cst: Dekker with spawn), none alive */
	if (cadre__load_sc_u32(&sys->closing) && cadre__spawning(sys) == 0 &&
	    cadre__alive(sys) == 0) {
		cadre__store_rel_u32(&sys->exiting, 1); /* pairs with the acquire loads above */
		cadre__wake_all(sys);
		return true;
	}
	return false;
}

/* After a run: the outbox flushed, the actor muted, requeued or put in
 * limbo, and a quiescent point for reclamation. Also the deterministic
 * mode's run (sim.c). Returns the run's result (CADRE__RUN_*). */
int
cadre__run_one(struct cadre__worker *w, struct cadre__actor *a)
{
	w->run_sends = 0;
	/* The trace: the run's slice (one test of the ring pointer when off).
	 * The end goes to the ring the begin went to. */
	struct cadre__tring *tr = cadre__load_acq_ptr((void *const *)&w->trace); /* see TRACE_AT */
	/* Own counters, plain reads: the run's sends and handled messages
	 * (the trace's run end; mute below). */
	uint64_t sent0 = w->st.sent, handled0 = w->st.handled, ref = 0;
	if (__builtin_expect(tr != NULL, 0)) {
		ref = CADRE__TRACE_REF(a->index, a->gen);
		cadre__trace_put(w->sys, tr, CADRE__TEV_RUN_BEGIN, ref, (uintptr_t)a->beh->name);
	}
	/* Relaxed: a walk's hint of the running actor (cadre/stats.h). */
	cadre__store_rlx_ptr((void **)&w->current, a);
	int r = cadre__actor_run(w, a);
	cadre__store_rlx_ptr((void **)&w->current, NULL);
	if (__builtin_expect(tr != NULL, 0))
		cadre__trace_put(w->sys, tr, CADRE__TEV_RUN_END, ref, w->st.handled - handled0);
	if (w->outbox_used != 0)
		cadre__outbox_flush(w->sys, w); /* before the run's end makes us quiescent */
	cadre__count(&w->st.batches, 1);
	bool muted = false;
	if (w->mute_pending) {
		w->mute_pending = false;
		/* muted: it leaves the run queues until its receiver copes. Only
		 * a run that sent more than it handled mutes its actor: muting
		 * one that forwards (a message out for each one in) lowers
		 * nothing in flight, its mail waits in its own mailbox instead,
		 * and it stops draining (docs/architecture.md, "Bounded
		 * mailboxes and backpressure"). */
		muted = r == CADRE__RUN_AGAIN && w->st.sent - sent0 > w->st.handled - handled0 &&
		        cadre__mute(w, a);
	}
	if (r == CADRE__RUN_AGAIN && !muted) /* a muted one: its receiver requeues it */
		cadre__sched_requeue(w, a);
	else if (r == CADRE__RUN_DEAD)
		cadre__limbo_add(&w->limbo, &a->rq_node);
	/* Quiescence: a run that leaves the actor idle or dead ends the work
	 * item its wake began (a requeued or muted one goes on), after all the
	 * run did: its outbox flushed, the actors it woke counted. Release
	 * store (one writer): pairs with cadre__settled's acquire load. */
	if (r == CADRE__RUN_IDLE || r == CADRE__RUN_DEAD)
		cadre__store_rel_u64(&w->settled, cadre__load_rlx_u64(&w->settled) + 1);
	cadre__limbo_quiescent(&w->limbo, &w->sys->qsbr, w->tick, w->sys->hooks.reclaim, w);
	return r;
}

/* The loop of either kind of thread: run what there is; with nothing,
 * reclaim, exit if the system is done, else park. With nothing to run the
 * thread holds no actor pointer: a quiescent point, announced if some limbo
 * waits for it. Parking would announce it too (offline), but a closing
 * system's workers do not sleep (sched_park returns at once) while actors
 * still have to stop: without this, a limbo would wait for them for ever
 * and what it holds (a MUTE that wakes a muted sender) with it. */
static void
thread_loop(struct cadre__worker *w)
{
	for (;;) {
		struct cadre__actor *a = w->blocking ? cadre__bpool_next(w) : cadre__sched_next(w);
		if (a != NULL) {
			cadre__run_one(w, a);
			continue;
		}
		/* Relaxed: a hint, as in cadre__limbo_quiescent. */
		if (cadre__load_rlx_u32(&w->sys->qsbr.pending) != 0)
			cadre__qsbr_announce(&w->sys->qsbr, w->index);
		if (cadre__limbo_has(&w->limbo))
			cadre__reclaim_poll(w);
		if (should_exit(w))
			break;
		if (w->blocking)
			cadre__bpool_park(w);
		else
			cadre__sched_park(w);
	}
}

/* cadre_config.prealloc_bytes: takes that much from the allocator in
 * 1 MiB blocks (large blocks, from this thread's own jemalloc arena), writes
 * every page, and gives it all back: the arena keeps the pages mapped, and
 * the first actors and messages this worker allocates find them there
 * instead of faulting fresh pages in one by one (docs/performance.md, "Cold
 * and warm"). Best effort: stops at the first failed allocation. */
#define PREFAULT_BLOCK ((size_t)1 << 20)

static void
prefault(size_t bytes)
{
	void *head = NULL;
	for (size_t done = 0; done < bytes; done += PREFAULT_BLOCK) {
		void **b = cadre__alloc(PREFAULT_BLOCK);
		if (b == NULL)
			break;
		memset(b, 0, PREFAULT_BLOCK);
		*b = head;
		head = b;
	}
	while (head != NULL) {
		void *next = *(void **)head;
		cadre__free(head, PREFAULT_BLOCK);
		head = next;
	}
}

static void *
worker_main(void *arg)
{
	struct cadre__worker *w = arg;
	cadre__tls_worker = w;
	if (!w->blocking && w->sys->prealloc > 0) {
		prefault(w->sys->prealloc);
		/* acq_rel: the last one's count pairs with the acquire load in
		 * cadre__workers_start's wait; then wake it. */
		if (cadre__faa_acqrel_u32(&w->sys->prefaulting, (uint32_t)-1) == 1)
			cadre__futex_wake(&w->sys->prefaulting, 1);
	}
	cadre__pool_attach(w->pool);
	char name[16];
	snprintf(name, sizeof name, w->blocking ? "cadre-b%u" : "cadre-w%u", w->index);
	pthread_setname_np(pthread_self(), name);
	/* Already pinned, if it is to be, by cadre__thread_start (placement.c). */
	cadre__qsbr_online(&w->sys->qsbr, w->index);
	thread_loop(w);
	cadre__qsbr_offline(&w->sys->qsbr, w->index);
	cadre__pool_fini(w->pool); /* later frees on this thread go to free() */
	cadre__tls_worker = NULL;
	return NULL;
}

/* Starts every thread; per-core worker i is pinned to p->cpu[i % p->n]
 * (none if p->cpu is NULL). */
int
cadre__workers_start(struct cadre_system *sys, const struct cadre__placement *p)
{
	unsigned n = sys->nall;
	for (unsigned i = 0; i < n; i++) {
		struct cadre__worker *w = &sys->workers[i];
		w->sys = sys;
		w->index = i;
		w->blocking = i >= sys->nworkers;
		w->cpu = (!w->blocking && p->cpu != NULL) ? p->cpu[i % p->n] : -1;
		cadre__sched_init(w);
		if (cadre__slot_cache_init(&w->slots) != 0 ||
		    cadre__limbo_init(&w->limbo, &sys->qsbr, i) != 0) {
			cadre__workers_fini(sys);
			return CADRE_ENOMEM;
		}
	}
	if (sys->sim != NULL)
		return 0; /* the deterministic mode: no thread (sim.c drives) */
	/* Relaxed: no worker runs yet; thread creation orders it. */
	cadre__store_rlx_u32(&sys->prefaulting, sys->prealloc > 0 ? sys->nworkers : 0);
	for (unsigned i = 0; i < n; i++) {
		if (cadre__thread_start(&sys->workers[i], worker_main) != 0) {
			cadre__store_rel_u32(&sys->exiting, 1); /* pairs with should_exit */
			cadre__wake_all(sys);
			for (unsigned j = 0; j < i; j++)
				pthread_join(sys->workers[j].thread, NULL);
			cadre__workers_fini(sys);
			return CADRE_ESYS;
		}
	}
	/* cadre_config.prealloc_bytes: return once every worker has prefaulted.
	 * Acquire: pairs with the workers' acq_rel decrements. */
	for (uint32_t left; (left = cadre__load_acq_u32(&sys->prefaulting)) != 0;)
		cadre__futex_wait(&sys->prefaulting, left, 0);
	return 0;
}

/* Frees what cadre__workers_start allocated for each worker: after its
 * threads are joined, or when the start fails (the array is zeroed, so
 * workers not reached yet hold NULL). */
void
cadre__workers_fini(struct cadre_system *sys)
{
	for (unsigned i = 0; i < sys->nall; i++) {
		cadre__slot_cache_fini(&sys->workers[i].slots);
		cadre__limbo_fini(&sys->workers[i].limbo, &sys->qsbr);
	}
}

void
cadre__workers_join(struct cadre_system *sys)
{
	if (sys->sim != NULL)
		return; /* no thread was started */
	for (unsigned i = 0; i < sys->nall; i++)
		pthread_join(sys->workers[i].thread, NULL);
}

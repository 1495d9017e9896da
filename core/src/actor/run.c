/* Cadre: running an actor, and freeing it after its death.
 *
 * Design notes.
 *
 * Stopping. cadre_stop (inside a callback), a failing callback, or the
 * embedded stop request (system lane, pushed at most once thanks to the
 * SIG_F_STOP bit) end the run: stop() runs, the slot is cleared, and
 * the actor goes to limbo. Its mailbox is never marked idle again, so later
 * pushes never schedule it; they wait in the mailbox and are dead-lettered
 * when the actor is reclaimed after the grace period (reclaim/).
 */
#include <string.h>

#include "cadre__actor.h"

/* ---- running ---------------------------------------------------------------------- */

static cadre_exit
failure(int code)
{
	return (cadre_exit){CADRE_EXIT_FAILURE, code, NULL};
}

int
cadre__deliver_view(struct cadre__worker *w, struct cadre__actor *a, const cadre_msg *view)
{
	int rc = a->beh->receive(cadre__user_of(a), view);
	if (rc != 0)
		return cadre__finish(w, a, failure(rc));
	if (a->state == CADRE__A_STOPPING)
		return cadre__finish(w, a, w->exit);
	return CADRE__RUN_AGAIN;
}

static cadre_mb_node *
replay_pop(struct cadre__actor *a)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	cadre_mb_node *n = x->replay_first;
	x->replay_first = n->next;
	if (x->replay_first == NULL) {
		x->replay_last = NULL;
		a->flags &= (uint8_t)~CADRE__F_REPLAY;
	}
	return n;
}

/* The actor copes with its mail (its mailbox emptied, or a run began with
 * less than a batch queued): no longer overloaded, and its muted senders
 * run again. Called while the actor is still ours. acq_rel RMW on the sig
 * word; senders read it relaxed (a hint). */
static void
coping(struct cadre__worker *w, struct cadre__actor *a)
{
	if (!(cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED)) /* own bit */
		return;
	/* acq_rel RMW: other bits (STOP) are set concurrently by RMW; senders
	 * read OVERLOADED relaxed (deliver). */
	cadre__fetch_and_acqrel_u32(&a->sig, ~(uint32_t)CADRE__SIG_F_OVERLOADED);
	cadre__unmute_all(w, a);
}

static void
stash_push(struct cadre__actor *a, cadre_mb_node *n)
{
	struct cadre__ext *x = cadre__ext_of(a, false); /* made by cadre_stash */
	n->next = NULL;
	if (x->stash_last != NULL)
		x->stash_last->next = n;
	else
		x->stash_first = n;
	x->stash_last = n;
	x->nstash++;
}

/* One run's state. The normal lane's cursor (tail) lives here during the
 * run and goes back to a->mb.tail before anything else reads it (signals,
 * finish, idling): popping then writes nothing on the line producers
 * exchange head on. */
struct run {
	struct cadre__worker *w;
	struct cadre__actor *a;
	cadre_mb_node *last; /* the newest normal message when the run began */
	cadre_mb_node *tail; /* the normal lane's cursor */
	unsigned n, batch;   /* normal messages taken, and the most a run takes */
	uint64_t handled;
	struct cadre__astats *st; /* per-actor counters, or NULL (actor_stats off) */
	int rc;                   /* a failing callback's code */
};

/* How a run ends (or goes on). */
enum { GO_ON, EMPTY, LAST, BATCH, STOPPING, FAILED, DEAD };

/* The first run calls start, before any message. */
static int
start(struct run *r)
{
	struct cadre__actor *a = r->a;
	a->state = CADRE__A_RUNNING;
	void *arg = a->start_arg;
	a->start_arg = NULL;
	a->flags |= CADRE__F_IN_START;
	if (a->beh->start != NULL)
		r->rc = a->beh->start(cadre__user_of(a), arg);
	a->flags &= (uint8_t)~CADRE__F_IN_START;
	if (a->flags & CADRE__F_REMOTE_ARG)
		cadre__remote_arg_free(arg);
	if (r->rc != 0)
		return FAILED;
	if (a->state == CADRE__A_STOPPING)
		return STOPPING;
	cadre__notify_started(r->w, a);
	return GO_ON;
}

enum { FROM_SYSTEM, FROM_MAILBOX, FROM_REPLAY }; /* where next_node took it */

/* The next message: the system lane first, then unstashed messages, then
 * the normal lane (where DROP_OLDEST drops what has `capacity` newer ones
 * behind it), *from saying which. NULL when there is none. */
static inline __attribute__((always_inline)) cadre_mb_node *
next_node(struct run *r, int *from)
{
	struct cadre__actor *a = r->a;
	cadre_mb_node *node = cadre__mb_pop_system(&a->mb);
	*from = FROM_SYSTEM;
	if (node != NULL)
		return node;
	*from = FROM_REPLAY;
	if (a->flags & CADRE__F_REPLAY)
		return replay_pop(a);
	*from = FROM_MAILBOX;
	while ((node = cadre__mb_pop_normal_at(&a->mb, &r->tail)) != NULL &&
	       a->overflow == CADRE_OVERFLOW_DROP_OLDEST &&
	       /* a timer's message is never the one dropped: its receiver
	        * asked for it (an ask's timeout must arrive) */
	       !(((struct cadre__msg *)node)->flags & CADRE__MSGF_TIMER) &&
	       /* Relaxed: count is a snapshot; the newer ones are ours to pop
	        * either way. */
	       cadre__load_rlx_u32(&a->mb.count) >= a->mb.capacity)
		cadre__dead_letter(r->w->sys, r->w, cadre__ref_of(r->w->sys, a),
		                   (struct cadre__msg *)node, CADRE_EFULL);
	return node;
}

/* A signal, or the embedded stop request (trapped only by cadre_trap_stop). The
 * cursor goes back first: a signal may end the actor, whose leftover mail
 * is then taken from the mailbox. */
static int
handle_system(struct run *r, cadre_mb_node *node)
{
	struct cadre__worker *w = r->w;
	struct cadre__actor *a = r->a;
	a->mb.tail = r->tail;
	int res = node == &a->stop_node ? cadre__stop_request(w, a)
	                                : cadre__signal_handle(w, a, (struct cadre__msg *)node);
	r->tail = a->mb.tail;
	if (res == CADRE__RUN_DEAD)
		return DEAD;
	cadre__tls_actor = a; /* a delivered signal may have run callbacks */
	return GO_ON;
}

/* One normal message through receive; then freed, stashed or dead.
 * counted: the system keeps per-actor counters (a constant where the run
 * is specialised: cadre__actor_run). */
static inline __attribute__((always_inline)) int
handle_normal(struct run *r, cadre_mb_node *node, bool counted, bool replayed)
{
	struct cadre__worker *w = r->w;
	struct cadre__actor *a = r->a;
	struct cadre__msg *m = (struct cadre__msg *)node;
	/* Per-actor counters: an unbounded mailbox's length is its pushes
	 * (mb.count, added by producers) less what was taken: stored at each
	 * take (not at the run's end), so a walk during a long receive sees
	 * the message in hand taken. Relaxed load + store: one writer, the
	 * owner; walks load it relaxed. */
	if (counted && !replayed)
		cadre__store_rlx_u32(&r->st->dequeued, cadre__load_rlx_u32(&r->st->dequeued) + 1u);
	cadre_msg view;
	cadre__msg_view(m, &view);
	/* The end of its send's arrow (before m may be freed and reused). */
	CADRE__TRACE_AT(w->sys, &w->trace, CADRE__TEV_RECV, CADRE__TRACE_REF(a->index, a->gen),
	                (uintptr_t)m);
	w->cur_view = &view;
	w->cur_disp = CADRE__DISP_FREE;
	r->rc = a->beh->receive(cadre__user_of(a), &view);
	w->cur_view = NULL;
	if (w->cur_disp == CADRE__DISP_FREE) {
		cadre__msg_free(m);
		r->handled++;
	} else if (w->cur_disp == CADRE__DISP_STASH) {
		stash_push(a, node);
	} else {
		cadre__dead_letter(w->sys, w, cadre__ref_of(w->sys, a), m, CADRE_EFULL);
	}
	if (r->rc != 0)
		return FAILED;
	if (a->state == CADRE__A_STOPPING)
		return STOPPING;
	if (++r->n >= r->batch)
		return BATCH; /* overloaded if mail is left (cadre__actor_run) */
	return node == r->last ? LAST : GO_ON;
}

/* The messages of a run, until one ends it. counted: a constant in each
 * copy (cadre__actor_run). */
static inline __attribute__((always_inline)) int
run_loop(struct run *r, bool counted)
{
	int end = GO_ON;
	while (end == GO_ON) {
		int from;
		cadre_mb_node *node = next_node(r, &from);
		if (node == NULL)
			end = EMPTY;
		else if (from == FROM_SYSTEM)
			end = handle_system(r, node);
		else
			end = handle_normal(r, node, counted, from == FROM_REPLAY);
	}
	return end;
}

/* The run is over, the cursor written back: what the actor is left as. */
static int
conclude(struct run *r, int end)
{
	struct cadre__worker *w = r->w;
	struct cadre__actor *a = r->a;
	if (end == FAILED)
		return cadre__finish(w, a, failure(r->rc));
	if (end == STOPPING)
		return cadre__finish(w, a, w->exit);
	if (end == DEAD)
		return CADRE__RUN_DEAD;
	cadre__tls_actor = NULL;
	if (end == BATCH)
		return CADRE__RUN_AGAIN;
	/* EMPTY: truly empty (not a push in flight) means coping; LAST: the run
	 * began with less than a batch queued, coping too. Bookkeeping before
	 * mark_idle, while the actor is still ours. Acquire: pairs with the
	 * producers' exchange. */
	if (end == LAST || (uintptr_t)cadre__load_acq_ptr(&a->mb.head) == (uintptr_t)&a->mb.stub)
		coping(w, a);
	/* After LAST, newer mail waits for the next run; none: go idle now. */
	if (end == LAST && cadre__mb_visible(&a->mb))
		return CADRE__RUN_AGAIN;
	return cadre__mb_mark_idle(&a->mb) == 0 ? CADRE__RUN_IDLE : CADRE__RUN_AGAIN;
}

/* Per-actor counters, once per run, before conclude: after it the actor
 * may be idle and run elsewhere. (stop() and a finish are not timed.)
 * handled and runs are exact. The time is sampled: a worker times one run
 * in CADRE__RUN_SAMPLE (t0 != 0) and counts it that many times, so an
 * actor's run_ns is exact in expectation, and close once it has run a few
 * thousand times (timing every run cost pingpong 22%: docs/architecture.md,
 * "Counters"). Relaxed loads + stores: one writer, the owner; walks load
 * them relaxed. */
static void
count_run(struct run *r, uint64_t t0, unsigned weight)
{
	struct cadre__astats *st = r->st;
	cadre__store_rlx_u64(&st->handled, cadre__load_rlx_u64(&st->handled) + r->handled);
	cadre__store_rlx_u64(&st->runs, cadre__load_rlx_u64(&st->runs) + 1u);
	if (t0 != 0) {
		uint64_t d = (cadre__ticks() - t0) * weight;
		cadre__store_rlx_u64(&st->run_ticks, cadre__load_rlx_u64(&st->run_ticks) + d);
	}
}

/* Runs a: start on its first run, then at most a batch of the normal mail
 * that was queued when the run began (mail sent meanwhile, including mail
 * the actor sends itself, waits for the next run, so an actor that re-sends
 * itself a "continue" gives its worker back at once). System messages do
 * not count. */
int
cadre__actor_run(struct cadre__worker *w, struct cadre__actor *a)
{
	/* The deterministic mode draws each run's batch (runtime/sim.c). */
	unsigned batch = w->sys->sim != NULL ? w->sys->sim->batch : w->sys->batch;
	struct run r = {.w = w, .a = a, .batch = batch};
	uint64_t t0 = 0;
	unsigned weight = 0; /* the timed run stands for this many */
	if (w->sys->actor_stats) {
		r.st = cadre__astats_of(a, a->beh->size);
		/* One run in CADRE__RUN_SAMPLE is timed (a time-stamp read costs
		 * ~14 ns; a pingpong run, ~35): see count_run. A blocking-pool
		 * actor's every run is (its runs are long and few: a sample of
		 * them would be mostly noise). */
		if (a->blocking)
			weight = 1;
		else if ((++w->stat_runs & (CADRE__RUN_SAMPLE - 1u)) == 0)
			weight = CADRE__RUN_SAMPLE;
		if (weight != 0)
			t0 = cadre__ticks();
	}
	cadre__tls_actor = a;
	int end = a->state == CADRE__A_NEW ? start(&r) : GO_ON;
	if (end == GO_ON) {
		/* Acquire: pairs with the producers' exchange; the tag is clear
		 * while we run. */
		r.last = (cadre_mb_node *)((uintptr_t)cadre__load_acq_ptr(&a->mb.head) &
		                           ~CADRE__MB_IDLE);
		r.tail = a->mb.tail;
		/* Two copies of the loop: without per-actor counters it has no
		 * test for them per message. */
		end = r.st != NULL ? run_loop(&r, true) : run_loop(&r, false);
		a->mb.tail = r.tail; /* the one write-back of the cursor */
	}
	if (r.st != NULL)
		count_run(&r, t0, weight);
	int result = conclude(&r, end);
	cadre__count(&w->st.handled, r.handled);
	/* Backpressure: a full batch that left mail behind makes the actor
	 * overloaded (its senders get muted). Only after RUN_AGAIN: the actor
	 * is still ours (after RUN_IDLE it may already run elsewhere). */
	if (result == CADRE__RUN_AGAIN && end == BATCH &&
	    !(cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED))        /* own bit */
		cadre__fetch_or_acqrel_u32(&a->sig, CADRE__SIG_F_OVERLOADED); /* senders read it */
	return result;
}

/* After the grace period: nobody can push into a's mailbox any more. */
void
cadre__actor_reclaim(struct cadre__worker *w, struct cadre__actor *a)
{
	struct cadre_system *sys = w->sys;
	cadre_ref to = cadre__ref_of(sys, a);
	cadre_mb_node *n;
	cadre_lane lane;
	while ((n = cadre__mb_pop(&a->mb, &lane)) != NULL) {
		if (n == &a->stop_node)
			continue; /* embedded, not a message */
		if (lane == CADRE_LANE_SYSTEM)
			cadre__signal_to_dead(sys, w, a, (struct cadre__msg *)n);
		else
			cadre__dead_letter(sys, w, to, (struct cadre__msg *)n, CADRE_ENOACTOR);
	}
	if (a->flags & CADRE__F_REMOTE_ARG)
		cadre__remote_arg_free(a->start_arg); /* never started: NULL once it did */
	cadre__free(a, cadre__actor_bytes(a->beh->size, sys->actor_stats));
	/* Counted by the reclaiming worker (at shutdown, after the workers
	 * are gone, the worker whose limbo held it). */
	cadre__store_rel_u64(&w->reclaimed, w->reclaimed + 1); /* pairs with unreclaimed() */
}

static void
reclaim_hook(void *ctx, cadre_mb_node *dead)
{
	cadre__actor_reclaim(ctx, cadre__actor_of_rq(dead));
}

const struct cadre__hooks cadre__actor_hooks = {
        .deliver = cadre__deliver_view,
        .finish = cadre__finish,
        .reclaim = reclaim_hook,
};

/* Cadre: spawning, sending, running and stopping actors.
 *
 * Design notes.
 *
 * Memory. An actor is one allocation: struct cadre__actor (96 bytes: the
 * mailbox, run-queue link, the embedded stop-request node, ids) followed by
 * the user's struct. A message is one block too: struct cadre__msg
 * followed by the copied payload, or the header alone for a moved payload.
 * Messages are allocated on the sender's thread and freed on the receiver's;
 * small blocks come from and go to the worker thread's message pool
 * (pool.c), so a small send on a worker usually calls no allocator.
 *
 * Coalescing. After a run's first few sends, sends wait in the worker's
 * outbox and reach their mailboxes a chain at a time (see the outbox
 * below, and docs/architecture.md).
 *
 * Ownership. Whoever sees the idle-to-active transition of an actor's
 * mailbox (cadre__mb_push_* returned 1) owns the actor until its run ends:
 * it schedules it, and exactly one worker runs it at a time. A new actor's
 * mailbox starts active, owned by its spawner, which schedules it.
 *
 * Stopping. cadre_stop (inside a callback), a failing callback, or the
 * embedded stop request (system lane, pushed at most once thanks to the
 * SIG_F_STOP bit) end the run: stop() runs, the slot is cleared, and
 * the actor goes to limbo. Its mailbox is never marked idle again, so later
 * pushes never schedule it; they wait in the mailbox and are dead-lettered
 * when the actor is reclaimed after the grace period (worker.c).
 *
 * Accounting. A message accepted by a send is counted `sent` once; it then
 * ends as `handled` (its receive callback ran) or as a dead letter (sent to
 * a dead or unknown actor, during shutdown, or left in a mailbox when its
 * actor stopped). A refused send (EFULL, EINVAL, ETOOBIG, ENOMEM) is not a
 * message and is counted nowhere.
 */
#include <string.h>

#include "cadre__core.h"

cadre_ref
cadre__ref_of(const struct cadre_system *sys, const struct cadre__actor *a)
{
	return (cadre_ref){sys->id, a->index, a->gen, 0};
}

/* ---- messages -------------------------------------------------------------- */
void
cadre__msg_view(const struct cadre__msg *m, cadre_msg *view)
{
	view->type = m->type;
	view->size = m->size;
	view->data = m->size != 0 ? m->data : NULL;
	view->sender = m->sender;
}

void
cadre__msg_free(struct cadre__msg *m)
{
	if (m->kind == CADRE__MSG_MOVED && m->dtor != NULL)
		m->dtor(m->data, m->size);
	cadre__msg_release(m);
}

static void
msg_header(struct cadre__msg *m, struct cadre_system *sys, struct cadre__worker *w, uint32_t type,
           size_t size)
{
	m->type = type;
	m->size = (uint32_t)size;
	struct cadre__actor *self = w != NULL ? cadre__tls_actor : NULL;
	m->sender = self != NULL ? cadre__ref_of(sys, self) : CADRE_REF_NONE;
}

static void
count_sent(struct cadre_system *sys, struct cadre__worker *w)
{
	if (w != NULL)
		cadre__count(&w->st.sent, 1);
	else
		cadre__faa_rlx_u64(&sys->ext.sent, 1); /* relaxed: a counter */
}

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

static void
outbox_put(struct cadre_system *sys, struct cadre__worker *w, struct cadre__actor *a,
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

/* Does this send wait in the outbox? Only sends by a running actor on a
 * per-core worker, after its run's first few, to another actor's unbounded
 * mailbox. */
static bool
coalesces(const struct cadre_system *sys, struct cadre__worker *w, const struct cadre__actor *a)
{
	return sys->coalesce && !w->blocking && a->mb.capacity == 0 && cadre__tls_actor != NULL &&
	       cadre__tls_actor != a && ++w->run_sends > CADRE__COALESCE_AFTER;
}

/* Backpressure: a running actor that sends to an overloaded one is muted
 * at the end of its run (worker.c run_one). */
static void
note_overloaded(struct cadre_system *sys, struct cadre__worker *w, struct cadre__actor *a,
                cadre_ref to)
{
	if (w != NULL && sys->backpressure && !w->mute_pending && cadre__tls_actor != NULL &&
	    /* Relaxed: a hint; a stale answer mutes a sender for one drain
	     * of the receiver, or not at all. */
	    (cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED) != 0 &&
	    cadre__tls_actor != a) {
		w->mute_pending = true;
		w->mute_on = to;
	}
}

/* Delivers m to `to`. Returns 0 (queued), CADRE_EFULL (not queued; the
 * caller still owns m) or CADRE_ENOACTOR / CADRE_ECLOSED (m was
 * dead-lettered and freed; with `quiet`, freed uncounted instead: a timer
 * whose target is gone is cancelled, not a dead letter). */
static int
deliver(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, struct cadre__msg *m,
        bool quiet)
{
	int rc;
	if (w == NULL)
		cadre__ext_enter(sys);
	struct cadre__actor *a = NULL;
	/* Acquire: after a shutdown that returned, closing is seen set. */
	if (cadre__load_acq_u32(&sys->closing))
		rc = CADRE_ECLOSED;
	else if ((a = cadre__table_get(sys, to)) == NULL)
		rc = CADRE_ENOACTOR;
	else
		rc = 0;
	if (rc != 0) {
		if (quiet) {
			cadre__msg_free(m);
		} else {
			count_sent(sys, w);
			cadre__dead_letter(sys, w, to, m, rc);
		}
		goto out;
	}
	if (w != NULL && coalesces(sys, w, a)) {
		outbox_put(sys, w, a, &m->node);
		count_sent(sys, w);
		note_overloaded(sys, w, a, to);
		goto out;
	}
	rc = cadre__mb_push_normal(&a->mb, &m->node);
	if (rc == CADRE_EFULL && a->overflow == CADRE_OVERFLOW_DROP_NEWEST) {
		count_sent(sys, w);
		cadre__dead_letter(sys, w, to, m, CADRE_EFULL); /* the newest goes */
		rc = 0;
		goto out;
	}
	if (rc == CADRE_EFULL && a->overflow == CADRE_OVERFLOW_DROP_OLDEST) {
		/* Admitted beyond the capacity; the actor drops the oldest when it
		 * gets to them (actor_run). acq_rel add: as the admission CAS. */
		cadre__faa_acqrel_u32(&a->mb.count, 1);
		rc = cadre__mb_link(&a->mb, &m->node, &m->node);
	}
	if (rc < 0)
		goto out; /* CADRE_EFULL */
	count_sent(sys, w);
	if (rc == 1)
		cadre__schedule(sys, a, CADRE__SCHED_WOKEN);
	else
		note_overloaded(sys, w, a, to);
	rc = 0;
out:
	if (w == NULL)
		cadre__ext_leave(sys);
	return rc;
}

int
cadre_send(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size)
{
	if (sys == NULL || (data == NULL && size != 0))
		return CADRE_EINVAL;
	if (size > sys->max_msg)
		return CADRE_ETOOBIG;
	return cadre__send_copy(sys, to, type, data, size, false);
}

int
cadre__send_copy(struct cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                 size_t size, bool quiet)
{
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__msg *m = cadre__msg_alloc(sizeof(struct cadre__msg) + size);
	if (m == NULL)
		return CADRE_ENOMEM;
	msg_header(m, sys, w, type, size);
	m->kind = CADRE__MSG_INLINE;
	m->dtor = NULL;
	m->data = (char *)m + sizeof(struct cadre__msg);
	if (size != 0)
		memcpy(m->data, data, size);
	int rc = deliver(sys, w, to, m, quiet);
	if (rc == CADRE_EFULL)
		cadre__msg_release(m);
	return rc;
}

int
cadre_send_move(cadre_system *sys, cadre_ref to, uint32_t type, void *data, size_t size,
                void (*dtor)(void *data, size_t size))
{
	if (sys == NULL || (data == NULL && size != 0) || size > UINT32_MAX)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__msg *m = cadre__msg_alloc(sizeof *m);
	if (m == NULL)
		return CADRE_ENOMEM;
	msg_header(m, sys, w, type, size);
	m->kind = CADRE__MSG_MOVED;
	m->data = data;
	m->dtor = dtor;
	int rc = deliver(sys, w, to, m, false);
	if (rc == CADRE_EFULL) {
		m->dtor = NULL; /* the caller keeps data */
		cadre__msg_free(m);
	}
	return rc;
}

/* ---- spawning ---------------------------------------------------------------- */
int
cadre_spawn(cadre_system *sys, const cadre_behaviour *beh, const cadre_spawn_opts *opts, void *arg,
            cadre_ref *out)
{
	if (sys == NULL || beh == NULL || beh->receive == NULL || out == NULL ||
	    beh->size < sizeof(cadre_actor) || beh->size > ((size_t)1 << 30))
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	uint32_t flags = opts != NULL ? opts->flags : 0;
	if (opts != NULL && (unsigned)opts->overflow > CADRE_OVERFLOW_DROP_OLDEST)
		return CADRE_EINVAL;
	if ((flags &
	     ~(uint32_t)(CADRE_SPAWN_LINK | CADRE_SPAWN_TRAP_EXITS | CADRE_SPAWN_NOTIFY_STARTED |
	                 CADRE_SPAWN_KEEP_MAIL | CADRE_SPAWN_BLOCKING)) != 0)
		return CADRE_EINVAL;
	if ((flags & CADRE_SPAWN_KEEP_MAIL) && !(flags & CADRE_SPAWN_LINK))
		return CADRE_EINVAL; /* the mail goes to the linked parent */
	if ((flags & (CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED)) != 0 &&
	    (w == NULL || cadre__tls_actor == NULL))
		return CADRE_EINVAL; /* needs an actor as the spawner */
	/* seq_cst add then seq_cst load: Dekker with shutdown's [xchg closing;
	 * load spawning]; no spawn slips past shutdown's walk of the table. */
	uint32_t *spawning = w != NULL ? &w->spawning : &sys->spawning; /* no shared line */
	cadre__faa_sc_u32(spawning, 1);
	int rc = 0;
	if (cadre__load_sc_u32(&sys->closing)) { /* the second half of that pair */
		rc = CADRE_ECLOSED;
		goto out;
	}
	size_t bytes = sizeof(struct cadre__actor) + beh->size;
	struct cadre__actor *a = cadre__alloc(bytes);
	if (a == NULL) {
		rc = CADRE_ENOMEM;
		goto out;
	}
	/* The user's struct starts zeroed; the control block is set below
	 * (malloc + memset: jemalloc's calloc has no fast path). */
	memset(cadre__user_of(a), 0, beh->size);
	a->rq_node.next = NULL;
	a->stop_node.next = NULL;
	a->sig = 0;
	a->flags = 0;
	a->overflow = opts != NULL ? (uint8_t)opts->overflow : 0;
	a->blocking = (flags & CADRE_SPAWN_BLOCKING) != 0;
	uint32_t index, gen;
	if (cadre__slot_alloc(sys, w, &index, &gen) != 0) {
		cadre__free(a, bytes);
		rc = CADRE_ENOMEM;
		goto out;
	}
	cadre__mb_init_active(&a->mb, opts != NULL ? opts->mailbox_capacity : 0);
	a->index = index;
	a->gen = gen;
	a->state = CADRE__A_NEW;
	a->beh = beh;
	a->start_arg = arg;
	bool ext_fail = opts != NULL && opts->stash_capacity != 0 &&
	                (cadre__ext_of(a, true) == NULL ||
	                 (cadre__ext_of(a, false)->stash_cap = opts->stash_capacity) == 0);
	if (ext_fail || ((flags & ~(uint32_t)CADRE_SPAWN_BLOCKING) != 0 &&
	                 cadre__links_at_spawn(w, a, flags) != 0)) {
		cadre__ext_free(a);
		cadre__slot_clear(sys, index, gen);
		cadre__slot_free(sys, w, index, gen);
		cadre__free(a, bytes);
		rc = CADRE_ENOMEM;
		goto out;
	}
	struct cadre_mail *inherit = opts != NULL ? opts->inherit_mail : NULL;
	if (inherit != NULL && inherit->count != 0) {
		/* The mailbox is ours (active, unpublished): queue the bundle
		 * first, in order. Admission is bypassed on purpose. */
		if (a->mb.capacity != 0)
			a->mb.count = inherit->count;
		cadre__mb_link(&a->mb, inherit->first, inherit->last);
	}
	cadre__slot_publish(sys, index, a);
	if (w != NULL)
		cadre__count(&w->st.spawned, 1);
	else
		cadre__faa_acqrel_u64(&sys->ext.spawned, 1); /* acq_rel: read by cadre__alive() */
	if (inherit != NULL)
		cadre__free(inherit, sizeof *inherit); /* consumed */
	*out = cadre__ref_of(sys, a);
	/* Release: the spawn is counted before shutdown or an exiting worker
	 * can see spawning at 0 (pairs with their seq_cst loads). */
	cadre__faa_acqrel_u32(spawning, (uint32_t)-1);
	cadre__schedule(sys, a, CADRE__SCHED_SPAWNED);
	return 0;
out:
	cadre__faa_acqrel_u32(spawning, (uint32_t)-1); /* as above */
	return rc;
}

/* ---- stopping ------------------------------------------------------------------ */
int
cadre__request_stop(struct cadre_system *sys, struct cadre__actor *a)
{
	/* acq_rel fetch-or: the stop node is pushed at most once in a life;
	 * pairs with the other requesters' fetch-or on the same bit. */
	if (cadre__fetch_or_acqrel_u32(&a->sig, CADRE__SIG_F_STOP) & CADRE__SIG_F_STOP)
		return 0;
	struct cadre__worker *w = cadre__my_worker(sys);
	if (w != NULL)
		cadre__outbox_flush(sys, w); /* mail sent before the request goes first */
	if (cadre__mb_push_system(&a->mb, &a->stop_node) == 1)
		cadre__schedule(sys, a, CADRE__SCHED_WOKEN);
	return 0;
}

int
cadre_stop_ref(cadre_system *sys, cadre_ref target)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	int rc = 0;
	if (w == NULL)
		cadre__ext_enter(sys);
	if (cadre__load_acq_u32(&sys->closing)) { /* acquire: as in deliver */
		rc = CADRE_ECLOSED;
	} else {
		struct cadre__actor *a = cadre__table_get(sys, target);
		rc = a == NULL ? CADRE_ENOACTOR : cadre__request_stop(sys, a);
	}
	if (w == NULL)
		cadre__ext_leave(sys);
	return rc;
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

/* ---- running ---------------------------------------------------------------------- */

/* Ends the actor's life on its worker: stop(), exit and down signals to its
 * links and watchers, slot, counters. */
int
cadre__finish(struct cadre__worker *w, struct cadre__actor *a, cadre_exit reason)
{
	struct cadre_system *sys = w->sys;
	a->state = CADRE__A_DEAD;
	w->exit = reason;
	if (a->beh->stop != NULL)
		a->beh->stop(cadre__user_of(a), &w->exit);
	cadre__stash_drop_all(w, a);
	cadre__signals_on_death(w, a, &w->exit);
	cadre__tls_actor = NULL;
	cadre__slot_clear(sys, a->index, a->gen + 1);
	cadre__slot_free(sys, w, a->index, a->gen + 1);
	/* Release: cadre__alive() reads stops with acquire; this stop's spawn was
	 * counted before the actor could run. */
	cadre__store_rel_u64(&w->st.stopped, w->st.stopped + 1);
	return CADRE__RUN_DEAD;
}

static cadre_exit
failure(int code)
{
	return (cadre_exit){CADRE_EXIT_FAILURE, code, "callback failed"};
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

int
cadre__actor_run(struct cadre__worker *w, struct cadre__actor *a)
{
	cadre_actor *self = cadre__user_of(a);
	cadre__tls_actor = a;
	if (a->state == CADRE__A_NEW) {
		a->state = CADRE__A_RUNNING;
		void *arg = a->start_arg;
		a->start_arg = NULL;
		if (a->beh->start != NULL) {
			int rc = a->beh->start(self, arg);
			if (rc != 0)
				return cadre__finish(w, a, failure(rc));
		}
		if (a->state == CADRE__A_STOPPING)
			return cadre__finish(w, a, w->exit);
		cadre__notify_started(w, a);
	}
	unsigned batch = w->sys->batch, n = 0;
	uint64_t handled = 0;
	int result;
	/* A run handles only the normal mail that was queued when it began
	 * (at most `batch` of it): mail sent meanwhile, including mail the actor
	 * sends itself, waits for the next run, so an actor that re-sends itself
	 * a "continue" gives its worker back at once. Acquire: pairs with the
	 * producers' exchange; the tag is clear while we run. */
	cadre_mb_node *last =
	        (cadre_mb_node *)((uintptr_t)cadre__load_acq_ptr(&a->mb.head) & ~CADRE__MB_IDLE);
	/* The normal lane's cursor lives here during the run and goes back to
	 * a->mb.tail before anything else reads it (signals, finish, idling):
	 * popping then writes nothing on the line producers exchange head on. */
	cadre_mb_node *tail = a->mb.tail;
	for (;;) {
		cadre_lane lane = CADRE_LANE_SYSTEM;
		cadre_mb_node *node = cadre__mb_pop_system(&a->mb);
		if (node == NULL) {
			lane = CADRE_LANE_NORMAL;
			if (a->flags & CADRE__F_REPLAY) {
				node = replay_pop(a);
			} else {
				node = cadre__mb_pop_normal_at(&a->mb, &tail);
				if (node != NULL && a->overflow == CADRE_OVERFLOW_DROP_OLDEST &&
				    cadre__load_rlx_u32(&a->mb.count) >= a->mb.capacity) {
					/* still `capacity` newer ones behind it: drop it.
					 * Relaxed: count is a snapshot; the newer ones are
					 * ours to pop either way. */
					cadre__dead_letter(w->sys, w, cadre__ref_of(w->sys, a),
					                   (struct cadre__msg *)node, CADRE_EFULL);
					continue;
				}
			}
		}
		if (node == NULL) {
			a->mb.tail = tail;
			cadre__tls_actor = NULL;
			/* Truly empty (not a push in flight): coping. Bookkeeping
			 * before mark_idle, while the actor is still ours. Acquire:
			 * pairs with the producers' exchange, as above. */
			if ((uintptr_t)cadre__load_acq_ptr(&a->mb.head) == (uintptr_t)&a->mb.stub)
				coping(w, a);
			result = cadre__mb_mark_idle(&a->mb) == 0 ? CADRE__RUN_IDLE
			                                          : CADRE__RUN_AGAIN;
			break;
		}
		if (lane == CADRE_LANE_SYSTEM) {
			a->mb.tail = tail; /* a signal may end the actor: its mail goes */
			/* The embedded stop request (cannot be trapped), or a signal. */
			if (node == &a->stop_node)
				result = cadre__finish(w, a,
				                       (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, NULL});
			else
				result = cadre__signal_handle(w, a, (struct cadre__msg *)node);
			if (result == CADRE__RUN_DEAD)
				break;
			cadre__tls_actor = a; /* a delivered signal may have run callbacks */
			tail = a->mb.tail;
			continue;
		}
		struct cadre__msg *m = (struct cadre__msg *)node;
		cadre_msg view;
		cadre__msg_view(m, &view);
		w->cur_view = &view;
		w->cur_disp = CADRE__DISP_FREE;
		int rc = a->beh->receive(self, &view);
		w->cur_view = NULL;
		if (w->cur_disp == CADRE__DISP_FREE) {
			cadre__msg_free(m);
			handled++;
		} else if (w->cur_disp == CADRE__DISP_STASH) {
			stash_push(a, node);
		} else {
			cadre__dead_letter(w->sys, w, cadre__ref_of(w->sys, a), m, CADRE_EFULL);
		}
		if (rc != 0) {
			a->mb.tail = tail;
			result = cadre__finish(w, a, failure(rc));
			break;
		}
		if (a->state == CADRE__A_STOPPING) {
			a->mb.tail = tail;
			result = cadre__finish(w, a, w->exit);
			break;
		}
		if (++n >= batch || node == last) {
			a->mb.tail = tail;
			cadre__tls_actor = NULL;
			if (n >= batch) {
				/* A full batch: overloaded if mail is left (below). */
				result = CADRE__RUN_AGAIN;
				break;
			}
			/* The run began with less than a batch queued: coping. */
			coping(w, a);
			/* Newer mail waits for the next run; none: go idle now. */
			if (cadre__mb_visible(&a->mb))
				result = CADRE__RUN_AGAIN;
			else
				result = cadre__mb_mark_idle(&a->mb) == 0 ? CADRE__RUN_IDLE
				                                          : CADRE__RUN_AGAIN;
			break;
		}
	}
	cadre__count(&w->st.handled, handled);
	/* Backpressure: a full batch that left mail behind makes the actor
	 * overloaded (its senders get muted). Only after RUN_AGAIN: the actor
	 * is still ours (after RUN_IDLE it may already run elsewhere). */
	if (result == CADRE__RUN_AGAIN && n >= batch &&
	    !(cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED))        /* own bit */
		cadre__fetch_or_acqrel_u32(&a->sig, CADRE__SIG_F_OVERLOADED); /* senders read it */
	return result;
}

/* After the grace period: nobody can push into a's mailbox any more. */
void
cadre__actor_reclaim(struct cadre_system *sys, struct cadre__worker *w, struct cadre__actor *a)
{
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
	cadre__free(a, sizeof(struct cadre__actor) + a->beh->size);
	/* Counted by the reclaiming worker (w is NULL only at shutdown, after
	 * the workers are gone: then the slot's own worker is credited). */
	if (w == NULL)
		w = &sys->workers[0];
	cadre__store_rel_u64(&w->reclaimed, w->reclaimed + 1); /* pairs with unreclaimed() */
}

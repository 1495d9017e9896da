/* Cadre: sending (send/cadre__send.h).
 *
 * Design notes.
 *
 * Memory. A message is one block: struct cadre__msg followed by the copied
 * payload, or the header alone for a moved payload. Messages are allocated
 * on the sender's thread and freed on the receiver's; small blocks come
 * from and go to the worker thread's message pool (msg/pool.c), so a small
 * send on a worker usually calls no allocator.
 *
 * Coalescing. After a run's first few sends, sends wait in the worker's
 * outbox and reach their mailboxes a chain at a time (below, and
 * docs/architecture.md).
 *
 * Ownership. Whoever sees the idle-to-active transition of an actor's
 * mailbox (cadre__mb_push_* returned 1) owns the actor until its run ends:
 * it schedules it, and exactly one worker runs it at a time.
 *
 * Accounting. A message accepted by a send is counted `sent` once; it then
 * ends as `handled` (its receive callback ran) or as a dead letter (sent to
 * a dead or unknown actor, during shutdown, or left in a mailbox when its
 * actor stopped). A refused send (EFULL, EINVAL, ETOOBIG, ENOMEM) is not a
 * message and is counted nowhere.
 *
 * Reserved types. Types from 0xFFFF0000 up are Cadre's (cadre__reserved.h):
 * their receivers trust the payload, so the public sends refuse them with
 * CADRE_EINVAL; the library's actors send theirs with the _reserved
 * variants, which differ only in that check.
 */
#include <string.h>

#include "cadre__send.h"

/* ---- the outbox: coalesced delivery (docs/architecture.md, "The outbox").
 * A run's sends beyond its first few are chained per receiver in the
 * worker's outbox and linked into the receiver's mailbox a chain at a time.
 * In this file, not its own: outbox_put is on the message path and is
 * inlined into deliver (a call there cost counting ~10%). */
/* Per-actor counters (cadre_config.actor_stats): an unbounded mailbox
 * counts its pushes in mb.count (unused otherwise), on the line that the
 * push's exchange of mb.head owns already; its length is that less the
 * owner's takes (actor/run.c). acq_rel add (the only u32 add there is;
 * a lock xadd either way): a counter, pairs with nothing. Before the link:
 * a walk may see a message counted and not yet linked, never taken and
 * not counted. */
static inline void
count_pushes(struct cadre__actor *a, uint32_t n)
{
	cadre__faa_acqrel_u32(&a->mb.count, n);
}

/* ---- the outbox -------------------------------------------------------------
 * Coalescing: after its first CADRE__COALESCE_AFTER sends, a run's messages
 * to an unbounded mailbox wait in its worker's outbox, chained per
 * receiver, and go into the mailbox a chain at a time (one exchange), when
 * the chain is CADRE__OUTBOX_CHAIN long, when another receiver needs its
 * way, before the sender sends a signal, and at the end of the run. The
 * receiver's pointer stays valid meanwhile: the worker is not quiescent
 * during a run (reclaim/). */
static void
outbox_link(struct cadre_system *sys, struct cadre__worker *w, unsigned i)
{
	struct cadre__outbox *o = &w->outbox[i];
	struct cadre__actor *a = o->to;
	o->to = NULL;
	w->outbox_used &= ~(UINT64_C(1) << i);
	if (sys->actor_stats) /* an unbounded mailbox (coalesces): its pushes */
		count_pushes(a, o->n);
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

static void
msg_header(struct cadre__msg *m, struct cadre_system *sys, struct cadre__worker *w, uint32_t type,
           size_t size)
{
	m->type = type;
	m->size = (uint32_t)size;
	m->flags = 0;
	struct cadre__actor *self = w != NULL ? cadre__tls_actor : NULL;
	m->sender = self != NULL ? cadre__ref_of(sys, self) : CADRE_REF_NONE;
}

static void
count_sent(struct cadre_system *sys, struct cadre__worker *w)
{
	if (w != NULL)
		cadre__count(&w->st.sent, 1);
	else
		cadre__faa_rlx_u64(&sys->outside_st.sent, 1); /* relaxed: a counter */
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
 * at the end of its run (runtime/loop.c run_one). */
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
/* Pushes m into a's mailbox (or w's outbox), schedules a if it woke.
 * Returns 0 or CADRE_EFULL (not queued; the caller still owns m). A
 * timer's message is never refused: a full bounded mailbox admits it beyond
 * its capacity, whatever its policy (cadre/timer.h). */
static int
push(struct cadre_system *sys, struct cadre__worker *w, struct cadre__actor *a, cadre_ref to,
     struct cadre__msg *m, bool force)
{
	if (w != NULL && coalesces(sys, w, a)) {
		outbox_put(sys, w, a, &m->node);
		count_sent(sys, w);
		note_overloaded(sys, w, a, to);
		return 0;
	}
	if (sys->actor_stats && a->mb.capacity == 0)
		count_pushes(a, 1);
	int rc = cadre__mb_push_normal(&a->mb, &m->node);
	if (rc == CADRE_EFULL && !force && a->overflow == CADRE_OVERFLOW_DROP_NEWEST) {
		count_sent(sys, w);
		cadre__dead_letter(sys, w, to, m, CADRE_EFULL); /* the newest goes */
		return 0;
	}
	if (rc == CADRE_EFULL && (force || a->overflow == CADRE_OVERFLOW_DROP_OLDEST)) {
		/* Admitted beyond the capacity; DROP_OLDEST's actor drops the
		 * oldest when it gets to them (actor/run.c). acq_rel add: as the
		 * admission CAS. */
		cadre__faa_acqrel_u32(&a->mb.count, 1);
		rc = cadre__mb_link(&a->mb, &m->node, &m->node);
	}
	if (rc < 0)
		return rc; /* CADRE_EFULL */
	count_sent(sys, w);
	if (rc == 1)
		cadre__schedule(sys, a, CADRE__SCHED_WOKEN);
	else
		note_overloaded(sys, w, a, to);
	return 0;
}

/* deliver's lookup failed (rc): a ref of another node goes to dist (the
 * hook), anything else is a dead letter (a timer's message, `quiet`, is
 * freed uncounted). Out of line and cold, so that deliver's local path is
 * what it was before nodes existed (inlined, the hook's branch cost
 * counting a third of its rate: its registers and layout).
 * For dist: CADRE_ESERIAL is returned like CADRE_EFULL (m the caller's),
 * CADRE_ENODE like CADRE_ENOACTOR (m counted sent here and
 * dead-lettered). A message dist takes is counted sent by the node whose
 * mailbox takes it (cadre__deliver_remote), so that over the nodes the sum
 * of sent is that of handled and dead letters. */
static __attribute__((noinline, cold)) int
deliver_failed(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to,
               struct cadre__msg *m, bool quiet, int rc)
{
	if (rc == CADRE_ENOACTOR && cadre__ref_remote(sys, to)) {
		rc = sys->remote->post(sys, w, to, m, false);
		if (rc != CADRE_ENODE)
			return rc; /* 0: taken; EFULL, ESERIAL, ENOMEM: the caller's */
	}
	if (quiet) {
		cadre__msg_free(m);
	} else {
		count_sent(sys, w);
		cadre__dead_letter(sys, w, to, m, rc);
	}
	return rc;
}

/* Delivers m to `to`. Returns 0 (queued), CADRE_EFULL (not queued; the
 * caller still owns m) or CADRE_ENOACTOR / CADRE_ECLOSED (m was
 * dead-lettered and freed; with `quiet`, freed uncounted instead: a timer
 * whose target is gone is cancelled, not a dead letter). A ref of another
 * node goes to dist (deliver_failed). `quiet` is a
 * timer's message: never refused by a full mailbox either (push). Always
 * inlined: with the trace's hook, gcc stopped inlining it into
 * cadre__send_copy, a call more on every send (counting ~5% slower). */
static inline __attribute__((always_inline)) int
deliver(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, struct cadre__msg *m,
        bool quiet)
{
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, to, &a);
	if (rc != 0)
		return deliver_failed(sys, w, to, m, quiet, rc);
	/* Before the push: once pushed, m may be received (and freed) at once. */
	CADRE__TRACE(sys, w, CADRE__TEV_SEND, CADRE__TRACE_REF(a->index, a->gen), (uintptr_t)m);
	rc = push(sys, w, a, to, m, quiet);
	cadre__leave(sys, w);
	return rc;
}

int
cadre_send(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size)
{
	if (cadre__type_reserved(type))
		return CADRE_EINVAL; /* Cadre's own (cadre__reserved.h) */
	return cadre__send_reserved(sys, to, type, data, size);
}

/* cadre_send for any type (cadre__reserved.h): the library's own actors. */
int
cadre__send_reserved(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size)
{
	if (sys == NULL || (data == NULL && size != 0))
		return CADRE_EINVAL;
	if (size > sys->max_msg)
		return CADRE_ETOOBIG;
	return cadre__send_copy(sys, to, type, data, size, false);
}

/* A message block holding a copy of size bytes at data, or NULL. */
static struct cadre__msg *
msg_copy(struct cadre_system *sys, struct cadre__worker *w, uint32_t type, const void *data,
         size_t size)
{
	struct cadre__msg *m = cadre__msg_alloc(sizeof(struct cadre__msg) + size);
	if (m == NULL)
		return NULL;
	msg_header(m, sys, w, type, size);
	m->kind = CADRE__MSG_INLINE;
	m->dtor = NULL;
	m->data = (char *)m + sizeof(struct cadre__msg);
	if (size != 0)
		memcpy(m->data, data, size);
	return m;
}

int
cadre__send_copy(struct cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                 size_t size, bool quiet)
{
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__msg *m = msg_copy(sys, w, type, data, size);
	if (m == NULL)
		return CADRE_ENOMEM;
	if (quiet)
		m->flags = CADRE__MSGF_TIMER;
	int rc = deliver(sys, w, to, m, quiet);
	if (rc == CADRE_EFULL || rc == CADRE_ENOMEM) /* (ENOMEM: dist's, for another node) */
		cadre__msg_release(m);
	return rc;
}

/* ---- replies ------------------------------------------------------------------
 * A reply never fails its sender because of the requester: where a send
 * would fail for the receiver's sake (gone, stopped, never an actor, a
 * full bounded mailbox, a closing system) the reply is sent (counted) and
 * dead-lettered at once, so that sent == handled + dead_letters holds. */
int
cadre__respond_reserved(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                        size_t size)
{
	if (sys == NULL || (data == NULL && size != 0))
		return CADRE_EINVAL;
	if (size > sys->max_msg)
		return CADRE_ETOOBIG;
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__msg *m = msg_copy(sys, w, type, data, size);
	if (m == NULL)
		return CADRE_ENOMEM;
	int rc = deliver(sys, w, to, m, false);
	if (rc == CADRE_ENOMEM) { /* dist's, for another node: ours, not the requester's */
		cadre__msg_release(m);
		return rc;
	}
	if (rc == CADRE_EFULL) {
		count_sent(sys, w);
		cadre__dead_letter(sys, w, to, m, CADRE_EFULL);
		return 1;
	}
	return rc == 0 ? 0 : 1; /* CADRE_ENOACTOR, CADRE_ECLOSED: dead-lettered */
}

int
cadre_respond(cadre_actor *self, const cadre_msg *msg, uint32_t type, const void *data, size_t size)
{
	struct cadre__actor *a;
	if (msg == NULL || cadre__type_reserved(type) || (data == NULL && size != 0))
		return CADRE_EINVAL;
	int rc = cadre__self_check(self, &a);
	if (rc != 0)
		return rc;
	rc = cadre__respond_reserved(cadre__tls_worker->sys, msg->sender, type, data, size);
	return rc > 0 ? 0 : rc;
}

int
cadre_send_move(cadre_system *sys, cadre_ref to, uint32_t type, void *data, size_t size,
                void (*dtor)(void *data, size_t size))
{
	if (cadre__type_reserved(type))
		return CADRE_EINVAL; /* Cadre's own; the caller keeps data */
	return cadre__send_move_reserved(sys, to, type, data, size, dtor);
}

/* cadre_send_move for any type (cadre__reserved.h). */
int
cadre__send_move_reserved(cadre_system *sys, cadre_ref to, uint32_t type, void *data, size_t size,
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
	if (rc == CADRE_EFULL || rc == CADRE_ESERIAL || rc == CADRE_ENOMEM) {
		m->dtor = NULL; /* the caller keeps data */
		cadre__msg_free(m);
	}
	return rc;
}

/* ---- I/O events (io/) ------------------------------------------------------- */
int
cadre__send_move_io(struct cadre_system *sys, cadre_ref to, uint32_t type, void *data, size_t size,
                    void (*dtor)(void *data, size_t size), bool force)
{
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__msg *m = cadre__msg_alloc(sizeof *m);
	if (m == NULL)
		return CADRE_ENOMEM;
	msg_header(m, sys, w, type, size);
	m->kind = CADRE__MSG_MOVED;
	m->data = data;
	m->dtor = dtor;
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, to, &a);
	if (rc != 0) {
		count_sent(sys, w);
		cadre__dead_letter(sys, w, to, m, rc); /* runs dtor */
		return rc;
	}
	/* Every I/O event goes through here: recorded as an arrow from this
	 * thread (before the push, as in deliver). */
	CADRE__TRACE(sys, w, CADRE__TEV_IO, CADRE__TRACE_REF(a->index, a->gen), (uintptr_t)m);
	rc = push(sys, w, a, to, m, force);
	/* Relaxed loads: hints (a stale answer pauses a connection's reading
	 * until its delivered bytes are handled, or does not pause it). */
	if (rc == 0 &&
	    ((cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED) != 0 ||
	     (a->mb.capacity != 0 && cadre__load_rlx_u32(&a->mb.count) >= a->mb.capacity)))
		rc = 1;
	cadre__leave(sys, w);
	if (rc == CADRE_EFULL) {
		m->dtor = NULL; /* the caller keeps data */
		cadre__msg_free(m);
	}
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

/* ---- from another node (dist/) --------------------------------------------- */
int
cadre__deliver_remote(struct cadre_system *sys, cadre_ref to, struct cadre__msg *m)
{
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, to, &a); /* a local actor only: never routed on */
	if (rc == 0) {
		CADRE__TRACE(sys, w, CADRE__TEV_SEND, CADRE__TRACE_REF(a->index, a->gen),
		             (uintptr_t)m);
		rc = push(sys, w, a, to, m, false);
		cadre__leave(sys, w);
	}
	if (rc != 0) { /* gone, closing, or a full bounded mailbox: dead here */
		count_sent(sys, w);
		cadre__dead_letter(sys, w, to, m, rc);
	}
	return rc;
}

struct cadre__msg *
cadre__msg_for_remote(struct cadre_system *sys, cadre_ref sender, uint32_t type, void *data,
                      size_t size, void (*dtor)(void *data, size_t size))
{
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__msg *m;
	if (dtor == NULL) {
		m = msg_copy(sys, w, type, data, size);
	} else if ((m = cadre__msg_alloc(sizeof *m)) != NULL) {
		msg_header(m, sys, w, type, size);
		m->kind = CADRE__MSG_MOVED;
		m->data = data;
		m->dtor = dtor;
	}
	if (m != NULL)
		m->sender = sender;
	return m;
}

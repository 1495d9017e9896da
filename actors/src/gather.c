/* Cadre: scatter-gather (the contract is in cadre/ask.h).
 *
 * Design notes.
 *
 * On top of the asker. A gather is a record on the heap and n + 1 entries
 * in the asking actor's pending table (cadre__gather.h): one MEMBER per
 * target that was asked (its own request id, so that its reply finds it as
 * any reply finds its request, and a late one is counted late by the same
 * rule: its id was issued), and one GATHER entry holding the one shared
 * timeout (a timer to self with the gather's id, the same message a
 * request's timeout is). Only the owning actor's callbacks touch the
 * table and the record: no lock, no atomic.
 *
 * Completion. A reply fills the next slot of the record's arrays (arrival
 * order; its payload copied, since the message's is valid only during the
 * receive). When the mode's count is reached, the gather completes at
 * once: the members still pending are erased (counted cancelled: their
 * replies will be late), the timer cancelled (if it is already firing,
 * its message finds no entry and is dropped, as a request's), the GATHER
 * entry erased, the outcome delivered, the record freed. The timeout
 * completes it the same way with CADRE_ETIMEDOUT (the pending members
 * counted timed_out). Exactly one of {the last needed reply, the timeout,
 * cadre_ask_cancel, cadre_asker_fini} ends a gather: each erases the
 * GATHER entry, and the others then find nothing.
 *
 * Impossible at once. Replies only add up, so a gather that can still be
 * met after the sends stays so until its timeout; the one case where it
 * can never be met is known in cadre_ask_gather itself (too few targets
 * could be asked), which then cancels what it sent and fails: no outcome
 * is delivered from inside the call (no re-entrant callback).
 *
 * Delivery. A callback is called with a view of the record. A message is
 * one heap block (the view, the responses, the target indexes, the
 * payloads; pointers into the block itself) moved to self with
 * cadre_send_move, not copied, so that its pointers stay valid; the block
 * is freed by the message's destructor after the receive (or when it is
 * dead-lettered). cadre_gather_read accepts a CADRE_MSG_GATHER only if its
 * view points into its own payload, as such a block does (the type is
 * reserved: only this file sends it). A future (cadre_ask_gather_wait) is
 * a small proxy actor that makes the gather with a callback and hands the
 * waiter such a block.
 */
#include <cadre.h>
#include <cadre/ask.h>

#include <stdlib.h>
#include <string.h>

#include "cadre__atomic.h"
#include "cadre__await.h"
#include "cadre__gather.h"
#include "cadre__mem.h"
#include "cadre__reserved.h"

struct gather {
	uint64_t id;
	cadre_gather_mode mode;
	uint32_t n, needed, asked, failed, pending, nreplies;
	cadre_gather_fn fn; /* NULL: a CADRE_MSG_GATHER message */
	void *ctx;
	uint64_t *members;       /* per target: its request id while pending, else 0 */
	cadre_response *replies; /* arrival order; data: our copies */
	uint32_t *targets;       /* targets[i]: the index of replies[i]'s target */
};

static struct gather *
gather_new(size_t n)
{
	size_t bytes = sizeof(struct gather) + n * (sizeof(uint64_t) + sizeof(cadre_response)) +
	               n * sizeof(uint32_t);
	struct gather *g = cadre__a_calloc(1, bytes);
	if (g == NULL)
		return NULL;
	g->members = (uint64_t *)(g + 1);
	g->replies = (cadre_response *)(g->members + n);
	g->targets = (uint32_t *)(g->replies + n);
	g->n = (uint32_t)n;
	return g;
}

static void
gather_free(struct gather *g)
{
	for (uint32_t i = 0; i < g->nreplies; i++)
		free((void *)(uintptr_t)g->replies[i].data);
	free(g);
}

static cadre_gather
gather_view(const struct gather *g, int status)
{
	return (cadre_gather){.id = g->id,
	                      .status = status,
	                      .mode = g->mode,
	                      .needed = g->needed,
	                      .asked = g->asked,
	                      .failed = g->failed,
	                      .nreplies = g->nreplies,
	                      .replies = g->nreplies != 0 ? g->replies : NULL,
	                      .targets = g->nreplies != 0 ? g->targets : NULL};
}

/* ---- the outcome as one block -------------------------------------------------------- */
#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

/* One heap block holding v, its responses, targets and payloads, with
 * every pointer into the block itself; *bytes: its size. NULL: no memory. */
static cadre_gather *
pack(const cadre_gather *v, size_t *bytes)
{
	size_t nr = v->nreplies;
	size_t off_r = ALIGN8(sizeof(cadre_gather));
	size_t off_t = off_r + nr * sizeof(cadre_response);
	size_t off_d = ALIGN8(off_t + nr * sizeof(uint32_t));
	size_t n = off_d;
	for (size_t i = 0; i < nr; i++)
		n += ALIGN8(v->replies[i].size);
	char *b = cadre__a_malloc(n);
	if (b == NULL)
		return NULL;
	cadre_gather *g = (cadre_gather *)(void *)b;
	cadre_response *r = (cadre_response *)(void *)(b + off_r);
	uint32_t *t = (uint32_t *)(void *)(b + off_t);
	char *d = b + off_d;
	*g = *v;
	g->replies = nr != 0 ? r : NULL;
	g->targets = nr != 0 ? t : NULL;
	for (size_t i = 0; i < nr; i++) {
		r[i] = v->replies[i];
		t[i] = v->targets[i];
		if (r[i].size != 0) {
			memcpy(d, v->replies[i].data, r[i].size);
			r[i].data = d;
			d += ALIGN8(r[i].size);
		}
	}
	*bytes = n;
	return g;
}

static void
block_free(void *p, size_t size)
{
	(void)size;
	free(p);
}

void
cadre_gather_free(cadre_gather *g)
{
	free(g);
}

int
cadre_gather_read(const cadre_msg *msg, cadre_gather *out)
{
	if (msg == NULL || out == NULL || msg->type != CADRE_MSG_GATHER || msg->data == NULL ||
	    msg->size < sizeof(cadre_gather))
		return CADRE_EINVAL;
	const cadre_gather *g = msg->data;
	const char *b = msg->data;
	size_t off_r = ALIGN8(sizeof(cadre_gather));
	size_t nr = g->nreplies;
	/* Only a block made by pack, moved to us, points into itself. */
	if (nr > CADRE_GATHER_MAX || off_r + nr * (sizeof(cadre_response) + 4) > msg->size ||
	    (nr != 0 && (const char *)g->replies != b + off_r))
		return CADRE_EINVAL;
	*out = *g;
	return 0;
}

/* ---- completion ------------------------------------------------------------------ */
/* Delivers the outcome: the callback, or the message to self. */
static void
deliver(cadre_actor *self, cadre_asker *a, const struct gather *g, int status)
{
	cadre_gather v = gather_view(g, status);
	if (g->fn != NULL) {
		g->fn(self, g->ctx, &v);
		return;
	}
	cadre_system *sys = cadre_actor_system(self);
	size_t bytes = 0;
	cadre_gather *b = pack(&v, &bytes);
	int rc = b == NULL ? CADRE_ENOMEM
	                   : cadre__send_move_reserved(sys, cadre_self(self), CADRE_MSG_GATHER, b,
	                                               bytes, block_free);
	if (rc == CADRE_ENOMEM || rc == CADRE_EFULL || rc == CADRE_EINVAL) {
		/* Not sent (ours still): lost, counted dropped. (ENOACTOR and
		 * ECLOSED: the destructor freed it; a dead letter.) */
		free(b);
		a->stats_.replies_dropped++;
	}
}

/* Ends gather g with status: the pending members erased (counted
 * cancelled, or timed_out), the GATHER entry too if it is still there
 * (erase_gather), the outcome delivered (unless quiet), the record freed. */
static void
finish(cadre_actor *self, cadre_asker *a, struct gather *g, int status, bool erase_gather,
       bool quiet)
{
	uint64_t timed_out = 0;
	for (uint32_t i = 0; i < g->n; i++) {
		if (g->members[i] == 0)
			continue;
		struct cadre__ask_slot *s = cadre__ask_find(a, g->members[i]);
		if (s != NULL)
			cadre__ask_erase(a, s);
		g->members[i] = 0;
		if (status == CADRE_ETIMEDOUT)
			timed_out++;
		else
			a->stats_.cancelled++;
	}
	g->pending = 0;
	a->stats_.timed_out += timed_out;
	if (timed_out != 0)
		cadre__ask_count_timeouts(timed_out);
	if (erase_gather) {
		struct cadre__ask_slot *s = cadre__ask_find(a, g->id);
		if (s != NULL) {
			cadre_timer_cancel(cadre_actor_system(self), s->timer);
			cadre__ask_erase(a, s);
		}
	}
	if (!quiet)
		deliver(self, a, g, status);
	gather_free(g);
}

void
cadre__gather_reply(cadre_actor *self, cadre_asker *a, const struct cadre__ask_slot *e,
                    const cadre_response *r)
{
	struct gather *g = e->ctx;
	g->members[e->idx] = 0;
	g->pending--;
	cadre_response *c = &g->replies[g->nreplies];
	*c = *r;
	c->data = NULL;
	if (r->size != 0) {
		void *p = cadre__a_malloc(r->size);
		if (p != NULL)
			memcpy(p, r->data, r->size);
		else
			*c = (cadre_response){.id = r->id, .status = CADRE_ENOMEM, .from = r->from};
		c->data = p;
	}
	g->targets[g->nreplies++] = e->idx;
	if (g->nreplies >= g->needed)
		finish(self, a, g, 0, true, false);
}

void
cadre__gather_timeout(cadre_actor *self, cadre_asker *a, const struct cadre__ask_slot *e)
{
	finish(self, a, e->ctx, CADRE_ETIMEDOUT, false, false);
}

void
cadre__gather_cancel(cadre_actor *self, cadre_asker *a, const struct cadre__ask_slot *e)
{
	finish(self, a, e->ctx, CADRE_ECANCELED, false, true);
}

void
cadre__gather_abort(cadre_actor *self, void *record)
{
	struct gather *g = record;
	if (g->fn != NULL) {
		cadre_gather v = gather_view(g, CADRE_ECANCELED);
		g->fn(self, g->ctx, &v);
	}
	gather_free(g);
}

/* ---- asking ---------------------------------------------------------------------------- */
static int
check_args(const cadre_ref *to, size_t n, uint32_t type, const void *data, size_t size,
           cadre_gather_mode mode, uint32_t quorum, cadre_timeout timeout, uint32_t *needed)
{
	if (to == NULL || n == 0 || n > CADRE_GATHER_MAX || (data == NULL && size != 0) ||
	    cadre__type_reserved(type) || timeout < CADRE_FOREVER)
		return CADRE_EINVAL;
	switch (mode) {
	case CADRE_GATHER_ALL:
		*needed = (uint32_t)n;
		return 0;
	case CADRE_GATHER_ANY:
		*needed = 1;
		return 0;
	case CADRE_GATHER_QUORUM:
		*needed = quorum;
		return quorum == 0 || quorum > n ? CADRE_EINVAL : 0;
	default:
		return CADRE_EINVAL;
	}
}

/* Sends the requests; returns the first send error (0 if none). */
static int
scatter(cadre_system *sys, cadre_asker *a, struct gather *g, cadre_ref me, const cadre_ref *to,
        uint32_t type, const void *data, size_t size)
{
	int first = 0;
	for (uint32_t i = 0; i < g->n; i++) {
		uint64_t id = cadre__ask_new_id(a);
		int rc = cadre__ask_send(sys, to[i], type, data, size, id, me);
		if (rc != 0) {
			g->failed++;
			if (first == 0)
				first = rc;
			continue;
		}
		struct cadre__ask_slot *s = cadre__ask_put(a, id); /* room reserved */
		s->kind = CADRE__SLOT_MEMBER;
		s->ctx = g;
		s->idx = i;
		g->members[i] = id;
		g->asked++;
		g->pending++;
		a->stats_.asked++;
	}
	return first;
}

int
cadre_ask_gather(cadre_actor *self, cadre_asker *a, const cadre_ref *to, size_t n, uint32_t type,
                 const void *data, size_t size, cadre_gather_mode mode, uint32_t quorum,
                 cadre_timeout timeout, cadre_gather_fn fn, void *ctx, uint64_t *idp)
{
	uint32_t needed = 0;
	if (self == NULL || a == NULL ||
	    check_args(to, n, type, data, size, mode, quorum, timeout, &needed) != 0)
		return CADRE_EINVAL;
	cadre_system *sys = cadre_actor_system(self);
	if (sys == NULL || a->closed_)
		return CADRE_ESTATE;
	int rc = cadre__ask_reserve(a, (uint32_t)n + 1u);
	struct gather *g = rc == 0 ? gather_new(n) : NULL;
	if (g == NULL)
		return CADRE_ENOMEM;
	g->id = cadre__ask_new_id(a);
	g->mode = mode;
	g->needed = needed;
	g->fn = fn;
	g->ctx = ctx;
	cadre_ref me = cadre_self(self);
	cadre_timer timer;
	rc = cadre__ask_arm(sys, me, g->id, timeout, &timer);
	if (rc != 0) {
		gather_free(g);
		return rc;
	}
	rc = scatter(sys, a, g, me, to, type, data, size);
	if (g->asked < needed) {
		/* It can never be met: take back what was sent, no outcome. */
		cadre_timer_cancel(sys, timer);
		finish(self, a, g, CADRE_ECANCELED, false, true);
		return rc;
	}
	struct cadre__ask_slot *s = cadre__ask_put(a, g->id);
	s->kind = CADRE__SLOT_GATHER;
	s->ctx = g;
	s->timer = timer;
	if (idp != NULL)
		*idp = g->id;
	return 0;
}

/* ---- the future: cadre_ask_gather_wait ------------------------------------------------- */
struct gwait {
	uint32_t refs; /* the waiter's and the proxy's */
	uint32_t done; /* futex word: 0, then 1 (release) once rc and out are set */
	int rc;
	cadre_gather *out;
	/* the request, read by the proxy's start (the waiter waits meanwhile) */
	const cadre_ref *to;
	size_t n, size;
	uint32_t type, quorum;
	const void *data;
	cadre_gather_mode mode;
	cadre_timeout timeout;
};

static void
gwait_unref(struct gwait *w)
{
	/* acq_rel add of -1: the last one to let go sees every write of the
	 * other side (pairs with the other side's same decrement). */
	if (cadre__faa_acqrel_u32(&w->refs, UINT32_MAX) == 1) {
		free(w->out);
		free(w);
	}
}

static void
gwait_complete(struct gwait *w, int rc, cadre_gather *out)
{
	w->rc = rc;
	w->out = out;
	/* Release store: rc and out before done; pairs with the acquire load
	 * in cadre__await_change (cadre_ask_gather_wait). */
	cadre__store_rel_u32(&w->done, 1);
	cadre__futex_wake(&w->done, 1);
}

struct gproxy {
	cadre_actor base;
	cadre_asker asker;
	struct gwait *w;
	bool ended;
};

static void
gproxy_outcome(cadre_actor *self, void *ctx, const cadre_gather *g)
{
	struct gproxy *p = ctx;
	if (p->ended)
		return;
	p->ended = true;
	size_t bytes;
	cadre_gather *b = pack(g, &bytes);
	gwait_complete(p->w, b == NULL ? CADRE_ENOMEM : g->status, b);
	cadre_stop(self); /* CADRE_ESTATE in the stop callback: stopping anyway */
}

static int
gproxy_start(cadre_actor *self, void *arg)
{
	struct gproxy *p = (struct gproxy *)self;
	struct gwait *w = arg;
	p->w = w;
	int rc = cadre_ask_gather(self, &p->asker, w->to, w->n, w->type, w->data, w->size, w->mode,
	                          w->quorum, w->timeout, gproxy_outcome, p, NULL);
	if (rc != 0) {
		p->ended = true;
		gwait_complete(w, rc, NULL);
		cadre_stop(self);
	}
	return 0;
}

static int
gproxy_receive(cadre_actor *self, const cadre_msg *m)
{
	struct gproxy *p = (struct gproxy *)self;
	cadre_ask_dispatch(self, &p->asker, m);
	return 0;
}

static void
gproxy_stop(cadre_actor *self, const cadre_exit *why)
{
	struct gproxy *p = (struct gproxy *)self;
	(void)why;
	cadre_asker_fini(self, &p->asker); /* a pending gather: ECANCELED, with its replies */
	if (!p->ended) {
		p->ended = true;
		gwait_complete(p->w, CADRE_ECANCELED, NULL);
	}
	gwait_unref(p->w);
}

static const cadre_behaviour gproxy_beh = {.size = sizeof(struct gproxy),
                                           .start = gproxy_start,
                                           .receive = gproxy_receive,
                                           .stop = gproxy_stop,
                                           .name = "gather-future"};

int
cadre_ask_gather_wait(cadre_system *sys, const cadre_ref *to, size_t n, uint32_t type,
                      const void *data, size_t size, cadre_gather_mode mode, uint32_t quorum,
                      cadre_timeout timeout, cadre_gather **out)
{
	uint32_t needed;
	if (sys == NULL || out == NULL)
		return CADRE_EINVAL;
	*out = NULL;
	if (check_args(to, n, type, data, size, mode, quorum, timeout, &needed) != 0)
		return CADRE_EINVAL;
	if (cadre_is_worker_thread())
		return CADRE_EWOULDBLOCK;
	struct gwait *w = cadre__a_calloc(1, sizeof *w);
	if (w == NULL)
		return CADRE_ENOMEM;
	/* Plain initialisation: published to the proxy by the spawn. */
	*w = (struct gwait){.refs = 2,
	                    .to = to,
	                    .n = n,
	                    .size = size,
	                    .type = type,
	                    .quorum = quorum,
	                    .data = data,
	                    .mode = mode,
	                    .timeout = timeout};
	cadre_ref proxy;
	int rc = cadre_spawn(sys, &gproxy_beh, NULL, w, &proxy);
	if (rc != 0) {
		free(w);
		return rc;
	}
	/* No deadline of our own: the gather's timeout, or the proxy's stop
	 * (shutdown), always completes it. */
	cadre__await_change(&w->done, 0, UINT64_MAX);
	rc = w->rc;
	*out = w->out;
	w->out = NULL; /* the caller's now */
	gwait_unref(w);
	return rc;
}

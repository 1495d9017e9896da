/* Cadre: routers, pool routees: the wrapper behaviour around the user's,
 * spawning into a slot, resizing, and restarts within the intensity.
 *
 * Design notes.
 *
 * Pool routees run a wrapper behaviour around the user's: it unwraps the
 * envelope, so the user's receive sees the message exactly as the router
 * got it, and counts SMALLEST_MAILBOX's "handled". The wrapper needs two
 * things per routee: the user's behaviour, and a small record shared with
 * the router (an "incarnation": the start arg, the in-flight counter).
 *   - The user's behaviour is found from cadre_actor_behaviour(self): the
 *     wrapper behaviour is a struct whose first member is the
 *     cadre_behaviour. Core reads an actor's behaviour until the actor's
 *     memory is reclaimed, at a time nobody outside core can observe, so
 *     wrapper behaviours are interned (one per user behaviour, process-
 *     wide, under a mutex taken only when a router starts) and never freed.
 *   - The incarnation is found in the actor's own memory: the wrapper's
 *     size is the user's size rounded up, plus one pointer, written by the
 *     wrapper's start (arg). The incarnation is reference-counted (router
 *     and routee); each side lets go when done with it (the routee in its
 *     stop callback, which core runs exactly once after start).
 * In flight, for SMALLEST_MAILBOX: the router adds 1 before each forward
 * (and takes it back if the send fails); the routee subtracts 1 after its
 * receive returns. Relaxed: a counter read as a hint, nothing is published
 * through it.
 *
 * Shrinking. A routee taken out of routing is sent a DRAIN message on the
 * normal lane: it is behind everything the router forwarded to it before
 * (FIFO per sender), so the routee handles all of it, then its wrapper
 * stops it with reason SHUTDOWN (its stop callback runs). Only if its
 * bounded mailbox is full does it get the exit signal `shutdown` at once
 * (its queued mail is then dead-lettered, and counted).
 */
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

#include "cadre__atomic.h"
#include "cadre__clock.h"
#include "cadre__mem.h"
#include "cadre__reserved.h"
#include "cadre__router.h"

#define ROUTEE_DRAIN 0xFFFF0381u /* to a pool routee: stop after what is queued before */

/* ---- the wrapper ------------------------------------------------------------------- */
struct wrap {
	cadre_behaviour beh; /* first: cadre_actor_behaviour(self) points here */
	const cadre_behaviour *user;
	size_t ext_off; /* where the incarnation pointer sits in the actor */
	struct wrap *next;
};

static pthread_mutex_t wraps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wrap *wraps; /* interned, never freed (see the Design notes) */

void
cadre__router_inc_unref(struct incarnation *inc)
{
	/* acq_rel add of -1: the last one to let go sees the other side's
	 * writes (pairs with the other side's same decrement). */
	if (inc != NULL && cadre__faa_acqrel_u32(&inc->refs, UINT32_MAX) == 1)
		free(inc);
}

static const struct wrap *
wrap_of(const cadre_actor *self)
{
	return (const struct wrap *)(const void *)cadre_actor_behaviour(self);
}

static struct incarnation **
inc_slot(cadre_actor *self, const struct wrap *w)
{
	return (struct incarnation **)(void *)((char *)self + w->ext_off);
}

static int
w_start(cadre_actor *self, void *arg)
{
	const struct wrap *w = wrap_of(self);
	struct incarnation *inc = arg;
	*inc_slot(self, w) = inc;
	return w->user->start != NULL ? w->user->start(self, inc->arg) : 0;
}

static int
w_receive(cadre_actor *self, const cadre_msg *m)
{
	const struct wrap *w = wrap_of(self);
	struct incarnation *inc = *inc_slot(self, w);
	cadre_msg view;
	if (m->type == ROUTEE_DRAIN && cadre_ref_is_equal(m->sender, inc->router)) {
		cadre_exit shrink = {CADRE_EXIT_SHUTDOWN, 0, "pool shrink"};
		cadre_stop_with(self, &shrink);
		return 0;
	}
	if (!cadre_route_is_routed(m) || cadre_route_unwrap(m, &view) != 0)
		return w->user->receive(self, m);
	int rc = w->user->receive(self, &view);
	if (cadre_ref_is_equal(m->sender, inc->router)) {
		/* Relaxed add of -1: a hint for the router (see the Design
		 * notes); pairs with nothing (smallest's relaxed load reads it). */
		cadre__faa_rlx_u64(&inc->inflight, UINT64_MAX);
	}
	return rc;
}

static void
w_stop(cadre_actor *self, const cadre_exit *why)
{
	const struct wrap *w = wrap_of(self);
	if (w->user->stop != NULL)
		w->user->stop(self, why);
	cadre__router_inc_unref(*inc_slot(self, w));
}

const cadre_behaviour *
cadre__router_wrap_for(const cadre_behaviour *user)
{
	pthread_mutex_lock(&wraps_lock);
	struct wrap *w = wraps;
	while (w != NULL && w->user != user)
		w = w->next;
	if (w == NULL && (w = cadre__a_calloc(1, sizeof *w)) != NULL) {
		size_t a = alignof(max_align_t);
		w->user = user;
		w->ext_off = (user->size + a - 1) / a * a;
		w->beh = (cadre_behaviour){.size = w->ext_off + sizeof(struct incarnation *),
		                           .start = w_start,
		                           .receive = w_receive,
		                           .stop = w_stop,
		                           .name = user->name != NULL ? user->name : "routee"};
		w->next = wraps;
		wraps = w;
	}
	pthread_mutex_unlock(&wraps_lock);
	return w != NULL ? &w->beh : NULL;
}

/* ---- spawning, resizing, restarts -------------------------------------------------- */
static int
spawn_into(struct router *r, uint32_t i, cadre_mail *mail)
{
	cadre_system *sys = sys_of(r);
	struct incarnation *inc = cadre__a_calloc(1, sizeof *inc);
	if (inc == NULL) {
		cadre_mail_drop(sys, mail);
		return CADRE_ENOMEM;
	}
	/* Plain initialisation: not shared yet; published to the routee by
	 * the spawn. */
	inc->refs = 2;
	inc->inflight = mail != NULL ? (uint64_t)cadre_mail_count(mail) : 0;
	inc->arg = r->arg;
	inc->router = cadre_self(&r->base);
	cadre_spawn_opts o = {.mailbox_capacity = r->capacity,
	                      .flags = CADRE_SPAWN_LINK | r->spawn_flags |
	                               (r->handover ? CADRE_SPAWN_KEEP_MAIL : 0u),
	                      .inherit_mail = mail};
	cadre_ref ref;
	int rc = cadre_spawn(sys, r->wrapped, &o, inc, &ref);
	if (rc != 0) {
		free(inc);
		cadre_mail_drop(sys, mail); /* not consumed by a failed spawn */
		return rc;
	}
	r->slots[i] = (struct slot){.st = SL_UP, .ref = ref, .ring_id = i, .inc = inc};
	r->dirty = true;
	return 0;
}

static uint32_t
count_up(const struct router *r)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->nslots; i++)
		n += r->slots[i].st == SL_UP;
	return n;
}

int
cadre__router_resize(struct router *r, uint32_t n)
{
	uint32_t up = count_up(r);
	while (up < n) {
		uint32_t i = cadre__router_slot_take(r);
		if (i == UINT32_MAX)
			return CADRE_ENOMEM;
		int rc = spawn_into(r, i, NULL);
		if (rc != 0)
			return rc;
		up++;
	}
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	for (uint32_t i = r->nslots; up > n && i-- > 0;) {
		struct slot *s = &r->slots[i];
		if (s->st != SL_UP)
			continue;
		s->st = SL_STOPPING;
		r->st.stopping++;
		r->dirty = true;
		/* Behind everything already forwarded to it (FIFO from us); a
		 * full mailbox gets the exit signal instead. */
		if (cadre__send_reserved(sys_of(r), s->ref, ROUTEE_DRAIN, NULL, 0) == CADRE_EFULL)
			cadre_send_exit(sys_of(r), s->ref, &shut);
		up--;
	}
	return 0;
}

static bool
record_restart(struct router *r)
{
	/* The system's clock (virtual in the deterministic mode, where it
	 * starts at 0): a restart at t counts while now < t + period. */
	uint64_t now = cadre_system_now_ms(sys_of(r));
	uint32_t j = 0;
	for (uint32_t i = 0; i < r->nrestarts; i++)
		if (r->restarts[i] + r->period_ms > now)
			r->restarts[j++] = r->restarts[i];
	r->nrestarts = j;
	if (r->nrestarts >= r->intensity)
		return false;
	r->restarts[r->nrestarts++] = now;
	return true;
}

/* e: an EXIT core delivered (router.c checked its size and sender). A pool
 * routee dies through its link; an exit signal it sends itself is, like
 * anyone's, an order to go. */
void
cadre__router_on_exit(struct router *r, const cadre_exit_msg *e)
{
	struct slot *s = r->pool && e->linked ? cadre__router_slot_by_ref(r, e->from) : NULL;
	if (s == NULL) {
		/* Not a routee: our parent (or anyone, directly) asks us to go. */
		if (!e->linked || cadre_ref_is_equal(e->from, cadre_parent(&r->base)))
			cadre_stop_with(&r->base, &e->reason);
		return;
	}
	cadre__router_inc_unref(s->inc);
	s->inc = NULL;
	if (s->st == SL_STOPPING) {
		s->st = SL_FREE; /* a shrink completed; its mail is dead-lettered */
		r->st.stopping--;
		return;
	}
	uint32_t i = (uint32_t)(s - r->slots);
	s->st = SL_FREE;
	r->dirty = true;
	if (!record_restart(r)) {
		cadre_fail(&r->base, CADRE_ECANCELED, "routee restart intensity");
		return;
	}
	cadre_mail *mail = r->handover ? cadre_mail_claim(&r->base, e) : NULL;
	int rc = spawn_into(r, i, mail);
	if (rc != 0) {
		cadre_fail(&r->base, rc, "routee restart failed");
		return;
	}
	r->st.restarts++;
}

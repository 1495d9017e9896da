/* Cadre: routers and pools (the contract is in cadre/router.h): the
 * behaviour, group routees, queries, and the helpers for callers (the
 * files are listed in cadre__router.h).
 *
 * Design notes.
 *
 * Failures. A pool routee is linked to the router, which traps exits. An
 * EXIT from an UP routee is a failure (restart, within the intensity); from
 * a STOPPING one it is the end of a shrink. A group routee is monitored;
 * its DOWN removes it. When the router stops, for any reason, its stop
 * callback sends its pool routees the exit signal `shutdown` (a link alone
 * would not stop them if the router stopped normally).
 *
 * Trust. The router's reserved types come from core (EXIT, DOWN) or from
 * the library's helpers; the public sends refuse them. Even so an EXIT or
 * a DOWN is taken only with its exact size and from the actor it names
 * (core delivers them so); a DOWN removes a routee only with the monitor
 * id the router holds for it, and an EXIT is a pool routee's death only
 * through its link, from its current incarnation (pool.c).
 *
 * (The routees' table, the ring and the envelope: route.c's design
 * notes; the pool routees' wrapper and shrinking: pool.c's.)
 */
#include <stdlib.h>
#include <string.h>

#include "cadre__ask.h"
#include "cadre__clock.h"
#include "cadre__mem.h"
#include "cadre__reserved.h"
#include "cadre__router.h"

#define DEFAULT_VNODES 160u
#define DEFAULT_PERIOD_MS 5000u /* OTP's default period */
#define DEFAULT_INTENSITY 1u    /* OTP's default intensity */

/* ---- groups --------------------------------------------------------------------------- */
static uint64_t
ref_id(cadre_ref ref)
{
	return cadre_route_hash(&ref, sizeof ref);
}

static void
group_add(struct router *r, cadre_ref ref)
{
	if (cadre_ref_is_none(ref) || cadre_ref_is_equal(ref, cadre_self(&r->base)) ||
	    cadre__router_slot_by_ref(r, ref) != NULL)
		return; /* (itself: a message would go round for ever) */
	uint32_t i = cadre__router_slot_take(r);
	if (i == UINT32_MAX)
		return;
	uint64_t mon = 0;
	if (cadre_monitor(&r->base, ref, &mon) != 0)
		return;
	r->slots[i] =
	        (struct slot){.st = SL_UP, .ref = ref, .ring_id = ref_id(ref), .monitor = mon};
	r->dirty = true;
}

static void
group_drop(struct router *r, struct slot *s, bool demonitor)
{
	if (demonitor)
		cadre_demonitor(&r->base, s->monitor);
	*s = (struct slot){.st = SL_FREE};
	r->dirty = true;
}

/* ---- queries ------------------------------------------------------------------------- */
static void
answer_query(struct router *r, const cadre_msg *m)
{
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return;
	if (r->dirty)
		cadre__router_rebuild(r);
	cadre_router_stats st = r->st;
	st.strategy = (uint32_t)r->strategy;
	st.routees = r->nlive;
	size_t n = sizeof st + (size_t)r->nlive * sizeof(cadre_ref);
	unsigned char *buf = cadre__a_malloc(n);
	if (buf == NULL)
		return; /* the asker times out */
	memcpy(buf, &st, sizeof st);
	for (uint32_t k = 0; k < r->nlive; k++)
		memcpy(buf + sizeof st + k * sizeof(cadre_ref), &r->slots[r->live[k]].ref,
		       sizeof(cadre_ref));
	cadre_reply(sys_of(r), &req.reply_to, CADRE_ROUTER_QUERY, buf, n);
	free(buf);
}

/* ---- callbacks ----------------------------------------------------------------------- */
static int
validate(const cadre_router_spec *sp)
{
	if (sp == NULL || (unsigned)sp->strategy > CADRE_ROUTE_SMALLEST_MAILBOX)
		return CADRE_EINVAL;
	if (sp->beh != NULL)
		return sp->beh->receive == NULL || sp->beh->size < sizeof(cadre_actor)
		               ? CADRE_EINVAL
		               : 0;
	if (sp->strategy == CADRE_ROUTE_SMALLEST_MAILBOX)
		return CADRE_EINVAL; /* no count of a group routee's handling */
	if (sp->nroutees != 0 && sp->routees == NULL)
		return CADRE_EINVAL;
	return 0;
}

static int
router_start(cadre_actor *self, void *arg)
{
	struct router *r = (struct router *)self;
	const cadre_router_spec *sp = arg;
	int rc = validate(sp);
	if (rc != 0)
		return rc;
	r->strategy = sp->strategy;
	r->pool = sp->beh != NULL;
	r->arg = sp->arg;
	r->capacity = sp->mailbox_capacity;
	/* zero means OTP's default; CADRE_NO_RESTARTS, none */
	r->intensity = sp->intensity == 0                   ? DEFAULT_INTENSITY
	               : sp->intensity == CADRE_NO_RESTARTS ? 0
	                                                    : sp->intensity;
	r->period_ms = sp->period_ms != 0 ? sp->period_ms : DEFAULT_PERIOD_MS;
	r->handover = sp->handover_mail;
	r->spawn_flags = sp->spawn_flags &
	                 ~(CADRE_SPAWN_LINK | CADRE_SPAWN_KEEP_MAIL | CADRE_SPAWN_NOTIFY_STARTED);
	r->vnodes = sp->vnodes != 0 ? sp->vnodes : DEFAULT_VNODES;
	r->key_size = sp->key_size;
	r->hash = sp->hash;
	r->hash_ctx = sp->hash_ctx;
	/* The deterministic mode: from the system's seed and our slot. */
	uint64_t sim = cadre_sim_seed(sys_of(r));
	r->rng = sp->seed != 0 ? sp->seed
	         : sim != 0    ? mix64(sim ^ cadre_self(self).index)
	                       : mix64((uint64_t)(uintptr_t)r ^ cadre__now_ms());
	if (r->rng == 0)
		r->rng = 1;
	r->dirty = true;
	cadre_trap_exits(self, true);
	if (r->pool) {
		r->restarts = cadre__a_calloc(r->intensity + 1u, sizeof *r->restarts);
		r->wrapped = cadre__router_wrap_for(sp->beh);
		if (r->restarts == NULL || r->wrapped == NULL)
			return CADRE_ENOMEM;
		return cadre__router_resize(r, sp->pool_size); /* on failure, stop stops those up */
	}
	for (size_t i = 0; i < sp->nroutees; i++)
		group_add(r, sp->routees[i]);
	return 0;
}

/* A DOWN of a group routee: its own, with the id of our monitor. */
static void
on_down(struct router *r, const cadre_msg *m)
{
	cadre_down_msg d;
	if (r->pool || m->size != sizeof d || m->data == NULL)
		return;
	memcpy(&d, m->data, sizeof d);
	struct slot *s = cadre__router_slot_by_ref(r, d.actor);
	if (s != NULL && s->monitor == d.monitor && cadre_ref_is_equal(m->sender, d.actor))
		group_drop(r, s, false);
}

static int
router_receive(cadre_actor *self, const cadre_msg *m)
{
	struct router *r = (struct router *)self;
	switch (m->type) {
	case CADRE_MSG_EXIT: {
		cadre_exit_msg e;
		if (m->size != sizeof e || m->data == NULL)
			break;
		memcpy(&e, m->data, sizeof e);
		if (cadre_ref_is_equal(m->sender, e.from)) /* core's, not forged */
			cadre__router_on_exit(r, &e);
		break;
	}
	case CADRE_MSG_DOWN:
		on_down(r, m);
		break;
	case CADRE_ROUTER_RESIZE: {
		uint32_t n;
		if (!r->pool || m->size != sizeof n)
			break;
		memcpy(&n, m->data, sizeof n);
		int rc = cadre__router_resize(r, n);
		if (rc != 0)
			return rc; /* could not spawn: fail (a supervisor restarts us) */
		break;
	}
	case CADRE_ROUTER_ADD:
	case CADRE_ROUTER_REMOVE: {
		cadre_ref ref;
		if (r->pool || m->size != sizeof ref)
			break;
		memcpy(&ref, m->data, sizeof ref);
		if (m->type == CADRE_ROUTER_ADD) {
			group_add(r, ref);
		} else {
			struct slot *s = cadre__router_slot_by_ref(r, ref);
			if (s != NULL)
				group_drop(r, s, true);
		}
		break;
	}
	case CADRE_ROUTER_QUERY:
		answer_query(r, m);
		break;
	default:
		if (m->type < CADRE_RESERVED_TYPES)
			cadre__router_route(r, m);
		break; /* other reserved types: not ours */
	}
	return 0;
}

static void
router_stop(cadre_actor *self, const cadre_exit *why)
{
	struct router *r = (struct router *)self;
	(void)why;
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	for (uint32_t i = 0; i < r->nslots; i++) {
		struct slot *s = &r->slots[i];
		if (r->pool && s->st == SL_UP)
			cadre_send_exit(sys_of(r), s->ref, &shut);
		cadre__router_inc_unref(s->inc);
	}
	free(r->slots);
	free(r->live);
	free(r->ring);
	free(r->restarts);
}

static const cadre_behaviour router_beh = {.size = sizeof(struct router),
                                           .start = router_start,
                                           .receive = router_receive,
                                           .stop = router_stop,
                                           .name = "router"};

const cadre_behaviour *
cadre_router_behaviour(void)
{
	return &router_beh;
}

/* ---- helpers for callers ------------------------------------------------------------- */
int
cadre_router_spawn(cadre_system *sys, const cadre_router_spec *spec, cadre_ref *out)
{
	if (spec == NULL)
		return CADRE_EINVAL;
	return cadre_spawn(sys, &router_beh, NULL, (void *)(uintptr_t)spec, out);
}

int
cadre_router_resize(cadre_system *sys, cadre_ref router, uint32_t n)
{
	return cadre__send_reserved(sys, router, CADRE_ROUTER_RESIZE, &n, sizeof n);
}

int
cadre_router_add(cadre_system *sys, cadre_ref router, cadre_ref routee)
{
	return cadre__send_reserved(sys, router, CADRE_ROUTER_ADD, &routee, sizeof routee);
}

int
cadre_router_remove(cadre_system *sys, cadre_ref router, cadre_ref routee)
{
	return cadre__send_reserved(sys, router, CADRE_ROUTER_REMOVE, &routee, sizeof routee);
}

int
cadre_router_query(cadre_system *sys, cadre_ref router, cadre_router_stats *stats, cadre_ref *refs,
                   size_t max, size_t *n, cadre_timeout timeout_ms)
{
	if (refs == NULL && max != 0)
		return CADRE_EINVAL;
	if (max > (SIZE_MAX - sizeof(cadre_router_stats)) / sizeof(cadre_ref))
		return CADRE_EINVAL;
	size_t cap = sizeof(cadre_router_stats) + max * sizeof(cadre_ref);
	unsigned char *buf = cadre__a_malloc(cap);
	if (buf == NULL)
		return CADRE_ENOMEM;
	size_t got = 0;
	uint32_t type = 0;
	int rc = cadre__ask_wait_reserved(sys, router, CADRE_ROUTER_QUERY, NULL, 0, timeout_ms, buf,
	                                  cap, &got, &type);
	if (rc == CADRE_ETOOBIG)
		rc = 0; /* more routees than max: the first max are here */
	if (rc == 0 && (type != CADRE_ROUTER_QUERY || got < sizeof(cadre_router_stats)))
		rc = CADRE_EINVAL; /* not a router */
	if (rc == 0) {
		cadre_router_stats st;
		memcpy(&st, buf, sizeof st);
		size_t k = st.routees < max ? st.routees : max;
		if (k != 0)
			memcpy(refs, buf + sizeof st, k * sizeof *refs);
		if (stats != NULL)
			*stats = st;
		if (n != NULL)
			*n = st.routees;
	}
	free(buf);
	return rc;
}

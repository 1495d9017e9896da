/* Cadre: routers and pools (the contract is in cadre/router.h).
 *
 * Design notes.
 *
 * A router is an ordinary actor on core's public API. Its routees sit in an
 * array of slots (FREE, UP, STOPPING); `live` lists the UP ones in slot
 * order and, for CONSISTENT_HASH, `ring` holds vnodes points per UP slot,
 * sorted by hash. Both are rebuilt lazily, at the next routed message
 * after a change of membership (a rebuild is O(n * vnodes * log)). A
 * slot's ring points are derived from its identity only (a pool slot's
 * number, a group routee's ref), never from the order of arrival, so
 * adding a routee adds its points and moves only the keys that now fall on
 * them (about 1/n), and removing one moves only its own keys. A restarted
 * pool routee keeps its slot, hence its keys.
 *
 * The envelope. A forwarded message is the original type with a 24-byte
 * header (a two-word magic and the original sender) in front of the
 * original payload; a message that already has one (a router routing to
 * routers) is forwarded as is. Group routees unwrap it with
 * cadre_route_unwrap.
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
 *
 * Failures. A pool routee is linked to the router, which traps exits. An
 * EXIT from an UP routee is a failure (restart, within the intensity); from
 * a STOPPING one it is the end of a shrink. A group routee is monitored;
 * its DOWN removes it. When the router stops, for any reason, its stop
 * callback sends its pool routees the exit signal `shutdown` (a link alone
 * would not stop them if the router stopped normally).
 */
#include <cadre/router.h>

#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cadre__atomic.h"
#include "cadre__clock.h"

#define ROUTE_MAGIC 0x54554F52u  /* "ROUT" */
#define ROUTEE_DRAIN 0xFFFF0381u /* to a pool routee: stop after what is queued before */
#define CADRE_RESERVED_TYPES 0xFFFF0000u
#define STACK_PAYLOAD 512u
#define DEFAULT_VNODES 160u
#define DEFAULT_PERIOD_MS 5000u

struct route_hdr {
	uint32_t magic;
	uint32_t magic2; /* ~magic */
	cadre_ref sender;
};

_Static_assert(sizeof(struct route_hdr) == CADRE_ROUTE_HEADER, "route header size");

/* ---- hashing ------------------------------------------------------------------------ */
static uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finalizer */
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return x;
}

uint64_t
cadre_route_hash(const void *key, size_t size)
{
	/* FNV-1a, then a finalizer so that short keys spread over the ring. */
	const unsigned char *p = key;
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t i = 0; i < size; i++) {
		h ^= p[i];
		h *= 0x100000001B3ull;
	}
	return mix64(h ^ size);
}

/* ---- the envelope ------------------------------------------------------------------- */
int
cadre_route_unwrap(const cadre_msg *msg, cadre_msg *out)
{
	if (msg == NULL || out == NULL)
		return CADRE_EINVAL;
	*out = *msg;
	if (msg->type >= CADRE_RESERVED_TYPES || msg->size < sizeof(struct route_hdr) ||
	    msg->data == NULL)
		return 0;
	struct route_hdr h;
	memcpy(&h, msg->data, sizeof h);
	if (h.magic != ROUTE_MAGIC || h.magic2 != ~ROUTE_MAGIC)
		return 0;
	out->size = msg->size - (uint32_t)sizeof h;
	out->data = out->size != 0 ? (const char *)msg->data + sizeof h : NULL;
	out->sender = h.sender;
	return 1;
}

/* ---- pool routees: the wrapper ------------------------------------------------------ */
struct incarnation {
	uint32_t refs;     /* the router's and the routee's */
	uint64_t inflight; /* SMALLEST_MAILBOX: forwarded - handled (an int64_t) */
	void *arg;         /* the user's start arg */
	cadre_ref router;
};

struct wrap {
	cadre_behaviour beh; /* first: cadre_actor_behaviour(self) points here */
	const cadre_behaviour *user;
	size_t ext_off; /* where the incarnation pointer sits in the actor */
	struct wrap *next;
};

static pthread_mutex_t wraps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wrap *wraps; /* interned, never freed (see the Design notes) */

static void
inc_unref(struct incarnation *inc)
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
	if (m->type == ROUTEE_DRAIN && cadre_ref_eq(m->sender, inc->router)) {
		cadre_exit shrink = {CADRE_EXIT_SHUTDOWN, 0, "pool shrink"};
		cadre_stop_with(self, &shrink);
		return 0;
	}
	if (cadre_route_unwrap(m, &view) != 1)
		return w->user->receive(self, m);
	int rc = w->user->receive(self, &view);
	if (cadre_ref_eq(m->sender, inc->router)) {
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
	inc_unref(*inc_slot(self, w));
}

static const cadre_behaviour *
wrap_for(const cadre_behaviour *user)
{
	pthread_mutex_lock(&wraps_lock);
	struct wrap *w = wraps;
	while (w != NULL && w->user != user)
		w = w->next;
	if (w == NULL && (w = calloc(1, sizeof *w)) != NULL) {
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

/* ---- the router's state ------------------------------------------------------------ */
enum slot_st { SL_FREE, SL_UP, SL_STOPPING };

struct slot {
	enum slot_st st;
	cadre_ref ref;
	uint64_t ring_id;        /* its points on the ring derive from this */
	uint64_t tried;          /* == router's stamp: tried for the current message */
	struct incarnation *inc; /* pool */
	uint64_t monitor;        /* group */
};

struct point {
	uint64_t h;
	uint32_t slot;
};

struct router {
	cadre_actor base;
	cadre_route strategy;
	bool pool, handover, dirty;
	const cadre_behaviour *wrapped;
	void *arg;
	uint32_t capacity, intensity, period_ms, spawn_flags;
	uint32_t vnodes, key_size;
	cadre_route_hash_fn hash;
	void *hash_ctx;
	uint64_t rng, rr, stamp;
	struct slot *slots;
	uint32_t nslots, capslots;
	uint32_t *live;
	uint32_t nlive;
	struct point *ring;
	size_t nring;
	uint64_t *restarts; /* restart times (ms) within the period */
	uint32_t nrestarts;
	cadre_router_stats st;
};

static cadre_system *
sys_of(struct router *r)
{
	return cadre_actor_system(&r->base);
}

static uint64_t
next_rand(struct router *r)
{
	/* xorshift64* */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 0x2545F4914F6CDD1Dull;
}

static uint64_t
ref_id(cadre_ref ref)
{
	return cadre_route_hash(&ref, sizeof ref);
}

/* A FREE slot (the lowest), or a new one; UINT32_MAX if out of memory. */
static uint32_t
slot_take(struct router *r)
{
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].st == SL_FREE)
			return i;
	if (r->nslots == r->capslots) {
		uint32_t ncap = r->capslots == 0 ? 8 : r->capslots * 2;
		struct slot *n = realloc(r->slots, ncap * sizeof *n);
		if (n == NULL)
			return UINT32_MAX;
		r->slots = n;
		r->capslots = ncap;
	}
	r->slots[r->nslots] = (struct slot){.st = SL_FREE};
	return r->nslots++;
}

static int
point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Rebuilds `live` and the ring after a change of membership. */
static int
rebuild(struct router *r)
{
	uint32_t *live = realloc(r->live, (r->nslots + 1u) * sizeof *live);
	if (live == NULL)
		return CADRE_ENOMEM;
	r->live = live;
	r->nlive = 0;
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].st == SL_UP)
			r->live[r->nlive++] = i;
	if (r->strategy == CADRE_ROUTE_CONSISTENT_HASH) {
		size_t n = (size_t)r->nlive * r->vnodes;
		struct point *ring = realloc(r->ring, (n + 1) * sizeof *ring);
		if (ring == NULL)
			return CADRE_ENOMEM;
		r->ring = ring;
		r->nring = 0;
		for (uint32_t k = 0; k < r->nlive; k++) {
			uint32_t s = r->live[k];
			uint64_t base = mix64(r->slots[s].ring_id + 0x9E3779B97F4A7C15ull);
			for (uint32_t v = 0; v < r->vnodes; v++)
				r->ring[r->nring++] = (struct point){
				        mix64(base ^ ((uint64_t)(v + 1) * 0xD6E8FEB86659FD93ull)),
				        s};
		}
		qsort(r->ring, r->nring, sizeof *r->ring, point_cmp);
	}
	r->dirty = false;
	return 0;
}

/* ---- pools ---------------------------------------------------------------------------- */
static int
spawn_into(struct router *r, uint32_t i, cadre_mail *mail)
{
	cadre_system *sys = sys_of(r);
	struct incarnation *inc = calloc(1, sizeof *inc);
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

static int
resize(struct router *r, uint32_t n)
{
	uint32_t up = count_up(r);
	while (up < n) {
		uint32_t i = slot_take(r);
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
		if (cadre_send(sys_of(r), s->ref, ROUTEE_DRAIN, NULL, 0) == CADRE_EFULL)
			cadre_send_exit(sys_of(r), s->ref, &shut);
		up--;
	}
	return 0;
}

static bool
record_restart(struct router *r)
{
	uint64_t now = cadre__now_ms(), horizon = now > r->period_ms ? now - r->period_ms : 0;
	uint32_t j = 0;
	for (uint32_t i = 0; i < r->nrestarts; i++)
		if (r->restarts[i] > horizon)
			r->restarts[j++] = r->restarts[i];
	r->nrestarts = j;
	if (r->nrestarts >= r->intensity)
		return false;
	r->restarts[r->nrestarts++] = now;
	return true;
}

static struct slot *
slot_by_ref(struct router *r, cadre_ref ref)
{
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].st != SL_FREE && cadre_ref_eq(r->slots[i].ref, ref))
			return &r->slots[i];
	return NULL;
}

static void
on_exit_msg(struct router *r, const cadre_exit_msg *e)
{
	struct slot *s = r->pool ? slot_by_ref(r, e->from) : NULL;
	if (s == NULL) {
		/* Not a routee: our parent (or anyone, directly) asks us to go. */
		if (!e->linked || cadre_ref_eq(e->from, cadre_parent(&r->base)))
			cadre_stop_with(&r->base, &e->reason);
		return;
	}
	inc_unref(s->inc);
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

/* ---- groups --------------------------------------------------------------------------- */
static void
group_add(struct router *r, cadre_ref ref)
{
	if (cadre_ref_is_none(ref) || cadre_ref_eq(ref, cadre_self(&r->base)) ||
	    slot_by_ref(r, ref) != NULL)
		return; /* (itself: a message would go round for ever) */
	uint32_t i = slot_take(r);
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

/* ---- routing -------------------------------------------------------------------------- */
enum { TRY_OK, TRY_NEXT, TRY_ABORT };

struct fwd {
	const void *data;
	size_t size;
	uint32_t type;
};

static int
try_send(struct router *r, uint32_t i, const struct fwd *f)
{
	struct slot *s = &r->slots[i];
	bool count = r->strategy == CADRE_ROUTE_SMALLEST_MAILBOX && s->inc != NULL;
	s->tried = r->stamp;
	/* Before the send, so the routee's decrement never comes first.
	 * Relaxed add: a hint (see the Design notes); pairs with nothing. */
	if (count)
		cadre__faa_rlx_u64(&s->inc->inflight, 1);
	int rc = cadre_send(sys_of(r), s->ref, f->type, f->data, f->size);
	if (rc == 0) {
		r->st.forwarded++;
		return TRY_OK;
	}
	if (count) /* not sent: take it back. Relaxed add of -1: a hint, as above. */
		cadre__faa_rlx_u64(&s->inc->inflight, UINT64_MAX);
	if (rc == CADRE_ENOACTOR || rc == CADRE_ECLOSED)
		r->st.dead++; /* core counted it as a dead letter */
	/* Gone (its EXIT or DOWN is on the way) or full: try another. */
	return rc == CADRE_ENOACTOR || rc == CADRE_EFULL ? TRY_NEXT : TRY_ABORT;
}

/* Tries live[start], live[start + 1], ... until one takes it. */
static bool
walk_live(struct router *r, uint64_t start, const struct fwd *f)
{
	for (uint32_t k = 0; k < r->nlive; k++) {
		uint32_t i = r->live[(start + k) % r->nlive];
		if (r->slots[i].tried == r->stamp)
			continue;
		int t = try_send(r, i, f);
		if (t != TRY_NEXT)
			return t == TRY_OK;
	}
	return false;
}

/* The key of m; v is m without an outer router's header (not the key). */
static uint64_t
key_hash(struct router *r, const cadre_msg *m, const cadre_msg *v)
{
	const void *d = v->data;
	size_t n = v->size;
	cadre_request req;
	if (cadre_ask_request(v, &req) == 0) {
		d = req.data;
		n = req.size;
	}
	if (r->hash != NULL)
		return r->hash(r->hash_ctx, d, n, m);
	if (r->key_size != 0 && n > r->key_size)
		n = r->key_size;
	return cadre_route_hash(d, n);
}

/* The ring, clockwise from the key's point: the first slot that takes it. */
static bool
walk_ring(struct router *r, uint64_t h, const struct fwd *f)
{
	size_t lo = 0, hi = r->nring;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->ring[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t tried = 0;
	for (size_t k = 0; k < r->nring && tried < r->nlive; k++) {
		uint32_t i = r->ring[(lo + k) % r->nring].slot;
		if (r->slots[i].tried == r->stamp)
			continue;
		tried++;
		int t = try_send(r, i, f);
		if (t != TRY_NEXT)
			return t == TRY_OK;
	}
	return false;
}

static uint32_t
smallest(struct router *r, uint64_t start)
{
	uint32_t best = r->live[start % r->nlive];
	int64_t bestn = INT64_MAX;
	for (uint32_t k = 0; k < r->nlive; k++) {
		uint32_t i = r->live[(start + k) % r->nlive];
		/* Relaxed load: a hint (see the Design notes); pairs with
		 * nothing (the routees' and try_send's relaxed adds). */
		int64_t n = (int64_t)cadre__load_rlx_u64(&r->slots[i].inc->inflight);
		if (n < bestn) {
			bestn = n;
			best = i;
		}
	}
	return best;
}

static void
route(struct router *r, const cadre_msg *m)
{
	r->st.received++;
	if (r->dirty && rebuild(r) != 0) {
		r->st.unroutable++;
		return;
	}
	if (r->nlive == 0) {
		r->st.unroutable++;
		return;
	}
	r->stamp++;
	/* The envelope, unless the message has one already. */
	unsigned char stackbuf[STACK_PAYLOAD];
	unsigned char *heap = NULL;
	struct fwd f = {m->data, m->size, m->type};
	cadre_msg v;
	if (cadre_route_unwrap(m, &v) == 0) {
		struct route_hdr h = {ROUTE_MAGIC, ~ROUTE_MAGIC, m->sender};
		size_t n = sizeof h + m->size;
		unsigned char *buf = stackbuf;
		if (n > sizeof stackbuf && (buf = heap = malloc(n)) == NULL) {
			r->st.unroutable++;
			return;
		}
		memcpy(buf, &h, sizeof h);
		if (m->size != 0)
			memcpy(buf + sizeof h, m->data, m->size);
		f.data = buf;
		f.size = n;
	}
	bool ok = false;
	switch (r->strategy) {
	case CADRE_ROUTE_BROADCAST:
		for (uint32_t k = 0; k < r->nlive; k++)
			ok |= try_send(r, r->live[k], &f) == TRY_OK;
		break;
	case CADRE_ROUTE_ROUND_ROBIN:
		ok = walk_live(r, r->rr++, &f);
		break;
	case CADRE_ROUTE_RANDOM:
		ok = walk_live(r, next_rand(r) % r->nlive, &f);
		break;
	case CADRE_ROUTE_SMALLEST_MAILBOX: {
		uint64_t start = r->rr++;
		uint32_t i = smallest(r, start);
		int t = try_send(r, i, &f);
		ok = t == TRY_OK || (t == TRY_NEXT && walk_live(r, start, &f));
		break;
	}
	case CADRE_ROUTE_CONSISTENT_HASH:
		ok = walk_ring(r, key_hash(r, m, &v), &f);
		break;
	}
	if (!ok)
		r->st.unroutable++;
	free(heap);
}

/* ---- queries ------------------------------------------------------------------------- */
static void
answer_query(struct router *r, const cadre_msg *m)
{
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return;
	if (r->dirty)
		rebuild(r);
	cadre_router_stats st = r->st;
	st.strategy = (uint32_t)r->strategy;
	st.routees = r->nlive;
	size_t n = sizeof st + (size_t)r->nlive * sizeof(cadre_ref);
	unsigned char *buf = malloc(n);
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
	r->intensity = sp->intensity;
	r->period_ms = sp->period_ms != 0 ? sp->period_ms : DEFAULT_PERIOD_MS;
	r->handover = sp->handover_mail;
	r->spawn_flags = sp->spawn_flags &
	                 ~(CADRE_SPAWN_LINK | CADRE_SPAWN_KEEP_MAIL | CADRE_SPAWN_NOTIFY_STARTED);
	r->vnodes = sp->vnodes != 0 ? sp->vnodes : DEFAULT_VNODES;
	r->key_size = sp->key_size;
	r->hash = sp->hash;
	r->hash_ctx = sp->hash_ctx;
	r->rng = sp->seed != 0 ? sp->seed : mix64((uint64_t)(uintptr_t)r ^ cadre__now_ms());
	if (r->rng == 0)
		r->rng = 1;
	r->dirty = true;
	cadre_trap_exits(self, true);
	if (r->pool) {
		r->restarts = calloc(r->intensity + 1u, sizeof *r->restarts);
		r->wrapped = wrap_for(sp->beh);
		if (r->restarts == NULL || r->wrapped == NULL)
			return CADRE_ENOMEM;
		return resize(r, sp->pool_size); /* on failure, stop stops those up */
	}
	for (size_t i = 0; i < sp->nroutees; i++)
		group_add(r, sp->routees[i]);
	return 0;
}

static int
router_receive(cadre_actor *self, const cadre_msg *m)
{
	struct router *r = (struct router *)self;
	switch (m->type) {
	case CADRE_MSG_EXIT:
		on_exit_msg(r, m->data);
		break;
	case CADRE_MSG_DOWN: {
		const cadre_down_msg *d = m->data;
		struct slot *s = r->pool ? NULL : slot_by_ref(r, d->actor);
		if (s != NULL && s->monitor == d->monitor)
			group_drop(r, s, false);
		break;
	}
	case CADRE_ROUTER_RESIZE: {
		uint32_t n;
		if (!r->pool || m->size != sizeof n)
			break;
		memcpy(&n, m->data, sizeof n);
		int rc = resize(r, n);
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
			struct slot *s = slot_by_ref(r, ref);
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
			route(r, m);
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
		inc_unref(s->inc);
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
	return cadre_send(sys, router, CADRE_ROUTER_RESIZE, &n, sizeof n);
}

int
cadre_router_add(cadre_system *sys, cadre_ref router, cadre_ref routee)
{
	return cadre_send(sys, router, CADRE_ROUTER_ADD, &routee, sizeof routee);
}

int
cadre_router_remove(cadre_system *sys, cadre_ref router, cadre_ref routee)
{
	return cadre_send(sys, router, CADRE_ROUTER_REMOVE, &routee, sizeof routee);
}

int
cadre_router_query(cadre_system *sys, cadre_ref router, cadre_router_stats *stats, cadre_ref *refs,
                   size_t max, size_t *n, long timeout_ms)
{
	if (refs == NULL && max != 0)
		return CADRE_EINVAL;
	if (max > (SIZE_MAX - sizeof(cadre_router_stats)) / sizeof(cadre_ref))
		return CADRE_EINVAL;
	size_t cap = sizeof(cadre_router_stats) + max * sizeof(cadre_ref);
	unsigned char *buf = malloc(cap);
	if (buf == NULL)
		return CADRE_ENOMEM;
	size_t got = 0;
	uint32_t type = 0;
	int rc = cadre_ask_wait(sys, router, CADRE_ROUTER_QUERY, NULL, 0, timeout_ms, buf, cap,
	                        &got, &type);
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

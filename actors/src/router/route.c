/* Cadre: routers, routing: the routees' slots, `live` and the ring (the
 * membership), the envelope, and the strategies.
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
 */
#include <stdlib.h>
#include <string.h>

#include "cadre__atomic.h"
#include "cadre__mem.h"
#include "cadre__router.h"

#define ROUTE_MAGIC 0x54554F52u /* "ROUT" */
#define STACK_PAYLOAD 512u

struct route_hdr {
	uint32_t magic;
	uint32_t magic2; /* ~magic */
	cadre_ref sender;
};

_Static_assert(sizeof(struct route_hdr) == CADRE_ROUTE_HEADER, "route header size");

/* ---- hashing ------------------------------------------------------------------------ */
uint64_t
cadre_route_hash(const void *key, size_t size)
{
	/* FNV-1a, then a finalizer so that short keys spread over the ring. */
	const unsigned char *p = key;
	if (p == NULL)
		size = 0; /* a NULL key hashes as the empty key */
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t i = 0; i < size; i++) {
		h ^= p[i];
		h *= 0x100000001B3ull;
	}
	return mix64(h ^ size);
}

/* ---- the envelope ------------------------------------------------------------------- */
/* True, and *h filled, if msg carries a router's header. */
static bool
route_header(const cadre_msg *msg, struct route_hdr *h)
{
	if (msg->type >= CADRE_RESERVED_TYPES || msg->size < sizeof(struct route_hdr) ||
	    msg->data == NULL)
		return false;
	memcpy(h, msg->data, sizeof *h);
	return h->magic == ROUTE_MAGIC && h->magic2 == ~ROUTE_MAGIC;
}

bool
cadre_route_is_routed(const cadre_msg *msg)
{
	struct route_hdr h;
	return msg != NULL && route_header(msg, &h);
}

int
cadre_route_unwrap(const cadre_msg *msg, cadre_msg *out)
{
	if (msg == NULL || out == NULL)
		return CADRE_EINVAL;
	*out = *msg;
	struct route_hdr h;
	if (!route_header(msg, &h))
		return 0;
	out->size = msg->size - (uint32_t)sizeof h;
	out->data = out->size != 0 ? (const char *)msg->data + sizeof h : NULL;
	out->sender = h.sender;
	return 0;
}

/* ---- the slots, `live` and the ring ------------------------------------------------ */
/* A FREE slot (the lowest), or a new one; UINT32_MAX if out of memory. */
uint32_t
cadre__router_slot_take(struct router *r)
{
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].st == SL_FREE)
			return i;
	if (r->nslots == r->capslots) {
		uint32_t ncap = r->capslots == 0 ? 8 : r->capslots * 2;
		struct slot *n = cadre__a_realloc(r->slots, ncap * sizeof *n);
		if (n == NULL)
			return UINT32_MAX;
		r->slots = n;
		r->capslots = ncap;
	}
	r->slots[r->nslots] = (struct slot){.st = SL_FREE};
	return r->nslots++;
}

struct slot *
cadre__router_slot_by_ref(struct router *r, cadre_ref ref)
{
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].st != SL_FREE && cadre_ref_is_equal(r->slots[i].ref, ref))
			return &r->slots[i];
	return NULL;
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
int
cadre__router_rebuild(struct router *r)
{
	uint32_t *live = cadre__a_realloc(r->live, (r->nslots + 1u) * sizeof *live);
	if (live == NULL)
		return CADRE_ENOMEM;
	r->live = live;
	r->nlive = 0;
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].st == SL_UP)
			r->live[r->nlive++] = i;
	if (r->strategy == CADRE_ROUTE_CONSISTENT_HASH) {
		size_t n = (size_t)r->nlive * r->vnodes;
		struct point *ring = cadre__a_realloc(r->ring, (n + 1) * sizeof *ring);
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

/* ---- routing -------------------------------------------------------------------------- */
static uint64_t
next_rand(struct router *r)
{
	/* xorshift64* */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 0x2545F4914F6CDD1Dull;
}

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
	 * Relaxed add: a hint (see pool.c's design notes); pairs with nothing. */
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
		/* Relaxed load: a hint (see pool.c's design notes); pairs with
		 * nothing (the routees' and try_send's relaxed adds). */
		int64_t n = (int64_t)cadre__load_rlx_u64(&r->slots[i].inc->inflight);
		if (n < bestn) {
			bestn = n;
			best = i;
		}
	}
	return best;
}

void
cadre__router_route(struct router *r, const cadre_msg *m)
{
	r->st.received++;
	if (r->dirty && cadre__router_rebuild(r) != 0) {
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
	cadre_msg v;                     /* the message as first sent: the key's source */
	(void)cadre_route_unwrap(m, &v); /* cannot fail: m and &v are not NULL */
	if (!cadre_route_is_routed(m)) {
		struct route_hdr h = {ROUTE_MAGIC, ~ROUTE_MAGIC, m->sender};
		size_t n = sizeof h + m->size;
		unsigned char *buf = stackbuf;
		if (n > sizeof stackbuf && (buf = heap = cadre__a_malloc(n)) == NULL) {
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

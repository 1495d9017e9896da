/* Cadre internal (actors/): what the router's sources share.
 *
 * The router, by mechanism (the design notes are with the code they
 * describe):
 *   router.c  the behaviour: start, receive (dispatch), stop; group
 *             routees, queries, the helpers for callers
 *   route.c   routing: the slots, `live` and the ring, the envelope, the
 *             strategies
 *   pool.c    pool routees: the wrapper behaviour, spawning, resizing,
 *             restarts
 */
#ifndef CADRE__ROUTER_H
#define CADRE__ROUTER_H

#include <cadre.h>
#include <cadre/router.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CADRE_RESERVED_TYPES 0xFFFF0000u

/* ---- pool routees' incarnations (pool.c) ---------------------------------------------- */
struct incarnation {
	uint32_t refs;     /* the router's and the routee's */
	uint64_t inflight; /* SMALLEST_MAILBOX: forwarded - handled (an int64_t) */
	void *arg;         /* the user's start arg */
	cadre_ref router;
};

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

static inline cadre_system *
sys_of(struct router *r)
{
	return cadre_actor_system(&r->base);
}

static inline uint64_t
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

/* ---- route.c: the slots, the ring, routing --------------------------------------------- */
uint32_t cadre__router_slot_take(struct router *r);
struct slot *cadre__router_slot_by_ref(struct router *r, cadre_ref ref);
int cadre__router_rebuild(struct router *r);
void cadre__router_route(struct router *r, const cadre_msg *m);

/* ---- pool.c: pool routees ------------------------------------------------------------- */
const cadre_behaviour *cadre__router_wrap_for(const cadre_behaviour *user);
void cadre__router_inc_unref(struct incarnation *inc);
int cadre__router_resize(struct router *r, uint32_t n);
void cadre__router_on_exit(struct router *r, const cadre_exit_msg *e);

#endif /* CADRE__ROUTER_H */

/* Cadre: the blocking pool's run queue and its threads' parking.
 *
 * Actors spawned with CADRE_SPAWN_BLOCKING run on extra threads that share
 * this one queue (sched.c's Design notes, "The blocking pool").
 *
 * Design notes.
 *
 * The queue is a bounded MPMC ring (below) with an unbounded overflow
 * list behind it, so that making an actor runnable never waits and never
 * spins, however many are runnable (before, a full ring made
 * cadre__bpool_schedule spin in sched_yield until a pool thread made room:
 * with 65,536 blocking actors waiting and the pool threads themselves
 * requeueing, nothing moved).
 *
 * Overflow. An MPSC queue with the mailbox algorithm, linking actors
 * through their rq_node as the workers' inject queues do (a blocking
 * actor is never on an inject queue, and rq_node is the limbo link only
 * once it is dead). A producer goes there when the ring is full, and also
 * whenever the overflow is not empty (over_n != 0), so that newcomers
 * queue behind the actors already waiting there. Its one consumer is
 * whichever pool thread holds `draining` (taken by CAS, never waited for):
 * on each cadre__bpool_next while over_n != 0 it moves up to DRAIN_MAX
 * actors into the ring while the ring has room, and, if the ring gave it
 * nothing, takes the oldest to run itself. over_n counts actors in the
 * overflow or being linked into it: a producer adds before it links, the
 * drainer subtracts after the actor is in the ring (or taken to run), so
 * every queued actor is always counted by over_n or visible in the ring.
 * An actor popped while a racing producer filled the ring goes back to
 * the overflow's tail (still counted).
 *
 * Wake-ups (no lost wake-up). Dekker's pattern with all four steps
 * seq_cst: a producer does [RMW (the ring's enq CAS, or the add to over_n);
 * load parked], a parking pool thread does [RMW parked; load over_n, then
 * enq / deq]. Either the parker sees the actor or the producer sees the
 * parker and wakes one. The parker reads over_n before the ring, because
 * the drainer moves an actor in the opposite order (ring CAS, then the
 * subtraction): a parker that sees over_n without it then sees it in the
 * ring. A pool thread that sees actors it cannot take yet (the drainer is
 * busy, or a producer is between its add and its link: the mailbox's
 * one non-wait-free window) yields and looks again instead of parking.
 */
#include <sched.h>
#include <stddef.h>

#include "cadre__sched.h"

#define NAP_NS 1000000L
#define DRAIN_MAX 64u /* actors the drainer moves into the ring per call */

/* ---- the blocking pool's queue ----------------------------------------------------
 * D. Vyukov's bounded MPMC queue: a ring of cells, each with a sequence
 * number that says whose turn the cell is (a producer's at pos, a
 * consumer's at pos + 1). Producers and consumers claim positions by CAS
 * and publish a cell with a release store of its sequence. Any pool thread
 * takes the next runnable actor, so a pool thread blocked in a callback
 * holds up nobody else. */
int
cadre__bpool_init(struct cadre_system *sys)
{
	struct cadre__bpool *q = &sys->bpool;
	q->cells = cadre__alloc(CADRE__BPOOL_CAP * sizeof *q->cells);
	if (q->cells == NULL)
		return CADRE_ENOMEM;
	for (uint64_t i = 0; i < CADRE__BPOOL_CAP; i++) {
		q->cells[i].seq = i;
		q->cells[i].actor = NULL;
	}
	cadre__mb_init(&q->over, 0);
	q->over_n = 0;
	q->draining = 0;
	return 0;
}

void
cadre__bpool_fini(struct cadre_system *sys)
{
	cadre__free(sys->bpool.cells, CADRE__BPOOL_CAP * sizeof *sys->bpool.cells);
}

static bool
bpool_push(struct cadre__bpool *q, struct cadre__actor *a)
{
	uint64_t pos = cadre__load_rlx_u64(&q->enq); /* the CAS decides */
	for (;;) {
		struct cadre__bcell *c = &q->cells[pos & (CADRE__BPOOL_CAP - 1)];
		/* Acquire: pairs with the consumer's release of the cell. */
		int64_t dif = (int64_t)(cadre__load_acq_u64(&c->seq) - pos);
		if (dif == 0) {
			/* seq_cst CAS: claims the cell; also the pusher's half of the
			 * Dekker pair with cadre__bpool_park. */
			if (cadre__cas_sc_u64(&q->enq, pos, pos + 1)) {
				cadre__store_rlx_ptr((void **)&c->actor, a); /* published below */
				/* Release: the actor before the turn; pairs with the
				 * consumer's acquire of seq. */
				cadre__store_rel_u64(&c->seq, pos + 1);
				return true;
			}
			pos = cadre__load_rlx_u64(&q->enq); /* lost the race: retry (CAS decides) */
		} else if (dif < 0) {
			return false; /* full */
		} else {
			pos = cadre__load_rlx_u64(&q->enq); /* relaxed: the CAS decides */
		}
	}
}

static struct cadre__actor *
bpool_pop(struct cadre__bpool *q)
{
	uint64_t pos = cadre__load_rlx_u64(&q->deq); /* the CAS decides */
	for (;;) {
		struct cadre__bcell *c = &q->cells[pos & (CADRE__BPOOL_CAP - 1)];
		/* Acquire: pairs with the producer's release of the cell. */
		int64_t dif = (int64_t)(cadre__load_acq_u64(&c->seq) - (pos + 1));
		if (dif == 0) {
			if (cadre__cas_acqrel_u64(&q->deq, pos, pos + 1)) { /* claims it */
				struct cadre__actor *a = cadre__load_rlx_ptr((void **)&c->actor);
				/* Release: the cell is free for the producer a lap later. */
				cadre__store_rel_u64(&c->seq, pos + CADRE__BPOOL_CAP);
				return a;
			}
			pos = cadre__load_rlx_u64(&q->deq); /* lost the race: retry (CAS decides) */
		} else if (dif < 0) {
			return NULL; /* empty */
		} else {
			pos = cadre__load_rlx_u64(&q->deq); /* relaxed: the CAS decides */
		}
	}
}

/* ---- the overflow ----------------------------------------------------------------- */
static void
over_push(struct cadre__bpool *q, struct cadre__actor *a)
{
	/* seq_cst add, before the link: the producer's half of the Dekker pair
	 * with cadre__bpool_park's load of over_n (see Design notes). */
	cadre__faa_sc_u64(&q->over_n, 1);
	/* The mailbox link (a seq_cst exchange, then a release store that
	 * pairs with the drainer's acquire in cadre__mb_pop_normal). */
	cadre__mb_link(&q->over, &a->rq_node, &a->rq_node);
}

/* The ring's fill, as a hint (the push decides). */
static bool
ring_has_room(struct cadre__bpool *q)
{
	/* Relaxed loads: a hint; a racing producer may take the room, and
	 * bpool_push then fails (see over_drain). */
	uint64_t deq = cadre__load_rlx_u64(&q->deq);
	return cadre__load_rlx_u64(&q->enq) - deq < CADRE__BPOOL_CAP;
}

/* The holder of `draining` moves up to DRAIN_MAX actors from the overflow
 * into the ring; if run != NULL and *run is NULL, the oldest goes to *run
 * instead (the caller runs it). Returns at once if another pool thread
 * holds `draining`. */
static void
over_drain(struct cadre__bpool *q, struct cadre__actor **run)
{
	/* Relaxed look first (a hint), then an acq_rel CAS that takes the
	 * consumer side: its acquire pairs with the release store below by
	 * the previous drainer, so its writes to over's tail are visible. */
	if (cadre__load_rlx_u32(&q->draining) != 0 || !cadre__cas_acqrel_u32(&q->draining, 0, 1))
		return;
	for (unsigned i = 0; i < DRAIN_MAX; i++) {
		bool to_run = run != NULL && *run == NULL;
		if (!to_run && !ring_has_room(q))
			break;
		cadre_mb_node *n = cadre__mb_pop_normal(&q->over);
		if (n == NULL)
			break; /* empty, or a producer is linking: later */
		struct cadre__actor *a = cadre__actor_of_rq(n);
		if (to_run) {
			*run = a;
		} else if (!bpool_push(q, a)) {
			/* A producer took the room: back to the tail, still counted.
			 * The mailbox link (seq_cst exchange, release link). */
			cadre__mb_link(&q->over, n, n);
			break;
		}
		/* seq_cst subtraction, after the ring's seq_cst CAS that made it
		 * visible: see Design notes (the parker reads in the other order). */
		cadre__faa_sc_u64(&q->over_n, (uint64_t)-1);
	}
	/* Release: our writes to over's consumer side before the next drainer
	 * reads them; pairs with the CAS above. */
	cadre__store_rel_u32(&q->draining, 0);
}

static bool
over_nonempty(struct cadre__bpool *q)
{
	/* seq_cst load: the parker's half of the Dekker pair with over_push's
	 * add (and ordered before the ring's loads: see Design notes). */
	return cadre__load_sc_u64(&q->over_n) != 0;
}

static bool
ring_nonempty(struct cadre__bpool *q)
{
	/* seq_cst loads: the parker's half of the Dekker pair with bpool_push. */
	return cadre__load_sc_u64(&q->enq) != cadre__load_sc_u64(&q->deq);
}

void
cadre__bpool_schedule(struct cadre_system *sys, struct cadre__actor *a)
{
	struct cadre__bpool *q = &sys->bpool;
	/* Relaxed: a hint that keeps the order; while actors wait in the
	 * overflow, newcomers queue behind them. Either way the RMW that
	 * queues a is seq_cst (the Dekker pair below). Never waits. */
	if (cadre__load_rlx_u64(&q->over_n) != 0 || !bpool_push(q, a))
		over_push(q, a);
	/* seq_cst load after the queueing RMW (the ring's claiming CAS or the
	 * overflow's add): if a pool thread is parking, it either sees the
	 * actor or we see it parked (park's add). */
	if (cadre__load_sc_u32(&q->parked) != 0)
		cadre__futex_bump(&q->wake, 1);
}

/* A pool thread parks on the pool's futex word (Dekker with
 * cadre__bpool_schedule through `parked`). */
void
cadre__bpool_park(struct cadre__worker *w)
{
	struct cadre_system *sys = w->sys;
	struct cadre__bpool *q = &sys->bpool;
	uint32_t seq = cadre__load_acq_u32(&q->wake); /* pairs with the waker's add */
	cadre__faa_sc_u32(&q->parked, 1);             /* seq_cst: Dekker with the pusher */
	/* The overflow first, then the ring (Design notes). */
	bool over = over_nonempty(q);
	/* exiting and closing: as in cadre__sched_park. */
	if (over || ring_nonempty(q) || cadre__load_acq_u32(&sys->exiting) ||
	    cadre__load_sc_u32(&sys->closing)) {
		cadre__faa_acqrel_u32(&q->parked, (uint32_t)-1); /* a count */
		/* As in cadre__sched_park; and actors we could not take yet
		 * (another thread drains, or a push is being linked). */
		if (over || cadre__load_sc_u32(&sys->closing))
			sched_yield();
		return;
	}
	cadre__qsbr_offline(&w->sys->qsbr, w->index);
	cadre__count(&w->st.parks, 1);
	CADRE__TRACE_AT(sys, &w->trace, CADRE__TEV_PARK, 0, 0);
	bool limbo = cadre__limbo_has(&w->limbo);
	cadre__futex_wait(&q->wake, seq, limbo ? NAP_NS : 0);
	cadre__qsbr_online(&w->sys->qsbr, w->index);
	/* (woken or napped: the pool's wake word does not tell) */
	CADRE__TRACE_AT(sys, &w->trace, CADRE__TEV_WAKE, 0, 1);
	cadre__faa_acqrel_u32(&q->parked, (uint32_t)-1); /* a count */
}

struct cadre__actor *
cadre__bpool_next(struct cadre__worker *w)
{
	struct cadre__bpool *q = &w->sys->bpool;
	struct cadre__actor *a = bpool_pop(q);
	/* Relaxed: a hint; park's seq_cst check catches what this misses. */
	if (cadre__load_rlx_u64(&q->over_n) != 0)
		over_drain(q, &a);
	return a;
}

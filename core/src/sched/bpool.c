/* Cadre: the blocking pool's run queue and its threads' parking.
 *
 * Actors spawned with CADRE_SPAWN_BLOCKING run on extra threads that share
 * this one queue (sched.c's Design notes, "The blocking pool"). */
#include <sched.h>

#include "cadre__sched.h"

#define NAP_NS 1000000L

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
			 * Dekker pair with park_blocking. */
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

static bool
bpool_nonempty(struct cadre__bpool *q)
{
	/* seq_cst loads: the parker's half of the Dekker pair with bpool_push. */
	return cadre__load_sc_u64(&q->enq) != cadre__load_sc_u64(&q->deq);
}

void
cadre__bpool_schedule(struct cadre_system *sys, struct cadre__actor *a)
{
	struct cadre__bpool *q = &sys->bpool;
	while (!bpool_push(q, a))
		sched_yield(); /* 64 Ki runnable blocking actors: wait for room */
	/* seq_cst load after the claiming CAS: if a pool thread is parking, it
	 * either sees the push or we see it parked (park_blocking's add). */
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
	/* exiting and closing: as in cadre__sched_park. */
	if (bpool_nonempty(q) || cadre__load_acq_u32(&sys->exiting) ||
	    cadre__load_sc_u32(&sys->closing)) {
		cadre__faa_acqrel_u32(&q->parked, (uint32_t)-1); /* a count */
		if (cadre__load_sc_u32(&sys->closing))           /* as in cadre__sched_park */
			sched_yield();
		return;
	}
	cadre__qsbr_offline(&w->sys->qsbr, w->index);
	cadre__count(&w->st.parks, 1);
	bool limbo = cadre__limbo_has(&w->limbo);
	cadre__futex_wait(&q->wake, seq, limbo ? NAP_NS : 0);
	cadre__qsbr_online(&w->sys->qsbr, w->index);
	cadre__faa_acqrel_u32(&q->parked, (uint32_t)-1); /* a count */
}

struct cadre__actor *
cadre__bpool_next(struct cadre__worker *w)
{
	return bpool_pop(&w->sys->bpool);
}

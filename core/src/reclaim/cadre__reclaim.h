/* Cadre internal: reclamation of dead actors (reclaim/), by quiescent states
 * (QSBR). Uses: mailbox/ only; it knows nothing of actors: a dead object is
 * a node (cadre_mb_node) and the layer above says how to free one.
 *
 * The threads of a system that run actors (workers and blocking-pool
 * threads) each have a quiescent-state word (counter << 1 | online) and a
 * limbo of dead nodes. Other threads ("outside threads": callers of
 * cadre_send, cadre_spawn ... from threads that are not workers) may hold
 * actor pointers only inside an outside section (cadre__outside_enter /
 * _leave). See qsbr.c's Design notes.
 */
#ifndef CADRE__RECLAIM_H
#define CADRE__RECLAIM_H

#include <stdbool.h>
#include <stdint.h>

#include "cadre__atomic.h"
#include "cadre__mailbox.h"

/* A system's side of QSBR. */
struct cadre__qsbr {
	uint64_t *qs;     /* per thread, one cache line each: counter << 1 | online */
	unsigned n;       /* threads taking part */
	uint32_t pending; /* threads with a limbo awaiting grace (a hint) */
	uint64_t outside __attribute__((aligned(64))); /* outside threads inside a section */
};

/* One thread's side: its dead nodes. Owner only. */
struct cadre__limbo {
	unsigned index;        /* this thread's qs word */
	cadre_mb_node *fresh;  /* not yet sealed */
	cadre_mb_node *sealed; /* sealed: waits for every other thread */
	uint64_t *snap;        /* qs snapshot at the seal, one per thread */
	bool outside_clear;    /* outside threads seen drained since the seal */
};

/* Frees one dead node after its grace period (the layer above: an actor). */
typedef void cadre__reclaim_fn(void *ctx, cadre_mb_node *dead);

int cadre__qsbr_init(struct cadre__qsbr *q, unsigned nthreads);
void cadre__qsbr_fini(struct cadre__qsbr *q);
int cadre__limbo_init(struct cadre__limbo *l, const struct cadre__qsbr *q, unsigned index);
void cadre__limbo_fini(struct cadre__limbo *l, const struct cadre__qsbr *q);

/* The thread's quiescent state: online (it may hold actor pointers),
 * offline (parked), and a quiescent point between two runs. */
void cadre__qsbr_online(struct cadre__qsbr *q, unsigned index);
void cadre__qsbr_offline(struct cadre__qsbr *q, unsigned index);

static inline bool
cadre__limbo_has(const struct cadre__limbo *l)
{
	return l->sealed != NULL || l->fresh != NULL;
}

static inline void
cadre__limbo_add(struct cadre__limbo *l, cadre_mb_node *dead)
{
	dead->next = l->fresh;
	l->fresh = dead;
}

/* Frees the sealed batch if its grace period is over, then seals the fresh
 * one. */
void cadre__limbo_poll(struct cadre__limbo *l, struct cadre__qsbr *q, cadre__reclaim_fn *fn,
                       void *ctx);
/* A quiescent point: the thread holds no actor pointer from before. */
void cadre__qsbr_announce(struct cadre__qsbr *q, unsigned index);

/* After each run (tick counts runs). Both halves are amortised: a grace
 * check (a read of every thread's qs word) every 32 runs, and an
 * announcement (a fence) every 8, only while some limbo is pending; a
 * reclaimer only waits a little longer for it. An idle thread polls its
 * limbo before parking, and parking announces anyway. Inline: it runs
 * after every run. */
static inline void
cadre__limbo_quiescent(struct cadre__limbo *l, struct cadre__qsbr *q, unsigned tick,
                       cadre__reclaim_fn *fn, void *ctx)
{
	if (cadre__limbo_has(l) && (tick & 31u) == 0)
		cadre__limbo_poll(l, q, fn, ctx);
	/* Relaxed: a hint; a late announcement only delays a reclaimer. */
	if ((tick & 7u) == 0 && cadre__load_rlx_u32(&q->pending) != 0)
		cadre__qsbr_announce(q, l->index);
}
/* Single-threaded, after every thread has stopped: frees everything. */
void cadre__limbo_free_all(struct cadre__limbo *l, cadre__reclaim_fn *fn, void *ctx);

/* An outside thread's section: actor pointers may be held in between. */
void cadre__outside_enter(struct cadre__qsbr *q);
void cadre__outside_leave(struct cadre__qsbr *q);

#endif /* CADRE__RECLAIM_H */

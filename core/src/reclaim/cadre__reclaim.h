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

/* Outside sections are counted in stripes (qsbr.c's Design notes): an
 * outside thread always uses the same stripe (given at its first section), and
 * counts each section in the stripe's counter of the epoch's parity. */
#define CADRE__OUTSIDE_STRIPES 32u
struct cadre__stripe {
	uint64_t n[2]; /* sections in progress, per epoch parity */
} __attribute__((aligned(64)));

/* A system's side of QSBR. */
struct cadre__qsbr {
	uint64_t *qs;     /* per thread, one cache line each: counter << 1 | online */
	unsigned n;       /* threads taking part */
	uint32_t pending; /* threads with a limbo awaiting grace (a hint) */
	/* Outside threads: the epoch (written only when it advances) and the
	 * stripes' counters. */
	uint64_t epoch __attribute__((aligned(64)));
	struct cadre__stripe stripe[CADRE__OUTSIDE_STRIPES];
};

/* One thread's side: its dead nodes. Owner only. */
struct cadre__limbo {
	unsigned index;        /* this thread's qs word */
	cadre_mb_node *fresh;  /* not yet sealed */
	cadre_mb_node *sealed; /* sealed: waits for every other thread */
	uint64_t *snap;        /* qs snapshot at the seal, one per thread */
	uint64_t outside_at;   /* ... and the outside epoch it waits for */
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

/* An outside thread's section: actor pointers may be held in between.
 * Sections nest (a dead-letter hook called inside one may send), also
 * across systems. */
void cadre__outside_enter(struct cadre__qsbr *q);
void cadre__outside_leave(struct cadre__qsbr *q);
/* Waiting for the outside sections in progress now (and for none that
 * begins later): cadre__outside_mark says what to wait for,
 * cadre__outside_passed whether it is over (it never blocks; it advances
 * the epoch when it can). Shutdown's last wait uses them. */
uint64_t cadre__outside_mark(struct cadre__qsbr *q);
bool cadre__outside_passed(struct cadre__qsbr *q, uint64_t mark);

#endif /* CADRE__RECLAIM_H */

/* Cadre: reclamation of dead actors by quiescent states (QSBR).
 *
 * Design notes.
 *
 * A worker holds actor pointers only while running an
 * actor; between runs it is in a quiescent state. A dead actor's slot is
 * cleared at once (table/) and the actor goes to its worker's limbo. A
 * limbo batch is sealed by a seq_cst fence and a snapshot of every worker's
 * qs word (counter << 1 | online), and freed when every other worker has
 * either been offline (parked) at the snapshot or announced a quiescent state
 * since, and when outside threads (qsbr.outside) have been seen at zero after
 * the seal. Workers announce (a release store and a seq_cst fence, pairing
 * with the reclaimer's fence) every 8th run, and only while some limbo is
 * pending: with no deaths, QSBR costs one relaxed load per 8 runs. Freeing an
 * actor dead-letters what its mailbox still holds: after the grace period no
 * sender can be pushing into it.
 *
 * The layer above hands dead actors in as nodes (their rq_node) and frees
 * them through a cadre__reclaim_fn; this file knows nothing else of them.
 * Threads that are not workers ("outside threads") hold actor pointers only
 * inside cadre__outside_enter / _leave; a sealed batch also waits until it
 * has seen no outside thread inside a section after the seal.
 */
#include <string.h>

#include <cadre/error.h>

#include "cadre__alloc.h"
#include "cadre__reclaim.h"

#define QS_STRIDE 8u /* u64 per qs word: one cache line each */

static uint64_t *
qs_word(const struct cadre__qsbr *q, unsigned i)
{
	return &q->qs[(size_t)i * QS_STRIDE];
}

int
cadre__qsbr_init(struct cadre__qsbr *q, unsigned nthreads)
{
	q->n = nthreads;
	q->qs = cadre__alloc_aligned((size_t)nthreads * QS_STRIDE * sizeof(uint64_t), 64);
	return q->qs == NULL ? CADRE_ENOMEM : 0;
}

void
cadre__qsbr_fini(struct cadre__qsbr *q)
{
	if (q->qs != NULL)
		cadre__free_aligned(q->qs, (size_t)q->n * QS_STRIDE * sizeof(uint64_t), 64);
	q->qs = NULL;
}

int
cadre__limbo_init(struct cadre__limbo *l, const struct cadre__qsbr *q, unsigned index)
{
	l->index = index;
	l->snap = cadre__alloc_zero(q->n * sizeof(uint64_t));
	return l->snap == NULL ? CADRE_ENOMEM : 0;
}

void
cadre__limbo_fini(struct cadre__limbo *l, const struct cadre__qsbr *q)
{
	cadre__free(l->snap, q->n * sizeof(uint64_t));
	l->snap = NULL;
}

void
cadre__qsbr_announce(struct cadre__qsbr *q, unsigned index)
{
	uint64_t *qs = qs_word(q, index);
	/* Release: our uses of actor memory before this point happen before a
	 * reclaimer that reads the new value (acquire). The seq_cst fence pairs
	 * with the reclaimer's fence after clearing slots: later loads see the
	 * clears, or the reclaimer's snapshot already saw this value. */
	cadre__store_rel_u64(qs, *qs + 2); /* our own word: a plain read */
	cadre__fence_sc();
}

void
cadre__qsbr_online(struct cadre__qsbr *q, unsigned index)
{
	uint64_t *qs = qs_word(q, index);
	cadre__store_rel_u64(qs, *qs + 1); /* odd: online; as in announce */
	cadre__fence_sc();
}

void
cadre__qsbr_offline(struct cadre__qsbr *q, unsigned index)
{
	uint64_t *qs = qs_word(q, index);
	cadre__store_rel_u64(qs, *qs + 1); /* even: offline; release as in announce */
}

static void
free_list(cadre_mb_node *n, cadre__reclaim_fn *fn, void *ctx)
{
	while (n != NULL) {
		cadre_mb_node *next = n->next;
		fn(ctx, n);
		n = next;
	}
}

static bool
grace_done(struct cadre__limbo *l, struct cadre__qsbr *q)
{
	for (unsigned j = 0; j < q->n; j++) {
		if (j == l->index)
			continue;
		uint64_t s = l->snap[j];
		/* Acquire: pairs with the release in announce / offline. */
		if ((s & 1u) != 0 && cadre__load_acq_u64(qs_word(q, j)) == s)
			return false;
	}
	if (!l->outside_clear) {
		/* Acquire: pairs with cadre__outside_leave's release. */
		if (cadre__load_acq_u64(&q->outside) != 0)
			return false;
		l->outside_clear = true;
	}
	return true;
}

void
cadre__limbo_poll(struct cadre__limbo *l, struct cadre__qsbr *q, cadre__reclaim_fn *fn, void *ctx)
{
	if (l->sealed != NULL) {
		if (!grace_done(l, q))
			return;
		free_list(l->sealed, fn, ctx);
		l->sealed = NULL;
		cadre__faa_acqrel_u32(&q->pending, (uint32_t)-1); /* a hint counter */
	}
	if (l->fresh != NULL) {
		/* A hint counter (threads read it relaxed to decide to announce);
		 * the fence below orders what matters. */
		cadre__faa_sc_u32(&q->pending, 1);
		/* seq_cst fence: the slot clears of these actors come before the
		 * snapshot (pairs with cadre__qsbr_announce / online / outside_enter). */
		cadre__fence_sc();
		/* Acquire: pair with announce / offline's release and with
		 * outside_leave's release. */
		for (unsigned j = 0; j < q->n; j++)
			l->snap[j] = cadre__load_acq_u64(qs_word(q, j));
		l->outside_clear = cadre__load_acq_u64(&q->outside) == 0;
		l->sealed = l->fresh;
		l->fresh = NULL;
	}
}

void
cadre__limbo_free_all(struct cadre__limbo *l, cadre__reclaim_fn *fn, void *ctx)
{
	free_list(l->sealed, fn, ctx);
	free_list(l->fresh, fn, ctx);
	l->sealed = l->fresh = NULL;
}

void
cadre__outside_enter(struct cadre__qsbr *q)
{
	/* seq_cst add: announces us before any actor pointer is loaded. */
	cadre__faa_sc_u64(&q->outside, 1);
	/* seq_cst fence: pairs with the reclaimer's fence between clearing a
	 * slot and reading outside; either it sees us, or we see the clear. */
	cadre__fence_sc();
}

void
cadre__outside_leave(struct cadre__qsbr *q)
{
	/* acq_rel: our uses of actor memory happen before a reclaimer that
	 * reads zero (acquire). */
	cadre__faa_acqrel_u64(&q->outside, (uint64_t)-1);
}

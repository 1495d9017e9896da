/* Cadre: reclamation of dead actors by quiescent states (QSBR).
 *
 * Design notes.
 *
 * Workers. A worker holds actor pointers only while running an actor;
 * between runs it is in a quiescent state. A dead actor's slot is cleared
 * at once (table/) and the actor goes to its worker's limbo. A limbo batch
 * is sealed by a seq_cst fence and a snapshot of every worker's qs word
 * (counter << 1 | online), and freed when every other worker has either
 * been offline (parked) at the snapshot or announced a quiescent state
 * since, and when the outside sections in progress at the seal have ended
 * (below). Workers announce (a release store and a seq_cst fence, pairing
 * with the reclaimer's fence) every 8th run, and when they find nothing to
 * run (runtime/loop.c: a closing system's workers do not park, so parking
 * alone would not do), only while some limbo is pending: with no deaths,
 * QSBR costs one relaxed load per 8 runs. Freeing
 * an actor dead-letters what its mailbox still holds: after the grace
 * period no sender can be pushing into it. The layer above hands dead
 * actors in as nodes (their rq_node) and frees them through a
 * cadre__reclaim_fn; this file knows nothing else of them.
 *
 * Outside threads. Threads that are not workers hold actor pointers only
 * inside an outside section (cadre__outside_enter / _leave, around each
 * send). A grace period must wait for the sections in progress at its
 * seal, and for no other: sections that begin after it cannot find what it
 * frees (their loads come after the seal's fence, so they see the cleared
 * slots). Waiting for a moment when no outside thread is inside any
 * section, as a single counter did, is waiting for luck: with more busy
 * senders than cores that moment almost never comes (no actor was freed;
 * shutdown waited for ever).
 *
 * So sections are counted by epoch, as Linux's SRCU does, in stripes. The
 * system has an epoch E (it only grows) and 32 stripes, each with two
 * counters, one per parity of E. A thread always uses the same stripe
 * (given round robin at its first section, in a thread-local word: up to
 * 32 threads have a line each), and nothing is registered: there is no
 * per-thread record to allocate, to find per system, or to leak when a
 * thread exits, and any number of systems and threads work (a stripe's
 * counters are plain counts of sections, shared by the threads on it; the
 * same stripe index serves every system). Why not one record per thread
 * with (counter << 1 | inside), as the workers' qs words: a thread's record
 * must outlive the thread or be found again per system, and freeing it at
 * thread exit races with freeing its system; and a word shared by several
 * threads cannot say whether the section in progress at the seal is the
 * one that ended. Counting per parity can.
 *   enter: e = load(E); count +1 in stripe.n[e & 1]; fence.
 *   leave: count -1 in the same counter (the parity is remembered on a
 *          thread-local stack of bits: sections nest, e.g. a dead-letter
 *          hook that sends, even into another system).
 *   seal:  fence; target = load(E) + 3 (after the seal's fence).
 *   grace: over once E >= target. Whoever checks advances E from e to
 *          e + 1 when every stripe's counter of the other parity, the one
 *          of e - 1, is zero (CAS, so concurrent checkers advance it once).
 * New sections count in E's parity, so the other one only drains: it
 * holds sections that began before E was reached (and a thread that read E
 * just before it moved, whose late increment lands there once), each of
 * which ends. A grace period therefore waits for the sections in progress
 * at its seal (three moves of E, each after the sections of one parity
 * ended), and never for a moment with none inside. Shutdown's last wait uses the
 * same rule (cadre__outside_mark / _passed): the sections in progress
 * after closing was set and the workers joined, not zero.
 *
 * Why E + 3. A section that loads a pointer to actor X before X's slot
 * clear is visible to it has its fence before the sealer's fence (in the
 * seq_cst order S), so its increment I comes before the seal's load of E,
 * which reads e. The moves e + 1 -> e + 2 and e + 2 -> e + 3 each begin by
 * loading E == e + 1 or e + 2, written after that load: their scans come
 * after the seal in S, so after I, and between them they scan both
 * parities. Whichever the section counted in, one of them sees it (or its
 * release decrement: it has left, and the free happens after its uses).
 * So E cannot reach e + 3 while it is inside. E + 2 is not enough: the
 * scan of the move e -> e + 1 may come before the seal (another checker,
 * which also read e), and miss a thread that had read E == e - 1 long
 * ago and counts in that parity only now, just before the seal; it is
 * then in neither of the parities the moves to e + 2 scan after the seal.
 * A section whose increment comes after the seal's fence sees X's slot
 * cleared, whatever epoch it read.
 *
 * Orderings (each names its pair):
 *   E, load in enter: seq_cst (pairs with the CAS that advances E and the
 *     seal's load, in the seq_cst order the argument above uses).
 *   n[p] += 1 in enter: seq_cst RMW, then a seq_cst fence: the fence pairs
 *     with the sealer's fence (Dekker: the section sees the slot clears, or
 *     the seal's E and the later scans see the increment).
 *   n[p] -= 1 in leave: acq_rel RMW; its release pairs with the scan's
 *     acquire (seq_cst) load that reads zero: the section's uses of actor
 *     memory happen before the free. RMWs only, so a later value read is
 *     in its release sequence.
 *   scan loads of n[]: seq_cst (acquire for the leave's release; seq_cst
 *     for the argument above).
 *   CAS E -> E + 1: seq_cst (pairs with the loads of E).
 *   seal / mark: a seq_cst fence, then a seq_cst load of E (pairs with the
 *     enter's fence, and with the CAS).
 * Cost for an outside send: the enter's epoch load (a line written only
 * when E advances), one locked add on the thread's own stripe, the fence,
 * and the leave's locked add: what the single counter cost, without its
 * shared line.
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
	/* Plain stores: the system is not shared yet. */
	q->epoch = 0;
	memset(q->stripe, 0, sizeof q->stripe);
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

/* ---- outside sections ---------------------------------------------------- */
/* Each thread's outside state (any system): its stripe, and its sections'
 * parities, a stack of bits. initial-exec: a %fs-relative access, as for
 * system/'s thread-locals. */
struct outside_tls {
	uint64_t par;     /* bit i: the parity of the section at depth i + 1 */
	uint32_t depth;   /* sections this thread is inside, all systems */
	uint32_t stripe1; /* its stripe + 1; 0 until its first section */
};
static __attribute__((tls_model("initial-exec"))) _Thread_local struct outside_tls outside_tls;

/* Process-wide: the next thread's stripe (round robin, so that up to 32
 * threads have a line each). */
static uint32_t next_stripe;

#define PAR_BOTH 2u /* deeper than 64 nested sections: counted in both */

static struct cadre__stripe *
my_stripe(struct cadre__qsbr *q, struct outside_tls *t)
{
	if (__builtin_expect(t->stripe1 == 0, 0)) {
		/* An id source: only spreading matters (acq_rel is more than
		 * needed). */
		uint32_t i = cadre__faa_acqrel_u32(&next_stripe, 1);
		t->stripe1 = i % CADRE__OUTSIDE_STRIPES + 1;
	}
	return &q->stripe[t->stripe1 - 1];
}

void
cadre__outside_enter(struct cadre__qsbr *q)
{
	struct outside_tls *t = &outside_tls;
	struct cadre__stripe *s = my_stripe(q, t);
	/* seq_cst: pairs with the CAS that advances the epoch (Design notes). */
	unsigned p = (unsigned)cadre__load_sc_u64(&q->epoch) & 1u;
	if (t->depth < 64) {
		t->par = t->par << 1 | p;
		cadre__faa_sc_u64(&s->n[p], 1); /* seq_cst: counted before the fence */
	} else {
		cadre__faa_sc_u64(&s->n[0], 1); /* seq_cst: as above */
		cadre__faa_sc_u64(&s->n[1], 1); /* seq_cst: as above */
	}
	t->depth++;
	/* seq_cst fence: pairs with the sealer's fence after clearing slots:
	 * either our loads see the clears, or the seal and later scans see us. */
	cadre__fence_sc();
}

void
cadre__outside_leave(struct cadre__qsbr *q)
{
	struct outside_tls *t = &outside_tls;
	struct cadre__stripe *s = my_stripe(q, t);
	unsigned p = PAR_BOTH;
	if (--t->depth < 64) {
		p = (unsigned)t->par & 1u;
		t->par >>= 1;
	}
	/* acq_rel: our uses of actor memory happen before a scan that reads
	 * zero (its acquire); pairs with outside_passed's loads. */
	if (p != PAR_BOTH) {
		cadre__faa_acqrel_u64(&s->n[p], (uint64_t)-1);
	} else {
		cadre__faa_acqrel_u64(&s->n[0], (uint64_t)-1); /* as above */
		cadre__faa_acqrel_u64(&s->n[1], (uint64_t)-1); /* as above */
	}
}

uint64_t
cadre__outside_mark(struct cadre__qsbr *q)
{
	/* seq_cst fence: what we did before (clearing slots, closing) comes
	 * before the epoch we read; pairs with the enter's fence. */
	cadre__fence_sc();
	return cadre__load_sc_u64(&q->epoch) + 3; /* seq_cst: pairs with the CAS */
}

bool
cadre__outside_passed(struct cadre__qsbr *q, uint64_t mark)
{
	for (;;) {
		uint64_t e = cadre__load_sc_u64(&q->epoch); /* seq_cst: pairs with the CAS */
		if (e >= mark)
			return true;
		unsigned old = (unsigned)(e + 1) & 1u; /* the parity of e - 1 */
		for (unsigned i = 0; i < CADRE__OUTSIDE_STRIPES; i++) {
			/* seq_cst (so acquire): pairs with leave's release. */
			if (cadre__load_sc_u64(&q->stripe[i].n[old]) != 0)
				return false;
		}
		/* seq_cst CAS: pairs with the loads of the epoch; a failure means
		 * another checker advanced it: look again. */
		(void)cadre__cas_sc_u64(&q->epoch, e, e + 1);
	}
}

/* ---- grace periods -------------------------------------------------------- */
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
	return cadre__outside_passed(q, l->outside_at);
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
		 * snapshot and the epoch (pairs with cadre__qsbr_announce / online
		 * and with cadre__outside_enter's fence). */
		cadre__fence_sc();
		/* Acquire: pairs with announce / offline's release. */
		for (unsigned j = 0; j < q->n; j++)
			l->snap[j] = cadre__load_acq_u64(qs_word(q, j));
		/* seq_cst, after the fence: the outside epoch to wait for
		 * (Design notes); pairs with the CAS that advances it. */
		l->outside_at = cadre__load_sc_u64(&q->epoch) + 3;
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

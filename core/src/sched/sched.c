/* Cadre: the dispatcher. Per-core workers, run queues, stealing, parking
 * and the blocking pool.
 *
 * Design notes.
 *
 * Run queues. Each worker owns
 *   - run_next: one slot, owner only. An actor woken by a send made on this
 *     worker runs next (locality: its message is hot in this cache). A
 *     streak limit stops two actors ping-ponging on run_next from starving
 *     the queue.
 *   - runq: a bounded ring of 1024 actor pointers. The owner puts at the tail
 *     (release store of runq_tail); the owner and thieves take from the head
 *     by CAS on runq_head (the shape of Go's per-P run queue). A thief takes
 *     half of the victim's queue in one CAS. Slots are read and written with
 *     relaxed atomics; the tail's release / acquire publishes them, and the
 *     head's acq_rel CAS tells the owner a slot is free to reuse. Each slot
 *     has a stamp: when it was queued (the owner's clock, read every 16th
 *     run from the queues, so a little old at worst).
 *   - inject: an MPSC queue (the mailbox algorithm, linking actors through
 *     their rq_node) for actors scheduled by threads that are not this
 *     worker, and for runq overflow. Only the owner takes from it; it moves
 *     them to the runq, where they can be stolen.
 * After a run, an actor that still has mail goes to the back of the runq.
 *
 * Stealing: locality first. A thief takes from a victim only when the
 * victim will not run its queue soon: its oldest queued actor has waited
 * steal_after_us (default 100 us), or the queue is half full. Until then
 * the owner runs its actors in the cache where their mail was written: a
 * stolen actor reads every message it is sent from then on across cores,
 * and an actor woken by a send is scheduled on the sender's worker again, so
 * stealing actors that talk to the owner's actors only moves cache lines
 * back and forth (docs/performance.md: fjthrput on 2 cores ran at 12-13 M
 * msg/s with eager stealing and 22-25 with this rule). Work that does not
 * fit one core still spreads: a backlog older than steal_after_us, or a
 * half-full queue.
 *
 * Parking (no lost wake-ups). A worker that finds nothing, after a bounded
 * search (spin_rounds rounds of stealing), parks on its own futex word
 * wake_seq:
 *     seq = load(wake_seq); set my bit in idle_mask (seq_cst);
 *     re-check my inject queue (seq_cst load) and every runq;
 *     if work: clear my bit and go back; else futex_wait(wake_seq, seq).
 * A thread that schedules onto another worker's inject queue does
 *     push (seq_cst exchange); if that worker's bit is set (seq_cst load),
 *     clear it (seq_cst RMW) and, if it was set, bump wake_seq and futex_wake.
 * Dekker again: either the parker's re-check sees the push, or the pusher's
 * load sees the bit. A wake between the parker's load of seq and its
 * futex_wait changes wake_seq, so futex_wait returns at once. Only one
 * clearer of a bit wakes; waking is one FUTEX_WAKE of one thread, no herd.
 * External threads prefer an idle worker (claim its bit first).
 *
 * Waking for help (not needed for correctness: an owner runs its own queue
 * anyway, but a run can be long). An owner starting a run from its queue
 * wakes one idle worker if none is searching and its queue is worth
 * stealing. An idle worker parks with a timeout of steal_after_us while
 * any other runq holds actors (it then looks again), with 1 ms while its
 * limbo holds dead actors, and with no timeout only when nothing is queued
 * anywhere, after announcing that in sleep_mask:
 *     set my bit in sleep_mask (seq_cst RMW); seq_cst fence;
 *     re-read every runq; if one holds actors, nap instead.
 * An owner that queues an actor into its empty runq does
 *     store runq_tail (release); seq_cst fence; if sleep_mask != 0: wake one.
 * The fences make it Dekker: the sleeper sees the queued actor or the owner
 * sees the sleeper. So an idle system sleeps (no CPU), and an actor queued
 * behind a run that never ends is stolen within about steal_after_us.
 *
 * Dormant workers (govern.c has the rules). Only workers 0 .. active-1
 * take work: claim_idle and the outside threads' spread skip the others
 * (active_mask), a dormant worker hands what is queued on it over
 * (hand_over) and steals only actors held up for STUCK_FACTOR x
 * steal_after_us, and local_push, when no active worker was idle to wake,
 * wakes a dormant sleeper instead (wake_dormant) so that such an actor is
 * still taken. The Dekker pairs above do not read `active`.
 *
 * The blocking pool. Actors spawned with CADRE_SPAWN_BLOCKING run on
 * extra threads (workers[nworkers .. nall)) that only take from their own
 * queues, never steal and are never stolen from; a blocking callback stalls
 * only its pool thread. The pool shares one MPMC queue (Vyukov's bounded
 * ring, with an unbounded overflow list behind it: bpool.c), so any free
 * pool thread takes the next runnable blocking actor, and scheduling one
 * never waits; the wake-up is the same Dekker pattern on a `parked`
 * count. A pool thread that runs a per-core actor's wake-up hands it to
 * the workers as an outside thread would. Pool threads take part in QSBR like workers, so a
 * callback blocked for long delays the freeing of dead actors (memory
 * only), not anything else.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cadre__sched.h"

#define RQ_MASK (CADRE__RUNQ_SIZE - 1u)
#define RUN_NEXT_STREAK 64u
#define INJECT_EVERY 61u
#define NAP_NS 1000000L
#define STUCK_FACTOR 10u

/* ---- runq ---------------------------------------------------------------- */
/* Returns 0 (full), 1 (queued), or 2 (queued into an empty runq). */
static int
runq_put(struct cadre__worker *w, struct cadre__actor *a)
{
	uint32_t t = w->runq_tail; /* owner: only we write it */
	/* Acquire: pairs with the consumers' acq_rel CAS on runq_head, so the
	 * slot they took was read before we overwrite it. */
	uint32_t h = cadre__load_acq_u32(&w->runq_head);
	if (t - h >= CADRE__RUNQ_SIZE)
		return 0;
	cadre__store_rlx_ptr((void **)&w->runq[t & RQ_MASK], a);   /* published below */
	cadre__store_rlx_u64(&w->runq_stamp[t & RQ_MASK], w->now); /* as the slot */
	/* Release: the slot before the tail; pairs with the acquire loads of
	 * runq_tail in runq_get and steal. */
	cadre__store_rel_u32(&w->runq_tail, t + 1);
	return t == h ? 2 : 1;
}

static struct cadre__actor *
runq_get(struct cadre__worker *w)
{
	for (;;) {
		uint32_t h = cadre__load_acq_u32(&w->runq_head); /* pairs with CASes */
		uint32_t t = w->runq_tail;
		if (t == h)
			return NULL;
		/* Relaxed: the slot was published by the tail's release (acquired
		 * above via runq_head's pair); the CAS below decides if it is ours. */
		struct cadre__actor *a = cadre__load_rlx_ptr((void **)&w->runq[h & RQ_MASK]);
		/* acq_rel: claims the slot against thieves; release tells the
		 * owner's runq_put the slot was read. */
		if (cadre__cas_acqrel_u32(&w->runq_head, h, h + 1))
			return a;
	}
}

static uint32_t
runq_len(struct cadre__worker *w)
{
	/* Acquire loads: a snapshot for stealing and parking decisions. */
	uint32_t h = cadre__load_acq_u32(&w->runq_head);
	uint32_t t = cadre__load_acq_u32(&w->runq_tail);
	return t - h;
}

/* Locality first: a queued actor moves to another worker only when its
 * owner will not run it soon: its oldest queued actor has waited
 * steal_age, or the queue is long (half full). Until then the owner runs it
 * in the cache where its mail was written; moving it makes every later
 * send to it a cross-core miss. n actors queued, the oldest stamped at
 * `stamp`. */
static bool
worth_stealing(const struct cadre__worker *thief, uint32_t n, uint64_t stamp, uint64_t now)
{
	/* A dormant thief (sched/govern.c) takes only actors held up for
	 * STUCK_FACTOR times as long: parallelism clearly lost. */
	if (thief->dormant)
		return n != 0 && now >= stamp &&
		       now - stamp >= thief->sys->steal_age * STUCK_FACTOR;
	if (thief->rebalancing) /* made active again: a share at once (govern.c) */
		return n >= 2;
	if (n >= CADRE__RUNQ_SIZE / 2)
		return true;
	return n != 0 && now >= stamp && now - stamp >= thief->sys->steal_age;
}

/* A snapshot of worth_stealing for w's runq, by thief (for waking and
 * parking). */
static bool
runq_worth_stealing(struct cadre__worker *w, const struct cadre__worker *thief, uint64_t now)
{
	uint32_t h = cadre__load_acq_u32(&w->runq_head); /* pairs with CASes */
	/* Acquire: pairs with the owner's release of the tail (slot, stamp). */
	uint32_t n = cadre__load_acq_u32(&w->runq_tail) - h;
	if (n == 0 || n > CADRE__RUNQ_SIZE)
		return false; /* empty, or a torn snapshot */
	/* Relaxed: published with its slot; a stale stamp only skews a hint. */
	uint64_t stamp = cadre__load_rlx_u64(&w->runq_stamp[h & RQ_MASK]);
	return worth_stealing(thief, n, stamp, now);
}

/* Moves half of victim's runq to thief's (empty) runq, if worth_stealing;
 * returns one to run. */
static struct cadre__actor *
runq_steal(struct cadre__worker *thief, struct cadre__worker *victim)
{
	for (;;) {
		uint32_t h = cadre__load_acq_u32(&victim->runq_head); /* pairs with CASes */
		/* Acquire: pairs with the victim's release store of the tail, so
		 * the slots below it are visible. */
		uint32_t t = cadre__load_acq_u32(&victim->runq_tail);
		uint32_t n = t - h;
		if (n == 0)
			return NULL;
		if (n > CADRE__RUNQ_SIZE)
			continue; /* torn snapshot: head moved under us */
		/* Relaxed: the stamp was published with its slot (tail's release,
		 * acquired above); a stale one only skews this heuristic. */
		uint64_t stamp = cadre__load_rlx_u64(&victim->runq_stamp[h & RQ_MASK]);
		if (!worth_stealing(thief, n, stamp, thief->now))
			return NULL;
		n = n - n / 2;
		uint32_t tt = thief->runq_tail;
		/* Relaxed slot copies: the victim's slots were published by its
		 * tail's release (acquired above); ours are published by our tail's
		 * release below. A stale copy is thrown away when the CAS fails. */
		for (uint32_t i = 0; i < n; i++) {
			void *a = cadre__load_rlx_ptr((void **)&victim->runq[(h + i) & RQ_MASK]);
			uint64_t st = cadre__load_rlx_u64(&victim->runq_stamp[(h + i) & RQ_MASK]);
			cadre__store_rlx_ptr((void **)&thief->runq[(tt + i) & RQ_MASK], a);
			cadre__store_rlx_u64(&thief->runq_stamp[(tt + i) & RQ_MASK], st);
		}
		/* acq_rel: claims the copied slots; if the victim or another thief
		 * moved the head, what we copied may be stale: retry. */
		if (!cadre__cas_acqrel_u32(&victim->runq_head, h, h + n))
			continue;
		struct cadre__actor *run = thief->runq[(tt + n - 1) & RQ_MASK];
		if (n > 1)
			cadre__store_rel_u32(&thief->runq_tail, tt + n - 1); /* as in runq_put */
		cadre__count(&thief->st.steals, 1);
		CADRE__TRACE_AT(thief->sys, &thief->trace, CADRE__TEV_STEAL, victim->index, n);
		return run;
	}
}

/* ---- inject --------------------------------------------------------------- */
static void
inject_push(struct cadre__worker *w, struct cadre__actor *a)
{
	/* The mailbox link: a seq_cst exchange (the Dekker half of a waker). */
	cadre__mb_link(&w->inject, &a->rq_node, &a->rq_node);
}

static struct cadre__actor *
inject_pop(struct cadre__worker *w)
{
	cadre_mb_node *n = cadre__mb_pop_normal(&w->inject);
	return n == NULL ? NULL : cadre__actor_of_rq(n);
}

static bool
inject_nonempty(struct cadre__worker *w)
{
	if (w->inject.tail != &w->inject.stub)
		return true;
	/* seq_cst load: the parker's half of the Dekker pair with inject_push. */
	uintptr_t h = (uintptr_t)cadre__load_sc_ptr(&w->inject.head) & ~CADRE__MB_IDLE;
	return h != (uintptr_t)&w->inject.stub;
}

/* ---- waking -------------------------------------------------------------- */
static void
wake_worker(struct cadre__worker *w)
{
	cadre__futex_bump(&w->wake_seq, 1);
	/* The worker poller (io/wpoll.c): a worker may wait in epoll_wait
	 * rather than on wake_seq. seq_cst load after futex_bump's seq_cst add:
	 * Dekker with the poller's seq_cst exchange of io_polling and its
	 * seq_cst re-load of wake_seq. Either it sees our bump and does not
	 * wait, or we see it polling and kick its epoll_wait. */
	if (cadre__load_sc_u32(&w->io_polling))
		w->sys->io_kick(w->sys);
}

/* Claims one idle worker (clears its bit in idle_mask): its index, or -1
 * if none is idle. The claimer must wake it. */
/* The bits of the active workers (sched/govern.c) in idle_mask. Relaxed
 * load of `active`: a hint. */
static inline uint64_t
active_mask(struct cadre_system *sys)
{
	unsigned act = cadre__load_rlx_u32(&sys->active);
	return act >= 64 ? ~0ull : (1ull << act) - 1;
}

static int
claim_idle(struct cadre_system *sys)
{
	uint64_t mine = active_mask(sys); /* only active workers */
	/* seq_cst load: the waker's half of the Dekker pair with park's
	 * fetch-or of its bit. */
	uint64_t m = cadre__load_sc_u64(&sys->idle_mask);
	while ((m & mine) != 0) {
		unsigned b = (unsigned)__builtin_ctzll(m & mine);
		/* seq_cst CAS: exactly one waker clears a bit (pairs with park). */
		if (cadre__cas_sc_u64(&sys->idle_mask, m, m & ~(1ull << b)))
			return (int)b;
		m = cadre__load_sc_u64(&sys->idle_mask); /* seq_cst: as above */
	}
	return -1;
}

/* Claims one idle worker and wakes it. */
static bool
wake_one(struct cadre_system *sys)
{
	int b = claim_idle(sys);
	if (b < 0)
		return false;
	wake_worker(&sys->workers[b]);
	return true;
}

void
cadre__wake_all(struct cadre_system *sys)
{
	for (unsigned i = 0; i < sys->nworkers; i++)
		wake_worker(&sys->workers[i]);
	/* the blocking pool parks on one word: wake them all */
	cadre__futex_bump(&sys->bpool.wake, INT32_MAX);
}

static void
maybe_wake(struct cadre_system *sys)
{
	/* Relaxed: a heuristic for parallelism; correctness never needs it. */
	if (cadre__load_rlx_u64(&sys->idle_mask) != 0 && cadre__load_rlx_u32(&sys->spinning) == 0)
		wake_one(sys);
}

/* No active worker was idle: wake a dormant one (govern.c) that sleeps
 * without a timeout, so that it can take what a long run may hold up (it
 * naps while an active worker is busy). Claims its idle bit first, as
 * claim_idle does, so that one waker wakes it. */
static void
wake_dormant(struct cadre_system *sys, uint64_t sleepers)
{
	if ((sleepers &= ~active_mask(sys)) == 0)
		return;
	unsigned b = (unsigned)__builtin_ctzll(sleepers);
	/* seq_cst fetch-and: claims the bit as claim_idle's CAS does. */
	if ((cadre__fetch_and_sc_u64(&sys->idle_mask, ~(1ull << b)) & (1ull << b)) != 0)
		wake_worker(&sys->workers[b]);
}

/* Called by the owner at the start of a run (w->now fresh): if its oldest
 * queued actor has waited steal_age, an idle worker may take some. */
static void
help_wanted(struct cadre__worker *w)
{
	if (runq_worth_stealing(w, w, w->now))
		maybe_wake(w->sys);
}

/* Queues a on w's own runq. Idle workers keep an eye on queued actors by
 * napping (park): a worker parks without a timeout only when nothing was
 * queued anywhere, announcing it in sleep_mask first. The first actor
 * queued into an empty runq wakes such a sleeper, so that an owner stuck in
 * a long run cannot hide its queue: Dekker between our tail store, a
 * seq_cst fence and the load of sleep_mask here, and the sleeper's seq_cst
 * fetch-or of its bit and seq_cst fence before it re-reads every runq. */
static void
local_push(struct cadre__worker *w, struct cadre__actor *a)
{
	int r = runq_put(w, a);
	if (r == 0) {
		inject_push(w, a); /* overflow: we drain it ourselves */
		return;
	}
	if (r == 2) {
		cadre__fence_sc(); /* the tail store before the load below */
		uint64_t sleepers =
		        cadre__load_rlx_u64(&w->sys->sleep_mask); /* ordered by the fence */
		if (sleepers != 0 && !wake_one(w->sys))
			wake_dormant(w->sys, sleepers);
	}
}

/* Quiescence: one more actor made runnable, counted before it is queued,
 * so before any thread can run it and count its run settled (loop.c): the
 * queue's release/acquire hand-over orders the two. Release store (one
 * writer) or acq_rel add (outside threads): pairs with the acquire loads
 * of cadre__woken (system/). */
static void
count_woken(struct cadre_system *sys, struct cadre__worker *w)
{
	if (w != NULL)
		cadre__store_rel_u64(&w->woken, cadre__load_rlx_u64(&w->woken) + 1);
	else
		cadre__faa_acqrel_u64(&sys->outside_woken, 1);
}

/* The deterministic mode: one thread, one set of runnable actors, from
 * which runtime/sim.c draws the next to run (plain fields: one thread). */
static void
sim_push(struct cadre_system *sys, struct cadre__actor *a)
{
	a->rq_node.next = sys->sim->ready;
	sys->sim->ready = &a->rq_node;
	sys->sim->nready++;
}

void
cadre__schedule(struct cadre_system *sys, struct cadre__actor *a, int how)
{
	struct cadre__worker *w = cadre__my_worker(sys);
	if (how != CADRE__SCHED_UNMUTED)
		count_woken(sys, w); /* w: this thread, a worker or a pool thread */
	if (sys->sim != NULL) {
		if (how == CADRE__SCHED_SPAWNED)
			cadre__sim_note(sys, CADRE__SIM_SPAWN, cadre__sim_id(cadre__ref_of(sys, a)),
			                0);
		sim_push(sys, a);
		return;
	}
	if (a->blocking) {
		cadre__bpool_schedule(sys, a);
		return;
	}
	if (w != NULL && w->blocking)
		w = NULL; /* a pool thread hands per-core actors to the workers */
	if (w != NULL) {
		if (how == CADRE__SCHED_WOKEN && sys->run_next) {
			struct cadre__actor *old = w->run_next;
			w->run_next = a;
			if (old == NULL)
				return;
			a = old;
		}
		local_push(w, a); /* an idle worker helps once it has waited */
		return;
	}
	/* Not on a worker of this system: hand it to an idle worker if any. */
	int b = claim_idle(sys);
	if (b >= 0) {
		inject_push(&sys->workers[b], a);
		wake_worker(&sys->workers[b]);
		return;
	}
	/* acq_rel add (no pair: it orders nothing, it only spreads the load),
	 * over the active workers (relaxed: a hint; sched/govern.c). */
	unsigned act = cadre__load_rlx_u32(&sys->active);
	unsigned t = cadre__faa_acqrel_u32(&sys->inject_rr, 1) % act;
	struct cadre__worker *tw = &sys->workers[t];
	inject_push(tw, a);
	uint64_t bit = 1ull << t;
	/* seq_cst load after the push's exchange: Dekker with park; the
	 * seq_cst fetch-and claims the bit as claim_idle's CAS does. */
	if ((cadre__load_sc_u64(&sys->idle_mask) & bit) != 0 &&
	    (cadre__fetch_and_sc_u64(&sys->idle_mask, ~bit) & bit) != 0)
		wake_worker(tw);
}

/* ---- the worker loop ------------------------------------------------------ */
static struct cadre__actor *
find_work(struct cadre__worker *w)
{
	struct cadre__actor *a;
	if (++w->tick % INJECT_EVERY == 0 && (a = inject_pop(w)) != NULL)
		return a; /* fairness for actors scheduled from outside */
	if (w->run_next != NULL) {
		a = w->run_next;
		w->run_next = NULL;
		if (++w->run_next_streak < RUN_NEXT_STREAK)
			return a;
		local_push(w, a); /* let the queue have its turn */
	}
	w->run_next_streak = 0;
	/* The clock is read every 16th run from the queues (a read costs
	 * ~30 ns): stamps may be a few short runs old, which only makes
	 * actors stealable a little sooner; after long runs, that is right. */
	if ((++w->clock_runs & 15u) == 0) {
		w->now = cadre__now_ns();
		/* Relaxed: the epoch's end, a hint (govern.c decides by CAS). */
		if (w->now >= cadre__load_rlx_u64(&w->sys->gov_next))
			cadre__govern(w);
	}
	if ((a = runq_get(w)) != NULL) {
		help_wanted(w);
		return a;
	}
	if ((a = inject_pop(w)) != NULL) {
		/* Move more to the runq so that idle workers can steal them. */
		struct cadre__actor *more;
		for (int i = 0; i < 32 && (more = inject_pop(w)) != NULL; i++)
			local_push(w, more);
		return a;
	}
	return NULL;
}

static struct cadre__actor *
steal_any(struct cadre__worker *w)
{
	struct cadre_system *sys = w->sys;
	unsigned n = sys->nworkers;
	w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
	unsigned start = (unsigned)(w->rng >> 33) % n;
	for (unsigned k = 0; k < n; k++) {
		unsigned v = (start + k) % n;
		if (v == w->index)
			continue;
		struct cadre__actor *a = runq_steal(w, &sys->workers[v]);
		if (a != NULL)
			return a;
	}
	return NULL;
}

/* The bounded search before parking. */
static struct cadre__actor *
search(struct cadre__worker *w)
{
	struct cadre_system *sys = w->sys;
	struct cadre__actor *a = NULL;
	if (sys->nworkers == 1)
		return inject_pop(w);
	cadre__faa_acqrel_u32(&sys->spinning, 1); /* a hint counter */
	/* Relaxed load, then a seq_cst exchange (no pair: govern.c sets a hint;
	 * the exchange only makes it taken once). */
	if (cadre__load_rlx_u32(&w->rebalance) != 0)
		w->rebalancing = cadre__xchg_sc_u32(&w->rebalance, 0) != 0;
	for (unsigned r = 0; r < sys->spin_rounds; r++) {
		w->now = cadre__now_ns();
		if ((a = steal_any(w)) != NULL || (a = inject_pop(w)) != NULL)
			break;
		if (cadre__load_acq_u32(&sys->exiting)) /* pairs with should_exit's release */
			break;
		if (cadre__limbo_has(&w->limbo))
			cadre__reclaim_poll(w);
		if (r < sys->spin_rounds / 2)
			cadre__spin_pause();
		else
			sched_yield();
	}
	w->rebalancing = false;
	uint32_t before = cadre__faa_acqrel_u32(&sys->spinning, (uint32_t)-1); /* a hint counter */
	/* The last searcher found work: others may be needed too (Go's rule). */
	if (a != NULL && before == 1)
		help_wanted(w);
	return a;
}

/* Other workers' queued actors: 2 if one may be stolen now, 1 if some are
 * queued but still young (their owners run them soon), 0 if none. */
static int
others_have_work(struct cadre__worker *w)
{
	struct cadre_system *sys = w->sys;
	uint64_t now = cadre__now_ns();
	int found = 0;
	for (unsigned j = 0; j < sys->nworkers; j++) {
		if (j == w->index || runq_len(&sys->workers[j]) == 0)
			continue;
		if (runq_worth_stealing(&sys->workers[j], w, now))
			return 2;
		found = 1;
	}
	return found;
}

/* Whether some active worker (govern.c) is not parked. */
static bool
active_busy(struct cadre_system *sys)
{
	uint64_t mine = active_mask(sys);
	/* Relaxed: a hint for the nap's length only. */
	return (cadre__load_rlx_u64(&sys->idle_mask) & mine) != mine;
}

void
cadre__sched_park(struct cadre__worker *w)
{
	struct cadre_system *sys = w->sys;
	uint64_t bit = 1ull << w->index;
	/* Acquire: pairs with wake_worker's add. */
	uint32_t seq = cadre__load_acq_u32(&w->wake_seq);
	cadre__fetch_or_sc_u64(&sys->idle_mask, bit); /* seq_cst: Dekker with wakers */
	int others = others_have_work(w);
	/* exiting: acquire, pairs with should_exit's release; closing: seq_cst,
	 * pairs with shutdown's exchange. */
	if (inject_nonempty(w) || others == 2 || cadre__load_acq_u32(&sys->exiting) ||
	    cadre__load_sc_u32(&sys->closing)) {
		/* Go back and look. If a waker cleared the bit meanwhile, its
		 * wake is harmless: the next park reads a fresh seq. seq_cst
		 * fetch-and: as the set above. */
		cadre__fetch_and_sc_u64(&sys->idle_mask, ~bit);
		/* seq_cst load of closing: as above. */
		if (cadre__load_sc_u32(&sys->closing) && !inject_nonempty(w) &&
		    others_have_work(w) != 2)
			sched_yield(); /* shutting down, waiting for the last stops */
		return;
	}
	/* Nap instead of sleeping until woken while others have queued
	 * actors not yet worth stealing (their owners wake us when one is,
	 * but only between runs, and a run can be long), or while dead actors
	 * wait for their grace period (to free them). With nothing queued
	 * anywhere, sleep (no CPU), announced in sleep_mask: see local_push. */
	bool limbo = cadre__limbo_has(&w->limbo);
	long nap = others != 0 ? (long)sys->steal_age : limbo ? NAP_NS : 0;
	bool deep = false;
	if (w->dormant) /* govern.c: naps while an active worker is busy */
		nap = active_busy(sys) ? (long)(sys->steal_age * STUCK_FACTOR) : limbo ? NAP_NS : 0;
	if (nap == 0) {
		/* seq_cst RMW and fence: our half of local_push's Dekker pair. */
		cadre__fetch_or_sc_u64(&sys->sleep_mask, bit);
		cadre__fence_sc();
		if (others_have_work(w) != 0) /* one was queued meanwhile */
			nap = (long)(w->dormant ? sys->steal_age * STUCK_FACTOR : sys->steal_age);
		deep = true;
	}
	cadre__qsbr_offline(&w->sys->qsbr, w->index);
	cadre__count(&w->st.parks, 1);
	CADRE__TRACE_AT(sys, &w->trace, CADRE__TEV_PARK, 0, 0);
	/* The worker poller (io/wpoll.c) waits in epoll_wait instead, when it
	 * can; the wake-up argument is wake_worker's. */
	if (sys->io_park == NULL || !sys->io_park(w, seq, &nap))
		cadre__futex_wait(&w->wake_seq, seq, nap);
	if (deep)
		cadre__fetch_and_sc_u64(&sys->sleep_mask, ~bit); /* seq_cst: as the set */
	cadre__qsbr_online(&w->sys->qsbr, w->index);
	w->now = cadre__now_ns();
	/* seq_cst: clears our bit in the same order as the wakers' CAS. */
	bool woken = (cadre__fetch_and_sc_u64(&sys->idle_mask, ~bit) & bit) == 0;
	if (woken)
		cadre__count(&w->st.wakeups, 1); /* a waker cleared it: a real wake-up */
	CADRE__TRACE_AT(sys, &w->trace, CADRE__TEV_WAKE, 0, woken);
	if (sys->io_poll != NULL)
		sys->io_poll(w, false); /* what epoll_wait returned, if it waited there */
}

/* A dormant worker (govern.c) hands what is queued on it to an active
 * worker, whose inject queue takes it as from any other thread. */
static void
hand_over(struct cadre__worker *w, unsigned act)
{
	struct cadre_system *sys = w->sys;
	struct cadre__worker *to = &sys->workers[w->index % act];
	struct cadre__actor *a = w->run_next;
	bool any = false;
	w->run_next = NULL;
	while (a != NULL || (a = runq_get(w)) != NULL || (a = inject_pop(w)) != NULL) {
		inject_push(to, a);
		any = true;
		a = NULL;
	}
	uint64_t bit = 1ull << to->index;
	/* seq_cst load after the pushes' exchange: Dekker with park, as in
	 * cadre__schedule's outside path; the seq_cst fetch-and claims the bit. */
	if (any && (cadre__load_sc_u64(&sys->idle_mask) & bit) != 0 &&
	    (cadre__fetch_and_sc_u64(&sys->idle_mask, ~bit) & bit) != 0)
		wake_worker(to);
}

/* A dormant worker's next actor: none of its own (handed over), but one
 * held up on an active worker for STUCK_FACTOR x steal_age. */
static struct cadre__actor *
dormant_next(struct cadre__worker *w, unsigned act)
{
	hand_over(w, act);
	w->now = cadre__now_ns();
	for (unsigned v = 0; v < act; v++) {
		struct cadre__actor *a = runq_steal(w, &w->sys->workers[v]);
		if (a != NULL)
			return a;
	}
	return NULL;
}

/* Busy and idle time (cadre_stats.busy_ns, idle_ns), accounted at the
 * transitions between running actors and searching or parking, never per
 * run: the clock is read when a worker runs out of work (it then searches,
 * which reads it anyway), and on finding work again w->now serves (fresh
 * from the search's last round, or from the wake-up after a park). */
static void
phase_to(struct cadre__worker *w, bool idle, uint64_t now)
{
	uint64_t ph = cadre__load_rlx_u64(&w->phase); /* own word */
	uint64_t since = ph >> 1;
	uint64_t *acc = (ph & 1u) ? &w->st.idle_ns : &w->st.busy_ns;
	cadre__count(acc, now > since ? now - since : 0);
	/* Release: the counter above before the new phase; pairs with the
	 * acquire load in cadre_system_stats. */
	cadre__store_rel_u64(&w->phase, now << 1 | (idle ? 1u : 0u));
}

static inline struct cadre__actor *
phase_found(struct cadre__worker *w, struct cadre__actor *a)
{
	/* Own word: a relaxed load; a change only when the phase changes. */
	bool idle = (cadre__load_rlx_u64(&w->phase) & 1u) != 0;
	if (a != NULL && idle)
		phase_to(w, false, w->now);
	else if (a == NULL && !idle)
		phase_to(w, true, w->now = cadre__now_ns());
	return a;
}

struct cadre__actor *
cadre__sched_next(struct cadre__worker *w)
{
	/* Relaxed: a hint (govern.c's Design notes). */
	unsigned act = cadre__load_rlx_u32(&w->sys->active);
	if ((w->dormant = w->index >= act))
		return phase_found(w, dormant_next(w, act));
	struct cadre__actor *a = find_work(w);
	/* The worker poller (io/wpoll.c): I/O is polled between runs, when
	 * this worker has nothing, and every 64th time it looks. */
	if (w->sys->io_poll != NULL && (a == NULL || (w->tick & 63u) == 0)) {
		w->sys->io_poll(w, true);
		if (a == NULL)
			a = find_work(w);
	}
	if (a != NULL)
		return phase_found(w, a);
	phase_found(w, NULL); /* out of work: idle from now */
	return phase_found(w, search(w));
}

void
cadre__sched_requeue(struct cadre__worker *w, struct cadre__actor *a)
{
	if (w->sys->sim != NULL)
		sim_push(w->sys, a);
	else if (w->blocking)
		cadre__bpool_schedule(w->sys, a);
	else
		local_push(w, a);
}

void
cadre__sched_kick(struct cadre__worker *w)
{
	wake_worker(w);
}

void
cadre__sched_init(struct cadre__worker *w)
{
	/* Idle from the start; no thread runs yet (plain-ordered relaxed).
	 * The worker's clock starts with the phase: a first look that finds
	 * work counts busy time from w->now (phase_found), never from 0. */
	w->now = cadre__now_ns();
	cadre__store_rlx_u64(&w->phase, w->now << 1 | 1u);
	w->rng = 0x9E3779B97F4A7C15ull * (w->index + 1);
	cadre__mb_init(&w->inject, 0);
}

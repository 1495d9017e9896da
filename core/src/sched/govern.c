/* Cadre: the parallelism governor. How many per-core workers take work.
 *
 * Design notes.
 *
 * Spreading actors over workers buys parallelism and costs communication:
 * an actor on another worker reads every message across cores, and the
 * actors of a chatty workload (a bank whose accounts pay each other, an
 * arbitrator and its philosophers) migrate back and forth with their
 * wake-ups. Some workloads gain nothing from a second core and pay that
 * cost on every message: bank ran at 0.70x and philosophers at 0.84x of
 * one worker with two (docs/performance.md, "Two workers and one"). No
 * static rule tells them from the ones that gain (trapezoid 2.0x), so the
 * governor measures, as .NET's thread pool does with its hill climbing:
 *
 *   - Time is cut into epochs of 1 ms. At the end of an epoch one worker
 *     (the one whose CAS on gov_next wins) reads the messages handled by
 *     all workers and gets the epoch's rate.
 *   - `active` workers take work (workers 0 .. active-1); the others are
 *     dormant (below). Most epochs run at the chosen count k. Every
 *     `every` epochs the governor probes k-1 or k+1: one epoch to settle
 *     (actors move, caches warm), then two measured epochs. If both beat
 *     k's smoothed rate by more than 1/16, the probe becomes k; else it
 *     goes back to k (one more epoch to settle) and `every` doubles, up to
 *     256 epochs, so a governor that keeps losing costs well under 1%.
 *   - Fewer workers are probed only while runs are short (at least 50 runs
 *     per worker per epoch, 20 us each at most): long runs are CPU-bound
 *     work, which communication cannot slow much and parallelism helps.
 *   - An epoch in which no message was handled (skynet's first epochs
 *     only spawn) is not a rate: it is neither folded in nor counted.
 *     Folded in, it made k's rate 0, and the first probe of fewer workers
 *     won against it whatever it measured: a cold skynet on two workers
 *     spent its first epochs on one, at a third of the rate (a trace;
 *     docs/performance.md, "Cold and warm", has what it is worth).
 *   - An epoch after a gap (nobody reached a run boundary for 4 epochs:
 *     the system was idle, or every worker was in one long run) says
 *     nothing about the rates and is not used; and the governor starts
 *     again from every worker, since the work that comes after a pause
 *     may be of another kind.
 *
 * Work gathers on fewer workers at once (the dormant ones hand theirs
 * over) but spreads again slowly: stealing waits until a queued actor has
 * waited steal_after_us or a queue is half full, and actors that talk stay
 * together. So a worker made active again takes half of the longest queue
 * at its next search without waiting (`rebalance`); without that, two
 * workers measured after a probe of one ran at one worker's rate for ten
 * epochs and more, and the governor kept choosing one worker for logmap,
 * big and skynet, which two workers run 1.4 to 1.6 times faster.
 *
 * A dormant worker (index >= active) runs nothing of its own: whatever is
 * queued on it (run_next, run queue, inject queue) it hands to an active
 * worker's inject queue, and then parks. Wakers skip it: claim_idle only
 * claims active workers' bits, outside threads spread over active workers
 * only. It still helps where parallelism is clearly lost: an actor queued
 * on an active worker for 10 x steal_after_us (a long run holds it up) is
 * stolen and run by the dormant worker, which hands back what that run
 * woke. Its park naps for that long while an active worker is busy, and
 * sleeps, in sleep_mask, when all of them are parked, so an idle system
 * still uses no CPU; the first actor then queued into an empty run queue
 * wakes it if no active worker was asleep (sched.c's local_push).
 *
 * Memory order: `active` is a hint read relaxed. A worker that reads a
 * stale value hands work over once more or not at all; it never strands
 * an actor: a dormant worker's queues are drained by the dormant worker
 * itself, which wakers of its inject queue still wake (the Dekker pairs of
 * sched.c do not look at `active`). The governor's own state is touched by
 * one worker at a time: the winner swaps gov_next to GOV_BUSY (acquire)
 * and stores the next epoch's end (release) when done, so the next winner
 * sees what the last one wrote.
 */
#include <string.h>

#include "cadre__sched.h"

#define GOV_EPOCH_NS 1000000u
#define GOV_BUSY UINT64_MAX
#define GOV_EVERY_MIN 4u
#define GOV_EVERY_MAX 256u
#define GOV_SHORT_RUNS 50u /* runs per worker per epoch: "short runs" */

void
cadre__gov_init(struct cadre_system *sys, bool on)
{
	struct cadre__gov *g = &sys->gov;
	sys->active = sys->nworkers;
	cadre__gov_reset(g, sys->nworkers);
	g->last_ns = cadre__now_ns();
	/* No governor with one worker, or when configured off: the epoch never
	 * ends. Plain stores: before the threads start. */
	sys->gov_next = (on && sys->nworkers > 1) ? g->last_ns + GOV_EPOCH_NS : GOV_BUSY;
}

static void
set_active(struct cadre_system *sys, unsigned n)
{
	/* Relaxed load and store: `active` is a hint (the Design notes); only
	 * the epoch's holder writes it. */
	unsigned old = cadre__load_rlx_u32(&sys->active);
	cadre__store_rlx_u32(&sys->active, n);
	/* Workers that become active may be asleep with nothing queued on
	 * them: wake them so that they look (a spurious wake-up is harmless). */
	for (unsigned i = old; i < n; i++) {
		/* Relaxed: a hint to steal at once, read after the kick's
		 * wake-up (or at the worker's next search). */
		cadre__store_rlx_u32(&sys->workers[i].rebalance, 1);
		cadre__sched_kick(&sys->workers[i]);
	}
}

/* The next count to probe from k, or 0 if none. */
static unsigned
probe_of(struct cadre__gov *g, unsigned n, bool short_runs)
{
	bool down = g->k > 1 && short_runs, up = g->k < n;
	if (down && up)
		g->up = !g->up;
	else
		g->up = up;
	return (down || up) ? (g->up ? g->k + 1 : g->k - 1) : 0;
}

/* From k, probe (settle, then measure). */
static unsigned
start_probe(struct cadre__gov *g, unsigned n, bool short_runs)
{
	g->epochs = 0;
	if ((g->probe = probe_of(g, n, short_runs)) == 0)
		return g->k;
	g->wins = 0;
	g->won = 0;
	g->phase = CADRE__GOV_SETTLE;
	return g->probe;
}

/* A measured epoch of the probe: two wins make it the count. */
static unsigned
judge(struct cadre__gov *g, double r)
{
	if (r * 16 > g->rate * 17) {
		g->won += r;
		if (++g->wins < 2)
			return g->probe;
		g->k = g->probe;
		g->rate = g->won / 2;
		g->every = GOV_EVERY_MIN;
		g->phase = CADRE__GOV_STEADY;
		g->switches++;
		return g->k;
	}
	g->every = g->every * 2 < GOV_EVERY_MAX ? g->every * 2 : GOV_EVERY_MAX;
	g->phase = CADRE__GOV_BACK;
	return g->k;
}

unsigned
cadre__gov_step(struct cadre__gov *g, unsigned n, double r, bool short_runs)
{
	if (r < 0) {
		/* After a gap (idle, or long runs) start again with every worker:
		 * the work that comes may be another kind. */
		if (g->k != n)
			cadre__gov_reset(g, n);
		return g->phase == CADRE__GOV_STEADY ? g->k : g->probe;
	}
	switch (g->phase) {
	case CADRE__GOV_STEADY:
		if (r == 0) /* nothing handled (a spawn phase): no rate to compare */
			return g->k;
		g->rate = g->rate == 0 ? r : g->rate * 0.75 + r * 0.25;
		if (++g->epochs < g->every)
			return g->k;
		return start_probe(g, n, short_runs);
	case CADRE__GOV_SETTLE:
		g->phase = CADRE__GOV_MEASURE;
		return g->probe;
	case CADRE__GOV_MEASURE:
		return judge(g, r);
	default: /* CADRE__GOV_BACK: the epoch after going back settles */
		g->phase = CADRE__GOV_STEADY;
		return g->k;
	}
}

void
cadre__gov_reset(struct cadre__gov *g, unsigned n)
{
	unsigned switches = g->switches;
	memset(g, 0, sizeof *g);
	g->k = n;
	g->every = GOV_EVERY_MIN;
	g->phase = CADRE__GOV_STEADY;
	g->switches = switches;
}

void
cadre__govern(struct cadre__worker *w)
{
	struct cadre_system *sys = w->sys;
	/* Relaxed: a first look; the CAS below decides. */
	uint64_t end = cadre__load_rlx_u64(&sys->gov_next);
	/* acq_rel (the acquire matters): pairs with the release store below
	 * by the last winner, so its writes to sys->gov are visible; only one
	 * worker wins. */
	if (w->now < end || !cadre__cas_acqrel_u64(&sys->gov_next, end, GOV_BUSY))
		return;
	struct cadre__gov *g = &sys->gov;
	uint64_t now = cadre__now_ns(), msgs = 0, runs = 0;
	for (unsigned i = 0; i < sys->nworkers; i++) {
		/* Relaxed: counters, each written by its owner only. */
		msgs += cadre__load_rlx_u64(&sys->workers[i].st.handled);
		runs += cadre__load_rlx_u64(&sys->workers[i].st.batches);
	}
	uint64_t dt = now - g->last_ns;
	double r = dt > 4u * GOV_EPOCH_NS ? -1 : (double)(msgs - g->last_msgs) * 1e6 / (double)dt;
	unsigned k = cadre__load_rlx_u32(&sys->active); /* relaxed: we are its only writer */
	bool short_runs = (runs - g->last_runs) * GOV_EPOCH_NS >= (uint64_t)GOV_SHORT_RUNS * k * dt;
	g->last_ns = now;
	g->last_msgs = msgs;
	g->last_runs = runs;
	unsigned want = cadre__gov_step(g, sys->nworkers, r, short_runs);
	if (want != k)
		set_active(sys, want);
	/* Release: pairs with the acquire CAS above (the next winner). */
	cadre__store_rel_u64(&sys->gov_next, now + GOV_EPOCH_NS);
}

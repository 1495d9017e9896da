/* cadre-bench: Cadre's actor workloads (docs/benchmarks.md).
 *
 * Output follows docs/benchmarks.md: one JSON object per workload on stdout,
 * progress and a summary table on stderr; exit status 1 if any check
 * fails, 3 if the watchdog had to end a run that hung.
 *
 * Workloads, written as plain actors through the public API (<cadre.h>):
 *   pingpong    two actors, N round trips, strictly sequential
 *   counting    a producer sends N increments to a counter, then asks for
 *               the total, which must be N
 *   threadring  R actors in a ring pass one token T hops
 *   fanin       P producers each send N messages to one sink
 *   fjthrput    one sender sends N messages to each of A actors round-robin;
 *               each folds them into a hash (a tiny computation)
 *   fanout      one sender sends N messages round-robin to R receivers, which
 *               count them; every receiver must get exactly its share
 *   skynet      a 10-ary tree of actors over L leaves (L = 10^6: 1,111,111
 *               actors); leaves reply their ordinal, parents sum and reply
 *   big         W actors each send M pings to random neighbours, which answer
 *               with a pong; the next ping goes out on the pong (Savina BIG)
 *   idle        spawn K actors, let the system sit idle: CPU time and memory
 *   wakeup      (only when named) a driver wakes R idle receivers with one
 *               message each, N rounds: the cost of one wake-up
 * and Savina's chameneos, bank, philosophers, barber, dictionary, logmap,
 * trapezoid and nqueens (savina_*.c). bench.h says which file holds what.
 *
 * Method. Every run creates a fresh system with --workers workers. The
 * clock starts just before the workload's first actor is spawned and stops
 * when the actor that completes the workload has posted a semaphore (actors
 * never block; the main thread waits). Then every actor must stop by itself
 * (cadre_system_await_stopped), the system is shut down (so that its counters
 * are final) and checked: each workload verifies its own result exactly, and
 * cadre_system_stats must show sent == handled + dead, no dead letters, and
 * exactly the handled messages and spawns the workload implies. --warmups
 * untimed runs (default one; 0: the process's first run is timed), then
 * --runs timed runs; secs is their median.
 *
 * msgs counts the workload's own messages delivered in the measured phase:
 * pingpong 2N; counting N + 2 (the increments, the request, the answer);
 * threadring T (hops); fanin P*N; fjthrput A*N + A (the answers to the
 * sender); fanout N + R (the answers to the sender); wakeup R*N (the
 * wakes); skynet spawns - 1 (one reply per non-root actor); big 2*W*M + 2*W
 * (pings, pongs, start and done messages). Actors that send many messages
 * send --slice of them (default 1000), then a "continue" message to
 * themselves, so that they do not hold a worker for long (as samples/fanin.c
 * does); these are not counted in msgs, but are in the check against
 * handled. (A run handles only the mail that was queued when it began, so
 * a continue sent to oneself waits for the sender's next run: the sender
 * goes to the back of its worker's run queue after every slice, behind the
 * receivers it woke. `--stats` shows it: fanout at 1,000 receivers makes
 * one actor run per message.)
 *
 * idle runs in a child process per run (core_population.c says why and
 * what it measures).
 *
 * A run that does not finish within --timeout seconds fails with the
 * system's counters on stderr; a watchdog ends the program if even the
 * shutdown that follows hangs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* The workloads, in the order they run. */
const struct workload workloads[WL_COUNT] = {
        [WL_PINGPONG] = {"pingpong", wl_pingpong},
        [WL_COUNTING] = {"counting", wl_counting},
        [WL_THREADRING] = {"threadring", wl_threadring},
        [WL_FANIN] = {"fanin", wl_fanin},
        [WL_FJTHRPUT] = {"fjthrput", wl_fjthrput},
        [WL_FANOUT] = {"fanout", wl_fanout},
        [WL_SKYNET] = {"skynet", wl_skynet},
        [WL_BIG] = {"big", wl_big},
        [WL_CHAMENEOS] = {"chameneos", wl_chameneos},
        [WL_BANK] = {"bank", wl_bank},
        [WL_PHILOSOPHERS] = {"philosophers", wl_philosophers},
        [WL_BARBER] = {"barber", wl_barber},
        [WL_DICTIONARY] = {"dictionary", wl_dictionary},
        [WL_LOGMAP] = {"logmap", wl_logmap},
        [WL_TRAPEZOID] = {"trapezoid", wl_trapezoid},
        [WL_NQUEENS] = {"nqueens", wl_nqueens},
        [WL_IDLE] = {"idle", wl_idle},
        [WL_CHAOS] = {"chaos", wl_chaos},
        [WL_WAKEUP] = {"wakeup", wl_wakeup},
};

static void
summary(const struct options *o, const struct result res[WL_COUNT])
{
	fprintf(stderr, "\ncadre-bench summary (workers %u, median of %" PRIu32 " runs)\n",
	        o->workers, o->runs);
	fprintf(stderr, "%-11s %12s %10s %12s  %s\n", "bench", "msgs", "secs", "Mmsg/s", "check");
	for (int w = 0; w < WL_COUNT; w++) {
		if (!res[w].ran)
			continue;
		fprintf(stderr, "%-11s %12" PRIu64 " %10.4f %12.3f  %s\n", workloads[w].name,
		        res[w].msgs, res[w].secs, res[w].mps / 1e6, res[w].ok ? "ok" : "FAILED");
	}
}

/* The workloads of --only (all if none), then --compare, --save and
 * --baseline; the exit status. */
static int
run_all(const struct options *o)
{
	struct result res[WL_COUNT];
	bool ok = true;

	memset(res, 0, sizeof res);
	for (int w = 0; w < WL_COUNT; w++) {
		if (o->only != 0 ? (o->only & (1u << w)) == 0 : w == WL_CHAOS || w == WL_WAKEUP)
			continue;
		res[w] = run_case((enum wl)w, o);
		ok = ok && res[w].ok;
	}
	summary(o, res);
	if (o->compare && !compare_peers(o))
		ok = false;
	if (o->save_path != NULL)
		save_lines(o->save_path);
	bool regressed = o->baseline_path != NULL && compare_baseline(o->baseline_path);
	return !ok ? 1 : regressed ? 3 : 0;
}

int
main(int argc, char **argv)
{
	struct options o;

	parse_options(argc, argv, &o);
	progress_init();
	watchdog_install();
	if (o.idle_child)
		return idle_child(&o);
	if (o.stress_secs > 0 || o.stress_msgs > 0) {
		int rc = run_stress(&o);
		if (o.save_path != NULL)
			save_lines(o.save_path);
		return rc;
	}
	return run_all(&o);
}

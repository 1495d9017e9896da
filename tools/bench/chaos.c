/* cadre-bench's chaos workload: the chaos soak (tools/common/chaos.c) as one
 * run, its messages the WORK messages accepted; it checks its own
 * accounting. Not in the default set: named with --only, or run by
 * --stress among the others. */
#include <inttypes.h>

#include "bench.h"
#include "bench_progress.h"
#include "chaos.h"

bool
wl_chaos(const struct options *o, struct sample *s)
{
	static uint64_t seed = 1; /* each run of an invocation its own seed */
	struct chaos_params p = {.seed = seed++,
	                         .workers = o->workers,
	                         .work = o->sz.chaos_n,
	                         .senders = 3,
	                         .spawners = 1,
	                         .crash_per_mille = 1};
	struct chaos_result r;
	bool ok = chaos_run(&p, &r) == 0;
	s->secs = r.secs;
	s->msgs = r.accepted;
	s->spawns = r.st.spawned;
	s->handled = r.st.handled;
	s->dead = r.st.dead_letters;
	if (!ok)
		note("%s: FAILED (seed %" PRIu64 "): %s", g_bench, p.seed, r.why);
	if (r.stalls != 0)
		note("%s: seed %" PRIu64 ": %" PRIu64 " stall(s) (see chaos.h)", g_bench, p.seed,
		     r.stalls);
	if (ok && !g_stress)
		note("%s: seed %" PRIu64 ": %" PRIu64 " accepted, %" PRIu64 " dead, %" PRIu64
		     " crashes, %" PRIu64 " restarts, %" PRIu64 " timers, %" PRIu64 " mutes",
		     g_bench, p.seed, r.accepted, r.dead, r.crashes, r.restarts, r.ticks_armed,
		     r.st.mutes);
	return ok;
}

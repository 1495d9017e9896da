/* The chaos soak, bounded (tools/common/chaos.c): crashes and restarts in
 * a three-level supervision tree, a slow receiver whose senders get muted,
 * timers into bounded mailboxes, outside threads sending by name while
 * others spawn and stop short-lived actors, and a shutdown under load, with
 * exact accounting at the end. Several seeds; a failure prints the seed to
 * replay (CADRE_SOAK_SEED=N runs that seed alone). Sizes:
 * CADRE_SOAK_WORK (WORK messages per seed), CADRE_STRESS_SCALE. Long soaks:
 * `cadre-bench --only chaos --stress-msgs N`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "chaos.h"
#include "check.h"

static void
soak(uint64_t seed, uint64_t work)
{
	struct chaos_params p = {.seed = seed,
	                         .workers = 2,
	                         .work = work,
	                         .senders = 3,
	                         .spawners = 1,
	                         .crash_per_mille = 1};
	struct chaos_result r;
	int rc = chaos_run(&p, &r);
	fprintf(stderr,
	        "seed %" PRIu64 ": %" PRIu64 " WORK made, %" PRIu64 " handled, %" PRIu64
	        " dead, %" PRIu64 " refused; %" PRIu64 " crashes, %" PRIu64 " restarts, %" PRIu64
	        " timers, %" PRIu64 " temps, %" PRIu64 " mutes, %" PRIu64 " stalls; %.2f s\n",
	        seed, r.accepted, r.handled, r.dead, r.refused, r.crashes, r.restarts,
	        r.ticks_armed, r.spawned_temp, r.st.mutes, r.stalls, r.secs);
	if (rc != 0) {
		fprintf(stderr,
		        "soak FAILED with seed %" PRIu64 " (replay: CADRE_SOAK_SEED=%" PRIu64
		        "): %s\n",
		        seed, seed, r.why);
		abort();
	}
	CHECK(r.accepted == r.handled + r.dead);
	CHECK(r.st.sent == r.st.handled + r.st.dead_letters);
}

int
main(void)
{
	uint64_t work = (uint64_t)test_size("CADRE_SOAK_WORK", 500000);
	const char *one = getenv("CADRE_SOAK_SEED");
	if (one != NULL) {
		soak(strtoull(one, NULL, 10), work);
		return 0;
	}
	for (uint64_t seed = 1; seed <= 4; seed++)
		soak(seed, work);
	return 0;
}

/* The chaos soak: one seeded scenario that mixes what breaks actor
 * runtimes, on the public API only, and ends with exact accounting. Run by
 * tests/actors/test_soak.c (bounded, in CI) and by `cadre-bench --only chaos
 * --stress-msgs N` (long soaks).
 *
 *   root (one_for_one)
 *   |-- sink   a slow receiver the workers forward to (backpressure: its
 *   |          senders get muted), crashing now and then
 *   `-- mid0 (one_for_one), mid1 (one_for_all), mid2 (rest_for_one)
 *       `-- 4 workers each, registered by name; mid0's have bounded
 *           mailboxes (capacity 32, FAIL: outside senders see EFULL)
 *
 * Workers crash on a seeded fraction of their WORK messages, arm timers to
 * themselves (into bounded mailboxes too), and forward WORK to the sink.
 * Outside threads send WORK to the workers by name while others spawn and
 * stop short-lived actors. At the end the system is shut down under load.
 * Checks: every accepted WORK message was handled or dead-lettered
 * (exactly), sent == handled + dead letters, every mute was undone, no
 * timer message appeared that was not armed, and crashes and restarts
 * happened.
 *
 * Stalls. Senders pace themselves (at most 4,000 messages not yet handled
 * or dead). A sender that sees no progress for 5 s reports the counters on
 * stderr, counts a stall and stops pacing, so the run still ends and its
 * accounting is still checked. A stall is a defect of the runtime: under
 * heavy CPU contention (load average 15-20 on 2 cores) a few runs showed
 * ~4,000 messages queued in live actors' mailboxes while both workers were
 * idle, with the library from before this soak existed too (2 of 5 runs);
 * on a quiet machine none in 24 runs of 30 s. Open: see docs/performance.md,
 * "Soak". The test and the long soak print the stall count. */
#ifndef CADRE_TOOLS_CHAOS_H
#define CADRE_TOOLS_CHAOS_H

#include <stdint.h>

#include <cadre.h>

struct chaos_params {
	uint64_t seed;
	unsigned workers;         /* cadre_config.workers (0: one per CPU) */
	uint64_t work;            /* WORK messages the outside senders get accepted */
	unsigned senders;         /* outside sender threads (>= 1) */
	unsigned spawners;        /* outside spawner threads */
	unsigned crash_per_mille; /* a worker fails on this many of 1000 WORK messages */
};

struct chaos_result {
	double secs;           /* from the first send to the end of the shutdown */
	uint64_t accepted;     /* WORK messages made: sends that returned 0 (queued), or
	                        * ENOACTOR / ECLOSED (made, then dead-lettered at once) */
	uint64_t handled;      /* WORK messages received */
	uint64_t dead;         /* WORK messages dead-lettered */
	uint64_t refused;      /* WORK sends refused (EFULL, ENOACTOR, no such name) */
	uint64_t crashes;      /* failures the workers and the sink chose */
	uint64_t restarts;     /* CHILD_RESTARTING events */
	uint64_t ticks_armed;  /* timers armed by workers */
	uint64_t ticks_seen;   /* their messages, handled or dead-lettered */
	uint64_t spawned_temp; /* short-lived actors spawned by outside threads */
	uint64_t stalls;       /* times a sender saw no progress for 5 s (see below) */
	cadre_stats st;        /* the system's counters after the shutdown */
	char why[256];         /* the first failed check */
};

/* Runs the scenario once on a fresh system; 0 if every check passed, else
 * -1 with r->why set. */
int chaos_run(const struct chaos_params *p, struct chaos_result *r);

#endif /* CADRE_TOOLS_CHAOS_H */

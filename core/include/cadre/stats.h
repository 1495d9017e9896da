/**
 * @file
 * Cadre: looking inside a running system: the live actors, one by one.
 *
 * The system-wide and per-worker counters are cadre_system_stats
 * (cadre/actor.h). This header walks the live actors without stopping the
 * system: each actor's state, mailbox length, behaviour and registered
 * name, and (with cadre_config.actor_stats) the messages it handled, its
 * runs and the time it ran. A walk is safe against actors that stop, and
 * are freed, while it runs: an actor stopped during the walk is either
 * reported (as it was) or not, never read after its memory is gone.
 *
 * The values are snapshots read with relaxed loads while the actors run:
 * each one is exact once the system is quiet, not a consistent cut.
 */
#ifndef CADRE_STATS_H
#define CADRE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>
#include <cadre/registry.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What an actor is doing, as a walk sees it. */
typedef enum cadre_actor_state {
	CADRE_ACTOR_IDLE = 0,     /**< waiting for mail */
	CADRE_ACTOR_RUNNABLE = 1, /**< has mail (or has not started): queued for a worker */
	CADRE_ACTOR_RUNNING = 2,  /**< a worker runs it now */
	CADRE_ACTOR_STOPPING = 3, /**< asked to stop, or stopped and not yet freed */
} cadre_actor_state;

/** Bytes of cadre_actor_info.behaviour (the name is cut short to fit). */
#define CADRE_BEHAVIOUR_NAME_MAX 64

/** One actor, as cadre_actor_stats and the walks report it. */
typedef struct cadre_actor_info {
	cadre_ref ref;           /**< the actor */
	cadre_actor_state state; /**< what it is doing */
	/** Its behaviour's name (cadre_behaviour.name), NUL-terminated, cut
	 *  short to CADRE_BEHAVIOUR_NAME_MAX - 1 bytes; "" when it has none. */
	char behaviour[CADRE_BEHAVIOUR_NAME_MAX];
	/** Its registered name (cadre/registry.h), NUL-terminated; "" when it
	 *  has none. */
	char name[CADRE_NAME_MAX + 1];
	/** Normal messages in its mailbox: queued, not yet taken by a run. A
	 *  bounded mailbox always knows it; an unbounded one only with
	 *  cadre_config.actor_stats (0 otherwise). */
	uint64_t mailbox;
	/** Messages given to its receive callback and handled (0 when
	 *  cadre_config.actor_stats is off, as for runs and run_ns). */
	uint64_t handled;
	uint64_t runs;   /**< times a worker ran it (0: actor_stats off) */
	uint64_t run_ns; /**< nanoseconds spent running it, sampled (one run in 32, every run
	                    of a blocking-pool actor); 0: actor_stats off */
	/** How many times its supervisor had restarted this child when it
	 *  spawned this actor (cadre_spawn_opts.restarts); 0 otherwise. */
	uint64_t restarts;
} cadre_actor_info;

/**
 * Called for each live actor by cadre_system_each_actor.
 *
 * It runs inside the walk, on the calling thread, while the system holds
 * no lock: it may send, spawn or stop actors, but must not block, nor call
 * cadre_system_shutdown, cadre_system_free or any function that waits
 * (their grace periods would wait for the walk). info is valid only during
 * the call.
 *
 * @return 0 to go on, non-zero to end the walk
 */
typedef int (*cadre_actor_info_fn)(void *ctx, const cadre_actor_info *info);

/**
 * Whether sys keeps per-actor counters (cadre_config.actor_stats, or an
 * observe_path): handled, runs and run_ns of cadre_actor_info. False for
 * NULL.
 *
 * @threads any thread, including callbacks
 * @blocks  no
 */
CADRE_API bool cadre_system_has_actor_stats(const cadre_system *sys);

/**
 * Calls fn for every live actor of sys, without stopping the system.
 *
 * Actors spawned or stopped during the walk may or may not be seen; every
 * actor alive for the whole walk is seen once. The walk reads the actor
 * table slot by slot: its cost grows with the highest slot ever used, not
 * only with the actors alive.
 *
 * @param sys the system
 * @param fn  called for each actor (see cadre_actor_info_fn)
 * @param ctx passed to fn
 * @threads any thread, including callbacks
 * @blocks  no (but takes time in proportion to the actors)
 * @return the number of actors given to fn (a count)
 * @retval CADRE_EINVAL sys or fn NULL
 * @retval CADRE_ENOMEM out of memory (the registered names are copied)
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_system_each_actor(cadre_system *sys, cadre_actor_info_fn fn, void *ctx);

/**
 * Writes the live actors of sys into buf, at most cap of them, without
 * stopping the system (a walk as cadre_system_each_actor's; when more
 * actors are alive, the first cap met are written).
 *
 * @param sys the system
 * @param buf room for cap entries; may be NULL when cap is 0
 * @param cap entries at buf
 * @threads any thread, including callbacks
 * @blocks  no (but takes time in proportion to the actors)
 * @return the number of entries written (a count, <= cap)
 * @retval CADRE_EINVAL sys NULL, buf NULL with cap > 0
 * @retval CADRE_ENOMEM out of memory (the registered names are copied)
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_system_actors(cadre_system *sys, cadre_actor_info *buf, size_t cap);

/**
 * Fills *out with one actor's state and counters.
 *
 * @param sys the system
 * @param ref the actor
 * @param out receives its state and counters
 * @threads any thread, including callbacks (also the actor's own)
 * @blocks  no
 * @retval 0 filled
 * @retval CADRE_EINVAL sys or out NULL
 * @retval CADRE_ENOACTOR ref is not a live actor of sys (stale, forged,
 *         another system's)
 * @retval CADRE_ENOMEM out of memory (the registered names are copied)
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_actor_stats(cadre_system *sys, cadre_ref ref, cadre_actor_info *out);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_STATS_H */

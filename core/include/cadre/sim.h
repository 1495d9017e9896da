/**
 * @file
 * Cadre: the deterministic, replayable mode (a simulation of the system).
 *
 * A system made with a non-zero cadre_config.seed runs deterministically:
 *
 * - It starts no thread of its own: no worker, no blocking-pool thread, no
 *   timer thread, no governor, no I/O thread. The thread that made it
 *   drives it: a send, spawn or timer armed from that thread only queues;
 *   cadre_sim_step, cadre_sim_run and cadre_system_await_quiescent run the
 *   actors, one at a time, on the calling thread (blocking-pool actors
 *   too). The blocking calls of actors/ (cadre_ask_wait, the supervisor's
 *   requests) drive the system while they wait, when the driving thread
 *   makes them; from a callback (a blocking-pool actor's included) they
 *   are refused with CADRE_EWOULDBLOCK, as on a worker: nothing may block
 *   the one thread.
 * - The scheduler's choices come from a PRNG seeded by the seed: which
 *   runnable actor runs next (any of them, not the oldest), and how many
 *   messages its run takes (1 to cadre_config.batch).
 * - Time is virtual: the system's clock (cadre_system_now_ms) starts at 0
 *   and moves only when nothing is runnable, jumping to the next timer's
 *   deadline (cadre_sim_run, cadre_sim_step). Timers, request timeouts,
 *   supervisor restart windows and backoff all read it, so a 1 hour timer
 *   fires at once in wall time, and a window's edge is exact.
 * - Same seed, same run: the events (each run with its actor and the
 *   messages it handled, spawns, exits with their reasons, timer fires,
 *   clock jumps) are the same, in the same order, on every run and on
 *   every machine, given the same program. cadre_sim_hash is a running
 *   hash of them; refs get the same slots and generations on every run
 *   (the system's id in a ref differs between systems of one process).
 * - What cannot be deterministic is refused: every call of cadre/io.h
 *   (sockets, watches, signals, files) returns CADRE_ESTATE in this mode.
 *
 * cadre_system_shutdown's, cadre_system_free's and
 * cadre_system_await_stopped's timeouts are counted on the virtual clock
 * too (they drive the system until then). cadre_sim_check runs a scenario under
 * many seeds and prints the seed of a failure, to replay it alone with the
 * CADRE_SEED environment variable.
 */
#ifndef CADRE_SIM_H
#define CADRE_SIM_H

#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The system's clock in milliseconds: the virtual clock in the
 * deterministic mode (0 when the system starts), else CLOCK_MONOTONIC's
 * (an arbitrary origin). Cadre's own time reads that change behaviour
 * (timers, supervisor restart windows, router pools) use this clock.
 *
 * @param sys the system
 * @threads any thread
 * @blocks  no
 * @return the clock in ms; 0 for sys NULL
 */
CADRE_API uint64_t cadre_system_now_ms(const cadre_system *sys);

/**
 * The seed of a system in the deterministic mode (cadre_config.seed), or 0
 * when sys runs on threads (or is NULL).
 *
 * @param sys the system
 * @threads any thread
 * @blocks  no
 * @return the seed, or 0
 */
CADRE_API uint64_t cadre_sim_seed(const cadre_system *sys);

/**
 * A running hash of the system's scheduling events so far (runs with their
 * actor and messages handled, spawns, exits and reasons, timer fires, clock
 * jumps). Two runs of one program with one seed have equal hashes after
 * equal steps; another seed most often gives another hash.
 *
 * @param sys the system
 * @threads the thread that drives sys, or its actors' callbacks
 * @blocks  no
 * @return the hash; 0 for sys NULL or not in the deterministic mode
 */
CADRE_API uint64_t cadre_sim_hash(const cadre_system *sys);

/**
 * One step of a deterministic system: runs one runnable actor (chosen by
 * the PRNG, for a batch of 1 to cadre_config.batch messages); or, with none
 * runnable, moves the clock to the next timer's deadline and fires the
 * timers due then.
 *
 * @param sys the system
 * @threads the thread that made sys (not an actor's callback)
 * @blocks  no (it runs callbacks on the calling thread)
 * @return 1 if it ran an actor or fired timers; 0 if nothing is runnable
 *         and no timer is armed
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_ESTATE sys is not in the deterministic mode
 * @retval CADRE_EWOULDBLOCK called from an actor's callback
 * @retval CADRE_ECLOSED sys is shut down
 */
CADRE_API int cadre_sim_step(cadre_system *sys);

/**
 * Runs a deterministic system until nothing is runnable and no timer is due
 * within `for_ms` of virtual time from now, then leaves the clock at now +
 * for_ms: the time passes. CADRE_NOWAIT runs what is runnable and fires what
 * is due without moving the clock (as cadre_system_await_quiescent does);
 * CADRE_FOREVER runs until no timer is armed at all (an interval timer then
 * keeps it running: give it a time instead).
 *
 * @param sys    the system
 * @param for_ms virtual ms to let pass; CADRE_NOWAIT; CADRE_FOREVER
 * @threads the thread that made sys (not an actor's callback)
 * @blocks  no (it runs callbacks on the calling thread)
 * @return the count of steps made (>= 0)
 * @retval CADRE_EINVAL sys NULL, or for_ms negative other than CADRE_FOREVER
 * @retval CADRE_ESTATE sys is not in the deterministic mode
 * @retval CADRE_EWOULDBLOCK called from an actor's callback
 * @retval CADRE_ECLOSED sys is shut down
 */
CADRE_API int cadre_sim_run(cadre_system *sys, cadre_timeout for_ms);

/**
 * A scenario for cadre_sim_check: makes a system with the seed it is given
 * (cadre_config.seed = seed), runs it, checks what happened, frees it.
 * Returns 0 if the run was right, anything else if not.
 */
typedef int (*cadre_sim_scenario)(uint64_t seed, void *ctx);

/**
 * Runs scenario under the seeds first_seed .. first_seed + k - 1, in order,
 * until one fails; then prints that seed on stderr with how to replay it
 * ("CADRE_SEED=<seed>"). If the environment variable CADRE_SEED holds a
 * non-zero number, only that seed runs (the replay): k and first_seed are
 * ignored. Seeds are never 0 (0 is skipped: it means "not deterministic").
 *
 * @param scenario the scenario
 * @param ctx      passed to scenario
 * @param first_seed the first seed (0: 1)
 * @param k        how many seeds
 * @param failed   receives the seed that failed (untouched if none); may be NULL
 * @threads any thread but a worker or pool thread of a Cadre system
 * @blocks  yes, while the scenarios run
 * @return 0 if every seed passed, 1 if one failed (it stops at the first)
 * @retval CADRE_EINVAL scenario NULL
 */
CADRE_API int cadre_sim_check(cadre_sim_scenario scenario, void *ctx, uint64_t first_seed,
                              unsigned k, uint64_t *failed);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_SIM_H */

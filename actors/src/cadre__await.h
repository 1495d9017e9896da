/* Cadre internal (actors/): the one futex-plus-deadline wait of actors/.
 *
 * The blocking calls of actors/ (a supervisor request's answer, a future's
 * reply) sleep on a 32-bit word in a record shared with an actor, until the
 * actor changes the word (a release store, then cadre__futex_wake) or until
 * the caller's deadline.
 */
#ifndef CADRE__AWAIT_H
#define CADRE__AWAIT_H

#include <stdint.h>

#include <cadre.h>
#include <cadre/error.h>

#include "cadre__atomic.h"
#include "cadre__clock.h"
#include "cadre__futex.h"

/* Waits while *word == val, until deadline_ns (cadre__deadline_ms;
 * UINT64_MAX: no deadline). Returns 0 once the word holds another value,
 * CADRE_ETIMEDOUT if the deadline passed first. */
static inline int
cadre__await_change(uint32_t *word, uint32_t val, uint64_t deadline_ns)
{
	/* Acquire: pairs with the release store that changed the word
	 * (req_complete, future_done), so the answer written before it is
	 * visible to the caller. */
	while (cadre__load_acq_u32(word) == val) {
		if (cadre__futex_wait_until(word, val, deadline_ns) == CADRE_ETIMEDOUT)
			return CADRE_ETIMEDOUT;
	}
	return 0;
}

/* cadre__await_change for a blocking call on sys, with timeout_ms
 * (negative: none). In the deterministic mode (cadre/sim.h) nothing runs
 * unless the caller drives: it runs what is runnable now, then lets the
 * virtual clock pass 1 ms at a time (firing the timers due), until the
 * word changes or the clock reaches the deadline; with no deadline, a step
 * at a time, and nothing left to run (the word can never change) is
 * CADRE_ETIMEDOUT at once. */
static inline int
cadre__await_in(cadre_system *sys, uint32_t *word, uint32_t val, cadre_timeout timeout_ms)
{
	if (cadre_sim_seed(sys) == 0)
		return cadre__await_change(word, val, cadre__deadline_ms(timeout_ms));
	/* Acquire loads: as above (one thread here; the pairing is kept). */
	if (timeout_ms < 0) {
		while (cadre__load_acq_u32(word) == val)
			if (cadre_sim_step(sys) <= 0) /* nothing left, or refused */
				return CADRE_ETIMEDOUT;
		return 0;
	}
	uint64_t end = cadre_system_now_ms(sys) + (uint64_t)timeout_ms;
	while (cadre__load_acq_u32(word) == val) {
		/* What is runnable now; then, still unchanged, 1 ms passes. */
		if (cadre_sim_run(sys, CADRE_NOWAIT) < 0)
			return CADRE_ETIMEDOUT;
		if (cadre__load_acq_u32(word) != val)
			break;
		if (cadre_system_now_ms(sys) >= end || cadre_sim_run(sys, 1) < 0)
			return CADRE_ETIMEDOUT;
	}
	return 0;
}

#endif /* CADRE__AWAIT_H */

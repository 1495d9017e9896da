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

#endif /* CADRE__AWAIT_H */

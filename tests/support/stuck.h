/* Cadre tests: an actor held up behind a long run (tests/core/sched:
 * test_steal's stuck_owner, test_governor's stuck).
 *
 * x spins in its start callback (it never yields its worker) until y, an
 * actor queued behind it on the same worker, has started: only another
 * worker taking y can end the spin (a bounded wait: 10 s, then
 * stuck_round_end's check fails). x spawns y itself (during its long run)
 * when its start argument is not NULL.
 *
 * A round: stuck_round_begin (no actor runs now), spawn x (or what spawns
 * it), stuck_round_end. */
#ifndef CADRE_TEST_STUCK_H
#define CADRE_TEST_STUCK_H

#include <stdint.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"
#include "quiet.h"
#include "waits.h"

static uint32_t y_started, x_done, x_timed_out;

static int
y_start(cadre_actor *self, void *arg)
{
	(void)arg;
	cadre__store_rel_u32(&y_started, 1); /* pairs with x's acquire load */
	return cadre_stop(self);
}

static const cadre_behaviour y_beh = {
        .size = sizeof(cadre_actor), .start = y_start, .receive = noop_receive};

/* Spins (never yields the worker) until y has started, at most 10 s. */
static int
x_start(cadre_actor *self, void *arg)
{
	if (arg != NULL) { /* queue y during this long run */
		cadre_ref y;
		CHECK_EQ(cadre_spawn(cadre_actor_system(self), &y_beh, NULL, NULL, &y), 0);
	}
	uint64_t end = now_ns() + UINT64_C(10000000000);
	while (cadre__load_acq_u32(&y_started) == 0) { /* pairs with y_start */
		if (now_ns() > end) {
			cadre__store_rel_u32(&x_timed_out, 1); /* read by main after x_done */
			break;
		}
	}
	cadre__store_rel_u32(&x_done, 1); /* pairs with stuck_round_end's acquire load */
	return cadre_stop(self);
}

static const cadre_behaviour x_beh = {
        .size = sizeof(cadre_actor), .start = x_start, .receive = noop_receive};

/* Before a round's spawn; no actor runs now (release stores: read by the
 * round's actors, through the spawn). */
static inline void
stuck_round_begin(void)
{
	cadre__store_rel_u32(&y_started, 0);
	cadre__store_rel_u32(&x_done, 0);
}

/* Waits for x's end (a bounded wait), which must not have timed out: y
 * ran while x spun. */
static inline void
stuck_round_end(void)
{
	for (int i = 0; cadre__load_acq_u32(&x_done) == 0; i++) { /* pairs with x */
		CHECK(i < 30000);
		nap_ms(1);
	}
	/* Acquire: x_timed_out was stored before x_done (pairs with x). */
	CHECK_EQ(cadre__load_acq_u32(&x_timed_out), 0);
}

#endif /* CADRE_TEST_STUCK_H */

/* Cadre tests: hold a worker busy on purpose (a "gate" actor whose start
 * spins until released, bounded to 20 s), so that messages queue up behind
 * it in a 1-worker system. */
#ifndef CADRE_TEST_GATE_H
#define CADRE_TEST_GATE_H

#include <sched.h>
#include <string.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

struct gate {
	long started;
	long release;
	long timed_out;
};

static inline int
blocker_start(cadre_actor *self, void *arg)
{
	struct gate *g = arg;
	__atomic_store_n(&g->started, 1, __ATOMIC_RELEASE);
	long t0 = now_ms();
	while (!__atomic_load_n(&g->release, __ATOMIC_ACQUIRE)) {
		if (now_ms() - t0 > 20000) {
			__atomic_store_n(&g->timed_out, 1, __ATOMIC_RELEASE);
			break;
		}
		sched_yield();
	}
	return cadre_stop(self);
}

static const cadre_behaviour blocker_beh = {
        .size = sizeof(cadre_actor), .start = blocker_start, .receive = noop_receive};

static inline void
block_worker(cadre_system *sys, struct gate *g)
{
	memset(g, 0, sizeof *g);
	cadre_ref b;
	CHECK_EQ(cadre_spawn(sys, &blocker_beh, NULL, g, &b), 0);
	CHECK(wait_at_least(&g->started, 1, 10000));
}

static inline void
unblock_worker(struct gate *g)
{
	__atomic_store_n(&g->release, 1, __ATOMIC_RELEASE);
}

#endif /* CADRE_TEST_GATE_H */

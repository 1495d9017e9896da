/* Cadre tests: waiting for quiet points, shared by the core tests.
 *
 * await_quiet: every actor has stopped and has been reclaimed (so every
 * message still queued at its death has been dead-lettered), checked
 * exactly: sent == handled + dead_letters, nothing alive. */
#ifndef CADRE_TEST_QUIET_H
#define CADRE_TEST_QUIET_H

#include <time.h>

#include <cadre.h>

#include "check.h"

static inline long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void
nap_us(long us)
{
	struct timespec ts = {us / 1000000L, (us % 1000000L) * 1000L};
	nanosleep(&ts, NULL);
}

/* A receive callback that ignores its message. */
static inline int
noop_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

/* A long written by actors with __atomic stores (acquire: pairs with them). */
static inline long
ld(const long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Polls *p until it reaches want or timeout_ms passes; whether it got there. */
static inline int
wait_at_least(const long *p, long want, long timeout_ms)
{
	long t0 = now_ms();
	while (ld(p) < want) {
		if (now_ms() - t0 > timeout_ms)
			return 0;
		nap_us(200);
	}
	return 1;
}

static inline cadre_stats
stats_of(cadre_system *sys)
{
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	return st;
}

static inline cadre_stats
await_quiet(cadre_system *sys)
{
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	cadre_stats st = stats_of(sys);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.actors_alive, 0);
	CHECK_EQ(st.spawned, st.stopped);
	return st;
}

#endif /* CADRE_TEST_QUIET_H */

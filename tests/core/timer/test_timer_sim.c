/* Timers on the virtual clock (cadre/sim.h): each fires exactly at its
 * deadline, intervals exactly every period, a cancel before the deadline
 * wins, many timers arrive in deadline order; under several seeds. The
 * threaded timer service keeps its tests in test_timers.c. */
#include <string.h>

#include <cadre.h>

#include "check.h"

#define N_MANY 5000
#define SEEDS 8

struct sink {
	cadre_actor base;
};

/* What arrived: the clock at each arrival, and the due time it carried. */
static uint64_t got_at[N_MANY], got_due[N_MANY];
static unsigned got;

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	if (got < N_MANY) {
		got_at[got] = cadre_system_now_ms(cadre_actor_system(self));
		got_due[got] = m->size == sizeof(uint64_t) ? *(const uint64_t *)m->data : 0;
		got++;
	}
	return 0;
}

static const cadre_behaviour sink_beh = {.size = sizeof(struct sink), .receive = sink_receive};

static cadre_system *
sim_new(uint64_t seed, cadre_ref *sink)
{
	cadre_system *sys;
	cadre_config cfg = {.seed = seed, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, NULL, sink), 0);
	got = 0;
	return sys;
}

static int
exact_deadlines_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	cadre_ref s;
	cadre_system *sys = sim_new(seed, &s);
	static const cadre_timeout delays[] = {1, 7, 1000, 59999};
	int bad = 0;
	for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
		CHECK(cadre_sim_run(sys, 3) >= 0); /* arm at a time that is not 0 */
		uint64_t due = cadre_system_now_ms(sys) + (uint64_t)delays[i];
		CHECK_EQ(cadre_send_after(sys, s, 1, &due, sizeof due, delays[i], NULL), 0);
		/* one ms before: nothing */
		CHECK(cadre_sim_run(sys, delays[i] - 1) >= 0);
		bad |= got != i;
		CHECK(cadre_sim_run(sys, 1) >= 0);
		bad |= got != i + 1 || got_at[i] != due;
	}
	/* NOWAIT: due at once, the clock does not move */
	uint64_t now = cadre_system_now_ms(sys);
	CHECK_EQ(cadre_send_after(sys, s, 1, &now, sizeof now, CADRE_NOWAIT, NULL), 0);
	CHECK(cadre_sim_run(sys, CADRE_NOWAIT) >= 0);
	bad |= got != 5 || got_at[4] != now;
	cadre_system_free(sys);
	return bad;
}

static void
exact_deadlines(void)
{
	CHECK_EQ(cadre_sim_check(exact_deadlines_run, NULL, 1, SEEDS, NULL), 0);
}

static int
intervals_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	cadre_ref s;
	cadre_system *sys = sim_new(seed, &s);
	cadre_timer t;
	CHECK_EQ(cadre_send_interval(sys, s, 1, NULL, 0, 10, &t), 0);
	CHECK(cadre_sim_run(sys, 105) >= 0);
	int bad = got != 10;
	for (unsigned i = 0; i < got && !bad; i++)
		bad |= got_at[i] != 10 * (i + 1);
	CHECK_EQ(cadre_timer_cancel(sys, t), 0);
	CHECK(cadre_sim_run(sys, CADRE_FOREVER) >= 0);
	bad |= got != 10 || cadre_system_now_ms(sys) != 105;
	CHECK_EQ(cadre_timer_cancel(sys, t), CADRE_ENOENT);
	cadre_system_free(sys);
	return bad;
}

static void
intervals(void)
{
	CHECK_EQ(cadre_sim_check(intervals_run, NULL, 100, SEEDS, NULL), 0);
}

static int
cancel_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	cadre_ref s;
	cadre_system *sys = sim_new(seed, &s);
	cadre_timer t;
	CHECK_EQ(cadre_send_after(sys, s, 1, NULL, 0, 50, &t), 0);
	CHECK(cadre_sim_run(sys, 49) >= 0);
	CHECK_EQ(cadre_timer_cancel(sys, t), 0);
	CHECK(cadre_sim_run(sys, CADRE_FOREVER) >= 0);
	int bad = got != 0;
	/* at the deadline itself, the fire has come first */
	CHECK_EQ(cadre_send_after(sys, s, 1, NULL, 0, 50, &t), 0);
	CHECK(cadre_sim_run(sys, 50) >= 0);
	bad |= got != 1 || cadre_timer_cancel(sys, t) != CADRE_ENOENT;
	cadre_system_free(sys);
	return bad;
}

static void
cancel_before_fire(void)
{
	CHECK_EQ(cadre_sim_check(cancel_run, NULL, 200, SEEDS, NULL), 0);
}

static int
many_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	cadre_ref s;
	cadre_system *sys = sim_new(seed, &s);
	uint64_t x = seed;
	for (unsigned i = 0; i < N_MANY; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t delay = (x >> 33) % 100000; /* up to 100 s */
		CHECK_EQ(cadre_send_after(sys, s, 1, &delay, sizeof delay, (cadre_timeout)delay,
		                          NULL),
		         0);
	}
	CHECK(cadre_sim_run(sys, CADRE_FOREVER) > 0);
	int bad = got != N_MANY;
	for (unsigned i = 0; i < got && !bad; i++)
		bad |= got_at[i] != got_due[i] || (i > 0 && got_at[i] < got_at[i - 1]);
	cadre_system_free(sys);
	return bad;
}

static void
many_timers(void)
{
	CHECK_EQ(cadre_sim_check(many_run, NULL, 300, 3, NULL), 0);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, exact_deadlines);
	TEST_CASE_IF(only, intervals);
	TEST_CASE_IF(only, cancel_before_fire);
	TEST_CASE_IF(only, many_timers);
	return 0;
}

/* The parallelism governor (core/src/sched/govern.c) and its dormant
 * workers.
 *
 * decisions: the governor's state machine fed with chosen rates: a probe
 * of fewer workers that wins twice becomes the count; one that loses goes
 * back and probes less often (up to every 256 epochs); epochs that handled
 * nothing are not rates; long runs never probe fewer workers; a gap (idle,
 * or long runs) starts again from every worker.
 *
 * flapping: with the governor off, a thread flips the active count between
 * 1 and 2 every 100 us while 2,000 tokens hop 300 times each between 64
 * actors (sent from actors and from outside): every message is handled,
 * exactly, and nothing is stranded on a dormant worker (a bounded wait).
 *
 * stuck: with one active worker, an actor spins (never yields its worker)
 * until another one, queued behind it on the same worker, has started:
 * only the dormant worker can run it (after 10 x steal_after_us).
 *
 * idle: with one active worker and nothing to do, the dormant worker
 * sleeps (it does not nap in a loop). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "cadre__sched.h"
#include "check.h"
#include "hops.h"
#include "quiet.h"
#include "stuck.h"

/* Sets the active count as the governor would (govern.c's set_active). */
static void
force_active(cadre_system *sys, unsigned n)
{
	/* Relaxed load and store: a hint, as in govern.c (whose governor is
	 * off here: this thread is the only writer). */
	unsigned old = cadre__load_rlx_u32(&sys->active);
	cadre__store_rlx_u32(&sys->active, n);
	for (unsigned i = old; i < n; i++)
		cadre__sched_kick(&sys->workers[i]);
}

/* ---- decisions ---------------------------------------------------------- */
static void
decisions(void)
{
	struct cadre__gov g = {0}; /* reset keeps the switch count: start it at 0 */
	cadre__gov_reset(&g, 2);
	/* Steady at 2 for 4 epochs (every = 4), then a probe of 1. */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 2);
	CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 1); /* probe: settle */
	CHECK_EQ(cadre__gov_step(&g, 2, 500, true), 1); /* settling: not judged */
	CHECK_EQ(cadre__gov_step(&g, 2, 130, true), 1); /* a win */
	CHECK_EQ(g.k, 2u);
	CHECK_EQ(cadre__gov_step(&g, 2, 130, true), 1); /* two: 1 is the count */
	CHECK_EQ(g.k, 1u);
	CHECK_EQ(g.switches, 1u);

	/* At 1, probes of 2 that lose: back to 1, and probes get rarer. */
	unsigned probes = 0, epochs = 0;
	while (probes < 8) {
		unsigned want = cadre__gov_step(&g, 2, 100, true);
		epochs++;
		if (want == 2) { /* the probe: settle, then a losing epoch */
			probes++;
			CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 2);
			CHECK_EQ(cadre__gov_step(&g, 2, 90, true), 1);
			CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 1); /* settles back */
			epochs += 3;
		}
		CHECK(epochs < 2000);
	}
	CHECK_EQ(g.k, 1u);
	CHECK_EQ(g.every, 256u); /* 4 doubled 8 times, capped */
	CHECK_EQ(g.switches, 1u);

	/* A probe that wins once and then loses is not taken. */
	cadre__gov_reset(&g, 2);
	for (int i = 0; i < 3; i++)
		cadre__gov_step(&g, 2, 100, true);
	CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 1);
	CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 1);
	CHECK_EQ(cadre__gov_step(&g, 2, 200, true), 1);
	CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 2);
	CHECK_EQ(g.k, 2u);

	/* Epochs that handled nothing (a spawn phase) are not a rate: they
	 * neither count towards a probe nor make k's rate 0, against which
	 * any probe would win. */
	cadre__gov_reset(&g, 2);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(cadre__gov_step(&g, 2, 0, true), 2);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 2);
	CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 1); /* probe: settle */
	CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 1);
	CHECK_EQ(cadre__gov_step(&g, 2, 100, true), 2); /* equal: lost */
	CHECK_EQ(g.k, 2u);

	/* Long runs: never a probe of fewer workers. */
	cadre__gov_reset(&g, 2);
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(cadre__gov_step(&g, 2, 1, false), 2);

	/* A gap at 1 starts again from every worker. */
	cadre__gov_reset(&g, 4);
	g.k = 1;
	CHECK_EQ(cadre__gov_step(&g, 4, -1, true), 4);
	CHECK_EQ(g.k, 4u);

	/* With 4 workers, probes alternate down and up from the middle. */
	cadre__gov_reset(&g, 4);
	g.k = 2;
	unsigned seen_up = 0, seen_down = 0;
	for (int i = 0; i < 200; i++) {
		unsigned want = cadre__gov_step(&g, 4, 100, true);
		seen_up += want == 3;
		seen_down += want == 1;
	}
	CHECK(seen_up > 0 && seen_down > 0);
	CHECK_EQ(g.k, 2u); /* equal rates never win */
}

/* ---- flapping ----------------------------------------------------------- */
static uint32_t flipping;

static void *
flipper(void *arg)
{
	cadre_system *sys = arg;
	unsigned n = 1;
	while (cadre__load_acq_u32(&flipping)) { /* pairs with main's release */
		force_active(sys, n);
		n = 3 - n;
		nanosleep(&(struct timespec){0, 100000L}, NULL);
	}
	force_active(sys, 2);
	return NULL;
}

static void
flapping(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2, .no_governor = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre__store_rel_u32(&flipping, 1); /* pairs with the flipper's acquire */
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, flipper, sys), 0);
	cadre_stats st;
	hops_run(sys, test_size("CADRE_GOV_TOKENS", 2000), 300, &st);
	cadre__store_rel_u32(&flipping, 0); /* pairs with the flipper's acquire */
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

/* ---- stuck -------------------------------------------------------------- */
static void
stuck(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2, .no_governor = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	force_active(sys, 1);
	for (int round = 0; round < 5; round++) {
		nap_ms(20); /* both asleep */
		stuck_round_begin();
		cadre_ref x; /* x queues y behind itself */
		CHECK_EQ(cadre_spawn(sys, &x_beh, NULL, (void *)1, &x), 0);
		stuck_round_end();
		CHECK_EQ(cadre_system_await_stopped(sys, 10000), 0);
	}
	cadre_stats w1;
	CHECK_EQ(cadre_system_stats(sys, 1, &w1), 0);
	CHECK(w1.steals >= 5); /* the dormant worker took each y */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

/* ---- idle --------------------------------------------------------------- */
static void
idle(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2, .no_governor = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	force_active(sys, 1);
	nap_ms(50);
	cadre_stats a, b;
	CHECK_EQ(cadre_system_stats(sys, 1, &a), 0);
	nap_ms(300);
	CHECK_EQ(cadre_system_stats(sys, 1, &b), 0);
	/* A nap loop would park every ~1 ms: 300 times. */
	CHECK(b.parks - a.parks <= 10);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, decisions);
	TEST_CASE_IF(only, flapping);
	TEST_CASE_IF(only, stuck);
	TEST_CASE_IF(only, idle);
	fprintf(stderr, "test_governor: ok\n");
	return 0;
}
